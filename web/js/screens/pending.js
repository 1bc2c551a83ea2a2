// pending.js — a menu item whose screen arrives with its module (準備中).

import { h } from '../dom.js';

export function pendingScreen(ctx) {
  const { item, section } = ctx;
  ctx.setTitle(`${item.label}（準備中）`);
  ctx.root.append(
    h('h1', {}, item.label, ' ', h('span', { class: 'badge', text: '準備中' })),
    h('div', { class: 'panel panel-info' },
      h('p', { text: `「${item.label}」の画面は準備中です。` }),
      h('p', { text: `この画面は、${section.label}の業務モジュールの提供にあわせて利用できるようになります。それまでは、これまでどおりの方法で事務を行ってください。` })),
    h('p', {}, h('a', { href: '#/', class: 'back-link' }, 'メインメニューへ戻る')));
  return ctx.root.querySelector('h1');
}
