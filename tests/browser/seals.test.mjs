// Browser test of the 印鑑登録 screens: the residents clerk finds a resident
// by a hiragana reading and opens them with the keyboard, registers a seal by
// uploading its picture (a file named .png that is not one is refused by the
// page; a PNG without a resolution is refused by the server at the 読取解像度
// field; with 300 dpi it registers and the picture is shown), issues a
// 印鑑登録証明書 with the card number and a 和暦 生年月日 (the PDF is
// downloaded), records the card's 亡失 (the old number is then refused at
// its field), re-issues the card, and abolishes the registration.
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startKyodo } from '../lib/harness.mjs';
import { sealPng } from '../lib/seal_image.mjs';

const [CODE, TOWN] = ['104213', '中之条町'];
const SHOT = (name) => `/tmp/kyodo-browser-seals-${name}.png`;

let k;
let browser;
let page;
let work;
let atena;
let card;
const problems = []; // page errors and CSP violations, checked at the end

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kyodo-seal-ui-'));
  [k, browser] = await Promise.all([
    startKyodo({ towns: [[CODE, TOWN]] }),
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-quic'],
    }),
  ]);
  const clerk = await k.as(CODE, 'residents_clerk');
  const r = await clerk.post('/api/v1/residents/idou', { kind: 'kokunai_tennyu', idou_date: '2020-04-01',
    changes: { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町1000番地', prev_address: '群馬県高崎市八幡町1番地' },
    persons: [{ kind: 'japanese', shimei: '印南 太郎', shimei_kana: 'インナミ タロウ', birth: '1980-05-05', sex: 1, zokugara: '世帯主' }] });
  assert.equal(r.status, 201, r.text);
  [atena] = r.json.atena;

  const context = await browser.newContext({
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 }, acceptDownloads: true,
  });
  context.setDefaultTimeout(10000);
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
  if (work) rmSync(work, { recursive: true, force: true });
});

const focusedName = () => page.evaluate(() => document.activeElement?.getAttribute('name') ?? document.activeElement?.tagName);
const fieldError = (name) => page.locator('.field', { has: page.locator(`[name="${name}"]`) }).locator('.field-error');

test('印鑑登録 is in the menu; a resident is found by reading and opened with the keyboard', async () => {
  const link = page.locator('nav.menu a', { hasText: '印鑑登録' });
  assert.equal(await link.getAttribute('data-available'), 'true');
  await link.click();
  await page.locator('main h1', { hasText: '印鑑登録' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'kana');
  await page.keyboard.type('いんなみ');
  await page.keyboard.press('Enter');
  const first = page.locator('.seal-results tbody a').first();
  await first.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), '印南 太郎');
  await page.keyboard.press('Enter');
  await page.locator('main h1', { hasText: '印鑑登録：印南 太郎' }).waitFor();
  assert.equal(await page.locator('.seal-person [data-item="birth"]').textContent(), '昭和55年5月5日');
  // No registration yet: the form, with the keyboard at the picture.
  await page.locator('.seal-form form').waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'image');
});

test('the picture is checked: not an image (by its bytes), no resolution (by the server), then registered', async () => {
  const form = page.locator('.seal-form form');
  // Nothing chosen.
  await form.getByRole('button', { name: '登録する' }).click();
  await fieldError('image').waitFor();
  assert.match(await fieldError('image').textContent(), /印影の画像を入力してください/);

  // Named .png, but text: the page reads its bytes.
  const fake = join(work, 'seal.png');
  writeFileSync(fake, 'これは画像ではありません');
  await form.locator('input[name="image"]').setInputFiles(fake);
  await form.locator('select[name="verification"]').selectOption('photo_id');
  await form.getByRole('button', { name: '登録する' }).click();
  await page.waitForFunction(() => /PNG または JPEG/.test(document.querySelector('.seal-form .field-error:not([hidden])')?.textContent ?? ''));

  // A PNG that does not say its resolution: the server names 読取解像度.
  const bare = join(work, 'bare.png');
  writeFileSync(bare, sealPng({ mm: 15, dpi: 300, phys: false }));
  await form.locator('input[name="image"]').setInputFiles(bare);
  await form.getByRole('button', { name: '登録する' }).click();
  await fieldError('dpi').waitFor();
  assert.match(await fieldError('dpi').textContent(), /読取解像度（dpi）を入力してください/);
  assert.equal(await focusedName(), 'dpi');
  // Typed in, Enter submits.
  await page.keyboard.type('300');
  await page.keyboard.press('Enter');
  const panel = page.locator('.seal-panel');
  await panel.waitFor();
  assert.match(await page.locator('main .flash[role="status"]').textContent(), /印鑑を登録しました（登録番号 \d+）。印鑑登録証の番号は \d{8} です。/);
  card = (await panel.locator('.seal-card').textContent()).trim();
  assert.match(card, /^\d{8}$/);
  // The picture is shown from the server, at about its real size.
  const img = panel.locator('img.seal-picture');
  await page.waitForFunction(() => document.querySelector('img.seal-picture')?.naturalWidth > 0);
  assert.match(await panel.locator('figcaption').textContent(), /印影 15\.\d mm × 15\.\d mm（PNG、300 dpi）/);
  assert.ok(await img.getAttribute('alt'));
  assert.deepEqual(await panel.locator('table.seal-events tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.kind)), ['toroku', 'card_issue']);
  await page.screenshot({ path: SHOT('registered'), fullPage: true });
});

async function issue(cardNumber, birth) {
  await page.locator('nav.menu a', { hasText: '印鑑登録' }).click();
  await page.locator('main h1', { hasText: '印鑑登録' }).waitFor();
  const form = page.locator('form[aria-label="印鑑登録証明書の交付"]');
  await form.locator('input[name="card_number"]').fill(cardNumber);
  await form.locator('input[name="birth"]').fill(birth);
  await form.locator('input[name="requester_name"]').fill('印南 太郎');
  await form.locator('input[name="birth"]').press('Enter');
  return form;
}

test('a 印鑑登録証明書 is issued with the card number and a 和暦 生年月日; the PDF downloads', async () => {
  // A mistyped card number is caught on the page (check digit).
  const form = await issue(card.slice(0, 7) + String((Number(card[7]) + 1) % 10), 'S55.5.5');
  await fieldError('card_number').waitFor();
  assert.match(await fieldError('card_number').textContent(), /検査数字/);
  // A wrong 生年月日 is the server's answer, at its field.
  await form.locator('input[name="card_number"]').fill(card);
  await form.locator('input[name="birth"]').fill('S55.5.6');
  await form.locator('input[name="birth"]').press('Enter');
  await page.waitForFunction(() => /一致しません/.test(document.querySelector('.field:has([name="birth"]) .field-error')?.textContent ?? ''));
  await form.locator('input[name="birth"]').fill('S55.5.5');
  await form.locator('input[name="birth"]').press('Enter');
  const link = page.locator('a[data-pdf="seal-certificate"]');
  await link.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.pdf), 'seal-certificate');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  assert.match(download.suggestedFilename(), /^seal-certificate-0+\d+\.pdf$/);
  const file = join(work, 'cert.pdf');
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 5).toString(), '%PDF-');
  assert.match(await page.locator('.seal-issued').textContent(), /印鑑登録証明書 第0+1号 を交付しました/);
  await page.screenshot({ path: SHOT('issued'), fullPage: true });
});

test('亡失届 voids the card (the number is then refused), 再交付 gives a new one, 廃止 ends it', async () => {
  await page.goto(`${k.base}/#/seals/person/${atena}`);
  const panel = page.locator('.seal-panel');
  await panel.waitFor();
  await panel.getByRole('button', { name: '印鑑登録証の亡失届' }).click();
  const loss = page.locator('.seal-action-host form');
  await loss.waitFor();
  await loss.locator('input[name="note"]').fill('財布ごと紛失');
  await loss.locator('input[name="note"]').press('Enter');
  await page.waitForFunction(() => /亡失を記録しました/.test(document.querySelector('main .flash[role="status"]')?.textContent ?? ''));
  await page.locator('.seal-panel [data-item="card"]', { hasText: 'なし' }).waitFor();

  const form = await issue(card, 'S55.5.5');
  await page.waitForFunction(() => /亡失届が出されて/.test(document.querySelector('.field:has([name="card_number"]) .field-error')?.textContent ?? ''));
  assert.equal(await form.locator('input[name="card_number"]').getAttribute('aria-invalid'), 'true');

  await page.goto(`${k.base}/#/seals/person/${atena}`);
  await page.locator('.seal-panel').waitFor();
  await page.locator('.seal-panel').getByRole('button', { name: '印鑑登録証の再交付' }).click();
  await page.locator('.seal-action-host form').getByRole('button', { name: '再交付する' }).click();
  await page.waitForFunction(() => /新しい番号は \d{8} です/.test(document.querySelector('main .flash[role="status"]')?.textContent ?? ''));
  const fresh = (await page.locator('.seal-panel .seal-card').textContent()).trim();
  assert.notEqual(fresh, card);

  await page.locator('.seal-panel').getByRole('button', { name: '登録を廃止する' }).click();
  const abolish = page.locator('.seal-action-host form');
  await abolish.getByRole('button', { name: '廃止する' }).click();
  await abolish.locator('.field-error', { hasText: '廃止の理由を選んでください' }).waitFor();
  await abolish.locator('select[name="reason"]').selectOption('shinsei');
  await abolish.getByRole('button', { name: '廃止する' }).click();
  await page.waitForFunction(() => /印鑑登録を廃止しました/.test(document.querySelector('main .flash[role="status"]')?.textContent ?? ''));
  // The form is back for a new registration; the history lists the old one.
  await page.locator('.seal-form form').waitFor();
  const rows = await page.locator('table.seal-list tbody tr td:nth-child(3)').allTextContents();
  assert.deepEqual(rows, ['廃止']);
  const certs = await page.locator('table.seal-cert-list tbody tr').count();
  assert.equal(certs, 1);
  await page.screenshot({ path: SHOT('abolished'), fullPage: true });
  assert.deepEqual(problems, []);
});
