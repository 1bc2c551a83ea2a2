// Operations: /metrics on its own listener (token, Prometheus text format,
// counters that move, per-town figures, process figures), liveness and
// readiness (a missing town database, shutdown), reloading the
// configuration on SIGHUP (applied, refused, restart-only keys), and the
// log: one JSON object per line, no 個人番号.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKyodo, kyodoCli, rawHttp, sleep, BIN, SOURCE_DIR } from '../lib/harness.mjs';

const A = '104213';
const B = '104248';
const TOKEN = 'metrics-token-0123456789';

// ---- a tiny parser of the Prometheus text format (0.0.4) -------------------

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

// Parses and checks the exposition: every sample belongs to a family whose
// TYPE came before it, labels are well-formed, values are numbers, a family
// is declared once, histograms are cumulative and end in +Inf == _count.
// Returns { types: Map(name → type), samples: [{ name, labels, value }] }.
function parseMetrics(text) {
  assert.ok(text.endsWith('\n'), 'the page ends with a line feed');
  const types = new Map();
  const samples = [];
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith('# HELP ')) {
      assert.match(line, /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* \S/, where);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      assert.match(name, NAME, where);
      assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type), where);
      assert.ok(!types.has(name), `${where}: family declared twice`);
      types.set(name, type);
      continue;
    }
    assert.ok(!line.startsWith('#') && line.length > 0, `${where}: not a sample`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `${where}: not a sample`);
    const [, name, , body = '', value] = m;
    const labels = {};
    let rest = body;
    while (rest.length) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/.exec(rest);
      assert.ok(l, `${where}: bad labels at ${rest}`);
      assert.ok(!(l[1] in labels), `${where}: label ${l[1]} twice`);
      labels[l[1]] = l[2].replace(/\\(["\\n])/g, (_, c) => (c === 'n' ? '\n' : c));
      rest = rest.slice(l[0].length);
    }
    const v = value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
    assert.ok(!Number.isNaN(v) && /^[-+0-9.eE]+$|^[+-]Inf$/.test(value), `${where}: value`);
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `${where}: no TYPE for ${name} before it`);
    if (family !== name) assert.equal(types.get(family), 'histogram', where);
    samples.push({ name, labels, value: v });
  }
  // Histograms: per series, buckets ascend and are cumulative; +Inf = _count.
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map();
    for (const s of samples.filter((x) => x.name.startsWith(family + '_'))) {
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      if (!series.has(key)) series.set(key, { buckets: [], count: null, sum: null });
      const e = series.get(key);
      if (s.name === family + '_bucket') e.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
      else if (s.name === family + '_count') e.count = s.value;
      else if (s.name === family + '_sum') e.sum = s.value;
    }
    for (const [key, e] of series) {
      assert.ok(e.buckets.length > 1 && e.count !== null && e.sum !== null, `${family} ${key}`);
      for (let i = 1; i < e.buckets.length; i++) {
        assert.ok(e.buckets[i][0] > e.buckets[i - 1][0], `${family} ${key}: le ascends`);
        assert.ok(e.buckets[i][1] >= e.buckets[i - 1][1], `${family} ${key}: cumulative`);
      }
      assert.equal(e.buckets.at(-1)[0], Infinity, `${family} ${key}: ends with +Inf`);
      assert.equal(e.buckets.at(-1)[1], e.count, `${family} ${key}: +Inf = count`);
    }
  }
  return { types, samples };
}

// The value of one sample, or undefined.
function value(page, name, labels = {}) {
  const s = page.samples.find((x) => x.name === name &&
    Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

// The port of the metrics listener, from the server's log.
function metricsPort(log) {
  const m = /"msg":"metrics listening".*"port":(\d+)/.exec(log);
  assert.ok(m, `no "metrics listening" line:\n${log}`);
  return Number(m[1]);
}

async function scrape(port, token = TOKEN) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

// Polls until check(page) holds (metrics are counted when a request ends,
// which may be just after its answer reached the client).
async function until(port, check, what) {
  let page;
  for (let i = 0; i < 100; i++) {
    page = parseMetrics((await scrape(port)).text);
    if (check(page)) return page;
    await sleep(50);
  }
  assert.fail(`metrics: ${what}`);
}

// Waits until the server's log has a line matching re (after `from` chars).
async function logLine(getLog, re, from = 0) {
  for (let i = 0; i < 200; i++) {
    const m = re.exec(getLog().slice(from));
    if (m) return m;
    await sleep(25);
  }
  assert.fail(`no log line ${re}:\n${getLog().slice(from)}`);
}

// ---- metrics -------------------------------------------------------------------

let k;
before(async () => {
  k = await startKyodo({
    towns: [[A, '中之条町'], [B, '長野原町']],
    config: `[metrics]\nlisten = 127.0.0.1\nport = 0\ntoken = ${TOKEN}\n`,
  });
});
after(async () => { await k.stop(); });

test('/metrics: only on its own listener, only with the token', async () => {
  const port = metricsPort(k.log());
  assert.notEqual(port, k.port);
  assert.doesNotMatch(k.log(), /"msg":"http"/, 'libmicrohttpd had nothing to say at start');
  const none = await scrape(port, null);
  assert.equal(none.status, 401);
  assert.equal(JSON.parse(none.text).error.field, 'Authorization');
  assert.equal((await scrape(port, 'metrics-token-0123456788')).status, 401);
  assert.equal((await scrape(port, TOKEN + 'x')).status, 401);
  const ok = await scrape(port);
  assert.equal(ok.status, 200);
  assert.equal(ok.type, 'text/plain; version=0.0.4; charset=utf-8');
  // The public port has no metrics, anonymous or not.
  for (const path of ['/metrics', '/api/v1/metrics']) {
    const r = await k.client().get(path, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.text, /kyodo_|process_/);
  }
  // And the metrics listener serves nothing else.
  const other = await fetch(`http://127.0.0.1:${port}/api/v1/health`,
    { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(other.status, 404);
  await other.text();
  const post = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' });
  assert.equal(post.status, 405);
  await post.text();
});

test('/metrics: the page parses, and requests are counted by route template and status', async () => {
  const port = metricsPort(k.log());
  const me = { method: 'GET', route: '/api/v1/me', code: '2xx' };
  const before0 = parseMetrics((await scrape(port)).text);
  const n0 = value(before0, 'kyodo_http_requests_total', me) ?? 0;
  const admin = await k.as(A, 'admin');
  for (let i = 0; i < 3; i++) assert.equal((await admin.get('/api/v1/me')).status, 200);
  const clerk = await k.as(A, 'residents_clerk');
  assert.equal((await clerk.get('/api/v1/users')).status, 403);
  assert.equal((await clerk.get('/api/v1/persons/1234567')).status, 404);
  assert.equal((await clerk.get('/api/v1/nope')).status, 404);
  const page = await until(port, (p) => value(p, 'kyodo_http_requests_total', me) === n0 + 3 &&
    value(p, 'kyodo_http_requests_total', { route: 'unmatched', code: '4xx' }) >= 1,
  'GET /api/v1/me counted three times');
  assert.equal(page.types.get('kyodo_http_requests_total'), 'counter');
  assert.ok(value(page, 'kyodo_http_requests_total',
    { method: 'GET', route: '/api/v1/users', code: '4xx' }) >= 1);
  // Route templates, never paths: no 宛名番号 in a label.
  assert.ok(value(page, 'kyodo_http_requests_total',
    { method: 'GET', route: '/api/v1/persons/{atena}', code: '4xx' }) >= 1);
  assert.ok(!page.samples.some((s) => Object.values(s.labels).some((v) => v.includes('1234567'))));
  // Latency and database time, per route template.
  const lat = { method: 'GET', route: '/api/v1/me' };
  assert.ok(value(page, 'kyodo_http_request_duration_seconds_count', lat) >= 3);
  assert.ok(value(page, 'kyodo_http_request_duration_seconds_sum', lat) > 0);
  assert.equal(page.types.get('kyodo_http_request_db_seconds'), 'histogram');
  assert.ok(value(page, 'kyodo_http_request_db_seconds_count', lat) >= 3);
  assert.ok(value(page, 'kyodo_http_request_db_seconds_sum', lat) > 0, 'a session lookup reads the database');
  assert.ok(value(page, 'kyodo_http_request_db_seconds_sum', lat) <
    value(page, 'kyodo_http_request_duration_seconds_sum', lat));
  // The sign-ins were counted too (POST, 201).
  assert.ok(value(page, 'kyodo_http_requests_total',
    { method: 'POST', route: '/api/v1/session', code: '2xx' }) >= 2);
  // Process figures.
  assert.ok(value(page, 'process_resident_memory_bytes') > 1 << 20);
  assert.ok(value(page, 'process_open_fds') > 3);
  assert.ok(value(page, 'process_max_fds') >= value(page, 'process_open_fds'));
  assert.ok(value(page, 'process_threads') >= 4);
  assert.ok(value(page, 'process_cpu_seconds_total') > 0);
  assert.ok(Math.abs(value(page, 'process_start_time_seconds') - Date.now() / 1000) < 600);
  assert.ok(value(page, 'kyodo_uptime_seconds') >= 0);
  assert.equal(value(page, 'kyodo_shutting_down'), 0);
  assert.equal(page.samples.find((s) => s.name === 'kyodo_build_info').value, 1);
  // The audit group commit: every committed transaction is in the batch histogram.
  assert.equal(page.types.get('kyodo_audit_queue_batch_reads'), 'histogram');
  assert.equal(value(page, 'kyodo_audit_queue_batch_reads_count'),
    value(page, 'kyodo_audit_queue_transactions_total'));
  assert.ok(value(page, 'kyodo_audit_queue_batch_reads_sum') >= value(page, 'kyodo_audit_queue_batch_reads_count'));
  assert.equal(value(page, 'kyodo_audit_queue_failures_total'), 0);
  assert.ok(value(page, 'kyodo_audit_queue_depth') >= 0);
  assert.ok(value(page, 'kyodo_metrics_scrapes_total') >= 2);
});

test('/metrics: per-town figures come from a refresh, not from each scrape', async () => {
  const port = metricsPort(k.log());
  const r = k.cli(['residents', 'generate', '--tenant', A, '--count', '40', '--years', '1', '--seed', '7']);
  assert.equal(r.status, 0, r.stderr);
  const admin = await k.as(B, 'admin');
  assert.equal((await admin.get('/api/v1/me')).status, 200);
  // Not refreshed yet: the start's figures (no residents anywhere).
  let page = parseMetrics((await scrape(port)).text);
  assert.equal(value(page, 'kyodo_town_residents', { town: A }), 0);
  // A reload refreshes them at once.
  const from = k.log().length;
  k.proc.kill('SIGHUP');
  await logLine(k.log, /"msg":"configuration reloaded"/, from);
  page = await until(port, (p) => value(p, 'kyodo_town_residents', { town: A }) > 0,
    'the residents of town A after the refresh');
  for (const [code, name] of [[A, '中之条町'], [B, '長野原町']]) {
    assert.equal(value(page, 'kyodo_town_info', { town: code, name }), 1);
    assert.equal(value(page, 'kyodo_town_active', { town: code }), 1);
    assert.equal(value(page, 'kyodo_town_ready', { town: code }), 1);
    assert.ok(value(page, 'kyodo_town_sessions', { town: code }) >= 1, code);
    assert.ok(value(page, 'kyodo_town_audit_entries', { town: code }) >= 2, code);
  }
  const residents = value(page, 'kyodo_town_residents', { town: A });
  assert.ok(residents > 0 && residents < 200, `${residents}`);
  assert.equal(value(page, 'kyodo_town_residents', { town: B }), 0);
  assert.ok(value(page, 'kyodo_town_stats_age_seconds') < 5);
  assert.equal(value(page, 'kyodo_town_stats_failed'), 0);
  // A disabled town says so at the next refresh.
  const op = await k.as(A, 'operator');
  assert.equal((await op.patch(`/api/v1/tenants/${B}`, { active: false })).status, 200);
  const at = k.log().length;
  k.proc.kill('SIGHUP');
  await logLine(k.log, /"msg":"configuration reloaded"/, at);
  page = await until(port, (p) => value(p, 'kyodo_town_active', { town: B }) === 0, 'town B disabled');
  assert.equal(value(page, 'kyodo_town_ready', { town: B }), 0);
  assert.equal((await op.patch(`/api/v1/tenants/${B}`, { active: true })).status, 200);
});

test('health: live and ready on the public port, no session needed', async () => {
  const live = await k.client().get('/api/v1/health/live');
  assert.equal(live.status, 200);
  assert.deepEqual(live.json, { status: 'live' });
  const ready = await k.client().get('/api/v1/health/ready');
  assert.equal(ready.status, 200, ready.text);
  assert.deepEqual(ready.json, { status: 'ready' });
});

test('logs: every line is one JSON object; requests carry their id; no 個人番号', async () => {
  const number = '123456789018'; // 12 digits: the form of a 個人番号
  const clerk = await k.as(A, 'residents_clerk');
  await clerk.get(`/api/v1/persons?kana=${number}`);
  await clerk.get(`/api/v1/persons/${number}`);
  await clerk.post('/api/v1/residents/idou', { kind: 'tennyu', kojin_bango: number });
  await clerk.get(`/${number}`);
  await rawHttp(k.port, `GET /api/v1/health?${number} HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(70000)}\r\n\r\n`);
  await sleep(200); // the log is written by a background thread every 50 ms
  const lines = k.log().split('\n').filter((l) => l.length);
  assert.ok(lines.length > 10);
  let requests = 0;
  for (const line of lines) {
    let o;
    assert.doesNotThrow(() => { o = JSON.parse(line); }, line);
    assert.equal(typeof o, 'object', line);
    assert.match(o.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(o.level), line);
    assert.equal(typeof o.msg, 'string', line);
    if (o.msg === 'request') {
      requests++;
      assert.match(o.rid, /^[0-9a-f]{16}$/, line);
      assert.equal(typeof o.route === 'string' || o.route === null, true, line);
    }
  }
  assert.ok(requests > 5);
  assert.ok(!k.log().includes(number), 'a 12-digit number reached the log');
});

// ---- readiness: a missing town database, and shutdown --------------------------

// Moves a town's database files (.db, -wal, -shm) between its folder and
// a folder beside it.
function moveTown(data, town, away) {
  const [from, to] = away ? ['towns', 'away'] : ['away', 'towns'];
  for (const f of readdirSync(join(data, from)).filter((n) => n.startsWith(`${town}.db`)))
    renameSync(join(data, from, f), join(data, to, f));
}

// A server on a data directory made here (towns A and B), B's database gone.
async function serveWithout(town) {
  const dir = mkdtempSync(join(tmpdir(), 'kyodo-ops-'));
  const data = join(dir, 'data');
  const conf = join(dir, 'kyodo.conf');
  writeFileSync(conf, `[store]\ndata_dir = ${data}\n[session]\nhash_concurrency = 1\n`);
  for (const [code, name] of [[A, '中之条町'], [B, '長野原町']]) {
    const r = kyodoCli(['tenant', 'add', '--code', code, '--name', name, '--config', conf]);
    assert.equal(r.status, 0, r.stderr);
  }
  mkdirSync(join(data, 'away'));
  moveTown(data, town, true);
  const proc = spawn(BIN, ['serve', '--config', conf, '--port', '0', '--listen', '127.0.0.1',
    '--web', join(SOURCE_DIR, 'web')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const m = await logLine(() => log, /"msg":"listening".*"port":(\d+)/);
  return { port: Number(m[1]), proc, conf, data, exited, log: () => log, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('readiness: 503 while an active town\'s database is missing, 200 once it is back; 503 from SIGTERM on', async () => {
  const s = await serveWithout(B);
  try {
    const base = `http://127.0.0.1:${s.port}`;
    assert.match(s.log(), /"msg":"town database unavailable","tenant":"104248"/);
    let r = await fetch(`${base}/api/v1/health/ready`);
    let body = await r.json();
    assert.equal(r.status, 503);
    assert.equal(body.error.code, 'unavailable');
    assert.match(body.error.message, /^not ready: 1 of 2 active towns' databases are unavailable or not migrated$/);
    assert.doesNotMatch(body.error.message, /104248/, 'no town code on the public port');
    r = await fetch(`${base}/api/v1/health/live`);
    assert.equal(r.status, 200);
    await r.text();
    moveTown(s.data, B, false);
    r = await fetch(`${base}/api/v1/health/ready`);
    assert.equal(r.status, 200, await r.clone().text());
    await r.text();

    // Shutdown: a request whose body trickles in (20 bytes, one every
    // 100 ms) stays in flight while the server drains, without holding a
    // worker thread; a probe sent on a connection opened before SIGTERM is
    // then answered 503.
    const head = `POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      'Content-Length: 20\r\n\r\n';
    const slow = rawHttp(s.port, [head, ...Array.from({ length: 20 }, () => ' ')], { gap: 100, timeout: 10000 });
    const probe = rawHttp(s.port, ['', 'GET /api/v1/health/ready HTTP/1.1\r\nHost: x\r\n\r\n'], { gap: 600 });
    await sleep(200);
    s.proc.kill('SIGTERM');
    const res = await probe;
    assert.equal(res.status, 503, JSON.stringify(res));
    assert.match(res.body, /not ready: shutting down/);
    assert.equal(res.headers.connection, 'close');
    const late = await slow;
    assert.equal(late.status, 400, 'the request in flight is answered');
    const e = await s.exited;
    assert.deepEqual(e, { code: 0, signal: null }, s.log());
    assert.doesNotMatch(s.log(), /(AddressSanitizer|LeakSanitizer|runtime error:)/);
  } finally {
    s.proc.kill('SIGKILL');
    s.done();
  }
});

// ---- reload ----------------------------------------------------------------------

test('SIGHUP: reloadable keys apply, restart-only keys are named, an invalid file changes nothing', async () => {
  const r = await startKyodo({
    towns: [[A, '中之条町']],
    config: '[metrics]\nlisten = 127.0.0.1\nport = 0\n[server]\nmax_body_bytes = 2048\n',
  });
  try {
    const port = metricsPort(r.log());
    // The harness's own settings stay (the PostgreSQL store, the tree's migration
    // layouts), after the test's lines so that their numbers hold.
    const conf = (text) => writeFileSync(r.confPath, `[store]\ndata_dir = ${r.dataDir}\n${text}` +
      (r.store ? `\n[store]\nstore = ${r.store}\n` : '') +
      `\n[migration]\nlayouts_dir = ${join(SOURCE_DIR, 'layouts')}\n`);
    const hup = async (re) => {
      const from = r.log().length;
      r.proc.kill('SIGHUP');
      return logLine(r.log, re, from);
    };
    const admin = await r.as(A, 'admin');
    let me = (await admin.get('/api/v1/me')).json;
    assert.equal(me.session.idle_timeout, 1800);
    assert.equal(me.session.password_min_length, 10);
    const big = { login: 'x'.repeat(3000) };
    assert.equal((await admin.post('/api/v1/users', big)).status, 413);
    assert.equal((await scrape(port, null)).status, 200, 'no token yet');

    conf('[session]\npassword_min_length = 12\nidle_timeout = 900\nhash_concurrency = 3\n' +
      '[server]\nmax_body_bytes = 65536\nport = 1234\n' +
      `[metrics]\nlisten = 127.0.0.1\nport = 0\ntoken = ${TOKEN}\n`);
    const done = await hup(/\{[^\n]*"msg":"configuration reloaded"[^\n]*\}/);
    const applied = JSON.parse(done[0]).applied.split(',');
    for (const key of ['session.password_min_length', 'session.idle_timeout', 'server.max_body_bytes', 'metrics.token'])
      assert.ok(applied.includes(key), `${key} in ${applied}`);
    const restart = JSON.parse((await logLine(r.log, /\{[^\n]*"msg":"configuration: restart needed"[^\n]*\}/))[0]);
    assert.equal(restart.level, 'warn');
    assert.deepEqual(restart.keys.split(',').sort(), ['server.port', 'session.hash_concurrency']);
    me = (await admin.get('/api/v1/me')).json;
    assert.equal(me.session.idle_timeout, 900);
    assert.equal(me.session.password_min_length, 12);
    const res = await admin.post('/api/v1/users', big);
    assert.notEqual(res.status, 413, 'the new body ceiling applies');
    assert.equal(res.status, 400, res.text);
    assert.equal((await scrape(port, null)).status, 401, 'the token applies');
    assert.equal((await scrape(port)).status, 200);
    assert.equal(r.port, Number(/"msg":"listening".*"port":(\d+)/.exec(r.log())[1]), 'still on its port');

    // Invalid files: a bad value (line and key named), a cross-field error.
    conf('[session]\nidle_timeout = soon\n');
    let refused = JSON.parse((await hup(/\{[^\n]*"msg":"configuration not reloaded"[^\n]*\}/))[0]);
    assert.equal(refused.level, 'error');
    assert.equal(refused.field, 'idle_timeout');
    assert.match(refused.detail, /line 4: idle_timeout must be an integer/);
    conf('[session]\nidle_timeout = 7200\nmax_lifetime = 3600\n');
    refused = JSON.parse((await hup(/\{[^\n]*"msg":"configuration not reloaded"[^\n]*\}/))[0]);
    assert.equal(refused.field, 'idle_timeout');
    me = (await admin.get('/api/v1/me')).json;
    assert.equal(me.session.idle_timeout, 900, 'the configuration in force is kept');
    assert.equal(me.session.password_min_length, 12);
    assert.equal((await scrape(port, null)).status, 401, 'the token is kept');
    const page = parseMetrics((await scrape(port)).text);
    assert.equal(value(page, 'kyodo_config_reloads_total', { result: 'applied' }), 1);
    assert.equal(value(page, 'kyodo_config_reloads_total', { result: 'refused' }), 2);

    // The log level: at warn, requests are no longer logged (access log is info).
    conf(`[server]\nlog_level = warn\n[metrics]\nlisten = 127.0.0.1\nport = 0\ntoken = ${TOKEN}\n`);
    await hup(/"msg":"configuration reloaded"/);
    await sleep(150);
    const quiet = r.log().length;
    for (let i = 0; i < 3; i++) await admin.get('/api/v1/me');
    await sleep(200);
    assert.doesNotMatch(r.log().slice(quiet), /"msg":"request"/);
    // Back to the defaults: the token goes, the level comes back.
    conf('');
    const from = r.log().length;
    r.proc.kill('SIGHUP');
    await sleep(300);
    await admin.get('/api/v1/me');
    await logLine(r.log, /"msg":"request".*"route":"\/api\/v1\/me"/, from);
    assert.equal((await scrape(port, null)).status, 200);
    me = (await admin.get('/api/v1/me')).json;
    assert.equal(me.session.idle_timeout, 1800);
  } finally {
    await r.stop();
  }
});
