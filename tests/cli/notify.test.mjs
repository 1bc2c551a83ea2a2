// kyodo serve under a service manager (Type=notify): READY=1 once it
// listens, RELOADING=1 then READY=1 around a SIGHUP reload, STOPPING=1 at
// SIGTERM — the datagrams systemd reads from $NOTIFY_SOCKET. Node cannot
// receive unix datagrams, so a few lines of Python (Debian's python3) stand
// in for systemd's socket.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, SOURCE_DIR, kyodoCli, sleep } from '../lib/harness.mjs';

const PYTHON = '/usr/bin/python3';
const havePython = spawnSync(PYTHON, ['-c', 'import socket'], { encoding: 'utf8' }).status === 0;

// Binds the socket, says "bound", then prints each datagram as one JSON line.
const SINK = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    print(json.dumps(s.recv(4096).decode()), flush=True)
`;

test('kyodo serve notifies ready, reloading and stopping', { skip: !havePython && `${PYTHON} is not installed` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyodo-notify-'));
  const sock = join(dir, 'notify');
  const conf = join(dir, 'kyodo.conf');
  writeFileSync(conf, `[store]\ndata_dir = ${join(dir, 'data')}\n`);
  assert.equal(kyodoCli(['tenant', 'add', '--code', '104213', '--name', '中之条町', '--config', conf]).status, 0);
  const sink = spawn(PYTHON, ['-c', SINK, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  const got = [];
  let out = '';
  sink.stdout.on('data', (d) => {
    out += d.toString();
    for (let i; (i = out.indexOf('\n')) >= 0; out = out.slice(i + 1)) {
      const line = out.slice(0, i);
      if (line !== 'bound') got.push(JSON.parse(line));
      else got.push('bound');
    }
  });
  const wait = async (pred, what) => {
    for (let i = 0; i < 200; i++) {
      if (got.some(pred)) return;
      await sleep(25);
    }
    assert.fail(`no ${what}; got ${JSON.stringify(got)}\n${log}`);
  };
  let log = '';
  let kyodo;
  try {
    await wait((m) => m === 'bound', 'socket');
    kyodo = spawn(BIN, ['serve', '--config', conf, '--port', '0', '--web', join(SOURCE_DIR, 'web')],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: sock } });
    kyodo.stderr.on('data', (d) => { log += d.toString(); });
    const exited = new Promise((resolve) => kyodo.on('exit', (code, signal) => resolve({ code, signal })));
    await wait((m) => typeof m === 'string' && m.startsWith('READY=1'), 'READY=1');
    // The log is written by a background thread: the line comes within 50 ms.
    for (let i = 0; i < 40 && !/"msg":"listening"/.test(log); i++) await sleep(25);
    assert.match(log, /"msg":"listening"/, 'ready once it listens');
    assert.equal(got.filter((m) => String(m).startsWith('READY=1'))[0], 'READY=1\nSTATUS=serving');

    kyodo.kill('SIGHUP');
    await wait((m) => String(m).startsWith('RELOADING=1'), 'RELOADING=1');
    const at = got.findIndex((m) => String(m).startsWith('RELOADING=1'));
    assert.match(got[at], /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    await wait((m, i) => i > at && String(m).startsWith('READY=1'), 'READY=1 after the reload');

    kyodo.kill('SIGTERM');
    await wait((m) => String(m).startsWith('STOPPING=1'), 'STOPPING=1');
    assert.deepEqual(await exited, { code: 0, signal: null }, log);
    assert.doesNotMatch(log, /(AddressSanitizer|LeakSanitizer|runtime error:)/, log);
  } finally {
    kyodo?.kill('SIGKILL');
    sink.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
