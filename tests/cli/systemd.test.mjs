// The systemd unit (packaging/systemd/kyodo.service): it names the right
// binary, flags and configuration, reloads with SIGHUP, keeps its hardening;
// systemd-analyze verify finds nothing to say about it (with the unit's
// binary path pointed at the one under test), and its exposure score stays
// low. The server's side of Type=notify is tested in tests/cli/notify.test.mjs
// (the messages of a running server) and tests/unit/test_ops.c, the reload in
// tests/api/ops.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, SOURCE_DIR } from '../lib/harness.mjs';

const UNIT = join(SOURCE_DIR, 'packaging', 'systemd', 'kyodo.service');

// [section] → Map(key → [values]) (a key may repeat).
function parseUnit(text) {
  const sections = new Map();
  let cur = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(\w+)\]$/.exec(line);
    if (sec) {
      cur = new Map();
      sections.set(sec[1], cur);
      continue;
    }
    assert.ok(cur, `a key before any section: ${line}`);
    const i = line.indexOf('=');
    assert.ok(i > 0, `not key=value: ${line}`);
    const k = line.slice(0, i);
    if (!cur.has(k)) cur.set(k, []);
    cur.get(k).push(line.slice(i + 1));
  }
  return sections;
}

test('the unit runs `kyodo serve` under its own user, notifies, reloads with SIGHUP', () => {
  const u = parseUnit(readFileSync(UNIT, 'utf8'));
  const s = u.get('Service');
  const one = (k) => { assert.equal(s.get(k)?.length, 1, k); return s.get(k)[0]; };
  assert.equal(one('ExecStart'), '/usr/bin/kyodo serve --config /etc/kyodo/kyodo.conf');
  assert.equal(one('Type'), 'notify');
  assert.equal(one('NotifyAccess'), 'main');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('User'), 'kyodo');
  assert.equal(one('Group'), 'kyodo');
  assert.equal(one('KillSignal'), 'SIGTERM');
  // Longer than the default shutdown_grace (10 s), so requests can finish.
  assert.ok(parseInt(one('TimeoutStopSec'), 10) > 10);
  // The configuration the unit names is the one in packaging/.
  const conf = readFileSync(join(SOURCE_DIR, 'packaging', 'kyodo.conf'), 'utf8');
  assert.match(conf, /^data_dir = \/var\/lib\/kyodo$/m);
  assert.equal(one('StateDirectory'), 'kyodo');
  assert.equal(one('ReadWritePaths'), '/var/lib/kyodo');
  assert.equal(u.get('Install').get('WantedBy')[0], 'multi-user.target');
  const sysusers = readFileSync(join(SOURCE_DIR, 'packaging', 'systemd', 'kyodo.sysusers.conf'), 'utf8');
  assert.match(sysusers, /^u kyodo - .* \/var\/lib\/kyodo /m);
});

test('the unit is hardened', () => {
  const s = parseUnit(readFileSync(UNIT, 'utf8')).get('Service');
  const want = {
    NoNewPrivileges: 'yes', ProtectSystem: 'strict', PrivateTmp: 'yes', PrivateDevices: 'yes',
    ProtectHome: 'yes', CapabilityBoundingSet: '', AmbientCapabilities: '',
    RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6', RestrictSUIDSGID: 'yes',
    MemoryDenyWriteExecute: 'yes', LockPersonality: 'yes', UMask: '0077',
  };
  for (const [k, v] of Object.entries(want)) assert.deepEqual(s.get(k), [v], k);
  assert.ok(s.get('MemoryMax')?.length === 1, 'MemoryMax');
  assert.ok(parseInt(s.get('TasksMax')[0], 10) >= 32, 'TasksMax leaves room for the threads');
  assert.ok(s.get('SystemCallFilter').includes('@system-service'));
});

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });

test('systemd-analyze verify: no warning; exposure below 2', { skip: analyze.status !== 0 && 'systemd-analyze is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyodo-unit-'));
  try {
    const path = join(dir, 'kyodo.service');
    writeFileSync(path, readFileSync(UNIT, 'utf8').replace(/\/usr\/bin\/kyodo/g, BIN));
    const v = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    // Unknown or misspelled keys are only warnings: there must be none.
    assert.doesNotMatch(v.stderr + v.stdout, /kyodo\.service/, v.stderr);
    // The check fails for a misspelled key (so it can fail at all).
    writeFileSync(path, readFileSync(UNIT, 'utf8').replace(/\/usr\/bin\/kyodo/g, BIN)
      .replace('NoNewPrivileges=', 'NoNewPrivilege='));
    const bad = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    assert.match(bad.stderr, /Unknown key 'NoNewPrivilege'/);
    writeFileSync(path, readFileSync(UNIT, 'utf8').replace(/\/usr\/bin\/kyodo/g, BIN));
    const sec = spawnSync('systemd-analyze', ['security', '--offline=yes', path], { encoding: 'utf8' });
    assert.equal(sec.status, 0, sec.stderr);
    const m = /Overall exposure level for kyodo\.service: ([0-9.]+)/.exec(sec.stdout + sec.stderr);
    assert.ok(m, sec.stdout + sec.stderr);
    assert.ok(Number(m[1]) < 2, `exposure ${m[1]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
