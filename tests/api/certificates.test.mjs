// Certificates over the API: 住民票の写し (世帯連記式 over two sheets, 個人票),
// 除票の写し (and the 150-year retention boundary), 住民票記載事項証明書; the
// PDF read back with pdftotext (names, 和暦 and 西暦 birth dates, 元年, the
// address, the wording, the town, the 証明書番号) and pdffonts (embedded
// subsets); a third party refused 個人番号 and the attempt audited; the
// 交付履歴; previews; bad input named by field.
//
// KYODO_CERT_SAMPLES=DIR keeps one PDF of each form there (docs/certificates/).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKyodo, assertError } from '../lib/harness.mjs';

const [A, B] = ['104213', '104248'];
let k, clerk, clerkB, tax, auditor, work;

const ADDR = { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町1000番地', katagaki: 'コーポ中之条101' };
const ADDR_F = { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町2000番地' };
const taroP = { kind: 'japanese', shimei: '山田 太郎', shimei_kana: 'ヤマダ タロウ', birth: '1980-05-05', sex: 1,
  zokugara: '世帯主', honseki: '群馬県高崎市八幡町1番地', hittousha: '山田 太郎', kojin_bango: '123456789018',
  jumin_code: '24727059608' };
const hanakoP = { kind: 'japanese', shimei: '山田 花子', shimei_kana: 'ヤマダ ハナコ', birth: '1982-07-07', sex: 2,
  zokugara: '妻', kyuuji: '佐藤', kyuuji_kana: 'サトウ', honseki: '群馬県高崎市八幡町1番地', hittousha: '山田 太郎' };
const umeP = { kind: 'japanese', shimei: '山田 ウメ', shimei_kana: 'ヤマダ ウメ', birth: '1950-01-02', sex: 2, zokugara: '母' };
const linP = { kind: 'foreign', shimei: '林 美玲', shimei_kana: 'リン メイリン', alpha_name: 'LIN MEILING', birth: '1995-02-03',
  sex: 2, zokugara: '世帯主', nationality: '中国', zairyu_kubun: '中長期在留者', zairyu_shikaku: '技術・人文知識・国際業務',
  zairyu_kikan: '3年', zairyu_expiry: '2027-04-01', zairyu_card: 'AB12345678CD' };

const people = {};
let setai;

async function idou(body) {
  const r = await clerk.post('/api/v1/residents/idou', body);
  assert.equal(r.status, 201, `${body.kind}: ${r.text}`);
  return r.json;
}

// POSTs a certificate request and keeps the body as bytes (a PDF is not text).
async function post(body, { client = clerk, path = '/api/v1/certificates' } = {}) {
  const res = await fetch(k.base + path, {
    method: 'POST',
    headers: { Cookie: `kyodo_session=${client.cookie}`, 'X-CSRF-Token': client.csrf,
      'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const json = type.startsWith('application/json') && buf.length ? JSON.parse(buf.toString('utf8')) : null;
  return { status: res.status, headers: res.headers, buf, json, text: type.startsWith('application/pdf') ? '<pdf>' : buf.toString('utf8') };
}

function tool(name, args, buf) {
  const file = join(work, `c-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, buf);
  const r = spawnSync(name, [...args, file, ...(name === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  return r.stdout;
}
// pdftotext spaces CJK text as it likes: compare without white space.
const text = (buf, pages = []) => tool('pdftotext', ['-layout', ...pages], buf).replace(/\s+/g, '');
const pageCount = (buf) => Number(/Pages:\s+(\d+)/.exec(tool('pdfinfo', [], buf))[1]);

async function issued(body, sample) {
  const r = await post(body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  const loc = r.headers.get('location');
  assert.match(loc, /^\/api\/v1\/certificates\/\d+$/);
  const id = Number(loc.split('/').pop());
  assert.match(r.headers.get('content-disposition'), new RegExp(`certificate-0*${id}\\.pdf`));
  assert.equal(r.buf.subarray(0, 5).toString(), '%PDF-');
  if (sample && process.env.KYODO_CERT_SAMPLES) writeFileSync(join(process.env.KYODO_CERT_SAMPLES, `${sample}.pdf`), r.buf);
  return { id, number: `第${String(id).padStart(6, '0')}号`, buf: r.buf };
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kyodo-cert-'));
  k = await startKyodo({ towns: [[A, '中之条町'], [B, '長野原町']] });
  clerk = await k.as(A, 'residents_clerk');
  clerkB = await k.as(B, 'residents_clerk');
  tax = await k.as(A, 'tax_clerk');
  auditor = await k.as(A, 'auditor');

  // A household of five: 世帯主, 妻, two children (one born on 令和元年5月1日), and his mother.
  let r = await idou({ kind: 'kokunai_tennyu', idou_date: '2018-04-01', todoke_date: '2018-04-03',
    changes: { ...ADDR, prev_postcode: '3700001', prev_address: '群馬県高崎市八幡町1番地' }, persons: [taroP, hanakoP] });
  [people.taro, people.hanako] = r.atena;
  setai = r.new_setai;
  r = await idou({ kind: 'shussei', idou_date: '2019-05-01', todoke_date: '2019-05-07', setai,
    persons: [{ kind: 'japanese', shimei: '山田 一郎', shimei_kana: 'ヤマダ イチロウ', sex: 1, zokugara: '子' }] });
  [people.ichiro] = r.atena;
  r = await idou({ kind: 'shussei', idou_date: '2020-08-15', setai,
    persons: [{ kind: 'japanese', shimei: '山田 次郎', shimei_kana: 'ヤマダ ジロウ', sex: 1, zokugara: '子' }] });
  [people.jiro] = r.atena;
  r = await idou({ kind: 'kokunai_tennyu', idou_date: '2021-10-01', setai,
    changes: { prev_address: '群馬県前橋市大手町1番地' }, persons: [umeP] });
  [people.ume] = r.atena;

  // A foreign resident.
  r = await idou({ kind: 'kokugai_tennyu', idou_date: '2024-04-01', changes: { ...ADDR_F, prev_address: '中国 上海市' },
    persons: [linP] });
  [people.lin] = r.atena;

  // Removed records: a death, and two who moved out on either side of the retention date.
  r = await idou({ kind: 'kokunai_tennyu', idou_date: '2010-04-01', changes: { ...ADDR_F, katagaki: '201' },
    persons: [{ kind: 'japanese', shimei: '鈴木 進', shimei_kana: 'スズキ ススム', birth: '1940-03-03', sex: 1, zokugara: '世帯主' }] });
  [people.susumu] = r.atena;
  await idou({ kind: 'shibou', idou_date: '2023-05-01', subjects: [{ atena: people.susumu }] });
  for (const [who, date, name, kana] of [['old', '2014-06-19', '田中 旧', 'タナカ キュウ'], ['kept', '2014-06-20', '田中 保', 'タナカ タモツ']]) {
    r = await idou({ kind: 'kokunai_tennyu', idou_date: '2010-04-01', changes: { ...ADDR_F, katagaki: who },
      persons: [{ kind: 'japanese', shimei: name, shimei_kana: kana, birth: '1970-01-01', sex: 1, zokugara: '世帯主' }] });
    [people[who]] = r.atena;
    await idou({ kind: 'kokunai_tenshutsu', idou_date: date, subjects: [{ atena: people[who] }],
      changes: { dest_postcode: '3710001', dest_address: '群馬県前橋市大手町2番地' } });
  }
});
after(async () => {
  await k.stop();
  rmSync(work, { recursive: true, force: true });
});

test('住民票の写し 世帯連記式 of five: two sheets of 4 + 1, 和暦 births with 元年, address, wording, town, number', async () => {
  const c = await issued({ kind: 'juminhyo', form: 'setai', setai, requester: 'honnin', requester_name: '山田 太郎',
    purpose: '児童手当の申請', options: { setainushi: true, honseki: true } }, 'juminhyo-setai');
  assert.equal(pageCount(c.buf), 2);
  const t = text(c.buf);
  for (const s of ['住民票の写し（世帯連記式）', '山田太郎', '山田花子', '旧氏佐藤', '山田一郎', '山田次郎', '山田ウメ',
    'ヤマダタロウ', '昭和55年5月5日', '昭和57年7月7日', '令和元年5月1日', '令和2年8月15日', '昭和25年1月2日',
    '群馬県吾妻郡中之条町大字中之条町1000番地', 'コーポ中之条101', '群馬県高崎市八幡町1番地',
    '世帯主', '妻', '本籍', '筆頭者', '平成30年4月1日', '平成30年4月3日',
    'この写しは、住民票の原本と相違ないことを証明する。', '中之条町長', c.number])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
  // Not asked for: 個人番号 and 住民票コード are not printed.
  assert.ok(!t.includes('123456789018') && !t.includes('個人番号') && !t.includes('24727059608'), t);
  // The issue date is in 和暦.
  assert.match(t, /令和\d+年\d+月\d+日/);
  // Sheet 1 holds the first four in the standard's order, sheet 2 the fifth and the certification.
  const p1 = text(c.buf, ['-f', '1', '-l', '1']);
  const p2 = text(c.buf, ['-f', '2', '-l', '2']);
  for (const s of ['山田太郎', '山田花子', '山田一郎', '山田次郎', '（次葉に続く）']) assert.ok(p1.includes(s), `sheet 1: ${s}`);
  assert.ok(!p1.includes('山田ウメ') && !p1.includes('相違ないことを証明する'), p1);
  assert.ok(p2.includes('山田ウメ') && p2.includes('相違ないことを証明する') && p2.includes(c.number), p2);
  assert.ok(p1.indexOf('山田太郎') < p1.indexOf('山田花子') && p1.indexOf('山田花子') < p1.indexOf('山田一郎'), p1);
  // Every font is embedded as a subset.
  const fonts = tool('pdffonts', [], c.buf).trim().split('\n').slice(2);
  assert.ok(fonts.length >= 1);
  for (const line of fonts) {
    assert.match(line, /^[A-Z]{6}\+/, `not a subset: ${line}`);
    assert.match(line, /\s+yes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$/, `not embedded: ${line}`);
  }
  assert.ok(fonts.some((l) => /IPAex/.test(l)), fonts.join('\n'));
});

test('個人票 with 個人番号 and 住民票コード for the person himself; a 外国人住民 in 西暦 with 在留 items on request', async () => {
  let c = await issued({ kind: 'juminhyo', form: 'kojin', atena: [people.taro], requester: 'honnin',
    options: { kojin_bango: true, jumin_code: true, setainushi: true } }, 'juminhyo-kojin');
  assert.equal(pageCount(c.buf), 1);
  let t = text(c.buf);
  for (const s of ['住民票の写し（個人票）', '山田太郎', '昭和55年5月5日', '男', '個人番号', '123456789018',
    '住民票コード', '24727059608', '世帯主', '住所', '群馬県吾妻郡中之条町大字中之条町1000番地', c.number, '中之条町長'])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
  assert.ok(!t.includes('本籍'), '本籍 only on request');

  c = await issued({ kind: 'juminhyo', form: 'kojin', atena: [people.lin], requester: 'honnin', options: { zairyu: true } });
  t = text(c.buf);
  for (const s of ['林美玲', 'LINMEILING', '1995年2月3日', '女', '国籍・地域', '中国', '中長期在留者',
    '技術・人文知識・国際業務', '3年', '2027年4月1日', 'AB12345678CD', '外国人住民となった年月日', '令和6年4月1日'])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
  assert.ok(!t.includes('平成7年2月3日'), 'a 外国人住民 is born in 西暦 on the form');
  // Two persons as 個人票: one sheet each.
  c = await issued({ kind: 'juminhyo', form: 'kojin', atena: [people.taro, people.hanako], requester: 'honnin' });
  assert.equal(pageCount(c.buf), 2);
});

test('除票の写し: a death is certified with its 消除事由; removed 2014-06-19 is 廃棄証明, 2014-06-20 is kept', async () => {
  let c = await issued({ kind: 'johyo', atena: [people.susumu], requester: 'honnin', requester_name: '鈴木 一' }, 'johyo');
  let t = text(c.buf);
  for (const s of ['除票の写し（個人票）', '鈴木進', '昭和15年3月3日', '消除事由', '死亡', '令和5年5月1日',
    '除かれた住民票の原本と相違ないことを証明する', c.number])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
  // The retention boundary (resident-registry.md §11.2).
  const old = await post({ kind: 'johyo', atena: [people.old], requester: 'honnin' });
  assertError(old, 409, 'conflict', 'atena[0]');
  assert.match(old.json.error.message, /廃棄証明/);
  c = await issued({ kind: 'johyo', atena: [people.kept], requester: 'honnin' });
  t = text(c.buf);
  for (const s of ['田中保', '国内転出', '平成26年6月20日', '転出先住所（予定）', '群馬県前橋市大手町2番地'])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
  // A 除票 is not a 住民票, and a resident has no 除票.
  assertError(await post({ kind: 'juminhyo', atena: [people.susumu], requester: 'honnin' }), 409, 'conflict', 'atena[0]');
  assertError(await post({ kind: 'johyo', atena: [people.taro], requester: 'honnin' }), 409, 'conflict', 'atena[0]');
  assertError(await post({ kind: 'johyo', form: 'setai', atena: [people.susumu], requester: 'honnin' }), 400, 'invalid_value', 'form');
  // As of a day it was still a resident, it is a 住民票.
  c = await issued({ kind: 'juminhyo', form: 'kojin', atena: [people.susumu], as_of: '2023-04-30', requester: 'honnin' });
  assert.ok(text(c.buf).includes('鈴木進'));
});

test('住民票記載事項証明書: the chosen items only, with its own wording', async () => {
  const c = await issued({ kind: 'kisai_jiko', form: 'kojin', atena: [people.hanako], items: ['address', 'birth'],
    requester: 'daisansha', requester_name: '株式会社 吾妻不動産', purpose: '賃貸借契約の確認' }, 'kisai-jiko');
  const t = text(c.buf);
  for (const s of ['住民票記載事項証明書（個人票）', '山田花子', '昭和57年7月7日', '群馬県吾妻郡中之条町大字中之条町1000番地',
    '上記のとおり住民票に記載されていることを証明する。', c.number])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
  for (const s of ['性別', '住民となった年月日', '転入前住所', '続柄']) assert.ok(!t.includes(s), `${s} was not chosen`);
  assertError(await post({ kind: 'kisai_jiko', atena: [people.hanako], requester: 'honnin' }), 400, 'missing_field', 'items');
  assertError(await post({ kind: 'kisai_jiko', atena: [people.hanako], items: ['birth', 'shoe_size'], requester: 'honnin' }),
    400, 'invalid_value', 'items[1]');
  assertError(await post({ kind: 'kisai_jiko', atena: [people.hanako], items: ['birth'], options: { honseki: true }, requester: 'honnin' }),
    400, 'invalid_value', 'options');
});

test('a third party can never get 個人番号 or 住民票コード: refused, naming the option, and audited', async () => {
  const body = { kind: 'juminhyo', form: 'kojin', atena: [people.taro], requester: 'daisansha',
    requester_name: '債権者 甲', purpose: '債権回収' };
  for (const opt of ['kojin_bango', 'jumin_code']) {
    const r = await post({ ...body, options: { [opt]: true } });
    assertError(r, 403, 'forbidden', `options.${opt}`);
    assert.match(r.json.error.message, /第三者|third party/);
  }
  assertError(await post({ kind: 'kisai_jiko', atena: [people.taro], items: ['kojin_bango'], requester: 'daisansha', purpose: 'x' }),
    403, 'forbidden', 'items.kojin_bango');
  // A third party and an official request state their purpose.
  assertError(await post({ kind: 'juminhyo', atena: [people.taro], requester: 'daisansha' }), 400, 'missing_field', 'purpose');
  assertError(await post({ kind: 'juminhyo', atena: [people.taro], requester: 'koyo' }), 400, 'missing_field', 'purpose');
  // The attempts are in the audit log, as denied, with the person as subject.
  const log = (await auditor.get(`/api/v1/audit?subject=${people.taro}&action=certificate.issue&limit=20`)).json.items;
  const denied = log.filter((e) => e.outcome === 'denied');
  assert.ok(denied.length >= 3, JSON.stringify(log));
  assert.ok(denied.some((e) => e.detail.includes('options.kojin_bango')), JSON.stringify(denied));
  assert.ok(denied.some((e) => e.detail.includes('options.jumin_code')), JSON.stringify(denied));
  assert.ok(!JSON.stringify(log).includes('123456789018'), '個人番号 is never in the audit log');
  // Without them, the third party gets the copy.
  const c = await issued({ ...body, options: { setainushi: true } });
  assert.ok(text(c.buf).includes('山田太郎'));
  const ok = (await auditor.get(`/api/v1/audit?subject=${people.taro}&action=certificate.issue&limit=1`)).json.items[0];
  assert.equal(ok.outcome, 'ok');
  assert.match(ok.detail, new RegExp(c.number));
  assert.match(ok.detail, /第三者/);
});

test('the 交付履歴 lists each issuance, newest first, by person; one entry by id', async () => {
  const r = await clerk.get(`/api/v1/certificates?atena=${people.hanako}`);
  assert.equal(r.status, 200, r.text);
  const items = r.json.items;
  assert.ok(items.length >= 3, r.text);
  for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].id > items[i].id);
  const setaiCopy = items.find((e) => e.kind === 'juminhyo' && e.form === 'setai');
  assert.equal(setaiCopy.kind_label, '住民票の写し');
  assert.equal(setaiCopy.form_label, '世帯連記式');
  assert.equal(setaiCopy.sheets, 2);
  assert.equal(setaiCopy.setai, setai);
  assert.deepEqual(setaiCopy.atena, [people.taro, people.hanako, people.ichiro, people.jiro, people.ume]);
  assert.equal(setaiCopy.requester, 'honnin');
  assert.equal(setaiCopy.requester_name, '山田 太郎');
  assert.equal(setaiCopy.purpose, '児童手当の申請');
  assert.equal(setaiCopy.user, 'residents-clerk');
  assert.ok(setaiCopy.items.includes('setainushi') && setaiCopy.items.includes('honseki'));
  assert.ok(!setaiCopy.items.includes('kojin_bango'));
  assert.match(setaiCopy.number, /^第\d{6}号$/);
  const kisai = items.find((e) => e.kind === 'kisai_jiko');
  assert.equal(kisai.requester, 'daisansha');
  assert.equal(kisai.purpose, '賃貸借契約の確認');
  assert.deepEqual(kisai.items, ['shimei', 'birth', 'address']);
  const one = await clerk.get(`/api/v1/certificates/${setaiCopy.id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, setaiCopy);
  assertError(await clerk.get('/api/v1/certificates/999999'), 404, 'not_found');
  // Pages, and the whole town's list.
  const page = await clerk.get('/api/v1/certificates?limit=2');
  assert.equal(page.json.items.length, 2);
  const next = await clerk.get(`/api/v1/certificates?limit=2&before=${page.json.next_before}`);
  assert.ok(next.json.items[0].id < page.json.items[1].id);
  // Reading the 交付履歴 is audited.
  const log = (await auditor.get(`/api/v1/audit?subject=${people.hanako}&action=certificate.history&limit=1`)).json.items;
  assert.equal(log.length, 1);
  // Other roles see neither certificates nor their history.
  assertError(await tax.get('/api/v1/certificates'), 403, 'forbidden');
  assertError(await post({ kind: 'juminhyo', atena: [people.taro], requester: 'honnin' }, { client: tax }), 403, 'forbidden');
});

test('another town sees neither the persons nor the 交付履歴', async () => {
  assertError(await post({ kind: 'juminhyo', atena: [people.taro], requester: 'honnin' }, { client: clerkB }), 404, 'not_found', 'atena[0]');
  assertError(await post({ kind: 'juminhyo', setai, requester: 'honnin' }, { client: clerkB }), 404, 'not_found', 'setai');
  assert.deepEqual((await clerkB.get('/api/v1/certificates')).json.items, []);
  assert.deepEqual((await clerkB.get(`/api/v1/certificates?atena=${people.taro}`)).json.items, []);
  assertError(await clerkB.get('/api/v1/certificates/1'), 404, 'not_found');
});

test('a preview is marked 見本, has no number, and is not in the 交付履歴', async () => {
  const before_ = (await clerk.get('/api/v1/certificates?limit=1')).json.items[0].id;
  const r = await post({ kind: 'juminhyo', setai, requester: 'honnin' }, { path: '/api/v1/certificates/preview' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  const t = text(r.buf);
  assert.ok(t.includes('見本') && t.includes('山田太郎'), t);
  assert.ok(!t.includes('相違ないことを証明する') && !/第\d{6}号/.test(t), t);
  assert.equal((await clerk.get('/api/v1/certificates?limit=1')).json.items[0].id, before_);
});

test('bad input is refused naming the field, and nothing is recorded', async () => {
  const last = (await clerk.get('/api/v1/certificates?limit=1')).json.items[0].id;
  const base = { kind: 'juminhyo', atena: [people.taro], requester: 'honnin' };
  const cases = [
    [{ ...base, atena: ['9999999999'] }, 404, 'not_found', 'atena[0]'],
    [{ ...base, atena: [people.taro, '12x'] }, 400, 'invalid_value', 'atena[1]'],
    [{ ...base, atena: [people.taro, people.taro] }, 400, 'invalid_value', 'atena[1]'],
    [{ ...base, atena: [] }, 400, 'missing_field', 'atena'],
    [{ ...base, setai }, 400, 'invalid_value', 'atena'],
    [{ kind: 'juminhyo', requester: 'honnin' }, 400, 'missing_field', 'atena'],
    [{ ...base, options: { shoe_size: true } }, 400, 'unknown_field', 'options.shoe_size'],
    [{ ...base, options: { kojin_bango: 'yes' } }, 400, 'wrong_type', 'options.kojin_bango'],
    [{ ...base, items: ['birth'] }, 400, 'invalid_value', 'items'],
    [{ ...base, as_of: '1979-12-31' }, 400, 'invalid_value', 'as_of'],
    [{ ...base, atena: [people.ichiro], as_of: '2019-04-30' }, 400, 'invalid_value', 'as_of'],
    [{ ...base, as_of: '2017-01-01' }, 400, 'invalid_value', 'as_of'],
    [{ ...base, as_of: '2999-01-01' }, 400, 'invalid_value', 'as_of'],
    [{ ...base, as_of: '2024-02-30' }, 400, 'invalid_value', 'as_of'],
    [{ ...base, kind: 'koseki' }, 400, 'invalid_value', 'kind'],
    [{ ...base, form: 'wide' }, 400, 'invalid_value', 'form'],
    [{ ...base, requester: 'neighbour' }, 400, 'invalid_value', 'requester'],
    [{ kind: 'juminhyo', atena: [people.taro] }, 400, 'missing_field', 'requester'],
    [{ ...base, tenant: '104248' }, 400, 'unknown_field', 'tenant'],
    [{ ...base, setai: undefined, atena: undefined, kind: 'juminhyo', setai: '1234567890' }, 404, 'not_found', 'setai'],
    [{ ...base, form: 'setai', atena: [people.taro, people.lin] }, 400, 'invalid_value', 'atena[1]'],
  ];
  for (const [body, status, code, field] of cases)
    assertError(await post(body), status, code, field);
  assert.equal((await clerk.get('/api/v1/certificates?limit=1')).json.items[0].id, last);
});
