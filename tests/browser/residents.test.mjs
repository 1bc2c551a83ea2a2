// Browser test of the 住民記録 screens: the residents clerk records a 国内転入
// of a two-person household through the 異動届 form (with the keyboard),
// finds it by a hiragana reading in 住民検索, opens the person (和暦 birth
// date, masked 個人番号 shown on a stated purpose, which the audit log
// records), opens the household (世帯主 then 妻), records a 転居 of the
// household and sees the history timeline and the as-of date switching
// addresses; bad input is shown next to its field, from the page's own checks
// and from the server.
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startKyodo } from '../lib/harness.mjs';

const [CODE, TOWN] = ['104213', '中之条町'];
const SHOT = (name) => `/tmp/kyodo-browser-residents-${name}.png`;
const ADDR1 = '群馬県吾妻郡中之条町大字中之条町1000番地';
const ADDR2 = '群馬県吾妻郡中之条町大字伊勢町2000番地';

let k;
let browser;
let page;
let auditor;
const problems = []; // page errors and CSP violations, checked at the end
const people = {}; // name → 宛名番号
let setai = null;

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
  auditor = await k.as(CODE, 'auditor');
  const context = await browser.newContext({
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 },
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
});

const focused = () => page.evaluate(() => {
  const e = document.activeElement;
  return e ? (e.dataset.field ?? e.getAttribute('name') ?? e.id ?? e.tagName) : null;
});
const waitFocus = (name) => page.waitForFunction((n) => {
  const e = document.activeElement;
  return e && (e.dataset.field === n || e.getAttribute('name') === n || e.id === n);
}, name);

// Types into the focused field, then Tab.
async function typeTab(text) {
  await page.keyboard.type(text);
  await page.keyboard.press('Tab');
}

async function openMove(kind) {
  await page.locator('nav.menu a', { hasText: '異動届' }).click();
  await page.locator('main h1', { hasText: '異動届' }).waitFor();
  await waitFocus('kind');
  await page.locator('#idou-kind').selectOption(kind);
  const form = page.locator(`form.idou-form[data-kind="${kind}"]`);
  await form.waitFor();
  return form;
}

// The error line of the field whose value the API calls `path`.
function fieldError(form, path) {
  const [prefix, name] = path.includes('.') ? [path.slice(0, path.lastIndexOf('.')), path.slice(path.lastIndexOf('.') + 1)] : ['', path];
  const scope = prefix ? form.locator(`[data-prefix="${prefix}"]`) : form;
  return scope.locator('.field', { has: page.locator(`[data-field="${name}"]`) }).first().locator('.field-error');
}

test('the menu offers 住民検索, 異動届, 証明書交付 and 印鑑登録', async () => {
  const items = await page.locator('nav.menu section[data-section="residents"] a').evaluateAll((as) =>
    as.map((a) => [a.querySelector('.menu-label').textContent, a.dataset.available]));
  assert.deepEqual(items, [['住民検索', 'true'], ['異動届', 'true'], ['証明書交付', 'true'], ['印鑑登録', 'true'],
    ['支援措置', 'true'], ['選挙人名簿', 'true']]);
});

test('a 国内転入 of a two-person household is recorded through the form with the keyboard', async () => {
  const form = await openMove('kokunai_tennyu');
  // From the kind, Tab leads through the form in order: 異動日, 届出日, …
  await page.locator('#idou-kind').focus();
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'idou_date');
  await page.keyboard.type('R6.4.1');
  assert.equal((await form.locator('.field:has([data-field="idou_date"]) .date-preview').textContent()).trim(),
    '令和6年4月1日（2024年4月1日）');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'todoke_date');
  assert.match(await page.locator('[data-field="todoke_date"]').inputValue(), /^\d{4}-\d{2}-\d{2}$/, '届出日 defaults to today');

  // A new household (the default) at its address; where they came from.
  await form.locator('[data-prefix="changes"] [data-field="postcode"]').focus();
  await typeTab('377-0424');
  assert.equal(await focused(), 'address');
  await typeTab(ADDR1);
  assert.equal(await focused(), 'katagaki');
  await form.locator('[data-field="prev_postcode"]').focus();
  await typeTab('3700001');
  await page.keyboard.type('群馬県高崎市八幡町1番地');

  // The first person: 氏名, フリガナ (hiragana), 生年月日 (和暦), 性別, 続柄.
  const p0 = form.locator('[data-prefix="persons[0]"]');
  await p0.locator('[data-field="shimei"]').focus();
  await typeTab('山田 太郎');
  await typeTab('やまだ たろう');
  await typeTab('S55.5.5');
  assert.equal(await focused(), 'sex');
  await page.locator(':focus').selectOption('1');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'zokugara');
  await page.keyboard.type('世帯主');
  // The foreign items are not shown for a 日本人住民; they appear for a 外国人住民.
  assert.equal(await p0.locator('[data-field="nationality"]').isVisible(), false);
  await p0.locator('[data-field="kind"]').selectOption('foreign');
  assert.equal(await p0.locator('[data-field="nationality"]').isVisible(), true);
  await p0.locator('[data-field="kind"]').selectOption('japanese');
  assert.equal(await p0.locator('[data-field="nationality"]').isVisible(), false);
  await p0.locator('details.more summary').click();
  await p0.locator('[data-field="kojin_bango"]').fill('123456789018');

  // Add the second person: the keyboard lands in the new row's 氏名.
  await form.getByRole('button', { name: '＋ 人を追加' }).focus();
  await page.keyboard.press('Enter');
  const p1 = form.locator('[data-prefix="persons[1]"]');
  await p1.waitFor();
  assert.equal(await p1.locator('legend').first().textContent(), '2人目');
  await waitFocus('shimei');
  await typeTab('山田 花子');
  await typeTab('やまだ はなこ');
  await typeTab('1982-07-07');
  await page.locator(':focus').selectOption('2');
  await page.keyboard.press('Tab');
  await page.keyboard.type('妻');
  // Enter in a field submits the form.
  await p1.locator('[data-field="birth"]').press('Enter');

  const result = page.locator('.idou-result');
  await result.waitFor();
  assert.match(await result.textContent(), /国内転入を記録しました（異動番号 1、異動日 令和6年4月1日（2024年4月1日））/);
  const links = await result.locator('.result-people a').evaluateAll((as) => as.map((a) => [a.textContent, a.dataset.atena]));
  assert.deepEqual(links.map(([name]) => name), ['山田 太郎', '山田 花子']);
  for (const [name, atena] of links) people[name] = atena;
  setai = (await result.locator('a.mono').textContent()).replace(/\D/g, '');
  assert.match(setai, /^[0-9]{10}$/);
  assert.match(await page.locator('main .flash[role="status"]').textContent(), /国内転入を記録しました/);
  await page.screenshot({ path: SHOT('kokunai-tennyu'), fullPage: true });
});

test('住民検索 finds them by a hiragana reading; the arrow keys and Enter open a person', async () => {
  await page.locator('nav.menu a', { hasText: '住民検索' }).click();
  await page.locator('main h1', { hasText: '住民検索' }).waitFor();
  await waitFocus('kana');
  await page.keyboard.type('やまだ');
  await page.keyboard.press('Enter');
  const rows = page.locator('table.results-table tbody tr');
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  const cells = await rows.first().locator('td').allTextContents();
  assert.equal(cells[0], people['山田 太郎']);
  assert.equal(cells[1], '山田 太郎');
  assert.equal(cells[2], 'ヤマダ　タロウ', 'the reading is stored as katakana');
  assert.equal(cells[3], '昭和55年5月5日1980年5月5日', '生年月日 in 和暦 and 西暦');
  assert.equal(cells[4], ADDR1);
  assert.equal(cells[5], '住民');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.atena), people['山田 太郎'], 'the first hit has focus');
  await page.screenshot({ path: SHOT('search'), fullPage: true });
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.atena), people['山田 花子']);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await page.locator('main h1', { hasText: '個人照会：山田 太郎' }).waitFor();
});

test('個人照会: 和暦 birth date, 続柄, address; 個人番号 masked until shown for a stated purpose', async () => {
  const item = (name) => page.locator(`.record [data-item="${name}"]`);
  await item('birth').waitFor();
  assert.match(await item('birth').textContent(), /^昭和55年5月5日/);
  assert.equal(await item('sex').textContent(), '男');
  assert.equal(await item('zokugara').textContent(), '世帯主');
  assert.equal(await item('address').textContent(), ADDR1);
  assert.equal(await item('postcode').textContent(), '〒377-0424');
  assert.match(await item('became_resident').textContent(), /令和6年4月1日/);
  assert.match(await item('prev_address').textContent(), /群馬県高崎市八幡町1番地/);
  assert.equal(await item('kojin_bango').locator('.mynumber').textContent(), '************');

  await item('kojin_bango').getByRole('button', { name: '個人番号を表示' }).click();
  await waitFocus('purpose');
  // No purpose: asked for, nothing sent.
  await page.keyboard.press('Enter');
  await page.locator('.purpose-form .field-error', { hasText: '利用目的を入力してください。' }).waitFor();
  await page.keyboard.type('本人確認');
  await page.keyboard.press('Enter');
  await page.locator('.mynumber[data-shown="true"]').waitFor();
  assert.equal(await item('kojin_bango').locator('.mynumber').textContent(), '123456789018');
  await page.screenshot({ path: SHOT('person'), fullPage: true });
  // The audit log has the purpose as typed (UTF-8 in the header), not the number.
  const log = (await auditor.get(`/api/v1/audit?subject=${people['山田 太郎']}&action=resident.read&limit=1`)).json.items[0];
  assert.equal(log.purpose, '本人確認');
  assert.match(log.detail, /個人番号 shown/);
  assert.ok(!JSON.stringify(log).includes('123456789018'));
  await item('kojin_bango').getByRole('button', { name: '隠す' }).click();
  assert.equal(await item('kojin_bango').locator('.mynumber').textContent(), '************');
});

test('世帯照会 lists the members in the standard order: 世帯主, then 妻', async () => {
  await page.locator('.record [data-link="household"]').click();
  await page.locator('main h1', { hasText: `世帯番号 ${setai}` }).waitFor();
  const rows = page.locator('table.members-table tbody tr');
  await rows.first().waitFor();
  const got = await rows.evaluateAll((trs) => trs.map((tr) => [tr.querySelector('.zokugara').textContent, tr.querySelectorAll('td')[2].textContent]));
  assert.deepEqual(got, [['世帯主', '山田 太郎'], ['妻', '山田 花子']]);
  // Before the 転入 there was no one.
  await page.locator('#household-as-of').fill('2024-03-31');
  await page.locator('[data-state="none"]').waitFor();
  await page.locator('#household-as-of').fill('2024-04-01');
  await rows.first().waitFor();
});

test('a 転居 of the household; the history has two entries; the as-of date switches addresses', async () => {
  const form = await openMove('tenkyo');
  await form.locator('[data-field="idou_date"]').fill('2025-06-01');
  // Find the head by reading, pick with the keyboard, then the whole household.
  await form.locator('.picker input').focus();
  await page.keyboard.type('やまだ たろう');
  await page.keyboard.press('Enter');
  await form.locator('.picker-hit').first().waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await form.locator('.subject-card').first().waitFor();
  await form.getByRole('button', { name: '世帯全員を追加' }).click();
  await form.locator('.subject-card').nth(1).waitFor();
  assert.deepEqual(await form.locator('.subject-card').evaluateAll((lis) => lis.map((li) => li.dataset.atena)),
    [people['山田 太郎'], people['山田 花子']]);
  await form.locator('[data-field="postcode"]').fill('3770423');
  await form.locator('[data-field="address"]').fill(ADDR2);
  await form.locator('[data-field="katagaki"]').fill('コーポ伊勢101');
  await form.getByRole('button', { name: '届出を記録する' }).click();
  const result = page.locator('.idou-result');
  await result.waitFor();
  assert.match(await result.textContent(), /転居を記録しました/);
  await result.locator(`a[data-atena="${people['山田 太郎']}"]`).click();

  await page.locator('main h1', { hasText: '個人照会：山田 太郎' }).waitFor();
  const address = page.locator('.record [data-item="address"]');
  await address.waitFor();
  assert.equal(await address.textContent(), ADDR2);
  const history = page.locator('ol.timeline li');
  await history.nth(1).waitFor();
  assert.deepEqual(await history.locator('.tl-label').allTextContents(), ['国内転入', '転居']);
  assert.equal(await page.locator('ol.timeline li[aria-current="true"] .tl-label').textContent(), '転居');

  // The day before the 転居: the old address; the day of it: the new one.
  await page.locator('#person-as-of').fill('2025-05-31');
  await page.locator('.record [data-item="address"]', { hasText: ADDR1 }).waitFor();
  assert.equal(await page.locator('ol.timeline li[aria-current="true"] .tl-label').textContent(), '国内転入');
  await page.locator('#person-as-of').fill('2025-06-01');
  await page.locator('.record [data-item="address"]', { hasText: ADDR2 }).waitFor();
  assert.equal(await page.locator('.record [data-item="katagaki"]').textContent(), 'コーポ伊勢101');
  // A row of the timeline shows its date.
  await history.first().locator('button').click();
  await page.locator('.record [data-item="address"]', { hasText: ADDR1 }).waitFor();
  assert.equal(await page.locator('#person-as-of').inputValue(), '2024-04-01');
  // Before the 転入 there is no record.
  await page.locator('#person-as-of').fill('2024-03-31');
  await page.locator('.record-host [data-state="none"]').waitFor();
  await history.nth(1).locator('button').click();
  await page.locator('.record [data-item="address"]', { hasText: ADDR2 }).waitFor();
  await page.screenshot({ path: SHOT('history'), fullPage: true });
});

test('bad input: the page names an impossible date at its field; the server\'s errors land at theirs', async () => {
  let form = await openMove('kokunai_tennyu');
  await form.locator('[data-field="idou_date"]').fill('2025-02-30');
  await form.getByRole('button', { name: '＋ 人を追加' }).click();
  await form.locator('[data-prefix="persons[1]"] [data-field="shimei"]').fill('山田 次郎');
  await form.getByRole('button', { name: '届出を記録する' }).click();
  const dateError = fieldError(form, 'idou_date');
  await dateError.waitFor();
  assert.equal(await dateError.textContent(), '2025年2月は28日までです（2月30日はありません）。');
  assert.equal(await form.locator('[data-field="idou_date"]').getAttribute('aria-invalid'), 'true');
  assert.equal(await focused(), 'idou_date', 'the first wrong field has focus');
  assert.equal(await fieldError(form, 'persons[1].birth').textContent(), '生年月日を入力してください。');
  assert.equal(await fieldError(form, 'persons[0].shimei').textContent(), '氏名を入力してください。');
  assert.equal(await fieldError(form, 'changes.postcode').textContent(), '郵便番号を入力してください。');
  assert.match(await form.locator('.form-error').textContent(), /入力内容を確認してください/);
  // A postcode of six digits.
  await form.locator('[data-field="postcode"]').fill('377042');
  await form.getByRole('button', { name: '届出を記録する' }).click();
  await fieldError(form, 'changes.postcode').filter({ hasText: '7桁' }).waitFor();
  await page.screenshot({ path: SHOT('errors'), fullPage: true });

  // What only the register knows: nobody lived here on that date.
  form = await openMove('tenkyo');
  await form.locator('[data-field="idou_date"]').fill('2019-01-01');
  await form.locator('.picker input').fill(people['山田 太郎']);
  await form.locator('.picker input').press('Enter');
  await form.locator('.picker-hit').first().click();
  await form.locator('.subject-card').first().waitFor();
  await form.locator('[data-field="postcode"]').fill('3770431');
  await form.locator('[data-field="address"]').fill('群馬県吾妻郡中之条町大字折田300番地');
  await form.getByRole('button', { name: '届出を記録する' }).click();
  const subjectError = form.locator('[data-prefix="subjects[0]"] [data-error-for="subjects[0].atena"]');
  await subjectError.waitFor();
  assert.equal(await subjectError.textContent(), '2019-01-01の時点で、この人の住民の記録がありません。異動日を確認してください。');
  assert.equal(await page.locator('.idou-result').count(), 0, 'nothing recorded');
});

test('住民検索 pages through many hits with さらに表示', async () => {
  // 25 people read サトウ …, in two households (at most 20 per 異動).
  const clerk = await k.as(CODE, 'residents_clerk');
  const given = 'アイウエオカキクケコサシスセソタチツテトナニヌネノ';
  for (const [from, to] of [[0, 15], [15, 25]]) {
    const persons = [];
    for (let i = from; i < to; i++) {
      persons.push({ kind: 'japanese', shimei: `佐藤 ${i + 1}`, shimei_kana: `サトウ　${given[i]}`, birth: '1990-01-01', sex: 1,
        zokugara: i === from ? '世帯主' : '子' });
    }
    const r = await clerk.post('/api/v1/residents/idou', { kind: 'kokunai_tennyu', idou_date: '2024-05-01',
      changes: { postcode: '3770431', address: '群馬県吾妻郡中之条町大字折田300番地', prev_address: '前橋市' }, persons });
    assert.equal(r.status, 201, r.text);
  }
  await page.locator('nav.menu a', { hasText: '住民検索' }).click();
  await page.locator('main h1', { hasText: '住民検索' }).waitFor();
  await page.getByRole('button', { name: '条件をクリア' }).click();
  await page.getByLabel('フリガナ').fill('さとう');
  await page.getByLabel('フリガナ').press('Enter');
  const rows = page.locator('table.results-table tbody tr');
  await rows.nth(19).waitFor();
  assert.equal(await rows.count(), 20);
  assert.match(await page.locator('main p.count').textContent(), /^20件（まだあります/);
  await page.getByRole('button', { name: 'さらに表示' }).click();
  await rows.nth(24).waitFor();
  assert.equal(await rows.count(), 25);
  const names = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[1].textContent));
  assert.equal(new Set(names).size, 25, 'every hit once');
  assert.equal(await page.getByRole('button', { name: 'さらに表示' }).isVisible(), false, 'no more pages');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.atena), await rows.nth(20).getAttribute('data-atena'),
    'the first new row has focus');
});

test('no script errors or CSP violations', () => {
  assert.deepEqual(problems, []);
});
