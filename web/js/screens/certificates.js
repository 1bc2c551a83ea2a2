// certificates.js — 証明書交付: 住民票の写し, 除票の写し and 住民票記載事項証明書
// at the counter (住民課 窓口), and the 交付履歴.
//
//   #/residents/certificates                     交付: find the person
//   #/residents/certificates/person/{atena}      交付 for a person (from 個人照会)
//   #/residents/certificates/household/{setai}   交付 for a household (from 世帯照会)
//   #/residents/certificates/history             the town's 交付履歴, newest first
//   #/residents/certificates/{id}                one 交付履歴 entry
//
// The clerk chooses the person and the household members to include, the
// kind, form and 基準日, who asks (本人・同一世帯, 第三者, 公用) and the items
// shown on request, and presses プレビュー: the server's 見本 (nothing
// recorded) is shown in the page. 交付 sends exactly what was previewed; the
// answer is the certificate itself, shown in the page with its 証明書番号, to
// print or save. Any change after the preview asks for a new one, and a
// certificate is issued once per preview (each is numbered and recorded).
//
// PDFs come back from POSTs (the CSRF token is a header), so they are shown
// through blob: URLs in an <iframe>; the page's CSP allows exactly that
// (frame-src blob:, src/http/static_files.c). The URLs are revoked when the
// screen goes away.
//
// A third party (住民基本台帳法第12条の3) is never offered 個人番号 or
// 住民票コード; should the server refuse one anyway, the refusal is shown in
// their place. Every server error that names a field is shown at that field.

import { api } from '../api.js';
import { h, clear, formatDateTime, uid } from '../dom.js';
import { errorMessage } from '../messages.js';
import { parseDate, todayJapan, formatBoth, formatWareki } from '../wareki.js';
import {
  field, checkField, setFieldError, clearFieldErrors, labelOf,
  birthText, statusBadge, foldNumber, personPath, householdPath, postcodeText,
} from './residents_common.js';

export const CERTIFICATES_PATHS = { 'residents.certificates': '/residents/certificates' };

const ITEM_ID = 'residents.certificates';
const BASE = '/residents/certificates';
export const certificatePersonPath = (atena) => `${BASE}/person/${atena}`;
export const certificateHouseholdPath = (setai) => `${BASE}/household/${setai}`;
const entryPath = (id) => `${BASE}/${id}`;

export function certificatesRoutes() {
  return [
    { re: /^\/residents\/certificates$/, item: ITEM_ID, screen: issueScreen },
    { re: /^\/residents\/certificates\/person\/([0-9]{1,15})$/, item: ITEM_ID, screen: issueScreen, params: ['atena'] },
    { re: /^\/residents\/certificates\/household\/([0-9]{1,15})$/, item: ITEM_ID, screen: issueScreen, params: ['setai'] },
    { re: /^\/residents\/certificates\/history$/, item: ITEM_ID, screen: townHistoryScreen },
    { re: /^\/residents\/certificates\/([1-9][0-9]{0,17})$/, item: ITEM_ID, screen: entryScreen, params: ['id'] },
  ];
}

// ---- what can be asked for (docs/certificates.md) -------------------------------------

const KINDS = [
  { code: 'juminhyo', label: '住民票の写し', hint: '基準日の住民票を写します。' },
  { code: 'kisai_jiko', label: '住民票記載事項証明書', hint: '選んだ項目だけを証明します（氏名は必ず記載）。' },
  { code: 'johyo', label: '除票の写し', hint: '消除された方（転出・死亡など）の記録を写します。個人票だけです。' },
];
const KIND_LABEL = Object.fromEntries(KINDS.map((k) => [k.code, k.label]));

const FORMS = [
  { code: 'setai', label: '世帯連記式', hint: '1つの世帯の方を1枚に4人まで並べます。' },
  { code: 'kojin', label: '個人票', hint: '1人1枚です。' },
];

const REQUESTERS = [
  { code: 'honnin', label: '本人・同一世帯', law: '住民基本台帳法第12条' },
  { code: 'daisansha', label: '第三者', law: '住民基本台帳法第12条の3' },
  { code: 'koyo', label: '公用（国・地方公共団体の機関）', law: '住民基本台帳法第12条の2' },
];
const REQUESTER_LABEL = Object.fromEntries(REQUESTERS.map((r) => [r.code, r.label]));

// Items a 写し always shows (for the clerk's information).
const ALWAYS = '氏名（フリガナ・旧氏・通称）、生年月日、性別、住所、住民となった年月日、住所を定めた年月日と届出の年月日、転入前住所、国籍・地域（外国人住民）';

// The items, as the API names them. who: a anyone, j 日本人住民, f 外国人住民.
// option: shown on a 写し only on request; never3: never to a third party.
const ITEMS = [
  { code: 'birth', label: '生年月日', who: 'a' },
  { code: 'sex', label: '性別', who: 'a' },
  { code: 'address', label: '住所', who: 'a' },
  { code: 'became_resident', label: '住民となった年月日', who: 'a' },
  { code: 'address_fixed', label: '住所を定めた年月日', who: 'a' },
  { code: 'prev_address', label: '転入前住所', who: 'a' },
  { code: 'nationality', label: '国籍・地域', who: 'f' },
  { code: 'setainushi', label: '世帯主・続柄', who: 'a', option: true },
  { code: 'honseki', label: '本籍・筆頭者', who: 'j', option: true },
  { code: 'kojin_bango', label: '個人番号', who: 'a', option: true, never3: true },
  { code: 'jumin_code', label: '住民票コード', who: 'a', option: true, never3: true },
  { code: 'zairyu', label: '在留資格等（法第30条の45の区分・在留資格・在留期間・満了の日・在留カード等の番号）', who: 'f', option: true },
];
const ITEM_LABEL = { shimei: '氏名', removal: '消除事由・転出先', ...Object.fromEntries(ITEMS.map((i) => [i.code, i.label])) };

// The rule shown beside each on-request item.
function ruleOf(item) {
  const who = item.who === 'j' ? '日本人住民の項目です。' : item.who === 'f' ? '外国人住民の項目です。' : '';
  if (item.never3) return `${who}請求があったときだけ記載します（住民基本台帳法第12条）。第三者の請求には記載できません（同法第12条の3）。`;
  if (item.option) return `${who}請求があったときだけ記載します（住民基本台帳法第12条）。`;
  return who;
}

const THIRD_PARTY_NOTE = '個人番号と住民票コードは、第三者の請求には記載できません（住民基本台帳法第12条の3）。';

const pad6 = (id) => String(id).padStart(6, '0');
const numberText = (id) => `第${pad6(id)}号`;

// ---- blob: URLs of PDFs, revoked when their screen is gone -------------------------------

function pdfUrls(host) {
  const urls = new Set();
  let observer = null;
  const revokeAll = () => {
    for (const u of urls) URL.revokeObjectURL(u);
    urls.clear();
    observer?.disconnect();
    observer = null;
    window.removeEventListener('hashchange', onLeave);
  };
  // Navigation replaces the screen; sign-out replaces the whole page.
  function onLeave() {
    queueMicrotask(() => { if (!host.isConnected) revokeAll(); });
  }
  return {
    make(blob) {
      const url = URL.createObjectURL(blob.type === 'application/pdf' ? blob : new Blob([blob], { type: 'application/pdf' }));
      urls.add(url);
      if (!observer) {
        observer = new MutationObserver(() => { if (!host.isConnected) revokeAll(); });
        observer.observe(document.getElementById('app') ?? document.body, { childList: true, subtree: true });
        window.addEventListener('hashchange', onLeave);
      }
      return url;
    },
    drop(url) {
      if (url && urls.delete(url)) URL.revokeObjectURL(url);
    },
  };
}

// The PDF in the page, with links to open it in a tab (to print) and to save it.
function pdfView(url, { title, filename, kind }) {
  return h('div', { class: 'pdf-view', dataset: { pdf: kind } },
    h('div', { class: 'button-row pdf-actions' },
      h('a', { href: url, target: '_blank', class: 'button', dataset: { action: 'open' } }, '新しいタブで開く（印刷）'),
      h('a', { href: url, download: filename, class: 'button', dataset: { action: 'save' } }, 'PDFを保存')),
    h('iframe', { src: url, title, class: 'pdf-frame' }));
}

// ---- 抑止 (DV等支援措置) ----------------------------------------------------------------------

// The support measure covering a record, as the person and household reads
// give it (`suppression`: person, household, until, blocks, address_masked;
// src/residents/api_residents.c), or null. The screen warns whenever one is
// among the persons chosen; the server decides whether the certificate may
// be issued (403 suppressed, shown at the person).
const protectionOf = (r) => r?.suppression ?? null;

function protectionWarning(records) {
  const covered = records.filter((r) => protectionOf(r));
  if (covered.length === 0) return null;
  const blocks = new Set(covered.flatMap((r) => protectionOf(r).blocks ?? []));
  const refused = REQUESTERS.filter((q) => blocks.has(q.code)).map((q) => q.code === 'honnin' ? '本人等' : q.label.replace(/（.*/, ''));
  const persons = covered.filter((r) => protectionOf(r).person);
  const until = persons.map((r) => protectionOf(r).until).filter(Boolean).sort()[0];
  return h('div', { class: 'panel panel-error suppression-banner cert-protection', role: 'note', dataset: { suppression: persons.length ? 'person' : 'household' } },
    h('p', {}, h('strong', { text: '支援措置' }), ' ',
      persons.length
        ? `${persons.map((r) => r.shimei).join('、')}さんは支援措置（DV等支援措置）の対象者です${until ? `（${formatBoth(until)}まで）` : ''}。`
        : '選んだ方は、支援措置の対象者と同じ世帯です。住所は対象者と同じく保護されています。'),
    refused.length ? h('p', { text: `${refused.join('・')}からの請求には交付できません。` }) : null,
    h('p', { class: 'small', text: '請求者の本人確認と請求の理由を確かめてから交付してください。交付できるかどうかはサーバーが判断し、記録します。' }));
}

// ---- finding a person ----------------------------------------------------------------------

const isKana = (s) => /^[\u3041-\u3096\u30A1-\u30FE\uFF66-\uFF9F\s・ー]+$/.test(s);

// A search box for one person: フリガナ, 氏名 or 宛名番号; Enter searches, the
// arrow keys move through the hits, Enter picks. Removed persons are found
// too (for a 除票の写し).
function personPicker({ onPick }) {
  const id = uid('cert-pick');
  const input = h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'picker-input', 'aria-describedby': `${id}-hint ${id}-msg` });
  const msg = h('p', { class: 'hint picker-msg', id: `${id}-msg`, role: 'status' });
  const results = h('ul', { class: 'picker-results', 'aria-label': '候補' });
  const buttons = () => [...results.querySelectorAll('button')];

  async function run() {
    const t = input.value.trim();
    clear(results);
    if (!t) {
      msg.textContent = 'フリガナ、氏名または宛名番号を入力してください。';
      input.focus();
      return;
    }
    const n = foldNumber(t);
    const q = /^[0-9]+$/.test(n) ? { atena: n } : isKana(t) ? { kana: t } : { name: t };
    let r;
    try {
      r = await api.get('/persons', { ...q, status: 'all', limit: 10 });
    } catch (err) {
      if (err.status !== 401) msg.textContent = errorMessage(err);
      return;
    }
    msg.textContent = r.items.length === 0 ? '見つかりませんでした。' : `${r.items.length}${r.next ? '件以上' : '件'}見つかりました。↓キーで選び、Enterキーで決めます。`;
    for (const p of r.items) {
      const supp = protectionOf(p);
      const b = h('button', { type: 'button', class: 'picker-hit', dataset: { atena: p.atena } },
        h('strong', { text: p.shimei }), ' ', h('span', { class: 'small', text: p.shimei_kana }), ' ',
        h('span', { class: 'small', text: `${p.birth ? formatBoth(p.birth) : ''}　${p.address || ''}　宛名番号 ${p.atena}` }),
        p.status === 'removed' ? [' ', statusBadge(p.status)] : null,
        supp ? [' ', h('span', { class: 'status status-warn supp-badge', text: supp.person ? '支援措置' : '支援措置（世帯）' })] : null);
      b.addEventListener('click', () => {
        clear(results);
        msg.textContent = `${p.shimei}を選びました。`;
        input.value = '';
        onPick(p);
      });
      b.addEventListener('keydown', (ev) => {
        const list = buttons();
        const i = list.indexOf(b);
        if (ev.key === 'ArrowDown') { ev.preventDefault(); list[i + 1]?.focus(); }
        if (ev.key === 'ArrowUp') { ev.preventDefault(); (list[i - 1] ?? input).focus(); }
        if (ev.key === 'Escape') { ev.preventDefault(); clear(results); input.focus(); }
      });
      results.append(h('li', {}, b));
    }
  }

  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); run(); }
    if (ev.key === 'ArrowDown' && buttons().length) { ev.preventDefault(); buttons()[0].focus(); }
  });
  const el = h('div', { class: 'picker' },
    h('label', { for: id, text: '交付を受ける方を検索' }),
    h('p', { class: 'hint', id: `${id}-hint`, text: 'フリガナ・氏名・宛名番号で検索（Enterキー）。除票の方も見つかります。' }),
    h('div', { class: 'picker-row' }, input, h('button', { type: 'button', class: 'button small', on: { click: run } }, '検索')),
    msg, results);
  return { el, input };
}

// ---- 証明書交付 ----------------------------------------------------------------------------

function radioGroup(name, legend, options, value, { hint } = {}) {
  const box = h('p', { class: 'field-error', dataset: { errorFor: name }, hidden: true });
  const choices = options.map((o) => h('label', { class: 'choice', dataset: { choice: o.code } },
    h('input', { type: 'radio', name, value: o.code, checked: o.code === value }),
    h('span', { text: o.label })));
  const el = h('fieldset', { class: 'radio-group', dataset: { group: name } },
    h('legend', { text: legend }),
    hint ? h('p', { class: 'hint', text: hint }) : null,
    h('div', { class: 'choices' }, choices),
    box);
  return {
    el,
    value: () => el.querySelector('input:checked')?.value ?? '',
    input: (code) => el.querySelector(`input[value="${code}"]`),
    set(code) { const i = el.querySelector(`input[value="${code}"]`); if (i) i.checked = true; },
    focus() { (el.querySelector('input:checked:not(:disabled)') ?? el.querySelector('input:not(:disabled)'))?.focus(); },
  };
}

async function issueScreen(ctx) {
  ctx.setTitle('証明書交付');
  const urls = pdfUrls(ctx.root);
  const today = todayJapan();

  // State: the person the request starts from, the members shown (in the
  // household's order, as of the 基準日) and those chosen.
  let person = null;
  let wanted = null; // the 宛名番号 asked for (kept when the 基準日 finds no record)
  let members = [];
  const chosen = new Set();
  let readPurpose = null; // X-Kyodo-Purpose for a protected person's reads
  let loadSeq = 0;
  let previewed = null; // { key, url } of the preview shown
  let busy = false;
  let lastSent = null; // the atena list of the last request (to place atena[i] errors)

  const get = (path, query) => (readPurpose ? api.getFor(readPurpose, path, query) : api.get(path, query));

  // ---- who ----
  const picker = personPicker({ onPick: (p) => choosePerson(p.atena) });
  const pickerBox = h('div', { class: 'cert-picker' }, picker.el);
  const personHost = h('div', { class: 'cert-person' });
  const membersHost = h('div', { class: 'cert-members' });
  const membersError = h('p', { class: 'field-error', dataset: { errorFor: 'members' }, hidden: true });
  const allButton = h('button', { type: 'button', class: 'button small', hidden: true, on: { click: () => { for (const m of members) chosen.add(m.atena); renderMembers(); changed(); } } }, '世帯全員');
  const onlyButton = h('button', { type: 'button', class: 'button small', hidden: true, on: { click: () => { chosen.clear(); if (person) chosen.add(person.atena); renderMembers(); changed(); } } }, '本人のみ');
  const otherButton = h('button', { type: 'button', class: 'button small subtle-link', hidden: true, on: { click: () => { pickerBox.hidden = false; picker.input.focus(); } } }, '別の方を選ぶ');
  const whoSection = h('fieldset', { class: 'group', dataset: { section: 'who' } },
    h('legend', { text: '交付を受ける方' }),
    pickerBox, personHost, membersError, membersHost,
    h('div', { class: 'button-row' }, allButton, onlyButton, otherButton));

  // ---- what ----
  const kind = radioGroup('kind', '証明書の種類', KINDS, 'juminhyo');
  const kindHint = h('p', { class: 'hint kind-hint' });
  const form = radioGroup('form', '様式', FORMS, 'setai');
  const formHint = h('p', { class: 'hint form-hint' });
  const asOfField = field({
    name: 'as_of', label: '基準日', type: 'date', required: true, value: today,
    hint: 'この日の記録を証明します（ふつうは今日）。例：R7.4.1、2025-04-01',
    validate: (v) => (v > todayJapan() ? '基準日は今日より後の日付にできません。' : null),
  });
  const whatSection = h('fieldset', { class: 'group', dataset: { section: 'what' } },
    h('legend', { text: '証明書' }),
    kind.el, kindHint, form.el, formHint,
    h('div', { class: 'fields grid' }, asOfField));

  // ---- who asks ----
  const requester = radioGroup('requester', '請求者の種別', REQUESTERS, 'honnin');
  const requesterHint = h('p', { class: 'hint requester-hint' });
  const nameField = field({ name: 'requester_name', label: '請求者の氏名・名称', maxlength: 100, hint: '来庁した方、または請求した機関・事業者（交付履歴に記録します）' });
  const purposeField = field({
    name: 'purpose', label: '利用目的', maxlength: 200, wide: true,
    hint: '第三者・公用の請求では必須です（住民基本台帳法第12条の2、第12条の3）。交付履歴に記録します。',
    requiredWhen: () => requester.value() !== 'honnin',
  });
  const purposeMark = h('span', { class: 'required', text: '必須' });
  purposeField.querySelector('label').append(purposeMark);
  const requesterSection = h('fieldset', { class: 'group', dataset: { section: 'requester' } },
    h('legend', { text: '請求者' }),
    requester.el, requesterHint,
    h('div', { class: 'fields grid' }, nameField, purposeField));

  // ---- items ----
  const itemsLead = h('p', { class: 'hint items-lead' });
  const itemsError = h('p', { class: 'field-error', dataset: { errorFor: 'options' }, hidden: true });
  const itemsHost = h('div', { class: 'cert-items' });
  const thirdNote = h('p', { class: 'third-party-note', dataset: { note: 'third-party' }, hidden: true },
    h('span', { text: THIRD_PARTY_NOTE }),
    h('span', { class: 'field-error', dataset: { errorFor: 'third-party' }, hidden: true }));
  const itemState = { options: new Set(), items: new Set() }; // what the clerk ticked
  const itemsSection = h('fieldset', { class: 'group', dataset: { section: 'items' } },
    h('legend', { text: '記載する項目' }),
    itemsLead, itemsError, itemsHost, thirdNote);

  // ---- actions ----
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true, tabindex: '-1' });
  const previewButton = h('button', { type: 'submit', class: 'button primary', dataset: { action: 'preview' } }, 'プレビュー');
  const issueButton = h('button', { type: 'button', class: 'button primary issue-button', disabled: true, dataset: { action: 'issue' } }, '交付');
  const actionHint = h('p', { class: 'hint action-hint', id: uid('cert-action'), text: 'プレビュー（見本）で内容を確かめてから交付します。' });
  issueButton.setAttribute('aria-describedby', actionHint.id);
  const formEl = h('form', { class: 'form cert-form', novalidate: true, 'aria-label': '証明書の交付' },
    errorBox, whoSection, whatSection, requesterSection, itemsSection,
    h('div', { class: 'form-actions' }, previewButton, issueButton),
    actionHint);

  const previewHost = h('section', { class: 'panel cert-preview', hidden: true, 'aria-labelledby': 'cert-preview-title' });
  const resultHost = h('div', { class: 'cert-result-host' });
  const history = historyList(ctx, { pageSize: 10, perPerson: true });
  const historySection = h('section', { class: 'cert-history', hidden: true, 'aria-labelledby': 'cert-history-title' },
    h('h2', { id: 'cert-history-title', text: '交付履歴' }), history.el);

  // ---- rendering ----

  const selectedMembers = () => members.filter((m) => chosen.has(m.atena));
  const removed = () => person?.status === 'removed';
  const isThirdParty = () => requester.value() === 'daisansha';

  function renderPerson() {
    clear(personHost);
    if (!person) return;
    const p = person;
    personHost.append(h('div', { class: 'cert-person-card', dataset: { atena: p.atena } },
      h('p', { class: 'subject-name' }, h('strong', { class: 'big-name', text: p.shimei }), ' ', h('span', { class: 'small', text: p.shimei_kana }), ' ', statusBadge(p.status)),
      h('p', { class: 'small' }, `宛名番号 ${p.atena}`, p.setai && !removed() ? `　世帯番号 ${p.setai}` : '', p.birth || p.birth_text ? `　生年月日 ${birthText(p)}` : ''),
      h('p', { class: 'small', text: p.suppression?.address_masked ? '住所：（支援措置により非表示）' : `${postcodeText(p.postcode)} ${p.address ?? ''}${p.katagaki ? ` ${p.katagaki}` : ''}` }),
      removed() ? h('p', { class: 'small', text: `${formatBoth(p.removal_date)}に消除（除票）されています。交付できるのは除票の写しです。` }) : null,
      h('p', { class: 'small' }, h('a', { href: '#' + personPath(p.atena) }, '個人照会を開く'))));
    pickerBox.hidden = true;
    otherButton.hidden = false;
  }

  function renderMembers() {
    clear(membersHost);
    const warning = protectionWarning(members);
    const several = members.length > 1;
    allButton.hidden = !several;
    onlyButton.hidden = !several;
    if (members.length === 0) return;
    if (warning) membersHost.append(warning);
    membersHost.append(
      h('p', { class: 'hint', text: several ? `世帯員（${formatBoth(asOfValue())}時点、世帯の順）から、証明書に載せる方を選びます（スペースキーで選択）。` : '証明書に載せる方：' }),
      h('ul', { class: 'member-list' }, members.map((m) => {
        const id = uid('member');
        const supp = protectionOf(m);
        const box = h('input', { type: 'checkbox', id, value: m.atena, checked: chosen.has(m.atena), dataset: { member: m.atena } });
        box.addEventListener('change', () => {
          if (box.checked) chosen.add(m.atena);
          else chosen.delete(m.atena);
          renderItems();
          changed();
        });
        return h('li', { class: ['member-row', supp ? 'attention' : null], dataset: { atena: m.atena } },
          box,
          h('label', { for: id },
            h('span', { class: 'zokugara', text: m.zokugara || '' }), ' ',
            h('strong', { text: m.shimei }), ' ',
            h('span', { class: 'small', text: `${birthText(m)}　宛名番号 ${m.atena}` }),
            supp ? [' ', h('span', { class: 'status status-warn supp-badge', text: supp.person ? '支援措置' : '支援措置（世帯）' })] : null),
          h('p', { class: 'field-error', dataset: { errorFor: `member:${m.atena}` }, hidden: true }));
      })));
  }

  function asOfValue() {
    const p = parseDate(asOfField.input.value);
    return p.iso ?? today;
  }

  // Which kinds and forms the chosen persons allow; the rules in words.
  function applyRules() {
    const isRemoved = removed();
    for (const k of KINDS) {
      const input = kind.input(k.code);
      input.disabled = !!person && (isRemoved ? k.code !== 'johyo' : k.code === 'johyo');
    }
    if (kind.input(kind.value())?.disabled) kind.set(isRemoved ? 'johyo' : 'juminhyo');
    const k = kind.value();
    kindHint.textContent = KINDS.find((x) => x.code === k)?.hint ?? '';
    form.input('setai').disabled = k === 'johyo';
    if (k === 'johyo') form.set('kojin');
    formHint.textContent = k === 'johyo' ? '除票の写しは個人票だけです。'
      : FORMS.find((x) => x.code === form.value())?.hint ?? '';

    const r = REQUESTERS.find((x) => x.code === requester.value());
    requesterHint.textContent = r ? `${r.law}による請求です。` : '';
    purposeMark.hidden = requester.value() === 'honnin';
    renderItems();
  }

  // The checkboxes of the items: the on-request options of a 写し, or every
  // item of a 記載事項証明書. A third party is not offered 個人番号 or 住民票コード.
  function renderItems() {
    const k = kind.value();
    const kisai = k === 'kisai_jiko';
    const third = isThirdParty();
    const people = selectedMembers().length ? selectedMembers() : members;
    const has = (who) => who === 'a' || people.length === 0 || people.some((m) => (who === 'f') === (m.kind === 'foreign'));
    const set = kisai ? itemState.items : itemState.options;
    const list = ITEMS.filter((i) => (kisai || i.option) && has(i.who) && !(third && i.never3));
    itemsLead.textContent = kisai
      ? '証明する項目を選びます。氏名は必ず記載します。'
      : `いつも記載する項目：${ALWAYS}。次の項目は、請求があったときだけ記載します。`;
    thirdNote.hidden = !third;
    clear(itemsHost).append(h('ul', { class: 'item-list' }, list.map((item) => {
      const id = uid('item');
      const box = h('input', { type: 'checkbox', id, value: item.code, checked: set.has(item.code), dataset: { item: item.code } });
      box.addEventListener('change', () => {
        if (box.checked) set.add(item.code);
        else set.delete(item.code);
        changed();
      });
      const rule = ruleOf(item);
      const ruleId = `${id}-rule`;
      if (rule) box.setAttribute('aria-describedby', ruleId);
      return h('li', { class: 'item-row', dataset: { item: item.code } },
        box,
        h('div', {},
          h('label', { for: id, text: item.label }),
          rule ? h('p', { class: 'hint', id: ruleId, text: rule }) : null,
          h('p', { class: 'field-error', dataset: { errorFor: `item:${item.code}` }, hidden: true })));
    })));
    // A third party never keeps a 個人番号 or 住民票コード ticked before.
    if (third) for (const i of ITEMS) if (i.never3) { itemState.options.delete(i.code); itemState.items.delete(i.code); }
  }

  // ---- loading the persons ----

  async function read(path, query) {
    try {
      return await get(path, query);
    } catch (err) {
      if (err.code === 'suppressed') return { refused: err };
      if (err.status === 404) return null;
      throw err;
    }
  }

  // Reads the person (and their household) as of the 基準日. keep: the
  // members chosen before (by 宛名番号), else just the person.
  async function load(atena, { household = null, keep = null } = {}) {
    const seq = ++loadSeq;
    const date = asOfValue();
    wanted = atena;
    clearErrors();
    let head = null;
    let list = null;
    if (household) {
      const hh = await read(`/households/${household}`, { as_of: date });
      if (seq !== loadSeq || !ctx.alive()) return;
      if (hh?.refused) return refused(hh.refused, null);
      if (!hh) return nothingOn(date, `世帯番号 ${household} には、${formatBoth(date)}時点で住民がいません。`);
      list = hh.members;
      head = list.find((m) => m.zokugara === '世帯主') ?? list[0];
      atena = head.atena;
      wanted = atena;
      keep ??= list.map((m) => m.atena);
    }
    const p = head ?? await read(`/persons/${atena}`, { as_of: date });
    if (seq !== loadSeq || !ctx.alive()) return;
    if (p?.refused) return refused(p.refused, atena);
    if (!p) return nothingOn(date, `${formatBoth(date)}の時点で、この方の記録がありません。基準日を確かめてください。`);
    person = p;
    if (!list && p.status === 'resident' && p.setai) {
      const hh = await read(`/households/${p.setai}`, { as_of: date });
      if (seq !== loadSeq || !ctx.alive()) return;
      if (hh?.refused) return refused(hh.refused, atena);
      list = hh?.members ?? [p];
    }
    members = list ?? [p];
    // The person read carries what the household read may not (the person's own view).
    members = members.map((m) => (m.atena === p.atena ? { ...m, ...p } : m));
    chosen.clear();
    for (const a of keep ?? [p.atena]) if (members.some((m) => m.atena === a)) chosen.add(a);
    if (chosen.size === 0) chosen.add(p.atena);
    renderPerson();
    renderMembers();
    applyRules();
    changed();
    history.show(p.atena, p.shimei);
    historySection.hidden = false;
    ctx.setTitle(`証明書交付：${p.shimei}`);
  }

  function nothingOn(date, message) {
    person = null;
    members = [];
    chosen.clear();
    clear(personHost);
    clear(membersHost);
    setFieldError(asOfField.input, message);
    pickerBox.hidden = false;
    otherButton.hidden = true;
    allButton.hidden = true;
    onlyButton.hidden = true;
    changed();
  }

  // 抑止: the register refused to show a protected person. A role that may
  // look them up does so for one of the measure's purposes; the request of
  // a certificate is the person's own (本人からの申出・請求).
  function refused(err, atena) {
    person = null;
    members = [];
    chosen.clear();
    clear(membersHost);
    const retry = err.field === 'X-Kyodo-Purpose' && !readPurpose
      ? h('button', { type: 'button', class: 'button small', on: { click: () => retryAsOwn(atena) } }, '本人等からの請求として照会する')
      : null;
    clear(personHost).append(h('div', { class: 'panel panel-error suppression-banner', role: 'note', dataset: { suppression: 'gate' } },
      h('p', {}, h('strong', { text: '支援措置' }), ' ', errorMessage(err)),
      h('p', { class: 'small', text: err.field === 'X-Kyodo-Purpose'
        ? '本人または同一世帯の方からの請求のときだけ、照会の目的を「本人からの申出・請求」として表示できます。照会は監査ログに記録されます。'
        : '住民記録責任者に引き継いでください。この照会の試みは監査ログに記録されています。' }),
      retry ? h('div', { class: 'button-row' }, retry) : null));
    pickerBox.hidden = false;
    changed();
    retry?.focus();
  }

  async function retryAsOwn(atena) {
    readPurpose = '本人からの申出・請求';
    try {
      await load(atena, { household: !atena ? ctx.params.setai ?? null : null });
    } catch (err) {
      if (err.status !== 401) showError(errorMessage(err));
      return;
    }
    if (person) kind.focus();
  }

  async function choosePerson(atena) {
    readPurpose = null;
    try {
      await load(atena);
    } catch (err) {
      if (err.status !== 401) showError(errorMessage(err));
      return;
    }
    if (person) kind.focus();
  }

  // ---- the request ----

  function body() {
    if (!person || chosen.size === 0) return null;
    const k = kind.value();
    // As typed (a date not yet valid makes a request that matches no preview).
    const typed = asOfField.input.value.trim();
    const asOf = parseDate(typed).iso ?? typed;
    const b = { kind: k, form: form.value(), atena: selectedMembers().map((m) => m.atena), as_of: asOf, requester: requester.value() };
    const name = nameField.input.value.trim();
    const purpose = purposeField.input.value.trim();
    if (name) b.requester_name = name;
    if (purpose) b.purpose = purpose;
    const shown = new Set([...itemsHost.querySelectorAll('input[data-item]:checked')].map((i) => i.value));
    if (k === 'kisai_jiko') b.items = [...shown];
    else if (shown.size) b.options = Object.fromEntries([...shown].map((c) => [c, true]));
    return b;
  }

  // After any change: a preview that no longer matches cannot be issued.
  function changed() {
    const b = body();
    const current = !!previewed && !!b && JSON.stringify(b) === previewed.key;
    issueButton.disabled = !current || busy;
    previewHost.classList.toggle('stale', !!previewed && !current);
    const note = previewHost.querySelector('.stale-note');
    if (note) note.hidden = !previewed || current;
    actionHint.textContent = current ? 'プレビューの内容で交付します。交付すると証明書番号が付き、交付履歴に記録されます。'
      : previewed ? '入力が変わりました。もう一度プレビューしてから交付します。'
        : 'プレビュー（見本）で内容を確かめてから交付します。';
  }

  function clearErrors() {
    clearFieldErrors(formEl);
    errorBox.hidden = true;
    errorBox.textContent = '';
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function boxError(key, message) {
    const box = formEl.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
    if (!box || box.parentElement.closest('[hidden]')) return null;
    box.textContent = message;
    box.hidden = false;
    return box;
  }

  // The page's own checks; false (with the first problem focused) if any fail.
  function validate() {
    clearErrors();
    const bad = [];
    for (const f of [asOfField, nameField, purposeField]) {
      const msg = checkField(f.input);
      if (msg) { setFieldError(f.input, msg); bad.push(f.input); }
    }
    if (!person) {
      boxError('members', '交付を受ける方を選んでください。');
      bad.unshift(picker.input);
    } else if (chosen.size === 0) {
      boxError('members', '証明書に載せる方を1人以上選んでください。');
      bad.unshift(membersHost.querySelector('input') ?? picker.input);
    }
    if (bad.length) {
      showError(`入力内容を確認してください（${bad.length}か所）。`);
      pickerBox.hidden = !!person;
      bad[0].focus();
      return false;
    }
    return true;
  }

  // Shows a server error where its field is.
  function showApiError(err) {
    const f = err.field || '';
    const sent = lastSent ?? [];
    let target = null;
    let m;
    const message = (label) => errorMessage(err, label);
    if (f === 'as_of' || f === 'requester_name' || f === 'purpose') {
      const input = { as_of: asOfField, requester_name: nameField, purpose: purposeField }[f].input;
      setFieldError(input, message(labelOf(input)));
      target = input;
    } else if ((m = /^atena\[(\d+)\]$/.exec(f)) && sent[Number(m[1])]) {
      const atena = sent[Number(m[1])];
      const member = members.find((x) => x.atena === atena);
      if (boxError(`member:${atena}`, message(member?.shimei ?? ''))) target = membersHost.querySelector(`input[data-member="${atena}"]`);
    } else if (f === 'atena' || f === 'setai') {
      if (boxError('members', message('交付を受ける方'))) target = membersHost.querySelector('input') ?? picker.input;
    } else if ((m = /^(options|items)\.([a-z_]+)$/.exec(f))) {
      const item = ITEMS.find((i) => i.code === m[2]);
      const label = item?.label ?? m[2];
      if (boxError(`item:${m[2]}`, message(label))) target = itemsHost.querySelector(`input[data-item="${m[2]}"]`);
      else if (item?.never3 && boxError('third-party', message(label))) target = requester.input('daisansha');
    } else if (/^(options|items)(\[\d+\])?$/.test(f)) {
      if (boxError('options', message('記載する項目'))) target = itemsHost.querySelector('input') ?? requester.input('honnin');
    } else if (f === 'kind' || f === 'form' || f === 'requester') {
      const group = { kind, form, requester }[f];
      if (boxError(f, message(group.el.querySelector('legend').textContent))) target = group.el.querySelector('input:checked') ?? group.el.querySelector('input');
    }
    if (target) {
      showError('入力内容を確認してください。');
      target.focus();
    } else {
      showError(message(''));
      errorBox.focus();
    }
  }

  // ---- preview and issue ----

  async function preview() {
    if (busy || !validate()) return;
    const b = body();
    busy = true;
    previewButton.disabled = true;
    formEl.setAttribute('aria-busy', 'true');
    lastSent = b.atena;
    try {
      const r = await api.postFile('/certificates/preview', b);
      if (!ctx.alive()) return;
      if (previewed) urls.drop(previewed.url);
      const url = urls.make(r.blob);
      previewed = { key: JSON.stringify(b), url };
      clear(previewHost).append(
        h('h2', { id: 'cert-preview-title', text: `プレビュー（見本）：${KIND_LABEL[b.kind]}（${b.form === 'setai' ? '世帯連記式' : '個人票'}）` }),
        h('p', { class: 'hint', text: '「見本」と印字され、証明書番号と認証文のない見本です。交付履歴には記録されません。' }),
        h('p', { class: 'stale-note', hidden: true, text: '入力が変わりました。この見本は交付する内容と異なります。もう一度プレビューしてください。' }),
        pdfView(url, { title: 'プレビュー（見本）のPDF', filename: r.filename, kind: 'preview' }));
      previewHost.hidden = false;
      clear(resultHost);
      ctx.flash('プレビュー（見本）を表示しました。内容を確かめて「交付」を押してください。', 'info');
    } catch (err) {
      if (err?.name !== 'ApiError') {
        console.error(err);
        showError('画面の処理でエラーが発生しました。画面を再読み込みしてください。');
      } else if (err.status !== 401) {
        showApiError(err);
      }
      return;
    } finally {
      busy = false;
      previewButton.disabled = false;
      formEl.removeAttribute('aria-busy');
      changed();
    }
    // The buttons at the top of the window, the 見本 below them.
    formEl.querySelector('.form-actions').scrollIntoView({ block: 'start' });
    issueButton.focus({ preventScroll: true });
  }

  async function issue() {
    const b = body();
    if (busy || !previewed || !b || JSON.stringify(b) !== previewed.key) return;
    clearErrors();
    busy = true;
    issueButton.disabled = true;
    previewButton.disabled = true;
    formEl.setAttribute('aria-busy', 'true');
    lastSent = b.atena;
    let r;
    try {
      r = await api.postFile('/certificates', b);
    } catch (err) {
      busy = false;
      previewButton.disabled = false;
      formEl.removeAttribute('aria-busy');
      changed();
      if (err?.name !== 'ApiError') {
        console.error(err);
        showError('画面の処理でエラーが発生しました。画面を再読み込みしてください。');
      } else if (err.status !== 401) {
        showApiError(err);
      }
      return;
    }
    busy = false;
    previewButton.disabled = false;
    formEl.removeAttribute('aria-busy');
    if (!ctx.alive()) return;
    const id = Number((r.location || '').split('/').pop());
    const number = numberText(id);
    // The preview is spent: the next certificate needs its own.
    urls.drop(previewed.url);
    previewed = null;
    clear(previewHost);
    previewHost.hidden = true;
    changed();
    const url = urls.make(r.blob);
    const names = selectedMembers().map((m) => m.shimei).join('、');
    const panel = h('section', { class: 'panel panel-ok cert-result', tabindex: '-1', dataset: { id: String(id) }, 'aria-labelledby': 'cert-result-title' },
      h('h2', { id: 'cert-result-title' }, `${KIND_LABEL[b.kind]}を交付しました　`, h('span', { class: 'cert-number', text: number })),
      h('p', { text: `証明書番号 ${number}（${b.form === 'setai' ? '世帯連記式' : '個人票'}、${names}、基準日 ${formatBoth(b.as_of)}、請求者：${REQUESTER_LABEL[b.requester]}${b.requester_name ? ` ${b.requester_name}` : ''}）。交付したことは交付履歴と監査ログに記録されています。` }),
      h('p', {}, h('a', { href: '#' + entryPath(id), dataset: { link: 'entry' } }, `交付履歴 ${number} を表示`)),
      pdfView(url, { title: `証明書 ${number} のPDF`, filename: r.filename, kind: 'issued' }));
    clear(resultHost).append(panel);
    ctx.flash(`${KIND_LABEL[b.kind]} ${number} を交付しました。`, 'success');
    history.show(person.atena, person.shimei);
    panel.focus();
  }

  // ---- events ----

  formEl.addEventListener('submit', (ev) => {
    ev.preventDefault();
    preview();
  });
  issueButton.addEventListener('click', issue);
  for (const g of [kind, form]) g.el.addEventListener('change', () => { applyRules(); changed(); });
  requester.el.addEventListener('change', () => { applyRules(); changed(); });
  for (const f of [nameField, purposeField]) f.input.addEventListener('input', changed);
  // A new 基準日 reads the persons again (the household may differ then).
  let debounce = null;
  const reloadAsOf = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      const p = parseDate(asOfField.input.value);
      changed();
      if (!p.iso || !wanted || p.iso > todayJapan()) return;
      load(wanted, { keep: [...chosen] }).catch((err) => { if (err.status !== 401) showError(errorMessage(err)); });
    }, 300);
  };
  asOfField.input.addEventListener('change', reloadAsOf);
  asOfField.input.addEventListener('input', () => changed());

  ctx.root.append(
    h('h1', { text: '証明書交付' }),
    h('p', { class: 'lead', text: '住民票の写し・除票の写し・住民票記載事項証明書を交付します。プレビュー（見本）で確かめてから交付すると、証明書番号が付き、交付履歴と監査ログに記録されます。' }),
    h('p', {}, h('a', { href: `#${BASE}/history` }, '町全体の交付履歴を見る')),
    resultHost,
    formEl,
    previewHost,
    historySection);
  applyRules();
  changed();

  // Arriving from 個人照会 or 世帯照会: the persons are filled in.
  try {
    if (ctx.params.setai) await load(null, { household: ctx.params.setai });
    else if (ctx.params.atena) await load(ctx.params.atena);
  } catch (err) {
    if (err.status === 401) return null;
    showError(errorMessage(err));
  }
  if (!ctx.alive()) return null;
  if (person && members.length) return kind.el.querySelector('input:checked');
  return picker.input;
}

// ---- 交付履歴 ------------------------------------------------------------------------------

function requesterText(e) {
  return `${e.requester_label}${e.requester_name ? `（${e.requester_name}）` : ''}`;
}

function personsText(e) {
  return e.atena.length === 1 ? e.atena[0] : `${e.atena[0]} ほか${e.atena.length - 1}人`;
}

// A paginated table of 交付履歴 entries: a person's (show(atena)) or the
// town's (show(null)).
function historyList(ctx, { pageSize, perPerson }) {
  let atena = null;
  let next = null;
  let seq = 0;
  const count = h('p', { class: 'count', tabindex: '-1' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'button', hidden: true, on: { click: () => load(true) } }, 'さらに表示');
  const heads = ['証明書番号', '交付日時', '種類・様式', '基準日', perPerson ? null : '対象者（宛名番号）', '請求者', '利用目的', '枚数', '交付者'].filter(Boolean);
  const table = h('div', { class: 'table-scroll', hidden: true },
    h('table', { class: 'data-table cert-history-table' },
      h('caption', { class: 'visually-hidden', text: '交付履歴（新しい順）' }),
      h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col', text: t })))),
      tbody));

  function row(e) {
    return h('tr', { dataset: { id: String(e.id) } },
      h('td', { class: 'nowrap' }, h('a', { href: '#' + entryPath(e.id), class: 'mono' }, e.number)),
      h('td', { class: 'nowrap', text: formatDateTime(e.issued_at) }),
      h('td', { class: 'nowrap' }, h('span', { class: 'date-main', text: e.kind_label }), h('span', { class: 'date-sub', text: e.form_label })),
      h('td', { class: 'nowrap', text: formatWareki(e.as_of) }),
      perPerson ? null : h('td', { class: 'mono nowrap', text: personsText(e) }),
      h('td', { class: 'requester-cell', text: requesterText(e) }),
      h('td', { class: 'purpose-cell', text: e.purpose }),
      h('td', { class: 'num', text: String(e.sheets) }),
      h('td', { class: 'mono nowrap', text: e.user }));
  }

  async function load(append) {
    const mine = ++seq;
    more.disabled = true;
    let r;
    try {
      r = await api.get('/certificates', { atena: atena ?? '', before: append ? next : '', limit: pageSize });
    } catch (err) {
      if (err.status !== 401 && mine === seq) count.textContent = errorMessage(err);
      return;
    } finally {
      more.disabled = false;
    }
    if (!ctx.alive() || mine !== seq) return;
    if (!append) clear(tbody);
    const first = tbody.rows.length;
    for (const e of r.items) tbody.append(row(e));
    next = r.next_before ?? null;
    more.hidden = next === null;
    table.hidden = tbody.rows.length === 0;
    count.textContent = tbody.rows.length === 0 ? '交付した証明書はありません。'
      : `${tbody.rows.length}件${next === null ? '' : '（まだあります。「さらに表示」で続きを表示します）'}`;
    if (append) (tbody.rows[first]?.querySelector('a') ?? count).focus();
  }

  return {
    el: h('div', { class: 'cert-history-list' }, count, table, h('div', { class: 'button-row' }, more)),
    show(a) {
      atena = a;
      next = null;
      return load(false);
    },
  };
}

async function townHistoryScreen(ctx) {
  ctx.setTitle('交付履歴');
  const list = historyList(ctx, { pageSize: 20, perPerson: false });
  const title = h('h1', { text: '交付履歴（町全体）' });
  ctx.root.append(
    h('p', {}, h('a', { href: `#${BASE}`, class: 'back-link' }, '証明書交付へ戻る')),
    title,
    h('p', { class: 'lead', text: 'この町で交付した住民票の写し・除票の写し・住民票記載事項証明書です（新しい順）。履歴の閲覧は監査ログに記録されます。' }),
    list.el);
  await list.show(null);
  return title;
}

// ---- one entry ------------------------------------------------------------------------------

async function entryScreen(ctx) {
  const id = ctx.params.id;
  ctx.setTitle('交付履歴');
  const e = await api.get(`/certificates/${id}`);
  if (!ctx.alive()) return null;
  ctx.setTitle(`交付履歴 ${e.number}`);
  // The persons' names as of the 基準日 (each read is audited; a protected
  // person the role may not look up stays a number).
  const names = await Promise.all(e.atena.map((a) => api.get(`/persons/${a}`, { as_of: e.as_of }).then((r) => r.shimei).catch(() => '')));
  if (!ctx.alive()) return null;
  const title = h('h1', {}, '交付履歴 ', h('span', { class: 'mono', text: e.number }));
  const pair = (label, value, key) => [h('dt', { text: label }), h('dd', { dataset: key ? { item: key } : undefined }, value === '' || value == null ? h('span', { class: 'none', text: '—' }) : value)];
  const first = e.atena[0];
  ctx.root.append(
    h('p', {}, h('a', { href: `#${BASE}/history`, class: 'back-link' }, '交付履歴（町全体）へ')),
    title,
    h('div', { class: 'panel' },
      h('dl', { class: 'summary cert-entry' },
        pair('証明書番号', h('span', { class: 'mono', text: e.number }), 'number'),
        pair('交付日時', formatDateTime(e.issued_at), 'issued_at'),
        pair('交付日', formatBoth(e.issue_date), 'issue_date'),
        pair('証明書', `${e.kind_label}（${e.form_label}）`, 'kind'),
        pair('基準日', formatBoth(e.as_of), 'as_of'),
        pair('対象者', h('ul', { class: 'plain-list' }, e.atena.map((a, i) => h('li', {},
          h('a', { href: '#' + personPath(a) }, names[i] || `宛名番号 ${a}`), names[i] ? h('span', { class: 'small', text: `（宛名番号 ${a}）` }) : null))), 'persons'),
        e.setai ? pair('世帯', h('a', { href: '#' + householdPath(e.setai), class: 'mono' }, `世帯番号 ${e.setai}`), 'setai') : null,
        pair('記載した項目', e.items.map((c) => ITEM_LABEL[c] ?? c).join('、'), 'items'),
        pair('請求者の種別', e.requester_label, 'requester'),
        pair('請求者', e.requester_name, 'requester_name'),
        pair('利用目的', e.purpose, 'purpose'),
        pair('枚数', `${e.sheets}枚`, 'sheets'),
        pair('交付者', h('span', { class: 'mono', text: e.user }), 'user'),
        pair('要求ID', h('span', { class: 'mono small', text: e.request_id }), 'request_id'))),
    h('p', { class: 'hint', text: '証明書そのもの（PDF）は保存していません。台帳は書き換えられないため、同じ基準日・記録時点で同じ内容を再現できます。' }),
    h('div', { class: 'button-row' },
      h('a', { class: 'button', href: '#' + certificatePersonPath(first) }, 'この方の証明書を交付する')));
  return title;
}
