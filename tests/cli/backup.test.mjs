// Backups and restores with the server running: `kyodo backup` while clerks
// write (one consistent instant, verified), `kyodo backup verify`, `kyodo
// restore` of one town that leaves the others untouched and is audited after
// the restored chain, the refusals (another town, a newer schema, a changed
// or damaged file, no manifest), backup → drop → restore giving the same
// data and the same export in every migration layout, scheduled backups with their retention, and a standby made from a
// backup with restore --all.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment, sqlRows, townDump, checkTownWhole, exportTown, sha256File, tennyu, sleep } from '../lib/deployment.mjs';
import { kyodoCli } from '../lib/harness.mjs';

const A = '104213', B = '104248';
let d;
let set1;            // the backup made while writing
const acked = [];    // 異動 acknowledged before set1 was started: { id, atena }

before(async () => {
  d = await Deployment.create({ towns: [[A, '中之条町'], [B, '長野原町']],
    roles: ['residents_clerk', 'auditor'] });
  await d.start();
});
after(async () => {
  if (d.proc) await d.stop();
  d.remove();
});

const mode = (p) => statSync(p).mode & 0o777;

test('a backup made while three clerks write is one consistent instant, and verifies', async () => {
  const clerks = await Promise.all([1, 2, 3].map(() => d.as(A, 'residents_clerk')));
  const all = [];
  let stop = false;
  const writers = clerks.map(async (c) => {
    while (!stop) {
      const r = await c.post('/api/v1/residents/idou', tennyu('写'));
      assert.equal(r.status, 201, r.text);
      all.push({ id: r.json.idou_id, atena: r.json.atena });
    }
  });
  while (all.length < 30) await sleep(20);
  acked.push(...all);
  set1 = join(d.dir, 'set1');
  const job = d.spawnCli(['backup', '--all', '--out', set1]);
  const r = await job.done;
  const during = all.length - acked.length;
  await sleep(200);
  stop = true;
  await Promise.all(writers);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(all.length > acked.length, 'the clerks went on writing');
  assert.match(r.stdout, /^control database: control\.db, \d+ bytes/m);
  assert.match(r.stdout, new RegExp(`^${A} 中之条町: ${A}\\.db, \\d+ bytes, [0-9.]+ s, audit head \\d+:[0-9a-f]{64}$`, 'm'));
  assert.match(r.stdout, /^backup complete: .*\(3 databases/m);

  // The folder, the files and the manifest.
  assert.equal(mode(set1), 0o700);
  const m = JSON.parse(readFileSync(join(set1, 'manifest.json'), 'utf8'));
  assert.equal(mode(join(set1, 'manifest.json')), 0o600);
  assert.equal(m.format, 'kyodo-backup/1');
  assert.equal(m.kyodo_version, kyodoCli(['version']).stdout.trim().split(' ')[1]);
  assert.equal(m.engine, 'sqlite');
  assert.equal(m.origin, 'command');
  assert.deepEqual(m.databases.map((x) => [x.kind, x.code, x.file]),
    [['control', undefined, 'control.db'], ['town', A, `${A}.db`], ['town', B, `${B}.db`]]);
  for (const x of m.databases) {
    const f = join(set1, x.file);
    assert.equal(mode(f), 0o600, x.file);
    assert.equal(statSync(f).size, x.bytes, x.file);
    assert.equal(sha256File(f), x.sha256, x.file);
    const scopes = Object.fromEntries(sqlRows(f,
      'SELECT scope, max(version) AS v FROM schema_migrations GROUP BY scope').map((s) => [s.scope, s.v]));
    assert.deepEqual(x.schemas, scopes, x.file);
    if (x.kind !== 'town') continue;
    assert.equal(x.name, x.code === A ? '中之条町' : '長野原町');
    assert.equal(x.active, true);
    const [head] = sqlRows(f, 'SELECT seq, hex(hash) AS h FROM audit_log ORDER BY seq DESC LIMIT 1');
    assert.equal(x.audit.entries, head.seq);
    assert.equal(x.audit.head, head.h.toLowerCase());
  }
  // One instant: every 異動 in the copy is whole, and every one acknowledged
  // before the backup started is in it.
  const copyA = join(set1, `${A}.db`);
  checkTownWhole(copyA);
  const ids = new Set(sqlRows(copyA, 'SELECT id FROM idou').map((x) => x.id));
  for (const w of acked) assert.ok(ids.has(w.id), `異動 ${w.id} acknowledged before the backup`);
  assert.ok(ids.size <= acked.length + during + 3);

  const v = d.cli(['backup', 'verify', set1]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, new RegExp(`^${A} 中之条町: ${A}\\.db intact \\(\\d+ bytes\\), audit chain verified: ${m.databases[1].audit.entries} entries`, 'm'));
  assert.match(v.stdout, /^control database: control\.db intact/m);
  assert.match(v.stdout, /^backup .* intact: 3 databases/m);

  // Each town's log records the copy, naming the set and the head.
  const auditor = await d.as(A, 'auditor');
  const log = await auditor.get('/api/v1/audit?action=backup.create&limit=5');
  assert.equal(log.status, 200, log.text);
  assert.equal(log.json.items.length, 1);
  assert.equal(log.json.items[0].user, 'cli');
  assert.match(log.json.items[0].detail,
    new RegExp(`^command backup set1: copy of entries 1\\.\\.${m.databases[1].audit.entries}, head \\d+:${m.databases[1].audit.head}$`));
  assert.ok(log.json.items[0].seq > m.databases[1].audit.entries, 'after the copied entries');
});

test('restoring one town while the server runs: served at once, the other town untouched, audited after the restored chain', async () => {
  const clerk = await d.as(A, 'residents_clerk');
  const later = await clerk.post('/api/v1/residents/idou', tennyu('後'));
  assert.equal(r201(later), 201);
  const otherBefore = townDump(d.townDb(B));
  const r = d.cli(['restore', '--tenant', A, '--from', set1]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^town ${A} 中之条町 restored from .*set1`, 'm'));
  assert.match(r.stdout, /^the replaced database is kept as .*\/replaced\/104213-\d{8}T\d{6}Z\.db$/m);
  const restored = townDump(d.townDb(A));
  const copy = townDump(join(set1, `${A}.db`));
  assert.equal(restored.rest, copy.rest, 'everything but the audit log is the backup\'s');
  assert.deepEqual(restored.audit.slice(0, copy.audit.length), copy.audit);
  assert.equal(restored.audit.length, copy.audit.length + 1);
  assert.match(restored.audit.at(-1), /'backup\.restore'.*restored from backup set1 taken .*the replaced database \(entries 1\.\.\d+, head \d+:[0-9a-f]{64}\) is kept as replaced\/104213-/);
  assert.deepEqual(townDump(d.townDb(B)), otherBefore, 'the other town is untouched');

  // The running server serves the restored town at once, on its open
  // connections and with the clerk's session (accounts live elsewhere).
  assert.equal((await clerk.get(`/api/v1/persons/${later.json.atena[0]}`)).status, 404);
  assert.equal((await clerk.get(`/api/v1/persons/${acked[0].atena[0]}`)).status, 200);
  const again = await clerk.post('/api/v1/residents/idou', tennyu('再'));
  assert.equal(again.status, 201, again.text);
  const v = d.cli(['audit', 'verify', '--tenant', A]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /audit chain intact/);
  // The replaced contents are kept whole, with the write made after the backup.
  const kept = /kept as (\S+)$/m.exec(r.stdout)[1];
  assert.equal(mode(kept), 0o600);
  assert.equal(sqlRows(kept, `SELECT count(*) AS n FROM idou WHERE id = ${later.json.idou_id}`)[0].n, 1);
});

function r201(r) { assert.equal(r.status, 201, r.text); return r.status; }

// A copy of set1 whose town file has been changed with sql, its manifest
// updated to match, as a newer kyodo would have written it.
function rewritten(name, sql) {
  const dir = join(d.dir, name);
  cpSync(set1, dir, { recursive: true });
  const f = join(dir, `${A}.db`);
  sqlRows(f, sql);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const x = m.databases.find((y) => y.code === A);
  x.bytes = statSync(f).size;
  x.sha256 = sha256File(f);
  x.schemas = Object.fromEntries(sqlRows(f,
    'SELECT scope, max(version) AS v FROM schema_migrations GROUP BY scope').map((s) => [s.scope, s.v]));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  return dir;
}

test('refused before anything changes: another town, a newer schema, a changed file, no manifest', () => {
  const refuse = (args, re) => {
    const r = d.cli(['restore', ...args]);
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, re);
  };
  refuse(['--tenant', B, '--from', join(set1, `${A}.db`)],
    /tenant: 104213\.db is the backup of town 104213 \(中之条町\), not of 104248/);
  const one = join(d.dir, 'only-a');
  assert.equal(d.cli(['backup', '--tenant', A, '--out', one]).status, 0);
  const before = townDump(d.townDb(A));
  refuse(['--tenant', B, '--from', one], /tenant: the backup in .* is of town 104213 \(中之条町\), not of 104248/);
  refuse(['--tenant', '104214', '--from', one], /code: .*check digit/);

  const newer = rewritten('newer', "INSERT INTO schema_migrations VALUES ('residents', 99, '2030-01-01T00:00:00Z')");
  assert.equal(d.cli(['backup', 'verify', newer]).status, 0, 'the set itself is consistent');
  refuse(['--tenant', A, '--from', newer],
    /schema: the backup was made by a newer kyodo: its schema residents is at version 99, this kyodo .* knows versions up to \d+/);
  const unknown = rewritten('unknown', "INSERT INTO schema_migrations VALUES ('future_module', 1, '2030-01-01T00:00:00Z')");
  refuse(['--tenant', A, '--from', unknown], /schema: .*holds the schema future_module, which this kyodo .* does not know/);

  const changed = join(d.dir, 'changed');
  cpSync(set1, changed, { recursive: true });
  const f = join(changed, `${A}.db`);
  const bytes = readFileSync(f);
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(f, bytes);
  refuse(['--tenant', A, '--from', changed], /file: 104213\.db does not match its checksum/);
  const v = d.cli(['backup', 'verify', changed]);
  assert.equal(v.status, 1);
  assert.match(v.stdout, /104213 中之条町: 104213\.db: PROBLEM: 104213\.db does not match its checksum/);
  assert.match(v.stdout, /104248 長野原町: 104248\.db intact/);

  // Another town's copy under this town's name: the chain gives it away.
  const swapped = join(d.dir, 'swapped');
  cpSync(set1, swapped, { recursive: true });
  cpSync(join(set1, `${B}.db`), join(swapped, `${A}.db`));
  const sm = JSON.parse(readFileSync(join(swapped, 'manifest.json'), 'utf8'));
  const sx = sm.databases.find((y) => y.code === A);
  const bx = sm.databases.find((y) => y.code === B);
  Object.assign(sx, { bytes: bx.bytes, sha256: bx.sha256, schemas: bx.schemas, audit: bx.audit });
  writeFileSync(join(swapped, 'manifest.json'), JSON.stringify(sm));
  refuse(['--tenant', A, '--from', swapped], /file: 104213\.db: the audit chain does not verify for town 104213/);

  const bare = join(d.dir, 'bare');
  cpSync(set1, bare, { recursive: true });
  rmSync(join(bare, 'manifest.json'));
  refuse(['--tenant', A, '--from', bare], /has no manifest\.json/);
  assert.equal(d.cli(['backup', 'verify', bare]).status, 1);
  refuse(['--tenant', A, '--from', join(d.dir, 'nowhere')], /from: .*nowhere/);

  assert.deepEqual(townDump(d.townDb(A)), before, 'nothing changed');
  assert.equal(d.cli(['backup', '--tenant', A, '--out', one]).status, 2, 'never over a backup');
  assert.equal(d.cli(['backup', '--tenant', A]).status, 2);
  assert.equal(d.cli(['restore', '--tenant', A]).status, 2);
});

test('backup → drop the town → restore: the same data, a verified chain, the town back disabled', async () => {
  const set2 = join(d.dir, 'set2');
  assert.equal(d.cli(['backup', '--tenant', A, '--out', set2]).status, 0);
  const copy = townDump(join(set2, `${A}.db`));
  const exported = exportTown(d, A, join(d.dir, 'export-before'));
  assert.ok(Object.keys(exported).length >= 3, JSON.stringify(exported));

  let r = d.cli(['tenant', 'drop', '--code', A, '--confirm', A]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /a kyodo server is running on .*: stop it first/);
  await d.stop();
  r = d.cli(['tenant', 'drop', '--code', A, '--confirm', A]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is active: disable it first/);
  assert.equal(d.cli(['tenant', 'drop', '--code', A, '--confirm', B]).status, 2);
  assert.equal(d.cli(['tenant', 'disable', '--code', A]).status, 0);
  r = d.cli(['tenant', 'drop', '--code', A, '--confirm', A]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /dropped: registry entry and staff accounts deleted; its database is kept as .*\/dropped\/104213-/);
  assert.ok(!existsSync(d.townDb(A)));
  assert.doesNotMatch(d.cli(['tenant', 'list']).stdout, /104213/);

  await d.start();
  r = d.cli(['restore', '--tenant', A, '--from', join(set2, 'manifest.json')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /registered again, disabled/);
  assert.match(d.cli(['tenant', 'list']).stdout, /^104213\t中之条町\tdisabled\t/m);
  const restored = townDump(d.townDb(A));
  assert.equal(restored.rest, copy.rest, 'the same data');
  assert.deepEqual(restored.audit.slice(0, -1), copy.audit);
  assert.match(restored.audit.at(-1), /'backup\.restore'.*the town had no database; its registry entry is made again, disabled/);
  // The same export (issue 6, "Done when"): every file of every layout.
  assert.deepEqual(exportTown(d, A, join(d.dir, 'export-after')), exported);
  const v = d.cli(['audit', 'verify', '--tenant', A]);
  assert.equal(v.status, 0, v.stdout + v.stderr);

  // Opened again with a new account, it serves what was backed up.
  assert.equal(d.cli(['tenant', 'enable', '--code', A]).status, 0);
  d.addUser(A, 'residents_clerk');
  const clerk = await d.as(A, 'residents_clerk');
  for (const w of acked.slice(0, 5))
    assert.equal((await clerk.get(`/api/v1/persons/${w.atena[0]}`)).status, 200);
});

test('restore --all makes a standby from a backup: every town, no sessions, chains verified', () => {
  const standby = join(d.dir, 'standby');
  const r = kyodoCli(['restore', '--all', '--from', set1, '--data', standby]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /control database restored .*sessions not carried over/);
  assert.match(r.stdout, /^deployment restored from /m);
  const v = kyodoCli(['audit', 'verify', '--all', '--data', standby]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.equal((v.stdout.match(/audit chain intact/g) ?? []).length, 2);
  assert.equal(sqlRows(join(standby, 'control.db'), 'SELECT count(*) AS n FROM sessions')[0].n, 0);
  assert.ok(sqlRows(join(set1, 'control.db'), 'SELECT count(*) AS n FROM sessions')[0].n > 0);
  const again = kyodoCli(['restore', '--all', '--from', set1, '--data', standby]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /already holds a deployment/);
});

test('scheduled backups: every interval a complete set, the newest kept, each recorded in the towns\' logs', async () => {
  const dir = join(d.dir, 'scheduled');
  const s = await Deployment.create({ towns: [[A, '中之条町']], roles: ['residents_clerk'],
    config: `[backup]\ndir = ${dir}\ninterval = 1\nkeep = 2\n` });
  try {
    await s.start();
    const clerk = await s.as(A, 'residents_clerk');
    const t0 = Date.now();
    while ((s.log().match(/"msg":"backup made"/g) ?? []).length < 3) {
      assert.equal((await clerk.post('/api/v1/residents/idou', tennyu('定'))).status, 201);
      assert.ok(Date.now() - t0 < 20000, `no third backup:\n${s.log()}`);
      await sleep(100);
    }
    await s.stop();
    assert.match(s.logs, /"msg":"scheduled backups".*"interval":1,"keep":2/);
    assert.match(s.logs, /"msg":"backups pruned"/);
    const sets = readdirSync(dir).sort();
    assert.ok(sets.length === 2, sets.join(' '));
    for (const name of sets) {
      assert.match(name, /^\d{8}T\d{6}Z(-\d+)?$/);
      const v = s.cli(['backup', 'verify', join(dir, name)]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.equal(JSON.parse(readFileSync(join(dir, name, 'manifest.json'), 'utf8')).origin, 'scheduled');
    }
    const n = sqlRows(s.townDb(A),
      "SELECT count(*) AS n FROM audit_log WHERE action = 'backup.create' AND user_login = 'system' AND detail LIKE 'scheduled backup %'")[0].n;
    assert.ok(n >= 3, `${n} backup entries`);
    assert.equal(s.cli(['audit', 'verify', '--all']).status, 0);
  } finally {
    s.remove();
  }
});
