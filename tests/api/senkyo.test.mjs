// 選挙人名簿 over the API: the 投票区 table (checked by field, versions kept),
// the roll on a 基準日 (age, three months from the 届出, 転出表示, 外国人住民,
// 失権) in pages that all read the same instant, 選挙時登録 (age on the
// 選挙期日), known_at giving an earlier roll again, 失権 entries (added,
// replaced, withdrawn, audited per person), CSV in UTF-8 and CP932 (a
// character CP932 lacks refused by row and column, or written as 〓), the
// printed roll and count read back with pdftotext and pdffonts, the count by
// 投票区 and sex, one audit entry per export with its criteria, bad input by
// field, and another town seeing nothing.
//
// KYODO_SENKYO_SAMPLES=DIR keeps the PDFs there (docs/senkyo/).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKyodo, assertError } from '../lib/harness.mjs';

const [A, B] = ['104213', '104248'];
const ADDR = '群馬県吾妻郡中之条町大字';
const KIJUN = '2025-09-01';
let k, clerk, clerkB, tax, auditor, work;
const p = {}; // 宛名番号 by name

async function idou(body) {
  const r = await clerk.post('/api/v1/residents/idou', body);
  assert.equal(r.status, 201, `${body.kind}: ${r.text}`);
  return r.json.atena[0];
}
const person = (shimei, kana, birth, sex, extra = {}) =>
  ({ kind: 'japanese', shimei, shimei_kana: kana, birth, sex, zokugara: '世帯主', ...extra });
const moveIn = (date, todoke, address, persons) => idou({ kind: 'kokunai_tennyu', idou_date: date,
  ...(todoke ? { todoke_date: todoke } : {}), changes: { postcode: '3770424', address }, persons });
const moveOut = (atena, date) => idou({ kind: 'kokunai_tenshutsu', idou_date: date, subjects: [{ atena }],
  changes: { dest_address: '群馬県前橋市大手町1番地' } });

// GETs a file and keeps its bytes.
async function file(path, client = clerk) {
  const res = await fetch(k.base + path, { headers: { Cookie: `kyodo_session=${client.cookie}` } });
  const buf = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const json = type.startsWith('application/json') ? JSON.parse(buf.toString('utf8')) : null;
  return { status: res.status, headers: res.headers, buf, json, text: json ? buf.toString('utf8') : `<${type}>` };
}

function tool(name, args, buf) {
  const f = join(work, `s-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(f, buf);
  const r = spawnSync(name, [...args, f, ...(name === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  return r.stdout;
}
const pdfText = (buf) => tool('pdftotext', ['-layout'], buf).replace(/\s+/g, '');
const sample = (name, buf) => {
  if (process.env.KYODO_SENKYO_SAMPLES) writeFileSync(join(process.env.KYODO_SENKYO_SAMPLES, name), buf);
};

const roll = (query = '', client = clerk) => client.get(`/api/v1/senkyo/meibo?kijun_date=${KIJUN}${query}`);
const names = (items) => items.map((e) => e.shimei);

const DISTRICTS = { districts: [
  { code: '01', name: '中之条', default: true, prefixes: ['大字中之条町'] },
  { code: '02', name: '伊勢町', place: '伊勢町公民館', prefixes: ['伊勢町'] },
] };

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kyodo-senkyo-'));
  k = await startKyodo({ towns: [[A, '中之条町'], [B, '長野原町']] });
  clerk = await k.as(A, 'residents_clerk');
  clerkB = await k.as(B, 'residents_clerk');
  tax = await k.as(A, 'tax_clerk');
  auditor = await k.as(A, 'auditor');

  // A household: 太郎, 花子, 一郎 (18 on 9/1), 次郎 (18 on 9/2).
  const r = await clerk.post('/api/v1/residents/idou', { kind: 'kokunai_tennyu', idou_date: '2020-04-01',
    todoke_date: '2020-04-03', changes: { postcode: '3770424', address: `${ADDR}中之条町1000番地`, katagaki: 'コーポ中之条101' },
    persons: [person('山田 太郎', 'ヤマダ タロウ', '1980-05-05', 1),
      { ...person('山田 花子', 'ヤマダ ハナコ', '1982-07-07', 2), zokugara: '妻' },
      { ...person('山田 一郎', 'ヤマダ イチロウ', '2007-09-02', 1), zokugara: '子' },
      { ...person('山田 次郎', 'ヤマダ ジロウ', '2007-09-03', 1), zokugara: '子' }] });
  assert.equal(r.status, 201, r.text);
  [p.taro, p.hanako, p.ichiro, p.jiro] = r.json.atena;
  // 伊勢町: a 届出 on 6/1 (in on 9/1), one on 6/2 (not), one at 1000番地 with
  // 鷗 (no CP932 code), a foreign resident.
  p.sato = await moveIn('2025-05-25', '2025-06-01', `${ADDR}伊勢町99番地`, [person('佐藤 一', 'サトウ ハジメ', '1990-01-01', 1)]);
  p.suzuki = await moveIn('2025-06-01', '2025-06-02', `${ADDR}伊勢町5番地`, [person('鈴木 二', 'スズキ ニ', '1990-01-01', 2)]);
  p.kamome = await moveIn('2019-01-01', '2019-01-05', `${ADDR}伊勢町1000番地`, [person('鷗山 葵', 'カモヤマ アオイ', '1970-02-02', 2)]);
  p.lin = await moveIn('2019-01-01', '2019-01-01', `${ADDR}伊勢町1000番地`, [{ kind: 'foreign', shimei: '林 美玲',
    shimei_kana: 'リン メイリン', birth: '1990-02-03', sex: 2, zokugara: '世帯主', nationality: '中国', zairyu_kubun: '特別永住者' }]);
  // Moved out on 5/2 (転出表示 on 9/1) and on 5/1 (off); died.
  p.ito = await moveIn('2020-01-01', '2020-01-01', `${ADDR}中之条町20番地`, [person('伊藤 四', 'イトウ シ', '1960-01-01', 1)]);
  await moveOut(p.ito, '2025-05-02');
  p.watanabe = await moveIn('2020-01-01', '2020-01-01', `${ADDR}中之条町21番地`, [person('渡辺 五', 'ワタナベ ゴ', '1960-01-01', 1)]);
  await moveOut(p.watanabe, '2025-05-01');
  p.nakamura = await moveIn('2020-01-01', '2020-01-01', `${ADDR}中之条町22番地`, [person('中村 六', 'ナカムラ ロク', '1940-01-01', 1)]);
  await idou({ kind: 'shibou', idou_date: '2025-08-01', subjects: [{ atena: p.nakamura }] });
  // No 届出日 recorded: the 異動日 counts.
  p.takahashi = await moveIn('2025-05-01', null, `${ADDR}中之条町7番地`, [person('高橋 三', 'タカハシ サン', '1991-01-01', 1)]);
  // Away from the prefixes: the default district.
  p.kato = await moveIn('2020-01-01', '2020-01-01', `${ADDR}折田5番地`, [person('加藤 八', 'カトウ ハチ', '1950-01-01', 1)]);
  p.yoshida = await moveIn('2020-01-01', '2020-01-01', `${ADDR}中之条町50番地`, [person('吉田 九', 'ヨシダ キュウ', '1975-01-01', 1)]);
});
after(async () => {
  await k.stop();
  rmSync(work, { recursive: true, force: true });
});

test('no 投票区 table yet: version 0, and the roll has no districts', async () => {
  const t = await clerk.get('/api/v1/senkyo/districts');
  assert.equal(t.status, 200, t.text);
  assert.deepEqual(t.json, { version: 0, set_at: null, set_by: null, districts: [] });
  const r = await roll('&limit=1000');
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.every((e) => e.district === null));
  assert.equal(r.json.districts_version, 0);
});

test('the 投票区 table is checked by field, then stored with its version', async () => {
  const bad = [
    [{ districts: [{ code: '01', name: 'a', default: true }, { code: '01', name: 'b' }] }, 'invalid_value', 'districts[1].code'],
    [{ districts: [{ code: '0 1', name: 'a', default: true }] }, 'invalid_value', 'districts[0].code'],
    [{ districts: [{ code: '01', name: 'a' }] }, 'invalid_value', 'districts'],
    [{ districts: [{ code: '01', name: 'a', default: true }, { code: '02', name: 'b', default: true }] }, 'invalid_value', 'districts'],
    [{ districts: [{ code: '01', name: 'a', default: true, prefixes: ['折田', '大字折田'] }] }, 'invalid_value', 'districts[0].prefixes[1]'],
    [{ districts: [{ code: '01', name: 'a', default: true, prefixes: [7] }] }, 'wrong_type', 'districts[0].prefixes[0]'],
    [{ districts: [{ code: '01', name: 'a', default: true, colour: 'red' }] }, 'unknown_field', 'districts[0].colour'],
    [{ districts: [{ code: '01', name: '', default: true }] }, 'invalid_value', 'districts[0].name'],
    [{ districts: [] }, 'missing_field', 'districts'],
    [{ districts: 'x' }, 'wrong_type', 'districts'],
    [{}, 'missing_field', 'districts'],
  ];
  for (const [body, code, field] of bad)
    assertError(await clerk.put('/api/v1/senkyo/districts', body), 400, code, field);
  assert.equal((await clerk.get('/api/v1/senkyo/districts')).json.version, 0, 'nothing was stored');
  const r = await clerk.put('/api/v1/senkyo/districts', DISTRICTS);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.version, 1);
  assert.equal(r.json.set_by, 'residents-clerk');
  assert.deepEqual(r.json.districts[0].prefixes, ['中之条町'], 'a leading 大字 is cut');
  assert.equal(r.json.districts[1].place, '伊勢町公民館');
  assertError(await tax.put('/api/v1/senkyo/districts', DISTRICTS), 403, 'forbidden');
});

let firstRoll;

test('the roll on 令和7年9月1日: who is on and why, in order, numbered by 投票区', async () => {
  const r = await roll('&limit=1000');
  assert.equal(r.status, 200, r.text);
  firstRoll = r.json;
  assert.equal(r.json.kijun_date, KIJUN);
  assert.equal(r.json.senkyo_date, null);
  assert.equal(r.json.age_date, KIJUN);
  assert.deepEqual(r.json.registration, { code: 'teiji', label: '定時登録' });
  assert.equal(r.json.districts_version, 1);
  assert.equal(r.json.next, null);
  const by = Object.fromEntries(r.json.items.map((e) => [e.atena, e]));
  for (const who of ['taro', 'hanako', 'ichiro', 'sato', 'kamome', 'ito', 'takahashi', 'kato', 'yoshida'])
    assert.ok(by[p[who]], `${who} is on the roll`);
  for (const who of ['jiro', 'suzuki', 'lin', 'watanabe', 'nakamura'])
    assert.ok(!by[p[who]], `${who} is not`);
  assert.equal(r.json.total, 9);
  // 転出表示; the 起算日 and its basis.
  assert.equal(by[p.ito].status, 'moved_out');
  assert.equal(by[p.ito].status_label, '転出表示');
  assert.equal(by[p.ito].moved_out_date, '2025-05-02');
  assert.equal(by[p.sato].start_date, '2025-06-01');
  assert.equal(by[p.sato].start_basis, 'todoke');
  assert.equal(by[p.takahashi].start_basis, 'idou_date');
  assert.equal(by[p.taro].birth_wareki, '昭和55年5月5日');
  assert.equal(by[p.ichiro].birth_wareki, '平成19年9月2日');
  // Districts: the default takes 折田; 伊勢町 in address order, numbered from 1.
  assert.deepEqual(by[p.kato].district, { code: '01', name: '中之条' });
  assert.equal(by[p.kato].by_default, true);
  const ise = r.json.items.filter((e) => e.district.code === '02');
  assert.deepEqual(names(ise), ['佐藤 一', '鷗山 葵']); // 99番地 before 1000番地
  assert.deepEqual(ise.map((e) => e.number), [1, 2]);
  // 01: addresses in order (7, 20, 50, 1000 番地, then 折田), the household by 続柄.
  const one = r.json.items.filter((e) => e.district.code === '01');
  assert.deepEqual(names(one), ['高橋 三', '伊藤 四', '吉田 九', '山田 太郎', '山田 花子', '山田 一郎', '加藤 八']);
  assert.deepEqual(one.map((e) => e.number), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(by[p.taro].katagaki, 'コーポ中之条101');
});

test('pages read one roll: the cursor keeps the instant, and they add up to the whole', async () => {
  const got = [];
  let next = null;
  let pages = 0;
  do {
    const r = await roll(`&limit=2${next ? `&after=${next}` : ''}`);
    assert.equal(r.status, 200, r.text);
    got.push(...r.json.items);
    if (pages === 0) assert.ok(r.json.next.startsWith(String(Date.parse(r.json.known_at))));
    else assert.equal(r.json.known_at, got.known);
    got.known ??= r.json.known_at;
    next = r.json.next;
    pages++;
  } while (next);
  assert.equal(pages, 5);
  assert.deepEqual(got.map((e) => e.atena), firstRoll.items.map((e) => e.atena));
  // One 投票区.
  const d = await roll('&district=02');
  assert.equal(d.json.total, 2);
  assert.deepEqual(d.json.district, { code: '02', name: '伊勢町' });
  assert.deepEqual(names(d.json.items), ['佐藤 一', '鷗山 葵']);
});

test('選挙時登録: the age is counted on the 選挙期日', async () => {
  const r = await roll('&senkyo_date=2025-09-02&limit=1000');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.registration, { code: 'senkyo', label: '選挙時登録' });
  assert.equal(r.json.age_date, '2025-09-02');
  assert.ok(r.json.items.some((e) => e.atena === p.jiro));
  assert.equal(r.json.total, 10);
});

test('bad criteria are named by field', async () => {
  const base = '/api/v1/senkyo/meibo';
  const cases = [
    ['', 400, 'missing_field', 'kijun_date'],
    ['?kijun_date=2025-02-30', 400, 'invalid_value', 'kijun_date'],
    ['?kijun_date=20250901', 400, 'invalid_value', 'kijun_date'],
    [`?kijun_date=${KIJUN}&senkyo_date=2025-08-31`, 400, 'invalid_value', 'senkyo_date'],
    [`?kijun_date=${KIJUN}&senkyo_date=2026-09-02`, 400, 'invalid_value', 'senkyo_date'],
    [`?kijun_date=${KIJUN}&district=99`, 404, 'not_found', 'district'],
    [`?kijun_date=${KIJUN}&limit=0`, 400, 'invalid_value', 'limit'],
    [`?kijun_date=${KIJUN}&after=x`, 400, 'invalid_value', 'after'],
    [`?kijun_date=${KIJUN}&after=1.999999`, 400, 'invalid_value', 'after'],
    [`?kijun_date=${KIJUN}&known_at=2099-01-01T00:00:00Z`, 400, 'invalid_value', 'known_at'],
    [`?kijun_date=${KIJUN}&known_at=2025-01-01`, 400, 'invalid_value', 'known_at'],
    [`?kijun_date=${KIJUN}&encoding=cp932`, 400, 'unknown_field', 'encoding'],
    [`?kijun_date=${KIJUN}&sort=name`, 400, 'unknown_field', 'sort'],
  ];
  for (const [q, status, code, field] of cases)
    assertError(await clerk.get(base + q), status, code, field);
  for (const [q, field] of [['&encoding=sjis', 'encoding'], ['&unmappable=geta', 'unmappable'],
    ['&encoding=cp932&unmappable=drop', 'unmappable'], ['&limit=5', 'limit']])
    assertError(await clerk.get(`/api/v1/senkyo/meibo.csv?kijun_date=${KIJUN}${q}`), 400,
      field === 'limit' ? 'unknown_field' : 'invalid_value', field);
  assertError(await clerk.get(`/api/v1/senkyo/summary?kijun_date=${KIJUN}&district=01`), 400, 'unknown_field', 'district');
  // Only the roll's readers.
  assertError(await tax.get(`${base}?kijun_date=${KIJUN}`), 403, 'forbidden');
});

let shikkenId;

test('失権 entries: added, in effect on the 基準日, replaced, withdrawn; each read and change audited', async () => {
  const bad = [
    [{ atena: p.yoshida, basis: '11-1-1', reason: '通知', from_date: '2025-01-01' }, 400, 'invalid_value', 'basis'],
    [{ atena: p.yoshida, basis: '252', reason: '', from_date: '2025-01-01' }, 400, 'invalid_value', 'reason'],
    [{ atena: p.yoshida, basis: '252', reason: '通知', from_date: '2025-13-01' }, 400, 'invalid_value', 'from_date'],
    [{ atena: p.yoshida, basis: '252', reason: '通知', from_date: '2025-01-01', until_date: '2024-12-31' }, 400, 'invalid_value', 'until_date'],
    [{ atena: 'abc', basis: '252', reason: '通知', from_date: '2025-01-01' }, 400, 'invalid_value', 'atena'],
    [{ atena: '9999999999', basis: '252', reason: '通知', from_date: '2025-01-01' }, 404, 'not_found', 'atena'],
    [{ atena: p.yoshida, basis: '252', reason: '通知' }, 400, 'missing_field', 'from_date'],
    [{ atena: p.yoshida, basis: '252', reason: '通知', from_date: '2025-01-01', note: 'x' }, 400, 'unknown_field', 'note'],
  ];
  for (const [body, status, code, field] of bad)
    assertError(await clerk.post('/api/v1/senkyo/shikken', body), status, code, field);
  const before = firstRoll.known_at;
  const r = await clerk.post('/api/v1/senkyo/shikken',
    { atena: p.yoshida, basis: '11-1-2', reason: '検察庁からの通知（令和7年第12号）', from_date: '2025-01-10' });
  assert.equal(r.status, 201, r.text);
  shikkenId = r.json.id;
  assert.equal(r.json.basis_label, '公職選挙法第11条第1項第2号（刑の執行を終わるまで）');
  assert.equal(r.json.until_date, null);
  assert.ok(!(await roll('&limit=1000')).json.items.some((e) => e.atena === p.yoshida), 'off while in effect');
  const sum = await clerk.get(`/api/v1/senkyo/summary?kijun_date=${KIJUN}`);
  assert.equal(sum.json.excluded.shikken, 1);
  // The roll as recorded before the entry: the same as then, 吉田 on it.
  const again = await roll(`&limit=1000&known_at=${before}`);
  assert.deepEqual(again.json.items, firstRoll.items);
  // Ends 8/31: a new entry replaces it, and on 9/1 吉田 is on again.
  const u = await clerk.patch(`/api/v1/senkyo/shikken/${shikkenId}`, { until_date: '2025-08-31' });
  assert.equal(u.status, 200, u.text);
  assert.notEqual(u.json.id, shikkenId);
  assert.ok((await roll('&limit=1000')).json.items.some((e) => e.atena === p.yoshida));
  assertError(await clerk.patch(`/api/v1/senkyo/shikken/${shikkenId}`, { reason: 'x' }), 409, 'conflict', 'id');
  assertError(await clerk.patch(`/api/v1/senkyo/shikken/${u.json.id}`, {}), 400, 'missing_field');
  // The list: in force by default, the history with all=true.
  let l = await clerk.get(`/api/v1/senkyo/shikken?atena=${p.yoshida}`);
  assert.equal(l.status, 200, l.text);
  assert.deepEqual(l.json.items.map((e) => e.id), [u.json.id]);
  assert.ok(l.json.bases.some((b) => b.code === 'seiji-28'));
  l = await clerk.get(`/api/v1/senkyo/shikken?atena=${p.yoshida}&all=true`);
  assert.deepEqual(l.json.items.map((e) => e.id), [u.json.id, shikkenId]);
  assert.equal(l.json.items[1].replaced_by, u.json.id);
  assert.equal(l.json.items[1].withdrawn_by, 'residents-clerk');
  // Withdrawn: once.
  assert.equal((await clerk.del(`/api/v1/senkyo/shikken/${u.json.id}`)).status, 204);
  assertError(await clerk.del(`/api/v1/senkyo/shikken/${u.json.id}`), 409, 'conflict');
  assertError(await clerk.del('/api/v1/senkyo/shikken/999999'), 404, 'not_found');
  assertError(await clerk.get('/api/v1/senkyo/shikken?all=maybe'), 400, 'invalid_value', 'all');
  assertError(await tax.get('/api/v1/senkyo/shikken'), 403, 'forbidden');
  // Audited with the person as subject; the detail says nothing of the ground.
  const a = await auditor.get(`/api/v1/audit?subject=${p.yoshida}&limit=100`);
  const mine = a.json.items.filter((e) => e.action.startsWith('senkyo.shikken'));
  assert.ok(mine.filter((e) => e.action === 'senkyo.shikken.write').length >= 3, JSON.stringify(mine));
  assert.ok(mine.some((e) => e.action === 'senkyo.shikken.read'));
  assert.ok(mine.every((e) => !/11-1-2|検察庁|刑/.test(e.detail)), JSON.stringify(mine));
});

test('CSV: UTF-8 with a byte-order mark, or CP932 — refused for 鷗 unless 〓 is asked for', async () => {
  let f = await file(`/api/v1/senkyo/meibo.csv?kijun_date=${KIJUN}`);
  assert.equal(f.status, 200, f.text);
  assert.equal(f.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(f.headers.get('content-disposition'), /filename="senkyo-meibo-20250901\.csv"/);
  assert.deepEqual([...f.buf.subarray(0, 3)], [0xEF, 0xBB, 0xBF]);
  const lines = f.buf.subarray(3).toString('utf8').split('\r\n');
  assert.equal(lines[0], '"投票区コード","投票区","番号","宛名番号","世帯番号","氏名","フリガナ","生年月日","生年月日（和暦）","性別コード","性別","郵便番号","住所","方書","登録区分","転出日"');
  assert.equal(lines.length, 1 + 9 + 1); // header, nine electors, and the last CRLF
  assert.ok(lines.some((l) => l.startsWith('"01","中之条","4",') && l.includes('"山田 太郎","ヤマダ　タロウ","1980-05-05","昭和55年5月5日","1","男"')), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('"伊藤 四"') && l.endsWith('"転出表示","2025-05-02"')));
  f = await file(`/api/v1/senkyo/meibo.csv?kijun_date=${KIJUN}&encoding=cp932`);
  assertError({ ...f, text: f.buf.toString('utf8') }, 409, 'conflict', 'encoding');
  assert.match(f.json.error.message, new RegExp(`1 characters have no CP932 code \\(the first in row \\d+, 氏名, 宛名番号 ${p.kamome}\\)`));
  f = await file(`/api/v1/senkyo/meibo.csv?kijun_date=${KIJUN}&encoding=cp932&unmappable=geta&district=02`);
  assert.equal(f.status, 200, f.text);
  assert.equal(f.headers.get('content-type'), 'text/csv; charset=Windows-31J');
  assert.match(f.headers.get('content-disposition'), /senkyo-meibo-20250901-02\.csv/);
  const sjis = new TextDecoder('shift_jis').decode(f.buf);
  assert.ok(sjis.startsWith('"投票区コード"'), 'no byte-order mark');
  assert.ok(sjis.includes('"〓山 葵","カモヤマ　アオイ"') /* readings are stored with U+3000 */, sjis);
  assert.equal(sjis.split('\r\n').length, 1 + 2 + 1);
  // The count as CSV.
  f = await file(`/api/v1/senkyo/summary.csv?kijun_date=${KIJUN}`);
  const sum = f.buf.subarray(3).toString('utf8').split('\r\n');
  assert.deepEqual(sum.slice(0, 4), ['"投票区コード","投票区","男","女","その他","計","うち転出表示"',
    '"01","中之条","6","1","0","7","1"', '"02","伊勢町","1","1","0","2","0"', '"","合計","7","2","0","9","1"']);
});

test('the printed roll: 投票区 by 投票区, 和暦, names and readings, 転出表示, page numbers, fonts embedded', async () => {
  const f = await file(`/api/v1/senkyo/meibo.pdf?kijun_date=${KIJUN}`);
  assert.equal(f.status, 200, f.text);
  assert.equal(f.headers.get('content-type'), 'application/pdf');
  assert.match(f.headers.get('content-disposition'), /senkyo-meibo-20250901\.pdf/);
  sample('meibo.pdf', f.buf);
  const t = pdfText(f.buf);
  for (const s of ['選挙人名簿', '定時登録', '基準日令和7年9月1日', '中之条町選挙管理委員会',
    '第01投票区中之条', '登録者数7人（男6人・女1人）うち転出表示1人', '第02投票区伊勢町（投票所伊勢町公民館）',
    '番号', '住所・方書', '氏名', 'フリガナ', '生年月日', '性別', '備考',
    '山田太郎', 'ヤマダタロウ', '昭和55年5月5日', '山田一郎', '平成19年9月2日', '大字中之条町1000番地', 'コーポ中之条101',
    '伊藤四', '転出', '令和7年5月2日', '鷗山葵', 'カモヤマアオイ', '昭和45年2月2日', '男', '女', '1/2', '2/2'])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
  assert.ok(!t.includes('山田次郎') && !t.includes('林美玲') && !t.includes('鈴木二'), t);
  assert.ok(t.indexOf('第01投票区') < t.indexOf('第02投票区'));
  const fonts = tool('pdffonts', [], f.buf);
  assert.match(fonts, /IPAexGothic/);
  for (const line of fonts.split('\n').slice(2).filter(Boolean))
    assert.match(line, /yes\s+yes\s+yes/, `embedded subset: ${line}`);
  // One 投票区: its own title and footer, only its electors.
  const one = await file(`/api/v1/senkyo/meibo.pdf?kijun_date=${KIJUN}&district=02&senkyo_date=2025-09-14`);
  assert.equal(one.status, 200, one.text);
  sample('meibo-02.pdf', one.buf);
  const t2 = pdfText(one.buf);
  for (const s of ['選挙人名簿（第02投票区伊勢町）', '選挙時登録', '選挙期日令和7年9月14日', '佐藤一', '鷗山葵', '1/1'])
    assert.ok(t2.includes(s), `missing ${s} in\n${t2}`);
  assert.ok(!t2.includes('山田太郎'));
});

test('選挙人名簿登録者数: by 投票区 and sex, the total, and who was left off and why', async () => {
  const r = await clerk.get(`/api/v1/senkyo/summary?kijun_date=${KIJUN}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.districts, [
    { code: '01', name: '中之条', male: 6, female: 1, other: 0, total: 7, moved_out: 1 },
    { code: '02', name: '伊勢町', male: 1, female: 1, other: 0, total: 2, moved_out: 0 }]);
  assert.deepEqual(r.json.all, { male: 7, female: 2, other: 0, total: 9, moved_out: 1 });
  assert.deepEqual(r.json.excluded, { foreign: 1, birth_unknown: 0, under_age: 1, short: 1, shikken: 0 });
  assert.equal(r.json.residents, 11); // on 9/1, every kind: the eight on the roll at home, 次郎, 鈴木, 林
  assert.equal(r.json.by_default, 1);
  assert.equal(r.json.no_todoke, 1);
  const f = await file(`/api/v1/senkyo/summary.pdf?kijun_date=${KIJUN}`);
  assert.equal(f.status, 200, f.text);
  sample('summary.pdf', f.buf);
  const t = pdfText(f.buf);
  for (const s of ['選挙人名簿登録者数', '定時登録', '基準日令和7年9月1日', '第01投票区中之条', '第02投票区伊勢町', '合計',
    '公職選挙法第21条第2項'])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
});

test('one audit entry per read and export, with the criteria and without anyone\'s data', async () => {
  const a = await auditor.get('/api/v1/audit?action=senkyo.meibo.export&limit=100');
  assert.equal(a.status, 200, a.text);
  const exports = a.json.items;
  // Two CSVs (UTF-8, CP932 with 〓) and two PDFs; the refused CP932 one is not an export.
  assert.equal(exports.filter((e) => /CSV/.test(e.detail)).length, 2, JSON.stringify(exports));
  assert.equal(exports.filter((e) => /PDF/.test(e.detail)).length, 2);
  for (const e of exports) {
    assert.equal(e.subject, null);
    assert.equal(e.purpose, '選挙人名簿');
    assert.match(e.detail, /基準日 2025-09-01/);
    assert.match(e.detail, /known \d{4}-\d\d-\d\dT/);
    assert.doesNotMatch(e.detail, /山田|佐藤|鷗|ヤマダ/);
  }
  assert.ok(exports.some((e) => /cp932 geta: 2 electors, 1 〓/.test(e.detail) && /投票区 02/.test(e.detail)), JSON.stringify(exports));
  assert.ok(exports.some((e) => /選挙期日 2025-09-14/.test(e.detail)));
  const reads = (await auditor.get('/api/v1/audit?action=senkyo.meibo.read&limit=100')).json.items;
  assert.ok(reads.some((e) => /選挙人名簿 3-4 of 9:/.test(e.detail)), JSON.stringify(reads.map((e) => e.detail)));
  const put = (await auditor.get('/api/v1/audit?action=senkyo.districts.write')).json.items;
  assert.equal(put.length, 1);
  assert.match(put[0].detail, /version 1: 2 districts/);
});

test('a person under a support measure (抑止) is withheld from the clerk\'s rows, not from the counts; the 住民記録責任者 sees them', async () => {
  const m = await clerk.post('/api/v1/suppressions', { category: 'dv', reason: '転居先を知られないため', confirmer_kind: 'police',
    confirmer: '中之条警察署', confirmed_on: '2026-01-05', applicant: p.sato });
  assert.equal(m.status, 201, m.text); // pending: it protects already (the town's default)
  const r = await roll('&limit=1000');
  assert.ok(!r.json.items.some((e) => e.atena === p.sato), 'not in the clerk\'s rows');
  assert.equal(r.json.total, 8);
  assert.equal(r.json.withheld, 1);
  const ise = r.json.items.filter((e) => e.district.code === '02');
  assert.deepEqual(ise.map((e) => [e.shimei, e.number]), [['鷗山 葵', 1]]);
  const csv = await file(`/api/v1/senkyo/meibo.csv?kijun_date=${KIJUN}`);
  assert.ok(!csv.buf.toString('utf8').includes('佐藤'));
  const pdf = await file(`/api/v1/senkyo/meibo.pdf?kijun_date=${KIJUN}&district=02`);
  const t = pdfText(pdf.buf);
  assert.ok(!t.includes('佐藤') && t.includes('鷗山葵'), t);
  assert.ok(t.includes('登録者数2人（男1人・女1人）（支援措置の対象1人はこの名簿に表示していません）'), t);
  // The counts are the town's: unchanged.
  assert.equal((await clerk.get(`/api/v1/senkyo/summary?kijun_date=${KIJUN}`)).json.all.total, 9);
  const exp = (await auditor.get('/api/v1/audit?action=senkyo.meibo.export&limit=5')).json.items;
  assert.match(exp[0].detail, /1 withheld \(支援措置\)/);
  // The 住民記録責任者 may see protected persons: all of them.
  const chief = await k.as(A, 'residents_supervisor');
  const all = await roll('&limit=1000', chief);
  assert.equal(all.status, 200, all.text);
  assert.equal(all.json.total, 9);
  assert.equal(all.json.withheld, 0);
  assert.ok(all.json.items.some((e) => e.atena === p.sato));
});

test('another town sees its own (empty) roll and none of this town\'s entries', async () => {
  const r = await roll('&limit=1000', clerkB);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total, 0);
  assert.equal((await clerkB.get('/api/v1/senkyo/districts')).json.version, 0);
  assert.equal((await clerkB.get('/api/v1/senkyo/shikken?all=true')).json.items.length, 0);
  assertError(await clerkB.patch(`/api/v1/senkyo/shikken/${shikkenId}`, { reason: 'x' }), 404, 'not_found');
  assertError(await clerkB.post('/api/v1/senkyo/shikken',
    { atena: p.yoshida, basis: '252', reason: '通知', from_date: '2025-01-01' }), 404, 'not_found', 'atena');
});
