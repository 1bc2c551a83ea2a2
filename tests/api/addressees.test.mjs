// The addressee base (宛名) over the API: 住登外者 and 法人 created and changed
// with history (valid and recorded time), residents read through the register,
// one number space, bad 法人番号 / 個人番号 and other bad input, 不詳 birth
// dates, the search across kinds with pages, merges and their undo (reads of a
// merged number, chains, what cannot be merged), 個人番号 masking, the audit
// of every read and write, permissions and towns kept apart.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError } from '../lib/harness.mjs';

const A = '104213';
const B = '104248';
let k, clerk, tax, welfare, auditor, admin, otherTown;

const purpose = (s) => ({ 'X-Kyodo-Purpose': Buffer.from(s, 'utf8').toString('latin1') });
const create = (c, body) => c.post('/api/v1/addressees', body);
async function made(c, body) {
  const r = await create(c, body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const read = (atena, q = '') => clerk.get(`/api/v1/addressees/${atena}${q}`);
const change = (c, atena, body) => c.post(`/api/v1/addressees/${atena}/changes`, body);
const merge = (absorbed, survivor, reason = '同一人の二重登録') =>
  clerk.post('/api/v1/addressee-merges', { absorbed, survivor, reason });
const undo = (id, reason = '統合の誤り') => clerk.post(`/api/v1/addressee-merges/${id}/undo`, { reason });
const audit = async (q) => (await auditor.get(`/api/v1/audit?${q}&limit=100`)).json.items;

// 宛名番号: serial + モジュラス11 check digit (weights 2..7 from the right).
function m11ok(n) {
  const s = n.slice(0, -1);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += Number(s[s.length - 1 - i]) * (2 + (i % 6));
  const r = sum % 11;
  return r !== 1 && (r === 0 ? 0 : 11 - r) === Number(n.at(-1));
}

// A 法人番号 for a 12-digit base: check digit first, 9 − (Σ digit × (1, 2 …
// from the lowest place) mod 9) (財務省令第70号 第2条).
function corpNumber(base) {
  let sum = 0;
  for (let n = 1; n <= 12; n++) sum += Number(base[12 - n]) * (n % 2 ? 1 : 2);
  return String(9 - (sum % 9)) + base;
}

const LANDOWNER = {
  kind: 'nonresident', name: '佐藤 一郎', name_kana: 'さとう いちろう', birth: '昭和30年4月1日', sex: 1,
  postcode: '1000001', address: '東京都千代田区千代田1番1号', katagaki: 'メゾン千代田101',
  kojin_bango: '123456789018', valid_from: '2024-04-01', note: '固定資産（土地）の所有者',
};
const CORP = {
  kind: 'corporation', name: '株式会社ファウンディングベース', name_kana: 'ファウンディングベース',
  corp_number: '4011001098993', postcode: '1600022', address: '東京都新宿区新宿1丁目1番1号',
  representative: '代表 太郎', valid_from: '2023-10-01',
};

let resident; // a resident's 宛名番号, recorded by the register

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町'], [B, '長野原町']] });
  clerk = await k.as(A, 'residents_clerk');
  tax = await k.as(A, 'tax_clerk');
  welfare = await k.as(A, 'welfare_clerk');
  auditor = await k.as(A, 'auditor');
  admin = await k.as(A, 'admin');
  otherTown = await k.as(B, 'residents_clerk');
  const r = await clerk.post('/api/v1/residents/idou', {
    kind: 'kokunai_tennyu', idou_date: '2020-04-01',
    changes: { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町1000番地', prev_address: '東京都千代田区千代田1番1号' },
    persons: [{ kind: 'japanese', shimei: '佐藤 一郎', shimei_kana: 'サトウ イチロウ', birth: '1955-04-01', sex: 1,
      zokugara: '世帯主', kojin_bango: '123456789018' }],
  });
  assert.equal(r.status, 201, r.text);
  [resident] = r.json.atena;
});
after(async () => { await k.stop(); });

test('a 住登外者 is registered with a number from the register\'s series; 個人番号 masked; reading normalised', async () => {
  const p = await made(tax, LANDOWNER);
  assert.equal(p.kind, 'nonresident');
  assert.equal(p.kind_label, '住登外者');
  assert.match(p.atena, /^[0-9]{10}$/);
  assert.ok(m11ok(p.atena), 'モジュラス11 check digit');
  assert.ok(m11ok(resident));
  assert.notEqual(p.atena, resident);
  assert.ok(Number(p.atena.slice(0, -1)) > Number(resident.slice(0, -1)), 'one series for residents and non-residents');
  assert.equal(p.name_kana, 'サトウ　イチロウ', 'hiragana typed, katakana stored');
  assert.equal(p.birth, '1955-04-01');
  assert.equal(p.birth_text, '');
  assert.equal(p.birth_unknown, false);
  assert.equal(p.kojin_bango, '************');
  assert.equal(p.kojin_bango_shown, false);
  assert.equal(p.rireki, 1);
  assert.equal(p.valid_from, '2024-04-01');
  const r = await read(p.atena);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.requested, p.atena);
  assert.equal(r.json.address, LANDOWNER.address);
  assert.equal(r.json.katagaki, 'メゾン千代田101');
  assert.deepEqual(r.json.merged_via, []);
  // Before it was registered there is no record.
  assertError(await read(p.atena, '?as_of=2024-03-31'), 404, 'not_found');
  // The audit: who created and who read, never the 個人番号.
  const log = await audit(`subject=${p.atena}`);
  assert.deepEqual(log.map((e) => e.action).sort(), ['addressee.create', 'addressee.read']);
  assert.equal(log.find((e) => e.action === 'addressee.create').user, 'tax-clerk');
  assert.equal(log.find((e) => e.action === 'addressee.create').purpose, '宛名登録');
  assert.ok(!JSON.stringify(log).includes('123456789018'));
});

test('個人番号 is shown only to a role that may, for a stated purpose, and the showing is audited', async () => {
  const p = await made(clerk, { ...LANDOWNER, kojin_bango: '983205673214', name: '田中 次郎', name_kana: 'タナカ ジロウ' });
  assertError(await read(p.atena, '?mynumber=show'), 400, 'missing_field', 'X-Kyodo-Purpose');
  assertError(await clerk.get(`/api/v1/addressees/${p.atena}?mynumber=show`, { headers: purpose('　') }),
    400, 'missing_field', 'X-Kyodo-Purpose');
  assertError(await tax.get(`/api/v1/addressees/${p.atena}?mynumber=show`, { headers: purpose('課税') }),
    403, 'forbidden', 'mynumber');
  assertError(await read(p.atena, '?mynumber=yes'), 400, 'invalid_value', 'mynumber');
  const r = await clerk.get(`/api/v1/addressees/${p.atena}?mynumber=show`, { headers: purpose('本人確認') });
  assert.equal(r.json.kojin_bango, '983205673214');
  assert.equal(r.json.kojin_bango_shown, true);
  const log = await audit(`subject=${p.atena}&action=addressee.read`);
  assert.equal(log[0].purpose, '本人確認');
  assert.match(log[0].detail, /個人番号 shown/);
  assert.ok(!JSON.stringify(await audit(`subject=${p.atena}`)).includes('983205673214'));
  // A tax clerk reads the rest (masked).
  const t = await tax.get(`/api/v1/addressees/${p.atena}`);
  assert.equal(t.status, 200);
  assert.equal(t.json.kojin_bango, '************');
});

test('生年月日: 和暦, non-calendar days and 不詳 as the standard allows', async () => {
  const cases = [
    ['1960-02-03', '1960-02-03', '', false],
    ['S35.2.3', null, null, null], // a letter form is not a 生年月日 form of the standard
    ['昭和30年頃', '1955-01-01', '昭和30年頃', true],
    ['推定昭和30年3月', '1955-03-01', '推定昭和30年3月', true],
    ['昭和30年3月上旬', '1955-03-01', '昭和30年3月上旬', true],
    ['年月日不詳', '', '年月日不詳', true],
    ['平成3年2月29日', '1991-02-28', '平成3年2月29日', false],
    ['大正15年12月25日', '1926-12-25', '大正15年12月25日', false],
  ];
  for (const [given, birth, text, unknown] of cases) {
    const r = await create(clerk, { kind: 'nonresident', name: '生年 確認', address: '東京都港区1番', birth: given });
    if (birth === null) { assertError(r, 400, 'invalid_value', 'birth'); continue; }
    assert.equal(r.status, 201, `${given}: ${r.text}`);
    assert.equal(r.json.birth, birth, given);
    assert.equal(r.json.birth_text, text, given);
    assert.equal(r.json.birth_unknown, unknown, given);
  }
  for (const bad of ['平成31年5月1日', '昭和64年1月8日', '2999-01-01', '令和99年1月1日'])
    assertError(await create(clerk, { kind: 'nonresident', name: 'x', address: 'y', birth: bad }), 400, 'invalid_value', 'birth');
});

test('法人: 法人番号 check digit, the items of each kind, one 法人番号 per corporation', async () => {
  const c = await made(tax, CORP);
  assert.equal(c.kind, 'corporation');
  assert.equal(c.kind_label, '法人');
  assert.equal(c.corp_number, '4011001098993');
  assert.equal(c.representative, '代表 太郎');
  assert.equal(c.birth, '');
  for (const good of ['7123456789012', '7000012050002', '2000012020001', '8000020130001']) {
    const r = await create(tax, { kind: 'corporation', name: `法人${good}`, address: '前橋市', corp_number: good });
    assert.equal(r.status, 201, `${good}: ${r.text}`);
  }
  for (const bad of ['5000012010001', '4011001098994', '401100109899', '401100109899X', '0011001098993', '４０１１００１０９８９９３'])
    assertError(await create(tax, { ...CORP, corp_number: bad }), 400, 'invalid_value', 'corp_number');
  assertError(await create(tax, { ...CORP, corp_number: '40110010989930' }), 400, 'too_long', 'corp_number');
  // The same 法人番号 again: the existing corporation is named.
  const dup = await create(tax, { ...CORP, name: 'ファウンディングベース' });
  assertError(dup, 409, 'conflict', 'corp_number');
  assert.match(dup.json.error.message, new RegExp(c.atena));
  // Items of the other kind.
  assertError(await create(tax, { ...CORP, corp_number: '', birth: '2000-01-01' }), 400, 'invalid_value', 'birth');
  assertError(await create(tax, { ...CORP, corp_number: '', kojin_bango: '123456789018' }), 400, 'invalid_value', 'kojin_bango');
  assertError(await create(tax, { ...LANDOWNER, corp_number: '4011001098993' }), 400, 'invalid_value', 'corp_number');
  assertError(await create(tax, { ...LANDOWNER, representative: 'x' }), 400, 'invalid_value', 'representative');
});

test('bad input names its field and nothing is written', async () => {
  const before = (await clerk.get('/api/v1/addressees?name=%E4%B8%8D%E6%AD%A3&kind=all')).json.items.length;
  // Each case: what differs from a good body (undefined: left out).
  const cases = [
    [{ kojin_bango: '123456789012' }, 400, 'invalid_value', 'kojin_bango'],
    [{ kojin_bango: '12345678901' }, 400, 'invalid_value', 'kojin_bango'],
    [{ kind: 'resident' }, 400, 'invalid_value', 'kind'],
    [{ kind: 'alien' }, 400, 'invalid_value', 'kind'],
    [{ kind: undefined }, 400, 'missing_field', 'kind'],
    [{ name: '' }, 400, 'missing_field', 'name'],
    [{ address: undefined }, 400, 'missing_field', 'address'],
    [{ postcode: '100-001' }, 400, 'invalid_value', 'postcode'],
    [{ postcode: '100-0001' }, 400, 'too_long', 'postcode'],
    [{ name_kana: 'Sato' }, 400, 'invalid_value', 'name_kana'],
    [{ sex: 3 }, 400, 'invalid_value', 'sex'],
    [{ sex: '1' }, 400, 'wrong_type', 'sex'],
    [{ shimei: '不正' }, 400, 'unknown_field', 'shimei'],
    [{ birth_text: '不詳' }, 400, 'unknown_field', 'birth_text'],
    [{ valid_from: '2999-01-01' }, 400, 'invalid_value', 'valid_from'],
    [{ valid_from: '2024-02-30' }, 400, 'invalid_value', 'valid_from'],
    [{ name: 'x'.repeat(201) }, 400, 'too_long', 'name'],
    [{ name: '不正\n改行' }, 400, 'invalid_value', 'name'],
    [{ tenant: B }, 400, 'unknown_field', 'tenant'],
  ];
  for (const [diff, status, code, field] of cases) {
    const r = await create(clerk, { ...LANDOWNER, name: '不正 入力', ...diff });
    assertError(r, status, code, field);
    assert.ok(!r.text.includes('123456789012'), 'a 個人番号 is never echoed');
  }
  assertError(await clerk.request('POST', '/api/v1/addressees', { raw: '[1]', headers: { 'Content-Type': 'application/json' } }),
    400, 'wrong_type');
  const after = (await clerk.get('/api/v1/addressees?name=%E4%B8%8D%E6%AD%A3&kind=all')).json.items.length;
  assert.equal(after, before, 'nothing was registered');
});

test('changes: from a date, backdated ones recompute later snapshots, the past stays readable as it was known', async () => {
  const p = await made(tax, { kind: 'nonresident', name: '鈴木 花子', name_kana: 'スズキ ハナコ', birth: '1970-07-07', sex: 2,
    postcode: '3700001', address: '群馬県高崎市八幡町1番地', valid_from: '2022-01-10' });
  let r = await change(tax, p.atena, { valid_from: '2024-06-01', changes: { postcode: '3710001', address: '群馬県前橋市大手町1番地', katagaki: '' }, note: '転居の連絡' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.rireki, 2);
  assert.equal(r.json.valid_from, '2024-06-01');
  assert.equal((await read(p.atena, '?as_of=2024-05-31')).json.address, '群馬県高崎市八幡町1番地');
  assert.equal((await read(p.atena, '?as_of=2024-06-01')).json.address, '群馬県前橋市大手町1番地');
  const beforeMarriage = new Date().toISOString();
  await new Promise((res) => setTimeout(res, 20));
  // Married in 2023 (reported late): the 2024 snapshot is recomputed with the new name.
  r = await change(clerk, p.atena, { valid_from: '2023-05-01', changes: { name: '田村 花子', name_kana: 'タムラ ハナコ', kyuuji: '鈴木', kyuuji_kana: 'スズキ' } });
  assert.equal(r.status, 201, r.text);
  const now = (await read(p.atena)).json;
  assert.equal(now.name, '田村 花子');
  assert.equal(now.address, '群馬県前橋市大手町1番地', 'the later change is kept');
  assert.equal(now.kyuuji, '鈴木');
  assert.equal((await read(p.atena, '?as_of=2023-04-30')).json.name, '鈴木 花子');
  const then = await read(p.atena, `?as_of=2024-07-01&known_at=${beforeMarriage}`);
  assert.equal(then.json.name, '鈴木 花子', 'as known before the backdated change');
  // History: every snapshot, the superseded one with when.
  const h = (await clerk.get(`/api/v1/addressees/${p.atena}/history`)).json;
  assert.equal(h.kind, 'nonresident');
  assert.deepEqual(h.versions.map((v) => v.record.rireki), [1, 2, 3, 4]);
  assert.deepEqual(h.versions.map((v) => v.event), ['create', 'change', 'change', 'change']);
  assert.deepEqual(h.versions.map((v) => !!v.superseded_at), [false, true, false, false]);
  assert.equal(h.versions[1].note, '転居の連絡');
  assert.equal(h.versions[0].user, 'tax-clerk');
  // Searching finds the new name and the 旧氏.
  const byOld = (await tax.get('/api/v1/addressees?kana=すずき&kind=nonresident')).json.items.map((i) => i.atena);
  assert.ok(byOld.includes(p.atena), 'found by 旧氏 reading');
  const byNew = (await tax.get('/api/v1/addressees?name=田村')).json.items.map((i) => i.atena);
  assert.ok(byNew.includes(p.atena));
  // What a change may not do.
  assertError(await change(tax, p.atena, { valid_from: '2022-01-09', changes: { katagaki: 'x' } }), 400, 'invalid_value', 'valid_from');
  assertError(await change(tax, p.atena, { changes: { name: '' } }), 400, 'invalid_value', 'changes.name');
  assertError(await change(tax, p.atena, { changes: {} }), 400, 'missing_field', 'changes');
  assertError(await change(tax, p.atena, { changes: { corp_number: '4011001098993' } }), 400, 'invalid_value', 'changes.corp_number');
  assertError(await change(tax, p.atena, { changes: { kojin_bango: '123456789012' } }), 400, 'invalid_value', 'changes.kojin_bango');
  assertError(await change(tax, p.atena, { valid_from: '2999-01-01', changes: { katagaki: 'x' } }), 400, 'invalid_value', 'valid_from');
  assertError(await change(tax, '9999999999', { changes: { katagaki: 'x' } }), 404, 'not_found');
  const refused = await change(clerk, resident, { changes: { address: '別の住所' } });
  assertError(refused, 409, 'conflict', 'atena');
  assert.match(refused.json.error.message, /異動/);
  assert.equal((await clerk.get(`/api/v1/addressees/${p.atena}/history`)).json.versions.length, 4, 'nothing half-written');
  const log = await audit(`subject=${p.atena}&action=addressee.change`);
  assert.equal(log.length, 2);
});

test('a resident is read through the register, with the addressee\'s items only', async () => {
  const r = await tax.get(`/api/v1/addressees/${resident}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, 'resident');
  assert.equal(r.json.kind_label, '住登者');
  assert.equal(r.json.name, '佐藤 一郎');
  assert.equal(r.json.register_status, 'resident');
  assert.equal(r.json.kojin_bango, '************');
  assert.equal(r.json.honseki, undefined, 'no register items beyond the addressee\'s');
  assert.equal(r.json.zokugara, undefined);
  const h = (await tax.get(`/api/v1/addressees/${resident}/history`)).json;
  assert.equal(h.versions[0].event_label, '国内転入');
  assertError(await tax.get(`/api/v1/addressees/${resident}?as_of=2019-01-01`), 404, 'not_found');
  const log = await audit(`subject=${resident}&action=addressee.read`);
  assert.equal(log[0].role, 'tax_clerk');
});

test('search across kinds: kana however typed, names without 法人格, 法人番号, kinds, pages', async () => {
  const find = async (c, q) => {
    const r = await c.get(`/api/v1/addressees?${q}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  // Residents and non-residents alike, by reading.
  let hits = (await find(welfare, 'kana=ｻﾄｳ ｲﾁ')).items;
  const kinds = hits.map((h) => h.kind);
  assert.ok(kinds.includes('resident') && kinds.includes('nonresident'), JSON.stringify(hits));
  assert.equal(hits.find((h) => h.kind === 'resident').register_status, 'resident');
  hits = (await find(welfare, 'kana=%E3%81%95%E3%81%A8%E3%81%86&kind=nonresident')).items; // さとう
  assert.ok(hits.length > 0 && hits.every((h) => h.kind === 'nonresident'));
  hits = (await find(welfare, 'kana=さとう&kind=resident')).items;
  assert.deepEqual(hits.map((h) => h.atena), [resident]);
  // A corporation by its name without 株式会社, by its reading, by 法人番号.
  for (const q of ['name=ファウンディング', 'name=株式会社ファウンディング', 'kana=ふぁうんでぃんぐ', 'corp_number=4011001098993', 'kind=corporation&name=ファウンディングベース'])
    assert.ok((await find(tax, q)).items.some((h) => h.corp_number === '4011001098993'), q);
  assert.equal((await find(tax, 'corp_number=4011001098993&kind=person')).items.length, 0);
  // Pages: one at a time, the same hits in the same order as all at once.
  for (const [name, kana] of [['斉藤 一', 'サイトウ ハジメ'], ['斎藤 二郎', 'さいとう じろう'], ['坂本 三', 'ｻｶﾓﾄ ｻﾝ']])
    await made(tax, { kind: 'nonresident', name, name_kana: kana, address: '前橋市' });
  const all = (await find(clerk, 'kana=サ&limit=100')).items;
  assert.ok(all.length >= 5, JSON.stringify(all));
  assert.ok(all.some((h) => h.kind === 'resident') && all.some((h) => h.kind === 'nonresident'));
  const paged = [];
  let next = null;
  do {
    const page = await find(clerk, `kana=サ&limit=1${next ? `&after=${next}` : ''}`);
    paged.push(...page.items);
    next = page.next;
  } while (next);
  assert.deepEqual(paged.map((h) => h.atena), all.map((h) => h.atena));
  // Bad criteria.
  assertError(await clerk.get('/api/v1/addressees'), 400, 'missing_field', 'kana');
  assertError(await clerk.get('/api/v1/addressees?kana=a&name=b'), 400, 'invalid_value', 'name');
  assertError(await clerk.get('/api/v1/addressees?kind=alien&name=x'), 400, 'invalid_value', 'kind');
  assertError(await clerk.get('/api/v1/addressees?corp_number=123'), 400, 'invalid_value', 'corp_number');
  assertError(await clerk.get('/api/v1/addressees?birth=1955-02-30'), 400, 'invalid_value', 'birth');
  assertError(await clerk.get('/api/v1/addressees?kana=%E3%83%BB'), 400, 'invalid_value', 'kana');
  assertError(await clerk.get('/api/v1/addressees?name=x&after=zz'), 400, 'invalid_value', 'after');
  assertError(await clerk.get('/api/v1/addressees?name=x&merged=yes'), 400, 'invalid_value', 'merged');
  const log = await audit('action=addressee.search');
  assert.ok(log.length > 5);
  assert.ok(log.every((e) => e.subject === null));
});

test('merge two 住登外 records: the merged number says where it went, references resolve, and undo restores both', async () => {
  const x = await made(tax, { kind: 'nonresident', name: '高橋 三郎', name_kana: 'タカハシ サブロウ', birth: '1948-03-03', sex: 1, address: '埼玉県さいたま市浦和区1番', valid_from: '2021-01-01' });
  const y = await made(clerk, { kind: 'nonresident', name: '髙橋 三郎', name_kana: 'タカハシ サブロウ', birth: '1948-03-03', sex: 1, address: '埼玉県さいたま市浦和区1番', valid_from: '2022-01-01' });
  const beforeMerge = new Date().toISOString();
  await new Promise((res) => setTimeout(res, 20));
  // Only the custodian of the addressee base merges.
  assertError(await tax.post('/api/v1/addressee-merges', { absorbed: x.atena, survivor: y.atena, reason: 'x' }), 403, 'forbidden');
  const m = await merge(x.atena, y.atena);
  assert.equal(m.status, 201, m.text);
  assert.equal(m.json.absorbed, x.atena);
  assert.equal(m.json.survivor, y.atena);
  assert.equal(m.json.holds, true);
  assert.equal(m.json.user, 'residents-clerk');
  // Reading the absorbed number gives the survivor and says so.
  const r = await tax.get(`/api/v1/addressees/${x.atena}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.requested, x.atena);
  assert.equal(r.json.atena, y.atena);
  assert.equal(r.json.name, '髙橋 三郎');
  assert.deepEqual(r.json.merged_via.map((v) => [v.id, v.absorbed, v.survivor]), [[m.json.id, x.atena, y.atena]]);
  assert.deepEqual((await read(y.atena)).json.absorbed, [x.atena]);
  // As known before the merge, the number was its own.
  const then = await read(x.atena, `?known_at=${beforeMerge}`);
  assert.equal(then.json.atena, x.atena);
  assert.deepEqual(then.json.merged_via, []);
  // Search leaves the merged number out unless asked.
  let hits = (await clerk.get('/api/v1/addressees?kana=たかはし さぶろう')).json.items;
  assert.deepEqual(hits.map((h) => h.atena), [y.atena]);
  hits = (await clerk.get('/api/v1/addressees?kana=たかはし さぶろう&merged=include')).json.items;
  assert.deepEqual(hits.map((h) => [h.atena, h.merged_into]), [[x.atena, y.atena], [y.atena, null]]);
  hits = (await clerk.get(`/api/v1/addressees?atena=${x.atena}`)).json.items;
  assert.deepEqual(hits.map((h) => [h.atena, h.merged_into]), [[x.atena, y.atena]], 'a number asked for by itself says where it went');
  // A merged number takes no change and no second merge.
  const refused = await change(tax, x.atena, { changes: { katagaki: 'x' } });
  assertError(refused, 409, 'conflict', 'atena');
  assert.match(refused.json.error.message, new RegExp(`merged into ${y.atena}`));
  assertError(await merge(x.atena, y.atena), 409, 'conflict', 'absorbed');
  assertError(await merge(y.atena, x.atena), 409, 'conflict', 'survivor');
  // History of both numbers shows the merge; the audit has it under both.
  const hx = (await clerk.get(`/api/v1/addressees/${x.atena}/history`)).json;
  assert.equal(hx.merged_into, y.atena);
  assert.equal(hx.versions.length, 1, 'the absorbed record is kept as it was');
  assert.equal(hx.merges[0].id, m.json.id);
  for (const a of [x.atena, y.atena]) {
    const log = await audit(`subject=${a}&action=addressee.merge`);
    assert.equal(log.length, 1, a);
    assert.equal(log[0].purpose, '宛名統合');
  }
  // Undo: both stand on their own again; the merge stays in the history.
  assertError(await tax.post(`/api/v1/addressee-merges/${m.json.id}/undo`, { reason: 'x' }), 403, 'forbidden');
  assertError(await clerk.post(`/api/v1/addressee-merges/${m.json.id}/undo`, { reason: '  ' }), 400, 'missing_field', 'reason');
  const u = await undo(m.json.id);
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.holds, false);
  assert.ok(u.json.undone_at);
  assert.equal(u.json.undo_reason, '統合の誤り');
  const back = (await read(x.atena)).json;
  assert.equal(back.atena, x.atena);
  assert.equal(back.name, '高橋 三郎');
  assert.deepEqual((await read(y.atena)).json.absorbed, []);
  assertError(await undo(m.json.id), 409, 'conflict', 'id');
  assertError(await undo(999999), 404, 'not_found');
  const hy = (await clerk.get(`/api/v1/addressees/${y.atena}/history`)).json;
  assert.equal(hy.merges.length, 1);
  assert.equal(hy.merges[0].holds, false);
  assert.equal(hy.merged_into, null);
  assert.equal((await change(tax, x.atena, { changes: { katagaki: '2階' } })).status, 201, 'changes are allowed again');
  for (const a of [x.atena, y.atena])
    assert.equal((await audit(`subject=${a}&action=addressee.unmerge`)).length, 1);
  // Merging again after an undo is a new merge.
  const again = await merge(x.atena, y.atena);
  assert.equal(again.status, 201, again.text);
  assert.notEqual(again.json.id, m.json.id);
  assert.equal((await undo(again.json.id)).status, 200);
});

test('a 住登外者 who moved in: merged into the resident\'s number; merges of merges are followed', async () => {
  const before = await made(tax, { kind: 'nonresident', name: '佐藤 一郎', name_kana: 'サトウ イチロウ', address: '東京都千代田区千代田1番1号', valid_from: '2018-01-01' });
  const twice = await made(welfare, { kind: 'nonresident', name: '佐藤 一郎', address: '東京都千代田区千代田1番1号', valid_from: '2019-01-01' });
  // A resident never disappears into a 住登外 number.
  const wrongWay = await merge(resident, before.atena);
  assertError(wrongWay, 409, 'conflict', 'absorbed');
  assert.match(wrongWay.json.error.message, new RegExp(`merge ${before.atena} into ${resident}`));
  const m1 = (await merge(twice.atena, before.atena)).json;
  const m2 = await merge(before.atena, resident);
  assert.equal(m2.status, 201, m2.text);
  const r = (await tax.get(`/api/v1/addressees/${twice.atena}`)).json;
  assert.equal(r.atena, resident);
  assert.equal(r.kind, 'resident');
  assert.equal(r.register_status, 'resident');
  assert.deepEqual(r.merged_via.map((v) => v.id), [m1.id, m2.json.id]);
  assert.deepEqual((await read(resident)).json.absorbed, [before.atena]);
  // Undo the second: the first still holds.
  assert.equal((await undo(m2.json.id)).status, 200);
  assert.equal((await read(twice.atena)).json.atena, before.atena);
  assert.equal((await undo(m1.id)).status, 200);
  assert.equal((await read(twice.atena)).json.atena, twice.atena);
});

test('what cannot be merged is refused with the reason', async () => {
  const r2 = await clerk.post('/api/v1/residents/idou', {
    kind: 'kokunai_tennyu', idou_date: '2021-04-01', changes: { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町2000番地' },
    persons: [{ kind: 'japanese', shimei: '佐藤 一郎', shimei_kana: 'サトウ イチロウ', birth: '1955-04-01', sex: 1, zokugara: '世帯主' }],
  });
  const resident2 = r2.json.atena[0];
  const both = await merge(resident2, resident);
  assertError(both, 409, 'conflict', 'absorbed');
  assert.match(both.json.error.message, /register/);
  const corp = await made(tax, { kind: 'corporation', name: '佐藤商店', address: '前橋市1番' });
  const person = await made(tax, { kind: 'nonresident', name: '佐藤 一郎', address: '前橋市1番', kojin_bango: '379474484458' });
  assertError(await merge(person.atena, corp.atena), 409, 'conflict', 'survivor');
  assertError(await merge(corp.atena, resident), 409, 'conflict', 'survivor');
  // Different 個人番号: not the same person (the resident has 123456789018).
  const diff = await merge(person.atena, resident);
  assertError(diff, 409, 'conflict', 'survivor');
  assert.ok(!diff.text.includes('379474484458') && !diff.text.includes('123456789018'), 'numbers are never echoed');
  // Different 法人番号: not the same corporation.
  assert.equal(corpNumber('123456789012'), '7123456789012', 'the worked example of the rule');
  const c1 = await made(tax, { kind: 'corporation', name: '甲', address: '前橋市', corp_number: corpNumber('100001000001') });
  const c2 = await made(tax, { kind: 'corporation', name: '甲', address: '前橋市', corp_number: corpNumber('100001000002') });
  assertError(await merge(c1.atena, c2.atena), 409, 'conflict', 'survivor');
  // Two records of one corporation (one without its 法人番号) merge.
  const c3 = await made(tax, { kind: 'corporation', name: '甲', address: '前橋市' });
  assert.equal((await merge(c3.atena, c1.atena)).status, 201);
  assertError(await merge(corp.atena, corp.atena), 400, 'invalid_value', 'survivor');
  assertError(await merge('9999999999', corp.atena), 404, 'not_found', 'absorbed');
  assertError(await merge(corp.atena, '9999999999'), 404, 'not_found', 'survivor');
  assertError(await merge('12a', corp.atena), 400, 'invalid_value', 'absorbed');
  assertError(await clerk.post('/api/v1/addressee-merges', { absorbed: corp.atena, survivor: c1.atena }), 400, 'missing_field', 'reason');
});

test('抑止: a protected resident\'s address is withheld in the search, the record and its history, through merges too', async () => {
  const supervisor = await k.as(A, 'residents_supervisor');
  const r = await clerk.post('/api/v1/residents/idou', {
    kind: 'kokunai_tennyu', idou_date: '2022-04-01',
    changes: { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町3000番地', katagaki: '秘匿荘1号', prev_address: '東京都' },
    persons: [{ kind: 'japanese', shimei: '保護 花子', shimei_kana: 'ホゴ ハナコ', birth: '1990-01-01', sex: 2, zokugara: '世帯主' }],
  });
  assert.equal(r.status, 201, r.text);
  const [hanako] = r.json.atena;
  const m = await clerk.post('/api/v1/suppressions', { category: 'dv', reason: '相手方からの追跡', confirmer_kind: 'police',
    confirmer: '中之条警察署', confirmed_on: '2025-01-01', applicant: hanako });
  assert.equal(m.status, 201, m.text);
  // A 住登外 record of the same person, merged into her number.
  const old = await made(tax, { kind: 'nonresident', name: '保護 花子', name_kana: 'ホゴ ハナコ', address: '東京都新宿区1番' });
  assert.equal((await merge(old.atena, hanako)).status, 201);
  for (const c of [tax, welfare, clerk]) {
    const hit = (await c.get('/api/v1/addressees?kana=ほご はなこ')).json.items.find((h) => h.atena === hanako);
    assert.equal(hit.address, '', 'the search withholds the address');
    assert.equal(hit.suppression.person, true);
    assert.equal(hit.suppression.address_masked, true);
    for (const number of [hanako, old.atena]) {
      const rec = (await c.get(`/api/v1/addressees/${number}`)).json;
      assert.equal(rec.atena, hanako);
      assert.equal(rec.name, '保護 花子', 'who it is stays visible');
      assert.deepEqual([rec.postcode, rec.address, rec.katagaki], ['', '', '']);
      assert.equal(rec.suppression.address_masked, true);
    }
    const h = (await c.get(`/api/v1/addressees/${hanako}/history`)).json;
    assert.ok(h.versions.every((v) => v.record.address === ''), 'earlier addresses too');
    assert.equal(h.suppression.person, true);
  }
  // The 住民記録責任者 sees it.
  const rec = (await supervisor.get(`/api/v1/addressees/${hanako}`)).json;
  assert.equal(rec.address, '群馬県吾妻郡中之条町大字中之条町3000番地');
  assert.equal(rec.suppression.address_masked, false);
  const hit = (await supervisor.get('/api/v1/addressees?kana=ほご はなこ')).json.items.find((x) => x.atena === hanako);
  assert.equal(hit.address, '群馬県吾妻郡中之条町大字中之条町3000番地');
  // The audit says what was withheld, never the address.
  const log = await audit(`subject=${hanako}&action=addressee.read`);
  assert.ok(log.some((e) => /支援措置 \d+: address withheld/.test(e.detail)), JSON.stringify(log));
  assert.ok(!JSON.stringify(log).includes('3000番地'));
  // Someone not protected shows no suppression.
  assert.equal((await tax.get(`/api/v1/addressees/${resident}`)).json.suppression, null);
});

test('roles without the addressee base and other towns see nothing', async () => {
  const p = await made(clerk, { kind: 'nonresident', name: '町外 太郎', address: '長野県軽井沢町1番' });
  for (const c of [auditor, admin]) {
    assertError(await c.get(`/api/v1/addressees/${p.atena}`), 403, 'forbidden');
    assertError(await c.get('/api/v1/addressees?name=町外'), 403, 'forbidden');
    assertError(await create(c, { kind: 'nonresident', name: 'x', address: 'y' }), 403, 'forbidden');
  }
  assertError(await otherTown.get(`/api/v1/addressees/${p.atena}`), 404, 'not_found');
  assertError(await otherTown.get(`/api/v1/addressees/${p.atena}/history`), 404, 'not_found');
  assert.equal((await otherTown.get('/api/v1/addressees?name=町外')).json.items.length, 0);
  assertError(await change(otherTown, p.atena, { changes: { katagaki: 'x' } }), 404, 'not_found');
  assertError(await otherTown.post('/api/v1/addressee-merges', { absorbed: p.atena, survivor: resident, reason: 'x' }), 404, 'not_found');
  // The audit chain is intact after all of the above.
  const v = await auditor.get('/api/v1/audit/verify');
  assert.equal(v.json.ok, true, v.text);
});
