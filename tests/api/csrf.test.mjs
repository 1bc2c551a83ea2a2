// CSRF: every state-changing route that needs a session refuses a request
// without the session's X-CSRF-Token, or with a wrong one, before anything
// else happens, for a user who would otherwise be allowed. Reads need none.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError, operations, Client } from '../lib/harness.mjs';
import { sealPng } from '../lib/seal_image.mjs';

const A = '104213';
let k, admin, admin2, operator, clerk, jim, otherId, usersBefore;

// Who may use each state-changing route, and a body the route accepts (so
// that with the right token the request goes through and changes something).
const OWNER = {
  'DELETE /api/v1/session': 'admin',
  'POST /api/v1/me/password': 'admin',
  'POST /api/v1/tenants': 'operator',
  'PATCH /api/v1/tenants/{code}': 'operator',
  'POST /api/v1/users': 'admin',
  'PATCH /api/v1/users/{id}': 'admin',
  'PUT /api/v1/users/{id}/password': 'admin',
  'POST /api/v1/residents/idou': 'residents_clerk',
  'POST /api/v1/certificates': 'residents_clerk',
  'POST /api/v1/certificates/preview': 'residents_clerk',
  'POST /api/v1/suppressions': 'residents_clerk',
  'POST /api/v1/suppressions/{id}/requests': 'residents_clerk',
  'POST /api/v1/suppression-requests/{id}/decision': 'residents_supervisor',
  'POST /api/v1/addressees': 'residents_clerk',
  'POST /api/v1/addressees/{atena}/changes': 'residents_clerk',
  'POST /api/v1/addressee-merges': 'residents_clerk',
  'POST /api/v1/addressee-merges/{id}/undo': 'residents_clerk',
  'POST /api/v1/seals': 'residents_clerk',
  'POST /api/v1/seals/{id}/card': 'residents_clerk',
  'POST /api/v1/seals/{id}/card-loss': 'residents_clerk',
  'POST /api/v1/seals/{id}/abolition': 'residents_clerk',
  'POST /api/v1/seal-certificates': 'residents_clerk',
  'POST /api/v1/consortium/sheets': 'consortium_admin',
  'PATCH /api/v1/consortium/sheets/{id}': 'consortium_admin',
  'DELETE /api/v1/consortium/sheets/{id}': 'consortium_admin',
  'POST /api/v1/consortium/compute': 'consortium_admin',
  'PUT /api/v1/senkyo/districts': 'residents_clerk',
  'POST /api/v1/senkyo/shikken': 'residents_clerk',
  'PATCH /api/v1/senkyo/shikken/{id}': 'residents_clerk',
  'DELETE /api/v1/senkyo/shikken/{id}': 'residents_clerk',
  'POST /api/v1/tenants/{code}/migrations/exports': 'operator',
  'POST /api/v1/tenants/{code}/migrations/imports': 'operator',
  'DELETE /api/v1/tenants/{code}/migrations/{id}': 'operator',
  'POST /api/v1/tenants/{code}/migrations/{id}/check': 'operator',
  'DELETE /api/v1/migrations/{id}': 'admin',
  'POST /api/v1/migrations/{id}/confirm': 'admin',
};
// State-changing routes that take query parameters: a token there is just
// not a token (the CSRF check comes first).
const TAKES_QUERY = new Set(['POST /api/v1/tenants/{code}/migrations/imports']);

// A consortium sheet that names only the town of this test.
const SHEET = 'kind\tallocation\ntown\t104213\t中之条町\t100\ncost\tx\t1000\t均等\n';

const stateChanging = () => operations().filter(
  (op) => !op.public && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method));

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町']] });
  admin = await k.as(A, 'admin');
  admin2 = await k.as(A, 'admin'); // a second, valid session of the same user
  operator = await k.as(A, 'operator');
  clerk = await k.as(A, 'residents_clerk');
  jim = await k.as(A, 'consortium_admin');
  const list = await admin.get('/api/v1/users');
  otherId = list.json.items.find((u) => u.login === 'tax-clerk').id;
  usersBefore = list.json.items;
});
after(async () => { await k.stop(); });

function concrete(path) {
  return path.replace('{code}', A).replace('{id}', String(otherId));
}

function sampleBody(key) {
  switch (key) {
    case 'POST /api/v1/me/password': return { current: k.password(A, 'admin'), new: 'csrf-new-password-1' };
    case 'POST /api/v1/tenants': return { code: '132012', name: '新しい町' };
    case 'PATCH /api/v1/tenants/{code}': return { name: '改名された町' };
    case 'POST /api/v1/users': return { login: 'csrf-user', name: 'x', role: 'tax_clerk', password: 'csrf-user-password' };
    case 'PATCH /api/v1/users/{id}': return { name: 'renamed by csrf' };
    case 'PUT /api/v1/users/{id}/password': return { password: 'csrf-reset-password' };
    case 'POST /api/v1/residents/idou': return { kind: 'kokunai_tennyu', idou_date: '2025-01-01',
      changes: { postcode: '3770424', address: '中之条町1番地', prev_address: '前橋市' },
      persons: [{ kind: 'japanese', shimei: '越権 太郎', shimei_kana: 'エッケン タロウ', birth: '1990-01-01', sex: 1, zokugara: '世帯主' }] };
    case 'POST /api/v1/certificates':
    case 'POST /api/v1/certificates/preview': return { kind: 'juminhyo', atena: ['9999999999'], requester: 'honnin' };
    case 'POST /api/v1/addressees': return { kind: 'nonresident', name: '越権 次郎', address: '前橋市1番' };
    case 'POST /api/v1/addressees/{atena}/changes': return { changes: { address: '前橋市2番' } };
    case 'POST /api/v1/addressee-merges': return { absorbed: '9999999999', survivor: '9999999998', reason: 'csrf' };
    case 'POST /api/v1/addressee-merges/{id}/undo': return { reason: 'csrf' };
    case 'POST /api/v1/consortium/sheets':
    case 'POST /api/v1/consortium/compute': return { text: SHEET };
    case 'PATCH /api/v1/consortium/sheets/{id}': return { title: 'csrf' };
    case 'PUT /api/v1/senkyo/districts': return { districts: [{ code: '01', name: '越権', default: true }] };
    case 'POST /api/v1/senkyo/shikken': return { atena: '9999999999', basis: '252', reason: 'x', from_date: '2025-01-01' };
    case 'PATCH /api/v1/senkyo/shikken/{id}': return { reason: 'x' };
    case 'POST /api/v1/suppressions': return { category: 'dv', reason: 'csrf', confirmer_kind: 'police',
      confirmer: '中之条警察署', confirmed_on: '2025-01-01', applicant: '9999999999' };
    case 'POST /api/v1/suppressions/{id}/requests': return { kind: 'lift', note: 'csrf' };
    case 'POST /api/v1/suppression-requests/{id}/decision': return { decision: 'approve' };
    case 'POST /api/v1/seals': return { atena: '9999999999', image: sealPng().toString('base64'), verification: 'photo_id' };
    case 'POST /api/v1/seals/{id}/card':
    case 'POST /api/v1/seals/{id}/card-loss': return {};
    case 'POST /api/v1/seals/{id}/abolition': return { reason: 'shinsei' };
    case 'POST /api/v1/seal-certificates': return { card_number: '00000019', birth: '1980-01-01' };
    case 'POST /api/v1/tenants/{code}/migrations/exports': return { layout: 'juki' };
    case 'POST /api/v1/tenants/{code}/migrations/{id}/check':
    case 'POST /api/v1/migrations/{id}/confirm': return {};
    default: return undefined;
  }
}

test('the contract lists exactly the state-changing routes this test knows', () => {
  assert.deepEqual(stateChanging().map((op) => `${op.method} ${op.path}`).sort(), Object.keys(OWNER).sort());
});

test('every state-changing route: no token, empty token, wrong token, another session\'s token → 403 csrf_failed', async () => {
  for (const op of stateChanging()) {
    const key = `${op.method} ${op.path}`;
    const c = { operator, residents_clerk: clerk, consortium_admin: jim }[OWNER[key]] ?? admin;
    const path = concrete(op.path);
    const body = sampleBody(key);
    const bad = {
      'no header': { csrf: false },
      'empty header': { csrf: false, headers: { 'X-CSRF-Token': '' } },
      'wrong token': { csrf: false, headers: { 'X-CSRF-Token': 'A'.repeat(43) } },
      'the session token': { csrf: false, headers: { 'X-CSRF-Token': c.cookie } },
      'another session\'s token': { csrf: false, headers: { 'X-CSRF-Token': admin2.csrf } },
      'token with a suffix': { csrf: false, headers: { 'X-CSRF-Token': c.csrf + 'x' } },
      'token cut short': { csrf: false, headers: { 'X-CSRF-Token': c.csrf.slice(0, 42) } },
      'token in the query': { csrf: false },
    };
    for (const [what, opts] of Object.entries(bad)) {
      const p = what === 'token in the query' ? `${path}?csrf_token=${c.csrf}` : path;
      const r = await c.request(op.method, p, { ...opts, body });
      if (what === 'token in the query' && !TAKES_QUERY.has(key)) // these routes take no query at all
        assertError(r, 400, 'unknown_field', 'csrf_token');
      else
        assertError(r, 403, 'csrf_failed', 'X-CSRF-Token');
      assert.equal(r.headers.get('set-cookie'), null, `${key} ${what}`);
    }
  }
});

test('nothing was changed by the refused requests', async () => {
  // No 異動 was recorded, no certificate issued.
  assert.equal((await clerk.get('/api/v1/events')).json.items.length, 0);
  assert.equal((await clerk.get('/api/v1/certificates')).json.items.length, 0);
  // No support measure proposed.
  assert.equal((await clerk.get('/api/v1/suppressions')).json.items.length, 0);
  // No addressee registered.
  assert.equal((await clerk.get('/api/v1/addressees?name=%E8%B6%8A%E6%A8%A9&kind=all')).json.items.length, 0);
  // No seal registered, no 印鑑登録証明書 issued.
  assert.equal((await clerk.get('/api/v1/seals')).json.items.length, 0);
  assert.equal((await clerk.get('/api/v1/seal-certificates')).json.items.length, 0);
  // No 投票区 table set.
  assert.equal((await clerk.get('/api/v1/senkyo/districts')).json.version, 0);
  // No migration job made.
  assert.deepEqual((await operator.get(`/api/v1/tenants/${A}/migrations`)).json.items, []);
  // No consortium sheet stored.
  assert.equal((await jim.get('/api/v1/consortium/sheets')).json.items.length, 0);
  // Sessions still alive (DELETE /session and the password change did not run).
  assert.equal((await admin.get('/api/v1/me')).status, 200);
  assert.equal((await admin2.get('/api/v1/me')).status, 200);
  // Users unchanged, none created, the target's password still the old one.
  const list = await admin.get('/api/v1/users');
  assert.deepEqual(list.json.items, usersBefore);
  assert.equal((await k.client().post('/api/v1/session',
    { tenant: A, user: 'tax-clerk', password: k.password(A, 'tax_clerk') })).status, 201);
  // No new town, own town not renamed.
  assertError(await operator.get('/api/v1/tenants/132012'), 404, 'not_found');
  assert.equal((await operator.get(`/api/v1/tenants/${A}`)).json.name, '中之条町');
  // And the administrator's own password was not changed.
  const again = await k.client().post('/api/v1/session',
    { tenant: A, user: 'admin', password: k.password(A, 'admin') });
  assert.equal(again.status, 201, again.text);
});

test('the token is checked before the permission and the body', async () => {
  // A user who may not create users gets csrf_failed first, not forbidden.
  const tax = await k.as(A, 'tax_clerk');
  assertError(await tax.post('/api/v1/users', {}, { csrf: false }), 403, 'csrf_failed', 'X-CSRF-Token');
  assertError(await tax.post('/api/v1/users', {}), 403, 'forbidden', null);
  // A malformed body behind a missing token is still a CSRF failure.
  assertError(await admin.request('POST', '/api/v1/users', { raw: '{', headers: { 'Content-Type': 'application/json' }, csrf: false }),
    403, 'csrf_failed');
});

test('with the right token the same requests go through', async () => {
  const r1 = await admin.patch(`/api/v1/users/${otherId}`, { name: 'renamed with token' });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.json.name, 'renamed with token');
  const r2 = await admin.post('/api/v1/users',
    { login: 'csrf-user', name: 'x', role: 'tax_clerk', password: 'csrf-user-password' });
  assert.equal(r2.status, 201, r2.text);
  const r3 = await admin2.del('/api/v1/session');
  assert.equal(r3.status, 204, r3.text);
  // The token belongs to one session: a new session of the same user has its
  // own, and the other session's token does not fit it.
  const fresh = await k.as(A, 'admin');
  assert.notEqual(fresh.csrf, admin.csrf);
  const cross = new Client(k.base, fresh.cookie, admin.csrf);
  assertError(await cross.patch(`/api/v1/users/${otherId}`, { name: 'x' }), 403, 'csrf_failed');
});

test('reads need no token', async () => {
  const reads = operations().filter((op) => op.method === 'GET' && !op.public);
  const readers = { admin, operator, auditor: await k.as(A, 'auditor'), residents_clerk: clerk, consortium_admin: jim };
  const who = {
    '/api/v1/tenants': 'operator', '/api/v1/tenants/{code}': 'operator',
    '/api/v1/audit': 'auditor', '/api/v1/audit/verify': 'auditor',
    '/api/v1/residents/idou-kinds': 'residents_clerk', '/api/v1/events': 'residents_clerk',
    '/api/v1/persons/{atena}': 'residents_clerk', '/api/v1/persons': 'residents_clerk', '/api/v1/persons/{atena}/history': 'residents_clerk',
    '/api/v1/households/{setai}': 'residents_clerk',
    '/api/v1/certificates': 'residents_clerk', '/api/v1/certificates/{id}': 'residents_clerk',
    '/api/v1/suppression-codes': 'residents_clerk', '/api/v1/suppressions': 'residents_clerk',
    '/api/v1/suppressions/{id}': 'residents_clerk', '/api/v1/suppression-requests': 'residents_clerk',
    '/api/v1/addressees': 'residents_clerk', '/api/v1/addressees/{atena}': 'residents_clerk',
    '/api/v1/addressees/{atena}/history': 'residents_clerk',
    '/api/v1/seals': 'residents_clerk', '/api/v1/seals/{id}': 'residents_clerk', '/api/v1/seals/{id}/image': 'residents_clerk',
    '/api/v1/seal-certificates': 'residents_clerk', '/api/v1/seal-certificates/{id}': 'residents_clerk',
    '/api/v1/consortium/sheets': 'consortium_admin', '/api/v1/consortium/sheets/{id}': 'consortium_admin',
    '/api/v1/consortium/sheets/{id}/report.pdf': 'consortium_admin',
    '/api/v1/consortium/sheets/{id}/report.csv': 'consortium_admin',
    ...Object.fromEntries(['meibo', 'meibo.csv', 'meibo.pdf', 'summary', 'summary.csv', 'summary.pdf', 'districts', 'shikken']
      .map((x) => [`/api/v1/senkyo/${x}`, 'residents_clerk'])),
    ...Object.fromEntries(['/api/v1/migration-layouts', '/api/v1/tenants/{code}/migrations',
      '/api/v1/tenants/{code}/migrations/{id}', '/api/v1/tenants/{code}/migrations/{id}/export.zip']
      .map((x) => [x, 'operator'])),
  };
  // A migration export to read and download, and the same set uploaded and
  // checked, whose (empty) report the administrator reads.
  const settle = async (c, path) => {
    for (let i = 0; i < 300; i++) {
      const j = (await c.get(path)).json;
      if (!['queued', 'running'].includes(j.state)) return j;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${path} did not settle`);
  };
  const exp = await operator.post(`/api/v1/tenants/${A}/migrations/exports`, { layout: 'juki' });
  assert.equal(exp.status, 202, exp.text);
  assert.equal((await settle(operator, exp.headers.get('location'))).state, 'ready');
  const zip = await fetch(k.base + `${exp.headers.get('location')}/export.zip`, { headers: { Cookie: `kyodo_session=${operator.cookie}` } });
  const imp = await operator.request('POST', `/api/v1/tenants/${A}/migrations/imports?layout=juki`,
    { raw: Buffer.from(await zip.arrayBuffer()), headers: { 'Content-Type': 'application/zip' } });
  assert.equal(imp.status, 201, imp.text);
  assert.equal((await operator.post(`${imp.headers.get('location')}/check`, {})).status, 202);
  assert.equal((await settle(operator, imp.headers.get('location'))).state, 'checked');
  const migrationPaths = {
    '/api/v1/tenants/{code}/migrations/{id}': exp.headers.get('location'),
    '/api/v1/tenants/{code}/migrations/{id}/export.zip': `${exp.headers.get('location')}/export.zip`,
    ...Object.fromEntries(['', '/report', '/report.csv'].map((x) => [`/api/v1/migrations/{id}${x}`, `/api/v1/migrations/${imp.json.id}${x}`])),
  };
  // A consortium sheet to read.
  const sheet = await jim.post('/api/v1/consortium/sheets', { text: SHEET });
  assert.equal(sheet.status, 201, sheet.text);
  // A person and household to read.
  const moved = await clerk.post('/api/v1/residents/idou', sampleBody('POST /api/v1/residents/idou'));
  assert.equal(moved.status, 201, moved.text);
  const ids = { '{atena}': moved.json.atena[0], '{setai}': moved.json.new_setai };
  // And a certificate of that person to read from the 交付履歴.
  const cert = await clerk.post('/api/v1/certificates', { kind: 'juminhyo', atena: [ids['{atena}']], requester: 'honnin' });
  assert.equal(cert.status, 201, cert.text);
  const certId = cert.headers.get('location').split('/').pop();
  // And a support measure (抑止) to read, of another person (a protected
  // person's record is not for the residents clerk).
  const other = await clerk.post('/api/v1/residents/idou', { ...sampleBody('POST /api/v1/residents/idou'),
    persons: [{ kind: 'japanese', shimei: '保護 花子', shimei_kana: 'ホゴ ハナコ', birth: '1991-01-01', sex: 2, zokugara: '世帯主' }] });
  assert.equal(other.status, 201, other.text);
  const supp = await clerk.post('/api/v1/suppressions', { category: 'dv', reason: 'csrf test',
    confirmer_kind: 'police', confirmer: '中之条警察署', confirmed_on: '2025-01-01', applicant: other.json.atena[0] });
  assert.equal(supp.status, 201, supp.text);
  // And a seal of the first person, with a 印鑑登録証明書.
  const sealed = await clerk.post('/api/v1/seals', { atena: ids['{atena}'], image: sealPng().toString('base64'), verification: 'photo_id' });
  assert.equal(sealed.status, 201, sealed.text);
  const sealCert = await clerk.post('/api/v1/seal-certificates', { card_number: sealed.json.card.number, birth: '1990-01-01' });
  assert.equal(sealCert.status, 201, sealCert.text);
  const sealPaths = {
    '/api/v1/seals/{id}': `/api/v1/seals/${sealed.json.id}`,
    '/api/v1/seals/{id}/image': `/api/v1/seals/${sealed.json.id}/image`,
    '/api/v1/seal-certificates/{id}': sealCert.headers.get('location'),
  };
  for (const op of reads) {
    const c = readers[who[op.path] ?? 'admin'];
    const path = migrationPaths[op.path] ?? sealPaths[op.path] ?? (op.path === '/api/v1/certificates/{id}' ? `/api/v1/certificates/${certId}`
      : op.path === '/api/v1/suppressions/{id}' ? `/api/v1/suppressions/${supp.json.id}`
      : op.path.startsWith('/api/v1/consortium/') ? op.path.replace('{id}', String(sheet.json.id))
        : concrete(op.path)).replace(/\{atena\}|\{setai\}/g, (m) => ids[m])
      + (['/api/v1/persons', '/api/v1/addressees'].includes(op.path) ? '?kana=%E3%81%88'
        : /^\/api\/v1\/senkyo\/(meibo|summary)/.test(op.path) ? '?kijun_date=2025-09-01' : '');
    const r = await c.get(path, { csrf: false });
    assert.equal(r.status, 200, `${op.path}: ${r.text}`);
  }
  // Public routes take no session and no token, sign-in included.
  assert.equal((await k.client().get('/api/v1/health')).status, 200);
  assert.equal((await k.client().post('/api/v1/session',
    { tenant: A, user: 'welfare-clerk', password: k.password(A, 'welfare_clerk') })).status, 201);
});
