// Browser test of the clerk UI shell: sign-in with the keyboard, the header,
// the menu each role gets from the server, sign-out, the sign-in error
// message, 利用者管理 (create a user) and 監査ログ (the sign-ins are there).
//
// Drives Debian's Chromium with playwright-core against the real server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startKyodo, ROLES } from '../lib/harness.mjs';

const [CODE, TOWN] = ['104213', '中之条町'];
const SHOT = '/tmp/kyodo-browser-shell.png';

// What each role must see: section labels in order, and for 管理 the exact
// items. The business sections' items come from the server (checked against
// GET /me below); those not built yet are 準備中.
const EXPECT = {
  admin: { label: '町村管理者', sections: ['管理'], admin: ['利用者管理', '取込の確認'] },
  residents_clerk: { label: '住民記録担当', sections: ['住民記録', '宛名'] },
  tax_clerk: { label: '税務担当', sections: ['税務', '宛名'] },
  welfare_clerk: { label: '福祉担当', sections: ['福祉', '宛名'] },
  auditor: { label: '監査担当', sections: ['管理'], admin: ['監査ログ', '監査ログ検証'] },
  operator: { label: '運用担当', sections: ['管理'], admin: ['団体管理', '監査ログ検証', 'データ移行'] },
  consortium_admin: { label: '協議会事務局', sections: ['協議会'] },
  residents_supervisor: { label: '住民記録責任者', sections: ['住民記録', '宛名'] },
};
const ALL_SECTIONS = ['住民記録', '税務', '福祉', '宛名', '管理', '協議会'];

let k;
let browser;
let page;
const problems = []; // page errors and CSP violations, checked at the end

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
  const context = await browser.newContext({
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 860 },
  });
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

const text = (sel) => page.locator(sel).textContent();
const focusedName = () => page.evaluate(() => document.activeElement?.getAttribute('name'));

// The sign-in form, filled from the keyboard: the first field has focus,
// Tab moves on, Enter submits.
async function typeLogin(code, user, password) {
  await page.locator('form.login-form').waitFor();
  assert.equal(await focusedName(), 'tenant', 'the town code field has focus');
  await page.keyboard.type(code);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

async function signIn(role) {
  await typeLogin(CODE, k.loginName(role), k.password(CODE, role));
  await page.locator('header.topbar').waitFor();
  await page.locator('main h1', { hasText: 'メインメニュー' }).waitFor();
}

async function signOut() {
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await page.locator('form.login-form').waitFor();
  assert.equal(await page.locator('header.topbar').count(), 0);
  assert.match(await text('.login-card [role="status"]'), /ログアウトしました/);
}

test('each role signs in with the keyboard, sees its town, role and menu, and signs out', async (t) => {
  for (const role of ROLES) {
    await t.test(role, async () => {
      const want = EXPECT[role];
      await signIn(role);

      assert.equal(await text('.topbar .town-name'), TOWN);
      assert.match(await text('.topbar .town-code'), new RegExp(CODE));
      assert.equal(await text('.topbar .role-label'), want.label);
      assert.equal(await text('.topbar .user-name'), `${role} ${CODE}`);
      assert.equal(await page.getByRole('link', { name: 'パスワード変更' }).count(), 1);

      const sections = await page.locator('nav.menu section h2').allTextContents();
      assert.deepEqual(sections, want.sections);
      for (const other of ALL_SECTIONS.filter((s) => !want.sections.includes(s))) {
        assert.equal(await page.locator('nav.menu h2', { hasText: other }).count(), 0, `${role} must not see ${other}`);
      }
      if (want.admin) {
        const items = await page.locator('nav.menu section[data-section="admin"] .menu-label').allTextContents();
        assert.deepEqual(items, want.admin);
      }

      // The page shows exactly the server's menu, nothing more.
      const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
      const shown = await page.locator('nav.menu section').evaluateAll((els) => els.map((s) => ({
        label: s.querySelector('h2').textContent,
        items: [...s.querySelectorAll('a')].map((a) => [a.querySelector('.menu-label').textContent,
          a.dataset.available === 'true', !!a.querySelector('.badge')]),
      })));
      assert.deepEqual(shown, me.menu.map((s) => ({
        label: s.label,
        items: s.items.map((i) => [i.label, i.available, !i.available]),
      })));

      if (role === 'admin') await page.screenshot({ path: SHOT });

      if (role === 'residents_clerk') {
        // The first menu item has focus; Enter opens it: 住民検索, with the
        // keyboard in its first field.
        await page.keyboard.press('Enter');
        await page.locator('main h1', { hasText: '住民検索' }).waitFor();
        await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'kana');
        // 印鑑登録 has its screen.
        await page.locator('nav.menu a', { hasText: '印鑑登録' }).click();
        await page.locator('main h1', { hasText: '印鑑登録' }).waitFor();
        await page.locator('main form[aria-label="印鑑登録証明書の交付"]').waitFor();
      }

      if (role === 'tax_clerk') {
        // The tax module is not built yet: its items are 準備中.
        await page.locator('nav.menu a', { hasText: '個人住民税' }).click();
        await page.locator('main h1', { hasText: '個人住民税' }).waitFor();
        assert.match(await text('main .panel-info'), /準備中/);
        assert.match(await text('main .panel-info'), /業務モジュール/);
      }

      await signOut();
    });
  }
});

test('a wrong password shows the Japanese error; a malformed town code is caught before sending', async () => {
  await typeLogin('12345', 'admin', 'whatever-password');
  const codeError = page.locator('.field-error', { hasText: '町村コードは6桁の数字で入力してください。' });
  await codeError.waitFor();
  assert.equal(await page.getByLabel('町村コード').getAttribute('aria-invalid'), 'true');

  await page.reload();
  await typeLogin(CODE, 'admin', 'not-the-password');
  const err = page.locator('.login-form .form-error');
  await err.waitFor();
  assert.equal((await err.textContent()).trim(), '町村コード、ユーザー名またはパスワードが正しくありません。');
  assert.equal(await page.getByLabel('パスワード').inputValue(), '', 'the rejected password is cleared');
  assert.equal(await page.locator('header.topbar').count(), 0);
  await page.reload(); // a fresh form with focus on the first field
});

test('the administrator creates a user in 利用者管理 and it appears in the list', async () => {
  await signIn('admin');
  // After sign-in the first menu item has focus.
  await page.keyboard.press('Enter');
  await page.locator('main h1', { hasText: '利用者管理' }).waitFor();
  await page.locator('table.data-table tbody tr').first().waitFor();
  assert.equal(await focusedName(), 'login', 'the first field of the screen has focus');

  await page.keyboard.type('suzuki.hanako');
  await page.keyboard.press('Tab');
  await page.keyboard.type('鈴木 花子');
  await page.getByLabel('役割').selectOption('tax_clerk');
  await page.getByLabel('初期パスワード', { exact: false }).first().fill('hajimete-no-pass-1');
  await page.getByLabel('初期パスワード（確認）').fill('hajimete-no-pass-1');
  await page.getByLabel('初期パスワード（確認）').press('Enter');

  const row = page.locator('tr[data-login="suzuki.hanako"]');
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[1], '鈴木 花子');
  assert.equal(cells[2], '税務担当');
  assert.match(cells[3], /有効/);
  assert.match(await text('main [role="status"]'), /鈴木 花子（suzuki.hanako）/);

  // The same login again: the server's conflict shows next to the field.
  await page.getByLabel('ログイン名').fill('suzuki.hanako');
  await page.getByLabel('氏名').fill('鈴木 花子');
  await page.getByLabel('役割').selectOption('tax_clerk');
  await page.getByLabel('初期パスワード', { exact: false }).first().fill('hajimete-no-pass-1');
  await page.getByLabel('初期パスワード（確認）').fill('hajimete-no-pass-1');
  await page.getByLabel('初期パスワード（確認）').press('Enter');
  await page.locator('.field-error', { hasText: 'このログイン名はすでに使われています。' }).waitFor();
  assert.equal(await page.getByLabel('ログイン名').getAttribute('aria-invalid'), 'true');
  await signOut();

  // The new clerk can sign in and gets the 税務 menu.
  await typeLogin(CODE, 'suzuki.hanako', 'hajimete-no-pass-1');
  await page.locator('header.topbar').waitFor();
  assert.equal(await text('.topbar .role-label'), '税務担当');
  assert.deepEqual(await page.locator('nav.menu section h2').allTextContents(), ['税務', '宛名']);
  await signOut();
});

test('the auditor opens 監査ログ and sees the sign-ins', async () => {
  await signIn('auditor');
  await page.getByRole('link', { name: '監査ログ', exact: true }).click();
  await page.locator('main h1', { hasText: '監査ログ' }).waitFor();
  await page.locator('tr[data-action="session.login"]').first().waitFor();

  const logins = await page.locator('tr[data-action="session.login"]').evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
  const users = new Set(logins.map((cells) => cells[2]));
  for (const role of ROLES) assert.ok(users.has(k.loginName(role)), `sign-in of ${role} is listed`);
  assert.ok(users.has('suzuki.hanako'));
  assert.ok(logins.some((cells) => /失敗/.test(cells[5])), 'the wrong password is listed as failed');
  assert.ok(logins.every((cells) => cells[4].includes('session.login')));

  // Filter by user: only that user's entries.
  await page.getByLabel('利用者（ログイン名）').fill('tax-clerk');
  await page.getByLabel('操作').fill('session.login');
  await page.getByLabel('操作').press('Enter');
  await page.locator('main [role="status"]', { hasText: '件の記録を表示しました' }).waitFor();
  const filtered = await page.locator('table.audit-table tbody tr').evaluateAll((rows) =>
    rows.map((r) => r.querySelectorAll('td')[2].textContent));
  assert.ok(filtered.length >= 1);
  assert.ok(filtered.every((u) => u === 'tax-clerk'), filtered.join(','));
  await signOut();
});

test('no script errors or CSP violations', () => {
  assert.deepEqual(problems, []);
});
