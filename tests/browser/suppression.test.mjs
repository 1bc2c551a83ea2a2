// Browser test of the 支援措置 (DV等支援措置) screens: the residents clerk
// enters a 申出 through the form (an error from the server shown at its
// field first), sees it pending and marked as their own; in 住民検索 the
// protected household's rows carry the warning and no address, and the
// person's record is refused with the reason. The 住民記録責任者 approves it
// from the approval queue, opens the record by choosing one of the measure's
// purposes (banner, address shown), sees the household with its warning, and
// proposes a lift that a second 住民記録責任者 approves.
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startKyodo } from '../lib/harness.mjs';

const [CODE, TOWN] = ['104213', '中之条町'];
const SHOT = (name) => `/tmp/kyodo-browser-suppression-${name}.png`;
const HOME = '群馬県吾妻郡中之条町大字中之条町555番地';

let k;
let browser;
let page;
let chief2;
const problems = [];
const people = {};
let setai;

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
  const clerk = await k.as(CODE, 'residents_clerk');
  const r = await clerk.post('/api/v1/residents/idou', { kind: 'kokunai_tennyu', idou_date: '2026-01-10',
    changes: { postcode: '3770424', address: HOME, katagaki: 'ハイツ吾妻203' },
    persons: [
      { kind: 'japanese', shimei: '被害 花子', shimei_kana: 'ヒガイ ハナコ', birth: '1988-04-04', sex: 2, zokugara: '世帯主' },
      { kind: 'japanese', shimei: '被害 一花', shimei_kana: 'ヒガイ イチカ', birth: '2016-06-06', sex: 2, zokugara: '子' },
    ] });
  assert.equal(r.status, 201, r.text);
  [people.hanako, people.ichika] = r.json.atena;
  setai = r.json.new_setai;
  const o = await clerk.post('/api/v1/residents/idou', { kind: 'kokunai_tennyu', idou_date: '2026-01-10',
    changes: { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町777番地' },
    persons: [{ kind: 'japanese', shimei: '無関係 三郎', shimei_kana: 'ムカンケイ サブロウ', birth: '1970-03-03', sex: 1, zokugara: '世帯主' }] });
  people.saburo = o.json.atena[0];
  // A second 住民記録責任者, who approves the first one's proposals.
  const admin = await k.as(CODE, 'admin');
  assert.equal((await admin.post('/api/v1/users', { login: 'chief2', name: '二人目 責任者', role: 'residents_supervisor',
    password: 'second-chief-pw-1' })).status, 201);
  chief2 = await k.login(CODE, 'chief2', 'second-chief-pw-1');

  const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10000);
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

async function signIn(role) {
  await page.locator('form.login-form').waitFor();
  await page.getByLabel('町村コード').fill(CODE);
  await page.getByLabel('ユーザー名').fill(k.loginName(role));
  await page.getByLabel('パスワード').fill(k.password(CODE, role));
  await page.getByLabel('パスワード').press('Enter');
  await page.locator('header.topbar').waitFor();
}

async function signOut() {
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await page.locator('form.login-form').waitFor();
}

const field = (name) => page.locator(`form.supp-form [data-field="${name}"]`);
const fieldError = (name) => page.locator('form.supp-form .field', { has: page.locator(`[data-field="${name}"]`) }).locator('.field-error');

let measureId;

test('the residents clerk enters a 申出; it waits for another user', async () => {
  await signIn('residents_clerk');
  const items = await page.locator('nav.menu section[data-section="residents"] .menu-label').allTextContents();
  assert.ok(items.includes('支援措置'));
  assert.ok(!items.includes('支援措置の承認'), 'the clerk has no approval queue');
  await page.locator('nav.menu a', { hasText: '支援措置' }).click();
  await page.locator('main .count', { hasText: '支援措置はありません' }).waitFor();
  await page.getByRole('link', { name: '新しい申出を受け付ける' }).click();
  await page.locator('main h1', { hasText: '支援措置の申出' }).waitFor();

  // The page's own checks first: nothing filled.
  await page.getByRole('button', { name: /申出を登録する/ }).click();
  assert.match(await fieldError('applicant').textContent(), /入力してください/);
  assert.match(await fieldError('reason').textContent(), /入力してください/);

  await field('applicant').fill(people.hanako);
  await field('applicant').press('Tab');
  await page.locator('#supp-applicant-name', { hasText: '被害 花子' }).waitFor();
  // Someone at another address as a joint person: the server says so at the field.
  await field('joint').fill(people.saburo);
  await field('category').selectOption('dv');
  await field('reason').fill('元配偶者からの暴力。');
  await field('confirmer_kind').selectOption('police');
  await field('confirmer').fill('中之条警察署');
  await field('confirmed_on').fill('R8.1.5');
  await field('offender').fill('加害 太郎');
  // The town's defaults are ticked: 第三者, 閲覧, 戸籍の附票; 支援措置事務, 本人, 異動届.
  const ticked = await page.locator('fieldset[data-group="blocks"] input:checked').evaluateAll((es) => es.map((e) => e.value));
  assert.deepEqual(ticked, ['daisansha', 'etsuran', 'fuhyo']);
  await page.getByRole('button', { name: /申出を登録する/ }).click();
  await page.waitForFunction(() => document.querySelector('form.supp-form [data-field="joint"]')?.getAttribute('aria-invalid') === 'true');
  assert.match(await fieldError('joint').textContent(), /申出者と同じ住所の方に限ります/);

  await field('joint').fill(people.ichika);
  await page.getByRole('button', { name: /申出を登録する/ }).click();
  await page.locator('main h1', { hasText: /支援措置 第\d+号/ }).waitFor();
  await page.locator('.verdict .status').waitFor();
  measureId = Number(/第(\d+)号/.exec(await page.locator('main h1').textContent())[1]);
  assert.match(await page.locator('.flash').first().textContent() + await page.locator('[role="status"]').textContent(), /承認を待っています/);
  assert.equal(await page.locator('.verdict .status').getAttribute('data-state'), 'pending');
  assert.match(await page.locator('main').textContent(), /被害 花子.*申出者/);
  // Their own request: no approve button, a note instead.
  assert.equal(await page.locator('[data-own="true"]').count(), 1);
  assert.equal(await page.getByRole('button', { name: '承認する' }).count(), 0);
  await page.screenshot({ path: SHOT('measure'), fullPage: true });
});

test('the clerk sees the warning in search and no address; the record is refused with the reason', async () => {
  await page.locator('nav.menu a', { hasText: '住民検索' }).click();
  await page.locator('main h1', { hasText: '住民検索' }).waitFor();
  await page.locator('[name="kana"]').fill('ひがい');
  await page.locator('[name="kana"]').press('Enter');
  await page.locator('tr.result-row').first().waitFor();
  const rows = page.locator('tr.result-row');
  assert.equal(await rows.count(), 2);
  for (let i = 0; i < 2; i++) {
    const row = rows.nth(i);
    assert.equal(await row.getAttribute('data-suppression'), 'person');
    assert.match(await row.textContent(), /支援措置により非表示/);
    assert.ok(!(await row.textContent()).includes('555'));
  }
  assert.ok(await page.locator('.suppression-banner').isVisible());
  await page.screenshot({ path: SHOT('search'), fullPage: true });

  await rows.first().locator('a').click();
  await page.locator('.suppression-banner[data-suppression="gate"]').waitFor();
  assert.match(await page.locator('.suppression-banner').textContent(), /あなたの役割では、この方の記録を照会できません/);
  assert.equal(await page.locator('#supp-purpose').count(), 0);
  assert.ok(!(await page.locator('main').textContent()).includes('555'));
  await signOut();
});

test('the 住民記録責任者 approves from the queue and looks the person up for a protected purpose', async () => {
  await signIn('residents_supervisor');
  await page.locator('nav.menu a', { hasText: '支援措置の承認' }).click();
  await page.locator('main h1', { hasText: '支援措置の承認' }).waitFor();
  const item = page.locator(`section.approval[data-measure="${measureId}"]`);
  await item.waitFor();
  assert.match(await item.textContent(), /被害 花子、被害 一花/);
  await item.getByRole('button', { name: '承認する' }).click();
  await page.locator('main .count', { hasText: '承認待ちの申請はありません' }).waitFor();

  // The record: refused until a purpose of the measure is chosen.
  await page.goto(`${k.base}/#/residents/person/${people.hanako}`);
  await page.locator('#supp-purpose').waitFor();
  const options = await page.locator('#supp-purpose option').allTextContents();
  assert.deepEqual(options, ['支援措置事務', '本人からの申出・請求', '住民異動届の処理']);
  await page.locator('#supp-purpose').selectOption('支援措置事務');
  await page.getByRole('button', { name: 'この目的で照会する' }).click();
  await page.locator('[data-item="address"]', { hasText: HOME }).waitFor();
  const banner = page.locator('.suppression-banner[data-suppression="person"]');
  assert.match(await banner.textContent(), /支援措置（DV等支援措置）の対象者です/);
  assert.match(await banner.textContent(), /第三者からの請求/);
  await page.screenshot({ path: SHOT('person'), fullPage: true });

  // The household: the warning; both members are protected, so their
  // records (and the address) show for a protected purpose only.
  await page.goto(`${k.base}/#/residents/household/${setai}`);
  await page.locator('.members-table').waitFor();
  assert.ok(await page.locator('.suppression-banner').isVisible());
  assert.equal(await page.locator('tr[data-suppression="person"]').count(), 2);
  assert.match(await page.locator('main .summary').textContent(), /支援措置により非表示/);
  await page.locator('#household-supp-purpose').selectOption('住民異動届の処理');
  await page.getByRole('button', { name: 'この目的で表示する' }).click();
  await page.locator('main .summary', { hasText: '555番地' }).waitFor();
});

test('a lift proposed by the 住民記録責任者 is approved by a second one', async () => {
  await page.goto(`${k.base}/#/residents/suppression/${measureId}`);
  await page.locator('form#supp-lift').waitFor();
  await page.locator('form#supp-lift [data-field="note"]').fill('申出者から解除の申出');
  await page.getByRole('button', { name: /解除を申し出る/ }).click();
  await page.locator('#supp-pending', { hasText: '承認待ち：解除' }).waitFor();
  assert.equal(await page.locator('[data-own="true"]').count(), 1, 'the proposer cannot approve');
  const q = await chief2.get('/api/v1/suppression-requests');
  const req = q.json.items.find((i) => i.measure_id === measureId);
  assert.equal((await chief2.post(`/api/v1/suppression-requests/${req.id}/decision`, { decision: 'approve' })).status, 200);
  await page.reload();
  await page.locator('.verdict .status[data-state="lifted"]').waitFor();
  assert.match(await page.locator('.history-table').textContent(), /解除.*chief2/);
  await signOut();
});

test('no page errors or CSP violations', () => {
  assert.deepEqual(problems, []);
});
