// 印鑑登録 over the API: registration with a PNG and a JPEG picture (base64 in
// JSON), the 原票 and its history, the picture read back byte for byte; every
// refusal of a bad picture (not an image, GIF, truncated, bad base64, too
// large in bytes or pixels, no resolution, an impression too small or too
// large) named by its field with nothing written; age, 1人1個; the
// 印鑑登録証明書 read back with pdftotext (names, 和暦 and 西暦, 住所, the
// wording, the number) and pdfimages (the impression embedded at its size);
// 亡失 and 再交付 of the card; the automatic 廃止 on 転出 and its 回復 when the
// 転出 is cancelled; 廃止 on request; the 交付履歴; audit entries (refusals as
// denied); isolation between towns.
//
// KYODO_SEAL_SAMPLES=DIR keeps a certificate there (docs/seals/).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKyodo, assertError, rawHttp, SOURCE_DIR } from '../lib/harness.mjs';
import { sealPng, encodePng, sealPixels } from '../lib/seal_image.mjs';

const [A, B] = ['104213', '104248'];
let k, clerk, clerkB, auditor, work;
const people = {};
const idous = {};

const ADDR = { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町1000番地', katagaki: 'コーポ中之条101' };
const JPEG = readFileSync(join(SOURCE_DIR, 'tests', 'fixtures', 'seals', 'seal-300dpi.jpg'));
const b64 = (buf) => Buffer.from(buf).toString('base64');

function japanToday() {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

function addYears(iso, n, days = 0) {
  const [y, m, d] = iso.split('-').map(Number);
  const t = new Date(Date.UTC(y + n, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

async function idou(body, client = clerk) {
  const r = await client.post('/api/v1/residents/idou', body);
  assert.equal(r.status, 201, `${body.kind}: ${r.text}`);
  return r.json;
}

async function register(body, client = clerk) {
  return client.post('/api/v1/seals', { verification: 'photo_id', ...body });
}

// POSTs and keeps the body as bytes (a PDF is not text).
async function postBytes(path, body, client = clerk) {
  const res = await fetch(k.base + path, {
    method: 'POST',
    headers: { Cookie: `kyodo_session=${client.cookie}`, 'X-CSRF-Token': client.csrf, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const json = type.startsWith('application/json') && buf.length ? JSON.parse(buf.toString('utf8')) : null;
  return { status: res.status, headers: res.headers, buf, json, text: type.startsWith('application/pdf') ? '<pdf>' : buf.toString('utf8') };
}

function tool(name, args, buf) {
  const file = join(work, `s-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, buf);
  const r = spawnSync(name, [...args, file, ...(name === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  return r.stdout;
}
const pdfText = (buf) => tool('pdftotext', ['-layout'], buf).replace(/\s+/g, '');

async function certificate(body, sample) {
  const r = await postBytes('/api/v1/seal-certificates', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  const loc = r.headers.get('location');
  assert.match(loc, /^\/api\/v1\/seal-certificates\/\d+$/);
  const id = Number(loc.split('/').pop());
  assert.match(r.headers.get('content-disposition'), new RegExp(`seal-certificate-0*${id}\\.pdf`));
  if (sample && process.env.KYODO_SEAL_SAMPLES) writeFileSync(join(process.env.KYODO_SEAL_SAMPLES, `${sample}.pdf`), r.buf);
  return { id, buf: r.buf };
}

async function seals(atena) {
  const r = await clerk.get(`/api/v1/seals?atena=${atena}`);
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

function setSetting(code, key, value) {
  const sql = value === null ? `DELETE FROM settings WHERE key = '${key}'`
    : `INSERT INTO settings (key, value) VALUES ('${key}', '${value}') ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
  k.townSql(code, sql);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kyodo-seal-'));
  k = await startKyodo({ towns: [[A, '中之条町'], [B, '長野原町']] });
  clerk = await k.as(A, 'residents_clerk');
  clerkB = await k.as(B, 'residents_clerk');
  auditor = await k.as(A, 'auditor');
  const today = japanToday();
  let r = await idou({ kind: 'kokunai_tennyu', idou_date: '2018-04-01', changes: { ...ADDR, prev_address: '群馬県高崎市八幡町1番地' },
    persons: [
      { kind: 'japanese', shimei: '山田 太郎', shimei_kana: 'ヤマダ タロウ', birth: '1980-05-05', sex: 1, zokugara: '世帯主' },
      { kind: 'japanese', shimei: '山田 花子', shimei_kana: 'ヤマダ ハナコ', birth: '1982-07-07', sex: 2, zokugara: '妻', kyuuji: '佐藤', kyuuji_kana: 'サトウ' },
      // Reaches 15 tomorrow: the day before the 15th birthday is the day after tomorrow - 1.
      { kind: 'japanese', shimei: '山田 一郎', shimei_kana: 'ヤマダ イチロウ', birth: addYears(today, -15, 2), sex: 1, zokugara: '子' },
    ] });
  [people.taro, people.hanako, people.ichiro] = r.atena;
  idous.tennyu = r.id;
  r = await idou({ kind: 'kokugai_tennyu', idou_date: '2024-04-01', changes: { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町2000番地', prev_address: '中国 上海市' },
    persons: [{ kind: 'foreign', shimei: '林 美玲', shimei_kana: 'リン メイリン', alpha_name: 'LIN MEILING', birth: '1995-02-03', sex: 2,
      zokugara: '世帯主', nationality: '中国', zairyu_kubun: '特別永住者', tsusho: '林 美玲子', tsusho_kana: 'ハヤシ ミレイコ' }] });
  [people.lin] = r.atena;
  r = await idou({ kind: 'kokunai_tennyu', idou_date: '2015-04-01', changes: { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町3000番地' },
    persons: [{ kind: 'japanese', shimei: '鈴木 進', shimei_kana: 'スズキ ススム', birth: '1950-03-03', sex: 1, zokugara: '世帯主' }] });
  [people.susumu] = r.atena;
  r = await idou({ kind: 'kokunai_tennyu', idou_date: '2015-04-01', changes: { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町4000番地' },
    persons: [{ kind: 'japanese', shimei: '田中 保', shimei_kana: 'タナカ タモツ', birth: '1970-01-01', sex: 1, zokugara: '世帯主' }] });
  [people.tamotsu] = r.atena;
  r = await idou({ kind: 'kokunai_tennyu', idou_date: '2015-04-01', changes: { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町5000番地' },
    persons: [{ kind: 'japanese', shimei: '佐藤 一', shimei_kana: 'サトウ ハジメ', birth: '1960-01-01', sex: 1, zokugara: '世帯主' }] });
  [people.hajime] = r.atena;
});

after(async () => {
  await k?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const seal = {};

test('a seal is registered with a PNG picture: the 原票, its card, its picture as uploaded', async () => {
  const png = sealPng({ mm: 15, dpi: 300 });
  const r = await register({ atena: people.taro, image: b64(png), note: '実印' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.headers.get('location'), /^\/api\/v1\/seals\/\d+$/);
  const s = r.json;
  assert.equal(s.atena, people.taro);
  assert.equal(s.status, 'active');
  assert.equal(s.registered_on, japanToday());
  assert.match(s.card.number, /^[0-9]{8}$/);
  assert.equal(s.registered.shimei, '山田 太郎');
  assert.equal(s.registered.birth, '1980-05-05');
  assert.equal(s.person.address, ADDR.address);
  assert.equal(s.verification, 'photo_id');
  assert.equal(s.fee, 300);
  assert.equal(s.image.type, 'png');
  assert.equal(s.image.bytes, png.length);
  assert.equal(s.image.dpi_x, 300);
  // The ring is 15 mm across (within a pixel).
  assert.ok(Math.abs(s.image.impression.width_mm - 15) <= 0.2, JSON.stringify(s.image));
  assert.deepEqual(s.events.map((e) => e.kind), ['toroku', 'card_issue']);
  assert.equal(s.events[1].card, s.card.number);
  seal.taro = s;

  const g = await clerk.get(`/api/v1/seals/${s.id}`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.json.events, s.events);

  const img = await fetch(k.base + `/api/v1/seals/${s.id}/image`, { headers: { Cookie: `kyodo_session=${clerk.cookie}` } });
  assert.equal(img.status, 200);
  assert.equal(img.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await img.arrayBuffer()).equals(png));

  const log = (await auditor.get(`/api/v1/audit?subject=${people.taro}&action=seal.register&limit=5`)).json.items;
  assert.equal(log.length, 1);
  assert.match(log[0].detail, /登録番号 \d+, 印影 1[45]\.\d x 1[45]\.\d mm/);
  assert.equal(log[0].outcome, 'ok');
  const imgLog = (await auditor.get(`/api/v1/audit?subject=${people.taro}&action=seal.image&limit=5`)).json.items;
  assert.equal(imgLog.length, 1);
});

test('a JPEG picture (JFIF 300 dpi) registers too; a 成年被後見人 with the 法定代理人', async () => {
  let r = await register({ atena: people.hanako, image: b64(JPEG), adult_ward: true });
  assertError(r, 400, 'invalid_value', 'with_representative');
  r = await register({ atena: people.hanako, image: b64(JPEG), adult_ward: true, with_representative: true, verification: 'guarantor' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.image.type, 'jpeg');
  assert.equal(r.json.adult_ward, true);
  assert.equal(r.json.verification_label, '保証書');
  assert.ok(r.json.image.impression.width_mm > 15 && r.json.image.impression.width_mm < 17);
  seal.hanako = r.json;
});

test('bad pictures and bad input are refused naming the field, and nothing is written', async () => {
  const atena = people.hajime;
  const png = sealPng({ mm: 15, dpi: 300, seed: 3 });
  const cases = [
    [{ image: b64(Buffer.from('これは画像ではありません')) }, 400, 'invalid_value', 'image', /not a PNG or JPEG/],
    [{ image: b64(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')) }, 400, 'invalid_value', 'image', /GIF/],
    [{ image: b64(png.subarray(0, png.length - 40)) }, 400, 'invalid_value', 'image', /truncated|cannot be decoded/],
    [{ image: b64(JPEG.subarray(0, 4000)) }, 400, 'invalid_value', 'image', /JPEG/],
    [{ image: b64(Buffer.concat([png, Buffer.from('<script>')])) }, 400, 'invalid_value', 'image', /after its end/],
    [{ image: 'data:image/png;base64,' + b64(png) }, 400, 'invalid_value', 'image', /base64/],
    [{ image: b64(png).slice(0, -3) }, 400, 'invalid_value', 'image', /base64/],
    [{ image: '' }, 400, 'invalid_value', 'image'],
    [{ image: b64(sealPng({ mm: 15, dpi: 300, phys: false })) }, 400, 'missing_field', 'dpi'],
    [{ image: b64(sealPng({ mm: 15, dpi: 300, phys: false })), dpi: 20 }, 400, 'invalid_value', 'dpi'],
    [{ image: b64(sealPng({ mm: 15, dpi: 300, phys: false })), dpi: 150 }, 400, 'invalid_value', 'dpi', /at least 200 dpi/],
    [{ image: b64(sealPng({ mm: 7.5, dpi: 300 })) }, 400, 'invalid_value', 'image', /fits in a 8 mm square/],
    [{ image: b64(sealPng({ mm: 27, dpi: 300 })) }, 400, 'invalid_value', 'image', /does not fit in a 25 mm square/],
    [{ image: b64(encodePng({ width: 60, height: 60, rgba: Buffer.alloc(60 * 60 * 4, 255), ppm: 11811 })) }, 400, 'invalid_value', 'image', /no impression/],
    [{ image: b64(png), verification: 'hearsay' }, 400, 'invalid_value', 'verification'],
    [{ image: b64(png), verification: undefined }, 400, 'missing_field', 'verification'],
    [{ image: b64(png), shoe_size: 27 }, 400, 'unknown_field', 'shoe_size'],
    [{ image: b64(png), with_representative: true }, 400, 'invalid_value', 'with_representative'],
    [{ image: b64(png), atena: '12-34' }, 400, 'invalid_value', 'atena'],
    [{ image: b64(png), atena: '9999999999' }, 404, 'not_found', 'atena'],
    [{ image: b64(png), atena: people.ichiro }, 409, 'conflict', 'atena', /under 15/],
    [{ image: b64(png), atena: people.taro }, 409, 'conflict', 'atena', /already has seal registration/],
    // The same picture as someone else's registration.
    [{ image: b64(JPEG) }, 409, 'conflict', 'image'],
  ];
  for (const [body, status, code, field, message] of cases) {
    const full = { atena, verification: 'photo_id', ...body };
    if ('verification' in body && body.verification === undefined) delete full.verification;
    const r = await clerk.post('/api/v1/seals', full);
    assertError(r, status, code, field);
    if (message) assert.match(r.json.error.message, message, JSON.stringify(body).slice(0, 80));
  }
  // The town's limits: bytes and pixels.
  setSetting(A, 'seals.image_max_bytes', '2000');
  let r = await register({ atena, image: b64(png) });
  assertError(r, 400, 'invalid_value', 'image');
  assert.match(r.json.error.message, /bytes; at most 2000/);
  setSetting(A, 'seals.image_max_bytes', null);
  setSetting(A, 'seals.image_max_side', '100');
  r = await register({ atena, image: b64(png) });
  assertError(r, 400, 'invalid_value', 'image');
  assert.match(r.json.error.message, /pixels; at most 100x100/);
  setSetting(A, 'seals.image_max_side', null);
  // A body above the server's ceiling (max_body_bytes, 1 MiB) is refused before it is read.
  // (the answer cannot name the field: the body was never read).
  const huge = await rawHttp(k.port, [`POST /api/v1/seals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Cookie: kyodo_session=${clerk.cookie}\r\nX-CSRF-Token: ${clerk.csrf}\r\nContent-Length: ${1100 * 1024}\r\nConnection: close\r\n\r\n`], { timeout: 3000 });
  assert.equal(huge.status, 413);
  // Nothing of any of these was written.
  assert.equal((await seals(atena)).length, 0);
  // And it registers when the picture is right.
  r = await register({ atena, image: b64(png) });
  assert.equal(r.status, 201, r.text);
  seal.hajime = r.json;
});

test('the 印鑑登録証明書: current items from the register, 和暦, the impression at its size, 交付履歴', async () => {
  const card = seal.taro.card.number;
  const c = await certificate({ card_number: card, birth: '1980-05-05', requester_name: '山田 太郎' }, 'seal-certificate');
  const t = pdfText(c.buf);
  for (const s of ['印鑑登録証明書', '印影', '山田太郎', '昭和55年5月5日', '男', ADDR.address, 'コーポ中之条101',
    'この写しは、登録されている印影と相違ないことを証明します。', '中之条町長', `第${String(c.id).padStart(6, '0')}号`])
    assert.ok(t.includes(s.replace(/\s+/g, '')), `${s} missing in: ${t}`);
  const fonts = tool('pdffonts', [], c.buf);
  assert.match(fonts, /IPAex/);
  assert.doesNotMatch(fonts.split('\n').slice(2).join('\n'), / no +no /);
  // One image: the impression cut out (1 mm around it), its own pixels.
  const images = tool('pdfimages', ['-list'], c.buf).trim().split('\n').slice(2);
  assert.equal(images.length, 1, images.join('\n'));
  const [, , type, width, height] = images[0].trim().split(/\s+/);
  assert.equal(type, 'image');
  const imp = seal.taro.image.impression;
  assert.ok(Math.abs(Number(width) - (imp.width + 24)) <= 2, `${width} vs ${imp.width}`);
  assert.ok(Math.abs(Number(height) - (imp.height + 24)) <= 2);
  // At its real size: pdfimages reports the resolution it is printed at (300 dpi).
  const [xppi] = images[0].trim().split(/\s+/).slice(12, 13);
  assert.ok(Math.abs(Number(xppi) - 300) <= 2, images[0]);

  // 旧氏 and the 西暦 birth of a 外国人住民 with 通称.
  let r = await register({ atena: people.lin, image: b64(sealPng({ mm: 12, dpi: 300, seed: 5 })) });
  assert.equal(r.status, 201, r.text);
  const lin = await certificate({ card_number: r.json.card.number, birth: '1995-02-03' });
  const lt = pdfText(lin.buf);
  assert.ok(lt.includes('1995年2月3日'), lt);
  assert.ok(lt.includes('林美玲子'), lt);
  assert.ok(lt.includes('LINMEILING'), lt);
  const hc = await certificate({ card_number: seal.hanako.card.number, birth: '1982-07-07' });
  const ht = pdfText(hc.buf);
  assert.ok(ht.includes('旧氏佐藤'), ht);
  assert.ok(ht.includes('女'), ht);

  // The 交付履歴.
  const list = await clerk.get(`/api/v1/seal-certificates?atena=${people.taro}`);
  assert.equal(list.status, 200);
  assert.equal(list.json.items.length, 1);
  assert.equal(list.json.items[0].id, c.id);
  assert.equal(list.json.items[0].card_number, card);
  assert.equal(list.json.items[0].requester_name, '山田 太郎');
  assert.equal(list.json.items[0].fee, 300);
  const one = await clerk.get(`/api/v1/seal-certificates/${c.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.number, `第${String(c.id).padStart(6, '0')}号`);
  const log = (await auditor.get(`/api/v1/audit?subject=${people.taro}&action=seal.certificate&limit=5`)).json.items;
  assert.equal(log[0].outcome, 'ok');
  assert.match(log[0].detail, /印鑑登録証明書 第0+\d+号/);
  assert.doesNotMatch(log[0].detail, new RegExp(card)); // the card number is not logged
});

test('a certificate asks for the valid card and the registrant\'s 生年月日; refusals are audited', async () => {
  const card = seal.taro.card.number;
  let r = await postBytes('/api/v1/seal-certificates', { card_number: card, birth: '1980-05-06' });
  assertError(r, 400, 'invalid_value', 'birth');
  r = await postBytes('/api/v1/seal-certificates', { card_number: '12345678', birth: '1980-05-05' });
  assertError(r, 400, 'invalid_value', 'card_number');
  r = await postBytes('/api/v1/seal-certificates', { card_number: '00000981', birth: '1980-05-05' });
  assertError(r, 404, 'not_found', 'card_number');
  r = await postBytes('/api/v1/seal-certificates', { card_number: card, birth: '1980/05/05' });
  assertError(r, 400, 'invalid_value', 'birth');
  r = await postBytes('/api/v1/seal-certificates', { card_number: card });
  assertError(r, 400, 'missing_field', 'birth');
  const denied = (await auditor.get(`/api/v1/audit?subject=${people.taro}&action=seal.certificate&limit=10`)).json.items
    .filter((e) => e.outcome === 'denied');
  assert.equal(denied.length, 1);
  assert.match(denied[0].detail, /refused \(birth/);
});

test('亡失 voids the card (refused and audited), 再交付 gives a new number', async () => {
  const id = seal.taro.id;
  const old = seal.taro.card.number;
  let r = await clerk.post(`/api/v1/seals/${id}/card-loss`, { lost_on: '2999-01-01' });
  assertError(r, 400, 'invalid_value', 'lost_on');
  r = await clerk.post(`/api/v1/seals/${id}/card-loss`, { note: '財布ごと紛失' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.card, null);
  assert.equal(r.json.status, 'active');
  assert.equal(r.json.events.at(-1).kind, 'card_loss');
  assert.equal(r.json.events.at(-1).card, old);
  r = await clerk.post(`/api/v1/seals/${id}/card-loss`, {});
  assertError(r, 409, 'conflict', 'id');
  r = await postBytes('/api/v1/seal-certificates', { card_number: old, birth: '1980-05-05' });
  assertError(r, 409, 'conflict', 'card_number');
  assert.match(r.json.error.message, /reported lost/);
  const denied = (await auditor.get(`/api/v1/audit?subject=${people.taro}&action=seal.certificate&limit=10`)).json.items
    .filter((e) => e.outcome === 'denied');
  assert.equal(denied.length, 2);

  r = await clerk.post(`/api/v1/seals/${id}/card`, {});
  assert.equal(r.status, 200, r.text);
  const fresh = r.json.card.number;
  assert.notEqual(fresh, old);
  assert.deepEqual(r.json.events.map((e) => e.label).slice(-2), ['印鑑登録証の亡失', '印鑑登録証の再交付']);
  assert.equal(r.json.events.at(-1).fee, 300);
  await certificate({ card_number: fresh, birth: '1980-05-05' });
  seal.taro = r.json;
});

test('removal from the register abolishes the registration inside the 異動; a cancelled 転出 restores it', async () => {
  const r0 = await register({ atena: people.tamotsu, image: b64(sealPng({ mm: 18, dpi: 300, seed: 9 })) });
  assert.equal(r0.status, 201, r0.text);
  const id = r0.json.id;
  const card = r0.json.card.number;
  const out = await idou({ kind: 'kokunai_tenshutsu', idou_date: japanToday(), subjects: [{ atena: people.tamotsu }],
    changes: { dest_postcode: '3710001', dest_address: '群馬県前橋市大手町2番地' } });
  let s = (await clerk.get(`/api/v1/seals/${id}`)).json;
  assert.equal(s.status, 'abolished');
  assert.equal(s.abolish_reason, 'tenshutsu');
  assert.equal(s.abolish_reason_label, '転出');
  assert.equal(s.card, null);
  assert.equal(s.events.at(-1).idou_id, out.idou_id);
  assert.equal(s.events.at(-1).user, '');
  let r = await postBytes('/api/v1/seal-certificates', { card_number: card, birth: '1970-01-01' });
  assertError(r, 409, 'conflict', 'card_number');
  assert.match(r.json.error.message, /abolished/);

  await idou({ kind: 'torikeshi', idou_date: japanToday(), target: out.idou_id });
  s = (await clerk.get(`/api/v1/seals/${id}`)).json;
  assert.equal(s.status, 'active');
  assert.equal(s.card.number, card);
  assert.equal(s.events.at(-1).kind, 'kaifuku');

  // 死亡: abolished with the death.
  await idou({ kind: 'shibou', idou_date: japanToday(), subjects: [{ atena: people.tamotsu }] });
  s = (await clerk.get(`/api/v1/seals/${id}`)).json;
  assert.equal(s.abolish_reason, 'shibou');
  // A removed person cannot register.
  r = await register({ atena: people.tamotsu, image: b64(sealPng({ mm: 18, dpi: 300, seed: 10 })) });
  assertError(r, 409, 'conflict', 'atena');
});

test('廃止 on request; the list of registrations', async () => {
  const id = seal.hajime.id;
  let r = await clerk.post(`/api/v1/seals/${id}/abolition`, { reason: 'tenshutsu' });
  assertError(r, 400, 'invalid_value', 'reason');
  r = await clerk.post(`/api/v1/seals/${id}/abolition`, {});
  assertError(r, 400, 'missing_field', 'reason');
  r = await clerk.post(`/api/v1/seals/${id}/abolition`, { reason: 'shinsei', note: '廃止届' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'abolished');
  assert.equal(r.json.abolish_reason_label, '登録者の申請');
  r = await clerk.post(`/api/v1/seals/${id}/abolition`, { reason: 'shinsei' });
  assertError(r, 409, 'conflict', 'id');
  r = await clerk.post(`/api/v1/seals/${id}/card`, {});
  assertError(r, 409, 'conflict', 'id');
  // A new registration after the 廃止.
  r = await register({ atena: people.hajime, image: b64(sealPng({ mm: 16, dpi: 300, seed: 11 })) });
  assert.equal(r.status, 201, r.text);
  const mine = await seals(people.hajime);
  assert.deepEqual(mine.map((x) => x.status), ['active', 'abolished']);
  const active = await clerk.get('/api/v1/seals?status=active&limit=2');
  assert.equal(active.json.items.length, 2);
  assert.ok(active.json.items.every((x) => x.status === 'active'));
  assert.equal(typeof active.json.next_before, 'number');
  assertError(await clerk.get('/api/v1/seals?status=gone'), 400, 'invalid_value', 'status');
  assertError(await clerk.get('/api/v1/seals/999999'), 404, 'not_found');
  assertError(await clerk.get('/api/v1/seals/abc'), 404, 'not_found');
});

test('towns are isolated: another town sees neither the registrations nor the cards', async () => {
  const id = seal.taro.id;
  assertError(await clerkB.get(`/api/v1/seals/${id}`), 404, 'not_found');
  assertError(await clerkB.get(`/api/v1/seals/${id}/image`), 404, 'not_found');
  assert.equal((await clerkB.get('/api/v1/seals')).json.items.length, 0);
  const r = await postBytes('/api/v1/seal-certificates', { card_number: seal.taro.card.number, birth: '1980-05-05' }, clerkB);
  assertError(r, 404, 'not_found', 'card_number');
  assert.equal((await clerkB.get('/api/v1/seal-certificates')).json.items.length, 0);
});
