// Crash safety of writes: the server is killed with SIGKILL in the middle of
// a stream of writes from several connections — 異動 in two towns, staff
// accounts, town registrations — and reads, at a different moment in each of
// several rounds, and restarted on the same data each time. After each
// restart: every acknowledged write is there (read back through the API),
// every acknowledged read has its audit entry (the answer waits for the
// audit group commit), nothing is half there (every 異動 whole with its
// audit entry, its event and a snapshot per person; every registered town
// has its database), a registration cut short does not stop the town being
// registered again, and every town's audit chain verifies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment, sqlRows, checkTownWhole, tennyu, sleep } from '../lib/deployment.mjs';

const A = '104213', B = '104248';
const ROUNDS = 4;
let d;

function withCheckDigit(five) {
  const sum = [...five].reduce((s, x, i) => s + Number(x) * (6 - i), 0);
  return five + String((11 - (sum % 11)) % 10);
}

before(async () => {
  d = await Deployment.create({ towns: [[A, '中之条町'], [B, '長野原町']],
    roles: ['residents_clerk', 'admin', 'operator'] });
});
after(() => d.remove());

// Every acknowledged write and read, over all rounds.
const ack = { idou: [], users: [], towns: [], reads: [] };
const tried = { towns: new Set() };
let again = 0; // towns registered again after a registration cut short

// Runs `step` until the server goes away; a step must succeed while it is up.
async function loop(step, isUp) {
  for (;;) {
    try {
      if (!(await step())) return;
    } catch (e) {
      if (!isUp()) return; // the connection died with the server
      throw e;
    }
  }
}

// Signed in once: sessions are in the database and outlive the server.
let c;
async function start() {
  await d.start();
  if (!c) {
    c = { clerks: [await d.as(A, 'residents_clerk'), await d.as(A, 'residents_clerk'),
      await d.as(B, 'residents_clerk')], admin: await d.as(A, 'admin'),
    operator: await d.as(A, 'operator'), reader: await d.as(A, 'residents_clerk'),
    clerkB: await d.as(B, 'residents_clerk') };
  }
  for (const x of [...c.clerks, c.admin, c.operator, c.reader, c.clerkB]) x.base = d.base;
}

async function round(n) {
  await start();
  let up = true;
  const isUp = () => up;
  const { clerks, admin, operator, reader } = c;
  const fail = (r) => { if (up) assert.fail(`${r.status} while the server was up: ${r.text}`); return false; };

  const idou = (c, town) => async () => {
    const r = await c.post('/api/v1/residents/idou', tennyu(`R${n}`));
    if (r.status !== 201) return fail(r);
    ack.idou.push({ town, id: r.json.idou_id, atena: r.json.atena });
    return true;
  };
  let users = 0;
  const user = async () => {
    const login = `r${n}-u${++users}`;
    const r = await admin.post('/api/v1/users', { login, name: `利用者 ${login}`, role: 'tax_clerk',
      password: `password-of-${login}` });
    if (r.status !== 201) return fail(r);
    ack.users.push({ id: r.json.id, login });
    return true;
  };
  let towns = 0;
  const town = async () => {
    const code = withCheckDigit(`4${n}${String(++towns).padStart(3, '0')}`);
    tried.towns.add(code);
    const r = await operator.post('/api/v1/tenants', { code, name: `試験町${n}-${towns}` });
    if (r.status !== 201) return fail(r);
    ack.towns.push(code);
    return true;
  };
  const read = async () => {
    const mine = ack.idou.filter((w) => w.town === A);
    if (!mine.length) { await sleep(5); return true; }
    const atena = mine[Math.floor(Math.random() * mine.length)].atena[0];
    const r = await reader.get(`/api/v1/persons/${atena}`);
    if (r.status !== 200) return fail(r);
    ack.reads.push(r.headers.get('x-request-id'));
    return true;
  };
  const streams = [loop(idou(clerks[0], A), isUp), loop(idou(clerks[1], A), isUp),
    loop(idou(clerks[2], B), isUp), loop(user, isUp), loop(town, isUp), loop(read, isUp)];
  // Once every stream has been answered at least once, a different moment
  // each round, spread over a second.
  const base = { idou: ack.idou.length, users: ack.users.length, reads: ack.reads.length };
  for (let t = 0; t < 600 && (ack.idou.length < base.idou + 3 || ack.users.length === base.users ||
    ack.reads.length === base.reads); t++) await sleep(25);
  await sleep((n * 397 + Math.floor(Math.random() * 300)) % 1000);
  up = false;
  await d.kill9();
  await Promise.all(streams);
}

async function check() {
  await start();
  const { reader: clerkA, clerkB, admin, operator } = c;
  for (const w of ack.idou) {
    const c = w.town === A ? clerkA : clerkB;
    for (const atena of w.atena) {
      const r = await c.get(`/api/v1/persons/${atena}`);
      assert.equal(r.status, 200, `acknowledged 異動 ${w.id} of ${w.town}: ${atena} is missing`);
    }
  }
  for (const u of ack.users) {
    const r = await admin.get(`/api/v1/users/${u.id}`);
    assert.equal(r.status, 200, `acknowledged user ${u.login}`);
    assert.equal(r.json.login, u.login);
  }
  for (const code of ack.towns)
    assert.equal((await operator.get(`/api/v1/tenants/${code}`)).status, 200, `acknowledged town ${code}`);
  // A registration cut short leaves no town, and does not stop it being made.
  const registered = new Set((await operator.get('/api/v1/tenants')).json.items.map((t) => t.code));
  for (const code of tried.towns) {
    if (registered.has(code)) continue;
    const r = await operator.post('/api/v1/tenants', { code, name: '再登録町' });
    assert.equal(r.status, 201, `registering ${code} again: ${r.text}`);
    ack.towns.push(code);
    again++;
    registered.add(code);
  }
  await d.stop();

  // Straight from the files, with the server stopped.
  const ids = (town) => new Set(sqlRows(d.townDb(town), 'SELECT id FROM idou').map((x) => x.id));
  const have = { [A]: ids(A), [B]: ids(B) };
  for (const w of ack.idou) assert.ok(have[w.town].has(w.id), `異動 ${w.id} of ${w.town}`);
  const rids = new Set(sqlRows(d.townDb(A), 'SELECT request_id FROM audit_log').map((x) => x.request_id));
  for (const rid of ack.reads) assert.ok(rids.has(rid), `the audit entry of acknowledged read ${rid}`);
  const created = sqlRows(d.townDb(A), "SELECT detail FROM audit_log WHERE action = 'user.create'")
    .map((x) => x.detail).join('\n');
  for (const u of ack.users) assert.ok(created.includes(`user ${u.id} (${u.login}) created`), `audit of user ${u.login}`);
  checkTownWhole(d.townDb(A));
  checkTownWhole(d.townDb(B));
  assert.equal(sqlRows(d.controlDb(), 'PRAGMA integrity_check')[0].integrity_check, 'ok');
  assert.deepEqual(sqlRows(d.controlDb(), 'PRAGMA foreign_key_check'), []);
  // Every registered town has its database; a file without a registration
  // is the leftover of a registration cut short (set aside when it is made
  // again).
  const files = new Set(readdirSync(join(d.dataDir, 'towns')).filter((f) => /^\d{6}\.db$/.test(f))
    .map((f) => f.slice(0, 6)));
  for (const code of registered) assert.ok(files.has(code), `town ${code} has its database`);
  const v = d.cli(['audit', 'verify', '--all']);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.equal((v.stdout.match(/audit chain intact/g) ?? []).length, registered.size);
}

test(`kill -9 in the middle of writes, ${ROUNDS} times: every acknowledged write is there, nothing half, chains verify`, async () => {
  for (let n = 1; n <= ROUNDS; n++) {
    await round(n);
    await check();
  }
  assert.ok(ack.idou.length > 20, `${ack.idou.length} 異動 acknowledged`);
  assert.ok(ack.users.length >= ROUNDS, `${ack.users.length} users acknowledged`);
  assert.ok(ack.reads.length > 20, `${ack.reads.length} reads acknowledged`);
  console.log(`# acknowledged: ${ack.idou.length} 異動, ${ack.users.length} users, ${ack.towns.length} towns (${again} registered again), ${ack.reads.length} reads`);
});
