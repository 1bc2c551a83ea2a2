// 住民基本台帳 over the API: every 異動 category, reads as of dates across a
// sequence of moves, backdated events, corrections and cancellations, the
// households' order, the feed, 個人番号 masking, the audit of each read and
// write, and bad input that leaves nothing half-written.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError } from '../lib/harness.mjs';

const A = '104213';
let k, clerk, tax, auditor;

const ADDR1 = { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町1000番地' };
const ADDR2 = { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町2000番地', katagaki: 'コーポ伊勢101' };
const ADDR3 = { postcode: '3770431', address: '群馬県吾妻郡中之条町大字折田300番地' };

const taroP = { kind: 'japanese', shimei: '山田 太郎', shimei_kana: 'ヤマダ タロウ', birth: '1980-05-05', sex: 1,
  zokugara: '世帯主', honseki: '群馬県高崎市八幡町1番地', hittousha: '山田 太郎', kojin_bango: '123456789018',
  jumin_code: '24727059608' };
const hanakoP = { kind: 'japanese', shimei: '山田 花子', shimei_kana: 'ヤマダ ハナコ', birth: '1982-07-07', sex: 2, zokugara: '妻' };

const idou = (body) => clerk.post('/api/v1/residents/idou', body);
// HTTP header values are bytes: send UTF-8 the way a browser does.
const purpose = (s) => ({ 'X-Kyodo-Purpose': Buffer.from(s, 'utf8').toString('latin1') });
async function ok(body) {
  const r = await idou(body);
  assert.equal(r.status, 201, `${body.kind}: ${r.text}`);
  return r.json;
}
const asOf = async (atena, date) => (await clerk.get(`/api/v1/persons/${atena}?as_of=${date}`));

let taro, hanako, ichiro, setai;

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町']] });
  clerk = await k.as(A, 'residents_clerk');
  tax = await k.as(A, 'tax_clerk');
  auditor = await k.as(A, 'auditor');
});
after(async () => { await k.stop(); });

test('the kinds: every category of the standard, each with its label', async () => {
  const r = await clerk.get('/api/v1/residents/idou-kinds');
  assert.equal(r.status, 200);
  const labels = r.json.items.map((i) => i.label);
  for (const l of ['国内転入', '国外転入', '出生', '職権記載', '職権記載（帰化等）', '職権記載（国籍喪失）',
    '国内転出', '国外転出', '死亡', '職権消除', '職権消除（帰化等）', '職権消除（国籍喪失）',
    '転居', '世帯分離', '世帯合併', '世帯変更', '世帯主変更', '旧氏の記載・変更・削除', '通称の記載・削除',
    '個人番号の変更', '住民票コードの変更', '誤記修正', '異動の取消し'])
    assert.ok(labels.includes(l), `missing ${l}`);
  assert.deepEqual([...new Set(r.json.items.map((i) => i.class))].sort(), ['修正', '消除', '記載']);
  // Other roles cannot use the register.
  assertError(await tax.get('/api/v1/residents/idou-kinds'), 403, 'forbidden');
});

test('国内転入 of a household, 出生 into it, 転居 of the household: each date reads right', async () => {
  let r = await ok({ kind: 'kokunai_tennyu', idou_date: '2020-04-01', todoke_date: '2020-04-03',
    changes: { ...ADDR1, prev_postcode: '3700001', prev_address: '群馬県高崎市八幡町1番地' },
    persons: [taroP, hanakoP] });
  [taro, hanako] = r.atena;
  setai = r.new_setai;
  assert.match(taro, /^[0-9]{10}$/);
  assert.match(setai, /^[0-9]{10}$/);
  r = await ok({ kind: 'shussei', idou_date: '2021-06-10', todoke_date: '2021-06-12', setai,
    persons: [{ kind: 'japanese', shimei: '山田 一郎', shimei_kana: 'ヤマダ イチロウ', sex: 1, zokugara: '子' }] });
  [ichiro] = r.atena;
  await ok({ kind: 'tenkyo', idou_date: '2023-03-01', subjects: [{ atena: taro }, { atena: hanako }, { atena: ichiro }],
    changes: ADDR2 });
  await ok({ kind: 'tenkyo', idou_date: '2025-10-20', subjects: [{ atena: taro }, { atena: hanako }, { atena: ichiro }],
    changes: ADDR3 });

  const expect = [
    ['2020-03-31', taro, null], ['2020-04-01', taro, ADDR1.address], ['2021-06-09', ichiro, null],
    ['2021-06-10', ichiro, ADDR1.address], ['2022-12-31', taro, ADDR1.address], ['2023-03-01', taro, ADDR2.address],
    ['2024-06-30', hanako, ADDR2.address], ['2025-10-19', ichiro, ADDR2.address], ['2025-10-20', ichiro, ADDR3.address],
  ];
  for (const [date, who, address] of expect) {
    const p = await asOf(who, date);
    if (address === null) { assertError(p, 404, 'not_found'); continue; }
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.address, address, `${who} on ${date}`);
    assert.equal(p.json.status, 'resident');
  }
  const i = (await asOf(ichiro, '2022-01-01')).json;
  assert.equal(i.birth, '2021-06-10', '出生: the 異動日 is the date of birth');
  assert.equal(i.setai, setai);
  assert.equal(i.address_fixed, '2021-06-10');
  const t = (await asOf(taro, '2024-01-01')).json;
  assert.equal(t.address_fixed, '2023-03-01', '転居 sets 住所を定めた年月日');
  assert.equal(t.became_resident, '2020-04-01');
  assert.equal(t.prev_address, '群馬県高崎市八幡町1番地');
  assert.equal(t.katagaki, 'コーポ伊勢101');
});

test('the household in the standard order, as of a date', async () => {
  const r = await clerk.get(`/api/v1/households/${setai}?as_of=2024-01-01`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.members.map((m) => m.zokugara), ['世帯主', '妻', '子']);
  const before = await clerk.get(`/api/v1/households/${setai}?as_of=2021-01-01`);
  assert.deepEqual(before.json.members.map((m) => m.shimei), ['山田 太郎', '山田 花子']);
  assertError(await clerk.get(`/api/v1/households/${setai}?as_of=2019-01-01`), 404, 'not_found');
});

test('個人番号 is masked unless shown on purpose, and the showing is audited', async () => {
  let r = await clerk.get(`/api/v1/persons/${taro}`);
  assert.equal(r.json.kojin_bango, '************');
  assert.equal(r.json.kojin_bango_shown, false);
  assertError(await clerk.get(`/api/v1/persons/${taro}?mynumber=show`), 400, 'missing_field', 'X-Kyodo-Purpose');
  for (const blank of ['', '   ', '\u3000\u3000'])
    assertError(await clerk.get(`/api/v1/persons/${taro}?mynumber=show`, { headers: purpose(blank) }),
      400, 'missing_field', 'X-Kyodo-Purpose');
  r = await clerk.get(`/api/v1/persons/${taro}?mynumber=show`, { headers: purpose('本人確認') });
  assert.equal(r.json.kojin_bango, '123456789018');
  const log = (await auditor.get(`/api/v1/audit?subject=${taro}&action=resident.read&limit=5`)).json.items;
  assert.equal(log[0].purpose, '本人確認');
  assert.match(log[0].detail, /個人番号 shown/);
  assert.ok(!JSON.stringify(log).includes('123456789018'), '個人番号 is never in the audit log');
});

test('世帯分離, 世帯変更, 世帯合併 and 世帯主変更 keep households consistent', async () => {
  // Hanako and Ichiro split off into a new household.
  let r = await ok({ kind: 'setai_bunri', idou_date: '2025-11-01',
    subjects: [{ atena: hanako, zokugara: '世帯主' }, { atena: ichiro, zokugara: '子' }] });
  const second = r.new_setai;
  assert.ok(second && second !== setai);
  assert.equal((await asOf(hanako, '2025-11-01')).json.setai, second);
  assert.equal((await asOf(hanako, '2025-10-31')).json.setai, setai);
  // Ichiro moves back (世帯変更); then the rest joins (世帯合併).
  await ok({ kind: 'setai_henko', idou_date: '2025-11-02', setai, subjects: [{ atena: ichiro, zokugara: '子' }] });
  await ok({ kind: 'setai_gappei', idou_date: '2025-11-03', setai, subjects: [{ atena: hanako, zokugara: '妻' }] });
  r = await clerk.get(`/api/v1/households/${setai}?as_of=2025-11-03`);
  assert.deepEqual(r.json.members.map((m) => m.shimei), ['山田 太郎', '山田 花子', '山田 一郎']);
  assertError(await clerk.get(`/api/v1/households/${second}?as_of=2025-11-03`), 404, 'not_found');
  // 世帯主変更: the whole household, exactly one head.
  assertError(await idou({ kind: 'setainushi_henko', idou_date: '2025-11-04',
    subjects: [{ atena: taro, zokugara: '夫' }, { atena: hanako, zokugara: '世帯主' }] }), 400, 'invalid_value', 'subjects');
  await ok({ kind: 'setainushi_henko', idou_date: '2025-11-04',
    subjects: [{ atena: taro, zokugara: '夫' }, { atena: hanako, zokugara: '世帯主' }, { atena: ichiro, zokugara: '子' }] });
  r = await clerk.get(`/api/v1/households/${setai}?as_of=2025-11-04`);
  assert.deepEqual(r.json.members.map((m) => `${m.shimei}:${m.zokugara}`), ['山田 花子:世帯主', '山田 太郎:夫', '山田 一郎:子']);
  // A 転居 moves the whole household.
  assertError(await idou({ kind: 'tenkyo', idou_date: '2025-11-05', subjects: [{ atena: taro }], changes: ADDR1 }),
    400, 'invalid_value', 'subjects');
});

test('name, 旧氏, 個人番号 and 住民票コード changes; 通称 is for 外国人住民 only', async () => {
  await ok({ kind: 'kyuuji', idou_date: '2025-11-10', subjects: [{ atena: hanako }], changes: { kyuuji: '佐藤', kyuuji_kana: 'サトウ' } });
  assert.equal((await asOf(hanako, '2025-11-10')).json.kyuuji, '佐藤');
  assert.equal((await asOf(hanako, '2025-11-09')).json.kyuuji, '');
  assertError(await idou({ kind: 'tsusho', idou_date: '2025-11-10', subjects: [{ atena: hanako }], changes: { tsusho: '花' } }),
    409, 'conflict');
  assertError(await idou({ kind: 'kojin_bango_henko', idou_date: '2025-11-10', subjects: [{ atena: taro }],
    changes: { kojin_bango: '123456789012' } }), 400, 'invalid_value', 'changes.kojin_bango');
  await ok({ kind: 'kojin_bango_henko', idou_date: '2025-11-10', subjects: [{ atena: taro }], changes: { kojin_bango: '983205673214' } });
  await ok({ kind: 'jumin_code_henko', idou_date: '2025-11-10', subjects: [{ atena: taro }], changes: { jumin_code: '12345678903' } });
  const t = (await clerk.get(`/api/v1/persons/${taro}?as_of=2025-11-10&mynumber=show`, { headers: purpose('確認') })).json;
  assert.equal(t.kojin_bango, '983205673214');
  assert.equal(t.jumin_code, '12345678903');
  await ok({ kind: 'shimei_henko', idou_date: '2025-11-11', subjects: [{ atena: ichiro }], changes: { shimei: '山田 壱郎', shimei_kana: 'ヤマダ イチロウ' } });
  assert.equal((await asOf(ichiro, '2025-11-11')).json.shimei, '山田 壱郎');
  assert.equal((await asOf(ichiro, '2025-11-10')).json.shimei, '山田 一郎');
});

test('外国人住民: 国外転入 with 在留資格, 通称, 国外転出', async () => {
  const lin = await ok({ kind: 'kokugai_tennyu', idou_date: '2024-04-01', changes: { ...ADDR1, prev_address: '中国 上海市' },
    persons: [{ kind: 'foreign', shimei: '林 美玲', shimei_kana: 'リン メイリン', alpha_name: 'LIN MEILING', birth: '1995-02-03', sex: 2,
      zokugara: '世帯主', nationality: '中国', zairyu_kubun: '中長期在留者', zairyu_shikaku: '技術・人文知識・国際業務',
      zairyu_kikan: '3年', zairyu_expiry: '2027-04-01', zairyu_card: 'AB12345678CD' }] });
  const [atena] = lin.atena;
  await ok({ kind: 'tsusho', idou_date: '2024-05-01', subjects: [{ atena }], changes: { tsusho: '林 美鈴', tsusho_kana: 'ハヤシ ミスズ' } });
  assert.equal((await asOf(atena, '2024-05-01')).json.tsusho, '林 美鈴');
  // Foreign-only items on a Japanese record and the other way round are refused.
  assertError(await idou({ kind: 'kokunai_tennyu', idou_date: '2024-04-01', changes: ADDR1,
    persons: [{ ...taroP, shimei: '鈴木 一', kojin_bango: '', jumin_code: '', nationality: '日本' }] }), 400, 'invalid_value', 'persons[0].nationality');
  // A 中長期在留者 needs the card number.
  assertError(await idou({ kind: 'kokugai_tennyu', idou_date: '2024-04-01', changes: ADDR1,
    persons: [{ kind: 'foreign', shimei: 'X', shimei_kana: 'エックス', birth: '1990-01-01', sex: 1, zokugara: '世帯主',
      nationality: 'ベトナム', zairyu_kubun: '中長期在留者', zairyu_shikaku: '技能実習', zairyu_kikan: '1年', zairyu_expiry: '2025-01-01' }] }),
  400, 'missing_field', 'persons[0].zairyu_card');
  // 国外転出 dated ahead (allowed for 転出 only): resident until then.
  await ok({ kind: 'kokugai_tenshutsu', idou_date: '2999-01-01', subjects: [{ atena }], changes: { dest_address: 'ベトナム ハノイ市' } });
  assert.equal((await asOf(atena, '2998-12-31')).json.status, 'resident');
  const gone = (await asOf(atena, '2999-01-01')).json;
  assert.equal(gone.status, 'removed');
  assert.equal(gone.removal, 'kokugai_tenshutsu');
  assert.equal(gone.dest_address, 'ベトナム ハノイ市');
});

test('帰化 and 国籍喪失 as their pairs of 職権 events, and 職権修正', async () => {
  const foreignP = { kind: 'foreign', shimei: 'NGUYEN VAN AN', shimei_kana: 'グエン ヴァン アン', alpha_name: 'NGUYEN VAN AN',
    birth: '1988-08-08', sex: 1, zokugara: '世帯主', nationality: 'ベトナム', zairyu_kubun: '中長期在留者',
    zairyu_shikaku: '永住者', zairyu_kikan: '無期限', zairyu_expiry: '2030-01-01', zairyu_card: 'CD98765432EF' };
  const [an] = (await ok({ kind: 'kokugai_tennyu', idou_date: '2023-01-10', changes: { ...ADDR3, prev_address: 'ベトナム ハノイ市' },
    persons: [foreignP] })).atena;
  // 帰化: the 外国人住民票 is removed and a 日本人住民票 made, each by its own kind.
  assertError(await idou({ kind: 'shokken_shojo_soshitsu', idou_date: '2025-06-01', subjects: [{ atena: an }] }), 409, 'conflict');
  await ok({ kind: 'shokken_shojo_kika', idou_date: '2025-06-01', subjects: [{ atena: an }] });
  assertError(await idou({ kind: 'shokken_kisai_kika', idou_date: '2025-06-01', changes: ADDR3, persons: [foreignP] }),
    400, 'invalid_value', 'persons');
  const [taira] = (await ok({ kind: 'shokken_kisai_kika', idou_date: '2025-06-01', changes: ADDR3,
    persons: [{ kind: 'japanese', shimei: '平 安', shimei_kana: 'タイラ ヤスシ', birth: '1988-08-08', sex: 1, zokugara: '世帯主',
      honseki: '群馬県吾妻郡中之条町大字折田300番地', hittousha: '平 安' }] })).atena;
  const was = (await asOf(an, '2025-06-01')).json;
  assert.equal(was.status, 'removed');
  assert.equal(was.removal, 'shokken_shojo_kika');
  assert.equal((await asOf(an, '2025-05-31')).json.nationality, 'ベトナム');
  const now = (await asOf(taira, '2025-06-01')).json;
  assert.equal(now.kind, 'japanese');
  assert.equal(now.honseki, '群馬県吾妻郡中之条町大字折田300番地');
  assertError(await asOf(taira, '2025-05-31'), 404, 'not_found');
  // 国籍喪失: the other way round.
  assertError(await idou({ kind: 'shokken_shojo_kika', idou_date: '2025-09-01', subjects: [{ atena: taira }] }), 409, 'conflict');
  await ok({ kind: 'shokken_shojo_soshitsu', idou_date: '2025-09-01', subjects: [{ atena: taira }] });
  const [again] = (await ok({ kind: 'shokken_kisai_soshitsu', idou_date: '2025-09-01', changes: ADDR3,
    persons: [{ ...foreignP, nationality: 'アメリカ合衆国' }] })).atena;
  assert.equal((await asOf(taira, '2025-09-01')).json.removal, 'shokken_shojo_soshitsu');
  assert.equal((await asOf(again, '2025-09-01')).json.nationality, 'アメリカ合衆国');
  // 職権修正: any item the clerk may set, on one subject, from its date.
  await ok({ kind: 'shokken_shusei', idou_date: '2025-10-01', subjects: [{ atena: again }],
    changes: { alpha_name: 'NGUYEN VAN ANH' } });
  assert.equal((await asOf(again, '2025-09-30')).json.alpha_name, 'NGUYEN VAN AN');
  assert.equal((await asOf(again, '2025-10-01')).json.alpha_name, 'NGUYEN VAN ANH');
  assertError(await idou({ kind: 'shokken_shusei', idou_date: '2025-10-02', subjects: [{ atena: again }],
    changes: { honseki: '東京都' } }), 400, 'invalid_value', 'changes.honseki');
});

test('a backdated 死亡 that later events contradict is refused; one they allow recomputes the rest', async () => {
  // Someone alone in a household, who moved in 2022 and moved within town in 2024.
  const r = await ok({ kind: 'kokunai_tennyu', idou_date: '2022-01-10', changes: { ...ADDR1, prev_address: '東京都千代田区1番' },
    persons: [{ kind: 'japanese', shimei: '高橋 進', shimei_kana: 'タカハシ ススム', birth: '1940-01-01', sex: 1, zokugara: '世帯主' }] });
  const [susumu] = r.atena;
  await ok({ kind: 'tenkyo', idou_date: '2024-02-01', subjects: [{ atena: susumu }], changes: ADDR2 });
  // Died in 2023 (reported late)? The 2024 転居 of a dead person cannot be.
  const refused = await idou({ kind: 'shibou', idou_date: '2023-05-01', subjects: [{ atena: susumu }] });
  assertError(refused, 409, 'conflict');
  assert.match(refused.json.error.message, /転居/);
  assert.equal((await asOf(susumu, '2024-03-01')).json.status, 'resident', 'nothing half-written');
  // Cancel the 転居 first (取消し), then the death can be recorded; the history keeps both.
  const hist1 = (await clerk.get(`/api/v1/persons/${susumu}/history`)).json.versions;
  const moveId = hist1.find((v) => v.idou_kind === 'tenkyo').record.idou_id;
  await ok({ kind: 'torikeshi', idou_date: '2025-11-20', target: moveId });
  assert.equal((await asOf(susumu, '2024-03-01')).json.address, ADDR1.address, 'the cancelled 転居 is gone');
  await ok({ kind: 'shibou', idou_date: '2023-05-01', idou_date_text: '令和5年5月頃', subjects: [{ atena: susumu }] });
  const dead = (await asOf(susumu, '2024-03-01')).json;
  assert.equal(dead.status, 'removed');
  assert.equal(dead.removal, 'shibou');
  assert.equal(dead.removal_date, '2023-05-01');
  assert.equal((await asOf(susumu, '2023-04-30')).json.status, 'resident');
  // Every snapshot is kept; the superseded ones say when.
  const hist = (await clerk.get(`/api/v1/persons/${susumu}/history`)).json.versions;
  assert.deepEqual(hist.map((v) => v.record.rireki), hist.map((_, i) => i + 1), '履歴番号 1, 2, 3 … without gaps');
  assert.ok(hist.some((v) => v.idou_kind === 'tenkyo' && v.superseded_at), 'the cancelled 転居 is superseded, not deleted');
  // A cancelled event cannot be cancelled again, nor can a cancellation.
  assertError(await idou({ kind: 'torikeshi', idou_date: '2025-11-20', target: moveId }), 409, 'conflict', 'target');
});

test('誤記修正 corrects what an event recorded, from its date, and the past as then known stays readable', async () => {
  const r = await ok({ kind: 'kokunai_tennyu', idou_date: '2021-09-01', changes: { ...ADDR1, prev_address: '前橋市' },
    persons: [{ kind: 'japanese', shimei: '佐々木 稔', shimei_kana: 'ササキ ミノル', birth: '1975-03-03', sex: 1, zokugara: '世帯主' }] });
  const [minoru] = r.atena;
  await ok({ kind: 'tenkyo', idou_date: '2022-09-01', subjects: [{ atena: minoru }], changes: ADDR2 });
  const beforeCorrection = new Date().toISOString(); // with milliseconds, as recorded
  await new Promise((res) => setTimeout(res, 1100));
  const moveIn = (await clerk.get(`/api/v1/persons/${minoru}/history`)).json.versions[0].record.idou_id;
  // The birth date was mistyped at the move-in.
  await ok({ kind: 'goki_shusei', idou_date: '2025-11-21', target: moveIn, subjects: [{ atena: minoru }], changes: { birth: '1975-08-03' } });
  assert.equal((await asOf(minoru, '2021-09-01')).json.birth, '1975-08-03');
  assert.equal((await asOf(minoru, '2023-01-01')).json.birth, '1975-08-03', 'later snapshots carry the correction');
  assert.equal((await asOf(minoru, '2023-01-01')).json.address, ADDR2.address, 'and keep their own changes');
  const then = await clerk.get(`/api/v1/persons/${minoru}?as_of=2023-01-01&known_at=${beforeCorrection}`);
  assert.equal(then.json.birth, '1975-03-03', 'as known before the correction');
  // A correction names a subject of its target.
  assertError(await idou({ kind: 'goki_shusei', idou_date: '2025-11-21', target: moveIn, subjects: [{ atena: taro }], changes: { birth: '1980-05-06' } }),
    400, 'invalid_value', 'subjects[0].atena');
});

test('国内転出 then 転出確定; the 除票 stays readable; later changes to it are refused', async () => {
  const r = await ok({ kind: 'kokunai_tennyu', idou_date: '2019-05-01', changes: { ...ADDR3, prev_address: '渋川市' },
    persons: [{ kind: 'japanese', shimei: '中村 恵', shimei_kana: 'ナカムラ メグミ', birth: '1990-10-10', sex: 2, zokugara: '世帯主' }] });
  const [megumi] = r.atena;
  await ok({ kind: 'kokunai_tenshutsu', idou_date: '2025-06-30', todoke_date: '2025-06-20', subjects: [{ atena: megumi }],
    changes: { dest_postcode: '3710001', dest_address: '群馬県前橋市大手町1番地（予定）' } });
  let p = (await asOf(megumi, '2025-07-01')).json;
  assert.equal(p.status, 'removed');
  assert.equal(p.dest_confirmed, 0);
  await ok({ kind: 'tenshutsu_kakutei', idou_date: '2025-07-10', subjects: [{ atena: megumi }],
    changes: { dest_postcode: '3710001', dest_address: '群馬県前橋市大手町1番地' } });
  p = (await asOf(megumi, '2025-07-10')).json;
  assert.equal(p.dest_confirmed, 1);
  assert.equal(p.dest_address, '群馬県前橋市大手町1番地');
  // A 転居 of a removed record.
  const moved = await idou({ kind: 'tenkyo', idou_date: '2025-08-01', subjects: [{ atena: megumi }], changes: ADDR1 });
  assertError(moved, 409, 'conflict', 'subjects[0].atena');
  assert.match(moved.json.error.message, /removed/);
  // 職権記載 and 職権消除 exist as kinds of their own.
  const s = await ok({ kind: 'shokken_kisai', idou_date: '2025-01-01', changes: ADDR1,
    persons: [{ kind: 'japanese', shimei: '職権 記載', shimei_kana: 'ショッケン キサイ', birth: '1970-01-01', sex: 9, zokugara: '世帯主' }] });
  await ok({ kind: 'shokken_shojo', idou_date: '2025-02-01', subjects: [{ atena: s.atena[0] }] });
  assert.equal((await asOf(s.atena[0], '2025-02-01')).json.removal, 'shokken_shojo');
});

test('bad input: impossible dates, wrong check digits, future dates, overlong names, unknown kinds — nothing written', async () => {
  const feedBefore = (await clerk.get('/api/v1/events?limit=1000')).json.items.length;
  const base = { kind: 'kokunai_tennyu', idou_date: '2025-01-01', changes: { ...ADDR1, prev_address: 'x' },
    persons: [{ kind: 'japanese', shimei: '田中 一', shimei_kana: 'タナカ ハジメ', birth: '1990-01-01', sex: 1, zokugara: '世帯主' }] };
  const person = (extra) => ({ ...base, persons: [{ ...base.persons[0], ...extra }] });
  const cases = [
    [{ ...base, idou_date: '2025-02-30' }, 'invalid_value', 'idou_date'],
    [{ ...base, idou_date: '2999-01-01' }, 'invalid_value', 'idou_date'],
    [{ ...base, kind: 'tennyu' }, 'invalid_value', 'kind'],
    [person({ birth: '1990-13-01' }), 'invalid_value', 'persons[0].birth'],
    [person({ birth: '2026-01-01' }), 'invalid_value', 'persons[0].birth'],
    [person({ kojin_bango: '123456789012' }), 'invalid_value', 'persons[0].kojin_bango'],
    [person({ jumin_code: '12345678901' }), 'invalid_value', 'persons[0].jumin_code'],
    [person({ shimei: '長'.repeat(101) }), 'too_long', 'persons[0].shimei'],
    [person({ sex: 3 }), 'invalid_value', 'persons[0].sex'],
    [person({ zokugara: '孫' }), 'invalid_value', 'persons[0].zokugara'],
    [person({ zokugara: '子の子の子の子の子' }), 'invalid_value', 'persons[0].zokugara'],
    [person({ status: 'removed' }), 'unknown_field', 'persons[0].status'],
    [person({ shimei: undefined }), 'missing_field', 'persons[0].shimei'],
    [{ ...base, persons: [] }, 'missing_field', 'persons'],
    [{ ...base, changes: { prev_address: 'x' } }, 'missing_field', 'changes.address'],
    [{ ...base, changes: { ...ADDR1, postcode: '377-0424' } }, 'too_long', 'changes.postcode'],
    [{ ...base, changes: { ...ADDR1, postcode: '377042x' } }, 'invalid_value', 'changes.postcode'],
    [{ ...base, subjects: [{ atena: taro }] }, 'unknown_field', 'subjects'],
    [{ ...base, persons: [base.persons[0], { ...base.persons[0], shimei: '田中 二' }] }, 'invalid_value', 'persons[1].zokugara'],
    [{ kind: 'tenkyo', idou_date: '2025-01-01', subjects: [{ atena: '9999999999' }], changes: ADDR1 }, 'not_found', 'subjects[0].atena'],
    [{ kind: 'shibou', idou_date: '2025-01-01', subjects: [{ atena: taro }, { atena: hanako }] }, 'invalid_value', 'subjects'],
    [{ kind: 'kokunai_tennyu', idou_date: '2025-01-01', setai: '0000000000', persons: base.persons }, 'not_found', 'setai'],
    [{ kind: 'tenkyo', idou_date: '2025-01-01', idou_date_text: '頃', subjects: [{ atena: taro }], changes: ADDR1 }, 'invalid_value', 'idou_date_text'],
  ];
  for (const [body, code, field] of cases) {
    const r = await idou(JSON.parse(JSON.stringify(body)));
    assert.ok(r.status >= 400 && r.status < 500, `${field}: ${r.status} ${r.text}`);
    assert.equal(r.json.error.code, code, `${field}: ${r.text}`);
    assert.equal(r.json.error.field, field, r.text);
  }
  const feedAfter = (await clerk.get('/api/v1/events?limit=1000')).json.items.length;
  assert.equal(feedAfter, feedBefore, 'no event was stored');
});

test('search: readings however typed, names, birth, numbers; residents or 除票; pages', async () => {
  const search = async (q) => {
    const r = await clerk.get(`/api/v1/persons?${new URLSearchParams(q)}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  // ヤマダ however it is typed: hiragana, half-width, with voiced marks dropped.
  for (const kana of ['やまだ', 'ﾔﾏﾀﾞ', 'ヤマタ', 'やま']) {
    const hits = (await search({ kana })).items.map((h) => h.shimei);
    assert.ok(hits.includes('山田 太郎') && hits.includes('山田 花子'), `${kana}: ${hits}`);
  }
  assert.deepEqual((await search({ kana: 'やまだ はなこ' })).items.map((h) => h.atena), [hanako]);
  // 旧氏 and 通称 readings find the person too.
  assert.ok((await search({ kana: 'サトウ' })).items.some((h) => h.atena === hanako), '旧氏 サトウ');
  assert.ok((await search({ kana: 'ハヤシ' })).items.some((h) => h.shimei === '林 美玲'), '通称 ハヤシ');
  // Names, birth dates, numbers.
  assert.ok((await search({ name: '山田' })).items.length >= 3);
  assert.deepEqual((await search({ birth: '1980-05-05', kana: 'ヤマ' })).items.map((h) => h.atena), [taro]);
  assert.deepEqual((await search({ atena: taro })).items.map((h) => h.shimei), ['山田 太郎']);
  assert.deepEqual((await search({ jumin_code: '12345678903' })).items.map((h) => h.atena), [taro]);
  // Addresses: from the 大字 on (大字 itself optional), or from the start; digits
  // however wide; the 方書 too. Every hit lives there.
  const atAddress = async (address, part) => {
    const hits = (await search({ address, status: 'all', limit: '100' })).items;
    assert.ok(hits.length > 0, `${address}: no hits`);
    for (const h of hits) assert.ok(h.address.includes(part), `${address}: ${h.address}`);
    return hits;
  };
  const orita = await atAddress('折田', '折田');
  assert.deepEqual((await atAddress('大字折田３００', '折田300')).map((h) => h.atena), orita.map((h) => h.atena));
  await atAddress('群馬県吾妻郡中之条町大字折田', '折田');
  await atAddress('中之条町1000', '大字中之条町1000');
  assert.equal((await search({ address: '折田301' })).items.length, 0);
  const kata = (await search({ address: 'コーポ伊勢', status: 'all' })).items;
  assert.ok(kata.length > 0 && kata.every((h) => h.address === ADDR2.address), 'the 方書 finds its address');
  // 除票: the dead and the moved-out are found only when asked for.
  assert.equal((await search({ kana: 'タカハシ ススム' })).items.length, 0);
  assert.equal((await search({ kana: 'タカハシ ススム', status: 'removed' })).items[0].status, 'removed');
  // Someone leaving abroad in 2999 is still a resident today.
  assert.equal((await search({ kana: 'リン' })).items[0].status, 'resident');
  // Pages: every hit once, in order, across pages.
  const all = (await search({ kana: 'ヤ', status: 'all', limit: '100' })).items.map((h) => h.atena);
  const paged = [];
  let next = null;
  do {
    const page = await search({ kana: 'ヤ', status: 'all', limit: '1', ...(next ? { after: next } : {}) });
    paged.push(...page.items.map((h) => h.atena));
    next = page.next;
  } while (next);
  assert.deepEqual(paged, all);
  // Bad criteria.
  for (const [q, code, field] of [[{}, 'missing_field', 'kana'], [{ kana: 'a', name: 'b' }, 'invalid_value', 'name'],
    [{ kana: 'a', address: 'b' }, 'invalid_value', 'address'], [{ address: '　' }, 'invalid_value', 'address'],
    [{ birth: '2025-02-30' }, 'invalid_value', 'birth'], [{ kana: 'ア', limit: '101' }, 'invalid_value', 'limit'],
    [{ kana: 'ア', status: 'dead' }, 'invalid_value', 'status'], [{ kana: 'ア', after: 'zz' }, 'invalid_value', 'after'],
    [{ kana: 'ア', tenant: '104248' }, 'unknown_field', 'tenant']])
    assertError(await clerk.get(`/api/v1/persons?${new URLSearchParams(q)}`), 400, code, field);
  // Searches are audited with their criteria.
  const log = (await auditor.get('/api/v1/audit?action=resident.search&limit=1')).json.items[0];
  assert.match(log.detail, /search:/);
});

test('the feed: every event in order, cancellations name their target, readers audited', async () => {
  const all = (await tax.get('/api/v1/events?limit=1000')).json;
  assert.ok(all.items.length > 10);
  assert.deepEqual(all.items.map((e) => e.id), [...all.items.map((e) => e.id)].sort((a, b) => a - b));
  const page = (await tax.get(`/api/v1/events?after=${all.items[3].id}&limit=2`)).json;
  assert.deepEqual(page.items.map((e) => e.id), [all.items[4].id, all.items[5].id]);
  assert.equal(page.next_after, all.items[5].id);
  assert.ok(all.items.some((e) => e.kind === 'torikeshi' && e.cancels));
  assert.ok(all.items.every((e) => ['記載', '消除', '修正', '年齢到達'].includes(e.class)));
  assert.ok(all.items.every((e) => e.kind === 'nenrei_toutatsu' ? e.age > 0 : e.idou_id > 0));
  assertError(await auditor.get('/api/v1/events'), 403, 'forbidden');
  const log = (await auditor.get('/api/v1/audit?action=events.read&limit=5')).json.items;
  assert.equal(log[0].user, 'tax-clerk');
});

test('age milestones join the feed: reaching 18 today (the day before the birthday), once', async () => {
  // Today in Japan, and the birth date that reaches 18 on it.
  const today = new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);
  const iso = (t) => new Date(t).toISOString().slice(0, 10);
  // Age n is reached the day before the n-th birthday; born 02-29, on 02-28.
  const reaches = (b, n) => {
    const [y, m, d] = b.split('-').map(Number);
    const anniversary = Date.UTC(y + n, m - 1, d);
    if (new Date(anniversary).getUTCDate() !== d) return iso(Date.UTC(y + n, 1, 28));
    return iso(anniversary - 86400e3);
  };
  const around = Date.parse(`${Number(today.slice(0, 4)) - 18}${today.slice(4)}`);
  const birth = [-2, -1, 0, 1, 2, 3].map((k) => iso(around + k * 86400e3)).find((b) => reaches(b, 18) === today);
  assert.ok(birth);
  const r = await idou({ kind: 'kokunai_tennyu', idou_date: today, changes: ADDR3,
    persons: [{ kind: 'japanese', shimei: '成人 達', shimei_kana: 'セイジン タツ', birth, sex: 1, zokugara: '世帯主' }] });
  assert.equal(r.status, 201, r.text);
  const who = r.json.atena[0];
  const before = (await tax.get('/api/v1/events?limit=1000')).json.items;
  const last = before[before.length - 1].id;
  assert.ok(!before.some((e) => e.kind === 'nenrei_toutatsu' && e.atena[0] === who));
  // The server did today's milestones when it started, before this 転入:
  // looking at today again finds the newcomer.
  const run = k.cli(['residents', 'milestones', '--tenant', A, '--from', today]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^${A} 中之条町: \\d+ age milestones published through ${today}`, 'm'));
  const after = (await tax.get(`/api/v1/events?after=${last}`)).json.items;
  const m = after.filter((e) => e.kind === 'nenrei_toutatsu' && e.atena[0] === who);
  assert.equal(m.length, 1, JSON.stringify(after));
  assert.equal(m[0].age, 18);
  assert.equal(m[0].idou_date, today);
  assert.equal(m[0].label, '年齢到達');
  assert.ok(m[0].id > last);
  // Once only; never ahead of the day.
  assert.equal(k.cli(['residents', 'milestones', '--tenant', A, '--from', today]).status, 0);
  assert.equal((await tax.get(`/api/v1/events?after=${last}`)).json.items.filter((e) => e.atena[0] === who &&
    e.kind === 'nenrei_toutatsu').length, 1);
  const ahead = k.cli(['residents', 'milestones', '--tenant', A, '--through', '2999-01-01']);
  assert.equal(ahead.status, 2);
  assert.match(ahead.stderr, /--through: 2999-01-01 is after today/);
});

test('every write and read of a person is in the audit log under their 宛名番号', async () => {
  const log = (await auditor.get(`/api/v1/audit?subject=${ichiro}&limit=500`)).json.items;
  const actions = new Set(log.map((e) => e.action));
  assert.ok(actions.has('resident.idou'));
  assert.ok(actions.has('resident.read'));
  const idou = log.filter((e) => e.action === 'resident.idou');
  assert.ok(idou.some((e) => /出生/.test(e.detail)));
  assert.ok(idou.some((e) => /転居/.test(e.detail)));
  // The chain is intact after all of it.
  const v = (await auditor.get('/api/v1/audit/verify')).json;
  assert.equal(v.ok, true);
});
