// Test harness: runs the real kyodo binary against a throwaway data
// directory, and talks to it over HTTP like a browser or another system.
//
//   const k = await startKyodo({ towns: [['104213', '中之条町']] });
//   const admin = await k.login('104213', 'admin', k.password('104213', 'admin'));
//   const res = await admin.get('/api/v1/me');
//   await k.stop();            // SIGTERM; asserts a clean exit (sanitizers)
//
// KYODO_BIN names the binary (CTest sets it); KYODO_SOURCE_DIR the tree.
// KYODO_TEST_STORE, a postgresql:// URL of a server's maintenance database
// (scripts/pg-cluster start prints one), runs every server on PostgreSQL:
// each startKyodo gets a fresh database there, dropped by stop().

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const SOURCE_DIR =
  process.env.KYODO_SOURCE_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.KYODO_BIN ?? join(SOURCE_DIR, 'build', 'kyodo');

export const ROLES = ['admin', 'residents_clerk', 'tax_clerk', 'welfare_clerk', 'auditor', 'operator',
  'consortium_admin', 'residents_supervisor'];

// Runs a CLI command synchronously; returns { status, stdout, stderr }.
export function kyodoCli(args, { input, dataDir } = {}) {
  const full = dataDir ? [...args, '--data', dataDir] : args;
  const r = spawnSync(BIN, full, { input, encoding: 'utf8', timeout: 120000 });
  // A run killed by a signal has status null: say so in stderr, which the
  // callers print when the status is not what they expected.
  const why = r.status === null ? `\n[kyodo ${args[0]} ${args[1] ?? ''}: killed by ${r.signal}${r.error ? ', ' + r.error.message : ''}]` : '';
  return { status: r.status, stdout: r.stdout, stderr: (r.stderr ?? '') + why, signal: r.signal };
}

// One signed-in client: keeps the cookie and the CSRF token.
export class Client {
  constructor(base, cookie = null, csrf = null) {
    this.base = base;
    this.cookie = cookie;
    this.csrf = csrf;
  }

  async request(method, path, { body, headers = {}, raw, csrf = true } = {}) {
    const h = { ...headers };
    if (this.cookie) h.Cookie = `kyodo_session=${this.cookie}`;
    if (csrf && this.csrf && method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = this.csrf;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['Content-Type'] ??= 'application/json';
    }
    let res;
    try {
      res = await fetch(this.base + path, { method, headers: h, body: payload, redirect: 'manual' });
    } catch (e) {
      // Name the request and the cause (ECONNRESET, ECONNREFUSED …).
      throw new Error(`${method} ${path}: ${e.message}: ${e.cause?.code ?? ''} ${e.cause?.message ?? ''}`, { cause: e });
    }
    const text = await res.text();
    let json = null;
    if ((res.headers.get('content-type') ?? '').startsWith('application/json') && text.length)
      json = JSON.parse(text);
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const m = /kyodo_session=([^;]*)/.exec(setCookie);
      if (m) this.cookie = m[1] || null;
    }
    if (json && json.csrf_token) this.csrf = json.csrf_token;
    return { status: res.status, headers: res.headers, text, json };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, body, opts = {}) { return this.request('POST', path, { ...opts, body }); }
  put(path, body, opts = {}) { return this.request('PUT', path, { ...opts, body }); }
  patch(path, body, opts = {}) { return this.request('PATCH', path, { ...opts, body }); }
  del(path, opts) { return this.request('DELETE', path, opts); }
}

// Asserts an error response: status, code, and (if given) field.
export function assertError(res, status, code, field) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.ok(res.json && res.json.error, `expected an error body, got: ${res.text}`);
  assert.equal(res.json.error.code, code, res.text);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(res.json.error.message.length > 0);
  if (field !== undefined) assert.equal(res.json.error.field, field, res.text);
}

// Asserts the shape every error body has: {error: {code, message, field}},
// field a string or null.
export function assertErrorShape(res) {
  assert.ok(res.json && typeof res.json.error === 'object' && res.json.error,
    `expected an error body, got ${res.status}: ${res.text}`);
  const e = res.json.error;
  assert.equal(typeof e.code, 'string', res.text);
  assert.ok(e.code.length > 0, res.text);
  assert.equal(typeof e.message, 'string', res.text);
  assert.ok(e.message.length > 0, res.text);
  assert.ok(e.field === null || typeof e.field === 'string', `field: ${res.text}`);
}

// Sends bytes exactly as given over one TCP connection (for what fetch
// would refuse or normalise: '..' in paths, bodies on GET, huge headers) and
// reads until the server closes or `timeout` ms pass. `parts` may be one
// string/Buffer or an array sent with `gap` ms between them. Resolves to
// { status, headers (lower-case names), body, raw, error } — status is null
// when no response came (error names why).
export function rawHttp(port, parts, { timeout = 5000, gap = 0 } = {}) {
  const list = Array.isArray(parts) ? parts : [parts];
  return new Promise((resolve) => {
    const chunks = [];
    let error = null;
    let done = false;
    const sock = connect(port, '127.0.0.1');
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks);
      const head = raw.indexOf('\r\n\r\n');
      const res = { status: null, headers: {}, body: '', raw, error };
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw.toString('latin1'));
      if (m) {
        res.status = Number(m[1]);
        const lines = raw.subarray(0, head < 0 ? raw.length : head).toString('latin1').split('\r\n');
        for (const line of lines.slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) res.headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        res.body = head < 0 ? '' : raw.subarray(head + 4).toString('utf8');
      }
      resolve(res);
    };
    const timer = setTimeout(() => { error ??= 'timeout'; finish(); }, timeout);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => { error ??= e.code ?? String(e); finish(); });
    sock.on('close', finish);
    sock.on('connect', async () => {
      for (let i = 0; i < list.length && !done; i++) {
        if (i > 0 && gap) await new Promise((r) => setTimeout(r, gap));
        if (!sock.destroyed) sock.write(list[i]);
      }
    });
  });
}

// Decodes a rawHttp body as JSON when it is one (after any chunked framing).
export function rawJson(res) {
  let body = res.body;
  if ((res.headers['transfer-encoding'] ?? '').includes('chunked')) {
    let out = '';
    let rest = body;
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) break;
      const n = parseInt(rest.slice(0, nl), 16);
      if (!n) break;
      out += rest.slice(nl + 2, nl + 2 + n);
      rest = rest.slice(nl + 2 + n + 2);
    }
    body = out;
  }
  try { return JSON.parse(body); } catch { return null; }
}

// The API contract (api/openapi.json) and its operations:
// [{ method, path, public }] where public means no session is needed.
export function openapi() {
  return JSON.parse(readFileSync(join(SOURCE_DIR, 'api', 'openapi.json'), 'utf8'));
}
export function operations(doc = openapi()) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'patch', 'delete', 'head'].includes(method)) continue;
      const security = op.security ?? doc.security ?? [];
      ops.push({ method: method.toUpperCase(), path, public: security.length === 0 });
    }
  }
  return ops;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The PostgreSQL server the tests run on (KYODO_TEST_STORE), or null for
// SQLite files.
export const TEST_STORE = process.env.KYODO_TEST_STORE || null;
export const ENGINE = TEST_STORE ? 'postgresql' : 'sqlite';

// The URL of database `db` on the same server as `url`.
function pgDatabaseUrl(url, db) {
  return url.replace(/^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?/, `$1/${db}`);
}

// Runs SQL with psql; asserts success; returns its unaligned output.
export function psql(url, sql) {
  const r = spawnSync('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `psql: ${sql}\n${r.stderr}`);
  return r.stdout;
}

let pgDatabases = 0;

export const DEMO_TOWNS = [
  ['104213', '中之条町'], ['104248', '長野原町'], ['104256', '嬬恋村'],
  ['104264', '草津町'], ['104281', '高山村'], ['104299', '東吾妻町'],
];

// Starts kyodo on a free port with a fresh data directory. Each town gets one
// user per role, with login = role name and a random password.
// storeUrl: a PostgreSQL database of the caller's own to run on (instead of a
// fresh one on KYODO_TEST_STORE, or SQLite files).
export async function startKyodo({ towns = DEMO_TOWNS.slice(0, 2), config = '', users = true,
  storeUrl = null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kyodo-test-'));
  const dataDir = join(dir, 'data');
  const confPath = join(dir, 'kyodo.conf');
  // On PostgreSQL: a database of this test process's own.
  let store = storeUrl;
  const db = `kyodo_test_${process.pid}_${++pgDatabases}`;
  if (TEST_STORE && !storeUrl) {
    psql(TEST_STORE, `CREATE DATABASE ${db}`);
    store = pgDatabaseUrl(TEST_STORE, db);
  }
  writeFileSync(confPath, `[store]\ndata_dir = ${dataDir}\n${store ? `store = ${store}\n` : ''}` +
    `[session]\npassword_min_length = 10\n` +
    // The migration layouts of the tree (the server's default is ./layouts).
    `[migration]\nlayouts_dir = ${join(SOURCE_DIR, 'layouts')}\n${config}\n`);
  const passwords = new Map();
  for (const [code, name] of towns) {
    const r = kyodoCli(['tenant', 'add', '--code', code, '--name', name, '--config', confPath]);
    assert.equal(r.status, 0, r.stderr);
    if (!users) continue;
    for (const role of ROLES) {
      const pw = `pw-${role}-${code}-${Math.random().toString(36).slice(2, 10)}`;
      const u = kyodoCli(['user', 'add', '--tenant', code, '--login', role.replace('_', '-'),
        '--name', `${role} ${code}`, '--role', role, '--password-stdin', '--config', confPath],
        { input: pw + '\n' });
      assert.equal(u.status, 0, u.stderr);
      passwords.set(`${code}/${role}`, pw);
    }
  }
  const proc = spawn(BIN, ['serve', '--config', confPath, '--port', '0', '--listen', '127.0.0.1',
    '--web', join(SOURCE_DIR, 'web')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('kyodo did not start:\n' + log)), 20000);
    proc.stderr.on('data', (d) => {
      log += d.toString();
      const m = /"msg":"listening".*"port":(\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`kyodo exited ${code}:\n${log}`)); });
  });
  proc.stdout.on('data', (d) => { log += d.toString(); });
  const base = `http://127.0.0.1:${port}`;
  let exited = null;
  let signalled = false;
  const exitPromise = new Promise((resolve) => proc.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));

  return {
    base, port, dataDir, confPath, proc, store,
    // Runs SQL in a town's database (SQLite file or PostgreSQL schema) behind
    // the server's back; returns the output (rows as a|b lines).
    townSql(code, sql) {
      if (!store) {
        const r = spawnSync('sqlite3', [join(dataDir, 'towns', `${code}.db`), sql], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      }
      return psql(store, `SET search_path TO town_${code}; ${sql}`);
    },
    log: () => log,
    cli: (args, opts = {}) => kyodoCli([...args, '--config', confPath], opts),
    // Signs in with the given town, login and password; asserts success.
    async login(code, login, password) {
      const c = new Client(base);
      const r = await c.post('/api/v1/session', { tenant: code, user: login, password });
      assert.equal(r.status, 201, r.text);
      return c;
    },
    password: (code, role) => passwords.get(`${code}/${role}`),
    loginName: (role) => role.replace('_', '-'),
    client: () => new Client(base),
    // Signs in as the user of `role` in town `code`; asserts success.
    async as(code, role) {
      const c = new Client(base);
      const r = await c.post('/api/v1/session',
        { tenant: code, user: role.replace('_', '-'), password: passwords.get(`${code}/${role}`) });
      assert.equal(r.status, 201, r.text);
      return c;
    },
    // Resolves to { code, signal } when the process has exited (on its own,
    // or after a signal the test sent with proc.kill).
    exited: () => exitPromise,
    // Sends a signal on the test's behalf (stop() then accepts that the
    // process is already gone).
    kill(signal = 'SIGTERM') {
      signalled = true;
      proc.kill(signal);
    },
    // Stops with SIGTERM and asserts a clean exit: status 0, and nothing from
    // AddressSanitizer, LeakSanitizer or UBSan in the log.
    async stop() {
      // A server that exits before it is told to is a failure, however clean.
      const early = exited !== null && !signalled;
      if (!exited) proc.kill('SIGTERM');
      // A server that does not stop within 30 s is killed, so that a hung
      // shutdown fails the test instead of hanging the run.
      let timer;
      const hung = new Promise((resolve) => {
        timer = setTimeout(() => { proc.kill('SIGKILL'); resolve('hung'); }, 30000);
      });
      const first = await Promise.race([exitPromise, hung]);
      clearTimeout(timer);
      const e = await exitPromise;
      rmSync(dir, { recursive: true, force: true });
      if (store && !storeUrl)
        psql(TEST_STORE, `DROP DATABASE ${db} WITH (FORCE)`);
      assert.ok(!early, `kyodo exited (${JSON.stringify(e)}) before the test stopped it:\n${log}`);
      assert.notEqual(first, 'hung', `kyodo did not exit within 30 s of SIGTERM:\n${log}`);
      assert.equal(e.signal, null, `kyodo died of ${e.signal}:\n${log}`);
      assert.equal(e.code, 0, `kyodo exited ${e.code}:\n${log}`);
      assert.doesNotMatch(log, /(AddressSanitizer|LeakSanitizer|runtime error:)/, log);
    },
  };
}
