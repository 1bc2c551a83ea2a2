// The town administrator's user management, start to end, and the audit
// entry each change leaves.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError, Client, ROLES } from '../lib/harness.mjs';

const A = '104213';
const ASSIGNABLE = ['admin', 'residents_clerk', 'tax_clerk', 'welfare_clerk', 'auditor'];
let k, admin, auditor, adminId;
const changes = []; // { rid, action, detail } expected in the audit log

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町']] });
  admin = await k.as(A, 'admin');
  auditor = await k.as(A, 'auditor');
  adminId = (await admin.get('/api/v1/me')).json.user.id;
});
after(async () => { await k.stop(); });

const rid = (r) => r.headers.get('x-request-id');
const signIn = (user, password) => k.client().post('/api/v1/session', { tenant: A, user, password });
const USER_KEYS = ['created_at', 'disabled', 'id', 'locked', 'locked_until', 'login', 'name',
  'password_changed_at', 'role', 'role_label', 'updated_at'];

const created = {}; // role → { id, login, password }

test('the administrator creates a user of each assignable role', async () => {
  for (const role of ASSIGNABLE) {
    const login = `new-${role.replace('_', '-')}`;
    const password = `pw-of-${login}-123`;
    const r = await admin.post('/api/v1/users', { login, name: `新規 ${role}`, role, password });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), USER_KEYS);
    assert.equal(r.json.login, login);
    assert.equal(r.json.name, `新規 ${role}`);
    assert.equal(r.json.role, role);
    assert.equal(r.json.disabled, false);
    assert.equal(r.json.locked, false);
    assert.ok(!r.text.includes(password), 'the password is never echoed');
    created[role] = { id: r.json.id, login, password };
    changes.push({ rid: rid(r), action: 'user.create', detail: new RegExp(`user ${r.json.id} .*${role}`) });
  }
  const list = await admin.get('/api/v1/users');
  for (const role of ASSIGNABLE)
    assert.ok(list.json.items.some((u) => u.id === created[role].id && u.role === role));
  assert.equal(list.json.items.length, ROLES.length + ASSIGNABLE.length);
  // Each one can sign in, and sees its role.
  const me = await k.login(A, created.welfare_clerk.login, created.welfare_clerk.password);
  assert.equal((await me.get('/api/v1/me')).json.user.role, 'welfare_clerk');
});

test('a taken login is 409; operator and unknown roles are refused', async () => {
  const body = { login: created.tax_clerk.login, name: 'dup', role: 'tax_clerk', password: 'some-password-99' };
  assertError(await admin.post('/api/v1/users', body), 409, 'conflict');
  // Logins of the seeded users are taken too.
  assertError(await admin.post('/api/v1/users', { ...body, login: 'admin' }), 409, 'conflict');
  assertError(await admin.post('/api/v1/users', { ...body, login: 'op-2', role: 'operator' }), 400, 'invalid_value', 'role');
  assertError(await admin.post('/api/v1/users', { ...body, login: 'su-2', role: 'superuser' }), 400, 'invalid_value', 'role');
  assertError(await admin.post('/api/v1/users', { ...body, login: 'short-pw', password: 'short' }), 400, 'invalid_value', 'password');
  // The password may not be the login.
  assertError(await admin.post('/api/v1/users', { ...body, login: 'same-as-password', password: 'same-as-password' }),
    400, 'invalid_value', 'password');
  const list = await admin.get('/api/v1/users');
  assert.ok(!list.json.items.some((u) => ['op-2', 'su-2', 'short-pw', 'same-as-password'].includes(u.login)));
});

test('get, rename and change the role of a user', async () => {
  const { id } = created.tax_clerk;
  const g = await admin.get(`/api/v1/users/${id}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.id, id);
  assert.equal(g.json.role, 'tax_clerk');
  changes.push({ rid: rid(g), action: 'user.read', detail: new RegExp(`user ${id}`) });

  const rn = await admin.patch(`/api/v1/users/${id}`, { name: '改名 税務' });
  assert.equal(rn.status, 200, rn.text);
  assert.equal(rn.json.name, '改名 税務');
  assert.equal(rn.json.role, 'tax_clerk');
  changes.push({ rid: rid(rn), action: 'user.update', detail: /name/ });

  const session = await k.login(A, created.tax_clerk.login, created.tax_clerk.password);
  const ro = await admin.patch(`/api/v1/users/${id}`, { role: 'residents_clerk' });
  assert.equal(ro.status, 200, ro.text);
  assert.equal(ro.json.role, 'residents_clerk');
  assert.equal(ro.json.name, '改名 税務');
  changes.push({ rid: rid(ro), action: 'user.update', detail: /role/ });
  // The change holds: read back, and the user's menu follows the new role.
  assert.equal((await admin.get(`/api/v1/users/${id}`)).json.role, 'residents_clerk');
  const me = await session.get('/api/v1/me');
  if (me.status === 200) assert.equal(me.json.user.role, 'residents_clerk', 'an open session sees its new role');
  else assertError(me, 401, 'unauthenticated');
  const fresh = await k.login(A, created.tax_clerk.login, created.tax_clerk.password);
  const m = (await fresh.get('/api/v1/me')).json;
  assert.equal(m.user.role, 'residents_clerk');
  assert.deepEqual(m.menu.map((s) => s.id), ['residents', 'atena']);
  // What its new role may not do is now forbidden.
  assertError(await fresh.get('/api/v1/users'), 403, 'forbidden');
});

test('disable: the user cannot sign in and its open session ends; enable restores sign-in', async () => {
  const { id, login, password } = created.auditor;
  const session = await k.login(A, login, password);
  assert.equal((await session.get('/api/v1/audit?limit=1')).status, 200);

  const d = await admin.patch(`/api/v1/users/${id}`, { disabled: true });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.disabled, true);
  changes.push({ rid: rid(d), action: 'user.update', detail: /disabled/ });
  assertError(await session.get('/api/v1/me'), 401, 'unauthenticated');
  assertError(await signIn(login, password), 401, 'invalid_credentials');
  assert.equal((await admin.get(`/api/v1/users/${id}`)).json.disabled, true);

  const e = await admin.patch(`/api/v1/users/${id}`, { disabled: false });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.disabled, false);
  changes.push({ rid: rid(e), action: 'user.update', detail: /enabled/ });
  assert.equal((await signIn(login, password)).status, 201);
  // The session that was ended stays ended.
  assertError(await session.get('/api/v1/me'), 401, 'unauthenticated');
});

test('password reset: 204, the new password works, the old one and old sessions do not', async () => {
  const u = created.welfare_clerk;
  const session = await k.login(A, u.login, u.password);
  const before = (await admin.get(`/api/v1/users/${u.id}`)).json.password_changed_at;
  const newPw = 'reset-password-456';
  const r = await admin.put(`/api/v1/users/${u.id}/password`, { password: newPw });
  assert.equal(r.status, 204, r.text);
  assert.equal(r.text, '');
  changes.push({ rid: rid(r), action: 'user.password', detail: new RegExp(`user ${u.id}`) });
  assertError(await session.get('/api/v1/me'), 401, 'unauthenticated');
  assertError(await signIn(u.login, u.password), 401, 'invalid_credentials');
  assert.equal((await signIn(u.login, newPw)).status, 201);
  const after = (await admin.get(`/api/v1/users/${u.id}`)).json.password_changed_at;
  assert.ok(after >= before);
  // Too short a password is refused and changes nothing.
  assertError(await admin.put(`/api/v1/users/${u.id}/password`, { password: 'short' }), 400, 'invalid_value', 'password');
  assert.equal((await signIn(u.login, newPw)).status, 201);
  // An unknown user is 404.
  assertError(await admin.put('/api/v1/users/999999/password', { password: 'whatever-pw-1' }), 404, 'not_found');
});

test('administrators cannot disable themselves, change their own role, or reset their own password here', async () => {
  assertError(await admin.patch(`/api/v1/users/${adminId}`, { disabled: true }), 400, 'invalid_value', 'disabled');
  assertError(await admin.patch(`/api/v1/users/${adminId}`, { role: 'auditor' }), 400, 'invalid_value', 'role');
  assertError(await admin.put(`/api/v1/users/${adminId}/password`, { password: 'self-reset-pw-1' }), 400, 'invalid_value', 'id');
  // Renaming oneself is fine.
  const r = await admin.patch(`/api/v1/users/${adminId}`, { name: '管理者 改名' });
  assert.equal(r.status, 200, r.text);
  changes.push({ rid: rid(r), action: 'user.update', detail: /name/ });
  const me = await admin.get('/api/v1/me');
  assert.equal(me.status, 200, 'still signed in');
  assert.equal(me.json.user.role, 'admin');
  // A second administrator may disable the first, though.
  const other = await k.login(A, created.admin.login, created.admin.password);
  const d = await other.patch(`/api/v1/users/${adminId}`, { disabled: true });
  assert.equal(d.status, 200, d.text);
  assertError(await admin.get('/api/v1/me'), 401, 'unauthenticated');
  const e = await other.patch(`/api/v1/users/${adminId}`, { disabled: false });
  assert.equal(e.status, 200, e.text);
  admin = await k.as(A, 'admin');
});

for (const role of ['operator', 'consortium_admin'])
test(`the town administrator cannot change, reset or create a ${role} account (403, audited)`, async () => {
  const list = await admin.get('/api/v1/users');
  const op = list.json.items.find((u) => u.role === role);
  const rids = [];
  for (const [m, p, body] of [
    ['PATCH', `/api/v1/users/${op.id}`, { role: 'admin' }],
    ['PATCH', `/api/v1/users/${op.id}`, { name: 'renamed operator' }],
    ['PATCH', `/api/v1/users/${op.id}`, { disabled: true }],
    ['PUT', `/api/v1/users/${op.id}/password`, { password: 'taken-over-pw-1' }],
  ]) {
    const r = await admin.request(m, p, { body });
    assertError(r, 403, 'forbidden', null);
    rids.push(rid(r));
  }
  const now = await admin.get(`/api/v1/users/${op.id}`);
  assert.equal(now.json.role, role);
  assert.equal(now.json.disabled, false);
  assert.equal(now.json.name, op.name);
  // Its password is unchanged: its owner still signs in with it.
  assert.equal((await signIn(op.login, k.password(A, role))).status, 201);
  const log = await auditor.get('/api/v1/audit?limit=500');
  for (const id of rids) {
    const e = log.json.items.find((x) => x.request_id === id);
    assert.ok(e, `refusal ${id} not audited`);
    assert.equal(e.outcome, 'denied');
  }
  // Nor create one.
  assertError(await admin.post('/api/v1/users', { login: 'op-3', name: 'x', role, password: 'op-3-password-x' }),
    400, 'invalid_value', 'role');
});

test('every change is in the audit log with the right action, user and outcome', async () => {
  const r = await auditor.get('/api/v1/audit?limit=500');
  assert.equal(r.status, 200, r.text);
  const byRid = new Map(r.json.items.map((e) => [e.request_id, e]));
  assert.ok(changes.length >= 12);
  for (const c of changes) {
    const e = byRid.get(c.rid);
    assert.ok(e, `no audit entry for ${c.action} (request ${c.rid})`);
    assert.equal(e.action, c.action);
    assert.equal(e.outcome, 'ok');
    assert.equal(e.purpose, '利用者管理', 'the route\'s default purpose');
    assert.ok(['admin', created.admin.login].includes(e.user), e.user);
    assert.equal(e.role, 'admin');
    assert.match(e.detail, c.detail);
  }
  // Listing users is recorded too.
  assert.ok(r.json.items.some((e) => e.action === 'user.list' && e.outcome === 'ok'));
  // No password appears anywhere in the log.
  for (const u of Object.values(created)) assert.ok(!r.text.includes(u.password));
  assert.ok(!r.text.includes('reset-password-456'));
});

test('a signed-out administrator\'s cookie cannot manage users', async () => {
  const c = await k.as(A, 'admin');
  const { cookie, csrf } = c;
  assert.equal((await c.del('/api/v1/session')).status, 204);
  const stale = new Client(k.base, cookie, csrf);
  assertError(await stale.post('/api/v1/users', { login: 'ghost', name: 'g', role: 'admin', password: 'ghost-password-1' }),
    401, 'unauthenticated');
});
