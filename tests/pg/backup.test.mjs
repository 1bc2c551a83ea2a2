// Backups on a PostgreSQL store (label api-pg, on the cluster of
// KYODO_TEST_STORE): `kyodo backup` while clerks write — one pg_dump archive
// per schema, one consistent instant, the manifest of the SQLite engine with
// engine "postgresql" — `kyodo backup verify` without a server (checksums,
// the archive's table of contents and data blocks, schema versions, the
// audit chain) and what it refuses; the archive put back by hand as
// docs/operations.md says, and backup → kyodo tenant drop → kyodo restore
// with the server running, each giving the same export in every layout, and
// what the restore refuses.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, copyFileSync, truncateSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Deployment, sha256File, tennyu, sleep, exportTown } from '../lib/deployment.mjs';
import { psql, TEST_STORE } from '../lib/harness.mjs';

assert.ok(TEST_STORE, 'KYODO_TEST_STORE must name a PostgreSQL server (ctest -L api-pg starts one)');
const A = '104213', B = '104248';
const db = `kyodo_backup_${process.pid}`;
const store = TEST_STORE.replace(/^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?/, `$1/${db}`);
let d, set1;
const acked = [];

before(async () => {
  psql(TEST_STORE, `CREATE DATABASE ${db}`);
  d = await Deployment.create({ towns: [[A, '中之条町'], [B, '長野原町']],
    roles: ['residents_clerk', 'auditor'], config: `store = ${store}` });
  await d.start();
});
after(async () => {
  if (d?.proc) await d.stop();
  d?.remove();
  psql(TEST_STORE, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
});

const mode = (p) => statSync(p).mode & 0o777;

// The rows of one table of an archive, as COPY text lines (pg_restore, no server).
function archiveRows(file, table) {
  const r = spawnSync('pg_restore', ['--data-only', `--table=${table}`, '--file=-', file],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`COPY `) && l.includes(`.${table} (`));
  assert.ok(start >= 0, `no data of ${table} in ${file}`);
  const cols = lines[start].replace(/^.*\(/, '').replace(/\).*$/, '').split(', ');
  const rows = [];
  for (let i = start + 1; lines[i] !== '\\.'; i++)
    rows.push(Object.fromEntries(lines[i].split('\t').map((v, j) => [cols[j], v])));
  return rows;
}

function setManifest(dir, edit) {
  const p = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(p, 'utf8'));
  edit(m);
  writeFileSync(p, JSON.stringify(m, null, 2));
}

// Makes the manifest agree with the file again, so that only the checks
// past the checksum can find what is wrong with it.
function reseal(dir, file) {
  setManifest(dir, (m) => {
    const x = m.databases.find((y) => y.file === file);
    x.bytes = statSync(join(dir, file)).size;
    x.sha256 = sha256File(join(dir, file));
  });
}

test('a backup made while clerks write: one pg_dump archive per schema, one instant, verified', async () => {
  const clerks = await Promise.all([1, 2].map(() => d.as(A, 'residents_clerk')));
  const all = [];
  let stop = false;
  const writers = clerks.map(async (c) => {
    while (!stop) {
      const r = await c.post('/api/v1/residents/idou', tennyu('写'));
      assert.equal(r.status, 201, r.text);
      all.push(r.json.idou_id);
    }
  });
  while (all.length < 20) await sleep(20);
  acked.push(...all);
  set1 = join(d.dir, 'set1');
  const r = await d.spawnCli(['backup', '--all', '--out', set1]).done;
  await sleep(100);
  stop = true;
  await Promise.all(writers);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(all.length > acked.length, 'the clerks went on writing');
  assert.match(r.stdout, /^control database: control\.dump, \d+ bytes/m);
  assert.match(r.stdout, new RegExp(`^${A} 中之条町: ${A}\\.dump, \\d+ bytes, [0-9.]+ s, audit head \\d+:[0-9a-f]{64}$`, 'm'));
  assert.match(r.stdout, /^backup complete: .*\(3 databases/m);

  assert.equal(mode(set1), 0o700);
  const m = JSON.parse(readFileSync(join(set1, 'manifest.json'), 'utf8'));
  assert.equal(m.engine, 'postgresql');
  assert.deepEqual(m.databases.map((x) => [x.kind, x.code, x.file]),
    [['control', undefined, 'control.dump'], ['town', A, `${A}.dump`], ['town', B, `${B}.dump`]]);
  for (const x of m.databases) {
    const f = join(set1, x.file);
    assert.equal(mode(f), 0o600, x.file);
    assert.equal(readFileSync(f).subarray(0, 5).toString(), 'PGDMP', x.file);
    assert.equal(statSync(f).size, x.bytes, x.file);
    assert.equal(sha256File(f), x.sha256, x.file);
    const schema = x.kind === 'town' ? `town_${x.code}` : 'kyodo_control';
    const live = Object.fromEntries(psql(store,
      `SELECT scope, max(version) FROM ${schema}.schema_migrations GROUP BY scope`).trim().split('\n')
      .map((l) => l.split('|')).map(([s, v]) => [s, Number(v)]));
    assert.deepEqual(x.schemas, live, x.file);
    if (x.kind !== 'town') continue;
    // The copy's chain is a prefix of the live one: its head is the live
    // entry of the same number.
    const [seq, hash] = psql(store,
      `SELECT seq, encode(hash, 'hex') FROM ${schema}.audit_log WHERE seq = ${x.audit.entries}`).trim().split('|');
    assert.equal(Number(seq), x.audit.entries, x.file);
    assert.equal(hash, x.audit.head, x.file);
    const rows = archiveRows(f, 'audit_log');
    assert.equal(rows.length, x.audit.entries, x.file);
  }
  // One instant: every 異動 acknowledged before the backup started is in it,
  // each with its persons.
  const idou = new Set(archiveRows(join(set1, `${A}.dump`), 'idou').map((x) => Number(x.id)));
  for (const id of acked) assert.ok(idou.has(id), `異動 ${id} acknowledged before the backup`);
  assert.ok(idou.size < all.length + 5);

  const v = d.cli(['backup', 'verify', set1]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, new RegExp(`^${A} 中之条町: ${A}\\.dump intact \\(\\d+ bytes\\), audit chain verified: ${m.databases[1].audit.entries} entries`, 'm'));
  assert.match(v.stdout, /^control database: control\.dump intact/m);
  assert.match(v.stdout, /^backup .* intact: 3 databases, made .* \(postgresql\)$/m);

  // Each town's log records the copy.
  const auditor = await d.as(A, 'auditor');
  const log = await auditor.get('/api/v1/audit?action=backup.create&limit=5');
  assert.equal(log.status, 200, log.text);
  assert.equal(log.json.items.length, 1);
  assert.match(log.json.items[0].detail,
    new RegExp(`^command backup set1: copy of entries 1\\.\\.${m.databases[1].audit.entries}, head \\d+:${m.databases[1].audit.head}$`));
});

test('one town with --control, and a town that is not registered', () => {
  const out = join(d.dir, 'one');
  let r = d.cli(['backup', '--tenant', B, '--control', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(m.databases.map((x) => x.file), ['control.dump', `${B}.dump`]);
  r = d.cli(['backup', 'verify', out]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  r = d.cli(['backup', '--tenant', '999997', '--out', join(d.dir, 'none')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /town 999997 is not registered/);
});

test('verify finds, past the checksum, a cut archive, a file that is no archive, and another town\'s copy', () => {
  const check = (name, prepare, expect) => {
    const dir = join(d.dir, name);
    cpSync(set1, dir, { recursive: true });
    prepare(dir);
    const r = d.cli(['backup', 'verify', dir]);
    assert.equal(r.status, 1, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout + r.stderr, expect, name);
  };
  // A changed byte, manifest untouched: the checksum.
  check('bad-sum', (dir) => {
    const f = join(dir, `${A}.dump`);
    const b = readFileSync(f);
    b[b.length - 10] ^= 0xff;
    writeFileSync(f, b);
  }, new RegExp(`${A}\\.dump does not match its checksum`));
  // Cut in its data, manifest made to agree: pg_restore cannot read it through.
  check('cut', (dir) => {
    const f = join(dir, `${A}.dump`);
    truncateSync(f, statSync(f).size - 2000);
    reseal(dir, `${A}.dump`);
  }, new RegExp(`${A}\\.dump is damaged or not a pg_dump archive: pg_restore`));
  // A pg_dump archive of a schema that is not kyodo's.
  check('foreign', (dir) => {
    psql(store, 'CREATE SCHEMA IF NOT EXISTS other; CREATE TABLE IF NOT EXISTS other.t (x int)');
    const f = join(dir, `${A}.dump`);
    const r = spawnSync('pg_dump', ['--format=custom', '--schema=other', `--file=${f}`, store]);
    assert.equal(r.status, 0, String(r.stderr));
    reseal(dir, `${A}.dump`);
  }, /is not a copy of one kyodo schema \(its table of contents lists 1 schemas: other\)/);
  // Town B's archive in A's place: A's chain does not verify.
  check('swapped', (dir) => {
    copyFileSync(join(dir, `${B}.dump`), join(dir, `${A}.dump`));
    reseal(dir, `${A}.dump`);
  }, new RegExp(`${A}\\.dump: the audit chain does not verify for town ${A}`));
});

test('kyodo restore puts back only a dropped town on PostgreSQL', () => {
  const r = d.cli(['restore', '--tenant', A, '--from', set1]);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`^kyodo: tenant: town ${A} has a schema: on PostgreSQL kyodo restore puts back a dropped town only`));
});

test('an archive put back by hand (docs/operations.md) gives the same export and a verified chain', async () => {
  const clerk = await d.as(A, 'residents_clerk');
  assert.equal((await clerk.post('/api/v1/residents/idou', tennyu('前'))).status, 201);
  const before = exportTown(d, A, join(d.dir, 'export-before'));
  const set2 = join(d.dir, 'set2');
  let r = d.cli(['backup', '--tenant', A, '--out', set2]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await clerk.post('/api/v1/residents/idou', tennyu('後'))).status, 201);
  const otherHead = psql(store, `SELECT seq, encode(hash, 'hex') FROM town_${B}.audit_log ORDER BY seq DESC LIMIT 1`);
  await d.stop();
  psql(store, `ALTER SCHEMA town_${A} RENAME TO town_${A}_replaced_test`);
  const p = spawnSync('pg_restore', [`--dbname=${store}`, '--no-owner', '--single-transaction',
    '--exit-on-error', join(set2, `${A}.dump`)], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  r = d.cli(['audit', 'verify', '--tenant', A]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const after = exportTown(d, A, join(d.dir, 'export-after'));
  assert.ok(Object.keys(before).length >= 3);
  assert.deepEqual(after, before);
  assert.equal(psql(store, `SELECT seq, encode(hash, 'hex') FROM town_${B}.audit_log ORDER BY seq DESC LIMIT 1`), otherHead);
  await d.start();
});

test('backup → drop → restore with the server running: the same export, a verified chain, the other town untouched', async () => {
  const clerk = await d.as(A, 'residents_clerk');
  assert.equal((await clerk.post('/api/v1/residents/idou', tennyu('落'))).status, 201);
  const set3 = join(d.dir, 'set3');
  let r = d.cli(['backup', '--tenant', A, '--out', set3]);
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(set3, 'manifest.json'), 'utf8'));
  const before = exportTown(d, A, join(d.dir, 'export-3-before'));
  // A backup whose schema is newer than this kyodo's.
  psql(store, `INSERT INTO town_${A}.schema_migrations (scope, version, applied_at) VALUES ('residents', 999, 'x')`);
  const newer = join(d.dir, 'newer');
  r = d.cli(['backup', '--tenant', A, '--out', newer]);
  assert.equal(r.status, 0, r.stderr);
  psql(store, `DELETE FROM town_${A}.schema_migrations WHERE version = 999`);

  await d.stop();
  r = d.cli(['tenant', 'disable', '--code', A]);
  assert.equal(r.status, 0, r.stderr);
  r = d.cli(['tenant', 'drop', '--code', A, '--confirm', A]);
  assert.equal(r.status, 0, r.stderr);
  r = d.cli(['restore', '--all', '--from', set1]);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /restore --all onto a PostgreSQL store is not built yet/);
  await d.start();
  const otherClerk = await d.as(B, 'residents_clerk');
  const otherHead = psql(store, `SELECT seq, encode(hash, 'hex') FROM town_${B}.audit_log ORDER BY seq DESC LIMIT 1`);

  // Refused before anything changes: another town's backup, a changed file,
  // a newer schema.
  r = d.cli(['restore', '--tenant', B, '--from', set3]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`the backup in .*set3 is of town ${A} \\(中之条町\\), not of ${B}`));
  const bad = join(d.dir, 'set3-bad');
  cpSync(set3, bad, { recursive: true });
  const f = join(bad, `${A}.dump`);
  const b = readFileSync(f);
  b[b.length - 10] ^= 0xff;
  writeFileSync(f, b);
  r = d.cli(['restore', '--tenant', A, '--from', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /does not match its checksum/);
  r = d.cli(['restore', '--tenant', A, '--from', newer]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the backup was made by a newer kyodo: its schema residents is at version 999/);
  assert.equal(psql(store, `SELECT count(*) FROM pg_namespace WHERE nspname = 'town_${A}'`).trim(), '0');

  r = d.cli(['restore', '--tenant', A, '--from', set3]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^town ${A} 中之条町 restored from .*set3 \\(taken .*, audit entries 1\\.\\.${m.databases[0].audit.entries}\\)`, 'm'));
  assert.match(r.stdout, /it is registered again, disabled/);
  assert.match(d.cli(['tenant', 'list']).stdout, new RegExp(`^${A}\t中之条町\tdisabled\t`, 'm'));
  r = d.cli(['audit', 'verify', '--tenant', A]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`audit chain intact: ${m.databases[0].audit.entries + 1} entries`));
  const [seq, action, detail] = psql(store,
    `SELECT seq, action, detail FROM town_${A}.audit_log ORDER BY seq DESC LIMIT 1`).trim().split('|');
  assert.equal(Number(seq), m.databases[0].audit.entries + 1);
  assert.equal(action, 'backup.restore');
  assert.match(detail, new RegExp(`^restored from backup set3 taken .* \\(entries 1\\.\\.${m.databases[0].audit.entries}, head \\d+:${m.databases[0].audit.head}\\); the town had no database`));
  assert.deepEqual(exportTown(d, A, join(d.dir, 'export-3-after')), before);
  // The other town, served all along, is as it was.
  assert.equal(psql(store, `SELECT seq, encode(hash, 'hex') FROM town_${B}.audit_log ORDER BY seq DESC LIMIT 1`), otherHead);
  assert.equal((await otherClerk.post('/api/v1/residents/idou', tennyu('他'))).status, 201);
  // Staff added and the town enabled: the running server serves it and writes after the chain.
  d.addUser(A, 'residents_clerk');
  assert.equal(d.cli(['tenant', 'enable', '--code', A]).status, 0);
  const back = await d.as(A, 'residents_clerk');
  assert.equal((await back.post('/api/v1/residents/idou', tennyu('復'))).status, 201);
  r = d.cli(['audit', 'verify', '--tenant', A]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
