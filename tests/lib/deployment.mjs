// A kyodo deployment whose data directory outlives its server: start, stop,
// kill -9 and start again on the same data (backup, restore and crash
// tests), and read its databases directly with Debian's sqlite3.
//
//   const d = await Deployment.create({ towns: [['104213', '中之条町']], roles: ['residents_clerk'] });
//   await d.start();
//   const clerk = await d.as('104213', 'residents_clerk');
//   await d.kill9();           // no clean shutdown
//   await d.start();           // same data
//   await d.stop();            // SIGTERM; asserts a clean exit
//   d.remove();
//
// KYODO_BIN names the binary (CTest sets it), as in harness.mjs.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { BIN, SOURCE_DIR, Client, kyodoCli } from './harness.mjs';

export class Deployment {
  static async create({ towns, roles = ['admin'], config = '' }) {
    const d = new Deployment();
    d.dir = mkdtempSync(join(tmpdir(), 'kyodo-deploy-'));
    d.dataDir = join(d.dir, 'data');
    d.confPath = join(d.dir, 'kyodo.conf');
    writeFileSync(d.confPath, `[store]\ndata_dir = ${d.dataDir}\n${config}\n`);
    d.passwords = new Map();
    d.proc = null;
    d.logs = '';
    for (const [code, name] of towns) {
      const r = d.cli(['tenant', 'add', '--code', code, '--name', name]);
      assert.equal(r.status, 0, r.stderr);
      for (const role of roles) d.addUser(code, role);
    }
    return d;
  }

  cli(args, opts = {}) {
    return kyodoCli([...args, '--config', this.confPath], opts);
  }

  // Runs a command without blocking the event loop (so that clients keep
  // writing meanwhile): { child, done } where done resolves to
  // { status, signal, stdout, stderr }.
  spawnCli(args) {
    const child = spawn(BIN, [...args, '--config', this.confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (b) => { stdout += b.toString(); });
    child.stderr.on('data', (b) => { stderr += b.toString(); });
    const done = new Promise((resolve) => child.on('close', (status, signal) =>
      resolve({ status, signal, stdout, stderr })));
    return { child, done };
  }

  addUser(code, role) {
    const pw = `pw-${role}-${code}-${Math.random().toString(36).slice(2, 10)}`;
    const r = this.cli(['user', 'add', '--tenant', code, '--login', role.replace('_', '-'),
      '--name', `${role} ${code}`, '--role', role, '--password-stdin'], { input: pw + '\n' });
    assert.equal(r.status, 0, r.stderr);
    this.passwords.set(`${code}/${role}`, pw);
  }

  townDb(code) { return join(this.dataDir, 'towns', `${code}.db`); }
  controlDb() { return join(this.dataDir, 'control.db'); }

  // Starts the server on a free port; resolves once it listens.
  async start() {
    assert.equal(this.proc, null, 'already running');
    const proc = spawn(BIN, ['serve', '--config', this.confPath, '--port', '0', '--listen', '127.0.0.1',
      '--web', join(SOURCE_DIR, 'web')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let log = '';
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    this.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('kyodo did not start:\n' + log)), 30000);
      proc.stderr.on('data', (b) => {
        log += b.toString();
        const m = /"msg":"listening".*"port":(\d+)/.exec(log);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`kyodo exited ${code}:\n${log}`)); });
    });
    proc.stdout.on('data', (b) => { log += b.toString(); });
    this.base = `http://127.0.0.1:${this.port}`;
    this.log = () => log;
    return this.port;
  }

  // kill -9: nothing is flushed, nothing is finished.
  async kill9() {
    const p = this.proc;
    this.proc = null;
    p.kill('SIGKILL');
    const e = await this.exited;
    assert.equal(e.signal, 'SIGKILL', `expected a kill, got ${JSON.stringify(e)}`);
    this.logs += this.log();
  }

  // SIGTERM, then asserts a clean exit (status 0, no sanitizer report).
  async stop() {
    const p = this.proc;
    this.proc = null;
    p.kill('SIGTERM');
    let timer;
    const hung = new Promise((resolve) => { timer = setTimeout(() => { p.kill('SIGKILL'); resolve('hung'); }, 30000); });
    const first = await Promise.race([this.exited, hung]);
    clearTimeout(timer);
    const e = await this.exited;
    const log = this.log();
    this.logs += log;
    assert.notEqual(first, 'hung', `kyodo did not stop within 30 s:\n${log}`);
    assert.equal(e.code, 0, `kyodo exited ${JSON.stringify(e)}:\n${log}`);
    assert.doesNotMatch(log, /(AddressSanitizer|LeakSanitizer|runtime error:)/, log);
  }

  async as(code, role) {
    const c = new Client(this.base);
    const r = await c.post('/api/v1/session', { tenant: code, user: role.replace('_', '-'),
      password: this.passwords.get(`${code}/${role}`) });
    assert.equal(r.status, 201, r.text);
    return c;
  }

  remove() {
    if (this.proc) this.proc.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Runs sql on a database file with Debian's sqlite3; returns rows as objects.
export function sqlRows(db, sql) {
  const r = spawnSync('sqlite3', ['-json', db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${sql}: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// The whole contents of a database as SQL text (sqlite3 .dump), split into
// the audit log's rows and everything else, so that a restored town can be
// compared with its backup: everything else must be identical, and the
// audit log must be the backup's followed by the restore's own entry.
// (When `kyodo export` exists, its output is the other thing to compare.)
export function townDump(db) {
  const r = spawnSync('sqlite3', [db, '.dump'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr);
  const audit = [], rest = [];
  for (const line of r.stdout.split('\n'))
    (line.startsWith('INSERT INTO audit_log ') ? audit : rest).push(line);
  return { audit, rest: rest.join('\n') };
}

// The invariants a town database must hold after any crash: every 異動 is
// whole (its audit entry, its register event, a snapshot for each subject),
// every index row points at a snapshot, and SQLite finds no damage.
export function checkTownWhole(db) {
  const one = (sql) => Object.values(sqlRows(db, sql)[0])[0];
  assert.equal(one('PRAGMA integrity_check'), 'ok', `${db}: integrity_check`);
  assert.deepEqual(sqlRows(db, 'PRAGMA foreign_key_check'), [], `${db}: foreign keys`);
  const broken = {
    // (invented residents, kyodo residents generate, are one audit entry
    // for all their 異動, which carry the request id 'demo-synth')
    'a 異動 without its audit entry':
      "SELECT count(*) FROM idou i WHERE i.request_id <> 'demo-synth' AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.request_id = i.request_id)",
    'invented residents without the audit entry of their making':
      "SELECT count(*) FROM (SELECT 1 FROM idou WHERE request_id = 'demo-synth' LIMIT 1) WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE action = 'residents.synthesize')",
    // (a migrated history row — kyodo import — is a 異動 of the old system:
    // the feed does not publish it again)
    'a 異動 without its register event':
      'SELECT count(*) FROM idou i WHERE i.body NOT LIKE \'{"migrated":%\' AND NOT EXISTS (SELECT 1 FROM register_events e WHERE e.idou_id = i.id)',
    'a subject without its snapshot':
      'SELECT count(*) FROM idou_subjects s WHERE NOT EXISTS (SELECT 1 FROM resident_versions v WHERE v.atena = s.atena AND v.idou_id = s.idou_id)',
    'an index row without its snapshot':
      'SELECT count(*) FROM resident_index x WHERE NOT EXISTS (SELECT 1 FROM resident_versions v WHERE v.atena = x.atena AND v.rireki = x.rireki)',
  };
  for (const [what, sql] of Object.entries(broken))
    assert.equal(one(sql), 0, `${db}: ${what}`);
}

// Exports a town in every migration layout (kyodo export) into dir; returns
// { "<layout>/<file>": sha256 } of the files written, without the manifests
// (which carry the time of the export).
export const LAYOUTS = ['juki', 'jutogai', 'inkan'];
export function exportTown(d, code, dir) {
  const files = {};
  mkdirSync(dir, { recursive: true });
  for (const layout of LAYOUTS) {
    const out = join(dir, layout);
    const r = d.cli(['export', '--tenant', code, '--layout', layout, '--out', out,
      '--layouts', join(SOURCE_DIR, 'layouts')]);
    assert.equal(r.status, 0, `export ${layout}: ${r.stdout}${r.stderr}`);
    for (const f of readdirSync(out, { recursive: true })) {
      const p = join(out, f);
      if (f !== 'manifest.json' && statSync(p).isFile()) files[`${layout}/${f}`] = sha256File(p);
    }
  }
  return files;
}

export function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

// A 国内転入 of one or two new persons; unique names so every one can be
// looked for later.
let seq = 0;
export function tennyu(tag) {
  seq++;
  const n = `${tag}${seq}`;
  const persons = [{ kind: 'japanese', shimei: `試験 ${n}`, shimei_kana: 'シケン タロウ', birth: '1980-05-05',
    sex: 1, zokugara: '世帯主' }];
  if (seq % 2) persons.push({ kind: 'japanese', shimei: `試験 ${n}妻`, shimei_kana: 'シケン ハナコ',
    birth: '1982-07-07', sex: 2, zokugara: '妻' });
  return { kind: 'kokunai_tennyu', idou_date: '2024-04-01', todoke_date: '2024-04-03',
    changes: { postcode: '3770424', address: `群馬県吾妻郡中之条町大字中之条町${seq}番地`,
      prev_postcode: '3700001', prev_address: '群馬県高崎市八幡町1番地' }, persons };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
