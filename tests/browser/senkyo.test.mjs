// Browser test of the 選挙人名簿 screens: the residents clerk sets the 投票区
// table (a repeated code is shown at its row and fixed), records a 失権
// entry (a bad 宛名番号 is shown at its field), shows the roll on a 基準日
// typed in 和暦 — counts by 投票区 and sex, who was left off, the roll with
// a 転出表示 — pages through it, and downloads the PDF (read back with
// pdftotext) and the Shift_JIS CSV (〓 for 鷗).
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startKyodo } from '../lib/harness.mjs';

const [CODE, TOWN] = ['104213', '中之条町'];
const ADDR = '群馬県吾妻郡中之条町大字';
const SHOT = (name) => `/tmp/kyodo-browser-senkyo-${name}.png`;

let k;
let browser;
let page;
let clerk;
const problems = [];
const p = {};

async function idou(body) {
  const r = await clerk.post('/api/v1/residents/idou', body);
  assert.equal(r.status, 201, r.text);
  return r.json.atena;
}
const one = (shimei, kana, birth, sex) => ({ kind: 'japanese', shimei, shimei_kana: kana, birth, sex, zokugara: '世帯主' });

before(async () => {
  [k, browser] = await Promise.all([
    startKyodo({ towns: [[CODE, TOWN]] }),
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-quic'],
    }),
  ]);
  clerk = await k.as(CODE, 'residents_clerk');
  // 中之条町: a household of three (the youngest 17), 伊勢町: two; one who
  // moved out in May (転出表示), one under 失権 later.
  [p.taro, p.hanako, p.ichiro] = await idou({ kind: 'kokunai_tennyu', idou_date: '2020-04-01', todoke_date: '2020-04-03',
    changes: { postcode: '3770424', address: `${ADDR}中之条町1000番地` },
    persons: [one('山田 太郎', 'ヤマダ タロウ', '1980-05-05', 1), { ...one('山田 花子', 'ヤマダ ハナコ', '1982-07-07', 2), zokugara: '妻' },
      { ...one('山田 一郎', 'ヤマダ イチロウ', '2008-01-01', 1), zokugara: '子' }] });
  [p.sato] = await idou({ kind: 'kokunai_tennyu', idou_date: '2025-05-25', todoke_date: '2025-06-01',
    changes: { postcode: '3770423', address: `${ADDR}伊勢町99番地` }, persons: [one('佐藤 一', 'サトウ ハジメ', '1990-01-01', 1)] });
  [p.kamome] = await idou({ kind: 'kokunai_tennyu', idou_date: '2019-01-01', todoke_date: '2019-01-05',
    changes: { postcode: '3770423', address: `${ADDR}伊勢町1000番地` }, persons: [one('鷗山 葵', 'カモヤマ アオイ', '1970-02-02', 2)] });
  [p.ito] = await idou({ kind: 'kokunai_tennyu', idou_date: '2020-01-01', todoke_date: '2020-01-01',
    changes: { postcode: '3770424', address: `${ADDR}中之条町20番地` }, persons: [one('伊藤 四', 'イトウ シ', '1960-01-01', 1)] });
  await idou({ kind: 'kokunai_tenshutsu', idou_date: '2025-05-02', subjects: [{ atena: p.ito }],
    changes: { dest_address: '群馬県前橋市大手町1番地' } });
  [p.yoshida] = await idou({ kind: 'kokunai_tennyu', idou_date: '2020-01-01', todoke_date: '2020-01-01',
    changes: { postcode: '3770424', address: `${ADDR}中之条町50番地` }, persons: [one('吉田 九', 'ヨシダ キュウ', '1975-01-01', 1)] });

  const context = await browser.newContext({
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 }, acceptDownloads: true,
  });
  context.setDefaultTimeout(15000);
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  await page.goto(k.base + '/');
  await page.locator('form.login-form').waitFor();
  await page.getByLabel('町村コード').fill(CODE);
  await page.getByLabel('ユーザー名').fill(k.loginName('residents_clerk'));
  await page.getByLabel('パスワード').fill(k.password(CODE, 'residents_clerk'));
  await page.getByLabel('パスワード').press('Enter');
  await page.locator('header.topbar').waitFor();
});

after(async () => {
  await browser?.close();
  await k?.stop();
});

test('選挙人名簿 is in the residents clerk\'s menu; without 投票区 the screen says so', async () => {
  await page.locator('nav.menu a', { hasText: '選挙人名簿' }).click();
  await page.locator('main h1', { hasText: '選挙人名簿' }).waitFor();
  assert.match(await page.locator('main .panel-info').textContent(), /投票区が設定されていません/);
  // The 基準日 field has the latest 定時登録 基準日, in 和暦, and has focus.
  assert.match(await page.getByLabel('基準日').inputValue(), /^令和\d+年(3|6|9|12)月1日$/);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('name')), 'kijun');
});

test('投票区の設定: a repeated code is shown at its row, then the table is saved', async () => {
  await page.getByRole('link', { name: '投票区の設定' }).click();
  await page.locator('main h1', { hasText: '投票区の設定' }).waitFor();
  const rows = page.locator('table.districts-table tbody tr');
  assert.equal(await rows.count(), 1);
  await rows.nth(0).getByLabel('投票区コード').fill('01');
  await rows.nth(0).getByLabel('名称').fill('中之条');
  await rows.nth(0).getByLabel('住所（大字など、「、」で区切る）').fill('大字中之条町');
  await page.getByRole('button', { name: '行を追加' }).click();
  await rows.nth(1).getByLabel('投票区コード').fill('01');
  await rows.nth(1).getByLabel('名称').fill('伊勢町');
  await rows.nth(1).getByLabel('投票所').fill('伊勢町公民館');
  await rows.nth(1).getByLabel('住所（大字など、「、」で区切る）').fill('伊勢町、五反田');
  await page.getByRole('button', { name: '保存する' }).click();
  await page.locator('main .form-error', { hasText: '2行目：コードが重複しています。' }).waitFor();
  assert.equal(await rows.nth(1).getByLabel('投票区コード').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), '投票区コード');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('02');
  await page.keyboard.press('Enter');
  await page.locator('.flash', { hasText: '投票区を保存しました' }).waitFor();
  assert.match(await page.locator('main p.hint').first().textContent(), /設定 1版/);
  assert.equal(await rows.nth(0).getByLabel('住所（大字など、「、」で区切る）').inputValue(), '中之条町', '大字 is cut');
  assert.equal(await rows.nth(1).getByLabel('住所（大字など、「、」で区切る）').inputValue(), '伊勢町、五反田');
});

test('失権: a bad 宛名番号 is shown at its field; an entry is recorded and listed', async () => {
  await page.getByRole('link', { name: '選挙権を有しない者（失権）' }).click();
  await page.locator('main h1', { hasText: '選挙権を有しない者' }).waitFor();
  assert.match(await page.locator('main p.count').textContent(), /記録はありません/);
  await page.getByLabel('宛名番号').fill('9999999999');
  await page.getByLabel('根拠').selectOption('11-1-2');
  await page.getByLabel('理由（通知など）').fill('検察庁からの通知 第12号');
  await page.getByLabel('開始日').fill('R7.1.10');
  await page.getByRole('button', { name: '記録する' }).click();
  await page.locator('main .field-error', { hasText: /見つかりません/ }).waitFor();
  await page.getByLabel('宛名番号').fill(p.yoshida);
  await page.getByRole('button', { name: '記録する' }).click();
  await page.locator('.flash', { hasText: '記録しました' }).waitFor();
  const row = page.locator(`table.shikken-table tbody tr[data-atena="${p.yoshida}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /公職選挙法第11条第1項第2号.*検察庁からの通知 第12号.*令和7年1月10日から（終了日未定）/);
});

test('the roll on R7.9.1: counts by 投票区 and sex, who was left off, the roll with a 転出表示', async () => {
  await page.getByRole('link', { name: '選挙人名簿' }).first().click();
  await page.locator('main h1', { hasText: '選挙人名簿' }).waitFor();
  await page.getByLabel('基準日').fill('R7.9.1');
  await page.getByLabel('基準日').press('Enter');
  await page.locator('table.summary-table').waitFor();
  await page.screenshot({ path: SHOT('roll'), fullPage: true });
  const cells = (sel) => page.locator(sel).evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(await cells('table.summary-table tbody tr'), [
    ['第01投票区 中之条', '2', '1', '3', '1'],
    ['第02投票区 伊勢町', '1', '1', '2', '0'],
    ['合計', '3', '2', '5', '1'],
  ]);
  const notes = await page.locator('main ul.notes').textContent();
  assert.match(notes, /年齢満18年未満 1人/);
  assert.match(notes, /選挙権を有しない者 1人/);
  assert.match(await page.locator('main .panel .verdict').textContent(), /定時登録　基準日 令和7年9月1日/);
  const roll = await cells('table.roll-table tbody tr');
  assert.deepEqual(roll.map((r) => r.slice(0, 3)), [
    ['01 中之条', '1', '伊藤 四'], ['01 中之条', '2', '山田 太郎'], ['01 中之条', '3', '山田 花子'],
    ['02 伊勢町', '1', '佐藤 一'], ['02 伊勢町', '2', '鷗山 葵']]);
  assert.equal(roll[0][7], '転出表示（令和7年5月2日）');
  assert.equal(roll[1][4], '昭和55年5月5日');
  assert.match(await page.locator('main p.count').textContent(), /^5人中 5人を表示/);
});

test('the printed roll and the Shift_JIS CSV download as the list on the screen', async () => {
  let [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '名簿を印刷（PDF）' }).click()]);
  assert.equal(download.suggestedFilename(), 'senkyo-meibo-20250901.pdf');
  const pdf = await download.path();
  const r = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const t = r.stdout.replace(/\s+/g, '');
  for (const s of ['選挙人名簿', '第01投票区中之条', '第02投票区伊勢町（投票所伊勢町公民館）', '山田太郎', '昭和55年5月5日', '鷗山葵', '転出'])
    assert.ok(t.includes(s), `missing ${s} in ${t}`);
  [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV（Shift_JIS）' }).click()]);
  const csv = new TextDecoder('shift_jis').decode(readFileSync(await download.path()));
  assert.ok(csv.includes('"〓山 葵"'), csv);
  assert.equal(csv.trim().split('\r\n').length, 6);
});

test('no script errors or CSP violations', () => {
  assert.deepEqual(problems, []);
});
