// The audit log as the auditor sees it: which events leave entries, what an
// entry holds, the filters, pagination, and chain verification.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError } from '../lib/harness.mjs';

const A = '104213';
let k, admin, auditor, tax;
const ev = {}; // name → request id of the request that should have an entry
let tradeId;

const rid = (r) => r.headers.get('x-request-id');
const latin1 = (s) => Buffer.from(s, 'utf8').toString('latin1'); // UTF-8 bytes in a header

async function signIn(user, password) {
  const c = k.client();
  const r = await c.post('/api/v1/session', { tenant: A, user, password });
  return { c, r };
}

before(async () => {
  // As behind nginx: the proxy's request ids are kept, and audited.
  k = await startKyodo({ towns: [[A, '中之条町']], config: '[server]\ntrust_request_id = true' });
  let s = await signIn('admin', k.password(A, 'admin'));
  admin = s.c; ev.loginOk = rid(s.r);
  s = await signIn('auditor', k.password(A, 'auditor'));
  auditor = s.c;
  s = await signIn('tax-clerk', 'definitely-wrong-pw');
  assert.equal(s.r.status, 401);
  ev.loginBadPassword = rid(s.r);
  s = await signIn('ghost', 'definitely-wrong-pw');
  ev.loginUnknownUser = rid(s.r);
  s = await signIn('tax-clerk', k.password(A, 'tax_clerk'));
  tax = s.c;
  s = await signIn('residents-clerk', k.password(A, 'residents_clerk'));
  const out = await s.c.del('/api/v1/session');
  assert.equal(out.status, 204);
  ev.logout = rid(out);

  tradeId = (await admin.get('/api/v1/users')).json.items.find((u) => u.login === 'tax-clerk').id;
  let r = await admin.patch(`/api/v1/users/${tradeId}`, { name: '税務 太郎' },
    { headers: { 'X-Kyodo-Purpose': latin1('職員異動の反映') } });
  assert.equal(r.status, 200, r.text);
  ev.userUpdate = rid(r);
  r = await admin.get('/api/v1/users', { headers: { 'X-Kyodo-Purpose': 'quarterly-review' } });
  ev.userListPurpose = rid(r);
  r = await admin.get(`/api/v1/users/${tradeId}`);
  ev.userReadDefault = rid(r);
  r = await admin.get('/api/v1/users', { headers: { 'X-Request-Id': 'trace-0123456789' } });
  assert.equal(rid(r), 'trace-0123456789');
  ev.userListTraced = 'trace-0123456789';
  r = await tax.get('/api/v1/users');
  assert.equal(r.status, 403);
  ev.denied = rid(r);
  r = await auditor.get('/api/v1/audit?action=session.login');
  assert.equal(r.status, 200);
  ev.auditRead = rid(r);
});
after(async () => { await k.stop(); });

async function all() {
  const r = await auditor.get('/api/v1/audit?limit=500');
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

test('every entry has its fields, newest first, numbered without gaps', async () => {
  const items = await all();
  assert.ok(items.length >= 12);
  assert.equal(items[0].seq, items.length, 'seq runs 1..n');
  items.forEach((e, i) => {
    assert.equal(e.seq, items.length - i);
    assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(e.at) - Date.now()) < 120000);
    for (const f of ['user', 'role', 'action', 'purpose', 'request_id', 'detail'])
      assert.equal(typeof e[f], 'string', `${f} of ${JSON.stringify(e)}`);
    assert.equal(typeof e.user_id, 'number');
    assert.ok(['ok', 'denied', 'failed'].includes(e.outcome));
    assert.match(e.hash, /^[0-9a-f]{64}$/);
    assert.ok(e.request_id.length >= 8);
    if (i > 0) assert.ok(e.at <= items[i - 1].at, 'time does not run backwards');
  });
  assert.equal(new Set(items.map((e) => e.hash)).size, items.length);
});

test('the events leave the right entries, each tied to its request id', async () => {
  const byRid = new Map((await all()).map((e) => [e.request_id, e]));
  const expect = {
    loginOk: { action: 'session.login', outcome: 'ok', user: 'admin', role: 'admin', purpose: 'ログイン' },
    loginBadPassword: { action: 'session.login', outcome: 'failed', user: 'tax-clerk', role: 'tax_clerk' },
    loginUnknownUser: { action: 'session.login', outcome: 'failed', user: 'ghost', role: '', user_id: 0 },
    logout: { action: 'session.logout', outcome: 'ok', user: 'residents-clerk', role: 'residents_clerk', purpose: 'ログアウト' },
    userUpdate: { action: 'user.update', outcome: 'ok', user: 'admin', role: 'admin', purpose: '職員異動の反映' },
    userListPurpose: { action: 'user.list', outcome: 'ok', user: 'admin', purpose: 'quarterly-review' },
    userReadDefault: { action: 'user.read', outcome: 'ok', user: 'admin', purpose: '利用者管理' },
    userListTraced: { action: 'user.list', outcome: 'ok', user: 'admin' },
    denied: { action: 'access.denied', outcome: 'denied', user: 'tax-clerk', role: 'tax_clerk' },
    auditRead: { action: 'audit.read', outcome: 'ok', user: 'auditor', role: 'auditor', purpose: '監査ログ閲覧' },
  };
  for (const [name, want] of Object.entries(expect)) {
    const e = byRid.get(ev[name]);
    assert.ok(e, `no entry for ${name} (request ${ev[name]})`);
    for (const [f, v] of Object.entries(want)) assert.equal(e[f], v, `${name}.${f}: ${JSON.stringify(e)}`);
  }
  assert.match(byRid.get(ev.userUpdate).detail, new RegExp(`user ${tradeId}: name`));
  assert.match(byRid.get(ev.auditRead).detail, /action=session\.login/);
  assert.match(byRid.get(ev.denied).detail, /users read/);
  // Nothing secret in the log: no password, no session token, no CSRF token.
  const text = JSON.stringify(await all());
  for (const secret of [k.password(A, 'admin'), k.password(A, 'tax_clerk'), 'definitely-wrong-pw',
    admin.cookie, admin.csrf, auditor.cookie, tax.cookie])
    assert.ok(!text.includes(secret), 'a secret is in the audit log');
});

test('filters: user and action', async () => {
  let r = await auditor.get('/api/v1/audit?user=tax-clerk&limit=500');
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.length >= 3);
  assert.ok(r.json.items.every((e) => e.user === 'tax-clerk'));
  assert.ok(r.json.items.some((e) => e.request_id === ev.denied));
  assert.ok(r.json.items.some((e) => e.request_id === ev.loginBadPassword));

  r = await auditor.get('/api/v1/audit?action=session.login&limit=500');
  assert.ok(r.json.items.every((e) => e.action === 'session.login'));
  assert.deepEqual([...new Set(r.json.items.map((e) => e.outcome))].sort(), ['failed', 'ok']);

  r = await auditor.get('/api/v1/audit?user=tax-clerk&action=access.denied');
  assert.deepEqual(r.json.items.map((e) => e.request_id), [ev.denied]);

  r = await auditor.get('/api/v1/audit?user=nobody-at-all');
  assert.deepEqual(r.json.items, []);
  assert.equal(r.json.next_before, null);
  // Exact match, not a prefix or pattern.
  r = await auditor.get('/api/v1/audit?action=session');
  assert.deepEqual(r.json.items, []);
  r = await auditor.get('/api/v1/audit?user=%25');
  assert.deepEqual(r.json.items, []);
});

test('filters: from and to, as dates and as instants', async () => {
  const items = await all();
  // Dates are whole days in Japan (UTC+9). The oldest and newest entries'
  // Japanese dates (the same, unless the run crosses midnight there).
  const jstDay = (at) => new Date(Date.parse(at) + 9 * 3600000).toISOString().slice(0, 10);
  const first = jstDay(items.at(-1).at);
  const last = jstDay(items[0].at);
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  const get = async (q) => {
    const r = await auditor.get(`/api/v1/audit?limit=500&${q}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    return r.json.items;
  };
  const older = (list) => list.filter((e) => e.seq <= items[0].seq); // drop the reads' own entries

  const day = (d, n) => iso(Date.parse(d + 'T00:00:00Z') + n * 86400000);
  assert.equal(older(await get(`from=${first}`)).length, items.length, 'from the first day: everything');
  assert.equal(older(await get(`to=${last}`)).length, items.length, 'to the last day: its whole day');
  assert.equal(older(await get(`from=${first}&to=${last}`)).length, items.length);
  assert.deepEqual(await get(`from=${day(last, 1)}`), [], 'from the day after: nothing');
  assert.deepEqual(await get(`to=${day(first, -1)}`), [], 'to the day before: nothing');
  assert.deepEqual(await get(`from=${day(first, -3)}&to=${day(first, -1)}`), []);

  // A date means the day in Japan: from=D is from D-1T15:00:00Z, and to=D
  // up to D T15:00:00Z (exclusive).
  const jstStart = (d) => new Date(Date.parse(d + 'T00:00:00Z') - 9 * 3600000).toISOString().slice(0, 19) + 'Z';
  const seqs = (list) => older(list).map((e) => e.seq);
  assert.deepEqual(seqs(await get(`from=${last}`)), seqs(await get(`from=${jstStart(last)}`)));
  assert.deepEqual(seqs(await get(`to=${first}`)), seqs(await get(`to=${jstStart(day(first, 1))}`)));

  // Instants: "from" is inclusive, "to" exclusive.
  const mark = items.find((e) => e.request_id === ev.userUpdate);
  const from = await get(`from=${mark.at}`);
  assert.ok(from.some((e) => e.seq === mark.seq));
  assert.ok(from.every((e) => e.at >= mark.at));
  const to = await get(`to=${mark.at}`);
  assert.ok(!to.some((e) => e.seq === mark.seq));
  assert.ok(to.every((e) => e.at < mark.at));
  assert.ok(to.length > 0);
  // Whole seconds are accepted too.
  const sec = mark.at.slice(0, 19) + 'Z';
  assert.ok((await get(`from=${sec}`)).some((e) => e.seq === mark.seq));
});

test('bad from/to/limit/before values are 400 naming the parameter', async () => {
  const bad = ['2026-13-01', '2026-02-30', '2026-1-1', 'yesterday', '20260101', '2026-01-01T25:00:00Z',
    '2026-01-01 10:00:00', '2026-01-01T10:00:00', '2026-01-01T10:00:00+09:00', ''];
  for (const v of bad) {
    for (const p of ['from', 'to']) {
      const r = await auditor.get(`/api/v1/audit?${p}=${encodeURIComponent(v)}`);
      assert.equal(r.status, 400, `${p}=${v}: ${r.text}`);
      assert.equal(r.json.error.field, p, `${p}=${v}`);
      assert.ok(['invalid_value', 'too_long'].includes(r.json.error.code), r.text);
    }
  }
  assertError(await auditor.get('/api/v1/audit?from=2026-02-02&to=2026-02-01'), 400, 'invalid_value', 'to');
  assertError(await auditor.get('/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-02-01T00:00:00Z'), 400, 'invalid_value', 'to');
  for (const v of ['0', '501', '-1', 'abc', '1.5', ''])
    assertError(await auditor.get(`/api/v1/audit?limit=${v}`), 400, 'invalid_value', 'limit');
  for (const v of ['0', '-5', 'abc'])
    assertError(await auditor.get(`/api/v1/audit?before=${v}`), 400, 'invalid_value', 'before');
  assertError(await auditor.get('/api/v1/audit?limit=5&limit=6'), 400, 'invalid_value', 'limit');
  assertError(await auditor.get('/api/v1/audit?sort=asc'), 400, 'unknown_field', 'sort');
});

test('limit and next_before page through the whole log, newest first', async () => {
  const full = await all(); // its own audit.read entry is full[0]
  const top = full[0].seq;
  const walked = [];
  let before = top + 1;
  let pages = 0;
  for (;;) {
    const r = await auditor.get(`/api/v1/audit?limit=4&before=${before}`);
    assert.equal(r.status, 200, r.text);
    pages++;
    assert.ok(r.json.items.length <= 4);
    walked.push(...r.json.items);
    if (r.json.next_before === null) break;
    assert.equal(r.json.items.length, 4, 'a full page has a next page marker');
    assert.equal(r.json.next_before, r.json.items.at(-1).seq);
    before = r.json.next_before;
    assert.ok(pages < 100);
  }
  assert.deepEqual(walked, full, 'the pages together are the log');
  // Default page size 50; without before the first page starts from the newest.
  const first = await auditor.get('/api/v1/audit');
  assert.ok(first.json.items.length <= 50);
  assert.ok(first.json.items[0].seq > top);
  if (first.json.items.length < 50) assert.equal(first.json.next_before, null);
  // Filters and pagination combine.
  const f = await auditor.get(`/api/v1/audit?action=session.login&limit=1&before=${top + 1}`);
  assert.equal(f.json.items.length, 1);
  assert.equal(f.json.items[0].action, 'session.login');
  assert.equal(f.json.next_before, f.json.items[0].seq);
});

test('GET /audit/verify: ok, the entry count and the head hash', async () => {
  const items = await all();
  const r = await auditor.get('/api/v1/audit/verify');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ok, true);
  // The listing's own audit.read entry is committed before its answer
  // leaves, after the page was read: it is the one entry past the page.
  assert.equal(r.json.entries, items[0].seq + 1, 'every entry up to the read before, and its own');
  const own = (await all()).find((e) => e.seq === items[0].seq + 1);
  assert.equal(own.action, 'audit.read');
  assert.equal(r.json.head, own.hash, 'head is the hash of the newest entry');
  assert.equal(r.json.first_bad, undefined);
  const after = await all();
  const v = after.find((e) => e.request_id === rid(r));
  assert.ok(v, 'verifying is itself recorded');
  assert.equal(v.action, 'audit.verify');
  assert.equal(v.outcome, 'ok');
  assert.equal(v.purpose, '監査ログ検証');
  // The operator may verify (but not read) the log.
  const op = await k.as(A, 'operator');
  const ov = await op.get('/api/v1/audit/verify');
  assert.equal(ov.status, 200);
  assert.equal(ov.json.ok, true);
  assert.ok(ov.json.entries > r.json.entries);
  assertError(await op.get('/api/v1/audit'), 403, 'forbidden');
});
