// The consortium secretariat's sheets over the API: the seed's three tables
// reproduced from data/consortium/agatsuma/, the flagged figure, the
// allocation, PDF and CSV reports, and bad input answered 400 naming the item.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKyodo, assertError, DEMO_TOWNS, SOURCE_DIR } from '../lib/harness.mjs';

const [A, B] = ['104213', '104248'];
const seed = (name) => readFileSync(join(SOURCE_DIR, 'data', 'consortium', 'agatsuma', name), 'utf8');

let k;
let jimA; // the secretariat, signed in through 中之条町
let jimB; // the secretariat, signed in through 長野原町
let auditorA;
const ids = {};

async function addUser(code, login, role) {
  const pw = `pw-${login}-${code}-${Math.random().toString(36).slice(2, 10)}`;
  const r = k.cli(['user', 'add', '--tenant', code, '--login', login, '--name', `${login} ${code}`,
    '--role', role, '--password-stdin'], { input: pw + '\n' });
  assert.equal(r.status, 0, r.stderr);
  return k.login(code, login, pw);
}

before(async () => {
  // Every sheet of the seed names the six towns: all six are registered.
  k = await startKyodo({ towns: DEMO_TOWNS, users: false });
  jimA = await addUser(A, 'jimukyoku', 'consortium_admin');
  jimB = await addUser(B, 'jimukyoku', 'consortium_admin');
  auditorA = await addUser(A, 'kansa', 'auditor');
});
after(async () => { await k.stop(); });

const figure = (result, row, what) => result.figures.find((f) => f.row === row && f.what === what);

test('the seed\'s proposal table: every printed figure reproduced but A社\'s 1次評価点, which is flagged', async () => {
  const r = await jimA.post('/api/v1/consortium/sheets', { text: seed('proposal.tsv') });
  assert.equal(r.status, 201, r.text);
  ids.proposal = r.json.id;
  assert.equal(r.json.kind, 'proposal');
  assert.equal(r.json.title, '基幹系システムプロポーザル集計結果');
  assert.equal(r.json.updated_by, `${A}/jimukyoku`);
  const res = r.json.result;
  assert.equal(res.mismatches, 1);
  assert.equal(res.figures.length, 9);
  const bad = res.figures.filter((f) => !f.matches);
  assert.deepEqual(bad, [{ row: 'A社', what: '1次評価点', computed: '26.85', printed: '28.85', matches: false }]);
  assert.equal(figure(res, 'A社', '合計').computed, '64.76');
  assert.equal(figure(res, 'B社', '合計').computed, '74.17');
  assert.equal(figure(res, '2次', '経費配点').computed, '50%');
  // The table shows the computed value, flagged, with the printed one.
  const first = res.tables[0].rows[0].cells;
  assert.deepEqual(first.map((c) => c.text), ['A社', '1次', '住民', '65.62', '67.13', '40%', '26.85', '64.76', '2位']);
  assert.deepEqual(first[6], { text: '26.85', flag: true, printed: '28.85' });
  assert.equal(res.tables[1].caption, '順位');
  assert.deepEqual(res.tables[1].rows.map((row) => row.cells[1].text), ['B社', 'A社']);
  assert.ok(res.notes.some((n) => n.includes('28.85') && n.includes('26.85')));
});

test('the seed\'s cost comparison and joint procurement: every printed figure reproduced', async () => {
  for (const [name, count] of [['costs', 38], ['procurement', 29]]) {
    const r = await jimA.post('/api/v1/consortium/sheets', { text: seed(`${name}.tsv`) });
    assert.equal(r.status, 201, r.text);
    ids[name] = r.json.id;
    assert.equal(r.json.result.mismatches, 0, name);
    assert.equal(r.json.result.figures.length, count, name);
    assert.ok(r.json.result.figures.every((f) => f.matches), name);
  }
  const costs = (await jimA.get(`/api/v1/consortium/sheets/${ids.costs}`)).json.result;
  const total = costs.tables[0].rows.at(-1);
  assert.equal(total.total, true);
  assert.deepEqual(total.cells.map((c) => c.text),
    ['合計', '', '836,000', '1,279,834', '443,834', '34.68%', '180,360', '1,016,360', '263,474', '20.59%']);
  const proc = (await jimA.get(`/api/v1/consortium/sheets/${ids.procurement}`)).json.result;
  assert.equal(figure(proc, 'No.9', '減額率').computed, '10.62%');
});

test('the allocation sums exactly to each cost', async () => {
  const r = await jimA.post('/api/v1/consortium/sheets', { text: seed('allocation.tsv'), title: '按分の例' });
  assert.equal(r.status, 201, r.text);
  ids.allocation = r.json.id;
  assert.equal(r.json.title, '按分の例');
  const t = r.json.result.tables[0];
  const num = (s) => Number(s.replaceAll(',', ''));
  const towns = t.rows.filter((row) => !row.total);
  assert.equal(towns.length, 6);
  for (const [col, amount] of [[2, 1000000], [3, 10000000], [4, 3000000]])
    assert.equal(towns.reduce((s, row) => s + num(row.cells[col].text), 0), amount);
  assert.equal(towns[0].cells[2].text, '166,667');
  assert.equal(towns[5].cells[2].text, '166,666');
});

test('sheets are the consortium\'s: the secretariat of another town sees and changes the same ones', async () => {
  const list = await jimB.get('/api/v1/consortium/sheets');
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.items.map((s) => s.kind), ['allocation', 'procurement', 'costs', 'proposal']);
  const only = await jimB.get('/api/v1/consortium/sheets?kind=costs');
  assert.deepEqual(only.json.items.map((s) => s.id), [ids.costs]);
  assertError(await jimB.get('/api/v1/consortium/sheets?kind=taxes'), 400, 'invalid_value', 'kind');
  assertError(await jimB.get('/api/v1/consortium/sheets?town=104213'), 400, 'unknown_field', 'town');
  const renamed = await jimB.patch(`/api/v1/consortium/sheets/${ids.allocation}`, { title: '按分の例（改）' });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.json.title, '按分の例（改）');
  assert.equal(renamed.json.updated_by, `${B}/jimukyoku`);
  assertError(await jimB.patch(`/api/v1/consortium/sheets/${ids.allocation}`, {}), 400, 'bad_request');
  assertError(await jimB.patch(`/api/v1/consortium/sheets/${ids.allocation}`, { title: '' }), 400, 'invalid_value', 'title');
  assertError(await jimB.get('/api/v1/consortium/sheets/99999'), 404, 'not_found');
  assertError(await jimB.get('/api/v1/consortium/sheets/abc'), 404, 'not_found');
});

test('the report as PDF (Japanese text, embedded subset fonts, the flagged figure) and as CSV', async () => {
  const r = await fetch(`${k.base}/api/v1/consortium/sheets/${ids.proposal}/report.pdf`,
    { headers: { Cookie: `kyodo_session=${jimA.cookie}` } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.match(r.headers.get('content-disposition'), /attachment; filename="consortium-proposal-\d+\.pdf"/);
  const pdf = Buffer.from(await r.arrayBuffer());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const dir = mkdtempSync(join(tmpdir(), 'kyodo-cons-'));
  try {
    const file = join(dir, 'r.pdf');
    writeFileSync(file, pdf);
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout;
    assert.match(text, /基幹系システムプロポーザル集計結果/);
    assert.match(text, /26\.85 ※資料 28\.85/);
    assert.match(text, /74\.17/);
    const fonts = spawnSync('pdffonts', [file], { encoding: 'utf8' }).stdout.trim().split('\n').slice(2);
    assert.ok(fonts.length >= 2);
    for (const line of fonts) assert.match(line, /^[A-Z]{6}\+\S+\s.*\byes\s+yes\s+yes\b/, line);
    assert.ok(fonts.some((l) => l.includes('IPAexGothic')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const csv = await fetch(`${k.base}/api/v1/consortium/sheets/${ids.costs}/report.csv`,
    { headers: { Cookie: `kyodo_session=${jimA.cookie}` } });
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  const bytes = Buffer.from(await csv.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a byte-order mark for spreadsheet programs');
  const csvText = bytes.subarray(3).toString('utf8');
  assert.ok(csvText.includes('中之条町,A→B,"174,277","216,715","42,438",19.58%,"38,910","213,187","3,528",1.63%\r\n'), csvText);
});

test('compute checks a sheet without storing it', async () => {
  const before = (await jimA.get('/api/v1/consortium/sheets')).json.items.length;
  const r = await jimA.post('/api/v1/consortium/compute', { text: seed('procurement.tsv') });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, 'procurement');
  assert.equal((await jimA.get('/api/v1/consortium/sheets')).json.items.length, before);
});

// Bad input: [file, from, to, code, field, message fragment].
const BAD = [
  ['proposal.tsv', 'average\tA社\t1次\t税務\t63.13\n', '', 'missing_field', 'A社/1次/税務', /missing scores/],
  ['proposal.tsv', 'average\tA社\t2次\t推進会議\t63.19\n',
    'score\tA社\t2次\t推進会議\t委員1\t5\t5\t5\t5\t10\t5\t5\t11\t10\t5\t5\t10\t10\t5\t5\n',
    'invalid_value', 'A社/2次/推進会議/委員1/課題4-3', /off the scale 1-10/],
  ['proposal.tsv', 'average\tA社\t2次\t推進会議\t63.19\n',
    'score\tA社\t2次\t推進会議\t委員1\t5\t5\t5\t5\t10\t5\t5\t\t10\t5\t5\t10\t10\t5\t5\n',
    'missing_field', 'A社/2次/推進会議/委員1/課題4-3', /missing score/],
  ['proposal.tsv', 'stage\t1次\t40%', 'stage\t1次\t45%', 'invalid_value', 'stage', /105\.00%, not 100%/],
  ['proposal.tsv', '\t課題10\t自由提案\t10%\n', '\t課題10\t自由提案\t5%\n', 'invalid_value', '1次', /95\.00%/],
  ['costs.tsv', '121,093', '-121,093', 'invalid_value', '長野原町/A', /0 or more/],
  ['costs.tsv', '241,731', '二十四万', 'invalid_value', '長野原町/B', /whole number/],
  ['costs.tsv', '104281\t高山村', '104272\t川場村', 'invalid_value', '川場村', /unknown town/],
  ['procurement.tsv', '\t4,725,000\t', '\t4,725,000円\t', 'invalid_value', 'No.6/budget', /whole number/],
  ['allocation.tsv', '\t均等:30,人口:70', '\t均等:40,人口:70', 'invalid_value', '共通経費', /110%/],
];

test('bad sheets are 400 naming the item and the line, and nothing is stored', async () => {
  const count = (await jimA.get('/api/v1/consortium/sheets')).json.items.length;
  for (const [file, from, to, code, field, message] of BAD) {
    const text = seed(file);
    assert.ok(text.includes(from), `${file}: ${from}`);
    const r = await jimA.post('/api/v1/consortium/sheets', { text: text.replace(from, to) });
    assertError(r, 400, code, field);
    assert.match(r.json.error.message, message);
    // The line, when the problem is on one (a missing record has none).
    assert.match(r.json.error.message, /^text( line \d+)?: /);
    const c = await jimA.post('/api/v1/consortium/compute', { text: text.replace(from, to) });
    assertError(c, 400, code, field);
    const p = await jimA.patch(`/api/v1/consortium/sheets/${ids.costs}`, { text: text.replace(from, to) });
    assertError(p, 400, code, field);
  }
  assertError(await jimA.post('/api/v1/consortium/sheets', {}), 400, 'missing_field', 'text');
  assertError(await jimA.post('/api/v1/consortium/sheets', { text: 42 }), 400, 'wrong_type', 'text');
  assertError(await jimA.post('/api/v1/consortium/sheets', { text: 'hello' }), 400, 'missing_field', 'kind');
  assertError(await jimA.post('/api/v1/consortium/sheets', { text: 'kind\tcosts\n' }), 400, 'missing_field', 'town');
  assertError(await jimA.post('/api/v1/consortium/sheets', { text: seed('costs.tsv'), tenant: A }), 400, 'unknown_field', 'tenant');
  assert.equal((await jimA.get('/api/v1/consortium/sheets')).json.items.length, count);
  // The costs sheet is unchanged by the refused updates.
  assert.equal((await jimA.get(`/api/v1/consortium/sheets/${ids.costs}`)).json.text, seed('costs.tsv'));
});

test('arbitrary text is never a 5xx', async () => {
  const pieces = ['kind\tproposal', 'kind\tcosts', 'kind\tprocurement', 'kind\tallocation', 'stage\t1次\t100',
    'vendor\tX', 'department\t1次\t住民', 'score\tX\t1次\t住民\ta\t1', 'average\tX\t1次\t住民\t50',
    'town\t104213\t中之条町\t1\t2\t3', 'item\t1\t中之条町\tPC\t1\t1\t1\t1', 'orderer\t104213\t中之条町',
    'cost\tx\t1\t均等', 'printed\tX\t合計\t1', 'unit\t千円', '\t\t\t', '#', '9'.repeat(30), '-1', '1,00', '\u0000'];
  let seedNo = 7;
  const rnd = (n) => { seedNo = (seedNo * 1103515245 + 12345) % 2147483648; return seedNo % n; };
  for (let i = 0; i < 60; i++) {
    const lines = [];
    for (let j = 0; j < 1 + rnd(8); j++) lines.push(pieces[rnd(pieces.length)]);
    const r = await jimA.post('/api/v1/consortium/compute', { text: lines.join('\n') });
    assert.ok(r.status === 200 || r.status === 400, `${r.status}: ${JSON.stringify(lines)} ${r.text}`);
  }
});

test('changes are in the audit log of the acting user\'s town; deleting a sheet', async () => {
  const del = await jimB.del(`/api/v1/consortium/sheets/${ids.allocation}`);
  assert.equal(del.status, 204, del.text);
  assertError(await jimB.del(`/api/v1/consortium/sheets/${ids.allocation}`), 404, 'not_found');
  const log = await auditorA.get('/api/v1/audit?action=consortium.sheet.create');
  assert.equal(log.status, 200, log.text);
  assert.equal(log.json.items.length, 4);
  assert.ok(log.json.items.every((e) => e.user === 'jimukyoku' && e.role === 'consortium_admin'));
  assert.ok(log.json.items.every((e) => e.purpose === '協議会集計表'));
  // 長野原町's secretariat renamed and deleted: not in 中之条町's log.
  const upd = await auditorA.get('/api/v1/audit?action=consortium.sheet.delete');
  assert.equal(upd.json.items.length, 0);
});
