// residents.js — 住民記録: the residents clerk's screens.
//
//   #/residents/search                       住民検索: criteria, results, pages
//   #/residents/person/{atena}[/{date}]      個人照会: the 住民票 as of a date
//                                            (and as then known), 個人番号 on
//                                            purpose, the history timeline
//   #/residents/household/{setai}[/{date}]   世帯照会: the members in order
//   #/residents/move[/{kind}[/{atena}]]      異動届 (screens/idou.js)
//
// Every read of a person is audited by the server; searches keep their
// criteria only in this page's memory, for the session that made them.

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { Form } from '../form.js';
import { errorMessage } from '../messages.js';
import { parseDate, todayJapan, formatBoth, instantToJapanLocal, japanLocalToInstant } from '../wareki.js';
import {
  SEX_LABELS, KIND_LABELS, birthText, dateCell, postcodeText, statusBadge, idouKinds, hasItem, foldNumber,
  personPath, householdPath,
} from './residents_common.js';
import { idouScreen } from './idou.js';
import { certificatePersonPath, certificateHouseholdPath } from './certificates.js';
import { suppressionBanner, suppressionCodes } from './suppression.js';

export const RESIDENTS_PATHS = {
  'residents.search': '/residents/search',
  'residents.move': '/residents/move',
};

const DATE = '([0-9]{4}-[0-9]{2}-[0-9]{2})';
export function residentsRoutes() {
  return [
    { re: /^\/residents\/search$/, item: 'residents.search', screen: searchScreen },
    { re: new RegExp(`^/residents/person/([0-9]{1,15})(?:/${DATE})?$`), item: 'residents.search', screen: personScreen, params: ['atena', 'date'] },
    { re: new RegExp(`^/residents/household/([0-9]{1,15})(?:/${DATE})?$`), item: 'residents.search', screen: householdScreen, params: ['setai', 'date'] },
    { re: /^\/residents\/move(?:\/([a-z_]{1,40})(?:\/([0-9]{1,15}))?)?$/, item: 'residents.move', screen: idouScreen, params: ['kind', 'atena'] },
  ];
}


// ---- 住民検索 ---------------------------------------------------------------------

const PAGE = 20;
// The last search, to show it again when the clerk comes back from a person;
// only for the session that made it.
let lastSearch = null;
const sessionKey = (me) => `${me.tenant.code}/${me.user.id}/${me.session?.expires_at ?? ''}`;

const STATUS_OPTIONS = [
  { value: 'resident', label: '住民' },
  { value: 'removed', label: '除票' },
  { value: 'all', label: 'すべて（住民と除票）' },
];

export async function searchScreen(ctx) {
  ctx.setTitle('住民検索');
  let query = null;
  let next = null;
  let shown = 0;

  const form = new Form({
    legend: '検索条件',
    submitLabel: '検索する',
    class: 'grid-form filter-form',
    ariaLabel: '住民の検索',
    fields: [
      { name: 'kana', label: 'フリガナ', maxlength: 100, hint: 'ひらがな・カタカナ。先頭の一部でも（例：やまだ）' },
      { name: 'name', label: '氏名', maxlength: 100, hint: '先頭の一部でも（例：山田）' },
      {
        name: 'birth', label: '生年月日', maxlength: 20, inputClass: 'code-input', hint: '例：S55.5.5、1980-05-05',
        validate: (v) => (v ? parseDate(v).error ?? null : null),
      },
      { name: 'atena', label: '宛名番号', maxlength: 15, inputmode: 'numeric', inputClass: 'code-input', validate: (v) => (v && !/^[0-9]+$/.test(foldNumber(v)) ? '宛名番号は数字で入力してください。' : null) },
      { name: 'jumin_code', label: '住民票コード', maxlength: 13, inputmode: 'numeric', inputClass: 'code-input', validate: (v) => (v && !/^[0-9]{11}$/.test(foldNumber(v)) ? '住民票コードは11桁の数字で入力してください。' : null) },
      { name: 'status', label: '対象', type: 'select', options: STATUS_OPTIONS, value: 'resident' },
    ],
    secondary: h('button', { type: 'button', class: 'button', on: { click: clearAll } }, '条件をクリア'),
    async onSubmit(v, f) {
      const q = {
        kana: v.kana, name: v.name, birth: v.birth ? parseDate(v.birth).iso : '',
        atena: foldNumber(v.atena), jumin_code: foldNumber(v.jumin_code), status: v.status,
      };
      if (!q.kana && !q.name && !q.birth && !q.atena && !q.jumin_code) {
        f.setError('フリガナ、氏名、生年月日、宛名番号、住民票コードのいずれかを入力してください。');
        f.input('kana').focus();
        return;
      }
      if (q.kana && q.name) {
        f.setFieldError('name', 'フリガナと氏名は、どちらか一方で検索してください。');
        f.setError('入力内容を確認してください。');
        f.input('name').focus();
        return;
      }
      await search(q, true);
    },
  });

  const count = h('p', { class: 'count', tabindex: '-1' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'button', hidden: true, on: { click: loadMore } }, 'さらに表示');
  const scroller = h('div', { class: 'table-scroll', hidden: true },
    h('table', { class: 'data-table results-table', 'aria-describedby': 'results-howto' },
      h('caption', { class: 'visually-hidden', text: '検索結果' }),
      h('thead', {}, h('tr', {}, ['宛名番号', '氏名', 'フリガナ', '生年月日', '住所', '状態'].map((t) => h('th', { scope: 'col', text: t })))),
      tbody));
  const howto = h('p', { id: 'results-howto', class: 'hint', hidden: true, text: '↑↓キーで行を選び、Enterキーで個人照会を開きます。' });
  const suppNote = h('div', { class: 'panel panel-error suppression-banner', role: 'note', hidden: true },
    h('p', {}, h('strong', { text: '支援措置' }), ' 検索結果に支援措置（DV等支援措置）の対象者またはその世帯の方が含まれています（「支援措置」の印の行）。住民票の写し等の交付や閲覧の制限に注意してください。'));

  function open(atena) {
    ctx.navigate(personPath(atena));
  }

  function rowKeys(ev) {
    const tr = ev.currentTarget;
    const rows = [...tbody.rows];
    const i = rows.indexOf(tr);
    let to = null;
    if (ev.key === 'ArrowDown') to = rows[i + 1];
    else if (ev.key === 'ArrowUp') to = rows[i - 1];
    else if (ev.key === 'Home') to = rows[0];
    else if (ev.key === 'End') to = rows[rows.length - 1];
    else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      open(tr.dataset.atena);
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

  function row(p) {
    // 支援措置: the row carries the warning; the address may be withheld.
    const supp = p.suppression;
    return h('tr', {
      tabindex: '-1', class: ['result-row', p.status === 'removed' ? 'removed' : null, supp ? 'attention' : null],
      dataset: { atena: p.atena, suppression: supp ? (supp.person ? 'person' : 'household') : undefined },
      on: { keydown: rowKeys, click: (ev) => { if (!ev.target.closest('a')) open(p.atena); } },
    },
    h('td', { class: 'mono', text: p.atena }),
    h('td', { class: 'name-cell' }, h('a', { href: '#' + personPath(p.atena), tabindex: '-1', text: p.shimei })),
    h('td', { text: p.shimei_kana }),
    h('td', { class: 'nowrap' }, dateCell(p.birth)),
    supp?.address_masked ? h('td', {}, h('span', { class: 'none', text: '（支援措置により非表示）' })) : h('td', { text: p.address }),
    h('td', {}, statusBadge(p.status),
      supp ? [' ', h('span', { class: 'status status-warn supp-badge', title: supp.person ? '支援措置の対象者' : '支援措置の対象者と同じ世帯',
        text: supp.person ? '支援措置' : '支援措置（世帯）' })] : null));
  }

  function show(r, append) {
    if (!append) {
      clear(tbody);
      shown = 0;
    }
    const first = tbody.rows.length;
    for (const p of r.items) tbody.append(row(p));
    shown += r.items.length;
    suppNote.hidden = !tbody.querySelector('tr[data-suppression]');
    next = r.next ?? null;
    more.hidden = next === null;
    scroller.hidden = shown === 0;
    howto.hidden = shown === 0;
    count.textContent = shown === 0 ? '条件に合う住民は見つかりませんでした。'
      : `${shown}件${next === null ? '' : '（まだあります。「さらに表示」で続きを表示します）'}`;
    if (tbody.rows.length) tbody.rows[Math.min(first, tbody.rows.length - 1)].tabIndex = 0;
    return tbody.rows[first] ?? null;
  }

  async function search(q, focusResults) {
    query = q;
    const r = await api.get('/persons', { ...q, limit: PAGE });
    if (!ctx.alive()) return;
    lastSearch = { owner: sessionKey(ctx.me), query: q };
    const firstRow = show(r, false);
    ctx.flash(shown === 0 ? '条件に合う住民は見つかりませんでした。' : `${shown}件見つかりました。`, 'info');
    if (focusResults && firstRow) focusRow(firstRow);
  }

  async function loadMore() {
    if (next === null) return;
    more.disabled = true;
    try {
      const r = await api.get('/persons', { ...query, limit: PAGE, after: next });
      if (!ctx.alive()) return;
      const firstNew = show(r, true);
      if (firstNew) focusRow(firstNew);
      else count.focus();
    } catch (err) {
      if (err.status !== 401) ctx.flash(errorMessage(err), 'error');
    } finally {
      more.disabled = false;
    }
  }

  function clearAll() {
    form.reset();
    lastSearch = null;
    query = null;
    clear(tbody);
    shown = 0;
    next = null;
    more.hidden = true;
    scroller.hidden = true;
    howto.hidden = true;
    suppNote.hidden = true;
    count.textContent = '';
    form.focusFirst();
  }

  ctx.root.append(
    h('h1', { text: '住民検索' }),
    h('p', { class: 'lead', text: 'フリガナ・氏名・生年月日・宛名番号・住民票コードで住民を探します。条件は組み合わせられます（フリガナと氏名はどちらか一方）。検索は監査ログに記録されます。' }),
    h('div', { class: 'panel' }, form.el),
    h('h2', { text: '検索結果' }),
    count, suppNote, howto, scroller,
    h('div', { class: 'button-row' }, more));

  // Coming back to the search: the same results again.
  if (lastSearch && lastSearch.owner === sessionKey(ctx.me)) {
    const q = lastSearch.query;
    form.setValues({ ...q, birth: q.birth || '' });
    await search(q, false);
  } else {
    lastSearch = null;
  }
  return form.input('kana');
}

// ---- 個人照会 ---------------------------------------------------------------------

const PURPOSES = ['本人確認', '住民票の写し等の交付', '個人番号カードの交付', '社会保障の手続', '税の手続', '災害対策'];

// One group of a 住民票: a heading and its items ([label, value] with value
// a string or nodes; items whose value is null are left out).
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

const dateOrEmpty = (iso) => (iso ? formatBoth(iso) : '');

export async function personScreen(ctx) {
  const atena = ctx.params.atena;
  ctx.setTitle('個人照会');
  let asOf = ctx.params.date || todayJapan();
  let knownAt = null; // an instant, or null: as known now
  let current = null; // the record shown
  let history = null;
  let kinds = [];
  let loadSeq = 0;
  // 支援措置: the protected purpose stated for this person's reads (the
  // measure's; sent as X-Kyodo-Purpose), or null.
  let suppPurpose = null;
  const get = (path, query) => (suppPurpose ? api.getFor(suppPurpose, path, query) : api.get(path, query));
  let suppCodes = null;

  const title = h('h1', { text: '個人照会' });
  const asOfInput = h('input', { type: 'date', id: 'person-as-of', value: asOf, min: '1873-01-01', max: '9999-12-31', class: 'code-input' });
  const asOfPreview = h('span', { class: 'date-preview', id: 'person-as-of-preview' });
  asOfInput.setAttribute('aria-describedby', asOfPreview.id);
  const knownInput = h('input', { type: 'datetime-local', id: 'person-known-at', step: '1', class: 'code-input' });
  const knownDetails = h('details', { class: 'advanced' },
    h('summary', { text: '記録時点を指定する（詳細）' }),
    h('p', { class: 'hint', text: '指定した日時（日本時間）に記録されていた内容で表示します。訂正・取消しの前にどう記録されていたかを確かめるときに使います。' }),
    h('div', { class: 'inline-field' },
      h('label', { for: knownInput.id, text: '記録時点' }), knownInput,
      h('button', { type: 'button', class: 'button small', on: { click: () => { knownAt = null; knownInput.value = ''; load(); } } }, '現在の記録に戻す')));
  const stateLine = h('p', { class: 'record-state', role: 'status' });
  const recordHost = h('div', { class: 'record-host' }, h('p', { class: 'loading', text: '読み込んでいます…' }));
  const historyHost = h('div', { class: 'history-host' });
  const links = h('div', { class: 'button-row record-links' });

  let debounce = null;
  asOfInput.addEventListener('change', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      if (!asOfInput.value || asOfInput.value === asOf) return;
      asOf = asOfInput.value;
      load();
    }, 250);
  });
  asOfInput.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      clearTimeout(debounce);
      if (asOfInput.value) { asOf = asOfInput.value; load(); }
    }
  });
  knownInput.addEventListener('change', () => {
    const t = japanLocalToInstant(knownInput.value);
    if (!t) return;
    knownAt = t;
    load();
  });

  function showControls() {
    asOfInput.value = asOf;
    asOfPreview.textContent = formatBoth(asOf);
    knownInput.value = knownAt ? instantToJapanLocal(knownAt) : '';
    if (knownAt) knownDetails.open = true;
  }

  const controls = h('div', { class: 'panel as-of-panel' },
    h('div', { class: 'inline-field' },
      h('label', { for: asOfInput.id, text: '基準日' }), asOfInput,
      h('button', { type: 'button', class: 'button small', on: { click: () => { asOf = todayJapan(); load(); } } }, '今日'),
      asOfPreview),
    knownDetails);

  const removalLabel = (code) => kinds.find((k) => k.code === code)?.label ?? code;

  function mynumberCell(r) {
    if (!r.kojin_bango) return '';
    const value = h('span', { class: 'mono mynumber', dataset: { shown: String(!!r.kojin_bango_shown) }, text: r.kojin_bango });
    const cell = h('span', { class: 'mynumber-cell' }, value);
    if (r.kojin_bango_shown) {
      cell.append(' ', h('button', {
        type: 'button', class: 'button small',
        on: { click: () => { current = { ...current, kojin_bango: '************', kojin_bango_shown: false }; render(); recordHost.querySelector('[data-item="kojin_bango"] button')?.focus(); } },
      }, '隠す'));
      return cell;
    }
    const purposeId = 'mynumber-purpose';
    // For a protected person, the purpose must be the one the measure allows.
    const purpose = h('input', { id: purposeId, name: 'purpose', type: 'text', maxlength: 64, autocomplete: 'off', list: `${purposeId}-list`, 'aria-describedby': `${purposeId}-error`, value: suppPurpose ?? '' });
    const err = h('p', { class: 'field-error', id: `${purposeId}-error`, hidden: true });
    const ask = h('form', { class: 'purpose-form', hidden: true, novalidate: true, 'aria-label': '個人番号の表示' },
      h('label', { for: purposeId }, '利用目的', h('span', { class: 'required', text: '必須' })),
      h('p', { class: 'hint', text: '個人番号を表示した目的として監査ログに記録されます。' }),
      purpose,
      h('datalist', { id: `${purposeId}-list` }, PURPOSES.map((p) => h('option', { value: p }))),
      err,
      h('div', { class: 'button-row' },
        h('button', { type: 'submit', class: 'button primary small' }, '表示する'),
        h('button', { type: 'button', class: 'button small', on: { click: () => { ask.hidden = true; showBtn.hidden = false; showBtn.focus(); } } }, 'やめる')));
    const showBtn = h('button', {
      type: 'button', class: 'button small',
      on: { click: () => { ask.hidden = false; showBtn.hidden = true; purpose.focus(); } },
    }, '個人番号を表示');
    ask.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const why = purpose.value.trim();
      err.hidden = true;
      purpose.removeAttribute('aria-invalid');
      if (!why) {
        err.textContent = '利用目的を入力してください。';
        err.hidden = false;
        purpose.setAttribute('aria-invalid', 'true');
        purpose.focus();
        return;
      }
      try {
        const r2 = await api.getFor(why, `/persons/${atena}`, { as_of: asOf, known_at: knownAt ?? '', mynumber: 'show' });
        if (!ctx.alive()) return;
        current = r2;
        render();
        ctx.flash(`個人番号を表示しました（利用目的：${why}）。表示したことは監査ログに記録されています。`, 'info');
        recordHost.querySelector('[data-item="kojin_bango"] button')?.focus();
      } catch (e) {
        if (e.status === 401) return;
        err.textContent = errorMessage(e, '利用目的');
        err.hidden = false;
        purpose.setAttribute('aria-invalid', 'true');
        purpose.focus();
      }
    });
    cell.append(' ', showBtn, ask);
    return cell;
  }

  function render() {
    const r = current;
    const foreign = r.kind === 'foreign';
    const masked = r.suppression?.address_masked;
    const hidden = h('span', { class: 'none', text: '（支援措置により非表示）' });
    const addr = (v) => (masked ? hidden.cloneNode(true) : v);
    const removed = r.status === 'removed';
    title.textContent = `個人照会：${r.shimei}`;
    ctx.setTitle(`個人照会：${r.shimei}`);
    const dest = r.dest_address
      ? [postcodeText(r.dest_postcode), r.dest_postcode ? ' ' : '', r.dest_address, h('span', { class: 'status status-warn', text: r.dest_confirmed ? '確定' : '予定' })]
      : '';
    const groups = [
      group('状態', [
        ['状態', h('span', {}, statusBadge(r.status))],
        ['消除事由', removed ? removalLabel(r.removal) : null],
        ['消除日', removed ? dateOrEmpty(r.removal_date) : null],
        ['住民種別', KIND_LABELS[r.kind] ?? r.kind],
        ['届出日', r.todoke ? formatBoth(r.todoke) : '', 'todoke'],
      ], 'group-state'),
      group('氏名', [
        ['氏名', h('span', { class: 'big-name', text: r.shimei }), 'shimei'],
        ['フリガナ', r.shimei_kana, 'shimei_kana'],
        ['氏名（ローマ字）', foreign ? r.alpha_name : null],
        ['旧氏', foreign ? null : (r.kyuuji ? `${r.kyuuji}${r.kyuuji_kana ? `（${r.kyuuji_kana}）` : ''}` : ''), 'kyuuji'],
        ['通称', foreign ? (r.tsusho ? `${r.tsusho}${r.tsusho_kana ? `（${r.tsusho_kana}）` : ''}` : '') : null, 'tsusho'],
      ]),
      group('生年月日・性別', [
        ['生年月日', h('span', {}, birthText(r), r.birth && !r.birth_text
          ? h('span', { class: 'date-sub inline', text: foreign ? '' : `（${r.birth.replace(/-/g, '/')}）` }) : null), 'birth'],
        ['性別', SEX_LABELS[r.sex] ?? String(r.sex), 'sex'],
      ]),
      group('世帯', [
        ['世帯番号', r.setai ? h('a', { href: '#' + householdPath(r.setai, asOf), class: 'mono', dataset: { link: 'household' } }, r.setai) : '', 'setai'],
        ['続柄', r.zokugara, 'zokugara'],
      ]),
      group('住所', [
        ['郵便番号', addr(postcodeText(r.postcode)), 'postcode'],
        ['住所', addr(r.address), 'address'],
        ['方書', addr(r.katagaki), 'katagaki'],
        ['住所を定めた日', dateOrEmpty(r.address_fixed), 'address_fixed'],
        [foreign ? '外国人住民となった日' : '住民となった日', dateOrEmpty(r.became_resident), 'became_resident'],
        ['転入前住所', r.prev_address ? `${postcodeText(r.prev_postcode)}${r.prev_postcode ? ' ' : ''}${r.prev_address}` : '', 'prev_address'],
        ['転出先住所', masked && removed ? addr('') : dest || null, 'dest_address'],
      ], 'wide'),
      foreign ? null : group('本籍・筆頭者', [['本籍', r.honseki, 'honseki'], ['筆頭者', r.hittousha, 'hittousha']]),
      foreign ? group('在留', [
        ['国籍・地域', r.nationality, 'nationality'],
        ['法第30条の45の区分', r.zairyu_kubun, 'zairyu_kubun'],
        ['在留資格', r.zairyu_shikaku, 'zairyu_shikaku'],
        ['在留期間', r.zairyu_kikan, 'zairyu_kikan'],
        ['在留期間の満了の日', r.zairyu_expiry ? h('span', {}, r.zairyu_expiry.replace(/-/g, '/')) : '', 'zairyu_expiry'],
        ['在留カード等の番号', r.zairyu_card ? h('span', { class: 'mono', text: r.zairyu_card }) : '', 'zairyu_card'],
      ]) : null,
      group('番号', [
        ['宛名番号', h('span', { class: 'mono', text: r.atena })],
        ['個人番号', mynumberCell(r), 'kojin_bango'],
        ['住民票コード', r.jumin_code ? h('span', { class: 'mono', text: r.jumin_code }) : '', 'jumin_code'],
      ]),
    ];
    clear(recordHost).append(...[
      suppressionBanner(r.suppression, suppCodes),
      h('div', { class: ['record', removed ? 'record-removed' : null] }, groups)].filter(Boolean));
    const v = history?.find((x) => x.record.rireki === r.rireki);
    stateLine.textContent = `${formatBoth(asOf)}時点${knownAt ? `（${formatDateTime(knownAt)}に記録されていた内容）` : ''}の記録です。`
      + `履歴番号 ${r.rireki}${v ? `（${v.idou_label}、異動日 ${formatBoth(r.valid_from)}）` : ''}。`;
    renderLinks();
    markHistory();
  }

  function renderLinks() {
    clear(links);
    if (!current) return;
    if (current.setai) links.append(h('a', { class: 'button', href: '#' + householdPath(current.setai, asOf) }, '世帯を表示'));
    if (hasItem(ctx.me, 'residents.certificates')) {
      links.append(h('a', { class: 'button', href: '#' + certificatePersonPath(atena), dataset: { link: 'certificate' } }, '証明書交付'));
    }
    if (hasItem(ctx.me, 'residents.move')) {
      const resident = current.status === 'resident';
      const offer = resident ? [['tenkyo', '転居の届出'], ['kokunai_tenshutsu', '転出の届出'], ['shimei_henko', '氏名の変更'], ['goki_shusei', '誤記修正'], ['torikeshi', '異動の取消し']]
        : [['tenshutsu_kakutei', '転出確定'], ['goki_shusei', '誤記修正'], ['torikeshi', '異動の取消し']];
      for (const [kind, label] of offer) links.append(h('a', { class: 'button subtle-link', href: `#/residents/move/${kind}/${atena}` }, label));
    }
  }

  function notFoundHere() {
    clear(recordHost).append(h('div', { class: 'panel panel-info', dataset: { state: 'none' } },
      h('p', { text: `${formatBoth(asOf)}時点${knownAt ? `（${formatDateTime(knownAt)}の記録）` : ''}には、この方の記録はありません。` }),
      h('p', { class: 'small', text: '住民となった日より前の日付です。下の履歴から日付を選ぶか、基準日を変えてください。' })));
    stateLine.textContent = '';
    current = null;
    renderLinks();
    markHistory();
  }

  async function load() {
    const seq = ++loadSeq;
    showControls();
    try {
      const r = await get(`/persons/${atena}`, { as_of: asOf, known_at: knownAt ?? '' });
      if (!ctx.alive() || seq !== loadSeq) return;
      current = r;
      render();
    } catch (err) {
      if (!ctx.alive() || seq !== loadSeq || err.status === 401) return;
      if (err.code === 'suppressed') await gate(err);
      else if (err.status === 404 && history) notFoundHere();
      else ctx.flash(errorMessage(err), 'error');
    }
  }

  // ---- the history timeline --------------------------------------------------------

  function showVersion(v) {
    asOf = v.record.valid_from;
    // A superseded snapshot is shown as it was known just before it was
    // superseded.
    knownAt = v.superseded_at ? new Date(Date.parse(v.superseded_at) - 1).toISOString() : null;
    load();
  }

  function markHistory() {
    for (const li of historyHost.querySelectorAll('li[data-rireki]')) {
      if (current && Number(li.dataset.rireki) === current.rireki) li.setAttribute('aria-current', 'true');
      else li.removeAttribute('aria-current');
    }
  }

  function renderHistory() {
    const items = history.map((v) => {
      const r = v.record;
      const superseded = !!v.superseded_at;
      const label = h('span', { class: 'tl-label', text: v.idou_label || v.idou_kind });
      return h('li', { class: ['tl-item', superseded ? 'superseded' : null], dataset: { rireki: r.rireki, idou: r.idou_id } },
        h('button', { type: 'button', class: 'tl-button', on: { click: () => showVersion(v) }, 'aria-label': `履歴番号${r.rireki} ${v.idou_label} ${formatBoth(r.valid_from)}${superseded ? '（置換済み）' : ''}を表示` },
          h('span', { class: 'tl-no', text: `履歴${r.rireki}` }),
          superseded ? h('del', {}, label) : label,
          h('span', { class: 'tl-date' }, dateCell(r.valid_from)),
          h('span', { class: 'tl-sub' },
            `${r.shimei}　${r.address}${r.status === 'removed' ? '（除票）' : ''}`),
          h('span', { class: 'tl-recorded', text: `処理 ${formatDateTime(r.recorded_at)}` }),
          superseded ? h('span', { class: 'tl-superseded', text: `訂正・取消により置換（${formatDateTime(v.superseded_at)}）` }) : null));
    });
    clear(historyHost).append(
      h('p', { class: 'hint', text: '行を選ぶと、その異動日の時点の記録を表示します。取り消し線の行は、のちの訂正・取消しで置き換えられた記録です（置き換えの直前の記録時点で表示します）。' }),
      h('ol', { class: 'timeline' }, items));
    markHistory();
  }

  ctx.root.append(
    h('p', {}, h('a', { href: '#/residents/search', class: 'back-link' }, '住民検索へ戻る')),
    title,
    controls,
    stateLine,
    recordHost,
    links,
    h('h2', { text: '履歴' }),
    historyHost);
  showControls();

  // 支援措置: a protected person's record is refused (403 suppressed) unless
  // a role that may states one of the measure's purposes. The page says so,
  // and offers those purposes when the role may use them.
  async function gate(err) {
    let options = [];
    let measures = [];
    if (err.field === 'X-Kyodo-Purpose' && hasItem(ctx.me, 'residents.suppression')) {
      try {
        const [list, codes] = await Promise.all([api.get('/suppressions', { atena }), suppressionCodes()]);
        measures = list.items.filter((m) => m.applies);
        const allowed = new Set(measures.flatMap((m) => m.purposes));
        options = codes.purposes.filter((p) => allowed.has(p.code));
      } catch { /* the refusal below still stands */ }
    }
    if (!ctx.alive()) return;
    const select = h('select', { id: 'supp-purpose', name: 'supp_purpose' },
      options.map((o) => h('option', { value: o.label, text: o.label })));
    const form = options.length ? h('form', { class: 'purpose-form', novalidate: true, 'aria-label': '支援措置の対象者の照会' },
      h('label', { for: select.id }, '照会の目的', h('span', { class: 'required', text: '必須' })),
      h('p', { class: 'hint', text: '措置で認められた目的だけを選べます。目的は監査ログに記録されます。' }),
      select,
      h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button primary' }, 'この目的で照会する'))) : null;
    form?.addEventListener('submit', (ev) => {
      ev.preventDefault();
      suppPurpose = select.value;
      start().catch((e) => { if (e.status !== 401) ctx.flash(errorMessage(e), 'error'); });
    });
    stateLine.textContent = '';
    clear(links);
    clear(recordHost).append(h('div', { class: 'panel panel-error suppression-banner', role: 'note', dataset: { suppression: 'gate' } },
      h('p', {}, h('strong', { text: '支援措置' }), ' この方は支援措置（DV等支援措置）の対象者です。'),
      h('p', { text: err.field === 'X-Kyodo-Purpose'
        ? (suppPurpose ? `「${suppPurpose}」は、この方の措置で認められた照会の目的ではありません。` : '記録は、措置で認められた目的の照会でのみ表示されます。')
        : 'あなたの役割では、この方の記録を照会できません。住民記録責任者に依頼してください。' }),
      h('p', { class: 'small', text: 'この照会の試みは監査ログに記録されています。' }),
      measures.length ? h('p', { class: 'small' }, measures.map((m) => h('a', { href: `#/residents/suppression/${m.id}` }, `措置 第${m.id}号`))) : null,
      form));
    clear(historyHost);
    select.focus();
  }

  async function start() {
    let hist, k;
    try {
      [hist, k, suppCodes] = await Promise.all([get(`/persons/${atena}/history`), idouKinds().catch(() => []),
        hasItem(ctx.me, 'residents.suppression') ? suppressionCodes().catch(() => null) : null]);
    } catch (err) {
      if (err.code !== 'suppressed' || !ctx.alive()) throw err;
      await gate(err);
      return;
    }
    if (!ctx.alive()) return;
    history = hist.versions;
    kinds = k;
    renderHistory();
    const latest = history[history.length - 1]?.record;
    if (latest) title.textContent = `個人照会：${latest.shimei}`;
    await load();
  }
  await start();
  return title;
}

// ---- 世帯照会 ---------------------------------------------------------------------

export async function householdScreen(ctx) {
  const setai = ctx.params.setai;
  let asOf = ctx.params.date || todayJapan();
  let seq = 0;
  ctx.setTitle(`世帯照会：${setai}`);
  const title = h('h1', { text: `世帯照会：世帯番号 ${setai}` });
  const asOfInput = h('input', { type: 'date', id: 'household-as-of', value: asOf, min: '1873-01-01', max: '9999-12-31', class: 'code-input' });
  const asOfPreview = h('span', { class: 'date-preview', id: 'household-as-of-preview' });
  asOfInput.setAttribute('aria-describedby', asOfPreview.id);
  const host = h('div', { class: 'household-host' });
  // 支援措置: the protected purpose stated to see protected members in full.
  let suppPurpose = null;

  let debounce = null;
  asOfInput.addEventListener('change', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      if (asOfInput.value && asOfInput.value !== asOf) { asOf = asOfInput.value; load(); }
    }, 250);
  });

  // Protected members withheld from this view: the purposes that would show
  // them (to a role that may), as a small form.
  function purposeForm(members, codes) {
    const withheld = members.filter((m) => m.suppression?.withheld && !m.suppression.address_masked);
    if (!withheld.length || !codes) return null;
    const allowed = new Set(withheld.flatMap((m) => m.suppression.purposes));
    const options = codes.purposes.filter((p) => allowed.has(p.code));
    if (!options.length) return null;
    const select = h('select', { id: 'household-supp-purpose', name: 'supp_purpose' },
      options.map((o) => h('option', { value: o.label, text: o.label })));
    const form = h('form', { class: 'inline-field purpose-form', novalidate: true, 'aria-label': '支援措置の対象者を表示する目的' },
      h('label', { for: select.id, text: '対象者の記録を表示する目的' }), select,
      h('button', { type: 'submit', class: 'button small' }, 'この目的で表示する'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      suppPurpose = select.value;
      load();
    });
    return form;
  }

  async function load() {
    const mine = ++seq;
    asOfInput.value = asOf;
    asOfPreview.textContent = formatBoth(asOf);
    let r;
    try {
      r = suppPurpose ? await api.getFor(suppPurpose, `/households/${setai}`, { as_of: asOf })
        : await api.get(`/households/${setai}`, { as_of: asOf });
    } catch (err) {
      if (!ctx.alive() || mine !== seq || err.status === 401) return;
      if (err.status !== 404) throw err;
      clear(host).append(h('div', { class: 'panel panel-info', dataset: { state: 'none' } },
        h('p', { text: `${formatBoth(asOf)}時点で、この世帯に住民はいません。` })));
      return;
    }
    if (!ctx.alive() || mine !== seq) return;
    const head = r.members.find((m) => m.zokugara === '世帯主');
    // The household's address, from a member shown in full.
    const first = r.members.find((m) => !m.suppression?.withheld) ?? r.members[0];
    // 支援措置: the household of a protected person shares the protected address.
    const protectedMember = r.members.find((m) => m.suppression?.person) ?? r.members.find((m) => m.suppression);
    const masked = r.members.some((m) => m.suppression?.address_masked) || !!first.suppression?.withheld;
    const codes = protectedMember && hasItem(ctx.me, 'residents.suppression') ? await suppressionCodes().catch(() => null) : null;
    if (!ctx.alive() || mine !== seq) return;
    clear(host).append(...[
      protectedMember ? suppressionBanner({ ...protectedMember.suppression, withheld: false }, codes, { subject: protectedMember.suppression.person ? 'この世帯の方' : 'この世帯' }) : null,
      purposeForm(r.members, codes),
      h('div', { class: 'panel' },
        h('dl', { class: 'summary' },
          h('dt', { text: '世帯主' }), h('dd', { text: head ? head.shimei : '（世帯主の記録がありません）' }),
          h('dt', { text: '住所' }), masked ? h('dd', {}, h('span', { class: 'none', text: '（支援措置により非表示）' }))
            : h('dd', { text: `${postcodeText(first.postcode)} ${first.address}` }),
          first.katagaki && !masked ? [h('dt', { text: '方書' }), h('dd', { text: first.katagaki })] : null,
          h('dt', { text: '世帯員' }), h('dd', { text: `${r.members.length}人` }))),
      h('div', { class: 'table-scroll' },
        h('table', { class: 'data-table members-table' },
          h('caption', { class: 'visually-hidden', text: `世帯員（${formatBoth(asOf)}時点、標準の順）` }),
          h('thead', {}, h('tr', {}, ['', '続柄', '氏名', 'フリガナ', '生年月日', '性別', '宛名番号'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, r.members.map((m, i) => h('tr', { class: m.suppression?.person ? 'attention' : null, dataset: { atena: m.atena, suppression: m.suppression?.person ? 'person' : undefined } },
            h('td', { class: 'num', text: String(i + 1) }),
            h('td', { class: 'zokugara', text: m.zokugara }),
            h('td', {}, h('a', { href: '#' + personPath(m.atena, asOf) }, m.shimei),
              m.suppression?.person ? [' ', h('span', { class: 'status status-warn supp-badge', text: '支援措置' })] : null),
            h('td', { text: m.shimei_kana }),
            h('td', { class: 'nowrap', text: birthText(m) }),
            h('td', { text: SEX_LABELS[m.sex] ?? '' }),
            h('td', { class: 'mono', text: m.atena }))))))].filter(Boolean));
  }

  ctx.root.append(
    h('p', {}, h('a', { href: '#/residents/search', class: 'back-link' }, '住民検索へ戻る')),
    title,
    h('div', { class: 'panel as-of-panel' },
      h('div', { class: 'inline-field' },
        h('label', { for: asOfInput.id, text: '基準日' }), asOfInput,
        h('button', { type: 'button', class: 'button small', on: { click: () => { asOf = todayJapan(); load(); } } }, '今日'),
        asOfPreview)),
    ...(hasItem(ctx.me, 'residents.certificates') ? [h('div', { class: 'button-row record-links' },
      h('a', { class: 'button', href: '#' + certificateHouseholdPath(setai), dataset: { link: 'certificate' } }, '証明書交付（この世帯）'))] : []),
    host);
  await load();
  return title;
}
