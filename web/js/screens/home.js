// home.js — the main menu page shown after sign-in.

import { h, formatDateTime } from '../dom.js';

export function homeScreen(ctx) {
  const { me } = ctx;
  ctx.setTitle('メインメニュー');
  const minutes = Math.round((me.session?.idle_timeout ?? 0) / 60);
  ctx.root.append(
    h('h1', { text: 'メインメニュー' }),
    h('p', { class: 'lead', text: `${me.user.name}さん（${me.user.role_label}）、左のメニューから業務を選んでください。` }),
    h('div', { class: 'panel' },
      h('h2', { text: 'ご利用にあたって' }),
      h('ul', { class: 'plain-list' },
        h('li', { text: `このセッションの有効期限は ${formatDateTime(me.session?.expires_at)} です。` }),
        minutes > 0 ? h('li', { text: `${minutes}分間操作がないと、自動的にログアウトします。` }) : null,
        h('li', { text: '席を離れるときは、必ずログアウトしてください。' }))));
  // Keyboard users start on the first item of their menu.
  return document.querySelector('nav.menu section a[data-nav]');
}
