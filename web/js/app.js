// app.js — the clerk UI shell: sign-in, header, menu and hash routing.
//
// The menu is exactly me.menu from the server (the permission table decides
// what a role sees); the page never decides by role. A route that belongs to
// a menu item is only opened when that item is in the user's menu; the
// server checks the permission again on every request anyway.

import { api, onSessionEnded } from './api.js';
import { h, clear } from './dom.js';
import { errorMessage } from './messages.js';
import { renderLogin } from './screens/login.js';
import { homeScreen } from './screens/home.js';
import { pendingScreen } from './screens/pending.js';
import { passwordScreen } from './screens/password.js';
import { usersScreen, userEditScreen } from './screens/users.js';
import { tenantsScreen, tenantEditScreen } from './screens/tenants.js';
import { auditScreen } from './screens/audit.js';
import { auditVerifyScreen } from './screens/audit_verify.js';
import { CONSORTIUM_PATHS, consortiumRoutes } from './screens/consortium.js';
import { RESIDENTS_PATHS, residentsRoutes } from './screens/residents.js';
import { CERTIFICATES_PATHS, certificatesRoutes } from './screens/certificates.js';
import { SENKYO_PATHS, senkyoRoutes } from './screens/senkyo.js';
import { ATENA_PATHS, atenaRoutes } from './screens/addressees.js';
import { SUPPRESSION_PATHS, suppressionRoutes } from './screens/suppression.js';
import { SEALS_PATHS, sealsRoutes } from './screens/seals.js';
import { MIGRATION_PATHS, migrationRoutes } from './screens/migration.js';

const APP_NAME = '基幹業務システム';

// Where each available menu item leads. An item without a screen here (or
// with available: false) opens the 準備中 page.
const ITEM_PATHS = {
  'admin.users': '/admin/users',
  'admin.tenants': '/admin/tenants',
  'admin.audit': '/admin/audit',
  'admin.audit_verify': '/admin/audit-verify',
  ...CONSORTIUM_PATHS,
  ...RESIDENTS_PATHS,
  ...CERTIFICATES_PATHS,
  ...SENKYO_PATHS,
  ...ATENA_PATHS,
  ...SUPPRESSION_PATHS,
  ...SEALS_PATHS,
  ...MIGRATION_PATHS,
};

// Routes: path pattern, the menu item the user must have (null: everyone
// signed in; '$id': the item named in the path), the screen, and the names
// of the pattern's groups.
const ROUTES = [
  { re: /^\/$/, item: null, screen: homeScreen, nav: 'home' },
  { re: /^\/password$/, item: null, screen: passwordScreen, nav: 'password' },
  { re: /^\/admin\/users$/, item: 'admin.users', screen: usersScreen },
  { re: /^\/admin\/users\/([1-9][0-9]{0,17})$/, item: 'admin.users', screen: userEditScreen, params: ['id'] },
  { re: /^\/admin\/tenants$/, item: 'admin.tenants', screen: tenantsScreen },
  { re: /^\/admin\/tenants\/([0-9]{6})$/, item: 'admin.tenants', screen: tenantEditScreen, params: ['code'] },
  { re: /^\/admin\/audit$/, item: 'admin.audit', screen: auditScreen },
  { re: /^\/admin\/audit-verify$/, item: 'admin.audit_verify', screen: auditVerifyScreen },
  ...consortiumRoutes(),
  ...residentsRoutes(),
  ...certificatesRoutes(),
  ...senkyoRoutes(),
  ...atenaRoutes(),
  ...suppressionRoutes(),
  ...sealsRoutes(),
  ...migrationRoutes(),
  { re: /^\/pending\/([a-z0-9_]+\.[a-z0-9_]+)$/, item: '$id', screen: pendingScreen, params: ['id'] },
];

const root = document.getElementById('app');
let me = null; // the /me answer while signed in
let shell = null; // elements of the signed-in page
let navSeq = 0; // bumped on every navigation; stale screens check it
let carriedFlash = null; // a message shown after the next navigation

export function itemPath(item) {
  return item.available && ITEM_PATHS[item.id] ? ITEM_PATHS[item.id] : `/pending/${item.id}`;
}

function findItem(id) {
  for (const section of me.menu) {
    for (const item of section.items) if (item.id === id) return { section, item };
  }
  return null;
}

function currentPath() {
  // Routes are plain ASCII; anything else (or a stray "#main") is the home page.
  const hash = location.hash;
  return hash.startsWith('#/') ? hash.slice(1) : '/';
}

// ---- messages --------------------------------------------------------------

// Shows a message at the top of the page. Errors go to the role="alert"
// region, everything else to the polite status region.
function flash(message, kind = 'success') {
  if (!shell) return;
  clear(shell.status);
  clear(shell.alert);
  if (!message) return;
  const box = kind === 'error' ? shell.alert : shell.status;
  box.className = `flash flash-${kind}`;
  box.append(h('p', { text: message }));
}

// ---- sign-in and sign-out ---------------------------------------------------

function showLogin(opts = {}) {
  me = null;
  shell = null;
  navSeq += 1;
  document.title = `ログイン | ${APP_NAME}`;
  renderLogin(root, {
    appName: APP_NAME,
    message: opts.message,
    kind: opts.kind,
    onSignedIn(data) {
      me = data;
      renderShell();
      route();
    },
  });
}

async function logout() {
  try {
    await api.signOut();
  } catch (err) {
    if (err.status === 401) return; // already ended: the shell shows sign-in
    flash(errorMessage(err), 'error');
    return;
  }
  // The next clerk at this counter starts from the main menu.
  history.replaceState(null, '', location.pathname + location.search);
  showLogin({ message: 'ログアウトしました。', kind: 'success' });
}

// ---- the signed-in page ------------------------------------------------------

function buildMenu() {
  const sections = me.menu.map((section) => {
    const headingId = `menu-${section.id}`;
    return h('section', { class: 'menu-section', 'aria-labelledby': headingId, dataset: { section: section.id } },
      h('h2', { id: headingId, text: section.label }),
      h('ul', {}, section.items.map((item) => h('li', {},
        h('a', { href: '#' + itemPath(item), dataset: { nav: item.id, available: String(item.available) } },
          h('span', { class: 'menu-label', text: item.label }),
          item.available ? null : [' ', h('span', { class: 'badge', text: '準備中' })])))));
  });
  return h('nav', { class: 'menu', 'aria-label': '業務メニュー' },
    h('a', { href: '#/', class: 'menu-home', dataset: { nav: 'home' } }, 'メインメニュー'),
    sections);
}

function renderShell() {
  const header = h('header', { class: 'topbar' },
    h('p', { class: 'brand', text: APP_NAME }),
    h('div', { class: 'session-info' },
      h('p', { class: 'town' },
        h('span', { class: 'town-name', text: me.tenant.name }),
        h('span', { class: 'town-code', text: `（${me.tenant.code}）` })),
      h('p', { class: 'user' },
        h('span', { class: 'user-name', text: me.user.name }),
        h('span', { class: 'role-label', text: me.user.role_label }))),
    h('div', { class: 'account-actions' },
      h('a', { href: '#/password', class: 'button subtle', dataset: { nav: 'password' } }, 'パスワード変更'),
      h('button', { type: 'button', class: 'button subtle', on: { click: logout } }, 'ログアウト')));

  const status = h('div', { class: 'flash', role: 'status', 'aria-live': 'polite' });
  const alert = h('div', { class: 'flash', role: 'alert' });
  const screen = h('div', { class: 'screen-host' });
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' }, status, alert, screen);
  const nav = buildMenu();
  clear(root).append(header, h('div', { class: 'layout' }, nav, main));
  shell = { header, nav, main, status, alert, screen };
}

function markCurrent(navId) {
  for (const a of shell.nav.querySelectorAll('a[data-nav]')) {
    if (a.dataset.nav === navId) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const pw = shell.header.querySelector('a[data-nav="password"]');
  if (navId === 'password') pw.setAttribute('aria-current', 'page');
  else pw.removeAttribute('aria-current');
}

async function route() {
  if (!me) return;
  const seq = ++navSeq;
  const path = currentPath();
  let found = null;
  const params = {};
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (!m) continue;
    (r.params || []).forEach((name, i) => { params[name] = m[i + 1]; });
    found = r;
    break;
  }
  let menuItem = null;
  if (found && found.item) {
    menuItem = findItem(found.item === '$id' ? params.id : found.item);
    // Not in this user's menu (or not a menu item at all): main menu.
    if (!menuItem) found = null;
    // An available item with a screen is not "pending".
    else if (found.item === '$id' && itemPath(menuItem.item) !== path) found = null;
  }
  if (!found) {
    location.replace('#/');
    return;
  }

  markCurrent(found.nav || (menuItem ? menuItem.item.id : ''));
  const host = h('section', { class: 'screen' });
  clear(shell.screen).append(host);
  flash(carriedFlash?.message, carriedFlash?.kind);
  carriedFlash = null;

  const ctx = {
    me,
    params,
    section: menuItem?.section ?? null,
    item: menuItem?.item ?? null,
    root: host,
    alive: () => seq === navSeq && me !== null,
    flash: (message, kind) => { if (seq === navSeq) flash(message, kind); },
    // Navigates; the message (if any) is shown on the next screen.
    navigate(to, message, kind = 'success') {
      carriedFlash = message ? { message, kind } : null;
      if (currentPath() === to) route();
      else location.hash = '#' + to;
    },
    setTitle: (title) => { if (seq === navSeq) document.title = `${title} | ${APP_NAME}`; },
    // After the own password change the server starts a new session.
    updateMe(data) { me = data; ctx.me = data; },
  };
  let target = null;
  try {
    target = await found.screen(ctx);
  } catch (err) {
    if (!ctx.alive() || err.status === 401) return;
    if (err.name !== 'ApiError') console.error(err);
    host.append(h('div', { class: 'panel panel-error', role: 'alert' },
      h('p', { text: err.name === 'ApiError' ? errorMessage(err) : '画面の表示中にエラーが発生しました。' })));
  }
  if (!ctx.alive()) return;
  focusScreen(host, target);
}

// Puts the keyboard where the work starts: the element the screen asked
// for, else its first field, else its heading.
function focusScreen(host, target) {
  let el = target instanceof Element ? target : null;
  el ??= host.querySelector('[data-autofocus]');
  el ??= host.querySelector('input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled])');
  el ??= host.querySelector('h1');
  if (!el) return;
  if (el.tagName === 'H1' && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus();
}

// ---- start ------------------------------------------------------------------

async function boot() {
  onSessionEnded(() => {
    // Several requests may notice at once; show sign-in once.
    if (!me) return;
    showLogin({ message: 'セッションが終了しました。もう一度ログインしてください。', kind: 'error' });
  });
  window.addEventListener('hashchange', () => route());
  // The skip link must not change the hash (the hash is the route).
  document.querySelector('.skip-link')?.addEventListener('click', (ev) => {
    ev.preventDefault();
    document.getElementById('main')?.focus();
  });
  try {
    me = await api.me({ startup: true });
  } catch (err) {
    showLogin(err.status === 401 ? {} : { message: errorMessage(err), kind: 'error' });
    return;
  }
  renderShell();
  route();
}

boot();
