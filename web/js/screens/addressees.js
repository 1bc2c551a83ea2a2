// addressees.js — 宛名: the addressee base, for every clerk who deals with
// people and corporations.
//
//   #/atena/search                    宛名検索: residents, 住登外者 and 法人
//   #/atena/view/{atena}[/{date}]     宛名照会 as of a date (and as then known),
//                                     with where a merged number went, the
//                                     history and the merges (undo)
//   #/atena/new[/{kind}]              宛名登録: a 住登外者 or a 法人
//   #/atena/change/{atena}            宛名変更: from a date
//   #/atena/merge[/{absorbed}]        宛名統合: both shown side by side first
//
// Every read is audited by the server. A resident's record is the register's:
// it is shown here with the addressee's items and changed by a 異動届.

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { errorMessage } from '../messages.js';
import { parseDate, todayJapan, formatBoth, formatWareki, instantToJapanLocal, japanLocalToInstant } from '../wareki.js';
import {
  SEX_LABELS, field, fieldValue, checkField, setFieldError, clearFieldErrors, liveInputs, pathOf,
  dateCell, postcodeText, foldNumber, hasItem, personPath,
} from './residents_common.js';

export const ATENA_PATHS = {
  'atena.search': '/atena/search',
  'atena.new': '/atena/new',
  'atena.merge': '/atena/merge',
};

const DATE = '([0-9]{4}-[0-9]{2}-[0-9]{2})';
export function atenaRoutes() {
  return [
    { re: /^\/atena\/search$/, item: 'atena.search', screen: searchScreen },
    { re: new RegExp(`^/atena/view/([0-9]{1,15})(?:/${DATE})?$`), item: 'atena.search', screen: viewScreen, params: ['atena', 'date'] },
    { re: /^\/atena\/new(?:\/(nonresident|corporation))?$/, item: 'atena.new', screen: newScreen, params: ['kind'] },
    { re: /^\/atena\/change\/([0-9]{1,15})$/, item: 'atena.new', screen: changeScreen, params: ['atena'] },
    { re: /^\/atena\/merge(?:\/([0-9]{1,15}))?$/, item: 'atena.merge', screen: mergeScreen, params: ['absorbed'] },
  ];
}

export const viewPath = (atena, date) => `/atena/view/${atena}${date ? `/${date}` : ''}`;

const KIND_LABELS = { resident: '住登者', nonresident: '住登外者', corporation: '法人' };
const KIND_OPTIONS = [
  { value: 'all', label: 'すべて' },
  { value: 'person', label: '個人（住登者と住登外者）' },
  { value: 'resident', label: '住登者' },
  { value: 'nonresident', label: '住登外者' },
  { value: 'corporation', label: '法人' },
];

// The check digit of a 法人番号 (財務省令第70号 第2条): the FIRST digit is
// 9 − (Σ digit × (1, 2, 1, 2 … from the lowest place of the other 12) mod 9).
function corpNumberError(v) {
  const s = foldNumber(v);
  if (!/^[0-9]{13}$/.test(s)) return '法人番号は13桁の数字で入力してください。';
  let sum = 0;
  for (let n = 1; n <= 12; n++) sum += Number(s[13 - n]) * (n % 2 ? 1 : 2);
  return 9 - (sum % 9) === Number(s[0]) ? null : '法人番号の検査数字（先頭の1桁）が正しくありません。';
}

// A 生年月日 as a clerk types it: a date (S30.4.1, 1955-04-01, 昭和30年4月1日)
// goes as ISO; anything else (昭和30年頃, 年月日不詳 …) as written, for the
// server to read as 不詳 or refuse.
const birthValue = (v) => (v ? parseDate(v).iso ?? v : '');

function birthShown(r) {
  if (r.birth_text) return r.birth_unknown ? `${r.birth_text}（不詳）` : r.birth_text;
  return r.birth ? formatBoth(r.birth) : '';
}

function kindBadge(kind) {
  return h('span', { class: ['status', kind === 'resident' ? 'status-on' : kind === 'corporation' ? 'status-warn' : 'status-off'], text: KIND_LABELS[kind] ?? kind });
}

function stateText(x) {
  if (x.merged_into) return `統合済み（→ ${x.merged_into}）`;
  if (x.register_status === 'removed') return '除票';
  if (x.register_status === 'resident') return '住民';
  return '';
}

// 抑止: a resident under a support measure (or in the household of one).
function suppressionBadge(x) {
  return x.suppression ? h('span', { class: 'status status-warn', dataset: { suppression: String(x.suppression.measure) }, text: '支援措置' }) : null;
}

// ---- 宛名検索 --------------------------------------------------------------------

const PAGE = 20;
let lastSearch = null; // for coming back from a record, this session only
const sessionKey = (me) => `${me.tenant.code}/${me.user.id}/${me.session?.expires_at ?? ''}`;

export async function searchScreen(ctx) {
  ctx.setTitle('宛名検索');
  let query = null;
  let next = null;
  let shown = 0;

  const form = h('form', { class: 'form grid-form filter-form', novalidate: true, 'aria-label': '宛名の検索' });
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fields = [
    field({ name: 'kana', label: 'フリガナ', maxlength: 100, hint: 'ひらがな・カタカナ。先頭の一部でも' }),
    field({ name: 'name', label: '氏名・名称', maxlength: 100, hint: '先頭の一部でも（法人は「株式会社」などを除いても）' }),
    field({ name: 'birth', label: '生年月日', type: 'date', hint: '例：S30.4.1' }),
    field({ name: 'atena', label: '宛名番号', maxlength: 15, inputmode: 'numeric', validate: (v) => (v && !/^[0-9]+$/.test(foldNumber(v)) ? '宛名番号は数字で入力してください。' : null) }),
    field({ name: 'corp_number', label: '法人番号', maxlength: 16, inputmode: 'numeric', validate: (v) => (v ? corpNumberError(v) : null) }),
    field({ name: 'kind', label: '種別', type: 'select', options: KIND_OPTIONS, value: 'all' }),
  ];
  const mergedBox = h('input', { type: 'checkbox', id: 'atena-merged', name: 'merged' });
  form.append(errorBox, h('fieldset', {}, h('legend', { text: '検索条件' }),
    h('div', { class: 'fields' }, fields,
      h('div', { class: 'field' }, h('label', { class: 'choice', for: mergedBox.id }, mergedBox, '統合済みの宛名番号も表示する'))),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button primary' }, '検索する'),
      h('button', { type: 'button', class: 'button', on: { click: clearAll } }, '条件をクリア'))));

  const count = h('p', { class: 'count', tabindex: '-1' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'button', hidden: true, on: { click: loadMore } }, 'さらに表示');
  const scroller = h('div', { class: 'table-scroll', hidden: true },
    h('table', { class: 'data-table results-table atena-results' },
      h('caption', { class: 'visually-hidden', text: '検索結果' }),
      h('thead', {}, h('tr', {}, ['宛名番号', '種別', '氏名・名称', 'フリガナ', '生年月日', '住所・所在地', '状態'].map((t) => h('th', { scope: 'col', text: t })))),
      tbody));

  const open = (atena) => ctx.navigate(viewPath(atena));

  function rowKeys(ev) {
    const rows = [...tbody.rows];
    const i = rows.indexOf(ev.currentTarget);
    let to = null;
    if (ev.key === 'ArrowDown') to = rows[i + 1];
    else if (ev.key === 'ArrowUp') to = rows[i - 1];
    else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      open(ev.currentTarget.dataset.atena);
      return;
    } else return;
    ev.preventDefault();
    if (to) focusRow(to);
  }

  function focusRow(tr) {
    for (const r of tbody.rows) r.tabIndex = -1;
    tr.tabIndex = 0;
    tr.focus();
  }

  const row = (x) => h('tr', {
    tabindex: '-1', class: ['result-row', x.merged_into ? 'removed' : null], dataset: { atena: x.atena, kind: x.kind },
    on: { keydown: rowKeys, click: (ev) => { if (!ev.target.closest('a')) open(x.atena); } },
  },
  h('td', { class: 'mono', text: x.atena }),
  h('td', {}, kindBadge(x.kind)),
  h('td', { class: 'name-cell' }, h('a', { href: '#' + viewPath(x.atena), tabindex: '-1', text: x.name })),
  h('td', { text: x.name_kana }),
  h('td', { class: 'nowrap' }, dateCell(x.birth)),
  h('td', {}, x.suppression?.address_masked ? h('span', { class: 'none', text: '（支援措置のため表示しません）' }) : x.address),
  h('td', {}, stateText(x), x.suppression ? [' ', suppressionBadge(x)] : null));

  function show(r, append) {
    if (!append) { clear(tbody); shown = 0; }
    const first = tbody.rows.length;
    for (const x of r.items) tbody.append(row(x));
    shown += r.items.length;
    next = r.next ?? null;
    more.hidden = next === null;
    scroller.hidden = shown === 0;
    count.textContent = shown === 0 ? '条件に合う宛名は見つかりませんでした。'
      : `${shown}件${next === null ? '' : '（まだあります）'}`;
    if (tbody.rows.length) tbody.rows[Math.min(first, tbody.rows.length - 1)].tabIndex = 0;
    return tbody.rows[first] ?? null;
  }

  async function search(q, focusResults) {
    query = q;
    const r = await api.get('/addressees', { ...q, limit: PAGE });
    if (!ctx.alive()) return;
    lastSearch = { owner: sessionKey(ctx.me), query: q };
    const firstRow = show(r, false);
    ctx.flash(shown === 0 ? '条件に合う宛名は見つかりませんでした。' : `${shown}件見つかりました。`, 'info');
    if (focusResults && firstRow) focusRow(firstRow);
  }

  async function loadMore() {
    if (next === null) return;
    more.disabled = true;
    try {
      const r = await api.get('/addressees', { ...query, limit: PAGE, after: next });
      if (!ctx.alive()) return;
      const firstNew = show(r, true);
      if (firstNew) focusRow(firstNew);
    } catch (err) {
      if (err.status !== 401) ctx.flash(errorMessage(err), 'error');
    } finally {
      more.disabled = false;
    }
  }

  function clearAll() {
    form.reset();
    clearFieldErrors(form);
    errorBox.hidden = true;
    lastSearch = null;
    clear(tbody);
    shown = 0;
    more.hidden = true;
    scroller.hidden = true;
    count.textContent = '';
    form.querySelector('[data-field="kana"]').focus();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    errorBox.hidden = true;
    let bad = null;
    for (const input of liveInputs(form)) {
      const msg = checkField(input);
      if (msg) { setFieldError(input, msg); bad ??= input; }
    }
    const v = Object.fromEntries(liveInputs(form).map((i) => [i.dataset.field, fieldValue(i)]));
    const q = { kana: v.kana, name: v.name, birth: v.birth, atena: foldNumber(v.atena), corp_number: foldNumber(v.corp_number), kind: v.kind, merged: mergedBox.checked ? 'include' : '' };
    if (!bad && !q.kana && !q.name && !q.birth && !q.atena && !q.corp_number) {
      errorBox.textContent = 'フリガナ、氏名・名称、生年月日、宛名番号、法人番号のいずれかを入力してください。';
      errorBox.hidden = false;
      form.querySelector('[data-field="kana"]').focus();
      return;
    }
    if (!bad && q.kana && q.name) {
      bad = form.querySelector('[data-field="name"]');
      setFieldError(bad, 'フリガナと氏名・名称は、どちらか一方で検索してください。');
    }
    if (bad) {
      errorBox.textContent = '入力内容を確認してください。';
      errorBox.hidden = false;
      bad.focus();
      return;
    }
    try {
      await search(q, true);
    } catch (err) {
      if (err.status === 401) return;
      const input = err.field ? form.querySelector(`[data-field="${err.field}"]`) : null;
      if (input) { setFieldError(input, errorMessage(err, input.closest('.field').querySelector('label').firstChild.textContent)); input.focus(); }
      errorBox.textContent = input ? '入力内容を確認してください。' : errorMessage(err);
      errorBox.hidden = false;
    }
  });

  ctx.root.append(
    h('h1', { text: '宛名検索' }),
    h('p', { class: 'lead', text: '住民（住登者）、住登外者、法人を探します。フリガナと氏名・名称はどちらか一方で、ほかの条件と組み合わせられます。検索は監査ログに記録されます。' }),
    hasItem(ctx.me, 'atena.new') ? h('div', { class: 'button-row' }, h('a', { class: 'button', href: '#/atena/new' }, '住登外者・法人を登録する')) : null,
    h('div', { class: 'panel' }, form),
    h('h2', { text: '検索結果' }),
    count, scroller,
    h('div', { class: 'button-row' }, more));

  if (lastSearch && lastSearch.owner === sessionKey(ctx.me)) {
    const q = lastSearch.query;
    for (const input of liveInputs(form)) if (q[input.dataset.field] !== undefined) input.value = q[input.dataset.field];
    mergedBox.checked = q.merged === 'include';
    await search(q, false);
  } else {
    lastSearch = null;
  }
  return form.querySelector('[data-field="kana"]');
}

// ---- 宛名照会 --------------------------------------------------------------------

const PURPOSES = ['本人確認', '課税事務', '社会保障の手続', '災害対策'];

function group(title, items, cls) {
  const rows = items.filter(([, v]) => v !== null && v !== undefined && v !== false);
  if (rows.length === 0) return null;
  return h('section', { class: ['record-group', cls] },
    h('h3', { text: title }),
    h('dl', { class: 'record-items' }, rows.flatMap(([label, value, key]) => [
      h('dt', { text: label }),
      h('dd', { dataset: key ? { item: key } : undefined }, value === '' ? h('span', { class: 'none', text: '—' }) : value),
    ])));
}

// The groups of one record (also used by the merge screen).
function recordGroups(r, mynumberCell) {
  const corp = r.kind === 'corporation';
  return [
    group('種別', [
      ['種別', kindBadge(r.kind), 'kind'],
      ['状態', r.register_status ? (r.register_status === 'removed' ? '除票' : '住民') : null, 'register_status'],
    ]),
    group(corp ? '名称' : '氏名', [
      [corp ? '名称' : '氏名', h('span', { class: 'big-name', text: r.name }), 'name'],
      ['フリガナ', r.name_kana, 'name_kana'],
      corp ? null : ['旧氏', r.kyuuji ? `${r.kyuuji}${r.kyuuji_kana ? `（${r.kyuuji_kana}）` : ''}` : '', 'kyuuji'],
      corp ? null : ['通称', r.tsusho ? `${r.tsusho}${r.tsusho_kana ? `（${r.tsusho_kana}）` : ''}` : '', 'tsusho'],
      corp ? null : ['氏名（アルファベット）', r.alpha_name, 'alpha_name'],
      corp ? ['代表者', r.representative, 'representative'] : null,
    ].filter(Boolean)),
    corp ? null : group('生年月日・性別', [
      ['生年月日', birthShown(r), 'birth'],
      ['性別', SEX_LABELS[r.sex] ?? String(r.sex), 'sex'],
    ]),
    group(corp ? '本店所在地' : '住所', [
      ['郵便番号', postcodeText(r.postcode), 'postcode'],
      [corp ? '本店所在地' : '住所', r.suppression?.address_masked ? h('span', { class: 'none', text: '（支援措置のため表示しません）' }) : r.address, 'address'],
      ['方書', r.katagaki, 'katagaki'],
    ], 'wide'),
    group('番号', [
      ['宛名番号', h('span', { class: 'mono', text: r.atena }), 'atena'],
      corp ? ['法人番号', r.corp_number ? h('span', { class: 'mono', text: r.corp_number }) : '', 'corp_number']
        : ['個人番号', mynumberCell ? mynumberCell(r) : (r.kojin_bango ? h('span', { class: 'mono', text: r.kojin_bango }) : ''), 'kojin_bango'],
    ]),
  ];
}

export async function viewScreen(ctx) {
  const requested = ctx.params.atena;
  ctx.setTitle('宛名照会');
  let asOf = ctx.params.date || todayJapan();
  let knownAt = null;
  let current = null;
  let hist = null;
  let seq = 0;

  const title = h('h1', { text: '宛名照会' });
  const asOfInput = h('input', { type: 'date', id: 'atena-as-of', value: asOf, min: '1873-01-01', max: '9999-12-31', class: 'code-input' });
  const asOfPreview = h('span', { class: 'date-preview' });
  const knownInput = h('input', { type: 'datetime-local', id: 'atena-known-at', step: '1', class: 'code-input' });
  const mergedNote = h('div', { class: 'merged-host' });
  const stateLine = h('p', { class: 'record-state', role: 'status' });
  const recordHost = h('div', { class: 'record-host' }, h('p', { class: 'loading', text: '読み込んでいます…' }));
  const links = h('div', { class: 'button-row record-links' });
  const historyHost = h('div', { class: 'history-host' });
  const mergesHost = h('div', { class: 'merges-host' });

  asOfInput.addEventListener('change', () => {
    if (asOfInput.value && asOfInput.value !== asOf) { asOf = asOfInput.value; load(); }
  });
  knownInput.addEventListener('change', () => {
    const t = japanLocalToInstant(knownInput.value);
    if (t) { knownAt = t; load(); }
  });

  function mynumberCell(r) {
    if (!r.kojin_bango) return '';
    const value = h('span', { class: 'mono mynumber', dataset: { shown: String(!!r.kojin_bango_shown) }, text: r.kojin_bango });
    const cell = h('span', { class: 'mynumber-cell' }, value);
    if (r.kojin_bango_shown) return cell;
    const purpose = h('input', { id: 'atena-purpose', name: 'purpose', type: 'text', maxlength: 64, autocomplete: 'off', list: 'atena-purpose-list', 'aria-describedby': 'atena-purpose-error' });
    const err = h('p', { class: 'field-error', id: 'atena-purpose-error', hidden: true });
    const showBtn = h('button', { type: 'button', class: 'button small', on: { click: () => { ask.hidden = false; showBtn.hidden = true; purpose.focus(); } } }, '個人番号を表示');
    const ask = h('form', { class: 'purpose-form', hidden: true, novalidate: true, 'aria-label': '個人番号の表示' },
      h('label', { for: purpose.id }, '利用目的', h('span', { class: 'required', text: '必須' })),
      h('p', { class: 'hint', text: '個人番号を表示した目的として監査ログに記録されます。' }),
      purpose, h('datalist', { id: 'atena-purpose-list' }, PURPOSES.map((p) => h('option', { value: p }))), err,
      h('div', { class: 'button-row' },
        h('button', { type: 'submit', class: 'button primary small' }, '表示する'),
        h('button', { type: 'button', class: 'button small', on: { click: () => { ask.hidden = true; showBtn.hidden = false; showBtn.focus(); } } }, 'やめる')));
    ask.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const why = purpose.value.trim();
      err.hidden = true;
      if (!why) {
        err.textContent = '利用目的を入力してください。';
        err.hidden = false;
        purpose.focus();
        return;
      }
      try {
        current = await api.getFor(why, `/addressees/${requested}`, { as_of: asOf, known_at: knownAt ?? '', mynumber: 'show' });
        if (!ctx.alive()) return;
        render();
        ctx.flash(`個人番号を表示しました（利用目的：${why}）。表示したことは監査ログに記録されています。`, 'info');
      } catch (e) {
        if (e.status === 401) return;
        err.textContent = errorMessage(e, '利用目的');
        err.hidden = false;
        purpose.focus();
      }
    });
    cell.append(' ', showBtn, ask);
    return cell;
  }

  function render() {
    const r = current;
    title.textContent = `宛名照会：${r.name}`;
    ctx.setTitle(`宛名照会：${r.name}`);
    clear(mergedNote);
    if (r.requested !== r.atena) {
      const last = r.merged_via[r.merged_via.length - 1];
      mergedNote.append(h('div', { class: 'panel panel-info merged-note', dataset: { state: 'merged' } },
        h('p', {}, `宛名番号 ${r.requested} は、宛名番号 `, h('a', { href: '#' + viewPath(r.atena), class: 'mono' }, r.atena),
          ` に統合されています（${r.merged_via.map((m) => `統合番号 ${m.id}`).join('、')}、${formatDateTime(last.merged_at)}）。以下は統合先の記録です。`),
        h('p', { class: 'small' }, '統合前の記録は下の履歴で見られます。')));
    }
    if (r.suppression) {
      mergedNote.append(h('div', { class: 'panel panel-info suppression-note', role: 'note', dataset: { state: 'suppressed' } },
        h('p', { text: `${r.suppression.person ? 'この方は' : 'この方の世帯の方が'}支援措置（DV等支援措置、措置番号 ${r.suppression.measure}）の対象です。`
          + (r.suppression.address_masked ? '住所は表示されません。' : '住所の取扱いに注意してください。') })));
    }
    if (r.absorbed.length) {
      mergedNote.append(h('p', { class: 'absorbed-note' }, 'この宛名に統合された宛名番号：',
        r.absorbed.map((a, i) => [i ? '、' : '', h('a', { href: '#' + viewPath(a), class: 'mono' }, a)])));
    }
    clear(recordHost).append(h('div', { class: 'record' }, recordGroups(r, mynumberCell)));
    stateLine.textContent = `${formatBoth(asOf)}時点${knownAt ? `（${formatDateTime(knownAt)}に記録されていた内容）` : ''}の記録です。履歴番号 ${r.rireki}（${formatBoth(r.valid_from)}から）。`;
    renderLinks();
  }

  function renderLinks() {
    clear(links);
    if (!current) return;
    const own = current.requested === current.atena;
    if (current.kind === 'resident') {
      if (hasItem(ctx.me, 'residents.search')) links.append(h('a', { class: 'button', href: '#' + personPath(current.atena, asOf) }, '住民記録（個人照会）を開く'));
    } else if (own && hasItem(ctx.me, 'atena.new')) {
      links.append(h('a', { class: 'button', href: `#/atena/change/${current.atena}`, dataset: { link: 'change' } }, '変更を記録する'));
    }
    if (own && current.kind !== 'resident' && hasItem(ctx.me, 'atena.merge'))
      links.append(h('a', { class: 'button subtle-link', href: `#/atena/merge/${current.atena}`, dataset: { link: 'merge' } }, 'ほかの宛名番号に統合する'));
  }

  async function load() {
    const mine = ++seq;
    asOfInput.value = asOf;
    asOfPreview.textContent = formatBoth(asOf);
    knownInput.value = knownAt ? instantToJapanLocal(knownAt) : '';
    try {
      const r = await api.get(`/addressees/${requested}`, { as_of: asOf, known_at: knownAt ?? '' });
      if (!ctx.alive() || mine !== seq) return;
      current = r;
      render();
    } catch (err) {
      if (!ctx.alive() || mine !== seq || err.status === 401) return;
      if (err.status !== 404 || !hist) throw err;
      current = null;
      clear(mergedNote);
      renderLinks();
      stateLine.textContent = '';
      clear(recordHost).append(h('div', { class: 'panel panel-info', dataset: { state: 'none' } },
        h('p', { text: `${formatBoth(asOf)}時点には、この宛名の記録はありません（記録の始まりより前の日付です）。` })));
    }
  }

  // A snapshot is shown as it was known just before it was superseded, and
  // a merged number's own snapshot as known just before the merge (after it,
  // reads of the number lead to the survivor).
  function showVersion(v) {
    asOf = v.record.valid_from;
    const limits = [];
    if (v.superseded_at) limits.push(Date.parse(v.superseded_at) - 1);
    const merge = hist.merges.find((m) => m.absorbed === requested && m.holds);
    if (merge) limits.push(Date.parse(merge.merged_at) - 1);
    knownAt = limits.length ? new Date(Math.min(...limits)).toISOString() : null;
    load();
  }

  function renderHistory() {
    const items = hist.versions.map((v) => {
      const r = v.record;
      const superseded = !!v.superseded_at;
      return h('li', { class: ['tl-item', superseded ? 'superseded' : null], dataset: { rireki: r.rireki } },
        h('button', {
          type: 'button', class: 'tl-button',
          on: { click: () => showVersion(v) },
        },
        h('span', { class: 'tl-no', text: `履歴${r.rireki}` }),
        superseded ? h('del', {}, v.event_label) : h('span', { class: 'tl-label', text: v.event_label }),
        h('span', { class: 'tl-date' }, dateCell(r.valid_from)),
        h('span', { class: 'tl-sub', text: `${r.name}　${r.address}` }),
        v.note ? h('span', { class: 'tl-sub', text: `事由：${v.note}` }) : null,
        h('span', { class: 'tl-recorded', text: `処理 ${formatDateTime(r.recorded_at)}${v.user ? `（${v.user}）` : ''}` }),
        superseded ? h('span', { class: 'tl-superseded', text: `さかのぼった変更により置換（${formatDateTime(v.superseded_at)}）` }) : null));
    });
    clear(historyHost).append(
      h('p', { class: 'hint', text: '行を選ぶと、その日の時点の記録を表示します。取り消し線の行は、のちにさかのぼって記録された変更で置き換えられた記録です。' }),
      h('ol', { class: 'timeline' }, items));
    renderMerges();
  }

  function renderMerges() {
    clear(mergesHost);
    if (!hist.merges.length) {
      mergesHost.append(h('p', { class: 'none', text: '統合の記録はありません。' }));
      return;
    }
    const canUndo = hasItem(ctx.me, 'atena.merge');
    mergesHost.append(h('div', { class: 'table-scroll' }, h('table', { class: 'data-table merges-table' },
      h('caption', { class: 'visually-hidden', text: '統合の記録' }),
      h('thead', {}, h('tr', {}, ['統合番号', '統合された宛名番号', '残る宛名番号', '統合日時', '理由', '状態', ''].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, hist.merges.map((m) => h('tr', { dataset: { merge: m.id } },
        h('td', { class: 'num', text: String(m.id) }),
        h('td', {}, h('a', { class: 'mono', href: '#' + viewPath(m.absorbed) }, m.absorbed)),
        h('td', {}, h('a', { class: 'mono', href: '#' + viewPath(m.survivor) }, m.survivor)),
        h('td', { text: `${formatDateTime(m.merged_at)}（${m.user}）` }),
        h('td', { text: m.reason }),
        h('td', { text: m.undone_at ? `取消し済み（${formatDateTime(m.undone_at)}、${m.undo_user}：${m.undo_reason}）` : '統合中' }),
        h('td', {}, !m.undone_at && canUndo ? undoControl(m) : null)))))));
  }

  function undoControl(m) {
    const reason = h('input', { type: 'text', id: `undo-reason-${m.id}`, name: 'reason', maxlength: 200, autocomplete: 'off' });
    const err = h('p', { class: 'field-error', hidden: true });
    const open = h('button', { type: 'button', class: 'button small danger', dataset: { undo: m.id }, on: { click: () => { box.hidden = false; open.hidden = true; reason.focus(); } } }, '統合を取り消す');
    const box = h('form', { class: 'undo-form', hidden: true, novalidate: true, 'aria-label': `統合番号${m.id}の取消し` },
      h('p', { text: `宛名番号 ${m.absorbed} と ${m.survivor} を、統合前のとおり別々の宛名に戻します。` }),
      h('label', { for: reason.id }, '取消しの理由', h('span', { class: 'required', text: '必須' })), reason, err,
      h('div', { class: 'button-row' },
        h('button', { type: 'submit', class: 'button primary small' }, '取り消す'),
        h('button', { type: 'button', class: 'button small', on: { click: () => { box.hidden = true; open.hidden = false; open.focus(); } } }, 'やめる')));
    box.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      if (!reason.value.trim()) {
        err.textContent = '取消しの理由を入力してください。';
        err.hidden = false;
        reason.focus();
        return;
      }
      try {
        await api.post(`/addressee-merges/${m.id}/undo`, { reason: reason.value.trim() });
        if (!ctx.alive()) return;
        ctx.navigate(viewPath(requested), `統合番号 ${m.id} の統合を取り消しました。宛名番号 ${m.absorbed} と ${m.survivor} は別々の宛名に戻りました。`);
      } catch (e) {
        if (e.status === 401) return;
        err.textContent = errorMessage(e, '取消しの理由');
        err.hidden = false;
        reason.focus();
      }
    });
    return [open, box];
  }

  ctx.root.append(
    h('p', {}, h('a', { href: '#/atena/search', class: 'back-link' }, '宛名検索へ戻る')),
    title,
    mergedNote,
    h('div', { class: 'panel as-of-panel' },
      h('div', { class: 'inline-field' },
        h('label', { for: asOfInput.id, text: '基準日' }), asOfInput,
        h('button', { type: 'button', class: 'button small', on: { click: () => { asOf = todayJapan(); load(); } } }, '今日'),
        asOfPreview),
      h('details', { class: 'advanced' },
        h('summary', { text: '記録時点を指定する（詳細）' }),
        h('div', { class: 'inline-field' },
          h('label', { for: knownInput.id, text: '記録時点' }), knownInput,
          h('button', { type: 'button', class: 'button small', on: { click: () => { knownAt = null; load(); } } }, '現在の記録に戻す')))),
    stateLine, recordHost, links,
    h('h2', { text: '履歴' }), historyHost,
    h('h2', { text: '統合' }), mergesHost);

  hist = await api.get(`/addressees/${requested}/history`);
  if (!ctx.alive()) return null;
  renderHistory();
  await load();
  return title;
}

// ---- 宛名登録 and 宛名変更 -----------------------------------------------------------

// The fields of a kind's record, as form fields.
function recordFields(kind, values = {}, { change = false } = {}) {
  const corp = kind === 'corporation';
  const v = (n) => values[n] ?? '';
  return [
    field({ name: 'name', label: corp ? '名称（法人名）' : '氏名', required: true, maxlength: 200, wide: true, value: v('name'), hint: corp ? '例：株式会社吾妻商事' : '外字・異体字はそのまま' }),
    field({ name: 'name_kana', label: corp ? '名称フリガナ' : 'フリガナ', type: 'kana', maxlength: 200, value: v('name_kana'), hint: corp ? '「株式会社」などは除いて（例：あがつましょうじ）' : 'ひらがな・カタカナ' }),
    corp ? null : field({ name: 'kyuuji', label: '旧氏', maxlength: 50, value: v('kyuuji') }),
    corp ? null : field({ name: 'kyuuji_kana', label: '旧氏フリガナ', type: 'kana', maxlength: 50, value: v('kyuuji_kana') }),
    corp ? null : field({ name: 'tsusho', label: '通称', maxlength: 100, value: v('tsusho') }),
    corp ? null : field({ name: 'tsusho_kana', label: '通称フリガナ', type: 'kana', maxlength: 100, value: v('tsusho_kana') }),
    corp ? null : field({ name: 'alpha_name', label: '氏名（アルファベット）', maxlength: 100, value: v('alpha_name') }),
    corp ? null : field({
      name: 'birth', label: '生年月日', maxlength: 72, value: values.birth_text || v('birth'),
      hint: '例：S30.4.1、1955-04-01。不明なときは「昭和30年頃」「昭和30年3月上旬」「年月日不詳」など',
    }),
    corp ? null : field({ name: 'sex', label: '性別', type: 'sex', value: values.sex === undefined ? '' : String(values.sex) }),
    field({ name: 'postcode', label: '郵便番号', type: 'postcode', value: v('postcode'), hint: '7桁（国外の住所は空欄）' }),
    field({ name: 'address', label: corp ? '本店所在地' : '住所', required: true, maxlength: 200, wide: true, value: v('address') }),
    field({ name: 'katagaki', label: '方書', maxlength: 300, wide: true, value: v('katagaki'), hint: 'アパート名・部屋番号など' }),
    corp ? field({ name: 'corp_number', label: '法人番号', maxlength: 16, inputmode: 'numeric', value: v('corp_number'), hint: '13桁（ない法人は空欄）', validate: (x) => (x ? corpNumberError(x) : null) })
      : field({ name: 'kojin_bango', label: change ? '個人番号（変えるときだけ入力）' : '個人番号', type: 'mynumber', hint: '12桁' }),
    corp ? field({ name: 'representative', label: '代表者', maxlength: 100, value: v('representative') }) : null,
  ];
}

// The value of a record field as the API takes it.
function apiValue(input) {
  const name = input.dataset.field;
  if (name === 'birth') return birthValue(input.value.trim());
  if (name === 'corp_number') return foldNumber(input.value);
  return fieldValue(input);
}

// Checks every live field; shows the errors; returns the first bad input.
function checkAll(form) {
  clearFieldErrors(form);
  let bad = null;
  for (const input of liveInputs(form)) {
    const msg = checkField(input);
    if (msg) { setFieldError(input, msg); bad ??= input; }
  }
  return bad;
}

// Shows a server error at the field it names.
function showServerError(form, errorBox, err, prefix = '') {
  const name = err.field && prefix && err.field.startsWith(`${prefix}.`) ? err.field.slice(prefix.length + 1) : err.field;
  const input = name ? [...liveInputs(form)].find((i) => pathOf(i) === name || i.dataset.field === name) : null;
  if (input) {
    const label = input.closest('.field')?.querySelector('label')?.firstChild?.textContent ?? '';
    setFieldError(input, errorMessage(err, label));
    errorBox.textContent = '入力内容を確認してください。';
    input.focus();
  } else {
    errorBox.textContent = errorMessage(err);
  }
  errorBox.hidden = false;
}

export async function newScreen(ctx) {
  ctx.setTitle('宛名登録');
  let kind = ctx.params.kind || 'nonresident';
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fieldsHost = h('div', { class: 'fields grid' });
  const radios = ['nonresident', 'corporation'].map((k) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'kind', value: k, checked: k === kind, on: { change: () => { kind = k; build(); } } }),
    k === 'nonresident' ? '住登外者（町外に住む個人）' : '法人'));
  const common = h('div', { class: 'fields grid' },
    field({ name: 'valid_from', label: 'この記録の始まる日', type: 'date', required: true, value: todayJapan(), hint: '例：R7.4.1（今日より後にはできません）', validate: (v) => (v > todayJapan() ? '今日より後の日付にはできません。' : null) }),
    field({ name: 'note', label: '登録の事由', maxlength: 200, wide: true, hint: '例：固定資産（土地）の所有者' }));
  const form = h('form', { class: 'form atena-form', novalidate: true, 'aria-label': '宛名の登録' },
    errorBox,
    h('fieldset', { class: 'group' }, h('legend', { text: '種別' }), h('div', { class: 'choices', role: 'radiogroup', 'aria-label': '種別' }, radios)),
    h('fieldset', { class: 'group' }, h('legend', { text: '記録' }), fieldsHost),
    h('fieldset', { class: 'group' }, h('legend', { text: '登録' }), common),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, '登録する')));

  function build() {
    clear(fieldsHost).append(...recordFields(kind).filter(Boolean));
    form.dataset.kind = kind;
    history.replaceState(null, '', `#/atena/new/${kind}`);
  }

  let busy = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    errorBox.hidden = true;
    const bad = checkAll(form);
    if (bad) {
      errorBox.textContent = '入力内容を確認してください。';
      errorBox.hidden = false;
      bad.focus();
      return;
    }
    const body = { kind };
    for (const input of liveInputs(form)) {
      const value = apiValue(input);
      if (value !== '') body[input.dataset.field] = value;
    }
    busy = true;
    try {
      const r = await api.post('/addressees', body);
      if (!ctx.alive()) return;
      ctx.navigate(viewPath(r.atena), `${KIND_LABELS[r.kind]}「${r.name}」を登録しました（宛名番号 ${r.atena}）。`);
    } catch (err) {
      if (err.status !== 401) showServerError(form, errorBox, err);
    } finally {
      busy = false;
    }
  });

  ctx.root.append(
    h('p', {}, h('a', { href: '#/atena/search', class: 'back-link' }, '宛名検索へ戻る')),
    h('h1', { text: '宛名登録' }),
    h('p', { class: 'lead', text: '町に住民登録のない個人（住登外者：町外に住む土地の所有者など）と法人を登録します。住民は異動届で記録します。登録は監査ログに記録されます。' }),
    h('div', { class: 'panel' }, form));
  build();
  return form.querySelector('[data-field="name"]');
}

export async function changeScreen(ctx) {
  const atena = ctx.params.atena;
  ctx.setTitle('宛名変更');
  const r = await api.get(`/addressees/${atena}`);
  if (!ctx.alive()) return null;
  ctx.root.append(h('p', {}, h('a', { href: '#' + viewPath(atena), class: 'back-link' }, '宛名照会へ戻る')));
  if (r.kind === 'resident' || r.requested !== r.atena) {
    ctx.root.append(h('h1', { text: '宛名変更' }), h('div', { class: 'panel panel-info' },
      h('p', { text: r.kind === 'resident' ? 'この宛名番号は住民のものです。住民の記録は異動届で変更します。'
        : `この宛名番号は ${r.atena} に統合されています。変更は ${r.atena} に記録してください。` })));
    return null;
  }
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fieldsHost = h('div', { class: 'fields grid', dataset: { prefix: 'changes' } }, recordFields(r.kind, r, { change: true }).filter(Boolean));
  const form = h('form', { class: 'form atena-form', novalidate: true, 'aria-label': '宛名の変更', dataset: { kind: r.kind } },
    errorBox,
    h('fieldset', { class: 'group' }, h('legend', { text: '変更後の記録' }),
      h('p', { class: 'hint', text: '変える項目だけを書き換えてください。空にした項目は削除されます（氏名・名称と住所は空にできません）。' }), fieldsHost),
    h('fieldset', { class: 'group' }, h('legend', { text: '変更' }),
      h('div', { class: 'fields grid' },
        field({ name: 'valid_from', label: '変更の日', type: 'date', required: true, value: todayJapan(), hint: `${formatWareki(r.valid_from)}以降の記録の始まりから今日まで。さかのぼった日付にすると、それより後の記録も直されます。`, validate: (v) => (v > todayJapan() ? '今日より後の日付にはできません。' : null) }),
        field({ name: 'note', label: '変更の事由', maxlength: 200, wide: true, hint: '例：転居の連絡（郵便物の返戻）' }))),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, '変更を記録する')));

  const before = (input) => {
    const n = input.dataset.field;
    if (n === 'birth') return r.birth_text || r.birth;
    if (n === 'sex') return r.sex;
    return r[n] ?? '';
  };

  let busy = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    errorBox.hidden = true;
    const bad = checkAll(form);
    if (bad) {
      errorBox.textContent = '入力内容を確認してください。';
      errorBox.hidden = false;
      bad.focus();
      return;
    }
    const changes = {};
    let validFrom = '';
    let note = '';
    for (const input of liveInputs(form)) {
      const name = input.dataset.field;
      if (name === 'valid_from') { validFrom = fieldValue(input); continue; }
      if (name === 'note') { note = fieldValue(input); continue; }
      if (name === 'kojin_bango' && input.value.trim() === '') continue; // not shown: kept
      const value = apiValue(input);
      const old = name === 'birth' ? birthValue(String(before(input))) : before(input);
      if (value === old || (name === 'sex' && value === '')) continue;
      changes[name] = value;
    }
    if (Object.keys(changes).length === 0) {
      errorBox.textContent = '変更する項目がありません。変える項目を書き換えてください。';
      errorBox.hidden = false;
      form.querySelector('[data-field="name"]').focus();
      return;
    }
    busy = true;
    try {
      const body = { valid_from: validFrom, changes };
      if (note) body.note = note;
      await api.post(`/addressees/${atena}/changes`, body);
      if (!ctx.alive()) return;
      ctx.navigate(viewPath(atena), `変更を記録しました（${formatBoth(validFrom)}から）。`);
    } catch (err) {
      if (err.status !== 401) showServerError(form, errorBox, err, 'changes');
    } finally {
      busy = false;
    }
  });

  ctx.root.append(
    h('h1', { text: `宛名変更：${r.name}` }),
    h('p', { class: 'lead', text: `宛名番号 ${atena}（${KIND_LABELS[r.kind]}）の変更を、変更の日から記録します。これまでの記録は消えずに履歴に残ります。` }),
    h('div', { class: 'panel' }, form));
  return form.querySelector('[data-field="name"]');
}

// ---- 宛名統合 --------------------------------------------------------------------

const COMPARE = [
  ['kind_label', '種別'], ['name', '氏名・名称'], ['name_kana', 'フリガナ'], ['kyuuji', '旧氏'], ['tsusho', '通称'],
  ['birth', '生年月日'], ['sex', '性別'], ['postcode', '郵便番号'], ['address', '住所・所在地'], ['katagaki', '方書'],
  ['kojin_bango', '個人番号'], ['corp_number', '法人番号'], ['representative', '代表者'], ['register_status', '住民の状態'],
];

function compareValue(r, key) {
  if (key === 'birth') return birthShown(r);
  if (key === 'sex') return r.kind === 'corporation' ? '' : SEX_LABELS[r.sex] ?? '';
  if (key === 'postcode') return postcodeText(r.postcode);
  if (key === 'register_status') return r.register_status ? (r.register_status === 'removed' ? '除票' : '住民') : '';
  return r[key] ?? '';
}

export async function mergeScreen(ctx) {
  ctx.setTitle('宛名統合');
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const absorbedField = field({ name: 'absorbed', label: '統合される宛名番号（なくなる方）', required: true, maxlength: 15, inputmode: 'numeric', value: ctx.params.absorbed ?? '', hint: '重複して登録された住登外者・法人の宛名番号' });
  const survivorField = field({ name: 'survivor', label: '残す宛名番号', required: true, maxlength: 15, inputmode: 'numeric', hint: '住民と統合するときは、住民の宛名番号を残します' });
  const numbers = [absorbedField.input, survivorField.input];
  for (const input of numbers) input.addEventListener('input', () => { confirmHost.hidden = true; });
  const pick = h('form', { class: 'form', novalidate: true, 'aria-label': '統合する宛名番号' },
    errorBox,
    h('div', { class: 'fields grid' }, absorbedField, survivorField),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, '両方の記録を確認する')));

  const reasonField = field({ name: 'reason', label: '統合の理由', required: true, maxlength: 200, wide: true, hint: '例：同一人の二重登録（生年月日・住所で確認）' });
  const confirmError = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const compareHost = h('div', { class: 'compare-host' });
  const confirm = h('form', { class: 'form merge-confirm', novalidate: true, 'aria-label': '統合の確認' },
    h('h2', { text: '統合の確認', tabindex: '-1' }),
    compareHost,
    confirmError,
    h('div', { class: 'fields grid' }, reasonField),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button danger' }, 'この2つを統合する'),
      h('button', { type: 'button', class: 'button', on: { click: () => { confirmHost.hidden = true; absorbedField.input.focus(); } } }, 'やめる')));
  const confirmHost = h('div', { class: 'panel confirm-host', hidden: true }, confirm);
  let pair = null;

  pick.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errorBox.hidden = true;
    const bad = checkAll(pick);
    const [a, s] = numbers.map((i) => foldNumber(i.value));
    for (const [i, v] of [[numbers[0], a], [numbers[1], s]]) {
      if (v && !/^[0-9]{1,15}$/.test(v)) { setFieldError(i, '宛名番号は数字で入力してください。'); }
    }
    if (!bad && a && a === s) setFieldError(numbers[1], '同じ宛名番号どうしは統合できません。');
    const wrong = numbers.find((i) => i.getAttribute('aria-invalid') === 'true');
    if (bad || wrong) {
      errorBox.textContent = '入力内容を確認してください。';
      errorBox.hidden = false;
      (bad ?? wrong).focus();
      return;
    }
    let x, y;
    try {
      [x, y] = await Promise.all([api.get(`/addressees/${a}`), api.get(`/addressees/${s}`)]);
    } catch (err) {
      if (err.status === 401) return;
      errorBox.textContent = err.status === 404 ? '入力した宛名番号の記録が見つかりません。番号を確認してください。' : errorMessage(err);
      errorBox.hidden = false;
      numbers[0].focus();
      return;
    }
    if (!ctx.alive()) return;
    pair = { a, s };
    const already = x.requested !== x.atena || y.requested !== y.atena;
    clear(compareHost).append(...[
      already ? h('p', { class: 'panel panel-info', text: 'どちらかの宛名番号は、すでにほかの宛名番号に統合されています。統合はできません（先に統合を確認してください）。' }) : null,
      h('div', { class: 'table-scroll' }, h('table', { class: 'data-table compare-table' },
        h('caption', { text: '2つの記録（異なる項目に「相違」と表示）' }),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: '項目' }),
          h('th', { scope: 'col' }, `統合される：`, h('span', { class: 'mono', text: a })),
          h('th', { scope: 'col' }, `残す：`, h('span', { class: 'mono', text: s })),
          h('th', { scope: 'col', text: '' }))),
        h('tbody', {}, COMPARE.map(([key, label]) => {
          const p = compareValue(x, key);
          const q = compareValue(y, key);
          if (!p && !q) return null;
          return h('tr', { dataset: { item: key } },
            h('th', { scope: 'row', text: label }), h('td', { text: p }), h('td', { text: q }),
            h('td', {}, p !== q ? h('span', { class: 'status status-warn', text: '相違' }) : null));
        })))),
      h('p', { class: 'hint', text: `統合すると、宛名番号 ${a} への参照はすべて ${s} に読み替えられます。${a} の記録は履歴として残り、統合はあとで取り消せます。` }),
    ].filter(Boolean));
    confirmHost.hidden = false;
    confirm.querySelector('h2').focus();
  });

  confirm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    confirmError.hidden = true;
    clearFieldErrors(confirm);
    const msg = checkField(reasonField.input);
    if (msg) {
      setFieldError(reasonField.input, msg);
      reasonField.input.focus();
      return;
    }
    try {
      const m = await api.post('/addressee-merges', { absorbed: pair.a, survivor: pair.s, reason: reasonField.input.value.trim() });
      if (!ctx.alive()) return;
      ctx.navigate(viewPath(m.survivor), `宛名番号 ${m.absorbed} を ${m.survivor} に統合しました（統合番号 ${m.id}）。`);
    } catch (err) {
      if (err.status === 401) return;
      confirmError.textContent = errorMessage(err, err.field === 'reason' ? '統合の理由' : '');
      confirmError.hidden = false;
      confirm.querySelector('h2').focus();
    }
  });

  ctx.root.append(
    h('p', {}, h('a', { href: '#/atena/search', class: 'back-link' }, '宛名検索へ戻る')),
    h('h1', { text: '宛名統合' }),
    h('p', { class: 'lead', text: '同じ人・同じ法人に2つの宛名番号があるとき、一方をもう一方に統合します（町外から転入した住登外者は、住民の宛名番号に統合します）。統合は取り消せます。統合と取消しは監査ログに記録されます。' }),
    h('div', { class: 'panel' }, pick),
    confirmHost);
  return ctx.params.absorbed ? survivorField.input : absorbedField.input;
}
