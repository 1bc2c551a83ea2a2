// Crash safety of backups and restores: `kyodo backup` and `kyodo restore`
// killed with SIGKILL at several moments of their run, and the server killed
// in the middle of its own scheduled backup. A backup folder is complete
// (and verifies) or absent; a town is as it was before the restore or as
// the backup had it (plus the restore's entry), never in between; every
// audit chain verifies afterwards.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment, townDump, checkTownWhole, tennyu, sleep } from '../lib/deployment.mjs';

const A = '104213', B = '104248';
let d, clerk;

before(async () => {
  d = await Deployment.create({ towns: [[A, '中之条町'], [B, '長野原町']], roles: ['residents_clerk'],
    config: '[backup]\n' });
  // A register large enough for a run to take a while under the sanitizers.
  const g = d.cli(['residents', 'generate', '--tenant', A, '--count', '1500', '--years', '3']);
  assert.equal(g.status, 0, g.stderr);
  await d.start();
  clerk = await d.as(A, 'residents_clerk');
});
after(async () => {
  if (d.proc) await d.stop();
  d.remove();
});

// Runs a command to its end and times it.
async function timed(args) {
  const t0 = Date.now();
  const r = await d.spawnCli(args).done;
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return Date.now() - t0;
}

// Runs a command and kills it after ms; resolves to its outcome.
async function killedAfter(args, ms) {
  const job = d.spawnCli(args);
  const timer = setTimeout(() => job.child.kill('SIGKILL'), ms);
  const r = await job.done;
  clearTimeout(timer);
  return r;
}

// Runs a command and kills it `ms` after a new file appears in dir.
async function killedAfterFile(args, dir, ms) {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  const job = d.spawnCli(args);
  const poll = setInterval(() => {
    if (existsSync(dir) && readdirSync(dir).some((x) => !before.has(x))) {
      clearInterval(poll);
      setTimeout(() => job.child.kill('SIGKILL'), ms);
    }
  }, 1);
  const r = await job.done;
  clearInterval(poll);
  return r;
}

const FRACTIONS = [0.35, 0.6, 0.75, 0.85, 0.92, 0.97];

test('kill -9 of kyodo backup at six moments: the folder is complete and verifies, or is not there', async () => {
  const full = await timed(['backup', '--all', '--out', join(d.dir, 'full')]);
  const seen = { complete: 0, absent: 0 };
  for (const [i, f] of FRACTIONS.entries()) {
    const out = join(d.dir, `cut${i}`);
    const r = await killedAfter(['backup', '--all', '--out', out], Math.round(full * f));
    if (!existsSync(out)) {
      assert.equal(r.signal, 'SIGKILL', `no folder, yet the backup ended: ${r.stdout}${r.stderr}`);
      seen.absent++;
      continue;
    }
    const v = d.cli(['backup', 'verify', out]);
    assert.equal(v.status, 0, `a folder that is there must verify:\n${v.stdout}${v.stderr}`);
    seen.complete++;
  }
  // What a killed backup leaves is a hidden folder beside the destination
  // (removed by hand, or by the schedule's pruning in its own folder).
  for (const name of readdirSync(d.dir).filter((x) => x.startsWith('.cut')))
    assert.match(name, /^\.cut\d\.tmp-[A-Za-z0-9]{6}$/);
  console.log(`# backups killed: ${seen.absent} left nothing, ${seen.complete} had finished`);
  assert.ok(seen.absent > 0, 'at least one backup was cut short');
  const v = d.cli(['audit', 'verify', '--all']);
  assert.equal(v.status, 0, v.stdout + v.stderr);
});

test('kill -9 of kyodo restore at six moments, the server running: the town is the old one or the restored one, never half', async () => {
  const set = join(d.dir, 'full');
  const copy = townDump(join(set, `${A}.db`));
  const other = townDump(d.townDb(B));
  const write = async () => assert.equal((await clerk.post('/api/v1/residents/idou', tennyu('新'))).status, 201);
  await write();
  const full = await timed(['restore', '--tenant', A, '--from', set]);
  const seen = { old: 0, inside: 0, restored: 0 };
  const kept = () => readdirSync(join(d.dataDir, 'replaced')).length;
  // At moments spread over the run, and then inside the install itself: once
  // the town is held and its contents are being copied aside (the copy
  // aside appears), at once and a little later.
  const moments = [...FRACTIONS.map((f) => ({ after: Math.round(full * f) })),
    { aside: 0 }, { aside: 3 }, { aside: 10 }];
  for (const m of moments) {
    await write(); // the town now differs from the backup
    const old = townDump(d.townDb(A));
    const asides = kept();
    const args = ['restore', '--tenant', A, '--from', set];
    const r = m.after !== undefined ? await killedAfter(args, m.after)
      : await killedAfterFile(args, join(d.dataDir, 'replaced'), m.aside);
    const now = townDump(d.townDb(A));
    if (now.rest === old.rest) {
      assert.deepEqual(now.audit, old.audit, 'the old town, with its own log');
      assert.equal(r.signal, 'SIGKILL', `the restore ended but changed nothing: ${r.stdout}${r.stderr}`);
      seen.old++;
      // Killed after the town was held and its contents copied aside, before
      // the commit: inside the install.
      if (kept() > asides) seen.inside++;
    } else {
      assert.equal(now.rest, copy.rest, 'the restored town is the backup\'s');
      assert.deepEqual(now.audit.slice(0, copy.audit.length), copy.audit);
      assert.equal(now.audit.length, copy.audit.length + 1);
      assert.match(now.audit.at(-1), /'backup\.restore'/);
      seen.restored++;
    }
    checkTownWhole(d.townDb(A));
    const v = d.cli(['audit', 'verify', '--tenant', A]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    // The server goes on serving the town, whichever it is.
    assert.equal((await clerk.get('/api/v1/residents/idou-kinds')).status, 200);
  }
  console.log(`# restores killed: ${seen.old} left the old town (${seen.inside} inside the install), ${seen.restored} had restored it`);
  assert.ok(seen.inside > 0, 'at least one restore was cut inside the install');
  assert.deepEqual(townDump(d.townDb(B)), other, 'the other town never changed');
  // A restore after all that works, and removes the killed one's working file.
  const r = await d.spawnCli(['restore', '--tenant', A, '--from', set]).done;
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!existsSync(join(d.dataDir, 'towns', `.${A}.restore.db`)));
});

test('kill -9 of the server in the middle of its scheduled backup: the sets there verify, the next run prunes what was cut', async () => {
  await d.stop();
  const dir = join(d.dir, 'scheduled');
  writeFileSync(d.confPath, `[store]\ndata_dir = ${d.dataDir}\n[backup]\ndir = ${dir}\ninterval = 1\nkeep = 3\n`);
  const made = () => (d.log().match(/"msg":"backup made"/g) ?? []).length;
  const waitMade = async (n) => {
    const t0 = Date.now();
    while (made() < n) {
      assert.ok(Date.now() - t0 < 20000, d.log());
      await sleep(10);
    }
  };
  let cut = 0;
  for (let i = 0; i < 4; i++) {
    await d.start();
    await waitMade(1);
    // The next backup starts a second after this one ended (its log line
    // comes out within 50 ms): kill around then.
    await sleep(960 + 25 * i);
    await d.kill9();
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) { cut++; continue; }
      const v = d.cli(['backup', 'verify', join(dir, name)]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
    }
    const v = d.cli(['audit', 'verify', '--all']);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    checkTownWhole(d.townDb(A));
  }
  await d.start();
  await waitMade(1);
  await d.stop();
  assert.deepEqual(readdirSync(dir).filter((x) => x.startsWith('.')), [], 'what was cut is pruned');
  assert.equal(readdirSync(dir).length, 3, 'the newest three are kept');
  console.log(`# scheduled backups cut by the kill: ${cut}`);
});
