// consortium.js — 協議会: the consortium secretariat's own tools.
//
//   #/consortium/{kind}        the stored sheets of one kind; paste a new one
//                              (from a spreadsheet: its cells copy as tabs),
//                              check it, store it
//   #/consortium/{kind}/{id}   one sheet: its computed tables, the figures
//                              compared with the printed ones (a figure that
//                              does not follow from its inputs is flagged),
//                              notes, PDF and CSV reports; edit or delete
//
// kind: proposal (プロポーザル集計), costs (コスト削減効果検証), procurement
// (共同調達), allocation (費用按分). The sheet format is in docs/consortium.md.

import { api } from '../api.js';
import { h, clear, formatDateTime, uid } from '../dom.js';
import { errorMessage } from '../messages.js';

const KINDS = {
  proposal: {
    label: 'プロポーザル集計',
    lead: '1次（機能：住民・税務・福祉）と2次（推進会議：会社・データセンター・通信・サポート・移行・経費）の採点から、平均点・総合平均点・評価点・合計と順位を計算します。',
  },
  costs: {
    label: 'コスト削減効果検証',
    lead: '町村ごとの今回見積額（5年換算）A、現契約額 B、データ移行費 E から、比較差額・軽減率・移行費用総額・総軽減率を計算します。',
  },
  procurement: {
    label: '共同調達',
    lead: '発注者ごとの購入予定機器（数量・単価・当初予算額・見積額）から、増減額・減額率と合計を計算します。',
  },
  allocation: {
    label: '費用按分',
    lead: '共同化の費用を、均等・人口・データ量またはその組合せで町村に按分します。円未満は最大剰余法で配り、合計は必ず一致します。',
  },
};

const KIND_NAMES = Object.keys(KINDS);

// Menu item → path, and the routes, for app.js.
export const CONSORTIUM_PATHS = Object.fromEntries(KIND_NAMES.map((k) => [`consortium.${k}`, `/consortium/${k}`]));
export function consortiumRoutes() {
  return KIND_NAMES.flatMap((k) => [
    { re: new RegExp(`^/consortium/${k}$`), item: `consortium.${k}`, screen: (ctx) => listScreen(ctx, k) },
    { re: new RegExp(`^/consortium/${k}/([1-9][0-9]{0,17})$`), item: `consortium.${k}`, screen: (ctx) => sheetScreen(ctx, k), params: ['id'] },
  ]);
}

// A problem with a sheet: the item (field) and the line (message).
function sheetError(err) {
  if (err.name !== 'ApiError' || err.status !== 400) return errorMessage(err);
  const item = err.field && err.field !== 'text' ? `（${err.field}）` : '';
  return `集計表に誤りがあります${item}：${err.message}`;
}

// ---- the computed tables ------------------------------------------------------

function resultView(result) {
  const parts = [];
  const flagged = result.figures.filter((f) => !f.matches);
  if (result.figures.length) {
    parts.push(h('div', { class: ['panel', flagged.length ? 'panel-info' : 'panel-ok'], dataset: { check: 'figures' } },
      h('p', { class: 'verdict', text: `資料の数値との照合：${result.figures.length}件中 ${result.figures.length - flagged.length}件一致、${flagged.length}件不一致` }),
      flagged.length
        ? h('ul', { class: 'plain-list' }, flagged.map((f) => h('li', {
          dataset: { flagged: `${f.row}/${f.what}` },
          text: `${f.row} の ${f.what}：資料の値 ${f.printed} は入力から導かれません（計算値 ${f.computed}）`,
        })))
        : null));
  }
  for (const t of result.tables) {
    const right = t.columns.map((c) => c.align === 'right');
    parts.push(h('h2', { text: t.caption }),
      h('div', { class: 'table-scroll' },
        h('table', { class: 'data-table consortium-table' },
          h('caption', { class: 'visually-hidden', text: t.caption }),
          h('thead', {}, h('tr', {}, t.columns.map((c) => h('th', { scope: 'col', class: c.align === 'right' ? 'num' : null, text: c.label })))),
          h('tbody', {}, t.rows.map((row) => h('tr', { class: row.total ? 'total' : null },
            row.cells.map((cell, i) => h('td', {
              class: [right[i] ? 'num' : null, cell.flag ? 'flagged' : null],
              title: cell.flag ? `資料の値 ${cell.printed}（入力から導かれません）` : null,
            }, cell.text, cell.flag ? h('span', { class: 'printed-note', text: `※資料 ${cell.printed}` }) : null))))))));
  }
  if (result.notes.length) {
    parts.push(h('h2', { text: '注記' }), h('ul', { class: 'plain-list notes' }, result.notes.map((n) => h('li', { text: n }))));
  }
  return parts;
}

// ---- the sheet editor -------------------------------------------------------------

// A textarea for the sheet, a title, and buttons; onCheck/onSave get the
// values and return a promise.
function sheetEditor({ legend, text = '', title = '', saveLabel, onSave, onCheck }) {
  const tid = uid('sheet');
  const titleId = uid('title');
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const area = h('textarea', {
    id: tid, name: 'text', class: 'sheet-text', rows: '14', spellcheck: 'false',
    'aria-describedby': `${tid}-hint`, value: text,
  });
  // Tab inserts a tab (the sheet's separator) instead of leaving the field;
  // Escape then Tab leaves it.
  let escaped = false;
  area.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { escaped = true; return; }
    if (ev.key === 'Tab' && !ev.shiftKey && !escaped) {
      ev.preventDefault();
      area.setRangeText('\t', area.selectionStart, area.selectionEnd, 'end');
    }
    escaped = false;
  });
  const titleInput = h('input', { id: titleId, name: 'title', type: 'text', maxlength: 100, value: title, autocomplete: 'off' });
  const checkButton = h('button', { type: 'button', class: 'button' }, '確認する');
  const saveButton = h('button', { type: 'submit', class: 'button primary' }, saveLabel);
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
  const form = h('form', { class: 'form', novalidate: true },
    h('fieldset', {}, h('legend', { text: legend }),
      errorBox,
      h('div', { class: 'field wide' },
        h('label', { for: tid }, '集計表', h('span', { class: 'required', text: '必須' })),
        h('p', { class: 'hint', id: `${tid}-hint`, text: '表計算ソフトのセルをコピーして貼り付けられます（タブ区切り）。1行目は kind と種類です。Tab キーでタブを入力し、Esc の後の Tab で次の項目へ移ります。' }),
        area),
      h('div', { class: 'field' },
        h('label', { for: titleId }, '表題（省略時は集計表の title）'),
        titleInput),
      h('div', { class: 'form-actions' }, saveButton, checkButton)),
    preview);
  const values = () => ({ text: area.value, title: titleInput.value.trim() });
  function showError(err) {
    errorBox.textContent = sheetError(err);
    errorBox.hidden = false;
    area.setAttribute('aria-invalid', 'true');
  }
  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = '';
    area.removeAttribute('aria-invalid');
  }
  async function run(button, fn) {
    if (button.disabled) return;
    clearError();
    if (!area.value.trim()) {
      errorBox.textContent = '集計表を入力してください。';
      errorBox.hidden = false;
      area.setAttribute('aria-invalid', 'true');
      area.focus();
      return;
    }
    button.disabled = true;
    try {
      await fn(values());
    } catch (err) {
      if (err.status === 401) return;
      showError(err);
      area.focus();
    } finally {
      button.disabled = false;
    }
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); run(saveButton, onSave); });
  checkButton.addEventListener('click', () => run(checkButton, async (v) => {
    const result = await onCheck(v);
    clear(preview).append(h('h2', { text: '確認結果（未登録）' }), ...resultView(result));
  }));
  return { el: form, area, clearPreview: () => clear(preview) };
}

// ---- screens ------------------------------------------------------------------------

async function listScreen(ctx, kind) {
  const k = KINDS[kind];
  ctx.setTitle(k.label);
  const tableHost = h('div', { class: 'table-host' }, h('p', { class: 'loading', text: '読み込んでいます…' }));

  async function loadList() {
    const r = await api.get('/consortium/sheets', { kind });
    if (!ctx.alive()) return;
    if (!r.items.length) {
      clear(tableHost).append(h('p', { class: 'count', text: 'まだ登録された集計表はありません。' }));
      return;
    }
    clear(tableHost).append(
      h('p', { class: 'count', text: `${r.items.length}件` }),
      h('div', { class: 'table-scroll' },
        h('table', { class: 'data-table sheet-list' },
          h('caption', { class: 'visually-hidden', text: `${k.label}の集計表` }),
          h('thead', {}, h('tr', {}, ['番号', '表題', '更新日時', '更新者', '操作'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, r.items.map((s) => h('tr', { dataset: { id: String(s.id) } },
            h('td', { class: 'num', text: String(s.id) }),
            h('td', { text: s.title }),
            h('td', { class: 'nowrap', text: formatDateTime(s.updated_at) }),
            h('td', { class: 'mono', text: s.updated_by }),
            h('td', {}, h('a', { href: `#/consortium/${kind}/${s.id}`, class: 'button small', 'aria-label': `${s.title}を表示` }, '表示'))))))));
  }

  const editor = sheetEditor({
    legend: '集計表の登録',
    saveLabel: '登録する',
    onCheck: (v) => api.post('/consortium/compute', { text: v.text }),
    async onSave(v) {
      const body = { text: v.text };
      if (v.title) body.title = v.title;
      const s = await api.post('/consortium/sheets', body);
      if (s.kind !== kind) {
        ctx.navigate(`/consortium/${s.kind}/${s.id}`, `「${s.title}」を登録しました（${s.kind_label}）。`);
        return;
      }
      ctx.navigate(`/consortium/${kind}/${s.id}`, `「${s.title}」を登録しました。`);
    },
  });

  ctx.root.append(
    h('h1', { text: k.label }),
    h('p', { class: 'lead', text: k.lead }),
    h('h2', { text: '登録済みの集計表' }),
    tableHost,
    h('div', { class: 'panel' }, editor.el));
  await loadList();
  return tableHost.querySelector('a.button') ?? editor.area;
}

async function sheetScreen(ctx, kind) {
  const id = ctx.params.id;
  let s = await api.get(`/consortium/sheets/${id}`);
  if (!ctx.alive()) return null;
  if (s.kind !== kind) {
    ctx.navigate(`/consortium/${s.kind}/${s.id}`);
    return null;
  }
  const k = KINDS[kind];
  ctx.setTitle(s.title);
  const heading = h('h1', { text: s.title });
  const summary = h('dl', { class: 'summary' });
  const body = h('div', { class: 'sheet-result' });
  function show() {
    heading.textContent = s.title;
    ctx.setTitle(s.title);
    clear(summary).append(
      h('dt', { text: '種類' }), h('dd', { text: s.kind_label }),
      h('dt', { text: '番号' }), h('dd', { class: 'mono', text: String(s.id) }),
      h('dt', { text: '更新日時' }), h('dd', { text: formatDateTime(s.updated_at) }),
      h('dt', { text: '更新者' }), h('dd', { class: 'mono', text: s.updated_by }),
      ...(s.result?.source ? [h('dt', { text: '出典' }), h('dd', { text: s.result.source })] : []));
    clear(body);
    if (s.result) body.append(...resultView(s.result));
    else body.append(h('div', { class: 'panel panel-error', role: 'alert' }, h('p', { text: `この集計表は現在計算できません：${s.problem?.message ?? ''}` })));
  }
  show();

  const downloads = h('div', { class: 'button-row' },
    h('a', { href: `/api/v1/consortium/sheets/${s.id}/report.pdf`, class: 'button primary', download: '' }, '帳票（PDF）'),
    h('a', { href: `/api/v1/consortium/sheets/${s.id}/report.csv`, class: 'button', download: '' }, 'CSV'));

  const editor = sheetEditor({
    legend: '集計表の修正',
    saveLabel: '保存する',
    text: s.text,
    title: s.title,
    onCheck: (v) => api.post('/consortium/compute', { text: v.text }),
    async onSave(v) {
      const patch = {};
      if (v.text !== s.text) patch.text = v.text;
      if (v.title && v.title !== s.title) patch.title = v.title;
      if (!Object.keys(patch).length) {
        ctx.flash('変更はありません。', 'info');
        return;
      }
      s = await api.patch(`/consortium/sheets/${s.id}`, patch);
      if (s.kind !== kind) {
        ctx.navigate(`/consortium/${s.kind}/${s.id}`, '保存しました。');
        return;
      }
      editor.clearPreview();
      show();
      ctx.flash(`「${s.title}」を保存しました。`);
    },
  });

  const del = h('button', { type: 'button', class: 'button danger' }, 'この集計表を削除する');
  del.addEventListener('click', async () => {
    // A second click confirms (no blocking dialog for screen readers).
    if (del.dataset.confirm !== 'yes') {
      del.dataset.confirm = 'yes';
      del.textContent = 'もう一度押すと削除します';
      return;
    }
    del.disabled = true;
    try {
      await api.del(`/consortium/sheets/${s.id}`);
      ctx.navigate(`/consortium/${kind}`, `「${s.title}」を削除しました。`);
    } catch (err) {
      if (err.status !== 401) ctx.flash(errorMessage(err), 'error');
      del.disabled = false;
    }
  });

  ctx.root.append(
    h('p', {}, h('a', { href: `#/consortium/${kind}`, class: 'back-link' }, `${k.label}の一覧へ戻る`)),
    heading,
    h('div', { class: 'panel' }, summary, downloads),
    body,
    h('div', { class: 'panel' }, editor.el),
    h('div', { class: 'panel' }, h('div', { class: 'button-row' }, del)));
  return heading;
}
