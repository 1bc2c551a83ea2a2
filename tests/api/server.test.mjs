// The server as such: health, the served OpenAPI document, security
// headers, request ids, the access log, and graceful shutdown.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKyodo, openapi, rawHttp, rawJson, sleep, SOURCE_DIR } from '../lib/harness.mjs';

const A = '104213';
const B = '104248';
let k;

before(async () => { k = await startKyodo({ towns: [[A, '中之条町'], [B, '長野原町']] }); });
after(async () => { await k.stop(); });

const req = (line, headers = '', body = '') =>
  `${line} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers}\r\n${body}`;

// Routes of the router, read from its table (src/api/routes.c).
function routerRoutes() {
  const src = readFileSync(join(SOURCE_DIR, 'src', 'api', 'routes.c'), 'utf8');
  const out = [];
  for (const m of src.matchAll(/\{\{"([A-Z]+)",\s*V1\s*"([^"]+)"\}/g)) out.push(`${m[1]} /api/v1${m[2]}`);
  assert.ok(out.length >= 10, 'routes.c could not be read');
  return out;
}

test('GET /health answers 200 with the status, the version and the number of towns', async () => {
  const r = await k.client().get('/api/v1/health');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.json.status, 'ok');
  assert.match(r.json.version, /^\d+\.\d+\.\d+/);
  assert.equal(r.json.towns, 2);
  // HEAD is not routed for the API (405, no body).
  const head = await k.client().request('HEAD', '/api/v1/health');
  assert.equal(head.status, 405);
  assert.equal(head.headers.get('allow'), 'GET');
});

test('/api/v1/openapi.json is the contract: OpenAPI 3, every route of the router', async () => {
  const r = await k.client().get('/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const doc = JSON.parse(r.text);
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  assert.equal(typeof doc.info.title, 'string');
  assert.equal(typeof doc.info.version, 'string');
  assert.deepEqual(doc, openapi(), 'the served document is api/openapi.json');
  const documented = [];
  for (const [p, item] of Object.entries(doc.paths))
    for (const m of Object.keys(item))
      if (['get', 'post', 'put', 'patch', 'delete'].includes(m)) documented.push(`${m.toUpperCase()} ${p}`);
  assert.deepEqual(documented.sort(), routerRoutes().sort());
  // Every documented operation has responses, and every $ref resolves.
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const ref of refs) {
    const path = ref.slice(8, -1).replace(/^#\//, '').split('/');
    let node = doc;
    for (const part of path) node = node?.[part];
    assert.ok(node, `${ref} does not resolve`);
  }
});

test('security headers: nosniff on the API, CSP and frame protection on the page', async () => {
  const anon = k.client();
  for (const [m, p] of [['GET', '/api/v1/health'], ['GET', '/api/v1/me'], ['GET', '/api/v1/nope'],
    ['PUT', '/api/v1/health'], ['POST', '/api/v1/session']]) {
    const r = await anon.request(m, p, m === 'POST' ? { body: {} } : {});
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `${m} ${p}`);
    assert.equal(r.headers.get('cache-control'), 'no-store', `${m} ${p}`);
    assert.match(r.headers.get('content-type'), /^application\/json; charset=utf-8$/);
  }
  for (const p of ['/', '/index.html']) {
    const r = await anon.get(p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), /^text\/html; charset=utf-8/);
    const csp = r.headers.get('content-security-policy');
    assert.ok(csp, `${p}: no CSP`);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    // Exactly: only blob: frames (the certificate PDFs the page fetched) are
    // allowed beyond 'self'; no script, object, image or other source is.
    assert.equal(csp, "default-src 'self'; frame-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  }
  // Errors from the static side carry nosniff too.
  const nf = await anon.get('/no-such-page.html');
  assert.equal(nf.status, 404);
  assert.equal(nf.headers.get('x-content-type-options'), 'nosniff');
});

test('every response carries an X-Request-Id; an incoming one is kept only from a trusted proxy', async () => {
  const anon = k.client();
  const seen = new Set();
  const responses = [
    await anon.get('/api/v1/health'), await anon.get('/api/v1/me'), await anon.get('/api/v1/nope'),
    await anon.request('DELETE', '/api/v1/health'), await anon.get('/index.html'), await anon.get('/missing.js'),
    await anon.post('/api/v1/session', { tenant: A, user: 'admin', password: 'wrong-password-1' }),
    await anon.request('POST', '/api/v1/session', { raw: '{', headers: { 'Content-Type': 'application/json' } }),
  ];
  for (const r of responses) {
    const id = r.headers.get('x-request-id');
    assert.match(id ?? '', /^[0-9a-f]{16}$/, `status ${r.status}`);
    assert.ok(!seen.has(id), 'ids are unique');
    seen.add(id);
  }
  // Raw answers too: a 413 and a 400 from the static side.
  for (const data of [
    req('POST /api/v1/session', `Content-Type: application/json\r\nContent-Length: ${2 << 20}\r\n`),
    req('GET /../etc/passwd'),
  ]) {
    const r = await rawHttp(k.port, data);
    assert.ok(r.status >= 400 && r.status < 500);
    assert.match(r.headers['x-request-id'] ?? '', /^[0-9a-f]{16}$/);
  }
  // By default a client cannot choose the id its requests are audited under.
  for (const chosen of ['abcDEF12-3456', 'trace-0000-1111', '12345678']) {
    const r = await anon.get('/api/v1/health', { headers: { 'X-Request-Id': chosen } });
    assert.notEqual(r.headers.get('x-request-id'), chosen);
    assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  }
  // Behind a proxy that sets it (trust_request_id), a well-formed one is kept.
  const proxied = await startKyodo({ towns: [[A, '中之条町']], users: false,
    config: '[server]\ntrust_request_id = true' });
  try {
    const p = proxied.client();
    for (const good of ['abcDEF12-3456', 'trace-0000-1111', '12345678']) {
      const r = await p.get('/api/v1/health', { headers: { 'X-Request-Id': good } });
      assert.equal(r.headers.get('x-request-id'), good);
    }
    for (const bad of ['short', 'x'.repeat(17), 'has space12', 'semi;colon12', 'under_score1', '<script>1']) {
      const r = await p.get('/api/v1/health', { headers: { 'X-Request-Id': bad } });
      const id = r.headers.get('x-request-id');
      assert.notEqual(id, bad);
      assert.match(id, /^[0-9a-f]{16}$/, `replacing ${bad}`);
    }
  } finally {
    await proxied.stop();
  }
});

test('the access log: one JSON line per request, without passwords, tokens or query strings', async () => {
  const password = k.password(A, 'admin');
  const c = k.client();
  const expected = []; // { rid, method, status, route }
  const note = (r, method, route) => { expected.push({ rid: r.headers.get('x-request-id'), method, status: r.status, route }); return r; };
  note(await c.post('/api/v1/session', { tenant: A, user: 'admin', password }), 'POST', '/api/v1/session');
  note(await c.get('/api/v1/users?secret=query-marker-1'), 'GET', '/api/v1/users');
  note(await c.get('/api/v1/users/1'), 'GET', '/api/v1/users/{id}');
  note(await c.get('/api/v1/nope?token=query-marker-2'), 'GET', null);
  note(await c.get('/index.html?x=query-marker-3'), 'GET', 'static');
  const wrong = 'wrong-password-marker';
  note(await k.client().post('/api/v1/session', { tenant: A, user: 'admin', password: wrong }), 'POST', '/api/v1/session');
  const changed = 'changed-password-marker-1';
  note(await c.post('/api/v1/me/password', { current: password, new: changed }), 'POST', '/api/v1/me/password');
  note(await c.get('/api/v1/me'), 'GET', '/api/v1/me');
  const auditor = await k.as(A, 'auditor');
  note(await auditor.get('/api/v1/audit?user=query-marker-4'), 'GET', '/api/v1/audit');
  const tokens = [c.cookie, c.csrf, auditor.cookie, auditor.csrf];

  // The log writer is asynchronous: wait for the last line.
  const last = expected.at(-1).rid;
  for (let i = 0; i < 100 && !k.log().includes(last); i++) await sleep(20);

  const lines = k.log().split('\n').filter((l) => l.trim());
  const records = lines.map((l) => { try { return JSON.parse(l); } catch { assert.fail(`not JSON: ${l}`); } });
  const requests = records.filter((r) => r.msg === 'request');
  for (const e of expected) {
    const mine = requests.filter((r) => r.rid === e.rid);
    assert.equal(mine.length, 1, `one line for ${e.rid}`);
    const [r] = mine;
    assert.equal(r.method, e.method);
    assert.equal(r.status, e.status);
    assert.equal(r.route, e.route);
    assert.equal(typeof r.dur_us, 'number');
    assert.equal(typeof r.bytes, 'number');
    assert.equal(r.level, 'info');
  }
  // Signed-in requests name the town and user id, not the user's name (the
  // query above was refused before the session was looked at).
  const users = requests.find((r) => r.rid === expected[2].rid);
  assert.equal(users.tenant, A);
  assert.equal(typeof users.user_id, 'number');
  const log = k.log();
  for (const secret of [password, wrong, changed, ...tokens])
    assert.ok(!log.includes(secret), 'a secret is in the access log');
  for (const q of ['query-marker-1', 'query-marker-2', 'query-marker-3', 'query-marker-4', '?secret', '?token'])
    assert.ok(!log.includes(q), `${q}: a query string is in the access log`);
});

test('graceful shutdown: the request in flight completes, new connections are refused, exit 0', async () => {
  const s = await startKyodo({ towns: [[A, '中之条町']], users: false });
  const pw = 'shutdown-user-password';
  const add = s.cli(['user', 'add', '--tenant', A, '--login', 'slow', '--name', 'slow', '--role', 'tax_clerk',
    '--password-stdin'], { input: pw + '\n' });
  assert.equal(add.status, 0, add.stderr);
  // A keep-alive client signed in before the shutdown.
  const idle = s.client();
  assert.equal((await idle.get('/api/v1/health')).status, 200);

  // A sign-in whose body is still on its way when SIGTERM arrives.
  const body = JSON.stringify({ tenant: A, user: 'slow', password: pw });
  const head = `POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const half = Math.floor(body.length / 2);
  const inflight = rawHttp(s.port, [head + body.slice(0, half), body.slice(half)], { gap: 1500, timeout: 15000 });

  await sleep(400);
  s.kill('SIGTERM');
  for (let i = 0; i < 100 && !s.log().includes('shutting down'); i++) await sleep(20);
  assert.match(s.log(), /"msg":"shutting down"/);
  await sleep(100);
  // While draining, a new connection is refused (or closed unanswered).
  const refused = await rawHttp(s.port, req('GET /api/v1/health'), { timeout: 2000 });
  assert.equal(refused.status, null, `a new request was answered during shutdown: ${refused.status}`);
  assert.ok(['ECONNREFUSED', 'ECONNRESET', null].includes(refused.error), refused.error);

  const r = await inflight;
  assert.equal(r.status, 201, `in-flight sign-in: ${r.status} ${r.error} ${r.body}`);
  assert.match(r.headers['set-cookie'] ?? '', /^kyodo_session=[A-Za-z0-9_-]{43};/);
  assert.equal(r.headers.connection, 'close');
  assert.equal(rawJson(r).user.login, 'slow');

  const e = await s.exited();
  assert.deepEqual(e, { code: 0, signal: null });
  assert.match(s.log(), /"msg":"stopped"/);
  const after = await rawHttp(s.port, req('GET /api/v1/health'), { timeout: 2000 });
  assert.equal(after.status, null);
  await s.stop(); // asserts the clean exit and no sanitizer report
});
