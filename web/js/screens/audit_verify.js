// audit_verify.js — 監査ログ検証: walk the town's audit hash chain.

import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { errorMessage } from '../messages.js';

// The server's reasons (engine/audit.c), in Japanese; the original is shown too.
const REASONS = [
  [/cannot be read/, '記録を読み取れません。'],
  [/is missing/, '記録が欠落しています（番号が連続していません）。'],
  [/does not follow the entry before it/, '直前の記録とのつながり（前のハッシュ値）が一致しません。記録の削除や差し替えが疑われます。'],
  [/has been altered/, '記録の内容がハッシュ値と一致しません。内容が書き換えられています。'],
];

function reasonText(reason) {
  const hit = REASONS.find(([re]) => re.test(reason || ''));
  return hit ? hit[1] : '不整合が見つかりました。';
}

export async function auditVerifyScreen(ctx) {
  ctx.setTitle('監査ログ検証');
  const result = h('div', { class: 'verify-result', 'aria-live': 'polite' });
  const again = h('button', { type: 'button', class: 'button primary', on: { click: run } }, '再検証する');

  async function run() {
    again.disabled = true;
    clear(result).append(h('p', { class: 'loading', text: '検証しています…' }));
    try {
      const v = await api.get('/audit/verify');
      if (!ctx.alive()) return;
      show(v);
    } catch (err) {
      if (err.status === 401 || !ctx.alive()) return;
      clear(result).append(h('div', { class: 'panel panel-error', role: 'alert' }, h('p', { text: errorMessage(err) })));
    } finally {
      again.disabled = false;
    }
  }

  function show(v) {
    const checkedAt = new Intl.DateTimeFormat('ja-JP', {
      timeZone: 'Asia/Tokyo', dateStyle: 'medium', timeStyle: 'medium',
    }).format(new Date());
    if (v.ok) {
      clear(result).append(h('div', { class: 'panel panel-ok' },
        h('p', { class: 'verdict' }, h('span', { class: 'status status-on', text: '正常' }), ' 監査ログに改ざんは見つかりませんでした。'),
        h('dl', { class: 'summary' },
          h('dt', { text: '記録件数' }), h('dd', { text: `${v.entries}件` }),
          h('dt', { text: '最新の記録のハッシュ値' }), h('dd', { class: 'mono hash', text: v.head }),
          h('dt', { text: '検証日時' }), h('dd', { text: checkedAt }))));
    } else {
      clear(result).append(h('div', { class: 'panel panel-error', role: 'alert' },
        h('p', { class: 'verdict' }, h('span', { class: 'status status-off', text: '改ざん検出' }), ' 監査ログの記録が改ざんされているか、壊れています。'),
        h('dl', { class: 'summary' },
          h('dt', { text: '最初に不整合がある記録の番号' }), h('dd', { class: 'mono', text: String(v.first_bad ?? '—') }),
          h('dt', { text: '理由' }), h('dd', {}, reasonText(v.reason),
            h('span', { class: 'mono action-code', text: v.reason || '' })),
          h('dt', { text: '正常と確認できた記録' }), h('dd', { text: `${v.entries}件（番号${v.first_bad ?? '—'}より前）` }),
          h('dt', { text: '正常な最後の記録のハッシュ値' }), h('dd', { class: 'mono hash', text: v.head }),
          h('dt', { text: '検証日時' }), h('dd', { text: checkedAt })),
        h('p', { class: 'after-summary', text: 'ただちにシステム担当者と監査担当の責任者に連絡してください。' })));
    }
  }

  ctx.root.append(
    h('h1', { text: '監査ログ検証' }),
    h('p', { class: 'lead', text: `${ctx.me.tenant.name}の監査ログの連鎖（ハッシュチェーン）を先頭から確かめ、記録の改ざんや欠落がないかを検証します。検証の実施も記録されます。` }),
    result,
    h('div', { class: 'button-row' }, again));
  await run();
  return again;
}
