// Permissions: every route of the contract against every role, as the
// permission table (src/engine/perm.c) says; no session → 401; the menu of
// each role; denied requests in the town's audit log.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError, operations, ROLES } from '../lib/harness.mjs';

const A = '104213';
const ALL = ROLES;
const RESIDENTS = ['residents_clerk', 'residents_supervisor'];

// The expected table, written out by hand from the specification (not read
// from the code): which roles may use each route, and what an allowed request
// with the probe body below answers. null roles: public (no session needed).
const TABLE = {
  'GET /api/v1/health': { roles: null, status: 200 },
  'GET /api/v1/health/live': { roles: null, status: 200 },
  'GET /api/v1/health/ready': { roles: null, status: 200 },
  'GET /api/v1/openapi.json': { roles: null, status: 200 },
  'POST /api/v1/session': { roles: null, status: 400 },
  'DELETE /api/v1/session': { roles: ALL, status: 204 },
  'GET /api/v1/me': { roles: ALL, status: 200 },
  'POST /api/v1/me/password': { roles: ALL, status: 400 },
  'GET /api/v1/roles': { roles: ALL, status: 200 },
  'GET /api/v1/town': { roles: ALL, status: 200 },
  'GET /api/v1/tenants': { roles: ['operator'], status: 200 },
  'POST /api/v1/tenants': { roles: ['operator'], status: 400 },
  'GET /api/v1/tenants/{code}': { roles: ['operator'], status: 200 },
  'PATCH /api/v1/tenants/{code}': { roles: ['operator'], status: 400, code: 'bad_request' },
  'GET /api/v1/users': { roles: ['admin'], status: 200 },
  'POST /api/v1/users': { roles: ['admin'], status: 400 },
  'GET /api/v1/users/{id}': { roles: ['admin'], status: 200 },
  'PATCH /api/v1/users/{id}': { roles: ['admin'], status: 400, code: 'bad_request' },
  'PUT /api/v1/users/{id}/password': { roles: ['admin'], status: 400 },
  'GET /api/v1/audit': { roles: ['auditor'], status: 200 },
  'GET /api/v1/audit/verify': { roles: ['auditor', 'operator'], status: 200 },
  'GET /api/v1/consortium/sheets': { roles: ['consortium_admin'], status: 200 },
  'POST /api/v1/consortium/sheets': { roles: ['consortium_admin'], status: 400 },
  'GET /api/v1/consortium/sheets/{id}': { roles: ['consortium_admin'], status: 404 },
  'PATCH /api/v1/consortium/sheets/{id}': { roles: ['consortium_admin'], status: 400, code: 'bad_request' },
  'DELETE /api/v1/consortium/sheets/{id}': { roles: ['consortium_admin'], status: 404 },
  'GET /api/v1/consortium/sheets/{id}/report.pdf': { roles: ['consortium_admin'], status: 404 },
  'GET /api/v1/consortium/sheets/{id}/report.csv': { roles: ['consortium_admin'], status: 404 },
  'POST /api/v1/consortium/compute': { roles: ['consortium_admin'], status: 400 },
  'GET /api/v1/residents/idou-kinds': { roles: RESIDENTS, status: 200 },
  'POST /api/v1/residents/idou': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'GET /api/v1/persons': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'GET /api/v1/persons/{atena}': { roles: RESIDENTS, status: 404 },
  'GET /api/v1/persons/{atena}/history': { roles: RESIDENTS, status: 404 },
  'GET /api/v1/households/{setai}': { roles: RESIDENTS, status: 404 },
  'GET /api/v1/events': { roles: [...RESIDENTS, 'tax_clerk', 'welfare_clerk'], status: 200 },
  'POST /api/v1/certificates': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'POST /api/v1/certificates/preview': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'GET /api/v1/certificates': { roles: RESIDENTS, status: 200 },
  'GET /api/v1/certificates/{id}': { roles: RESIDENTS, status: 404 },
  'GET /api/v1/senkyo/meibo': { roles: ['residents_clerk', 'residents_supervisor'], status: 400, code: 'missing_field' },
  'GET /api/v1/senkyo/meibo.csv': { roles: ['residents_clerk', 'residents_supervisor'], status: 400, code: 'missing_field' },
  'GET /api/v1/senkyo/meibo.pdf': { roles: ['residents_clerk', 'residents_supervisor'], status: 400, code: 'missing_field' },
  'GET /api/v1/senkyo/summary': { roles: ['residents_clerk', 'residents_supervisor'], status: 400, code: 'missing_field' },
  'GET /api/v1/senkyo/summary.csv': { roles: ['residents_clerk', 'residents_supervisor'], status: 400, code: 'missing_field' },
  'GET /api/v1/senkyo/summary.pdf': { roles: ['residents_clerk', 'residents_supervisor'], status: 400, code: 'missing_field' },
  'GET /api/v1/senkyo/districts': { roles: ['residents_clerk', 'residents_supervisor'], status: 200 },
  'PUT /api/v1/senkyo/districts': { roles: ['residents_clerk', 'residents_supervisor'], status: 400 },
  'GET /api/v1/senkyo/shikken': { roles: ['residents_clerk', 'residents_supervisor'], status: 200 },
  'POST /api/v1/senkyo/shikken': { roles: ['residents_clerk', 'residents_supervisor'], status: 400 },
  'PATCH /api/v1/senkyo/shikken/{id}': { roles: ['residents_clerk', 'residents_supervisor'], status: 400 },
  'DELETE /api/v1/senkyo/shikken/{id}': { roles: ['residents_clerk', 'residents_supervisor'], status: 404 },
  'GET /api/v1/suppression-codes': { roles: RESIDENTS, status: 200 },
  'GET /api/v1/suppressions': { roles: RESIDENTS, status: 200 },
  'POST /api/v1/suppressions': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'GET /api/v1/suppressions/{id}': { roles: RESIDENTS, status: 404 },
  'POST /api/v1/suppressions/{id}/requests': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'GET /api/v1/suppression-requests': { roles: RESIDENTS, status: 200 },
  'POST /api/v1/suppression-requests/{id}/decision': { roles: ['residents_supervisor'], status: 400, code: 'missing_field' },
  'GET /api/v1/addressees': { roles: [...RESIDENTS, 'tax_clerk', 'welfare_clerk'], status: 400, code: 'missing_field' },
  'POST /api/v1/addressees': { roles: [...RESIDENTS, 'tax_clerk', 'welfare_clerk'], status: 400, code: 'missing_field' },
  'GET /api/v1/addressees/{atena}': { roles: [...RESIDENTS, 'tax_clerk', 'welfare_clerk'], status: 404 },
  'GET /api/v1/addressees/{atena}/history': { roles: [...RESIDENTS, 'tax_clerk', 'welfare_clerk'], status: 404 },
  'POST /api/v1/addressees/{atena}/changes': { roles: [...RESIDENTS, 'tax_clerk', 'welfare_clerk'], status: 400, code: 'missing_field' },
  'POST /api/v1/addressee-merges': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'POST /api/v1/addressee-merges/{id}/undo': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'GET /api/v1/seals': { roles: RESIDENTS, status: 200 },
  'POST /api/v1/seals': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'GET /api/v1/seals/{id}': { roles: RESIDENTS, status: 404 },
  'GET /api/v1/seals/{id}/image': { roles: RESIDENTS, status: 404 },
  'POST /api/v1/seals/{id}/card': { roles: RESIDENTS, status: 404 },
  'POST /api/v1/seals/{id}/card-loss': { roles: RESIDENTS, status: 404 },
  'POST /api/v1/seals/{id}/abolition': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'POST /api/v1/seal-certificates': { roles: RESIDENTS, status: 400, code: 'missing_field' },
  'GET /api/v1/seal-certificates': { roles: RESIDENTS, status: 200 },
  'GET /api/v1/seal-certificates/{id}': { roles: RESIDENTS, status: 404 },
  'GET /api/v1/migration-layouts': { roles: ['operator'], status: 200 },
  'GET /api/v1/tenants/{code}/migrations': { roles: ['operator'], status: 200 },
  'POST /api/v1/tenants/{code}/migrations/exports': { roles: ['operator'], status: 400 },
  'POST /api/v1/tenants/{code}/migrations/imports': { roles: ['operator'], status: 400 },
  'GET /api/v1/tenants/{code}/migrations/{id}': { roles: ['operator'], status: 404 },
  'DELETE /api/v1/tenants/{code}/migrations/{id}': { roles: ['operator'], status: 404 },
  'GET /api/v1/tenants/{code}/migrations/{id}/export.zip': { roles: ['operator'], status: 404 },
  'POST /api/v1/tenants/{code}/migrations/{id}/check': { roles: ['operator'], status: 404 },
  'GET /api/v1/migrations': { roles: ['admin'], status: 200 },
  'GET /api/v1/migrations/{id}': { roles: ['admin'], status: 404 },
  'DELETE /api/v1/migrations/{id}': { roles: ['admin'], status: 404 },
  'GET /api/v1/migrations/{id}/report': { roles: ['admin'], status: 404 },
  'GET /api/v1/migrations/{id}/report.csv': { roles: ['admin'], status: 404 },
  'POST /api/v1/migrations/{id}/confirm': { roles: ['admin'], status: 404 },
};

const MENU = {
  admin: [['admin', '管理', ['利用者管理', '取込の確認']]],
  residents_clerk: [['residents', '住民記録', ['住民検索', '異動届', '証明書交付', '印鑑登録', '支援措置', '選挙人名簿']], ['atena', '宛名', ['宛名検索', '宛名登録', '宛名統合']]],
  tax_clerk: [['tax', '税務', ['個人住民税', '固定資産税', '軽自動車税', '収滞納管理']], ['atena', '宛名', ['宛名検索', '宛名登録']]],
  welfare_clerk: [['welfare', '福祉', ['国民健康保険', '介護保険', '児童手当', '障害者福祉']], ['atena', '宛名', ['宛名検索', '宛名登録']]],
  auditor: [['admin', '管理', ['監査ログ', '監査ログ検証']]],
  operator: [['admin', '管理', ['団体管理', '監査ログ検証', 'データ移行']]],
  consortium_admin: [['consortium', '協議会', ['プロポーザル集計', 'コスト削減効果検証', '共同調達', '費用按分']]],
  residents_supervisor: [['residents', '住民記録', ['住民検索', '異動届', '証明書交付', '印鑑登録', '支援措置', '支援措置の承認', '選挙人名簿']], ['atena', '宛名', ['宛名検索', '宛名登録', '宛名統合']]],
};

let k;
const sessions = {};
let adminId;

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町']] });
  for (const role of ROLES) sessions[role] = await k.as(A, role);
  adminId = (await sessions.admin.get('/api/v1/me')).json.user.id;
});
after(async () => { await k.stop(); });

const ops = () => operations().map((op) => ({ ...op, key: `${op.method} ${op.path}` }));
const concrete = (path) => path.replace('{code}', A).replace('{id}', String(adminId))
  .replace('{atena}', '9999999999').replace('{setai}', '9999999999'); // nobody: allowed roles get 404
// A probe body: empty for writes, so an allowed request stops at validation
// (400) and changes nothing.
const probe = (c, op, opts = {}) =>
  c.request(op.method, concrete(op.path), { ...opts, body: ['POST', 'PUT', 'PATCH'].includes(op.method) ? {} : undefined });

test('the expected table covers exactly the routes of the contract, public ones included', () => {
  const got = ops();
  assert.deepEqual(got.map((o) => o.key).sort(), Object.keys(TABLE).sort());
  for (const o of got)
    assert.equal(o.public, TABLE[o.key].roles === null, `${o.key}: security in openapi.json`);
});

test('without a session every non-public route is 401 unauthenticated', async () => {
  const anon = k.client();
  for (const op of ops()) {
    const r = await probe(anon, op);
    if (TABLE[op.key].roles === null) {
      assert.equal(r.status, TABLE[op.key].status, `${op.key}: ${r.text}`);
    } else {
      assertError(r, 401, 'unauthenticated', null);
    }
  }
});

const denied = []; // { role, key, rid }

test('every role against every route: allowed → its answer, not allowed → 403 forbidden', async () => {
  for (const role of ROLES) {
    for (const op of ops()) {
      const row = TABLE[op.key];
      if (row.roles === null || op.key === 'DELETE /api/v1/session') continue; // sign-out last
      const r = await probe(sessions[role], op);
      const what = `${role} ${op.key}: ${r.status} ${r.text}`;
      if (row.roles.includes(role)) {
        assert.equal(r.status, row.status, what);
        // An empty body: a missing field, or for PATCH nothing to change.
        if (r.status === 400) assert.equal(r.json.error.code, row.code ?? 'missing_field', what);
      } else {
        assertError(r, 403, 'forbidden', null);
        assert.equal(r.json.error.code, 'forbidden', what);
        denied.push({ role, key: op.key, rid: r.headers.get('x-request-id') });
      }
    }
  }
  assert.ok(denied.length > 40, 'most pairs are denials');
});

test('a denied request is refused whatever its body, and even with a purpose', async () => {
  const tax = sessions.tax_clerk;
  const r = await tax.post('/api/v1/users',
    { login: 'sneaky', name: 'x', role: 'admin', password: 'sneaky-password-1' },
    { headers: { 'X-Kyodo-Purpose': 'just-because' } });
  assertError(r, 403, 'forbidden');
  denied.push({ role: 'tax_clerk', key: 'POST /api/v1/users', rid: r.headers.get('x-request-id'),
    purpose: 'just-because' });
  const list = await sessions.admin.get('/api/v1/users');
  assert.ok(!list.json.items.some((u) => u.login === 'sneaky'));
});

// Every entry of a filtered audit listing, page by page (500 at most each).
async function auditAll(query) {
  const items = [];
  let before = '';
  for (;;) {
    const r = await sessions.auditor.get(`/api/v1/audit?${query}&limit=500${before}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.items);
    if (r.json.next_before === null) return items;
    before = `&before=${r.json.next_before}`;
  }
}

test('each denied request is in the town\'s audit log as access.denied, outcome denied', async () => {
  const items = await auditAll('action=access.denied');
  const byRid = new Map(items.map((e) => [e.request_id, e]));
  assert.equal(items.length, denied.length, 'one entry per denied request');
  for (const d of denied) {
    const e = byRid.get(d.rid);
    assert.ok(e, `no audit entry for ${d.role} ${d.key} (request ${d.rid})`);
    assert.equal(e.action, 'access.denied');
    assert.equal(e.outcome, 'denied');
    assert.equal(e.role, d.role);
    assert.equal(e.user, d.role.replace('_', '-'));
    if (d.purpose) assert.equal(e.purpose, d.purpose, 'a denial keeps the purpose the request gave');
  }
  // Allowed requests are not recorded as denials.
  const ok = await sessions.auditor.get('/api/v1/audit?action=access.denied&user=admin&limit=500');
  assert.ok(ok.json.items.every((e) => e.role === 'admin'));
  assert.equal(ok.json.items.length, denied.filter((d) => d.role === 'admin').length);
});

test('the menu of each role is exactly its sections and items', async () => {
  for (const role of ROLES) {
    const me = await sessions[role].get('/api/v1/me');
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user.role, role);
    const got = me.json.menu.map((s) => [s.id, s.label, s.items.map((i) => i.label)]);
    assert.deepEqual(got, MENU[role], `menu of ${role}`);
    for (const s of me.json.menu)
      for (const i of s.items) {
        assert.equal(typeof i.id, 'string');
        assert.equal(typeof i.available, 'boolean');
        // The management, consortium and 宛名 screens exist, and 住民検索, 異動届,
        // 証明書交付, 支援措置, 選挙人名簿 and 印鑑登録; the other 業務 screens are announced as 準備中.
        const built = s.id === 'admin' || s.id === 'consortium' || s.id === 'atena' || ['residents.search', 'residents.move', 'residents.certificates', 'residents.suppression', 'residents.suppression_approve', 'residents.senkyo', 'residents.seals'].includes(i.id);
        assert.equal(i.available, built, `${role} ${i.id}`);
      }
  }
});

test('GET /roles lists every role with its label', async () => {
  const r = await sessions.welfare_clerk.get('/api/v1/roles');
  assert.deepEqual(r.json.items.map((x) => x.name), ROLES);
  assert.ok(r.json.items.every((x) => typeof x.label === 'string' && x.label.length > 0));
});

test('sign-out is allowed to every role', async () => {
  for (const role of ROLES) {
    const r = await sessions[role].del('/api/v1/session');
    assert.equal(r.status, 204, `${role}: ${r.text}`);
    assertError(await sessions[role].get('/api/v1/me'), 401, 'unauthenticated');
  }
});
