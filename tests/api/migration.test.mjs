// データ移行 over HTTP: the operator exports a town with generated
// residents and downloads the zip, uploads it into an empty town, runs the
// check and reads its counts; that town's administrator confirms and the
// import is committed (a second export gives the same files). A set with a
// bad field is refused: the operator sees counts only, the administrator
// reads the report's values, and discards it. The zip guards (traversal,
// folders, bombs, sizes that lie, wrong type, too large), the permissions of
// every role, another town's administrator (404), the job folders' modes,
// and the audit entries of every step.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startKyodo, assertError, rawHttp, rawJson, sleep } from '../lib/harness.mjs';
import { makeZip, readZip } from '../lib/zip.mjs';

const A = '104213'; // exported (generated residents)
const B = '104248'; // empty: the import is committed here
const C = '104256'; // empty: a refused import, discarded
const MAX_UPLOAD = 4 << 20;
const MAX_UNPACKED = 8 << 20;

let k;
const s = {}; // sessions: s.A.operator, s.B.admin …
let layout; // the resident register's layout name
let exported; // { job, zip: Buffer, entries }

before(async () => {
  k = await startKyodo({
    towns: [[A, '中之条町'], [B, '長野原町'], [C, '嬬恋村']],
    config: `[migration]\nmax_upload_bytes = ${MAX_UPLOAD}\nmax_unpacked_bytes = ${MAX_UNPACKED}\n`,
  });
  const g = k.cli(['residents', 'generate', '--tenant', A, '--count', '60', '--seed', '7', '--years', '3']);
  assert.equal(g.status, 0, g.stderr);
  for (const town of [A, B, C]) {
    s[town] = {};
    for (const role of ['operator', 'admin', 'residents_clerk', 'auditor', 'tax_clerk'])
      s[town][role] = await k.as(town, role);
  }
});
after(async () => { await k?.stop(); });

const op = () => s[A].operator; // the consortium's operator (an account of town A)
const jobPath = (town, id) => `/api/v1/tenants/${town}/migrations/${id}`;

// Polls a job until it is neither queued nor running.
async function settle(client, path) {
  for (let i = 0; i < 600; i++) {
    const r = await client.get(path);
    assert.equal(r.status, 200, r.text);
    if (!['queued', 'running'].includes(r.json.state)) return r.json;
    await sleep(100);
  }
  throw new Error(`${path} did not settle`);
}

async function upload(client, town, zip, { query = `layout=${layout}`, type = 'application/zip' } = {}) {
  return client.request('POST', `/api/v1/tenants/${town}/migrations/imports?${query}`,
    { raw: zip, headers: { 'Content-Type': type } });
}

async function auditActions(town, rid) {
  const r = await s[town].auditor.get('/api/v1/audit?limit=500');
  assert.equal(r.status, 200, r.text);
  return r.json.items.filter((e) => e.action.startsWith('migration.') && (!rid || e.request_id === rid));
}

test('the operator lists the layouts and profiles; no other role may', async () => {
  const r = await op().get('/api/v1/migration-layouts');
  assert.equal(r.status, 200, r.text);
  const juki = r.json.layouts.find((l) => l.title === '住民基本台帳');
  assert.ok(juki, `no 住民基本台帳 layout in ${r.text}`);
  layout = juki.name;
  assert.ok(r.json.profiles.includes('kyodo'), r.text);
  for (const role of ['admin', 'residents_clerk', 'auditor', 'tax_clerk'])
    assertError(await s[A][role].get('/api/v1/migration-layouts'), 403, 'forbidden');
  assertError(await k.client().get('/api/v1/migration-layouts'), 401, 'unauthenticated');
});

test('an export: bad requests name their field', async () => {
  const base = `/api/v1/tenants/${A}/migrations/exports`;
  assertError(await op().post(base, {}), 400, 'missing_field', 'layout');
  assertError(await op().post(base, { layout: 'no-such' }), 400, 'invalid_value', 'layout');
  assertError(await op().post(base, { layout, profile: 'no-such' }), 400, 'invalid_value', 'profile');
  assertError(await op().post(base, { layout, profile: '../kyodo' }), 400, 'invalid_value', 'profile');
  assertError(await op().post(base, { layout, town: B }), 400, 'unknown_field', 'town');
  assertError(await op().post('/api/v1/tenants/999999/migrations/exports', { layout }), 404, 'not_found');
  assertError(await op().post('/api/v1/tenants/13201x/migrations/exports', { layout }), 404, 'not_found');
  assertError(await op().request('POST', base, { raw: 'layout=juki', headers: { 'Content-Type': 'text/plain' } }),
    415, 'unsupported_media_type');
  // Only the operator; a town's administrator cannot export its own town.
  assertError(await s[A].admin.post(base, { layout }), 403, 'forbidden');
  assertError(await s[A].residents_clerk.get(`/api/v1/tenants/${A}/migrations`), 403, 'forbidden');
});

test('the operator exports a town and downloads the zip; every step is audited', async () => {
  const r = await op().post(`/api/v1/tenants/${A}/migrations/exports`, { layout, profile: 'kyodo' });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.kind, 'export');
  assert.ok(['queued', 'running', 'ready'].includes(r.json.state), r.text);
  assert.equal(r.headers.get('location'), jobPath(A, r.json.id));
  const job = await settle(op(), jobPath(A, r.json.id));
  assert.equal(job.state, 'ready', JSON.stringify(job));
  assert.ok(job.rows >= 60, `rows ${job.rows}`);
  assert.ok(job.files >= 1);
  assert.match(job.sha256, /^[0-9a-f]{64}$/);
  assert.equal(job.created_by.login, 'operator');
  const d = await op().request('GET', `${jobPath(A, job.id)}/export.zip`, {});
  assert.equal(d.status, 200);
  assert.equal(d.headers.get('content-type'), 'application/zip');
  assert.match(d.headers.get('content-disposition'), new RegExp(`attachment; filename="${A}-${layout}-${job.id}.zip"`));
  const zip = Buffer.from(await (await fetch(k.base + `${jobPath(A, job.id)}/export.zip`,
    { headers: { Cookie: `kyodo_session=${op().cookie}` } })).arrayBuffer());
  assert.equal(zip.length, job.bytes);
  const entries = readZip(zip);
  assert.ok(entries.some((e) => e.name === 'manifest.json'), entries.map((e) => e.name).join());
  const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json').data.toString());
  assert.ok(JSON.stringify(manifest).includes(layout));
  exported = { job, zip, entries };
  // The zip is the town's data: only the operator downloads it.
  assertError(await s[A].admin.get(`${jobPath(A, job.id)}/export.zip`), 403, 'forbidden');
  // Audited in the town's own log: the request, the job's end, the download.
  const actions = (await auditActions(A)).map((e) => e.action);
  for (const a of ['migration.export', 'migration.export_done', 'migration.download'])
    assert.ok(actions.includes(a), `${a} not in ${actions}`);
  const dl = (await auditActions(A)).find((e) => e.action === 'migration.download');
  assert.equal(dl.user, 'operator');
  assert.equal(dl.role, 'operator');
  assert.match(dl.detail, new RegExp(`job ${job.id}`));
});

test('an export job is listed for the operator and for the town\'s own administrator', async () => {
  const r = await op().get(`/api/v1/tenants/${A}/migrations`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.some((j) => j.id === exported.job.id));
  assert.ok(r.json.items.every((j) => j.summary === undefined), 'lists carry no summaries');
  const own = await s[A].admin.get('/api/v1/migrations');
  assert.equal(own.status, 200, own.text);
  assert.deepEqual(own.json.items.map((j) => j.id), r.json.items.map((j) => j.id));
  // Another town's administrator sees its own (none), and not A's job.
  assert.deepEqual((await s[C].admin.get('/api/v1/migrations')).json.items, []);
  assertError(await s[C].admin.get(`/api/v1/migrations/${exported.job.id}`), 404, 'not_found');
});

let imported; // the job committed into B

test('the operator uploads the set into an empty town and runs the check: counts, never values', async () => {
  const up = await upload(op(), B, exported.zip);
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.kind, 'import');
  assert.equal(up.json.state, 'uploaded');
  assert.equal(up.json.bytes, exported.zip.length);
  assert.equal(up.headers.get('location'), jobPath(B, up.json.id));
  assert.deepEqual(up.json.summary.entries.map((e) => e.path).sort(), exported.entries.map((e) => e.name).sort());
  // The job's folder: 0700, its files 0600.
  const dir = join(k.dataDir, 'migration', B, String(up.json.id));
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const f of readdirSync(join(dir, 'set'))) assert.equal(statSync(join(dir, 'set', f)).mode & 0o777, 0o600, f);

  const c = await op().post(`${jobPath(B, up.json.id)}/check`, {});
  assert.equal(c.status, 202, c.text);
  const job = await settle(op(), jobPath(B, up.json.id));
  assert.equal(job.state, 'checked', JSON.stringify(job));
  assert.equal(job.problems, 0);
  assert.ok(job.rows >= 60);
  imported = job;
  // The operator's answers hold no value of the data.
  const data = exported.entries.filter((e) => e.name.endsWith('.csv')).map((e) => e.data.toString('utf8')).join('\n');
  const sample = data.split(/\r?\n/)[1].split(',').filter((v) => v.replace(/"/g, '').length >= 4).slice(0, 5);
  const text = JSON.stringify(job);
  for (const v of sample) assert.ok(!text.includes(v.replace(/"/g, '')), `the operator's job shows a value: ${v}`);
  // The operator neither reads a report nor confirms.
  assertError(await op().post(`/api/v1/migrations/${job.id}/confirm`, {}), 403, 'forbidden');
  assertError(await op().get(`/api/v1/migrations/${job.id}/report.csv`), 403, 'forbidden');
  // Nor does a clerk or the auditor of the town.
  assertError(await s[B].residents_clerk.post(`/api/v1/migrations/${job.id}/confirm`, {}), 403, 'forbidden');
  assertError(await s[B].auditor.get(`/api/v1/migrations/${job.id}`), 403, 'forbidden');
  assertError(await s[B].residents_clerk.get('/api/v1/migrations'), 403, 'forbidden');
});

test('another town\'s administrator cannot see or confirm the import (404)', async () => {
  assertError(await s[C].admin.get(`/api/v1/migrations/${imported.id}`), 404, 'not_found');
  assertError(await s[C].admin.post(`/api/v1/migrations/${imported.id}/confirm`, {}), 404, 'not_found');
  assertError(await s[C].admin.del(`/api/v1/migrations/${imported.id}`), 404, 'not_found');
  // And the job is untouched.
  assert.equal((await s[B].admin.get(`/api/v1/migrations/${imported.id}`)).json.state, 'checked');
});

test('the town\'s administrator confirms: committed, and a second export gives the same files', async () => {
  const adm = s[B].admin;
  const g = await adm.get(`/api/v1/migrations/${imported.id}`);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.json.state, 'checked');
  // A clean check's report is empty (its header only); the administrator may look.
  const empty = await adm.get(`/api/v1/migrations/${imported.id}/report`);
  assert.equal(empty.status, 200, empty.text);
  assert.deepEqual([empty.json.total, empty.json.items], [0, []]);
  const csv = await adm.get(`/api/v1/migrations/${imported.id}/report.csv`);
  assert.equal(csv.status, 200);
  assert.equal(csv.text.trim().split('\n').length, 1, csv.text);
  assertError(await adm.post(`/api/v1/migrations/${imported.id}/confirm`, { now: true }), 400, 'unknown_field', 'now');
  const c = await adm.post(`/api/v1/migrations/${imported.id}/confirm`, {});
  assert.equal(c.status, 202, c.text);
  assert.equal(c.headers.get('location'), `/api/v1/migrations/${imported.id}`);
  const job = await settle(adm, `/api/v1/migrations/${imported.id}`);
  assert.equal(job.state, 'committed', JSON.stringify(job));
  assert.equal(job.confirmed_by.login, 'admin');
  // Its files are gone; the record stays.
  assert.equal(existsSync(join(k.dataDir, 'migration', B, String(job.id), 'set')), false);
  // Confirming twice, checking or discarding a committed import: 409.
  assertError(await adm.post(`/api/v1/migrations/${job.id}/confirm`, {}), 409, 'conflict', 'state');
  assertError(await op().post(`${jobPath(B, job.id)}/check`, {}), 409, 'conflict', 'state');
  assertError(await adm.del(`/api/v1/migrations/${job.id}`), 409, 'conflict', 'state');
  // The register of B now holds the residents.
  const p = await s[B].residents_clerk.get('/api/v1/events?limit=5');
  assert.equal(p.status, 200, p.text);
  // The town now holds data of the layout: another import is refused.
  assertError(await upload(op(), B, exported.zip), 409, 'conflict', 'layout');
  // Round trip: B's export holds the same layout files as A's.
  const r = await op().post(`/api/v1/tenants/${B}/migrations/exports`, { layout });
  const again = await settle(op(), jobPath(B, r.json.id));
  assert.equal(again.state, 'ready', JSON.stringify(again));
  assert.equal(again.rows, exported.job.rows);
  const zip = Buffer.from(await (await fetch(k.base + `${jobPath(B, again.id)}/export.zip`,
    { headers: { Cookie: `kyodo_session=${op().cookie}` } })).arrayBuffer());
  const files = new Map(readZip(zip).map((e) => [e.name, e.data]));
  for (const e of exported.entries) {
    if (e.name === 'manifest.json') continue;
    assert.ok(files.get(e.name)?.equals(e.data), `${e.name} differs after the round trip`);
  }
  // Audit in B: every step, under who did it.
  const entries = await auditActions(B);
  const by = (a) => entries.filter((e) => e.action === a);
  for (const a of ['migration.upload', 'migration.check', 'migration.check_done', 'migration.confirm', 'migration.commit_done'])
    assert.ok(by(a).length >= 1, `${a} missing: ${entries.map((e) => e.action)}`);
  assert.equal(by('migration.upload')[0].role, 'operator');
  assert.match(by('migration.upload')[0].detail, new RegExp(`operator operator of ${A}`));
  assert.equal(by('migration.confirm')[0].role, 'admin');
  assert.equal(by('migration.commit_done')[0].user, 'admin');
});

let refused;

test('a set with a bad field is refused: counts for the operator, values for the administrator', async () => {
  // One impossible date in the first data row of the first file that has
  // a date, and no manifest (an old vendor's set has none).
  const entries = exported.entries.filter((e) => e.name !== 'manifest.json').map((e) => ({ name: e.name, data: e.data }));
  const target = entries.find((e) => /\d{4}-\d{2}-\d{2}/.test(e.data.toString('utf8').split('\n')[1] ?? ''));
  assert.ok(target, 'a file with a date');
  const lines = target.data.toString('utf8').split('\n');
  lines[1] = lines[1].replace(/\d{4}-\d{2}-\d{2}/, '2019-02-30');
  target.data = Buffer.from(lines.join('\n'), 'utf8');
  const up = await upload(op(), C, makeZip(entries));
  assert.equal(up.status, 201, up.text);
  assert.equal((await op().post(`${jobPath(C, up.json.id)}/check`, {})).status, 202);
  const job = await settle(op(), jobPath(C, up.json.id));
  refused = job;
  assert.equal(job.state, 'refused', JSON.stringify(job));
  assert.ok(job.problems >= 1);
  // The operator sees no value, in any form (the reasons are grouped by
  // text: a reason that quoted its value would list the values).
  assert.doesNotMatch(JSON.stringify(job), /2019-02-30|2019年2月30日|20190230/, 'the operator sees no value');
  // The administrator reads the report, values included (audited).
  const adm = s[C].admin;
  assertError(await adm.post(`/api/v1/migrations/${job.id}/confirm`, {}), 409, 'conflict', 'state');
  const rep = await adm.get(`/api/v1/migrations/${job.id}/report.csv`);
  assert.equal(rep.status, 200, rep.text);
  assert.match(rep.headers.get('content-type'), /^text\/csv/);
  assert.ok(rep.text.includes('2019-02-30'), rep.text.slice(0, 400));
  assert.ok(rep.text.includes(target.name));
  const page = await adm.get(`/api/v1/migrations/${job.id}/report?limit=1`);
  assert.equal(page.status, 200, page.text);
  assert.equal(page.json.items.length, 1);
  assert.equal(page.json.total, job.problems);
  const bad = page.json.items[0];
  assert.equal(bad.file, target.name);
  assert.equal(bad.line, 2);
  assert.equal(bad.value, '2019-02-30');
  assert.ok(bad.item.length > 0 && bad.reason.length > 0, JSON.stringify(bad));
  assert.deepEqual((await adm.get(`/api/v1/migrations/${job.id}/report?offset=${job.problems}`)).json.items, []);
  assertError(await adm.get(`/api/v1/migrations/${job.id}/report?limit=0`), 400, 'invalid_value', 'limit');
  assertError(await adm.get(`/api/v1/migrations/${job.id}/report?limit=201`), 400, 'invalid_value', 'limit');
  assertError(await adm.get(`/api/v1/migrations/${job.id}/report?offset=-1`), 400, 'invalid_value', 'offset');
  assertError(await adm.get(`/api/v1/migrations/${job.id}/report?line=2`), 400, 'unknown_field', 'line');
  // The operator's summary counts it by file, item and reason.
  const reason = job.summary.reasons.find((r) => r.file === target.name && r.item === bad.item);
  assert.ok(reason && reason.count >= 1, JSON.stringify(job.summary));
  assert.equal(job.summary.files.find((f) => f.path === target.name).problems >= 1, true);
  const reads = (await auditActions(C)).filter((e) => e.action === 'migration.report');
  assert.equal(reads.length, 3);
  assert.equal(reads[0].user, 'admin');
  assert.ok(!reads[0].detail.includes('2019-02-30'));
});

test('the administrator discards the refused set: its files go, the record stays', async () => {
  const dir = join(k.dataDir, 'migration', C, String(refused.id));
  assert.ok(existsSync(dir));
  const d = await s[C].admin.del(`/api/v1/migrations/${refused.id}`);
  assert.equal(d.status, 204, d.text);
  assert.equal(existsSync(dir), false);
  const g = await s[C].admin.get(`/api/v1/migrations/${refused.id}`);
  assert.equal(g.json.state, 'discarded');
  assertError(await s[C].admin.get(`/api/v1/migrations/${refused.id}/report.csv`), 409, 'conflict');
  assertError(await op().post(`${jobPath(C, refused.id)}/check`, {}), 409, 'conflict', 'state');
  assert.ok((await auditActions(C)).some((e) => e.action === 'migration.discard' && e.user === 'admin'));
});

test('the zip guards: traversal, folders, unknown files, bombs, lies, wrong type, too large', async () => {
  const jobsBefore = (await op().get(`/api/v1/tenants/${C}/migrations`)).json.items.map((j) => j.id);
  const foldersBefore = readdirSync(join(k.dataDir, 'migration', C));
  const names = exported.entries.filter((e) => e.name !== 'manifest.json').map((e) => e.name);
  const one = names[0];
  const ok = { name: one, data: 'x\n' };
  const refusedWith = async (zip, status, code, field = 'file', opts) => {
    const r = await upload(op(), C, zip, opts);
    assertError(r, status, code, field);
    return r;
  };
  let r = await refusedWith(makeZip([ok, { name: `../${one}`, data: 'x' }]), 400, 'invalid_value');
  assert.match(r.json.error.message, /entry 2 .* not a file of the layout/);
  await refusedWith(makeZip([{ name: `/etc/${one}`, data: 'x' }]), 400, 'invalid_value');
  await refusedWith(makeZip([{ name: `set/${one}`, data: 'x' }]), 400, 'invalid_value');
  await refusedWith(makeZip([{ name: 'evil.sh', data: 'x' }, ok]), 400, 'invalid_value');
  await refusedWith(makeZip([ok, { name: one, data: 'y' }]), 400, 'invalid_value');
  await refusedWith(makeZip([{ name: 'manifest.json', data: '{}' }]), 400, 'invalid_value');
  // 6 MiB of zeros deflate to a few KiB: a bomb.
  r = await refusedWith(makeZip([{ name: one, data: Buffer.alloc(6 << 20) }]), 413, 'payload_too_large');
  assert.match(r.json.error.message, /zip bomb/);
  // Ordinary text, more than max_unpacked_bytes once unpacked.
  let text = '';
  for (let i = 0; text.length < MAX_UNPACKED + 100000; i++) text += `${i},${(i * 7919) % 100003},住民${i % 97}\n`;
  const big = makeZip([{ name: one, data: text }]);
  assert.ok(big.length < MAX_UPLOAD, 'the zip itself is under the upload limit');
  await refusedWith(big, 413, 'payload_too_large');
  // An entry that holds more than its header says.
  await refusedWith(makeZip([{ name: one, data: 'a,b,c\n1,2,3\n', declaredSize: 4 }]), 400, 'invalid_value');
  // Not a zip, and not sent as one.
  await refusedWith(Buffer.from('宛名番号,氏名\n1,x\n'), 415, 'unsupported_media_type');
  await refusedWith(makeZip([ok]), 415, 'unsupported_media_type', 'Content-Type', { type: 'text/csv' });
  assertError(await op().post(`/api/v1/tenants/${C}/migrations/imports?layout=${layout}`, { zip: 'x' }), 415,
    'unsupported_media_type', 'Content-Type');
  await refusedWith(Buffer.alloc(0), 400, 'missing_field');
  // Larger than max_upload_bytes: 413 before the body is read (headers only
  // are sent); sent chunked, found out while reading.
  const head = (who, extra) => `POST /api/v1/tenants/${C}/migrations/imports?layout=${layout} HTTP/1.1\r\n` +
    `Host: x\r\nContent-Type: application/zip\r\nConnection: close\r\n` +
    (who ? `Cookie: kyodo_session=${who.cookie}\r\nX-CSRF-Token: ${who.csrf}\r\n` : '') + `${extra}\r\n`;
  const declared = await rawHttp(k.port, [head(op(), `Content-Length: ${MAX_UPLOAD + 1}\r\n`)], { timeout: 3000 });
  assert.equal(declared.status, 413, declared.error ?? declared.body);
  assert.equal(rawJson(declared).error.code, 'payload_too_large');
  const chunk = Buffer.alloc(65536, 0x41);
  const parts = [head(op(), 'Transfer-Encoding: chunked\r\n')];
  for (let i = 0; i < (MAX_UPLOAD >> 16) + 2; i++) parts.push(Buffer.concat([Buffer.from('10000\r\n'), chunk, Buffer.from('\r\n')]));
  parts.push('0\r\n\r\n');
  const chunked = await rawHttp(k.port, parts, { gap: 2, timeout: 10000 });
  assert.equal(chunked.status, 413, chunked.error ?? chunked.body);
  // A zip sent chunked under the limit is spooled like any other.
  const small = makeZip([{ name: 'manifest.json', data: '{}' }]);
  const viaChunks = await rawHttp(k.port, [head(op(), 'Transfer-Encoding: chunked\r\n'),
    Buffer.concat([Buffer.from(small.length.toString(16) + '\r\n'), small, Buffer.from('\r\n0\r\n\r\n')])], { timeout: 5000 });
  assert.equal(viaChunks.status, 400, viaChunks.body);
  assert.match(rawJson(viaChunks).error.message, /no file of the layout/);
  // The query names its field.
  assertError(await upload(op(), C, makeZip([ok]), { query: '' }), 400, 'missing_field', 'layout');
  assertError(await upload(op(), C, makeZip([ok]), { query: 'layout=nope' }), 400, 'invalid_value', 'layout');
  assertError(await upload(op(), C, makeZip([ok]), { query: `layout=${layout}&town=${B}` }), 400, 'unknown_field', 'town');
  // Nothing was kept: no job, no folder, no spooled file.
  const jobs = (await op().get(`/api/v1/tenants/${C}/migrations`)).json.items;
  assert.deepEqual(jobs.map((j) => j.id), jobsBefore);
  assert.deepEqual(readdirSync(join(k.dataDir, 'migration', C)), foldersBefore);
  assert.deepEqual(readdirSync(join(k.dataDir, 'migration', 'spool')), []);
  // Refusals are audited (without the files).
  const failed = (await auditActions(C)).filter((e) => e.action === 'migration.upload' && e.outcome === 'failed');
  assert.ok(failed.length >= 8, `${failed.length} refused uploads audited`);
});

test('an upload without a session or by another role is refused before a large body is read', async () => {
  // Over max_body_bytes (1 MiB), under max_upload_bytes: only a session that
  // may upload gets the larger ceiling.
  const head = (who) => `POST /api/v1/tenants/${C}/migrations/imports?layout=${layout} HTTP/1.1\r\n` +
    `Host: x\r\nContent-Type: application/zip\r\nConnection: close\r\nContent-Length: ${2 << 20}\r\n` +
    (who ? `Cookie: kyodo_session=${who.cookie}\r\nX-CSRF-Token: ${who.csrf}\r\n` : '') + '\r\n';
  for (const who of [null, s[C].admin, s[C].residents_clerk]) {
    const r = await rawHttp(k.port, [head(who)], { timeout: 3000 });
    assert.equal(r.status, 413, r.error ?? r.body);
    assert.equal(rawJson(r).error.code, 'payload_too_large');
  }
  // A small one gets the ordinary answers.
  assertError(await k.client().request('POST', `/api/v1/tenants/${C}/migrations/imports?layout=${layout}`,
    { raw: Buffer.from('PK'), headers: { 'Content-Type': 'application/zip' } }), 401, 'unauthenticated');
  assertError(await upload(s[C].admin, C, Buffer.from('PK')), 403, 'forbidden');
});

test('the operator discards an export; a discarded job cannot be downloaded', async () => {
  const r = await op().post(`/api/v1/tenants/${A}/migrations/exports`, { layout });
  const job = await settle(op(), jobPath(A, r.json.id));
  assert.equal(job.state, 'ready');
  assert.equal((await op().del(jobPath(A, job.id))).status, 204);
  assertError(await op().get(`${jobPath(A, job.id)}/export.zip`), 409, 'conflict', 'state');
  assertError(await op().del(jobPath(A, job.id)), 409, 'conflict', 'state');
  assertError(await op().get(jobPath(A, 999999)), 404, 'not_found');
  assertError(await op().get(`/api/v1/tenants/${A}/migrations/abc`), 404, 'not_found');
  // An export job is not an import: no check.
  assertError(await op().post(`${jobPath(A, exported.job.id)}/check`, {}), 409, 'conflict');
});
