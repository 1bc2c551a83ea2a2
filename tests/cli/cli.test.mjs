// The kyodo command line: tenants, users, demo, audit verify — including the
// foundation's acceptance check that one changed byte in an audit row of the
// database file is found and named.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kyodoCli } from '../lib/harness.mjs';

let dir;
before(() => { dir = mkdtempSync(join(tmpdir(), 'kyodo-cli-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const sqlite = (db, sql) => {
  const r = spawnSync('sqlite3', ['-readonly', db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

test('usage: --help everywhere, unknown commands fail with status 2', () => {
  for (const cmd of [['--help'], ['serve', '--help'], ['tenant', '--help'], ['user', '--help'],
    ['audit', '--help'], ['demo', '--help'], ['residents', '--help']]) {
    const r = kyodoCli(cmd);
    assert.equal(r.status, 0, `${cmd.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /usage: kyodo/);
  }
  assert.equal(kyodoCli([]).status, 2);
  const r = kyodoCli(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.equal(kyodoCli(['tenant', 'add', '--code', '104213']).status, 2); // no --name
  assert.equal(kyodoCli(['version']).status, 0);
});

test('tenant add checks the 全国地方公共団体コード check digit', () => {
  const data = join(dir, 'tenants');
  let r = kyodoCli(['tenant', 'add', '--code', '104214', '--name', '中之条町'], { dataDir: data });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /code: .*check digit.*should be 3/);
  r = kyodoCli(['tenant', 'add', '--code', '10421', '--name', 'x'], { dataDir: data });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /six-digit/);
  r = kyodoCli(['tenant', 'add', '--code', '104213', '--name', '中之条町'], { dataDir: data });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(statSync(join(data, 'towns', '104213.db')).isFile());
  r = kyodoCli(['tenant', 'add', '--code', '104213', '--name', '中之条町'], { dataDir: data });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /already registered/);
  r = kyodoCli(['tenant', 'add', '--code', '104248', '--name', ''], { dataDir: data });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /name/);
  r = kyodoCli(['tenant', 'list'], { dataDir: data });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^104213\t中之条町\tactive\t/m);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  r = kyodoCli(['tenant', 'disable', '--code', '104213'], { dataDir: data });
  assert.equal(r.status, 0, r.stderr);
  assert.match(kyodoCli(['tenant', 'list'], { dataDir: data }).stdout, /104213\t中之条町\tdisabled/);
  assert.equal(kyodoCli(['tenant', 'enable', '--code', '104213'], { dataDir: data }).status, 0);
  assert.equal(kyodoCli(['tenant', 'disable', '--code', '104299'], { dataDir: data }).status, 2);
});

test('user add, list, passwd, disable, enable, unlock — each audited', () => {
  const data = join(dir, 'users');
  assert.equal(kyodoCli(['tenant', 'add', '--code', '104256', '--name', '嬬恋村'], { dataDir: data }).status, 0);
  let r = kyodoCli(['user', 'add', '--tenant', '104256', '--login', 'tanaka', '--name', '田中 花子',
    '--role', 'residents_clerk'], { dataDir: data });
  assert.equal(r.status, 0, r.stderr);
  const made = /password: (\S+)/.exec(r.stdout);
  assert.ok(made && made[1].length === 16, r.stdout);
  r = kyodoCli(['user', 'add', '--tenant', '104256', '--login', 'suzuki', '--name', '鈴木',
    '--role', 'tax_clerk', '--password-stdin'], { dataDir: data, input: 'short\n' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /password: .*at least 10/);
  r = kyodoCli(['user', 'add', '--tenant', '104256', '--login', 'suzuki', '--name', '鈴木',
    '--role', 'chief', '--password-stdin'], { dataDir: data, input: 'long enough password\n' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown role/);
  r = kyodoCli(['user', 'add', '--tenant', '104299', '--login', 'suzuki', '--name', '鈴木',
    '--role', 'tax_clerk', '--password-stdin'], { dataDir: data, input: 'long enough password\n' });
  assert.equal(r.status, 2, 'a town that is not registered');
  r = kyodoCli(['user', 'list', '--tenant', '104256'], { dataDir: data });
  assert.match(r.stdout, /\ttanaka\t田中 花子\tresidents_clerk\tactive/);
  for (const verb of ['passwd', 'disable', 'enable', 'unlock']) {
    r = kyodoCli(['user', verb, '--tenant', '104256', '--login', 'tanaka'], { dataDir: data });
    assert.equal(r.status, 0, `${verb}: ${r.stderr}`);
  }
  assert.equal(kyodoCli(['user', 'disable', '--tenant', '104256', '--login', 'nobody'], { dataDir: data }).status, 2);
  const actions = sqlite(join(data, 'towns', '104256.db'),
    "SELECT action || ':' || detail FROM audit_log ORDER BY seq").split('\n');
  assert.deepEqual(actions.map((a) => a.split(':')[0]),
    ['tenant.create', 'user.create', 'user.password', 'user.update', 'user.update', 'user.update']);
  assert.match(actions[3], /disabled/);
  // The password is never written to the audit log.
  assert.doesNotMatch(readFileSync(join(data, 'towns', '104256.db')).toString('latin1'), new RegExp(made[1]));
});

// Residents at 1% of the real populations keep the test fast; make demo loads
// them all (--scale 1).
const population = { 104213: 16842, 104248: 5477, 104256: 9787, 104264: 6512, 104281: 3679, 104299: 14116 };

test('make demo data: six towns, one user per role, residents, same logins when run again', () => {
  const data = join(dir, 'demo');
  const first = kyodoCli(['demo', '--scale', '0.01'], { dataDir: data });
  assert.equal(first.status, 0, first.stderr);
  for (const [code, n] of Object.entries(population)) {
    const want = Math.round(n * 0.01);
    assert.match(first.stderr, new RegExp(`${code} \\S+: ${want} residents in \\d+ households, \\d+ 異動`));
    const db = join(data, 'towns', `${code}.db`);
    // Residents on today's date (no 消除 yet), and history beyond the first records.
    assert.equal(Number(sqlite(db, "SELECT count(*) FROM resident_index WHERE status = 'resident'")), want);
    assert.ok(Number(sqlite(db, "SELECT count(*) FROM idou WHERE kind <> 'shokken_kisai'")) > 0);
  }
  for (const [code, name] of [['104213', '中之条町'], ['104248', '長野原町'], ['104256', '嬬恋村'],
    ['104264', '草津町'], ['104281', '高山村'], ['104299', '東吾妻町']]) {
    assert.match(first.stdout, new RegExp(`${code} +${name}`));
    const users = kyodoCli(['user', 'list', '--tenant', code], { dataDir: data }).stdout;
    for (const role of ['admin', 'residents_clerk', 'tax_clerk', 'welfare_clerk', 'auditor', 'operator',
      'consortium_admin', 'residents_supervisor'])
      assert.match(users, new RegExp(`\t${role}\tactive`));
  }
  const second = kyodoCli(['demo', '--scale', '0.01'], { dataDir: data });
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stdout, first.stdout, 'a second run prints the same logins');
  assert.doesNotMatch(second.stderr, /residents in/, 'and leaves the filled registers alone');
  const tsv = readFileSync(join(data, 'demo-logins.tsv'), 'utf8');
  assert.equal(tsv.trim().split('\n').filter((l) => !l.startsWith('#')).length, 48);
  assert.equal(statSync(join(data, 'demo-logins.tsv')).mode & 0o077, 0, 'logins file is private');
});

test('kyodo residents generate: exact count, same seed same people, never into a filled register', () => {
  const made = [];
  for (const name of ['gen-a', 'gen-b']) {
    const data = join(dir, name);
    assert.equal(kyodoCli(['tenant', 'add', '--code', '104281', '--name', '高山村'], { dataDir: data }).status, 0);
    const r = kyodoCli(['residents', 'generate', '--tenant', '104281', '--count', '250', '--seed', '7',
      '--years', '3'], { dataDir: data });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^104281 高山村: 250 residents \(\d+ foreign\) in \d+ households; \d+ 異動 over 3 years/);
    const db = join(data, 'towns', '104281.db');
    assert.equal(sqlite(db, "SELECT count(*) FROM resident_index WHERE status = 'resident'"), '250');
    // Births are given the household head's surname; every resident has a reading.
    assert.equal(sqlite(db, "SELECT count(*) FROM resident_index WHERE shimei_kana = ''"), '0');
    made.push(sqlite(db, 'SELECT atena, shimei, shimei_kana, birth, address FROM resident_index ORDER BY atena'));
    const again = kyodoCli(['residents', 'generate', '--tenant', '104281', '--count', '10'], { dataDir: data });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already has entries/);
    assert.equal(sqlite(db, "SELECT count(*) FROM resident_index WHERE status = 'resident'"), '250');
  }
  assert.equal(made[0], made[1], 'the same seed makes the same people');
  const data = join(dir, 'gen-a');
  for (const [args, why] of [[['--count', '0'], /--count/], [['--count', 'x'], /--count/],
    [['--count', '5', '--years', '0'], /--years/], [['--count', '5', '--seed', '-1'], /--seed/]]) {
    const r = kyodoCli(['residents', 'generate', '--tenant', '104281', ...args], { dataDir: data });
    assert.equal(r.status, 2);
    assert.match(r.stderr, why);
  }
  assert.equal(kyodoCli(['residents', 'generate', '--tenant', '104282', '--count', '5'], { dataDir: data }).status, 2);
});

test('kyodo audit verify passes on the demo data and names the entry after one byte is changed', () => {
  const data = join(dir, 'demo');
  let r = kyodoCli(['audit', 'verify', '--all'], { dataDir: data });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // tenant.create, eight user.create, residents.synthesize, seals.synthesize
  assert.equal((r.stdout.match(/audit chain intact: 11 entries/g) ?? []).length, 6, r.stdout);

  // Change one byte of entry 4's request id, directly in the file.
  const db = join(data, 'towns', '104264.db');
  const rid = sqlite(db, 'SELECT request_id FROM audit_log WHERE seq = 4');
  assert.match(rid, /^cli-[0-9a-f]{12}$/);
  const bytes = readFileSync(db);
  const at = bytes.indexOf(Buffer.from(rid, 'ascii'));
  assert.ok(at > 0, 'the request id is in the file');
  assert.equal(bytes.indexOf(Buffer.from(rid, 'ascii'), at + 1), -1, 'and only once');
  const i = at + rid.length - 1;
  bytes[i] = bytes[i] === 0x30 ? 0x31 : 0x30; // one hex digit for another
  writeFileSync(db, bytes);

  r = kyodoCli(['audit', 'verify', '--tenant', '104264'], { dataDir: data });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /104264 草津町: audit chain BROKEN at entry 4: entry 4 has been altered/);
  assert.match(r.stdout, /3 entries before it verified/);
  // The other towns are untouched.
  r = kyodoCli(['audit', 'verify', '--tenant', '104213'], { dataDir: data });
  assert.equal(r.status, 0);
  r = kyodoCli(['audit', 'verify', '--all'], { dataDir: data });
  assert.equal(r.status, 1);
  assert.equal((r.stdout.match(/intact/g) ?? []).length, 5);
  assert.equal(kyodoCli(['audit', 'verify', '--tenant', '104214'], { dataDir: data }).status, 2);
});

test('an anchor written down earlier catches entries cut from the end of the log', () => {
  const data = join(dir, 'demo');
  let r = kyodoCli(['audit', 'verify', '--tenant', '104299'], { dataDir: data });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const head = /head (\d+:[0-9a-f]{64})/.exec(r.stdout)[1];
  assert.match(head, /^11:/);
  r = kyodoCli(['audit', 'verify', '--tenant', '104299', '--anchor', head], { dataDir: data });
  assert.equal(r.status, 0, r.stdout);
  const db = join(data, 'towns', '104299.db');
  const cut = spawnSync('sqlite3', [db, 'DELETE FROM audit_log WHERE seq > 5'], { encoding: 'utf8' });
  assert.equal(cut.status, 0, cut.stderr);
  r = kyodoCli(['audit', 'verify', '--tenant', '104299'], { dataDir: data });
  assert.equal(r.status, 0, 'the shortened chain is consistent by itself');
  r = kyodoCli(['audit', 'verify', '--tenant', '104299', '--anchor', head], { dataDir: data });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /BROKEN at entry 6: entry 6 is missing: the log ends before the anchored entry/);
  assert.equal(kyodoCli(['audit', 'verify', '--tenant', '104299', '--anchor', '7:abc'], { dataDir: data }).status, 2);
});

test('a bad configuration file names the line and key', () => {
  const conf = join(dir, 'bad.conf');
  writeFileSync(conf, '[server]\nport = 8080\nthreads = many\n');
  const r = kyodoCli(['tenant', 'list', '--config', conf]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /threads: line 3: threads must be an integer/);
});
