// residents_common.js — what the 住民記録 screens share: the record's labels,
// the checks a clerk's input gets before it is sent, the 異動 kinds, and a
// small builder of labelled fields for forms whose fields come and go (the
// 異動届 form: rows of persons and subjects).
//
// Field errors are keyed by the API's names for the value ("idou_date",
// "persons[1].birth", "subjects[0].atena", "changes.postcode"), so an error
// from the server lands next to the field it names.

import { api } from '../api.js';
import { h, uid } from '../dom.js';
import { formatBoth, formatSeireki, formatWareki, parseDate } from '../wareki.js';

// ---- labels ---------------------------------------------------------------------

// 性別: JIS X 0303.
export const SEX_LABELS = { 1: '男', 2: '女', 0: '不明', 9: '適用不能' };
export const SEX_OPTIONS = [
  { value: '', label: '選択してください' },
  { value: '1', label: '男' }, { value: '2', label: '女' }, { value: '0', label: '不明' }, { value: '9', label: '適用不能' },
];

export const KIND_LABELS = { japanese: '日本人住民', foreign: '外国人住民' };

// 住民基本台帳法第30条の45の区分.
export const ZAIRYU_KUBUN = ['中長期在留者', '特別永住者', '一時庇護許可者', '仮滞在許可者',
  '経過滞在者（出生）', '経過滞在者（国籍喪失）'];

export const ZOKUGARA_SUGGESTIONS = ['世帯主', '妻', '夫', '子', '父', '母', '妻（未届）', '夫（未届）',
  '子の妻', '子の夫', '子の子', '父の父', '父の母', '母の父', '母の母', '兄', '姉', '弟', '妹', '縁故者', '同居人'];

// The 異動 kinds whose subjects each state their 続柄 after the change, and
// those that involve every member of one household (docs/residents.md; the
// kinds list of the API does not say so).
export const ZOKUGARA_KINDS = new Set(['setai_bunri', 'setai_gappei', 'setai_henko', 'setainushi_henko']);
export const WHOLE_HOUSEHOLD_KINDS = new Set(['tenkyo', 'setai_gappei', 'setainushi_henko']);
// Kinds whose subjects may already be 除票.
export const ON_REMOVED_KINDS = new Set(['tenshutsu_kakutei', 'goki_shusei', 'torikeshi']);

// Each item of the record: its label (as on a 住民票) and who may have it.
// who: a any resident, j 日本人住民 only, f 外国人住民 only.
export const RECORD_ITEMS = [
  ['shimei', '氏名', 'a'], ['shimei_kana', '氏名フリガナ', 'a'],
  ['kyuuji', '旧氏', 'a'], ['kyuuji_kana', '旧氏フリガナ', 'a'],
  ['tsusho', '通称', 'f'], ['tsusho_kana', '通称フリガナ', 'f'], ['alpha_name', '氏名（ローマ字）', 'f'],
  ['birth', '生年月日', 'a', 'date'], ['birth_text', '生年月日（不詳の表記）', 'a'], ['sex', '性別', 'a', 'sex'],
  ['zokugara', '続柄', 'a'], ['honseki', '本籍', 'j'], ['hittousha', '筆頭者', 'j'],
  ['postcode', '郵便番号', 'a', 'postcode'], ['address', '住所', 'a'], ['katagaki', '方書', 'a'],
  ['became_resident', '住民となった日', 'a', 'date'], ['address_fixed', '住所を定めた日', 'a', 'date'],
  ['prev_postcode', '転入前住所の郵便番号', 'a', 'postcode'], ['prev_address', '転入前住所', 'a'],
  ['dest_postcode', '転出先の郵便番号', 'a', 'postcode'], ['dest_address', '転出先住所', 'a'],
  ['kojin_bango', '個人番号', 'a', 'mynumber'], ['jumin_code', '住民票コード', 'a', 'jumin_code'],
  ['nationality', '国籍・地域', 'f'], ['zairyu_kubun', '法第30条の45の区分', 'f', 'kubun'],
  ['zairyu_shikaku', '在留資格', 'f'], ['zairyu_kikan', '在留期間', 'f'], ['zairyu_expiry', '在留期間の満了の日', 'f', 'date'],
  ['zairyu_card', '在留カード等の番号', 'f', 'card'],
].map(([name, label, who, type]) => ({ name, label, who, type: type || 'text' }));
export const ITEM = Object.fromEntries(RECORD_ITEMS.map((i) => [i.name, i]));

export const personPath = (atena, date) => `/residents/person/${atena}${date ? `/${date}` : ''}`;
export const householdPath = (setai, date) => `/residents/household/${setai}${date ? `/${date}` : ''}`;

export const statusLabel = (status) => (status === 'removed' ? '除票' : '住民');

export function statusBadge(status) {
  return h('span', { class: ['status', status === 'removed' ? 'status-off' : 'status-on'], text: statusLabel(status) });
}

// 生年月日 as the standard writes it: 和暦 for 日本人住民, 西暦 for 外国人住民;
// a 不詳 date shows its text.
export function birthText(r) {
  if (r.birth_text) return r.birth_text;
  return r.kind === 'foreign' ? formatSeireki(r.birth) : formatWareki(r.birth);
}

// Both calendars, in two spans (和暦 first): for tables.
export function dateCell(iso) {
  if (!iso) return [];
  const w = formatWareki(iso);
  const s = formatSeireki(iso);
  return w === s ? [h('span', { class: 'date-main', text: s })]
    : [h('span', { class: 'date-main', text: w }), h('span', { class: 'date-sub', text: s })];
}

export const postcodeText = (p) => (p && p.length === 7 ? `〒${p.slice(0, 3)}-${p.slice(3)}` : p || '');

export { formatBoth, formatWareki, formatSeireki };

// The 異動 kinds (not personal data): asked once per page.
let kindsPromise = null;
export function idouKinds() {
  kindsPromise ??= api.get('/residents/idou-kinds').then((r) => r.items).catch((err) => {
    kindsPromise = null;
    throw err;
  });
  return kindsPromise;
}

// Whether the signed-in user has a menu item (so a link to its screen works).
export function hasItem(me, id) {
  return me.menu.some((s) => s.items.some((i) => i.id === id && i.available));
}

// ---- checks -----------------------------------------------------------------------

// Full-width digits and letters to ASCII, spaces and hyphens removed: for
// numbers a clerk types in any width (377−0424, １２３).
export function foldNumber(v) {
  return String(v ?? '').normalize('NFKC').replace(/[\s\-－−ー‐]/g, '');
}

function mod11(digits) {
  let sum = 0;
  const n = digits.length;
  for (let k = 1; k <= n; k++) sum += Number(digits[n - k]) * (k <= 6 ? k + 1 : k - 5);
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

const ZOKUGARA_BASES = ['夫（未届）', '妻（未届）', '夫', '妻', '子', '父', '母', '兄', '姉', '弟', '妹'];

export const checks = {
  date(v) {
    const p = parseDate(v);
    return p.error ?? null;
  },
  postcode(v) {
    const s = foldNumber(v);
    return /^[0-9]{7}$/.test(s) ? null : '郵便番号は7桁の数字で入力してください（例：377-0424）。';
  },
  mynumber(v) {
    const s = foldNumber(v);
    if (!/^[0-9]{12}$/.test(s)) return '個人番号は12桁の数字で入力してください。';
    if (mod11(s.slice(0, 11)) !== Number(s[11])) return '個人番号の検査数字（12桁目）が正しくありません。';
    return null;
  },
  jumin_code(v) {
    const s = foldNumber(v);
    if (!/^[0-9]{11}$/.test(s)) return '住民票コードは11桁の数字で入力してください。';
    if (mod11(s.slice(0, 10)) !== Number(s[10])) return '住民票コードの検査数字（11桁目）が正しくありません。';
    return null;
  },
  card(v) {
    const s = foldNumber(v).toUpperCase();
    return /^[A-Z]{2}[0-9]{8}[A-Z]{2}$/.test(s) ? null : '在留カード等の番号は、英字2文字・数字8桁・英字2文字（例：AB12345678CD）で入力してください。';
  },
  // A reading: katakana or hiragana (full or half width), ー, ・ and spaces.
  kana(v) {
    const s = v.normalize('NFKC');
    return /^[\u3041-\u3096\u309D\u309E\u30A1-\u30FE\u31F0-\u31FF\u3000 ・ー]+$/.test(s)
      ? null : 'フリガナはカタカナまたはひらがなで入力してください。';
  },
  // 続柄 (RR §5): 世帯主, 縁故者, 同居人, or up to four relations joined by の.
  zokugara(v) {
    if (['世帯主', '縁故者', '同居人'].includes(v)) return null;
    let rest = v;
    let n = 0;
    for (;;) {
      const base = ZOKUGARA_BASES.find((b) => rest.startsWith(b));
      if (!base) break;
      rest = rest.slice(base.length);
      n += 1;
      if (rest === '') return n > 4 ? '続柄は4代までです（5代以上は「縁故者」）。' : null;
      if (!rest.startsWith('の')) break;
      rest = rest.slice(1);
    }
    return '続柄は「世帯主」「妻」「子」「子の子」のように入力してください（祖父は「父の父」、孫は「子の子」）。';
  },
};

// A value ready to send, for a field type: dates as ISO, numbers folded.
export function cleanValue(type, v) {
  switch (type) {
    case 'date': return v === '' ? '' : (parseDate(v).iso ?? v);
    case 'postcode': case 'mynumber': case 'jumin_code': return foldNumber(v);
    case 'card': return foldNumber(v).toUpperCase();
    case 'sex': return v === '' ? '' : Number(v);
    default: return v;
  }
}

// ---- fields of forms that change shape ------------------------------------------------

const FIELDS = new WeakMap(); // input → { spec, error, row }

// A labelled field: { name, label, type (text|date|select|textarea|postcode|
// mynumber|jumin_code|card|kana|zokugara|sex|kubun), required, hint, options,
// value, maxlength, wide, validate(v) → message|null, suggestions }.
// The input carries data-field=name; its path for errors is the name after
// the data-prefix of its closest container ("persons[1]" → "persons[1].birth").
export function field(spec) {
  const id = uid('fld');
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const previewId = `${id}-preview`;
  const type = spec.type || 'text';
  const describedBy = [spec.hint ? hintId : null, type === 'date' ? previewId : null, errorId].filter(Boolean).join(' ');
  const common = { id, name: spec.name, 'aria-describedby': describedBy, dataset: { field: spec.name }, required: !!spec.required, disabled: !!spec.disabled };
  let input;
  if (type === 'select' || type === 'sex' || type === 'kubun') {
    const options = type === 'sex' ? SEX_OPTIONS
      : type === 'kubun' ? [{ value: '', label: '選択してください' }, ...ZAIRYU_KUBUN.map((k) => ({ value: k, label: k }))]
        : spec.options;
    input = h('select', common, options.map((o) => h('option', { value: o.value, text: o.label })));
    if (spec.value !== undefined) input.value = String(spec.value);
  } else if (type === 'textarea') {
    input = h('textarea', { ...common, rows: 2, maxlength: spec.maxlength, class: 'textarea' });
    if (spec.value) input.value = spec.value;
  } else {
    const numeric = ['postcode', 'mynumber', 'jumin_code'].includes(type);
    input = h('input', {
      ...common,
      type: 'text',
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'off',
      inputmode: numeric ? 'numeric' : spec.inputmode,
      maxlength: spec.maxlength ?? (type === 'date' ? 20 : numeric ? 16 : undefined),
      class: ['date', 'postcode', 'mynumber', 'jumin_code', 'card'].includes(type) ? 'code-input' : null,
      value: spec.value ?? '',
    });
  }
  let datalist = null;
  const suggestions = spec.suggestions ?? (type === 'zokugara' ? ZOKUGARA_SUGGESTIONS : null);
  if (suggestions) {
    datalist = h('datalist', { id: `${id}-list` }, suggestions.map((s) => h('option', { value: s })));
    input.setAttribute('list', datalist.id);
  }
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  let preview = null;
  if (type === 'date') {
    // What the typed date is, in both calendars, as it is typed.
    preview = h('p', { class: 'date-preview', id: previewId });
    const show = () => {
      const p = parseDate(input.value);
      preview.textContent = p.iso ? formatBoth(p.iso) : '';
    };
    input.addEventListener('input', show);
    show();
  }
  const label = h('label', { for: id }, spec.label, spec.required ? h('span', { class: 'required', text: '必須' }) : null);
  const row = h('div', { class: ['field', spec.wide ? 'wide' : null, spec.class] },
    label, spec.hint ? h('p', { class: 'hint', id: hintId, text: spec.hint }) : null, input, datalist, preview, error);
  FIELDS.set(input, { spec: { ...spec, type }, error, row });
  row.input = input;
  return row;
}

// The API path of a field's value.
export function pathOf(input) {
  const holder = input.closest('[data-prefix]');
  const prefix = holder ? holder.dataset.prefix : '';
  return prefix ? `${prefix}.${input.dataset.field}` : input.dataset.field;
}

export function isShown(el, root) {
  for (let e = el; e && e !== root; e = e.parentElement) if (e.hidden) return false;
  return true;
}

// The inputs of a form that are in use (not in a hidden part).
export function liveInputs(root) {
  return [...root.querySelectorAll('[data-field]')].filter((i) => FIELDS.has(i) && isShown(i, root) && !i.disabled);
}

export function fieldValue(input) {
  const { spec } = FIELDS.get(input);
  const v = input.tagName === 'SELECT' ? input.value : input.value.trim();
  return cleanValue(spec.type, v);
}

export function clearFieldErrors(root) {
  for (const input of root.querySelectorAll('[data-field]')) {
    const f = FIELDS.get(input);
    if (!f) continue;
    input.removeAttribute('aria-invalid');
    f.error.hidden = true;
    f.error.textContent = '';
  }
  for (const box of root.querySelectorAll('[data-error-for]')) {
    box.hidden = true;
    box.textContent = '';
  }
}

export function setFieldError(input, message) {
  const f = FIELDS.get(input);
  input.setAttribute('aria-invalid', 'true');
  f.error.textContent = message;
  f.error.hidden = false;
}

export function labelOf(input) {
  return FIELDS.get(input)?.spec.label ?? '';
}

// Checks one field: required, then its type's check, then its own.
export function checkField(input) {
  const { spec } = FIELDS.get(input);
  const raw = input.tagName === 'SELECT' ? input.value : input.value.trim();
  if (raw === '') {
    if (!spec.required && !(spec.requiredWhen && spec.requiredWhen(input))) return null;
    return input.tagName === 'SELECT' ? `${spec.label}を選んでください。` : `${spec.label}を入力してください。`;
  }
  const typeCheck = { date: checks.date, postcode: checks.postcode, mynumber: checks.mynumber, jumin_code: checks.jumin_code, card: checks.card, kana: checks.kana, zokugara: checks.zokugara }[spec.type];
  const msg = typeCheck ? typeCheck(raw) : null;
  if (msg) return msg;
  return spec.validate ? spec.validate(fieldValue(input), input) : null;
}
