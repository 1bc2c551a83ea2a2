// Sign-in, the signed-in user, sign-out, failed sign-ins and lock-out,
// session timeouts, own password change, password reset by the administrator,
// and the cookie's attributes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError, Client, sleep } from '../lib/harness.mjs';

const A = '104213';
let k;

before(async () => { k = await startKyodo({ towns: [[A, '中之条町']] }); });
after(async () => { await k.stop(); });

const signIn = (tenant, user, password) =>
  k.client().post('/api/v1/session', { tenant, user, password });

function cookieAttrs(setCookie) {
  assert.ok(setCookie, 'a Set-Cookie header is expected');
  const parts = setCookie.split(';').map((s) => s.trim());
  const [name, ...value] = parts[0].split('=');
  return { name, value: value.join('='), attrs: parts.slice(1) };
}

async function userId(admin, login) {
  const r = await admin.get('/api/v1/users');
  assert.equal(r.status, 200, r.text);
  const u = r.json.items.find((x) => x.login === login);
  assert.ok(u, `user ${login} not listed`);
  return u.id;
}

test('sign-in answers 201 with an HttpOnly, SameSite=Strict cookie and the session body', async () => {
  const c = k.client();
  const r = await c.post('/api/v1/session',
    { tenant: A, user: 'tax-clerk', password: k.password(A, 'tax_clerk') });
  assert.equal(r.status, 201, r.text);
  const ck = cookieAttrs(r.headers.get('set-cookie'));
  assert.equal(ck.name, 'kyodo_session');
  assert.match(ck.value, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(ck.attrs.includes('HttpOnly'), ck.attrs.join('; '));
  assert.ok(ck.attrs.includes('SameSite=Strict'), ck.attrs.join('; '));
  assert.ok(ck.attrs.includes('Path=/'), ck.attrs.join('; '));
  assert.ok(!ck.attrs.some((a) => a.toLowerCase() === 'secure'), 'no Secure by default');
  assert.ok(ck.attrs.some((a) => /^Max-Age=\d+$/.test(a) && Number(a.slice(8)) > 0));

  const b = r.json;
  assert.equal(b.user.login, 'tax-clerk');
  assert.equal(b.user.role, 'tax_clerk');
  assert.equal(typeof b.user.id, 'number');
  assert.equal(typeof b.user.role_label, 'string');
  assert.deepEqual(b.tenant, { code: A, name: '中之条町' });
  assert.ok(Array.isArray(b.menu) && b.menu.length > 0);
  assert.match(b.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(b.csrf_token, ck.value, 'the CSRF token is not the session token');
  assert.ok(!JSON.stringify(b).includes(ck.value), 'the body never carries the session token');
  assert.equal(b.session.idle_timeout, 1800);
  assert.ok(Date.parse(b.session.expires_at) > Date.now());
  assert.ok(!('password' in b.user) && !JSON.stringify(b).includes(k.password(A, 'tax_clerk')));

  // GET /me gives the same picture, and no new cookie.
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.headers.get('set-cookie'), null);
  assert.deepEqual(me.json.user, b.user);
  assert.deepEqual(me.json.tenant, b.tenant);
  assert.deepEqual(me.json.menu, b.menu);
  assert.equal(me.json.csrf_token, b.csrf_token);
});

test('GET /me without a session is 401 unauthenticated', async () => {
  assertError(await k.client().get('/api/v1/me'), 401, 'unauthenticated', null);
});

test('sign-out answers 204, clears the cookie, and ends the session', async () => {
  const c = await k.as(A, 'residents_clerk');
  const token = c.cookie;
  const r = await c.del('/api/v1/session');
  assert.equal(r.status, 204, r.text);
  assert.equal(r.text, '');
  const ck = cookieAttrs(r.headers.get('set-cookie'));
  assert.equal(ck.name, 'kyodo_session');
  assert.equal(ck.value, '');
  assert.ok(ck.attrs.includes('Max-Age=0'), ck.attrs.join('; '));
  assert.ok(ck.attrs.includes('Path=/') && ck.attrs.includes('HttpOnly'));
  assert.equal(c.cookie, null);
  // The old token no longer works, even if a client kept it.
  const old = new Client(k.base, token);
  assertError(await old.get('/api/v1/me'), 401, 'unauthenticated');
  // Signing out again with it is 401 too.
  assertError(await new Client(k.base, token, 'x').del('/api/v1/session'), 401, 'unauthenticated');
});

test('wrong password, unknown user, unknown town and disabled user all look the same', async () => {
  const admin = await k.as(A, 'admin');
  const welfareId = await userId(admin, 'welfare-clerk');
  const d = await admin.patch(`/api/v1/users/${welfareId}`, { disabled: true });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.disabled, true);

  const attempts = {
    'wrong password': signIn(A, 'auditor', 'not-the-password-1'),
    'unknown user': signIn(A, 'nobody-here', 'not-the-password-1'),
    'unknown town': signIn('104256', 'admin', k.password(A, 'admin')),
    'disabled user': signIn(A, 'welfare-clerk', k.password(A, 'welfare_clerk')),
  };
  let message = null;
  for (const [what, p] of Object.entries(attempts)) {
    const r = await p;
    assertError(r, 401, 'invalid_credentials', null);
    assert.equal(r.headers.get('set-cookie'), null, what);
    message ??= r.json.error.message;
    assert.equal(r.json.error.message, message, `${what} must not be told apart`);
  }
  // Enabled again, the same password works.
  const e = await admin.patch(`/api/v1/users/${welfareId}`, { disabled: false });
  assert.equal(e.status, 200, e.text);
  assert.equal((await signIn(A, 'welfare-clerk', k.password(A, 'welfare_clerk'))).status, 201);
});

test('a malformed town code or user name is a 400, not a sign-in attempt', async () => {
  assertError(await signIn('10421', 'admin', 'whatever-long'), 400, 'invalid_value', 'tenant');
  assertError(await signIn('10421x', 'admin', 'whatever-long'), 400, 'invalid_value', 'tenant');
  assertError(await signIn(A, 'Admin!', 'whatever-long'), 400, 'invalid_value', 'user');
});

test('five failed sign-ins lock the account; the administrator unlocks it', async () => {
  const pw = k.password(A, 'tax_clerk');
  for (let i = 1; i <= 4; i++)
    assertError(await signIn(A, 'tax-clerk', `wrong-password-${i}`), 401, 'invalid_credentials');
  assertError(await signIn(A, 'tax-clerk', 'wrong-password-5'), 423, 'account_locked', null);
  // Locked: even the right password is refused, and no cookie is set.
  const right = await signIn(A, 'tax-clerk', pw);
  assertError(right, 423, 'account_locked');
  assert.equal(right.headers.get('set-cookie'), null);

  const admin = await k.as(A, 'admin');
  const id = await userId(admin, 'tax-clerk');
  const g = await admin.get(`/api/v1/users/${id}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.locked, true);
  assert.ok(Date.parse(g.json.locked_until) > Date.now());
  // Locking by hand is not a thing.
  assertError(await admin.patch(`/api/v1/users/${id}`, { locked: true }), 400, 'invalid_value', 'locked');
  const u = await admin.patch(`/api/v1/users/${id}`, { locked: false });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.locked, false);
  assert.equal(u.json.locked_until, null);
  assert.equal((await signIn(A, 'tax-clerk', pw)).status, 201);
});

test('only consecutive failures count: a successful sign-in starts the count again', async () => {
  const pw = k.password(A, 'operator');
  for (let round = 0; round < 2; round++) {
    for (let i = 1; i <= 4; i++)
      assertError(await signIn(A, 'operator', `wrong-password-${round}-${i}`), 401, 'invalid_credentials');
    assert.equal((await signIn(A, 'operator', pw)).status, 201, `round ${round}`);
  }
});

test('own password change: checks, new session, old cookie and password retired', async () => {
  const oldPw = k.password(A, 'auditor');
  const c = await k.as(A, 'auditor');
  const oldCookie = c.cookie;
  const oldCsrf = c.csrf;

  assertError(await c.post('/api/v1/me/password', { current: 'not-my-password', new: 'a-brand-new-pass-1' }),
    400, 'invalid_value', 'current');
  assertError(await c.post('/api/v1/me/password', { current: oldPw, new: 'short' }),
    400, 'invalid_value', 'new');
  assertError(await c.post('/api/v1/me/password', { current: oldPw, new: oldPw }),
    400, 'invalid_value', 'new');
  assertError(await c.post('/api/v1/me/password', { current: oldPw }), 400, 'missing_field', 'new');
  // The failed attempts changed nothing: the session still works.
  assert.equal((await c.get('/api/v1/me')).status, 200);

  const newPw = 'auditor-new-password-2';
  const r = await c.post('/api/v1/me/password', { current: oldPw, new: newPw });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.login, 'auditor');
  const ck = cookieAttrs(r.headers.get('set-cookie'));
  assert.equal(ck.name, 'kyodo_session');
  assert.notEqual(ck.value, oldCookie, 'a fresh session token');
  assert.notEqual(r.json.csrf_token, oldCsrf, 'a fresh CSRF token');
  assert.ok(ck.attrs.includes('HttpOnly') && ck.attrs.includes('SameSite=Strict'));

  // The new cookie works; the old one does not.
  assert.equal((await c.get('/api/v1/me')).status, 200);
  assertError(await new Client(k.base, oldCookie).get('/api/v1/me'), 401, 'unauthenticated');
  // The old password no longer signs in; the new one does.
  assertError(await signIn(A, 'auditor', oldPw), 401, 'invalid_credentials');
  assert.equal((await signIn(A, 'auditor', newPw)).status, 201);
});

test('a password reset by the administrator ends the target user\'s sessions', async () => {
  const target = await k.as(A, 'residents_clerk');
  const second = await k.as(A, 'residents_clerk');
  const admin = await k.as(A, 'admin');
  const id = await userId(admin, 'residents-clerk');
  const newPw = 'reset-by-admin-pw-3';
  const r = await admin.put(`/api/v1/users/${id}/password`, { password: newPw });
  assert.equal(r.status, 204, r.text);
  assertError(await target.get('/api/v1/me'), 401, 'unauthenticated');
  assertError(await second.get('/api/v1/me'), 401, 'unauthenticated');
  // The administrator's own session is untouched.
  assert.equal((await admin.get('/api/v1/me')).status, 200);
  assertError(await signIn(A, 'residents-clerk', k.password(A, 'residents_clerk')), 401, 'invalid_credentials');
  assert.equal((await signIn(A, 'residents-clerk', newPw)).status, 201);
});

test('a forged or malformed session cookie is 401', async () => {
  const c = await k.as(A, 'operator');
  const t = c.cookie;
  const flipped = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
  for (const bad of [flipped, t.slice(1), t + 'A', 'x'.repeat(43), '', '%00', t.replace(/./, '.')])
    assertError(await new Client(k.base, bad).get('/api/v1/me'), 401, 'unauthenticated');
  assert.equal((await c.get('/api/v1/me')).status, 200, 'the real cookie still works');
});

test('idle timeout ends a session; secure_cookies adds Secure', async () => {
  // A second server with a 2 s idle timeout and Secure cookies; one user only.
  const s = await startKyodo({
    towns: [[A, '中之条町']], users: false,
    config: '[session]\nidle_timeout = 2\nmax_lifetime = 60\n[server]\nsecure_cookies = true',
  });
  try {
    const pw = 'idle-user-password-1';
    const add = s.cli(['user', 'add', '--tenant', A, '--login', 'idle', '--name', 'idle user',
      '--role', 'tax_clerk', '--password-stdin'], { input: pw + '\n' });
    assert.equal(add.status, 0, add.stderr);
    const c = s.client();
    const r = await c.post('/api/v1/session', { tenant: A, user: 'idle', password: pw });
    assert.equal(r.status, 201, r.text);
    const ck = cookieAttrs(r.headers.get('set-cookie'));
    assert.ok(ck.attrs.includes('Secure'), ck.attrs.join('; '));
    assert.ok(ck.attrs.includes('HttpOnly') && ck.attrs.includes('SameSite=Strict'));
    assert.equal(r.json.session.idle_timeout, 2);

    // Use keeps it alive past the idle timeout measured from sign-in …
    await sleep(1000);
    assert.equal((await c.get('/api/v1/me')).status, 200);
    await sleep(1000);
    assert.equal((await c.get('/api/v1/me')).status, 200);
    // … and three idle seconds end it.
    await sleep(3000);
    assertError(await c.get('/api/v1/me'), 401, 'unauthenticated');

    // Sign-out's clearing cookie carries Secure too.
    const c2 = s.client();
    assert.equal((await c2.post('/api/v1/session', { tenant: A, user: 'idle', password: pw })).status, 201);
    const out = await c2.del('/api/v1/session');
    assert.equal(out.status, 204, out.text);
    assert.ok(cookieAttrs(out.headers.get('set-cookie')).attrs.includes('Secure'));
  } finally {
    await s.stop();
  }
});
