// データ移行 from the command line (kyodo export / kyodo import, docs/layouts.md):
// for every layout (住民基本台帳, 住登外, 印鑑登録) a generated town exported, imported
// into an empty town and exported again gives byte-identical files and equal
// manifests — history, 除票, superseded snapshots, 住登外者, 法人, merges, seals and
// their pictures included; the register goes on from imported people (a 転居, a
// 死亡, a backdated 誤記修正, read as of dates); a vendor's header-less CP932 set
// with 和暦 dates and a 外字 imports; a set with broken rows and broken
// references is refused whole with a report naming each bad field, and nothing is
// written; a dry run writes nothing; a town that holds data refuses an import;
// the audit log has the entries and verifies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKyodo, SOURCE_DIR } from '../lib/harness.mjs';

const A = '104213'; // generated, exported
const B = '104248'; // the round trip's target
const C = '104256'; // a vendor's CP932 set
const D = '104264'; // a broken set, then the good one
const E = '104281'; // a dry run, then the real import
const LAYOUTS = join(SOURCE_DIR, 'layouts');
const LAYOUT_NAMES = ['juki', 'jutogai', 'inkan'];

let k, work;
const s = {}; // sessions by town: s[A].clerk …

const cli = (args) => k.cli([...args, '--layouts', LAYOUTS]);
function exportSet(town, layout, dir, profile) {
  const r = cli(['export', '--tenant', town, '--layout', layout, '--out', dir, ...(profile ? ['--profile', profile] : [])]);
  assert.equal(r.status, 0, `export ${town} ${layout}: ${r.stderr}`);
  return r;
}
function importSet(town, layout, dir, extra = []) {
  return cli(['import', '--tenant', town, '--layout', layout, '--in', dir, ...extra]);
}
const today = () => new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);
const manifest = (dir) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
// The files of a set (folders flattened), relative names.
function files(dir, sub = '') {
  const out = [];
  for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...files(dir, join(sub, e.name)));
    else out.push(join(sub, e.name));
  }
  return out.sort();
}

// 宛名番号 and 世帯番号: serial + モジュラス11 check digit (weights 2..7 from the
// right; remainder 1 is never issued), ten digits (the town's default).
function number(serial) {
  for (let n = serial; ; n++) {
    const s9 = String(n).padStart(9, '0');
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(s9[8 - i]) * (2 + (i % 6));
    const r = sum % 11;
    if (r !== 1) return s9 + String(r === 0 ? 0 : 11 - r);
  }
}

// The items of a file of a layout, in order (layouts/<name>/items/<ID>.tsv).
function items(layout, id) {
  return readFileSync(join(LAYOUTS, layout, 'items', `${id}.tsv`), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('項番')).map((l) => l.split('\t')[1]);
}
// CSV text of rows given as {項目名: value}, every field quoted, CRLF.
function csv(layout, id, rows, { header = false } = {}) {
  const names = items(layout, id);
  for (const r of rows) for (const k2 of Object.keys(r)) assert.ok(names.includes(k2), `${id} has no item ${k2}`);
  const q = (v) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const lines = rows.map((r) => names.map((n) => q(r[n])).join(','));
  if (header) lines.unshift(names.map(q).join(','));
  return lines.join('\r\n') + '\r\n';
}
function cp932(text) {
  const r = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'CP932'], { input: Buffer.from(text, 'utf8') });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}
// report.csv (UTF-8 with BOM, every field quoted): [{file, line, item, value, reason}]
function report(dir) {
  const text = readFileSync(join(dir, 'report.csv'), 'utf8').replace(/^\uFEFF/, '');
  const rows = [];
  for (const line of text.split('\r\n').slice(1)) {
    if (!line) continue;
    const f = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replace(/""/g, '"'));
    rows.push({ file: f[0], line: Number(f[1]), item: f[2], value: f[3], reason: f[4] });
  }
  return rows;
}

async function ok(c, path, body, status = 201) {
  const r = await c.post(path, body);
  assert.equal(r.status, status, `${path}: ${r.text}`);
  return r.json;
}
const idou = (town, body) => ok(s[town].clerk, '/api/v1/residents/idou', body);
const person = async (town, atena, q = '') => {
  const r = await s[town].clerk.get(`/api/v1/persons/${atena}${q}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
};

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町'], [B, '長野原町'], [C, '嬬恋村'], [D, '草津町'], [E, '高山村']] });
  work = mkdtempSync(join(tmpdir(), 'kyodo-migration-'));
  for (const t of [A, B, C, D, E]) {
    s[t] = { clerk: await k.as(t, 'residents_clerk'), auditor: await k.as(t, 'auditor') };
  }
  const g = k.cli(['residents', 'generate', '--tenant', A, '--count', '300', '--seed', '7']);
  assert.equal(g.status, 0, g.stderr);

  // History the generator does not make: a 誤記修正 and a 異動の取消し (superseded
  // snapshots), a 死亡 of 不詳 date, a foreign resident's 通称.
  const ADDR = { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町1000番地' };
  let r = await idou(A, { kind: 'kokunai_tennyu', idou_date: '2021-09-01', todoke_date: '2021-09-02',
    changes: { ...ADDR, prev_address: '前橋市大手町1番地' }, note: '転入届（窓口）',
    persons: [{ kind: 'japanese', shimei: '佐々木 稔', shimei_kana: 'ササキ ミノル', birth: '1975-03-03', sex: 1, zokugara: '世帯主' },
      { kind: 'japanese', shimei: '佐々木 葛󠄀子', shimei_kana: 'ササキ クズコ', birth: '1977-01-01', sex: 2, zokugara: '妻', kyuuji: '吉田' }] });
  const [minoru, kuzuko] = r.atena;
  await idou(A, { kind: 'tenkyo', idou_date: '2022-09-01', subjects: [{ atena: minoru }, { atena: kuzuko }],
    changes: { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町2000番地', katagaki: 'コーポ伊勢101' } });
  const hist = (await s[A].clerk.get(`/api/v1/persons/${minoru}/history`)).json.versions;
  await idou(A, { kind: 'goki_shusei', idou_date: '2023-01-10', target: hist[0].record.idou_id,
    subjects: [{ atena: minoru }], changes: { birth: '1975-08-03' } });
  r = await idou(A, { kind: 'tenkyo', idou_date: '2024-05-01', subjects: [{ atena: minoru }, { atena: kuzuko }],
    changes: { postcode: '3770431', address: '群馬県吾妻郡中之条町大字折田300番地' } });
  await idou(A, { kind: 'torikeshi', idou_date: '2024-05-02', target: r.idou_id });
  r = await idou(A, { kind: 'kokunai_tennyu', idou_date: '2020-02-02', changes: { ...ADDR, katagaki: '離れ' },
    persons: [{ kind: 'foreign', shimei: 'NGUYEN VAN AN', shimei_kana: 'グエン　ヴァン　アン', alpha_name: 'NGUYEN VAN AN',
      birth: '1995-02-03', sex: 1, zokugara: '世帯主', nationality: 'ベトナム', zairyu_kubun: '中長期在留者',
      zairyu_shikaku: '技能実習', zairyu_kikan: '3年', zairyu_expiry: '2027-03-31', zairyu_card: 'AB12345678CD' }] });
  await idou(A, { kind: 'tsusho', idou_date: '2021-01-05', subjects: [{ atena: r.atena[0] }], changes: { tsusho: '中村 安', tsusho_kana: 'ナカムラ　アン' } });
  await idou(A, { kind: 'shibou', idou_date: '2023-06-01', idou_date_text: '令和5年6月頃', subjects: [{ atena: r.atena[0] }] });

  // 住登外者 and 法人, a backdated change (a superseded snapshot), merges.
  const clerkA = s[A].clerk;
  const land = await ok(clerkA, '/api/v1/addressees', { kind: 'nonresident', name: '佐藤 一郎', name_kana: 'サトウ イチロウ',
    birth: '昭和30年4月1日', sex: 1, postcode: '1000001', address: '東京都千代田区千代田1番1号', valid_from: '2022-04-01',
    note: '固定資産（土地）の所有者' });
  await ok(clerkA, `/api/v1/addressees/${land.atena}/changes`, { valid_from: '2024-01-01', changes: { address: '東京都港区芝公園4丁目2番8号' } });
  await ok(clerkA, `/api/v1/addressees/${land.atena}/changes`, { valid_from: '2023-01-01', changes: { name: '佐藤 壹郎' }, note: '氏名の誤記' });
  await ok(clerkA, '/api/v1/addressees', { kind: 'nonresident', name: '不詳 太郎', birth: '年月日不詳', address: '大阪府大阪市北区1番', valid_from: '2024-02-02' });
  await ok(clerkA, '/api/v1/addressees', { kind: 'corporation', name: '株式会社吾妻商事', name_kana: 'アガツマショウジ',
    corp_number: '4011001098993', postcode: '3770000', address: '群馬県吾妻郡中之条町大字中之条町1番地', representative: '吾妻 太郎',
    valid_from: '2023-10-01' });
  const twice = await ok(clerkA, '/api/v1/addressees', { kind: 'nonresident', name: '佐々木 稔', birth: '1975-08-03', address: '前橋市', valid_from: '2021-01-01' });
  await ok(clerkA, '/api/v1/addressee-merges', { absorbed: twice.atena, survivor: minoru, reason: '転入前の住登外登録' });
  const other = await ok(clerkA, '/api/v1/addressees', { kind: 'nonresident', name: '山本 次郎', address: '高崎市', valid_from: '2024-03-03' });
  const m = await ok(clerkA, '/api/v1/addressee-merges', { absorbed: other.atena, survivor: land.atena, reason: '同一人と思われた' });
  await ok(clerkA, `/api/v1/addressee-merges/${m.id}/undo`, { reason: '別人だった' }, 200);

  // A 印鑑登録証明書 (交付履歴).
  const seals = (await clerkA.get('/api/v1/seals?status=active&limit=5')).json.items;
  const reg = seals.find((x) => x.card && x.card.number);
  const who = await person(A, reg.atena);
  const cert = await s[A].clerk.post('/api/v1/seal-certificates', { card_number: reg.card.number, birth: who.birth, requester_name: '代理 人' });
  assert.equal(cert.status, 201, cert.text);
});

after(async () => {
  await k.stop();
  rmSync(work, { recursive: true, force: true });
});

test('every layout: export, import into an empty town, export again: the same bytes, equal manifests', async () => {
  for (const layout of LAYOUT_NAMES) {
    const one = join(work, `A-${layout}`);
    exportSet(A, layout, one);
    const r = importSet(B, layout, one);
    assert.equal(r.status, 0, `import ${layout}: ${r.stderr}${r.stdout}`);
    const two = join(work, `B-${layout}`);
    exportSet(B, layout, two);
    const f1 = files(one), f2 = files(two);
    assert.deepEqual(f2, f1, `${layout}: the same files`);
    for (const f of f1) {
      if (f === 'manifest.json') continue;
      assert.ok(readFileSync(join(one, f)).equals(readFileSync(join(two, f))), `${layout}: ${f} differs`);
    }
    const m1 = manifest(one), m2 = manifest(two);
    for (const key of ['layout', 'version', 'profile', 'files']) assert.deepEqual(m2[key], m1[key], `${layout}: manifest ${key}`);
    assert.equal(m1.town, A);
    assert.equal(m2.town, B);
    assert.ok(m1.files.every((f) => f.rows > 0), `${layout}: every file has rows: ${JSON.stringify(m1.files)}`);
  }
  // What the sets hold: history with superseded snapshots and 除票, 法人, merges, pictures.
  const juki = readFileSync(join(work, 'A-juki', 'JUKI02.csv'), 'utf8').split('\n');
  const head = juki[0].split(',');
  const col = (n) => head.indexOf(n);
  const rows = juki.slice(1).filter(Boolean).map((l) => l.split(','));
  assert.ok(rows.some((r) => r[col('無効区分')] === '1'), 'superseded snapshots are carried');
  assert.ok(rows.some((r) => r[col('住民状態')] === '3'), '除票 (死亡) are carried');
  assert.ok(rows.some((r) => r[col('異動年月日_不詳表記')] === '令和5年6月頃'), 'a 不詳 異動日 is carried');
  assert.ok(rows.some((r) => r[col('留意事項')] === '転入届（窓口）'), 'the 留意事項 is carried');
  const jutogai = readFileSync(join(work, 'A-jutogai', 'JUTOGAI02.csv'), 'utf8');
  assert.match(jutogai, /株式会社吾妻商事/);
  assert.match(jutogai, /年月日不詳/);
  assert.equal(readFileSync(join(work, 'A-jutogai', 'JUTOGAI03.csv'), 'utf8').trim().split('\n').length, 3, 'two merges');
  const inkan = manifest(join(work, 'A-inkan'));
  const pictures = inkan.files.find((f) => f.path === 'images/');
  assert.ok(pictures && pictures.rows > 10, JSON.stringify(inkan.files));
  assert.equal(readdirSync(join(work, 'A-inkan', 'images')).length, pictures.rows);
  assert.equal(inkan.files.find((f) => f.path === 'INKAN04.csv').rows, 1, 'the certificate issued');
});

test('the register goes on from imported people: a 転居, a 死亡, a backdated 誤記修正, read as of dates', async () => {
  // The imported town reads as the original did.
  const j01 = readFileSync(join(work, 'A-juki', 'JUKI03.csv'), 'utf8').split('\n').slice(1).filter(Boolean);
  const big = j01.map((l) => l.split(',')).find((f) => Number(f[3]) >= 2);
  const setai = big[0];
  const h = await s[B].clerk.get(`/api/v1/households/${setai}?as_of=${today()}`);
  assert.equal(h.status, 200, h.text);
  const members = h.json.members.map((m) => m.atena);
  assert.equal(members.length, Number(big[3]));
  const first = members[0];
  const histA = (await s[A].clerk.get(`/api/v1/persons/${first}/history`)).json.versions;
  for (const v of histA.filter((x) => !x.superseded_at)) {
    const a = await person(A, first, `?as_of=${v.record.valid_from}`);
    const b = await person(B, first, `?as_of=${v.record.valid_from}`);
    for (const f of ['shimei', 'address', 'setai', 'zokugara', 'status', 'birth', 'sex'])
      assert.equal(b[f], a[f], `${first} as of ${v.record.valid_from}: ${f}`);
  }
  // A 転居 of the whole household today, then a 死亡 of one member.
  const NEW = { postcode: '3770801', address: '群馬県吾妻郡中之条町大字四万4000番地', katagaki: '' };
  await idou(B, { kind: 'tenkyo', idou_date: today(), subjects: members.map((atena) => ({ atena })), changes: NEW });
  const died = members[members.length - 1];
  await idou(B, { kind: 'shibou', idou_date: today(), subjects: [{ atena: died }] });
  const before = histA.filter((x) => !x.superseded_at).at(-1).record;
  const yesterday = new Date(Date.parse(today()) - 86400e3).toISOString().slice(0, 10);
  assert.equal((await person(B, first, `?as_of=${yesterday}`)).address, before.address);
  assert.equal((await person(B, first, `?as_of=${today()}`)).address, NEW.address);
  assert.equal((await person(B, died, `?as_of=${today()}`)).status, 'removed');
  // A backdated 誤記修正 of the first imported 異動: the later snapshots carry the
  // correction and keep their own changes.
  const histB = (await s[B].clerk.get(`/api/v1/persons/${first}/history`)).json.versions;
  await idou(B, { kind: 'goki_shusei', idou_date: today(), target: histB[0].record.idou_id,
    subjects: [{ atena: first }], changes: { shimei_kana: 'テイセイ　サレタ' } });
  assert.equal((await person(B, first, `?as_of=${histB[0].record.valid_from}`)).shimei_kana, 'テイセイ　サレタ');
  const now = await person(B, first, `?as_of=${today()}`);
  assert.equal(now.shimei_kana, 'テイセイ　サレタ');
  assert.equal(now.address, NEW.address, 'the 転居 after the import is kept');
  assert.equal(now.shimei, before.shimei);
  // A backdated 死亡 before an imported change cannot be.
  const r = await s[B].clerk.post('/api/v1/residents/idou', { kind: 'shibou', idou_date: histB[0].record.valid_from, subjects: [{ atena: first }] });
  if (histB.filter((x) => !x.superseded_at).length > 1) assert.equal(r.status, 409, r.text);
});

test('a vendor set: header-less CP932, every field quoted, CRLF, 和暦 dates, a 外字 — imports', async () => {
  const dir = join(work, 'vendor');
  mkdirSync(dir);
  const S = number(500), H = number(501), W = number(510);
  const PUA = '\uE000'; // 外字 F040 of the vendor: 髙 in the profile's 外字対応表
  const A1 = '群馬県吾妻郡嬬恋村大字鎌原100番地', A2 = '群馬県吾妻郡嬬恋村大字大前200番地';
  const common = { 世帯番号: S, 住民種別: '1', 住民状態: '1', 性別: '1', 生年月日_不詳フラグ: '0', 転出先住所_確定区分: '0',
    住所_郵便番号: '3770000', 住所: A2, 住民となった年月日: '04100401', 住所を定めた年月日: '05020601' };
  const h = { ...common, 宛名番号: H, 氏名: `${PUA}橋 一`, 氏名_フリガナ: 'タカハシ　ハジメ', 生年月日: '03550505',
    続柄コード1: '01', 続柄表記: '世帯主', 本籍: '群馬県吾妻郡嬬恋村大字鎌原100番地', 戸籍_筆頭者: `${PUA}橋 一` };
  const w = { ...common, 宛名番号: W, 氏名: `${PUA}橋 花`, 氏名_フリガナ: 'タカハシ　ハナ', 性別: '2', 生年月日: '03300000',
    生年月日_不詳フラグ: '1', 続柄コード1: '03', 続柄表記: '妻' };
  const ev = (x, rireki, jiyu, date, extra = {}) => ({ ...x, 履歴番号: String(rireki), 異動事由: jiyu, 異動年月日: date,
    処理年月日: date, 処理時刻: '10:00:00.000', 更新担当者: 'vendor', 無効区分: '0', ...extra });
  const rows2 = [
    ev(h, 1, '14', '04100401', { 住所: A1, 住所を定めた年月日: '04100401' }),
    ev(h, 2, '32', '05020601'),
    ev(w, 1, '14', '04100401', { 住所: A1, 住所を定めた年月日: '04100401', 生年月日_不詳表記: '昭和30年 月日不詳' }),
    ev(w, 2, '32', '05020601', { 生年月日_不詳表記: '昭和30年 月日不詳' }),
  ];
  const rows1 = [{ ...h, 履歴番号: '2' }, { ...w, 履歴番号: '2', 生年月日_不詳表記: '昭和30年 月日不詳' }];
  writeFileSync(join(dir, 'JUKI03.csv'), cp932(csv('juki', 'JUKI03', [{ 世帯番号: S, 世帯主宛名番号: H, 世帯主氏名: `${PUA}橋 一`,
    世帯員数: '2', 住所_郵便番号: '3770000', 住所: A2 }])));
  writeFileSync(join(dir, 'JUKI01.csv'), cp932(csv('juki', 'JUKI01', rows1)));
  writeFileSync(join(dir, 'JUKI02.csv'), cp932(csv('juki', 'JUKI02', rows2)));
  // Really CP932, really without a header row.
  const raw = readFileSync(join(dir, 'JUKI02.csv'));
  assert.equal(raw.indexOf(Buffer.from('履歴番号', 'utf8')), -1);
  assert.ok(raw.includes(Buffer.from([0xF0, 0x40])), 'the 外字 as its vendor code');
  assert.ok(raw.includes(Buffer.from('"04100401"')));
  const r = importSet(C, 'juki', dir, ['--profile', 'cp932-wareki']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const head = await person(C, H, `?as_of=${today()}`);
  assert.equal(head.shimei, '髙橋 一');
  assert.equal(head.birth, '1980-05-05'); // 昭和55年5月5日
  assert.equal(head.address, A2);
  assert.equal((await person(C, H, '?as_of=2000-01-01')).address, A1); // 平成10年4月1日 … 令和2年6月1日
  const wife = await person(C, W, `?as_of=${today()}`);
  assert.equal(wife.birth, '1955-01-01');
  assert.equal(wife.birth_text, '昭和30年 月日不詳');
  // kyodo writes the same set back in the vendor's form, and reads its own.
  const back = join(work, 'vendor-back');
  exportSet(C, 'juki', back, 'cp932-wareki');
  assert.ok(readFileSync(join(back, 'JUKI02.csv')).includes(Buffer.from('"04100401"')));
});

test('a set with broken rows and broken references is refused whole: a report names each bad field; nothing is written', async () => {
  const dir = join(work, 'broken');
  cpSync(join(work, 'A-juki'), dir, { recursive: true });
  const edit = (file, fn) => {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    fn(lines);
    writeFileSync(join(dir, file), lines.join('\n'));
  };
  const hdr = (file) => readFileSync(join(dir, file), 'utf8').split('\n')[0].split(',');
  const set = (lines, i, file, item, value) => {
    const f = lines[i].split(',');
    f[hdr(file).indexOf(item)] = value;
    lines[i] = f.join(',');
  };
  let lost;
  edit('JUKI02.csv', (l) => {
    set(l, 3, 'JUKI02.csv', '生年月日', '1990-02-30'); // line 4: no such day
    set(l, 5, 'JUKI02.csv', '異動事由', '99'); // line 6: not a code
    set(l, 7, 'JUKI02.csv', '処理時刻', '25:00:00.000'); // line 8: no such time
  });
  edit('JUKI01.csv', (l) => {
    set(l, 2, 'JUKI01.csv', '個人番号', '123456789012'); // line 3: check digit
    set(l, 4, 'JUKI01.csv', '続柄コード1', '06'); // line 5: 子, but the 表記 says otherwise (or not)
    lost = l[9].split(',')[0];
    l.splice(9, 1); // line 10's person has history rows only
  });
  edit('JUKI03.csv', (l) => {
    set(l, 1, 'JUKI03.csv', '世帯員数', '99'); // line 2: not the number of members
    l.splice(3, 1); // the household of line 4 is gone: its members refer to nothing
  });
  const rep = join(work, 'broken-report');
  const r = importSet(D, 'juki', dir, ['--report', rep]);
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.match(r.stderr, /refused/);
  const rows = report(rep);
  const has = (file, line, item, re) => assert.ok(rows.some((x) => x.file === file && (line === null || x.line === line) &&
    x.item === item && (!re || re.test(x.reason))), `report has ${file} ${line} ${item}: ${JSON.stringify(rows.slice(0, 40), null, 1)}`);
  has('JUKI02.csv', 4, '生年月日');
  has('JUKI02.csv', 6, '異動事由');
  has('JUKI02.csv', 8, '処理時刻');
  has('JUKI01.csv', 3, '個人番号');
  has('JUKI03.csv', 2, '世帯員数');
  has('JUKI02.csv', null, '宛名番号', /住民情報/); // history rows of a person without a 住民情報 row
  has('JUKI01.csv', null, '世帯番号', /世帯情報/); // a resident whose household is not in 世帯情報
  has('manifest.json', 0, 'sha256'); // the files are not those the manifest names
  assert.ok(rows.every((x) => x.file && x.reason), 'every entry names its file and reason');
  const txt = readFileSync(join(rep, 'report.txt'), 'utf8');
  assert.match(txt, /JUKI02\.csv/);
  assert.match(txt, /生年月日/);
  const summary = JSON.parse(readFileSync(join(rep, 'report-summary.json'), 'utf8'));
  assert.equal(summary.problems, rows.length);
  assert.ok(!JSON.stringify(summary).includes('1990-02-30'), 'the summary holds no values');
  assert.ok(lost);
  // Nothing was written: the good set imports into the same town.
  const again = importSet(D, 'juki', join(work, 'A-juki'));
  assert.equal(again.status, 0, again.stderr);
});

test('a dry run checks everything and writes nothing; an import into a town with data is refused', async () => {
  const dry = importSet(E, 'juki', join(work, 'A-juki'), ['--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /dry run/);
  const r = importSet(E, 'juki', join(work, 'A-juki'));
  assert.equal(r.status, 0, r.stderr);
  const refused = importSet(E, 'juki', join(work, 'A-juki'));
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /already holds 住民基本台帳/);
  // 印鑑登録 refers to the register's people: without them the set is refused.
  const noPeople = importSet(C, 'inkan', join(work, 'A-inkan'), ['--report', join(work, 'inkan-report')]);
  assert.equal(noPeople.status, 1, noPeople.stderr);
  assert.ok(report(join(work, 'inkan-report')).some((x) => x.item === '宛名番号' && /住民基本台帳/.test(x.reason)));
  // Bad usage.
  assert.equal(cli(['import', '--tenant', E, '--layout', 'nosuch', '--in', join(work, 'A-juki')]).status, 2);
  const badProfile = cli(['export', '--tenant', A, '--layout', 'juki', '--out', join(work, 'x'), '--profile', 'nosuch']);
  assert.equal(badProfile.status, 2);
  assert.match(badProfile.stderr, /profile/);
  assert.ok(!existsSync(join(work, 'x', 'JUKI01.csv')));
  const notEmpty = cli(['export', '--tenant', A, '--layout', 'juki', '--out', join(work, 'A-juki')]);
  assert.equal(notEmpty.status, 2);
  assert.match(notEmpty.stderr, /not empty/);
});

test('the audit log has each export and import, and its chain verifies', async () => {
  const a = await s[A].auditor.get('/api/v1/audit?action=migration.export&limit=50');
  assert.equal(a.status, 200, a.text);
  assert.ok(a.json.items.length >= 3);
  assert.ok(a.json.items.every((e) => e.outcome === 'ok' && /rows in/.test(e.detail)));
  const b = await s[B].auditor.get('/api/v1/audit?action=migration.import&limit=50');
  assert.deepEqual(b.json.items.map((e) => e.outcome).sort(), ['ok', 'ok', 'ok']);
  const d = await s[D].auditor.get('/api/v1/audit?action=migration.import&limit=50');
  assert.deepEqual(d.json.items.map((e) => e.outcome).sort(), ['failed', 'ok']);
  for (const t of [A, B, C, D, E]) {
    const v = k.cli(['audit', 'verify', '--tenant', t]);
    assert.equal(v.status, 0, v.stderr + v.stdout);
  }
});
