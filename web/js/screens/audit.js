// audit.js — 監査ログ: the town's audit log, newest first (auditors).
//
// Reading the log is itself recorded by the server (audit.read). Dates in
// the filter are Japan-time days; they are sent as UTC instants, since the
// API reads a bare date as a UTC day.

import { api } from '../api.js';
import { h, clear, formatDateTime, jstDayStartUtc } from '../dom.js';
import { Form } from '../form.js';
import { ACTION_LABELS, OUTCOME_LABELS, PURPOSE_LABELS, errorMessage } from '../messages.js';

const PAGE = 50;
const COLUMNS = ['番号', '日時', '利用者', '役割', '操作', '結果', '宛名番号', '目的', '要求ID', '詳細'];

export async function auditScreen(ctx) {
  ctx.setTitle('監査ログ');
  const roleLabels = {};
  let query = {};
  let nextBefore = null;
  let shown = 0;

  const form = new Form({
    legend: '検索条件',
    submitLabel: '検索する',
    class: 'grid-form filter-form',
    ariaLabel: '監査ログの検索',
    fields: [
      { name: 'user', label: '利用者（ログイン名）', maxlength: 32, inputClass: 'code-input' },
      { name: 'subject', label: '宛名番号', maxlength: 32, inputmode: 'numeric', inputClass: 'code-input' },
      {
        name: 'action', label: '操作', maxlength: 64, inputClass: 'code-input',
        hint: '例：session.login（候補から選べます）',
        suggestions: Object.entries(ACTION_LABELS).map(([value, label]) => ({ value, label })),
      },
      { name: 'from', label: '開始日', type: 'date' },
      {
        name: 'to', label: '終了日', type: 'date', hint: 'この日を含みます',
        validate: (v, all) => (v && all.from && v < all.from ? '終了日は開始日以降の日付にしてください。' : null),
      },
    ],
    secondary: h('button', { type: 'button', class: 'button', on: { click: clearFilter } }, '条件をクリア'),
    async onSubmit(v) {
      query = {
        user: v.user,
        subject: v.subject,
        action: v.action,
        from: v.from ? jstDayStartUtc(v.from) : '',
        to: v.to ? jstDayStartUtc(v.to, 1) : '',
      };
      await search();
    },
  });

  async function clearFilter() {
    form.reset();
    query = {};
    try {
      await search();
    } catch (err) {
      if (err.status !== 401) ctx.flash(errorMessage(err), 'error');
    }
    form.focusFirst();
  }

  const count = h('p', { class: 'count', tabindex: '-1' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'button', hidden: true, on: { click: loadMore } }, 'さらに表示');
  const scroller = h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': '監査ログの一覧（横にスクロールできます）' },
    h('table', { class: 'data-table audit-table' },
      h('caption', { class: 'visually-hidden', text: '監査ログ（新しい順）' }),
      h('thead', {}, h('tr', {}, COLUMNS.map((t) => h('th', { scope: 'col', text: t })))),
      tbody));

  function row(e) {
    const label = ACTION_LABELS[e.action];
    return h('tr', { class: e.outcome !== 'ok' ? 'attention' : null, dataset: { seq: e.seq, action: e.action } },
      h('td', { class: 'num', text: e.seq }),
      h('td', { class: 'nowrap', text: formatDateTime(e.at) }),
      h('td', { class: 'mono', text: e.user || '—' }),
      h('td', { class: 'nowrap', text: roleLabels[e.role] || e.role || '—' }),
      h('td', { class: 'nowrap' }, label ? h('span', { class: 'action-label', text: label }) : null,
        h('span', { class: 'mono action-code', text: e.action })),
      h('td', {}, h('span', { class: ['status', `outcome-${e.outcome}`], text: OUTCOME_LABELS[e.outcome] || e.outcome })),
      h('td', { class: 'mono', text: e.subject ?? '—' }),
      h('td', {}, e.purpose && PURPOSE_LABELS[e.purpose]
        ? [h('span', { class: 'action-label', text: PURPOSE_LABELS[e.purpose] }), h('span', { class: 'mono action-code', text: e.purpose })]
        : (e.purpose || '—')),
      h('td', { class: 'mono small', text: e.request_id || '—' }),
      h('td', { class: 'detail', text: e.detail || '' }));
  }

  async function fetchPage(before) {
    return api.get('/audit', { ...query, before, limit: PAGE });
  }

  function show(r, append) {
    if (!append) {
      clear(tbody);
      shown = 0;
    }
    for (const e of r.items) tbody.append(row(e));
    shown += r.items.length;
    nextBefore = r.next_before ?? null;
    more.hidden = nextBefore === null;
    count.textContent = shown === 0
      ? '条件に合う記録はありません。'
      : `${shown}件を表示しています（新しい順）。${nextBefore === null ? 'これですべてです。' : ''}`;
    scroller.hidden = shown === 0;
  }

  async function search() {
    const r = await fetchPage(undefined);
    if (!ctx.alive()) return;
    show(r, false);
    ctx.flash(shown === 0 ? '条件に合う記録はありません。' : `${shown}件の記録を表示しました。`, 'info');
  }

  async function loadMore() {
    if (nextBefore === null) return;
    more.disabled = true;
    try {
      const r = await fetchPage(nextBefore);
      if (!ctx.alive()) return;
      show(r, true);
      ctx.flash(`さらに${r.items.length}件を表示しました（合計${shown}件）。`, 'info');
      if (more.hidden) count.focus();
    } catch (err) {
      if (err.status !== 401) ctx.flash(errorMessage(err), 'error');
    } finally {
      more.disabled = false;
    }
  }

  ctx.root.append(
    h('h1', { text: '監査ログ' }),
    h('p', { class: 'lead', text: `${ctx.me.tenant.name}の操作記録です。日時は日本時間で表示します。監査ログの閲覧も記録されます。` }),
    h('div', { class: 'panel' }, form.el),
    h('h2', { text: '検索結果' }),
    count,
    scroller,
    h('div', { class: 'button-row' }, more));

  const [roles, first] = await Promise.all([api.get('/roles'), fetchPage(undefined)]);
  for (const r of roles.items) roleLabels[r.name] = r.label;
  if (!ctx.alive()) return null;
  show(first, false);
  return null;
}
