// The standby site on PostgreSQL: streaming replication, not home-made.
//
// A primary and a hot standby cluster (scripts/pg-cluster: pg_basebackup,
// streaming, the primary's commits waiting until the standby has applied them:
// synchronous_commit = remote_apply). kyodo runs on the primary with a libpq
// URL naming both hosts and target_session_attrs=read-write, so its
// connections find whichever is the primary. Clients write a stream of
// changes (staff accounts in the control schema, each with its audit entry in
// the town's schema); the primary is killed in the middle of it (immediate
// stop: no shutdown checkpoint), the standby promoted. The same server carries
// on, reconnected to the new primary: every write it had acknowledged is
// there, and the town's audit chain verifies.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKyodo, psql, sleep, SOURCE_DIR } from '../lib/harness.mjs';

const CLUSTER = join(SOURCE_DIR, 'scripts', 'pg-cluster');
const work = mkdtempSync(join(tmpdir(), 'kyodo-standby-'));
chmodSync(work, 0o755);
const primaryDir = join(work, 'p');
const standbyDir = join(work, 's');

function cluster(args, env = {}) {
  const r = spawnSync(CLUSTER, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120000 });
  assert.equal(r.status, 0, `pg-cluster ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

let k = null;
after(async () => {
  if (k) await k.stop().catch(() => {});
  spawnSync(CLUSTER, ['stop', standbyDir]);
  spawnSync(CLUSTER, ['stop', primaryDir]);
  rmSync(work, { recursive: true, force: true });
});

test('a promoted standby holds every write kyodo acknowledged before the primary died', async (t) => {
  const primaryAdmin = cluster(['start', primaryDir], { PG_CLUSTER_SYNC_STANDBY: 'kyodo_standby' });
  // (Every commit now waits for the standby: it comes first.)
  cluster(['standby', primaryDir, standbyDir, 'kyodo_standby']);
  // The standby streams synchronously before anything is written.
  let state = '';
  for (let i = 0; i < 100 && state !== 'streaming|sync'; i++) {
    state = psql(primaryAdmin, "SELECT state || '|' || sync_state FROM pg_stat_replication").trim();
    if (state !== 'streaming|sync') await sleep(100);
  }
  assert.equal(state, 'streaming|sync');
  psql(primaryAdmin, 'CREATE DATABASE kyodo');

  const store = `postgresql:///kyodo?host=${primaryDir},${standbyDir}&user=postgres` +
    '&target_session_attrs=read-write&connect_timeout=5';
  k = await startKyodo({ towns: [['104213', '中之条町']], storeUrl: store });
  const admin = await k.as('104213', 'admin');

  // Four writers, each creating accounts one after another until told to stop.
  const acknowledged = [];
  const failed = [];
  let stop = false;
  let n = 0;
  let crashedAt = 0;
  let resumedAt = 0;
  const writer = async (w) => {
    while (!stop) {
      const login = `w${w}-${++n}`;
      let r;
      try {
        r = await admin.post('/api/v1/users',
          { login, name: `書込 ${login}`, role: 'tax_clerk', password: 'standby-password-1' });
      } catch (e) {
        failed.push(login);
        continue;
      }
      if (r.status === 201) {
        acknowledged.push(login);
        if (crashedAt && !resumedAt) resumedAt = Date.now();
      }
      else failed.push(`${login}:${r.status}`);
      if (r.status >= 500) await sleep(50);
    }
  };
  const writers = [1, 2, 3, 4].map(writer);
  while (acknowledged.length < 40) await sleep(20);

  // The primary dies in the middle of the stream; the standby is promoted.
  cluster(['crash', primaryDir]);
  crashedAt = Date.now();
  const atCrash = acknowledged.length;
  cluster(['promote', standbyDir]);
  const promotedAt = Date.now();
  // Writes go on against the new primary, through the same server.
  const deadline = Date.now() + 30000;
  while (acknowledged.length < atCrash + 20 && Date.now() < deadline) await sleep(50);
  stop = true;
  await Promise.all(writers);
  assert.ok(acknowledged.length >= atCrash + 20,
    `no writes acknowledged after the promotion (${failed.length} failed: ${failed.slice(-5)})\n${k.log().slice(-3000)}`);
  t.diagnostic(`${atCrash} writes acknowledged before the crash, ${acknowledged.length - atCrash} after;` +
    ` ${failed.length} refused while the primary was gone; promotion took ${promotedAt - crashedAt} ms,` +
    ` the first write after the crash was acknowledged ${resumedAt - crashedAt} ms after it`);

  // Every acknowledged account is on the promoted standby: asked through the
  // server, and directly.
  const list = await admin.get('/api/v1/users');
  assert.equal(list.status, 200, list.text);
  const logins = new Set(list.json.items.map((u) => u.login));
  const missing = acknowledged.filter((l) => !logins.has(l));
  assert.deepEqual(missing, [], `acknowledged writes lost: ${missing}`);
  const standbyUrl = `postgresql:///kyodo?host=${standbyDir}&user=postgres`;
  const rows = psql(standbyUrl, "SELECT login FROM kyodo_control.users WHERE login LIKE 'w%'")
    .split('\n').filter(Boolean);
  const direct = new Set(rows);
  assert.deepEqual(acknowledged.filter((l) => !direct.has(l)), []);
  assert.equal(psql(standbyUrl, 'SELECT pg_is_in_recovery()').trim(), 'f');

  // The audit chain of the town (an entry per account, written in the same
  // transaction) verifies on the new primary.
  const v = k.cli(['audit', 'verify', '--tenant', '104213']);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /audit chain intact/);
  const entries = Number(psql(standbyUrl,
    "SELECT count(*) FROM town_104213.audit_log WHERE action = 'user.create' AND outcome = 'ok'").trim());
  assert.ok(entries >= acknowledged.length, `${entries} audit entries for ${acknowledged.length} accounts`);

  await k.stop();
  k = null;
});
