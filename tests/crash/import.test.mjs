// Crash safety of imports (issue 6, item 3): `kyodo import` killed with
// SIGKILL at several moments of its run, beside a running server that keeps
// writing to another town. An import is one transaction: the town holds all
// of the set or none of it, never a part; SQLite finds no damage; every
// audit chain verifies; a later import of the same set succeeds and exports
// byte for byte what was imported.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SOURCE_DIR } from '../lib/harness.mjs';
import { Deployment, townDump, checkTownWhole, exportTown, tennyu } from '../lib/deployment.mjs';

const A = '104213', B = '104248', C = '104256';
const LAYOUTS_DIR = join(SOURCE_DIR, 'layouts');
let d, clerk, set, source;

before(async () => {
  d = await Deployment.create({
    towns: [[A, '中之条町'], [B, '長野原町'], [C, '嬬恋村']], roles: ['residents_clerk'],
  });
  // A register large enough for an import to take a while under the sanitizers.
  const g = d.cli(['residents', 'generate', '--tenant', A, '--count', '1500', '--years', '3']);
  assert.equal(g.status, 0, g.stderr);
  set = join(d.dir, 'export');
  source = exportTown(d, A, set);
  await d.start();
  clerk = await d.as(C, 'residents_clerk');
});
after(async () => {
  if (d.proc) await d.stop();
  d.remove();
});

const importArgs = (code) => ['import', '--tenant', code, '--layout', 'juki', '--in', join(set, 'juki'),
  '--layouts', LAYOUTS_DIR, '--report', join(d.dir, `report-${code}-${Date.now()}`)];

async function killedAfter(args, ms) {
  const job = d.spawnCli(args);
  const timer = setTimeout(() => job.child.kill('SIGKILL'), ms);
  const r = await job.done;
  clearTimeout(timer);
  return r;
}

const FRACTIONS = [0.1, 0.3, 0.5, 0.7, 0.85, 0.95];

test('kill -9 of kyodo import at six moments: the town holds none of the set or all of it', async () => {
  const empty = townDump(d.townDb(B));
  // How long a whole import takes: into a scratch town, so B stays empty.
  const scratch = '104264';
  const add = d.cli(['tenant', 'add', '--code', scratch, '--name', '草津町']);
  assert.equal(add.status, 0, add.stderr);
  const t0 = Date.now();
  const whole = await d.spawnCli(importArgs(scratch)).done;
  assert.equal(whole.status, 0, whole.stdout + whole.stderr);
  const full = Date.now() - t0;

  const seen = { none: 0, all: 0 };
  for (const f of FRACTIONS) {
    // Another town is written meanwhile: the server is not disturbed.
    assert.equal((await clerk.post('/api/v1/residents/idou', tennyu('移'))).status, 201);
    const r = await killedAfter(importArgs(B), Math.round(full * f));
    const now = townDump(d.townDb(B));
    checkTownWhole(d.townDb(B));
    const v = d.cli(['audit', 'verify', '--tenant', B]);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    if (now.rest === empty.rest) {
      assert.equal(r.signal, 'SIGKILL', `the import ended but wrote nothing: ${r.stdout}${r.stderr}`);
      seen.none++;
      continue;
    }
    // It had committed (perhaps killed on its way out after the commit):
    // then all of it is there, which the export below shows.
    assert.ok(r.status === 0 || r.signal === 'SIGKILL', r.stdout + r.stderr);
    seen.all++;
    break;
  }
  console.log(`# imports killed: ${seen.none} left the town empty, ${seen.all} had committed`);
  assert.ok(seen.none > 0, 'at least one import was cut short');

  // Whatever happened, an import now completes (or has), and the town
  // exports exactly the set that was imported.
  if (!seen.all) {
    const r = await d.spawnCli(importArgs(B)).done;
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
  const again = exportTown(d, B, join(d.dir, 'again'));
  for (const [file, sha] of Object.entries(source))
    if (file.startsWith('juki/')) assert.equal(again[file], sha, file);
  checkTownWhole(d.townDb(B));
  const v = d.cli(['audit', 'verify', '--all']);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  // The server still serves the town it wrote to all along.
  assert.equal((await clerk.get('/api/v1/residents/idou-kinds')).status, 200);
});
