// Browser test of the 協議会 screens: the secretariat pastes the seed's sheets
// (data/consortium/agatsuma/), checks and stores them, and sees the seed's
// tables reproduced, the flagged figure, the allocation and the reports.
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startKyodo, DEMO_TOWNS, SOURCE_DIR } from '../lib/harness.mjs';

const CODE = '104213';
const PASSWORD = 'jimukyoku-password-1';
const SHOT = process.env.KYODO_CONSORTIUM_SHOT ?? '/tmp/kyodo-browser-consortium.png';
const seed = (name) => readFileSync(join(SOURCE_DIR, 'data', 'consortium', 'agatsuma', name), 'utf8');

let k;
let browser;
let page;
const problems = [];

before(async () => {
  [k, browser] = await Promise.all([
    startKyodo({ towns: DEMO_TOWNS, users: false }),
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-quic'],
    }),
  ]);
  const r = k.cli(['user', 'add', '--tenant', CODE, '--login', 'jimukyoku', '--name', '事務局 太郎',
    '--role', 'consortium_admin', '--password-stdin'], { input: PASSWORD + '\n' });
  assert.equal(r.status, 0, r.stderr);
  const context = await browser.newContext({
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1400, height: 900 },
  });
  context.setDefaultTimeout(15000);
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  await page.goto(k.base + '/');
});

after(async () => {
  await browser?.close();
  await k?.stop();
});

async function signIn() {
  await page.locator('form.login-form').waitFor();
  await page.getByLabel('町村コード').fill(CODE);
  await page.getByLabel('ユーザー名').fill('jimukyoku');
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByLabel('パスワード').press('Enter');
  await page.locator('header.topbar').waitFor();
}

// Opens the menu item, pastes the sheet and stores it; waits for its screen.
async function store(item, file) {
  await page.locator('nav.menu a', { hasText: item }).click();
  await page.locator('main h1', { hasText: item }).waitFor();
  await page.getByLabel('集計表', { exact: false }).first().fill(seed(file));
  await page.getByRole('button', { name: '登録する' }).click();
  await page.locator('main [role="status"]', { hasText: 'を登録しました' }).waitFor();
  await page.locator('.sheet-result table').first().waitFor();
}

const rowCells = (table, n) => page.locator(`.sheet-result table.consortium-table >> nth=${table}`)
  .locator('tbody tr').nth(n).locator('td').allTextContents();

test('the secretariat sees the 協議会 menu and nothing of any town', async () => {
  await signIn();
  assert.equal(await page.locator('.topbar .role-label').textContent(), '協議会事務局');
  assert.deepEqual(await page.locator('nav.menu section h2').allTextContents(), ['協議会']);
  assert.deepEqual(await page.locator('nav.menu section[data-section="consortium"] .menu-label').allTextContents(),
    ['プロポーザル集計', 'コスト削減効果検証', '共同調達', '費用按分']);
});

test('the proposal table: reproduced, with A社\'s 1次評価点 flagged beside the printed 28.85', async () => {
  await store('プロポーザル集計', 'proposal.tsv');
  await page.locator('main h1', { hasText: '基幹系システムプロポーザル集計結果' }).waitFor();
  assert.match(await page.locator('[data-check="figures"] .verdict').textContent(), /9件中 8件一致、1件不一致/);
  assert.match(await page.locator('dl.summary').textContent(), /出典吾妻郡町村情報システム共同化推進協議会/);
  assert.match(await page.locator('[data-flagged="A社/1次評価点"]').textContent(), /資料の値 28\.85 は入力から導かれません（計算値 26\.85）/);
  const flagged = page.locator('td.flagged');
  assert.equal(await flagged.count(), 1);
  assert.equal(await flagged.textContent(), '26.85※資料 28.85');
  assert.deepEqual(await rowCells(0, 0), ['A社', '1次', '住民', '65.62', '67.13', '40%', '26.85※資料 28.85', '64.76', '2位']);
  assert.deepEqual(await rowCells(0, 4), ['B社', '1次', '住民', '64.85', '69.55', '40%', '27.82', '74.17', '1位']);
  await page.screenshot({ path: SHOT, fullPage: false });
  // The PDF report behind the link.
  const href = await page.getByRole('link', { name: '帳票（PDF）' }).getAttribute('href');
  const got = await page.evaluate(async (u) => {
    const r = await fetch(u);
    const b = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(...b.slice(0, 5)) };
  }, href);
  assert.deepEqual(got, { status: 200, type: 'application/pdf', head: '%PDF-' });
});

test('the cost comparison and the joint procurement: every printed figure reproduced', async () => {
  await store('コスト削減効果検証', 'costs.tsv');
  assert.match(await page.locator('[data-check="figures"] .verdict').textContent(), /38件中 38件一致、0件不一致/);
  const total = await page.locator('.sheet-result table.consortium-table >> nth=0').locator('tr.total td').allTextContents();
  assert.deepEqual(total, ['合計', '', '836,000', '1,279,834', '443,834', '34.68%', '180,360', '1,016,360', '263,474', '20.59%']);
  await store('共同調達', 'procurement.tsv');
  assert.match(await page.locator('[data-check="figures"] .verdict').textContent(), /29件中 29件一致、0件不一致/);
  const nine = await rowCells(0, 8);
  assert.equal(nine[1], '草津町');
  assert.equal(nine[9], '10.62%');
});

test('the allocation report: shares that add up to each cost', async () => {
  await store('費用按分', 'allocation.tsv');
  const total = await page.locator('.sheet-result table.consortium-table >> nth=0').locator('tr.total td').allTextContents();
  assert.deepEqual(total, ['合計', '56,413', '1,000,000', '10,000,000', '3,000,000', '14,000,000', '100.00%']);
});

test('a bad sheet is refused with the item and the line; check before storing', async () => {
  await page.locator('nav.menu a', { hasText: 'コスト削減効果検証' }).click();
  await page.locator('main h1', { hasText: 'コスト削減効果検証' }).waitFor();
  // The list of stored sheets arrives after the heading: wait for its row.
  await page.locator('table.sheet-list tbody tr').first().waitFor();
  assert.equal(await page.locator('table.sheet-list tbody tr').count(), 1);
  const area = page.getByLabel('集計表', { exact: false }).first();
  await area.fill(seed('costs.tsv').replace('216,715', '-216,715'));
  await page.getByRole('button', { name: '確認する' }).click();
  const err = page.locator('.form-error');
  await err.waitFor();
  assert.match(await err.textContent(), /集計表に誤りがあります（中之条町\/B）：text line \d+: B of 中之条町 must be more than 0/);
  assert.equal(await area.getAttribute('aria-invalid'), 'true');
  await area.fill(seed('costs.tsv'));
  await page.getByRole('button', { name: '確認する' }).click();
  await page.locator('.preview h2', { hasText: '確認結果（未登録）' }).waitFor();
  assert.match(await page.locator('.preview [data-check="figures"] .verdict').textContent(), /38件一致/);
  assert.equal(await page.locator('table.sheet-list tbody tr').count(), 1, 'checking stores nothing');
});

test('no script errors or CSP violations', () => {
  assert.deepEqual(problems, []);
});
