// The command line on a PostgreSQL store: --store URL on any command, its
// errors, and what kyodo restore refuses on a PostgreSQL store. Runs under the
// api-pg label, on the cluster of KYODO_TEST_STORE.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kyodoCli, psql, TEST_STORE } from '../lib/harness.mjs';

assert.ok(TEST_STORE, 'KYODO_TEST_STORE must name a PostgreSQL server (ctest -L api-pg starts one)');
const db = `kyodo_cli_${process.pid}`;
psql(TEST_STORE, `CREATE DATABASE ${db}`);
const store = TEST_STORE.replace(/^(postgres(?:ql)?:\/\/[^/?]*)(\/[^?]*)?/, `$1/${db}`);
const dir = mkdtempSync(join(tmpdir(), 'kyodo-pg-cli-'));
const data = join(dir, 'data');

after(() => {
  psql(TEST_STORE, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args, input) => kyodoCli([...args, '--store', store, '--data', data], { input });

test('--store puts the registry and the towns in schemas of the database', () => {
  let r = cli(['tenant', 'add', '--code', '104213', '--name', '中之条町']);
  assert.equal(r.status, 0, r.stderr);
  r = cli(['user', 'add', '--tenant', '104213', '--login', 'admin', '--name', '管理 太郎',
    '--role', 'admin', '--password-stdin'], 'pg-cli-password-1\n');
  assert.equal(r.status, 0, r.stderr);
  r = cli(['tenant', 'list']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^104213\t中之条町\tactive\t/m);
  const schemas = psql(store, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kyodo%' OR nspname LIKE 'town%' ORDER BY 1");
  assert.deepEqual(schemas.trim().split('\n'), ['kyodo_control', 'town_104213']);
  assert.equal(psql(store, 'SELECT login FROM kyodo_control.users').trim(), 'admin');
  r = cli(['audit', 'verify', '--tenant', '104213']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /audit chain intact: 2 entries/);
  // The same code twice: refused, nothing changed.
  r = cli(['tenant', 'add', '--code', '104213', '--name', '中之条町']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /already registered/);
});

test('a store that is not a PostgreSQL URL, or a server not there, is a clear error', () => {
  let r = kyodoCli(['tenant', 'list', '--store', 'mysql://db/kyodo', '--data', data]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^kyodo: store: store must be a postgresql:\/\/ URL/);
  r = kyodoCli(['tenant', 'list', '--store', `postgresql:///${db}?host=${dir}/nowhere&user=postgres`,
    '--data', data]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot connect to PostgreSQL/);
  assert.doesNotMatch(r.stderr, /password/i);
});

test('kyodo restore on PostgreSQL refuses a town that has its schema, and says what to do', () => {
  let r = cli(['backup', '--tenant', '104213', '--out', join(dir, 'backup')]);
  assert.equal(r.status, 0, r.stderr);
  r = cli(['restore', '--tenant', '104213', '--from', join(dir, 'backup')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /town 104213 has a schema: on PostgreSQL kyodo restore puts back a dropped town only/);
  assert.match(r.stderr, /kyodo tenant drop/);
});
