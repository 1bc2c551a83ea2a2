// Browser test of the 宛名 screens: the residents clerk registers a 住登外者
// (不詳 birth date) and a 法人 through the forms (a bad 法人番号 refused at its
// field by the page, a taken one by the server), finds them in 宛名検索 (a
// corporation without its 株式会社, a resident beside them), records a change
// of address from a date and reads the record on both sides of it with its
// history, merges a duplicate after seeing both records side by side, reads
// the merged number (it says where it went) and undoes the merge. A tax clerk
// has 宛名検索 and 宛名登録 but not 宛名統合.
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startKyodo } from '../lib/harness.mjs';

const [CODE, TOWN] = ['104213', '中之条町'];
const SHOT = (name) => `/tmp/kyodo-browser-addressees-${name}.png`;

let k;
let browser;
let context;
let page;
let clerk; // API client of the same residents clerk, for setting up
let auditor;
let resident;
const problems = [];
const made = {}; // name → 宛名番号

async function signIn(p, role) {
  await p.goto(k.base + '/');
  await p.locator('form.login-form').waitFor();
  await p.getByLabel('町村コード').fill(CODE);
  await p.getByLabel('ユーザー名').fill(k.loginName(role));
  await p.getByLabel('パスワード').fill(k.password(CODE, role));
  await p.getByLabel('パスワード').press('Enter');
  await p.locator('header.topbar').waitFor();
}

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
  auditor = await k.as(CODE, 'auditor');
  const r = await clerk.post('/api/v1/residents/idou', {
    kind: 'kokunai_tennyu', idou_date: '2024-04-01',
    changes: { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町1000番地', prev_address: '東京都千代田区1番' },
    persons: [{ kind: 'japanese', shimei: '吾妻 一郎', shimei_kana: 'アガツマ イチロウ', birth: '1950-01-01', sex: 1, zokugara: '世帯主' }],
  });
  assert.equal(r.status, 201, r.text);
  [resident] = r.json.atena;
  context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10000);
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  await signIn(page, 'residents_clerk');
});

after(async () => {
  await browser?.close();
  await k?.stop();
});

const item = (name) => page.locator(`.record [data-item="${name}"]`);
const fieldError = (form, name) => form.locator('.field', { has: page.locator(`[data-field="${name}"]`) }).first().locator('.field-error');
const flash = () => page.locator('main .flash[role="status"]');

async function openMenu(label) {
  await page.locator('nav.menu a', { hasText: label }).click();
  await page.locator('main h1', { hasText: label }).waitFor();
}

test('the menu has the 宛名 section: 宛名検索, 宛名登録, 宛名統合', async () => {
  const items = await page.locator('nav.menu section[data-section="atena"] a').evaluateAll((as) =>
    as.map((a) => [a.querySelector('.menu-label').textContent, a.dataset.available]));
  assert.deepEqual(items, [['宛名検索', 'true'], ['宛名登録', 'true'], ['宛名統合', 'true']]);
});

test('宛名登録: a 住登外者 with a 不詳 birth date, by the keyboard', async () => {
  await openMenu('宛名登録');
  const form = page.locator('form.atena-form[data-kind="nonresident"]');
  await form.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'name', 'the name has focus');
  await page.keyboard.type('佐藤 一郎');
  await page.keyboard.press('Tab');
  await page.keyboard.type('さとう いちろう');
  await form.locator('[data-field="birth"]').fill('昭和30年頃');
  await form.locator('[data-field="sex"]').selectOption('1');
  await form.locator('[data-field="postcode"]').fill('100-0001');
  await form.locator('[data-field="address"]').fill('東京都千代田区千代田1番1号');
  // A bad 個人番号 is refused by the page, at its field.
  await form.locator('[data-field="kojin_bango"]').fill('123456789012');
  await form.locator('[data-field="valid_from"]').fill('R6.4.1');
  assert.equal((await form.locator('.field:has([data-field="valid_from"]) .date-preview').textContent()).trim(),
    '令和6年4月1日（2024年4月1日）');
  await form.locator('[data-field="note"]').fill('固定資産（土地）の所有者');
  await form.locator('[data-field="note"]').press('Enter');
  assert.match(await fieldError(form, 'kojin_bango').textContent(), /検査数字/);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'kojin_bango');
  await form.locator('[data-field="kojin_bango"]').fill('123456789018');
  await form.locator('[data-field="kojin_bango"]').press('Enter');
  await page.locator('main h1', { hasText: '宛名照会：佐藤 一郎' }).waitFor();
  assert.match(await flash().textContent(), /住登外者「佐藤 一郎」を登録しました（宛名番号 (\d+)）/);
  made['佐藤'] = /宛名番号 (\d+)/.exec(await flash().textContent())[1];
  assert.equal(await item('birth').textContent(), '昭和30年頃（不詳）');
  assert.equal(await item('name_kana').textContent(), 'サトウ　イチロウ');
  assert.match(await item('kojin_bango').textContent(), /\*{12}/, '個人番号 masked');
  assert.equal(await item('postcode').textContent(), '〒100-0001');
  await page.screenshot({ path: SHOT('nonresident'), fullPage: true });
});

test('宛名登録: a 法人 — 法人番号 checked by the page, a taken one refused by the server at its field', async () => {
  await page.goto(k.base + '/#/atena/new/corporation');
  const form = page.locator('form.atena-form[data-kind="corporation"]');
  await form.waitFor();
  assert.equal(await form.locator('[data-field="birth"]').count(), 0, 'no 生年月日 for a corporation');
  await form.locator('[data-field="name"]').fill('株式会社吾妻商事');
  await form.locator('[data-field="name_kana"]').fill('あがつましょうじ');
  await form.locator('[data-field="address"]').fill('群馬県前橋市大手町1丁目1番1号');
  await form.locator('[data-field="representative"]').fill('吾妻 太郎');
  await form.locator('[data-field="corp_number"]').fill('5000012010001');
  await form.locator('[data-field="corp_number"]').press('Enter');
  assert.match(await fieldError(form, 'corp_number').textContent(), /検査数字/);
  await form.locator('[data-field="corp_number"]').fill('7123456789012');
  await form.locator('[data-field="corp_number"]').press('Enter');
  await page.locator('main h1', { hasText: '宛名照会：株式会社吾妻商事' }).waitFor();
  made['吾妻商事'] = /宛名番号 (\d+)/.exec(await flash().textContent())[1];
  assert.equal(await item('corp_number').textContent(), '7123456789012');
  assert.equal(await item('representative').textContent(), '吾妻 太郎');
  // The same 法人番号 again: the server names the corporation that has it.
  await page.goto(k.base + '/#/atena/new/corporation');
  const again = page.locator('form.atena-form[data-kind="corporation"]');
  await again.waitFor();
  await again.locator('[data-field="name"]').fill('吾妻商事');
  await again.locator('[data-field="address"]').fill('前橋市');
  await again.locator('[data-field="corp_number"]').fill('7123456789012');
  await again.locator('[data-field="corp_number"]').press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-field="corp_number"]')?.getAttribute('aria-invalid') === 'true');
  assert.match(await fieldError(again, 'corp_number').textContent(), new RegExp(`宛名番号 ${made['吾妻商事']} の法人`));
});

test('宛名検索: a corporation without its 株式会社, residents and 住登外者 together', async () => {
  await openMenu('宛名検索');
  const form = page.locator('form.filter-form');
  await form.locator('[data-field="name"]').fill('吾妻');
  await form.locator('[data-field="name"]').press('Enter');
  const rows = page.locator('table.atena-results tbody tr');
  await rows.nth(1).waitFor();
  const got = await rows.evaluateAll((trs) => trs.map((tr) => [tr.dataset.atena, tr.dataset.kind]));
  assert.deepEqual(got.map(([, kind]) => kind).sort(), ['corporation', 'resident']);
  assert.ok(got.some(([a]) => a === made['吾妻商事']));
  assert.ok(got.some(([a]) => a === resident));
  // Only corporations.
  await form.locator('[data-field="kind"]').selectOption('corporation');
  await form.locator('[data-field="name"]').press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('table.atena-results tbody tr').length === 1);
  await page.screenshot({ path: SHOT('search'), fullPage: true });
  // Enter on the row opens it.
  await page.keyboard.press('Enter');
  await page.locator('main h1', { hasText: '宛名照会：株式会社吾妻商事' }).waitFor();
});

test('宛名変更 from a date: the record on both sides of it, and the history', async () => {
  await page.goto(k.base + `/#/atena/view/${made['佐藤']}`);
  await page.locator('main h1', { hasText: '宛名照会：佐藤 一郎' }).waitFor();
  await page.locator('a[data-link="change"]').click();
  const form = page.locator('form.atena-form');
  await form.waitFor();
  assert.equal(await form.locator('[data-field="address"]').inputValue(), '東京都千代田区千代田1番1号', 'the form starts from the record');
  await form.locator('[data-field="postcode"]').fill('3710001');
  await form.locator('[data-field="address"]').fill('群馬県前橋市大手町2丁目1番');
  const today = await page.evaluate(() => document.querySelector('[data-field="valid_from"]').value);
  await form.locator('[data-field="valid_from"]').fill(today);
  await form.locator('[data-field="note"]').fill('転居の連絡');
  await form.locator('[data-field="note"]').press('Enter');
  await page.locator('main h1', { hasText: '宛名照会：佐藤 一郎' }).waitFor();
  assert.match(await flash().textContent(), /変更を記録しました/);
  assert.equal(await item('address').textContent(), '群馬県前橋市大手町2丁目1番');
  const timeline = page.locator('.history-host li');
  assert.equal(await timeline.count(), 2);
  assert.match(await timeline.nth(1).textContent(), /変更.*事由：転居の連絡/);
  // The first version of the history: the old address, as of its day.
  await timeline.nth(0).locator('button').click();
  await page.waitForFunction(() => document.querySelector('.record [data-item="address"]')?.textContent === '東京都千代田区千代田1番1号');
  assert.match(await page.locator('.record-state').textContent(), /令和6年4月1日/);
  // Before the record began there is none.
  await page.locator('#atena-as-of').fill('2024-03-31');
  await page.locator('[data-state="none"]').waitFor();
  // Only the changed items were sent.
  const hist = (await clerk.get(`/api/v1/addressees/${made['佐藤']}/history`)).json;
  assert.equal(hist.versions[1].record.birth_text, '昭和30年頃', 'the 不詳 birth date is kept');
});

test('宛名統合: both records side by side, then the merged number says where it went; undo restores both', async () => {
  // A second record of the same person, registered by another clerk.
  const dup = await clerk.post('/api/v1/addressees', { kind: 'nonresident', name: '佐藤 一郎', name_kana: 'サトウ イチロウ',
    birth: '1955-01-01', sex: 1, address: '東京都千代田区千代田1番1号' });
  assert.equal(dup.status, 201, dup.text);
  const dupNo = dup.json.atena;
  await page.goto(k.base + `/#/atena/view/${dupNo}`);
  await page.locator('a[data-link="merge"]').click();
  await page.locator('main h1', { hasText: '宛名統合' }).waitFor();
  assert.equal(await page.locator('[data-field="absorbed"]').inputValue(), dupNo);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'survivor');
  await page.keyboard.type(made['佐藤']);
  await page.keyboard.press('Enter');
  const table = page.locator('table.compare-table');
  await table.waitFor();
  const heads = await table.locator('thead th').allTextContents();
  assert.ok(heads[1].includes(dupNo) && heads[2].includes(made['佐藤']), 'both numbers are shown');
  const differs = await table.locator('tbody tr:has(.status-warn)').evaluateAll((trs) => trs.map((tr) => tr.dataset.item));
  assert.ok(differs.includes('birth') && differs.includes('address'), `differences shown: ${differs}`);
  assert.ok(!differs.includes('name'));
  await page.screenshot({ path: SHOT('merge-confirm'), fullPage: true });
  // The reason is required.
  await page.getByRole('button', { name: 'この2つを統合する' }).click();
  assert.match(await fieldError(page.locator('form.merge-confirm'), 'reason').textContent(), /入力してください/);
  await page.locator('[data-field="reason"]').fill('同一人の二重登録');
  await page.getByRole('button', { name: 'この2つを統合する' }).click();
  await page.locator('main h1', { hasText: '宛名照会：佐藤 一郎' }).waitFor();
  assert.match(await flash().textContent(), new RegExp(`宛名番号 ${dupNo} を ${made['佐藤']} に統合しました（統合番号 (\\d+)）`));
  assert.match(await page.locator('.absorbed-note').textContent(), new RegExp(dupNo));
  // The merged number: its read says where it went.
  await page.goto(k.base + `/#/atena/view/${dupNo}`);
  const note = page.locator('.merged-note');
  await note.waitFor();
  assert.match(await note.textContent(), new RegExp(`宛名番号 ${dupNo} は、宛名番号 ${made['佐藤']} に統合されています`));
  assert.equal(await item('atena').textContent(), made['佐藤']);
  assert.equal(await page.locator('a[data-link="change"]').count(), 0, 'a merged number takes no change');
  await page.screenshot({ path: SHOT('merged'), fullPage: true });
  // Undo, from the merges of the record.
  const undo = page.locator('.merges-table button[data-undo]');
  await undo.click();
  await page.locator('.undo-form input[name="reason"]').fill('別人と判明');
  await page.locator('.undo-form input[name="reason"]').press('Enter');
  await page.waitForFunction(() => /統合を取り消しました/.test(document.querySelector('main .flash[role="status"]')?.textContent ?? ''));
  await page.locator('.record [data-item="atena"]').waitFor();
  assert.equal(await item('atena').textContent(), dupNo, 'the number stands on its own again');
  assert.equal(await page.locator('.merged-note').count(), 0);
  assert.match(await page.locator('.merges-table tbody tr').first().textContent(), /取消し済み.*別人と判明/);
  // The audit has the merge and its undo under both numbers.
  for (const a of [dupNo, made['佐藤']]) {
    const log = (await auditor.get(`/api/v1/audit?subject=${a}&limit=100`)).json.items.map((e) => e.action);
    assert.ok(log.includes('addressee.merge') && log.includes('addressee.unmerge'), `${a}: ${log}`);
  }
});

test('a resident\'s 宛名照会 leads to the register; a tax clerk may not merge', async () => {
  await page.goto(k.base + `/#/atena/view/${resident}`);
  await page.locator('main h1', { hasText: '宛名照会：吾妻 一郎' }).waitFor();
  assert.equal(await item('register_status').textContent(), '住民');
  assert.equal(await page.locator('a[data-link="change"]').count(), 0);
  assert.equal(await page.locator('.record-links a', { hasText: '住民記録（個人照会）を開く' }).count(), 1);

  const taxPage = await context.browser().newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' }).then((c) => c.newPage());
  await signIn(taxPage, 'tax_clerk');
  const items = await taxPage.locator('nav.menu section[data-section="atena"] a .menu-label').allTextContents();
  assert.deepEqual(items, ['宛名検索', '宛名登録']);
  await taxPage.goto(k.base + `/#/atena/view/${made['佐藤']}`);
  await taxPage.locator('main h1', { hasText: '宛名照会：佐藤 一郎' }).waitFor();
  assert.equal(await taxPage.locator('a[data-link="merge"]').count(), 0);
  assert.equal(await taxPage.locator('a[data-link="change"]').count(), 1);
  // The merge screen is not theirs: back to the main menu.
  await taxPage.goto(k.base + '/#/atena/merge');
  await taxPage.waitForFunction(() => location.hash === '#/');
  await taxPage.close();
});

test('抑止: a protected resident is found and shown with the address withheld and the notice', async () => {
  const r = await clerk.post('/api/v1/residents/idou', {
    kind: 'kokunai_tennyu', idou_date: '2024-04-01',
    changes: { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町3000番地', prev_address: '東京都' },
    persons: [{ kind: 'japanese', shimei: '保護 花子', shimei_kana: 'ホゴ ハナコ', birth: '1990-01-01', sex: 2, zokugara: '世帯主' }],
  });
  const [hanako] = r.json.atena;
  const m = await clerk.post('/api/v1/suppressions', { category: 'dv', reason: '追跡', confirmer_kind: 'police',
    confirmer: '中之条警察署', confirmed_on: '2025-01-01', applicant: hanako });
  assert.equal(m.status, 201, m.text);
  await page.goto(k.base + '/#/atena/search');
  const form = page.locator('form.filter-form');
  await page.getByRole('button', { name: '条件をクリア' }).click();
  await form.locator('[data-field="kana"]').fill('ほご');
  await form.locator('[data-field="kana"]').press('Enter');
  // The clear and the search each render the results: click once both are in
  // (a row of the first render is detached by the second).
  await page.waitForLoadState('networkidle');
  const row = page.locator(`table.atena-results tr[data-atena="${hanako}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /支援措置のため表示しません/);
  assert.ok(!(await row.textContent()).includes('3000番地'));
  await row.click({ timeout: 30000 });
  await page.locator('.suppression-note').waitFor();
  assert.match(await page.locator('.suppression-note').textContent(), /支援措置.*住所は表示されません/);
  assert.match(await item('address').textContent(), /支援措置のため表示しません/);
  assert.ok(!(await page.locator('main').textContent()).includes('3000番地'), 'not in the history either');
});

test('no page errors and no CSP violations', () => {
  assert.deepEqual(problems, []);
});
