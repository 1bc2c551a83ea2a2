// The consortium operator's tenant registry: register a town (with its first
// administrator), rename, disable and enable it; what each does to the
// town's users; and the audit entries the new town's log receives.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError, Client } from '../lib/harness.mjs';

const A = '104213';

// 全国地方公共団体コード check digit: weights 6,5,4,3,2 over the first five
// digits; CD = (11 - sum % 11) % 10.
function withCheckDigit(five) {
  const sum = [...five].reduce((s, d, i) => s + Number(d) * (6 - i), 0);
  return five + String((11 - (sum % 11)) % 10);
}
function wrongCheckDigit(five) {
  const good = withCheckDigit(five);
  return five + String((Number(good[5]) + 1) % 10);
}

const NEW = withCheckDigit('13201'); // 132012
const NEW2 = withCheckDigit('01100'); // 011002 (札幌市)
const ADMIN = { login: 'first-admin', name: '最初の管理者', password: 'first-admin-password' };
let k, operator;
const rids = {};

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町']] });
  operator = await k.as(A, 'operator');
});
after(async () => { await k.stop(); });

const signIn = (tenant, user, password) => k.client().post('/api/v1/session', { tenant, user, password });

test('the check digit helper agrees with known codes', () => {
  assert.equal(NEW, '132012');
  assert.equal(withCheckDigit('10421'), '104213');
  assert.equal(withCheckDigit('10424'), '104248');
  assert.equal(withCheckDigit('01100'), '011002');
});

test('the operator lists the registry', async () => {
  const r = await operator.get('/api/v1/tenants');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.items[0].code, A);
  assert.equal(r.json.items[0].active, true);
});

test('register a town with its first administrator, who can then sign in', async () => {
  const r = await operator.post('/api/v1/tenants', {
    code: NEW, name: 'テスト町', admin_login: ADMIN.login, admin_name: ADMIN.name, admin_password: ADMIN.password,
  });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['active', 'code', 'created_at', 'name', 'updated_at']);
  assert.equal(r.json.code, NEW);
  assert.equal(r.json.name, 'テスト町');
  assert.equal(r.json.active, true);
  rids.create = r.headers.get('x-request-id');

  const g = await operator.get(`/api/v1/tenants/${NEW}`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.json, r.json);
  const list = await operator.get('/api/v1/tenants');
  assert.deepEqual(list.json.items.map((t) => t.code), [A, NEW], 'in code order');

  const adm = await k.login(NEW, ADMIN.login, ADMIN.password);
  const me = (await adm.get('/api/v1/me')).json;
  assert.equal(me.user.role, 'admin');
  assert.deepEqual(me.tenant, { code: NEW, name: 'テスト町' });
  const users = await adm.get('/api/v1/users');
  assert.deepEqual(users.json.items.map((u) => u.login), [ADMIN.login]);
  // The operator who registered it is not a user of it.
  assertError(await signIn(NEW, 'operator', k.password(A, 'operator')), 401, 'invalid_credentials');
});

test('register a town without an administrator; the admin_ fields are all or none', async () => {
  assertError(await operator.post('/api/v1/tenants', { code: NEW2, name: '札幌市', admin_login: 'x-admin' }),
    400, 'missing_field', 'admin_name');
  assertError(await operator.post('/api/v1/tenants',
    { code: NEW2, name: '札幌市', admin_login: 'x-admin', admin_name: 'x' }), 400, 'missing_field', 'admin_password');
  assertError(await operator.post('/api/v1/tenants',
    { code: NEW2, name: '札幌市', admin_login: 'x-admin', admin_name: 'x', admin_password: 'short' }),
    400, 'invalid_value', 'admin_password');
  assertError(await operator.post('/api/v1/tenants',
    { code: NEW2, name: '札幌市', admin_login: 'Bad Login', admin_name: 'x', admin_password: 'long-enough-pw' }),
    400, 'invalid_value', 'admin_login');
  // None of the refused requests registered the town.
  assertError(await operator.get(`/api/v1/tenants/${NEW2}`), 404, 'not_found');
  const r = await operator.post('/api/v1/tenants', { code: NEW2, name: '札幌市' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.active, true);
});

test('a taken code is 409; a wrong check digit or a bad name is 400', async () => {
  assertError(await operator.post('/api/v1/tenants', { code: NEW, name: '別の町' }), 409, 'conflict');
  assertError(await operator.post('/api/v1/tenants', { code: A, name: '別の町' }), 409, 'conflict');
  const bad = wrongCheckDigit('13201');
  const r = await operator.post('/api/v1/tenants', { code: bad, name: '別の町' });
  assertError(r, 400, 'invalid_value', 'code');
  assert.match(r.json.error.message, /check digit/i);
  assertError(await operator.post('/api/v1/tenants', { code: withCheckDigit('20201'), name: '' }), 400, 'invalid_value', 'name');
  assertError(await operator.post('/api/v1/tenants', { code: withCheckDigit('20201'), name: '町'.repeat(33) }), 400, 'too_long', 'name');
  assertError(await operator.post('/api/v1/tenants', { code: withCheckDigit('20201'), name: '改行\nあり' }), 400, 'invalid_value', 'name');
  assertError(await operator.post('/api/v1/tenants', { name: '町' }), 400, 'missing_field', 'code');
  assertError(await operator.get(`/api/v1/tenants/${bad}`), 404, 'not_found');
  // The registry did not change; the first town's name is intact.
  const list = await operator.get('/api/v1/tenants');
  assert.deepEqual(list.json.items.map((t) => [t.code, t.name]), [[NEW2, '札幌市'], [A, '中之条町'], [NEW, 'テスト町']]);
});

test('rename a town: the registry and its users\' sessions show the new name', async () => {
  const adm = await k.login(NEW, ADMIN.login, ADMIN.password);
  const r = await operator.patch(`/api/v1/tenants/${NEW}`, { name: '改名町' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, '改名町');
  assert.equal(r.json.active, true);
  rids.rename = r.headers.get('x-request-id');
  assert.equal((await operator.get(`/api/v1/tenants/${NEW}`)).json.name, '改名町');
  const me = await adm.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.tenant.name, '改名町');
  assert.equal((await adm.get('/api/v1/town')).json.name, '改名町');
  assertError(await operator.patch(`/api/v1/tenants/${NEW}`, {}), 400, 'bad_request', null);
  assertError(await operator.patch(`/api/v1/tenants/${NEW}`, { name: '' }), 400, 'invalid_value', 'name');
  assertError(await operator.patch(`/api/v1/tenants/${NEW}`, { code: '999999' }), 400, 'unknown_field', 'code');
  assertError(await operator.patch(`/api/v1/tenants/${withCheckDigit('20201')}`, { name: 'x' }), 404, 'not_found');
});

test('disable a town: its users cannot sign in and their sessions end; enable restores', async () => {
  const adm = await k.login(NEW, ADMIN.login, ADMIN.password);
  const d = await operator.patch(`/api/v1/tenants/${NEW}`, { active: false });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.active, false);
  rids.disable = d.headers.get('x-request-id');
  assertError(await adm.get('/api/v1/me'), 401, 'unauthenticated');
  const s = await signIn(NEW, ADMIN.login, ADMIN.password);
  assertError(s, 401, 'invalid_credentials');
  // The same message as any other failed sign-in.
  const other = await signIn(NEW, 'no-such-user', ADMIN.password);
  assert.equal(s.json.error.message, other.json.error.message);
  // Still listed, as inactive; other towns unaffected.
  const list = await operator.get('/api/v1/tenants');
  assert.equal(list.json.items.find((t) => t.code === NEW).active, false);
  assert.equal((await operator.get('/api/v1/me')).status, 200);
  assert.equal((await signIn(A, 'admin', k.password(A, 'admin'))).status, 201);

  const e = await operator.patch(`/api/v1/tenants/${NEW}`, { active: true });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.active, true);
  rids.enable = e.headers.get('x-request-id');
  assert.equal((await signIn(NEW, ADMIN.login, ADMIN.password)).status, 201);
  // A session ended by the disabling stays ended.
  assertError(await adm.get('/api/v1/me'), 401, 'unauthenticated');
});

test('an operator cannot disable the town they are signed in to', async () => {
  assertError(await operator.patch(`/api/v1/tenants/${A}`, { active: false }), 400, 'invalid_value', 'active');
  assertError(await operator.patch(`/api/v1/tenants/${A}`, { name: '新名', active: false }), 400, 'invalid_value', 'active');
  const t = await operator.get(`/api/v1/tenants/${A}`);
  assert.equal(t.json.active, true);
  assert.equal(t.json.name, '中之条町', 'the refused request renamed nothing');
  assert.equal((await operator.get('/api/v1/me')).status, 200);
  // Enabling it (a no-op) is allowed.
  assert.equal((await operator.patch(`/api/v1/tenants/${A}`, { active: true })).status, 200);
});

test('the new town\'s own log records its registration and changes', async () => {
  const adm = await k.login(NEW, ADMIN.login, ADMIN.password);
  const mk = await adm.post('/api/v1/users', { login: 'town-auditor', name: '監査', role: 'auditor', password: 'town-auditor-pw' });
  assert.equal(mk.status, 201, mk.text);
  const aud = await k.login(NEW, 'town-auditor', 'town-auditor-pw');
  const r = await aud.get('/api/v1/audit?limit=500');
  assert.equal(r.status, 200, r.text);
  const items = [...r.json.items].reverse(); // oldest first
  assert.equal(items[0].seq, 1);
  assert.equal(items[0].action, 'tenant.create');
  assert.equal(items[0].request_id, rids.create);
  assert.equal(items[0].user, 'operator');
  assert.equal(items[0].role, 'operator');
  assert.equal(items[1].action, 'user.create');
  assert.match(items[1].detail, new RegExp(ADMIN.login));
  const byRid = new Map(items.map((e) => [e.request_id, e]));
  for (const [what, detail] of [['rename', /renamed/], ['disable', /disabled/], ['enable', /enabled/]]) {
    const e = byRid.get(rids[what]);
    assert.ok(e, `no entry for ${what}`);
    assert.equal(e.action, 'tenant.update');
    assert.equal(e.outcome, 'ok');
    assert.match(e.detail, detail);
  }
  const v = await aud.get('/api/v1/audit/verify');
  assert.equal(v.json.ok, true, v.text);
  // And the operator's own town's log has none of the new town's events.
  const own = await (await k.as(A, 'auditor')).get('/api/v1/audit?limit=500');
  for (const id of Object.values(rids))
    assert.ok(!own.json.items.some((e) => e.request_id === id && e.action.startsWith('tenant.')));
});

test('only operators reach the registry', async () => {
  const adm = await k.as(A, 'admin');
  assertError(await adm.post('/api/v1/tenants', { code: withCheckDigit('20201'), name: 'x' }), 403, 'forbidden');
  assertError(await adm.patch(`/api/v1/tenants/${NEW}`, { active: false }), 403, 'forbidden');
  assertError(await new Client(k.base).get('/api/v1/tenants'), 401, 'unauthenticated');
  assert.equal((await operator.get(`/api/v1/tenants/${NEW}`)).json.active, true);
});
