// Browser test of データ移行 and 取込の確認: the operator chooses a town
// with residents, exports its 住民基本台帳 and downloads the zip; chooses an
// empty town, uploads the zip (a wrong file first: refused at its field),
// runs the check and sees the counts; that town's administrator opens
// 取込の確認, ticks the confirmation and commits the import. A set with a bad
// date, uploaded into a third town, is refused: its administrator sees each
// bad field (file, line, item, value, reason) and discards it. Keyboard
// first where the screens are built for it.
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startKyodo } from '../lib/harness.mjs';
import { makeZip, readZip } from '../lib/zip.mjs';

const A = ['104213', '中之条町'];
const B = ['104248', '長野原町'];
const C = ['104256', '嬬恋村'];
const SHOT = (n) => `/tmp/kyodo-browser-migration-${n}.png`;

let k;
let browser;
let page;
let work;
let zipFile;
const problems = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kyodo-migration-'));
  [k, browser] = await Promise.all([
    startKyodo({ towns: [A, B, C] }),
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-quic'],
    }),
  ]);
  const g = k.cli(['residents', 'generate', '--tenant', A[0], '--count', '30', '--seed', '3', '--years', '2']);
  assert.equal(g.status, 0, g.stderr);
  const context = await browser.newContext({
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 900 }, acceptDownloads: true,
  });
  context.setDefaultTimeout(20000);
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('dialog', (d) => d.accept());
  await page.goto(k.base + '/');
});

after(async () => {
  await browser?.close();
  await k?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function signIn(code, role) {
  await page.locator('form.login-form').waitFor();
  await page.getByLabel('町村コード').fill(code);
  await page.getByLabel('ユーザー名').fill(k.loginName(role));
  await page.getByLabel('パスワード').fill(k.password(code, role));
  await page.getByLabel('パスワード').press('Enter');
  await page.locator('header.topbar').waitFor();
}

async function signOut() {
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await page.locator('form.login-form').waitFor();
}

const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);
const state = () => page.locator('.migration-summary [data-state]').getAttribute('data-state');
async function waitState(want) {
  await page.waitForFunction((w) => document.querySelector('.migration-summary [data-state]')?.dataset.state === w, want, { timeout: 60000 });
}

test('the operator exports a town with residents and downloads the zip', async () => {
  await signIn(A[0], 'operator');
  const item = page.locator('nav.menu a', { hasText: 'データ移行' });
  assert.equal(await item.getAttribute('data-available'), 'true');
  await item.click();
  await page.locator('main h1', { hasText: 'データ移行' }).waitFor();
  // The town is chosen with the keyboard: the select has the focus.
  await page.waitForFunction(() => document.activeElement?.id === 'migration-town');
  await page.locator('#migration-town').selectOption(A[0]);
  await page.keyboard.press('Tab');
  assert.equal(await focused(), '選ぶ');
  await page.keyboard.press('Enter');
  await page.locator('main h1', { hasText: `データ移行：${A[1]}（${A[0]}）` }).waitFor();
  assert.equal(await focused(), 'export-layout');
  const layout = page.locator('#export-layout');
  assert.match(await layout.locator('option:checked').textContent(), /住民基本台帳/);
  await page.getByRole('button', { name: '出力を開始する' }).click();
  await page.locator('main h1', { hasText: /データ移行 第\d+号：出力/ }).waitFor();
  assert.match(await page.locator('main .flash[role="status"]').textContent(), /出力を開始しました/);
  await waitState('ready');
  const link = page.locator('a[data-download="export"]');
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), new RegExp(`^${A[0]}-[a-z0-9_-]+-\\d+\\.zip$`));
  zipFile = join(work, download.suggestedFilename());
  await download.saveAs(zipFile);
  const names = readZip(readFileSync(zipFile)).map((e) => e.name);
  assert.ok(names.includes('manifest.json'), names.join());
  // The summary shows counts; there is no value of the data on the page.
  assert.match(await page.locator('.migration-summary').textContent(), /\d+ファイル、\d+行/);
  await page.screenshot({ path: SHOT('export'), fullPage: true });
});

test('the operator uploads the set into an empty town (a wrong file first) and runs the check', async () => {
  await page.locator('nav.menu a', { hasText: 'データ移行' }).click();
  await page.locator('#migration-town').selectOption(B[0]);
  await page.getByRole('button', { name: '選ぶ' }).click();
  await page.locator('main h1', { hasText: `データ移行：${B[1]}` }).waitFor();
  const form = page.locator('form[aria-label="データの取込"]');
  // No file, then a text file named .zip: refused at the file's field.
  await form.getByRole('button', { name: 'アップロードする' }).click();
  await page.locator('#import-file-error:not([hidden])').waitFor();
  assert.match(await page.locator('#import-file-error').textContent(), /ZIPファイルを選んでください/);
  const fake = join(work, 'fake.zip');
  writeFileSync(fake, '宛名番号,氏名\n1,テスト\n');
  await form.locator('#import-file').setInputFiles(fake);
  await form.getByRole('button', { name: 'アップロードする' }).click();
  await page.waitForFunction(() => /ZIPファイルではありません/.test(document.querySelector('#import-file-error:not([hidden])')?.textContent ?? ''));
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'import-file');
  // The real set.
  await form.locator('#import-file').setInputFiles(zipFile);
  await form.getByRole('button', { name: 'アップロードする' }).click();
  await page.locator('main h1', { hasText: /データ移行 第\d+号：取込/ }).waitFor();
  await waitState('uploaded');
  await page.locator('table.migration-entries tbody tr').first().waitFor();
  assert.ok(await page.locator('table.migration-entries tbody tr').count() >= 2, await page.locator('main').textContent());
  await page.getByRole('button', { name: '検査する' }).click();
  await waitState('checked');
  assert.match(await page.locator('.migration-actions').textContent(), /町村管理者が「取込の確認」で確定/);
  await page.screenshot({ path: SHOT('checked'), fullPage: true });
  await signOut();
});

test('the town\'s administrator confirms the import with the keyboard', async () => {
  await signIn(B[0], 'admin');
  const item = page.locator('nav.menu a', { hasText: '取込の確認' });
  await item.click();
  await page.locator('main h1', { hasText: '取込の確認' }).waitFor();
  const row = page.locator('table.migration-jobs').first().locator('tbody tr[data-state="checked"]');
  await row.waitFor();
  await row.locator('a').click();
  await page.locator('main h1', { hasText: /取込の確認 第\d+号/ }).waitFor();
  // The keyboard starts at the confirmation box; the button waits for it.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'migration-agree');
  const go = page.getByRole('button', { name: '取込を確定する' });
  assert.equal(await go.isDisabled(), true);
  await page.keyboard.press('Space');
  assert.equal(await go.isDisabled(), false);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await waitState('committed');
  assert.match(await page.locator('.migration-decide').textContent(), /取り込みました（\d+行）/);
  assert.match(await page.locator('.migration-summary').textContent(), /取込の確認/);
  await page.screenshot({ path: SHOT('committed'), fullPage: true });
  await signOut();
});

test('a set with a bad date is refused; the town\'s administrator reads each bad field and discards it', async () => {
  // The exported set without its manifest, one date made impossible.
  const entries = readZip(readFileSync(zipFile)).filter((e) => e.name !== 'manifest.json');
  const target = entries.find((e) => /\d{4}-\d{2}-\d{2}/.test(e.data.toString('utf8').split('\n')[1] ?? ''));
  const lines = target.data.toString('utf8').split('\n');
  lines[1] = lines[1].replace(/\d{4}-\d{2}-\d{2}/, '2019-02-30');
  target.data = Buffer.from(lines.join('\n'), 'utf8');
  const broken = join(work, 'broken.zip');
  writeFileSync(broken, makeZip(entries));

  await signIn(A[0], 'operator');
  await page.locator('nav.menu a', { hasText: 'データ移行' }).click();
  await page.locator('#migration-town').selectOption(C[0]);
  await page.getByRole('button', { name: '選ぶ' }).click();
  await page.locator('main h1', { hasText: `データ移行：${C[1]}` }).waitFor();
  await page.locator('#import-file').setInputFiles(broken);
  await page.getByRole('button', { name: 'アップロードする' }).click();
  await waitState('uploaded');
  await page.getByRole('button', { name: '検査する' }).click();
  await waitState('refused');
  // Counts by file and reason; the value itself is not on the operator's page.
  await page.locator('table.migration-reasons tbody tr').first().waitFor();
  assert.doesNotMatch(await page.locator('main').textContent(), /2019-02-30|2019年2月30日/);
  await signOut();

  await signIn(C[0], 'admin');
  await page.locator('nav.menu a', { hasText: '取込の確認' }).click();
  const row = page.locator('table.migration-jobs').first().locator('tbody tr[data-state="refused"]');
  await row.locator('a').click();
  await page.locator('main h1', { hasText: /取込の確認 第\d+号/ }).waitFor();
  const first = page.locator('table.migration-report-table tbody tr').first();
  await first.waitFor();
  const cells = await first.locator('td').allTextContents();
  assert.equal(cells[0], target.name);
  assert.equal(cells[1], '2');
  assert.equal(cells[3], '2019-02-30');
  assert.ok(cells[2].length > 0 && cells[4].length > 0, cells.join(' | '));
  assert.match(await page.locator('.migration-report .count').textContent(), /\d+件のうち\d+件を表示/);
  await page.screenshot({ path: SHOT('refused'), fullPage: true });
  await page.getByRole('button', { name: '破棄する' }).click(); // the dialog is accepted
  // The list's heading also matches the job's (取込の確認 第N号): wait for the flash.
  await page.locator('main .flash[role="status"]', { hasText: 'を破棄しました' }).waitFor();
  assert.equal(await page.locator('main h1').textContent(), '取込の確認');
  assert.deepEqual(problems, []);
});
