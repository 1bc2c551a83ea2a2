// Tenant isolation: two towns on one server. A user of town A cannot see,
// change or even confirm the existence of town B's objects; no request can
// name another town; each town's audit log holds only its own events.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError, Client, ROLES } from '../lib/harness.mjs';

const A = '104213';
const B = '104248';
let k;
let adminA, auditorA, operatorA, adminB, auditorB;
let usersA, usersB;
const ridsA = []; // request ids of A's requests, none may appear in B's log
const MARK_A = 'purpose-of-town-a';

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町'], [B, '長野原町']] });
  [adminA, auditorA, operatorA, adminB, auditorB] = await Promise.all([
    k.as(A, 'admin'), k.as(A, 'auditor'), k.as(A, 'operator'), k.as(B, 'admin'), k.as(B, 'auditor')]);
  usersA = (await adminA.get('/api/v1/users')).json.items;
  usersB = (await adminB.get('/api/v1/users')).json.items;
});
after(async () => { await k.stop(); });

// A's requests carry a purpose, so any leak into B's log would show.
const asA = (c, method, path, body, headers = {}) => c.request(method, path,
  { body, headers: { 'X-Kyodo-Purpose': MARK_A, ...headers } }).then((r) => {
  ridsA.push(r.headers.get('x-request-id'));
  return r;
});

test('the two towns have separate users with separate ids', () => {
  assert.equal(usersA.length, ROLES.length);
  assert.equal(usersB.length, ROLES.length);
  const idsA = new Set(usersA.map((u) => u.id));
  assert.ok(usersB.every((u) => !idsA.has(u.id)), 'user ids are unique across towns');
});

test('A\'s administrator gets 404 for every one of B\'s user ids, on every {id} route', async () => {
  for (const u of usersB) {
    const paths = [
      ['GET', `/api/v1/users/${u.id}`, undefined],
      ['PATCH', `/api/v1/users/${u.id}`, { name: 'hijacked' }],
      ['PATCH', `/api/v1/users/${u.id}`, { disabled: true }],
      ['PATCH', `/api/v1/users/${u.id}`, { role: 'admin' }],
      ['PATCH', `/api/v1/users/${u.id}`, { locked: false }],
      ['PUT', `/api/v1/users/${u.id}/password`, { password: 'hijacked-password-1' }],
    ];
    for (const [m, p, body] of paths) {
      const r = await asA(adminA, m, p, body);
      assertError(r, 404, 'not_found');
      // The same answer as for an id that exists nowhere.
      const none = await adminA.request(m, p.replace(String(u.id), '999999'), { body });
      assert.equal(r.status, none.status);
      assert.equal(r.json.error.code, none.json.error.code);
      assert.equal(r.json.error.message, none.json.error.message);
      assert.ok(!r.text.includes(u.login) && !r.text.includes(u.name), r.text);
    }
  }
});

test('… and nothing of B changed: users, passwords, sessions', async () => {
  const now = (await adminB.get('/api/v1/users')).json.items;
  assert.deepEqual(now, usersB);
  assert.equal((await adminB.get('/api/v1/me')).status, 200, 'B\'s admin session still alive');
  assert.equal((await auditorB.get('/api/v1/me')).status, 200, 'B\'s auditor session still alive');
  // B's administrator's password is still the original.
  const r = await k.client().post('/api/v1/session',
    { tenant: B, user: 'admin', password: k.password(B, 'admin') });
  assert.equal(r.status, 201, r.text);
});

test('non-operators cannot use the tenant registry at all, for any town code', async () => {
  for (const code of [A, B, '132012']) {
    for (const [m, body] of [['GET'], ['PATCH', { name: 'x' }], ['PATCH', { active: false }]]) {
      const r = await asA(adminA, m, `/api/v1/tenants/${code}`, body);
      assertError(r, 403, 'forbidden', null);
    }
  }
  assertError(await asA(auditorA, 'GET', '/api/v1/tenants'), 403, 'forbidden');
  const town = await asA(adminA, 'GET', '/api/v1/town');
  assert.equal(town.status, 200);
  assert.equal(town.json.code, A, '/town is always the session\'s own town');
});

test('A\'s administrator lists only A\'s users; no query string can name a town', async () => {
  const r = await asA(adminA, 'GET', '/api/v1/users');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((u) => u.id).sort(), usersA.map((u) => u.id).sort());
  assert.ok(!r.text.includes(B), 'nothing of B in the listing');
  // Routes that take no query parameters refuse every one.
  const idA = usersA.find((u) => u.login === 'tax-clerk').id;
  for (const [c, path] of [[adminA, '/api/v1/users'], [adminA, `/api/v1/users/${idA}`],
    [adminA, '/api/v1/me'], [adminA, '/api/v1/town'], [operatorA, '/api/v1/tenants'],
    [auditorA, '/api/v1/audit/verify']]) {
    for (const q of [`tenant=${B}`, `town=${B}`, 'x']) {
      const name = q.split('=')[0];
      assertError(await asA(c, 'GET', `${path}?${q}`), 400, 'unknown_field', name);
    }
  }
});

test('no body can name a town: an extra tenant field is an unknown_field everywhere', async () => {
  const idA = usersA.find((u) => u.login === 'tax-clerk').id;
  const cases = [
    [adminA, 'POST', '/api/v1/users', { login: 'x-user', name: 'x', role: 'tax_clerk', password: 'xx-password-1', tenant: B }],
    [adminA, 'PATCH', `/api/v1/users/${idA}`, { name: 'x', tenant: B }],
    [adminA, 'PUT', `/api/v1/users/${idA}/password`, { password: 'xx-password-1', tenant: B }],
    [adminA, 'POST', '/api/v1/me/password', { current: 'x', new: 'y', tenant: B }],
    [operatorA, 'PATCH', `/api/v1/tenants/${A}`, { name: 'x', tenant: B }],
    [operatorA, 'POST', '/api/v1/tenants', { code: '132012', name: 'x', tenant: B }],
  ];
  for (const [c, m, p, body] of cases) {
    assertError(await asA(c, m, p, body), 400, 'unknown_field', 'tenant');
    assertError(await asA(c, m, p, { ...body, tenant: undefined, tenant_code: B }), 400, 'unknown_field', 'tenant_code');
  }
  // Nothing was created or changed in A either.
  const now = (await adminA.get('/api/v1/users')).json.items;
  assert.deepEqual(now.map((u) => [u.id, u.name]), usersA.map((u) => [u.id, u.name]));
});

test('no query can name a town on /audit', async () => {
  for (const q of [`tenant=${B}`, `town=${B}`, `tenant_code=${B}`]) {
    const name = q.split('=')[0];
    assertError(await asA(auditorA, 'GET', `/api/v1/audit?${q}`), 400, 'unknown_field', name);
    assertError(await asA(auditorA, 'GET', `/api/v1/audit?limit=5&${q}`), 400, 'unknown_field', name);
  }
});

test('a forged session cookie is 401, never another town\'s session', async () => {
  const t = adminA.cookie;
  const forged = [t.slice(0, 42) + (t[42] === 'A' ? 'Q' : 'A'), adminB.cookie.slice(0, 21) + t.slice(21),
    Buffer.from(B).toString('base64url').padEnd(43, 'A')];
  for (const f of forged)
    assertError(await new Client(k.base, f, adminA.csrf).get('/api/v1/users'), 401, 'unauthenticated');
  // A's CSRF token does not make B's session do A's bidding, nor the reverse.
  assertError(await new Client(k.base, adminB.cookie, adminA.csrf).patch(`/api/v1/users/${usersB[0].id}`, { name: 'x' }),
    403, 'csrf_failed');
});

test('A\'s operator sees the tenant registry: code, name, status only', async () => {
  const r = await asA(operatorA, 'GET', '/api/v1/tenants');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((t) => t.code), [A, B]);
  for (const t of r.json.items)
    assert.deepEqual(Object.keys(t).sort(), ['active', 'code', 'created_at', 'name', 'updated_at']);
  const one = await asA(operatorA, 'GET', `/api/v1/tenants/${B}`);
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(Object.keys(one.json).sort(), ['active', 'code', 'created_at', 'name', 'updated_at']);
  assert.equal(one.json.name, '長野原町');
  // No user or audit data of B in any of it.
  for (const text of [r.text, one.text])
    for (const u of usersB) assert.ok(!text.includes(u.name), `${u.name} leaked`);
  // The operator cannot read B's users or audit log either.
  assertError(await asA(operatorA, 'GET', '/api/v1/users'), 403, 'forbidden');
  assertError(await asA(operatorA, 'GET', '/api/v1/audit'), 403, 'forbidden');
  const v = await asA(operatorA, 'GET', '/api/v1/audit/verify');
  assert.equal(v.status, 200);
  assert.equal(v.json.ok, true);
});

test('A\'s credentials do not sign in to B', async () => {
  for (const role of ['admin', 'auditor', 'operator']) {
    const r = await k.client().post('/api/v1/session',
      { tenant: B, user: role, password: k.password(A, role) });
    assertError(r, 401, 'invalid_credentials');
    ridsA.push(r.headers.get('x-request-id'));
  }
});

test('A\'s auditor sees only A\'s entries; B\'s log holds nothing of A\'s requests', async () => {
  // Something distinctive happens in B.
  const MARK_B = 'purpose-of-town-b';
  const bRids = [];
  for (const p of ['/api/v1/users', `/api/v1/users/${usersB[1].id}`]) {
    const r = await adminB.get(p, { headers: { 'X-Kyodo-Purpose': MARK_B } });
    assert.equal(r.status, 200);
    bRids.push(r.headers.get('x-request-id'));
  }

  const loginsA = new Set(usersA.map((u) => u.login));
  const logA = await auditorA.get('/api/v1/audit?limit=500');
  assert.equal(logA.status, 200, logA.text);
  assert.ok(logA.json.items.length > 10);
  for (const e of logA.json.items) {
    assert.ok(!bRids.includes(e.request_id), `B's request ${e.request_id} in A's log`);
    assert.notEqual(e.purpose, MARK_B);
  }
  // A's own requests are there (the 404 probes of B's ids are not audited,
  // but A's successful reads are).
  assert.ok(logA.json.items.some((e) => e.purpose === MARK_A && e.action === 'user.list'));
  // Every sign-in recorded in A's log is by a user of A.
  for (const e of logA.json.items.filter((x) => x.action === 'session.login'))
    assert.ok(loginsA.has(e.user), `sign-in of ${e.user} in A's log`);

  const logB = await auditorB.get('/api/v1/audit?limit=500');
  assert.equal(logB.status, 200, logB.text);
  const setA = new Set(ridsA);
  assert.ok(ridsA.length > 50);
  for (const e of logB.json.items) {
    assert.notEqual(e.purpose, MARK_A, JSON.stringify(e));
    // The failed sign-ins to B with A's passwords are B's events (someone
    // tried B's accounts); every other request of A's sessions is absent.
    if (setA.has(e.request_id)) {
      assert.equal(e.action, 'session.login', JSON.stringify(e));
      assert.equal(e.outcome, 'failed');
    }
  }
  assert.ok(logB.json.items.some((e) => bRids.includes(e.request_id)), 'B\'s own reads are in B\'s log');
  // Both chains verify, each on its own.
  for (const c of [auditorA, auditorB]) {
    const v = await c.get('/api/v1/audit/verify');
    assert.equal(v.status, 200);
    assert.equal(v.json.ok, true, v.text);
  }
});

test('the register: each town numbers its own people; B never sees or changes A\'s', async () => {
  const clerkA = await k.as(A, 'residents_clerk');
  const clerkB = await k.as(B, 'residents_clerk');
  const moveIn = (shimei, shimei_kana) => ({ kind: 'kokunai_tennyu', idou_date: '2025-01-01',
    changes: { postcode: '3770424', address: '群馬県吾妻郡1番地', prev_address: '前橋市' },
    persons: [{ kind: 'japanese', shimei, shimei_kana, birth: '1990-01-01', sex: 1, zokugara: '世帯主' }] });
  const a1 = await asA(clerkA, 'POST', '/api/v1/residents/idou', moveIn('甲 太郎', 'コウ タロウ'));
  const a2 = await asA(clerkA, 'POST', '/api/v1/residents/idou', moveIn('甲 次郎', 'コウ ジロウ'));
  const b1 = await clerkB.post('/api/v1/residents/idou', moveIn('乙 花子', 'オツ ハナコ'));
  for (const r of [a1, a2, b1]) assert.equal(r.status, 201, r.text);
  // The same first number in both towns: in B it is B's own person.
  assert.equal(b1.json.atena[0], a1.json.atena[0], 'numbers are issued per town');
  for (const path of [`/api/v1/persons/${a1.json.atena[0]}?as_of=2025-06-01`, `/api/v1/persons/${a1.json.atena[0]}/history`,
    `/api/v1/households/${a1.json.new_setai}?as_of=2025-06-01`]) {
    const r = await clerkB.get(path);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.text.includes('乙 花子') && !r.text.includes('甲 太郎'), `${path} in B shows B's own person`);
  }
  // A number only A has issued names nobody in B: 404 on every route.
  const [onlyA] = a2.json.atena;
  for (const path of [`/api/v1/persons/${onlyA}`, `/api/v1/persons/${onlyA}/history`, `/api/v1/households/${a2.json.new_setai}`])
    assertError(await clerkB.get(path), 404, 'not_found');
  assertError(await clerkB.post('/api/v1/residents/idou', { kind: 'shibou', idou_date: '2025-06-01', subjects: [{ atena: onlyA }] }),
    404, 'not_found', 'subjects[0].atena');
  assert.equal((await clerkA.get(`/api/v1/persons/${onlyA}?as_of=2025-06-02`)).json.status, 'resident');
  // Each feed holds its own town's events; B's log holds nothing of A's people.
  assert.deepEqual((await clerkB.get('/api/v1/events')).json.items.map((e) => e.atena), [[b1.json.atena[0]]]);
  assert.equal((await clerkA.get('/api/v1/events')).json.items.length, 2);
  const logB = JSON.stringify((await auditorB.get('/api/v1/audit?limit=500')).json.items);
  assert.ok(!logB.includes(onlyA), 'A\'s person is not in B\'s log');
});
