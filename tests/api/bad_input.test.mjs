// Bad input of every kind: malformed, mistyped, oversized or hostile
// requests get a 4xx with a well-formed error body, never a 5xx, never a
// crash, never a file outside web/; the server stays healthy and exits
// cleanly afterwards.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError, assertErrorShape, rawHttp, rawJson } from '../lib/harness.mjs';

const A = '104213';
let k, admin, operator, targetId;
const seen = []; // every status this file received: none may be 5xx

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町']] });
  admin = await k.as(A, 'admin');
  operator = await k.as(A, 'operator');
  targetId = (await admin.get('/api/v1/users')).json.items.find((u) => u.login === 'tax-clerk').id;
});
after(async () => { await k.stop(); });

// Sends a request through a client with a raw body; records and checks the
// error body shape of every 4xx.
async function send(c, method, path, raw, { type = 'application/json', headers = {}, csrf } = {}) {
  const h = { ...headers };
  if (type !== null) h['Content-Type'] = type;
  const r = await c.request(method, path, { raw, headers: h, csrf });
  seen.push({ what: `${method} ${path}`, status: r.status });
  if (r.status >= 400) assertErrorShape(r);
  return r;
}
async function raw(parts, opts) {
  const r = await rawHttp(k.port, parts, opts);
  seen.push({ what: String(Array.isArray(parts) ? parts[0] : parts).slice(0, 60), status: r.status });
  return r;
}
const req = (line, headers = '', body = '') =>
  `${line} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers}\r\n${body}`;

// ---- JSON bodies ---------------------------------------------------------

const J = JSON.stringify;
const login = { tenant: A, user: 'admin', password: 'not-the-password-x' };
const newUser = { login: 'new-user', name: '新しい職員', role: 'tax_clerk', password: 'new-user-password' };

// The same families of mistakes on each body-taking route.
function bodyCases(valid, strField) {
  const without = (f) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== f));
  const lastField = Object.keys(valid).at(-1);
  return [
    ['malformed JSON', '{"tenant":', 400, 'malformed_json', null],
    ['trailing garbage', J(valid) + ' x', 400, 'malformed_json', null],
    ['two objects', J(valid) + J(valid), 400, 'malformed_json', null],
    ['single quotes', J(valid).replaceAll('"', "'"), 400, 'malformed_json', null],
    ['empty body', '', 400, 'malformed_json', null],
    ['only whitespace', ' \r\n\t ', 400, 'malformed_json', null],
    ['top-level array', J([valid]), 400, 'wrong_type', null],
    ['top-level string', '"x"', 400, 'wrong_type', null],
    ['top-level number', '42', 400, 'wrong_type', null],
    ['top-level null', 'null', 400, 'wrong_type', null],
    ['number for a string', J({ ...valid, [strField]: 104213 }), 400, 'wrong_type', strField],
    ['object for a string', J({ ...valid, [strField]: { a: 1 } }), 400, 'wrong_type', strField],
    ['array for a string', J({ ...valid, [strField]: ['x'] }), 400, 'wrong_type', strField],
    ['bool for a string', J({ ...valid, [strField]: true }), 400, 'wrong_type', strField],
    ['unknown field', J({ ...valid, extra: 1 }), 400, 'unknown_field', 'extra'],
    ['unknown field, case', J({ ...without(strField), [strField.toUpperCase()]: 'x' }), 400, 'unknown_field', strField.toUpperCase()],
    ['missing field', J(without(lastField)), 400, 'missing_field', lastField],
    ['empty object', '{}', 400, 'missing_field', Object.keys(valid)[0]],
    ['NUL in a string', J({ ...valid, [strField]: 'ab\u0000cd' }), 400, 'invalid_value', strField],
    ['BEL in a string', J({ ...valid, [strField]: 'ab\u0007cd' }), 400, 'invalid_value', strField],
    ['ESC in a string', J({ ...valid, [strField]: 'ab\u001bcd' }), 400, 'invalid_value', strField],
    ['DEL in a string', J({ ...valid, [strField]: 'ab\u007fcd' }), 400, 'invalid_value', strField],
    ['newline in a string', J({ ...valid, [strField]: 'ab\ncd' }), 400, 'invalid_value', strField],
    ['raw control byte', J({ ...valid, [strField]: 'abcd' }).replace('abcd', 'ab\u0001cd'), 400, 'malformed_json', null],
    ['overlong string', J({ ...valid, [strField]: 'a'.repeat(300) }), 400, 'too_long', strField],
    ['duplicate key', J(valid).replace('{', `{"${strField}":"dup",`), 400, 'malformed_json', null],
    ['lone surrogate escape', J({ ...valid, [strField]: 'x' }).replace('"x"', '"\\ud800"'), 400, null, null],
  ];
}

const INVALID_UTF8 = [
  ['stray continuation byte', [0x80]],
  ['truncated sequence', [0xe3, 0x81]],
  ['overlong slash', [0xc0, 0xaf]],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['0xFF', [0xff, 0xfe]],
];
function utf8Body(valid, strField, bytes) {
  const text = J({ ...valid, [strField]: 'MARK' });
  const [pre, post] = text.split('MARK');
  return Buffer.concat([Buffer.from(pre), Buffer.from(bytes), Buffer.from(post)]);
}

for (const [route, valid, strField, client] of [
  ['POST /api/v1/session', login, 'user', () => k.client()],
  ['POST /api/v1/users', newUser, 'login', () => admin],
]) {
  const [method, path] = route.split(' ');

  test(`${route}: malformed, mistyped, unknown, missing, control, overlong, duplicate`, async () => {
    for (const [what, body, status, code, field] of bodyCases(valid, strField)) {
      const r = await send(client(), method, path, body);
      assert.equal(r.status, status, `${what}: ${r.text}`);
      if (code) assert.equal(r.json.error.code, code, `${what}: ${r.text}`);
      if (field !== undefined && code) assert.equal(r.json.error.field, field, `${what}: ${r.text}`);
    }
  });

  test(`${route}: invalid UTF-8 bytes are 400 invalid_utf8`, async () => {
    for (const [what, bytes] of INVALID_UTF8) {
      const r = await send(client(), method, path, utf8Body(valid, strField, bytes));
      assertError(r, 400, 'invalid_utf8');
      assert.ok(r.json.error.message.length > 0, what);
    }
    // Valid multi-byte text passes the check (and fails later, for its own reason).
    const ok = await send(client(), method, path, utf8Body(valid, strField, Buffer.from('長野')));
    assert.notEqual(ok.json?.error?.code, 'invalid_utf8', ok.text);
  });

  test(`${route}: Content-Type must be JSON`, async () => {
    for (const type of [null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
      'application/jsonx', 'application/json; charset=latin1', 'application/json;foo=bar', 'text/json']) {
      const r = await send(client(), method, path, J(valid), { type });
      assertError(r, 415, 'unsupported_media_type', 'Content-Type');
    }
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON; Charset=UTF-8']) {
      const r = await send(client(), method, path, J({ ...valid, extra: 1 }), { type });
      assertError(r, 400, 'unknown_field', 'extra'); // past the type check
    }
  });
}

test('POST /api/v1/users: lengths count characters, not bytes; role and password are checked', async () => {
  const ok = await send(admin, 'POST', '/api/v1/users', J({ ...newUser, name: '長'.repeat(64) }));
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.name, '長'.repeat(64));
  assertError(await send(admin, 'POST', '/api/v1/users', J({ ...newUser, login: 'other-user', name: '長'.repeat(65) })),
    400, 'too_long', 'name');
  assertError(await send(admin, 'POST', '/api/v1/users', J({ ...newUser, login: 'other-user', role: 'root' })),
    400, 'invalid_value', 'role');
  assertError(await send(admin, 'POST', '/api/v1/users', J({ ...newUser, login: 'other-user', password: 'short' })),
    400, 'invalid_value', 'password');
  assertError(await send(admin, 'POST', '/api/v1/users', J({ ...newUser, login: 'Bad Login!' })),
    400, 'invalid_value', 'login');
  assertError(await send(admin, 'POST', '/api/v1/users', J({ ...newUser, login: 'x'.repeat(33) })),
    400, 'too_long', 'login');
});

test('PATCH /api/v1/users/{id}: wrong types, unknown and missing fields', async () => {
  const p = `/api/v1/users/${targetId}`;
  const cases = [
    [{ disabled: 'yes' }, 400, 'wrong_type', 'disabled'],
    [{ disabled: 1 }, 400, 'wrong_type', 'disabled'],
    [{ locked: 'false' }, 400, 'wrong_type', 'locked'],
    [{ name: 5 }, 400, 'wrong_type', 'name'],
    [{ role: ['admin'] }, 400, 'wrong_type', 'role'],
    [{ login: 'renamed' }, 400, 'unknown_field', 'login'],
    [{ password: 'new-password-123' }, 400, 'unknown_field', 'password'],
    [{ name: 'x', id: 1 }, 400, 'unknown_field', 'id'],
    [{}, 400, 'bad_request', null],
    [{ name: null }, 400, 'bad_request', null],
    [{ name: 'a\u0000b' }, 400, 'invalid_value', 'name'],
    [{ name: 'x'.repeat(65) }, 400, 'too_long', 'name'],
    [{ role: 'operator' }, 400, 'invalid_value', 'role'],
  ];
  for (const [body, status, code, field] of cases) {
    const r = await send(admin, 'PATCH', p, J(body));
    assert.equal(r.status, status, `${J(body)}: ${r.text}`);
    assert.equal(r.json.error.code, code, `${J(body)}: ${r.text}`);
    assert.equal(r.json.error.field, field, `${J(body)}: ${r.text}`);
  }
  assertError(await send(admin, 'PATCH', p, '{"name":"a","name":"b"}'), 400, 'malformed_json');
  assertError(await send(admin, 'PATCH', p, '[]'), 400, 'wrong_type');
  assertError(await send(admin, 'PATCH', p, utf8Body({ name: 'x' }, 'name', [0xc3])), 400, 'invalid_utf8');
  assertError(await send(admin, 'PATCH', p, J({ name: 'x' }), { type: 'text/plain' }), 415, 'unsupported_media_type');
  // None of it changed the user.
  const u = await admin.get(p);
  assert.equal(u.json.name, 'tax_clerk 104213');
  assert.equal(u.json.disabled, false);
});

// ---- bodies where none belongs, and oversized bodies -----------------------

test('a body on GET or DELETE is 400', async () => {
  const cookie = `Cookie: kyodo_session=${admin.cookie}\r\n`;
  for (const path of ['/api/v1/health', '/api/v1/me', '/api/v1/users']) {
    const r = await raw(req(`GET ${path}`, `${cookie}Content-Type: application/json\r\nContent-Length: 2\r\n`, '{}'));
    assert.equal(r.status, 400, `${path}: ${r.body}`);
    assert.equal(rawJson(r).error.code, 'bad_request');
  }
  // DELETE /session with a body is refused, and the session lives on.
  const r = await send(admin, 'DELETE', '/api/v1/session', '{}');
  assertError(r, 400, 'bad_request');
  assert.equal((await admin.get('/api/v1/me')).status, 200);
});

test('a body over 1 MiB is 413, with Content-Length and chunked; 1 MiB exactly is read', async () => {
  const MiB = 1 << 20;
  const head = (extra) => `POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
    `Content-Type: application/json\r\n${extra}\r\n`;
  // Declared too large: refused before the body is sent.
  const declared = await raw([head(`Content-Length: ${MiB + 1}\r\n`), Buffer.alloc(MiB + 1, 0x20)], { gap: 300 });
  assert.equal(declared.status, 413, declared.error ?? declared.body);
  assert.equal(rawJson(declared).error.code, 'payload_too_large');
  // Chunked: found out while reading.
  const chunk = Buffer.alloc(65536, 0x20);
  const parts = [head('Transfer-Encoding: chunked\r\n')];
  for (let i = 0; i < 20; i++) parts.push(Buffer.concat([Buffer.from('10000\r\n'), chunk, Buffer.from('\r\n')]));
  parts.push('0\r\n\r\n');
  const chunked = await raw(parts, { gap: 5 });
  assert.equal(chunked.status, 413, chunked.error ?? chunked.body);
  assert.equal(rawJson(chunked).error.code, 'payload_too_large');
  // A chunked body that goes on far past the limit is not read to its end:
  // after 8 MiB thrown away the connection is closed, without an answer.
  const endless = [head('Transfer-Encoding: chunked\r\n')];
  for (let i = 0; i < 160; i++) endless.push(Buffer.concat([Buffer.from('10000\r\n'), chunk, Buffer.from('\r\n')]));
  endless.push('0\r\n\r\n');
  const cut = await rawHttp(k.port, endless, { gap: 0, timeout: 10000 }); // (not recorded: no answer is the point)
  assert.ok(!cut.status, `a 10 MiB chunked body got an answer: ${cut.status}`);
  // Through fetch as well (Content-Length), on an authenticated route.
  const big = await rawHttp(k.port, [`POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Cookie: kyodo_session=${admin.cookie}\r\nX-CSRF-Token: ${admin.csrf}\r\nContent-Length: ${2 * MiB}\r\nConnection: close\r\n\r\n`], { timeout: 3000 });
  assert.equal(big.status, 413);
  // Exactly at the limit: read and decoded (then refused as too long a string).
  const atLimit = Buffer.alloc(MiB, 0x61);
  const prefix = Buffer.from('{"tenant":"104213","user":"admin","password":"');
  prefix.copy(atLimit);
  Buffer.from('"}').copy(atLimit, MiB - 2);
  const r = await send(k.client(), 'POST', '/api/v1/session', atLimit);
  assertError(r, 400, 'too_long', 'password');
});

test('body framing: a bad or doubled Content-Length is 400, and nothing is smuggled', async () => {
  const h = 'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
  for (const cl of ['-1', 'abc', '1e3', '0x10']) {
    const r = await raw(`${h}Connection: close\r\nContent-Length: ${cl}\r\n\r\n{}`);
    assert.equal(r.status, 400, `Content-Length: ${cl}`);
  }
  // Two lengths: a second request hidden in the body must not be answered.
  const hidden = 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n';
  const body = '{}' + hidden;
  for (const [first, second] of [[2, body.length], [body.length, 2], [2, 2]]) {
    const r = await raw(`${h}Content-Length: ${first}\r\nContent-Length: ${second}\r\n\r\n${body}`, { timeout: 3000 });
    assert.equal(r.status, 400, `${first}/${second}: ${r.error} ${r.body}`);
    const e = rawJson(r);
    assert.equal(e?.error?.field, 'Content-Length', r.body);
    assert.equal(r.raw.toString('latin1').match(/HTTP\/1\.1 \d{3}/g).length, 1, 'one response only');
    assert.notEqual(r.error, 'timeout', 'the connection is closed');
  }
});

// ---- the tenant registry ------------------------------------------------------

test('POST /tenants: a bad town code check digit is 400 invalid_value, code', async () => {
  // 13201x: weights 6,5,4,3,2 → sum 31, 31 % 11 = 9, 11 - 9 = 2: only 132012 is valid.
  for (const code of ['132010', '132011', '132013', '132019']) {
    const r = await send(operator, 'POST', '/api/v1/tenants', J({ code, name: '町' }));
    assertError(r, 400, 'invalid_value', 'code');
    assert.match(r.json.error.message, /check digit/i);
  }
  for (const code of ['13201', '1320120', 'abcdef', '13201２', ' 32012', '']) {
    const r = await send(operator, 'POST', '/api/v1/tenants', J({ code, name: '町' }));
    assert.equal(r.status, 400, `${code}: ${r.text}`);
    assert.ok(['invalid_value', 'too_long'].includes(r.json.error.code), r.text);
    assert.equal(r.json.error.field, 'code');
  }
  assertError(await send(operator, 'POST', '/api/v1/tenants', J({ code: 132012, name: '町' })), 400, 'wrong_type', 'code');
  assertError(await operator.get('/api/v1/tenants/132013'), 404, 'not_found');
  assertError(await operator.get('/api/v1/tenants/132012'), 404, 'not_found', 'code'); // valid, never created
});

// ---- paths ------------------------------------------------------------------

test('ids that are not positive integers name nothing: 404', async () => {
  for (const id of ['abc', '0', '-1', '01', '1.5', '1e3', '+1', '0x1', '99999999999999999999', '%20', '１', '1%20']) {
    for (const [m, suffix, body] of [['GET', '', undefined], ['PATCH', '', '{"name":"x"}'], ['PUT', '/password', '{"password":"some-password-1"}']]) {
      const r = await send(admin, m, `/api/v1/users/${id}${suffix}`, body);
      assertError(r, 404, 'not_found');
    }
  }
  const tenantIds = ['abc', '0', '1', '10421３', '1042130', '%31%30%34%32%31%33x'];
  for (const code of tenantIds)
    assertError(await send(operator, 'GET', `/api/v1/tenants/${code}`), 404, 'not_found');
});

test('%00 anywhere in the URL is 400: it would cut the path or query short', async () => {
  const auditor = await k.as(A, 'auditor');
  const cases = [
    [admin, `/api/v1/users/${targetId}%00`], [admin, '/api/v1/me%00/x'], [admin, '/api/v1/users%00'],
    [auditor, '/api/v1/audit?user=admin%00x'], [k.client(), '/index.html%00.txt'],
  ];
  for (const [c, p] of cases) {
    const r = await send(c, 'GET', p);
    assertError(r, 400, 'bad_request', 'path');
    assert.doesNotMatch(r.text, /<html/);
  }
  // Raw, so that '..' is not resolved by the client.
  const r = await raw(req('GET /index.html%00/../../etc/passwd'));
  assert.equal(r.status, 400);
  assert.equal(rawJson(r).error.code, 'bad_request');
  assert.doesNotMatch(r.body, /root:/);
});

test('unknown routes are 404 not_found in JSON, with or without a session', async () => {
  for (const c of [k.client(), admin]) {
    for (const p of ['/api/v1/nope', '/api/v2/health', '/api/v1', '/api/', '/api/v1/users/1/extra',
      '/api/v1/health/', '/api/v1//health', '/api/v1/users/', '/api/v1/HEALTH', '/api/v1/audit/verify/x']) {
      const r = await send(c, 'GET', p);
      assertError(r, 404, 'not_found', null);
      assert.match(r.headers.get('content-type'), /^application\/json/);
    }
    assertError(await send(c, 'POST', '/api/v1/nope', '{}'), 404, 'not_found');
  }
});

test('a known path with the wrong method is 405 with an Allow header', async () => {
  const cases = [
    ['PUT', '/api/v1/health', 'GET'],
    ['POST', '/api/v1/health', 'GET'],
    ['DELETE', '/api/v1/users', 'GET, POST'],
    ['POST', '/api/v1/users/1', 'GET, PATCH'],
    ['GET', '/api/v1/users/1/password', 'PUT'],
    ['PATCH', '/api/v1/session', 'POST, DELETE'],
    ['GET', '/api/v1/session', 'POST, DELETE'],
    ['PUT', '/api/v1/tenants/104213', 'GET, PATCH'],
    ['POST', '/api/v1/audit', 'GET'],
  ];
  for (const c of [k.client(), admin]) {
    for (const [m, p, allow] of cases) {
      const r = await send(c, m, p, m === 'GET' ? undefined : '{}');
      assertError(r, 405, 'method_not_allowed', null);
      assert.equal(r.headers.get('allow'), allow, `${m} ${p}`);
    }
  }
  for (const [m, p] of [['POST', '/index.html'], ['DELETE', '/'], ['PUT', '/css/x.css']]) {
    const r = await send(k.client(), m, p, m === 'DELETE' ? undefined : 'x');
    assertError(r, 405, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  }
  // Methods nobody routes.
  for (const m of ['OPTIONS', 'TRACE', 'PROPFIND']) {
    const r = await raw(req(`${m} /api/v1/health`));
    assert.ok(r.status === 405 || r.status === 400 || r.status === 501, `${m}: ${r.status}`);
  }
});

test('static paths: no way out of web/, no hidden files', async () => {
  const hostile = [
    '/../etc/passwd', '/../../../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%2E%2E/etc/passwd',
    '/..%2F..%2Fetc%2Fpasswd', '/%2F..%2F..%2Fetc%2Fpasswd', '/css/../../etc/passwd', '/css/%2e%2e/index.html',
    '/..\\..\\etc\\passwd', '/css\\..\\index.html', '/%5c..%5c..%5cetc%5cpasswd', '/.%2e/etc/passwd',
    '/.git/config', '/.env', '/css/.hidden', '/.', '/./index.html', '//etc/passwd', '/css//x.css',
    '/index.html/', '/~root', '/index.html;x', '/%2fetc%2fpasswd', '/%252e%252e/etc/passwd',
  ];
  for (const p of hostile) {
    const r = await raw(req(`GET ${p}`));
    assert.equal(r.status, 400, `${p}: ${r.status} ${r.body.slice(0, 80)}`);
    assert.doesNotMatch(r.body, /root:|\[core\]|<html/i, p);
    const e = rawJson(r);
    assert.ok(e && e.error && typeof e.error.code === 'string', `${p}: ${r.body}`);
  }
  // Absolute-form and asterisk requests are not files either.
  for (const line of ['GET http://localhost/../etc/passwd', 'GET *']) {
    const r = await raw(req(line));
    assert.ok(r.status >= 400 && r.status < 500, `${line}: ${r.status}`);
    assert.doesNotMatch(r.body, /root:/);
  }
  // Missing files are 404; real ones are served.
  assert.equal((await raw(req('GET /no-such-file.html'))).status, 404);
  const ok = await raw(req('GET /index.html'));
  assert.equal(ok.status, 200);
  assert.match(ok.body, /<html/i);
});

test('a very long URL and huge headers are a 4xx, not a crash', async () => {
  const cases = [
    ['100 KiB path', req(`GET /api/v1/${'a'.repeat(100 * 1024)}`)],
    ['100 KiB query', req(`GET /api/v1/health?x=${'a'.repeat(100 * 1024)}`)],
    ['64 KiB header', req('GET /api/v1/health', `X-Big: ${'a'.repeat(64 * 1024)}\r\n`)],
    ['64 KiB cookie', req('GET /api/v1/me', `Cookie: kyodo_session=${'a'.repeat(64 * 1024)}\r\n`)],
    ['4000 headers', req('GET /api/v1/health', Array.from({ length: 4000 }, (_, i) => `X-H${i}: v\r\n`).join(''))],
    ['64 KiB purpose', req('GET /api/v1/health', `X-Kyodo-Purpose: ${'p'.repeat(64 * 1024)}\r\n`)],
  ];
  for (const [what, data] of cases) {
    const r = await raw(data);
    assert.ok([400, 413, 414, 431].includes(r.status), `${what}: ${r.status} ${r.error}`);
  }
  // Just under the header limits a long-ish header is fine.
  const fine = await raw(req('GET /api/v1/health', `X-Big: ${'a'.repeat(8 * 1024)}\r\n`));
  assert.equal(fine.status, 200);
});

test('HTTP/1.1 without a Host header is refused', async () => {
  const r = await raw('GET /api/v1/health HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 400);
  const ok = await raw(req('GET /api/v1/health'));
  assert.equal(ok.status, 200);
});

test('an invalid X-Kyodo-Purpose header is 400 naming the header', async () => {
  const p = '/api/v1/users';
  const cookie = `Cookie: kyodo_session=${admin.cookie}\r\n`;
  assertError(await send(admin, 'GET', p, undefined, { headers: { 'X-Kyodo-Purpose': 'x'.repeat(65) } }),
    400, 'too_long', 'X-Kyodo-Purpose');
  const cases = [
    ['tab', Buffer.from(`${cookie}X-Kyodo-Purpose: a\tb\r\n`), 'invalid_value'],
    ['invalid UTF-8', Buffer.concat([Buffer.from(`${cookie}X-Kyodo-Purpose: a`), Buffer.from([0xff, 0xc0]), Buffer.from('b\r\n')]), 'invalid_utf8'],
    ['overlong UTF-8', Buffer.concat([Buffer.from(`${cookie}X-Kyodo-Purpose: `), Buffer.from([0xc0, 0xaf]), Buffer.from('\r\n')]), 'invalid_utf8'],
    ['DEL', Buffer.from(`${cookie}X-Kyodo-Purpose: a\x7fb\r\n`), 'invalid_value'],
  ];
  for (const [what, headers, code] of cases) {
    const r = await raw(Buffer.concat([Buffer.from(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n`), headers, Buffer.from('\r\n')]));
    assert.equal(r.status, 400, `${what}: ${r.status} ${r.body}`);
    const e = rawJson(r).error;
    assert.equal(e.code, code, what);
    assert.equal(e.field, 'X-Kyodo-Purpose', what);
  }
  // 64 characters (multi-byte) and an empty value are fine.
  const jp = Buffer.from('住'.repeat(64)).toString('latin1');
  assert.equal((await send(admin, 'GET', p, undefined, { headers: { 'X-Kyodo-Purpose': jp } })).status, 200);
  assert.equal((await send(admin, 'GET', p, undefined, { headers: { 'X-Kyodo-Purpose': '' } })).status, 200);
});

test('after all of it the server is healthy and nothing answered 5xx', async () => {
  const r = await send(k.client(), 'GET', '/api/v1/health');
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'ok');
  assert.equal((await admin.get('/api/v1/me')).status, 200);
  assert.ok(seen.length > 250, `only ${seen.length} requests`);
  assert.deepEqual(seen.filter((s) => s.status === null || s.status >= 500), []);
});
