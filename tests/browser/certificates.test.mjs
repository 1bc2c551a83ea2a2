// Browser test of 証明書交付: from 個人照会 the residents clerk issues a
// 住民票の写し 世帯連記式 of two of a household's three members with the
// keyboard — the 見本 shown in the page (a blob: PDF in an iframe under the
// page's CSP), nothing recorded; a change asks for a new preview; 交付 shows
// the 証明書番号 and the certificate, which opens in a tab and saves under
// its number; the 交付履歴 lists it and its entry shows it. A third party is
// never offered 個人番号 or 住民票コード (写し and 記載事項証明書), and must
// state a purpose; the server's refusals are shown at their field (a 個人番号
// forced into a third party's request; a person removed after the screen
// was opened). From 世帯照会 the whole household is chosen. No script errors
// and no CSP violations.
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startKyodo } from '../lib/harness.mjs';

const [CODE, TOWN] = ['104213', '中之条町'];
const SHOT = (name) => `/tmp/kyodo-browser-certificates-${name}.png`;
const ADDR = { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町1000番地', katagaki: 'コーポ中之条101' };

let k;
let browser;
let context;
let page;
let clerk;
let auditor;
const problems = []; // page errors and CSP violations, checked at the end
const people = {};
let setai;

function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-quic'],
  });
}

async function idou(body) {
  const r = await clerk.post('/api/v1/residents/idou', body);
  assert.equal(r.status, 201, `${body.kind}: ${r.text}`);
  return r.json;
}

function watch(p) {
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  p.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
}

before(async () => {
  [k, browser] = await Promise.all([startKyodo({ towns: [[CODE, TOWN]] }), launch()]);
  clerk = await k.as(CODE, 'residents_clerk');
  auditor = await k.as(CODE, 'auditor');

  // A household of three, and a man living alone.
  let r = await idou({ kind: 'kokunai_tennyu', idou_date: '2024-04-01', todoke_date: '2024-04-02',
    changes: { ...ADDR, prev_postcode: '3700001', prev_address: '群馬県高崎市八幡町1番地' },
    persons: [
      { kind: 'japanese', shimei: '山田 太郎', shimei_kana: 'ヤマダ タロウ', birth: '1980-05-05', sex: 1, zokugara: '世帯主',
        honseki: '群馬県高崎市八幡町1番地', hittousha: '山田 太郎', kojin_bango: '123456789018', jumin_code: '24727059608' },
      { kind: 'japanese', shimei: '山田 花子', shimei_kana: 'ヤマダ ハナコ', birth: '1982-07-07', sex: 2, zokugara: '妻' },
      { kind: 'japanese', shimei: '山田 一郎', shimei_kana: 'ヤマダ イチロウ', birth: '2010-01-10', sex: 1, zokugara: '子' },
    ] });
  [people.taro, people.hanako, people.ichiro] = r.atena;
  setai = r.new_setai;
  r = await idou({ kind: 'kokunai_tennyu', idou_date: '2020-04-01',
    changes: { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町2000番地', prev_address: '前橋市' },
    persons: [{ kind: 'japanese', shimei: '鈴木 進', shimei_kana: 'スズキ ススム', birth: '1940-03-03', sex: 1, zokugara: '世帯主' }] });
  [people.susumu] = r.atena;

  context = await browser.newContext({
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 }, acceptDownloads: true,
  });
  context.setDefaultTimeout(15000);
  page = await context.newPage();
  watch(page);
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

const go = (path) => page.evaluate((p) => { location.hash = '#' + p; }, path);
const focusedIs = (sel) => page.waitForFunction((s) => document.activeElement?.matches(s), sel);
const form = () => page.locator('form.cert-form');
const option = (code) => form().locator(`input[data-item="${code}"]`);

function pdfText(file) {
  const r = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/\s+/g, '');
}

test('the menu offers 証明書交付, and it opens the issue screen', async () => {
  const link = page.locator('nav.menu section[data-section="residents"] a', { hasText: '証明書交付' });
  assert.equal(await link.getAttribute('data-available'), 'true');
  await link.click();
  await page.locator('main h1', { hasText: '証明書交付' }).waitFor();
  // With no one chosen yet, the keyboard is in the search.
  await focusedIs('.cert-picker input');
});

test('from 個人照会, by keyboard: preview (見本, nothing recorded), then 交付 with its number; the 交付履歴 has it', async () => {
  await go(`/residents/person/${people.taro}`);
  await page.locator('main h1', { hasText: '個人照会：山田 太郎' }).waitFor();
  const start = page.locator('.record-links a[data-link="certificate"]');
  await start.focus();
  await page.keyboard.press('Enter');
  await page.locator('main h1', { hasText: '証明書交付' }).waitFor();
  await page.locator('.cert-person-card', { hasText: '山田 太郎' }).waitFor();

  // The household in its order, only the person chosen; the keyboard on the kind.
  const rows = form().locator('.member-row');
  await rows.nth(2).waitFor();
  assert.deepEqual(await rows.evaluateAll((lis) => lis.map((li) => [li.querySelector('.zokugara').textContent, li.querySelector('strong').textContent, li.querySelector('input').checked])),
    [['世帯主', '山田 太郎', true], ['妻', '山田 花子', false], ['子', '山田 一郎', false]]);
  await focusedIs('input[name="kind"][value="juminhyo"]');
  assert.equal(await form().locator('input[name="form"]:checked').getAttribute('value'), 'setai');
  assert.equal(await form().locator('input[name="requester"]:checked').getAttribute('value'), 'honnin');
  assert.equal(await page.locator('button[data-action="issue"]').isDisabled(), true, '交付 waits for a preview');
  // 除票の写し is not for a resident.
  assert.equal(await form().locator('input[name="kind"][value="johyo"]').isDisabled(), true);
  // The on-request items with the law's rule; 個人番号 is offered to the person himself.
  for (const code of ['setainushi', 'honseki', 'kojin_bango', 'jumin_code']) assert.equal(await option(code).count(), 1, code);
  assert.match(await form().locator('.item-row[data-item="kojin_bango"] .hint').textContent(), /第三者の請求には記載できません（同法第12条の3）/);
  assert.equal(await option('zairyu').count(), 0, 'no 外国人住民 chosen: no 在留 items');

  // 花子 too (Space), 世帯主・続柄 on request; the requester's name and purpose.
  await form().locator(`input[data-member="${people.hanako}"]`).focus();
  await page.keyboard.press('Space');
  await option('setainushi').focus();
  await page.keyboard.press('Space');
  await form().locator('[data-field="requester_name"]').focus();
  await page.keyboard.type('山田 太郎');
  await page.keyboard.press('Tab');
  await page.keyboard.type('児童手当の申請');
  // Enter previews.
  await page.keyboard.press('Enter');
  const frame = page.locator('.cert-preview iframe.pdf-frame');
  await frame.waitFor();
  assert.match(await frame.getAttribute('src'), /^blob:/);
  await focusedIs('button[data-action="issue"]');
  assert.match(await page.locator('.cert-preview h2').textContent(), /プレビュー（見本）：住民票の写し（世帯連記式）/);
  // The PDF viewer loads inside the frame (the CSP allows blob: frames).
  await page.waitForFunction(() => document.querySelector('.cert-preview iframe')?.contentDocument?.contentType === 'application/pdf');
  // Chromium's PDF viewer runs in the frame, and the window shows it below the buttons.
  await page.waitForFunction(() => {
    const r = document.querySelector('.cert-preview iframe').getBoundingClientRect();
    return r.top > 0 && r.top < window.innerHeight / 2;
  });
  const viewer = () => page.frames().some((f) => f.url().startsWith('chrome-extension://'));
  for (let i = 0; i < 50 && !viewer(); i++) await page.waitForTimeout(100);
  assert.ok(viewer(), page.frames().map((f) => f.url()).join('\n'));
  await page.waitForTimeout(1500); // the viewer draws
  await page.screenshot({ path: SHOT('preview') });
  await page.screenshot({ path: SHOT('preview-full'), fullPage: true });
  // A preview records nothing.
  assert.deepEqual((await clerk.get(`/api/v1/certificates?atena=${people.taro}`)).json.items, []);

  // A change makes the preview stale; undoing it makes it current again.
  await option('honseki').check();
  assert.equal(await page.locator('button[data-action="issue"]').isDisabled(), true);
  assert.equal(await page.locator('.cert-preview .stale-note').isVisible(), true);
  await option('honseki').uncheck();
  assert.equal(await page.locator('button[data-action="issue"]').isDisabled(), false);

  // 交付 (Enter on the button): the number, the certificate, and a fresh start for the next one.
  await page.locator('button[data-action="issue"]').focus();
  await page.keyboard.press('Enter');
  const result = page.locator('.cert-result');
  await result.waitFor();
  const id = Number(await result.getAttribute('data-id'));
  const number = `第${String(id).padStart(6, '0')}号`;
  assert.equal(await result.locator('.cert-number').textContent(), number);
  assert.match(await result.textContent(), /住民票の写しを交付しました/);
  assert.match(await page.locator('main .flash[role="status"]').textContent(), new RegExp(`住民票の写し ${number} を交付しました`));
  await focusedIs('.cert-result');
  assert.equal(await page.locator('.cert-preview').isHidden(), true, 'the preview is spent');
  assert.equal(await page.locator('button[data-action="issue"]').isDisabled(), true, 'one 交付 per preview');
  await page.waitForFunction(() => document.querySelector('.cert-result iframe')?.contentDocument?.contentType === 'application/pdf');
  await result.locator('iframe').scrollIntoViewIfNeeded();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: SHOT('issued') });

  // Saved under its number: the certificate itself.
  const [download] = await Promise.all([page.waitForEvent('download'), result.locator('a[data-action="save"]').click()]);
  assert.equal(download.suggestedFilename(), `certificate-${String(id).padStart(6, '0')}.pdf`);
  const t = pdfText(await download.path());
  for (const s of ['住民票の写し（世帯連記式）', '山田太郎', '山田花子', '世帯主', '妻', number, 'この写しは、住民票の原本と相違ないことを証明する。'])
    assert.ok(t.includes(s), `missing ${s} in\n${t}`);
  assert.ok(!t.includes('山田一郎') && !t.includes('見本') && !t.includes('123456789018'), t);
  // Opened in a tab (to print).
  const [tab] = await Promise.all([context.waitForEvent('page'), result.locator('a[data-action="open"]').click()]);
  await tab.waitForLoadState();
  assert.match(tab.url(), /^blob:/);
  await tab.close();

  // The 交付履歴 of the person lists it; its entry shows what was issued.
  const hist = page.locator('.cert-history-table tbody tr');
  await hist.first().waitFor();
  assert.equal(await hist.count(), 1);
  const cells = await hist.first().locator('td').allTextContents();
  assert.equal(cells[0], number);
  assert.equal(cells[2], '住民票の写し世帯連記式');
  assert.equal(cells[4], '本人・同一世帯（山田 太郎）');
  assert.equal(cells[5], '児童手当の申請');
  assert.equal(cells[6], '1');
  const entry = (await clerk.get(`/api/v1/certificates/${id}`)).json;
  assert.deepEqual(entry.atena, [people.taro, people.hanako]);
  assert.ok(entry.items.includes('setainushi') && !entry.items.includes('honseki'));
  await result.locator('a[data-link="entry"]').click();
  await page.locator('main h1', { hasText: `交付履歴 ${number}` }).waitFor();
  const item = (name) => page.locator(`.cert-entry [data-item="${name}"]`);
  assert.equal(await item('kind').textContent(), '住民票の写し（世帯連記式）');
  assert.match(await item('persons').textContent(), /山田 太郎.*山田 花子/);
  assert.match(await item('items').textContent(), /世帯主・続柄/);
  assert.equal(await item('requester_name').textContent(), '山田 太郎');
  assert.equal(await item('sheets').textContent(), '1枚');
  await page.screenshot({ path: SHOT('entry'), fullPage: true });
  // Issuing was audited per person.
  const log = (await auditor.get(`/api/v1/audit?subject=${people.hanako}&action=certificate.issue&limit=1`)).json.items[0];
  assert.match(log.detail, new RegExp(number));
});

test('a third party is never offered 個人番号 or 住民票コード, and states a purpose', async () => {
  await go(`/residents/certificates/person/${people.taro}`);
  await page.locator('.cert-person-card', { hasText: '山田 太郎' }).waitFor();
  await option('kojin_bango').check();
  // 第三者 by the arrow key in the requester group.
  await form().locator('input[name="requester"][value="honnin"]').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await form().locator('input[name="requester"]:checked').getAttribute('value'), 'daisansha');
  assert.equal(await option('kojin_bango').count(), 0);
  assert.equal(await option('jumin_code').count(), 0);
  assert.equal(await option('setainushi').count(), 1);
  assert.match(await form().locator('[data-note="third-party"]').textContent(), /個人番号と住民票コードは、第三者の請求には記載できません/);
  // Nor in a 記載事項証明書.
  await form().locator('input[name="kind"][value="kisai_jiko"]').check();
  assert.deepEqual(await form().locator('input[data-item]').evaluateAll((is) => is.map((i) => i.value)),
    ['birth', 'sex', 'address', 'became_resident', 'address_fixed', 'prev_address', 'setainushi', 'honseki']);
  await form().locator('input[name="kind"][value="juminhyo"]').check();
  // A third party's request needs its purpose (checked before sending).
  await page.locator('button[data-action="preview"]').click();
  const purposeError = form().locator('.field:has([data-field="purpose"]) .field-error');
  await purposeError.waitFor();
  assert.equal(await purposeError.textContent(), '利用目的を入力してください。');
  await focusedIs('[data-field="purpose"]');
  await page.screenshot({ path: SHOT('third-party'), fullPage: true });
  // Back to the person himself: offered again, and not left ticked.
  await form().locator('input[name="requester"][value="honnin"]').check();
  assert.equal(await option('kojin_bango').count(), 1);
  assert.equal(await option('kojin_bango').isChecked(), false);
});

test('the server\'s refusals are shown at their field', async () => {
  // A 個人番号 forced into a third party's request (as a stale or tampered
  // page would send it): the server refuses, and the page says so where
  // 個人番号 would be.
  await go(`/residents/certificates/person/${people.taro}`);
  await page.locator('.cert-person-card', { hasText: '山田 太郎' }).waitFor();
  await form().locator('input[name="requester"][value="daisansha"]').check();
  await form().locator('[data-field="requester_name"]').fill('株式会社 吾妻不動産');
  await form().locator('[data-field="purpose"]').fill('賃貸借契約の確認');
  await page.route('**/api/v1/certificates/preview', (route) => {
    const body = JSON.parse(route.request().postData());
    route.continue({ postData: JSON.stringify({ ...body, options: { kojin_bango: true } }) });
  });
  await page.locator('button[data-action="preview"]').click();
  const third = form().locator('[data-error-for="third-party"]');
  await third.waitFor();
  assert.equal(await third.textContent(), '第三者の請求には、個人番号と住民票コードを記載できません（住民基本台帳法第12条の3）。');
  assert.match(await form().locator('.form-error').textContent(), /入力内容を確認してください/);
  assert.equal(await page.locator('.cert-preview').isHidden(), true);
  await page.unroute('**/api/v1/certificates/preview');
  // (The server audits a refused request as certificate.issue, preview or not.)
  const denied = (await auditor.get(`/api/v1/audit?subject=${people.taro}&action=certificate.issue&limit=5`)).json.items;
  assert.ok(denied.some((e) => e.outcome === 'denied' && e.detail.includes('options.kojin_bango')), JSON.stringify(denied));

  // Someone removed after the screen was opened: the refusal is at the person.
  await go(`/residents/certificates/person/${people.susumu}`);
  await page.locator('.cert-person-card', { hasText: '鈴木 進' }).waitFor();
  const today = new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);
  await idou({ kind: 'shibou', idou_date: today, subjects: [{ atena: people.susumu }] });
  await page.locator('button[data-action="preview"]').click();
  const at = form().locator(`[data-error-for="member:${people.susumu}"]`);
  await at.waitFor();
  assert.match(await at.textContent(), /^鈴木 進さんは\d{4}-\d{2}-\d{2}に消除されています（除票）。交付できるのは除票の写しです。$/);
  await focusedIs(`input[data-member="${people.susumu}"]`);
  await page.screenshot({ path: SHOT('refused'), fullPage: true });
  // Opened again, the screen offers the 除票の写し only, as 個人票.
  await go(`/residents/person/${people.susumu}`);
  await page.locator('main h1', { hasText: '個人照会：鈴木 進' }).waitFor();
  await page.locator('.record-links a[data-link="certificate"]').click();
  await page.locator('.cert-person-card', { hasText: '消除' }).waitFor();
  assert.equal(await form().locator('input[name="kind"]:checked').getAttribute('value'), 'johyo');
  assert.equal(await form().locator('input[name="kind"][value="juminhyo"]').isDisabled(), true);
  assert.equal(await form().locator('input[name="form"]:checked').getAttribute('value'), 'kojin');
  await page.locator('button[data-action="preview"]').click();
  await page.locator('.cert-preview iframe').waitFor();
  assert.match(await page.locator('.cert-preview h2').textContent(), /除票の写し（個人票）/);
});

test('from 世帯照会 every member is chosen; the town\'s 交付履歴 pages', async () => {
  await go(`/residents/household/${setai}`);
  await page.locator('main h1', { hasText: `世帯番号 ${setai}` }).waitFor();
  await page.locator('a[data-link="certificate"]').click();
  await page.locator('.cert-person-card', { hasText: '山田 太郎' }).waitFor();
  const checked = await form().locator('.member-row input').evaluateAll((is) => is.map((i) => i.checked));
  assert.deepEqual(checked, [true, true, true]);
  // 本人のみ, then 世帯全員 again.
  await page.getByRole('button', { name: '本人のみ' }).click();
  assert.deepEqual(await form().locator('.member-row input').evaluateAll((is) => is.map((i) => i.checked)), [true, false, false]);
  await page.getByRole('button', { name: '世帯全員' }).click();
  assert.deepEqual(await form().locator('.member-row input').evaluateAll((is) => is.map((i) => i.checked)), [true, true, true]);

  // Enough entries for two pages of the town's list (20 a page).
  for (let i = 0; i < 21; i++) {
    const r = await clerk.post('/api/v1/certificates', { kind: 'juminhyo', form: 'kojin', atena: [people.ichiro], requester: 'honnin' });
    assert.equal(r.status, 201, r.text);
  }
  await page.locator('a', { hasText: '町全体の交付履歴を見る' }).click();
  await page.locator('main h1', { hasText: '交付履歴（町全体）' }).waitFor();
  const rows = page.locator('.cert-history-table tbody tr');
  await rows.nth(19).waitFor();
  assert.equal(await rows.count(), 20);
  await page.getByRole('button', { name: 'さらに表示' }).click();
  await rows.nth(21).waitFor();
  assert.equal(await rows.count(), 22);
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
  assert.equal(new Set(ids).size, ids.length);
  await page.screenshot({ path: SHOT('history'), fullPage: true });
});

test('抑止: a protected person is not shown; their household carries the warning, and the refusal is at the person', async () => {
  // A pending 申出 already protects (suppression.pending_applies); 花子 asks, 一郎 with her.
  const r = await clerk.post('/api/v1/suppressions', {
    category: 'dv', reason: '元配偶者からの暴力', confirmer_kind: 'police', confirmer: '中之条警察署',
    confirmed_on: new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10), applicant: people.hanako, joint: [people.ichiro],
  });
  assert.equal(r.status, 201, r.text);
  // The protected person herself: the residents clerk may not look her up.
  await go(`/residents/certificates/person/${people.hanako}`);
  const gate = page.locator('.cert-person [data-suppression="gate"]');
  await gate.waitFor();
  assert.match(await gate.textContent(), /支援措置/);
  assert.equal(await form().locator('.member-row').count(), 0, 'no form for her');
  // The head of her household: the screen warns, badges her, and the server refuses.
  await go(`/residents/certificates/person/${people.taro}`);
  const warning = form().locator('.cert-protection');
  await warning.waitFor();
  assert.match(await warning.textContent(), /支援措置/);
  assert.match(await warning.textContent(), /第三者からの請求には交付できません/);
  await form().locator(`.member-row[data-atena="${people.hanako}"] .supp-badge`).waitFor();
  await page.locator('button[data-action="preview"]').click();
  const at = form().locator(`[data-error-for="member:${people.taro}"]`);
  await at.waitFor();
  assert.match(await at.textContent(), /支援措置/);
  assert.equal(await page.locator('.cert-preview').isHidden(), true);
  await page.screenshot({ path: SHOT('suppression'), fullPage: true });

  // The 住民記録責任者 looks her up for her own request, and may preview her certificate.
  const chief = await context.browser().newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 } });
  const p2 = await chief.newPage();
  watch(p2);
  await p2.goto(k.base + '/');
  await p2.getByLabel('町村コード').fill(CODE);
  await p2.getByLabel('ユーザー名').fill(k.loginName('residents_supervisor'));
  await p2.getByLabel('パスワード').fill(k.password(CODE, 'residents_supervisor'));
  await p2.getByLabel('パスワード').press('Enter');
  await p2.locator('header.topbar').waitFor();
  await p2.evaluate((path) => { location.hash = '#' + path; }, `/residents/certificates/person/${people.hanako}`);
  await p2.locator('.cert-person [data-suppression="gate"] button', { hasText: '本人等からの請求として照会する' }).click();
  await p2.locator('.cert-person-card', { hasText: '山田 花子' }).waitFor();
  await p2.locator('form.cert-form .cert-protection').waitFor();
  await p2.locator('button[data-action="preview"]').click();
  await p2.locator('.cert-preview iframe').waitFor();
  const log = (await auditor.get(`/api/v1/audit?subject=${people.hanako}&action=resident.read&limit=1`)).json.items[0];
  assert.equal(log.purpose, '本人からの申出・請求');
  await chief.close();
});

test('no script errors or CSP violations', () => {
  assert.deepEqual(problems, []);
});
