// idou.js — 異動届: record a 異動 (registry event) of any kind.
//
//   #/residents/move                  choose the kind
//   #/residents/move/{kind}           its form
//   #/residents/move/{kind}/{atena}   its form with that person as subject
//                                     (or, for a 取消し, whose 異動 to pick)
//
// One form per kind, with exactly what the kind needs (docs/residents.md and
// GET /residents/idou-kinds): 記載 kinds take persons (rows added and
// removed) and a household (a new one with its address, or an existing
// 世帯番号); 消除 and 修正 kinds take subjects picked by searching, a 続柄
// each where the kind changes it, and the fields the kind changes; 誤記修正
// and 取消し take the 異動 concerned, picked from the person's history.
// Input is checked here first; the server's errors name the value
// ("persons[1].birth", "subjects[0].atena", "changes.postcode") and are
// shown at that field.

import { api } from '../api.js';
import { h, clear, uid } from '../dom.js';
import { errorMessage } from '../messages.js';
import { parseDate, todayJapan, formatBoth } from '../wareki.js';
import {
  field, pathOf, liveInputs, fieldValue, clearFieldErrors, setFieldError, checkField, labelOf, idouKinds,
  ITEM, RECORD_ITEMS, ZOKUGARA_KINDS, WHOLE_HOUSEHOLD_KINDS, ON_REMOVED_KINDS, KIND_LABELS,
  postcodeText, birthText, statusBadge, foldNumber, personPath, householdPath,
} from './residents_common.js';

const CLASSES = ['記載', '消除', '修正'];

const DESCRIPTIONS = {
  kokunai_tennyu: '他の市区町村から転入した人を記載します。新しい世帯をつくるか、既存の世帯に加わります。',
  kokugai_tennyu: '国外から転入した人を記載します。新しい世帯をつくるか、既存の世帯に加わります。',
  shussei: '生まれた子を記載します。生年月日は異動日（出生日）です。ふつうは親の世帯に加わります。',
  shokken_kisai: '届出によらず、職権で記載します。',
  shokken_kisai_kika: '帰化等により日本人住民となった人を職権で記載します。',
  shokken_kisai_soshitsu: '日本の国籍を失って外国人住民となった人を職権で記載します。',
  kokunai_tenshutsu: '他の市区町村へ転出する人を消除します。異動日（転出の予定日）は先の日付にできます。',
  kokugai_tenshutsu: '国外へ転出する人を消除します。異動日（転出の予定日）は先の日付にできます。',
  shibou: '亡くなった人を消除します。死亡日が不詳のときは、その表記も入力します。',
  shokken_shojo: '届出によらず、職権で消除します。',
  shokken_shojo_kika: '帰化等により日本の国籍を得た外国人住民の記録を職権で消除します。',
  shokken_shojo_soshitsu: '日本の国籍を失った日本人住民の記録を職権で消除します。',
  tenshutsu_kakutei: '転出した人の転出先住所を確定します（転入通知を受けたとき）。',
  tenkyo: '町内で住所を変えた世帯を記録します。世帯全員が対象です。',
  setai_bunri: '世帯の一部の人が新しい世帯をつくります。新しい世帯の世帯主を1人決めます。',
  setai_gappei: '世帯全員が別の世帯に加わります（その世帯の住所になります）。',
  setai_henko: '世帯の一部の人が、別の既存の世帯に移ります。',
  setainushi_henko: '世帯主を変えます。世帯全員の変更後の続柄を入力します。',
  shimei_henko: '氏名の変更を記録します。',
  kyuuji: '旧氏を記載・変更・削除します（日本人住民のみ）。',
  tsusho: '通称を記載・削除します（外国人住民のみ）。',
  kojin_bango_henko: '個人番号の変更を記録します。',
  jumin_code_henko: '住民票コードの変更を記録します。',
  shokken_shusei: '記録の項目を職権で修正します。',
  goki_shusei: '以前の異動で誤って記録した内容を正します。その異動の日にさかのぼって記録が直されます。',
  torikeshi: '誤って記録した異動を取り消します。それより後の記録は、取消しを反映して作り直されます。',
};

// Labels of the fields each kind changes, where they differ from the record's.
const CHANGE_LABELS = {
  tenkyo: { postcode: '新しい住所の郵便番号', address: '新しい住所', katagaki: '新しい方書' },
  kokunai_tenshutsu: { dest_postcode: '転出先の郵便番号（予定）', dest_address: '転出先住所（予定）' },
  kokugai_tenshutsu: { dest_address: '転出先（国名と住所）' },
  tenshutsu_kakutei: { dest_postcode: '転出先の郵便番号（確定）', dest_address: '転出先住所（確定）' },
  shimei_henko: { shimei: '新しい氏名', shimei_kana: '新しい氏名フリガナ', alpha_name: '新しい氏名（ローマ字）' },
  kyuuji: { kyuuji: '旧氏', kyuuji_kana: '旧氏フリガナ' },
  tsusho: { tsusho: '通称', tsusho_kana: '通称フリガナ' },
  kojin_bango_henko: { kojin_bango: '新しい個人番号' },
  jumin_code_henko: { jumin_code: '新しい住民票コード' },
};
// Fields a kind cannot do without.
const CHANGE_REQUIRED = {
  tenkyo: ['postcode', 'address'],
  kokunai_tenshutsu: ['dest_address'],
  kokugai_tenshutsu: ['dest_address'],
  shimei_henko: ['shimei', 'shimei_kana'],
  kojin_bango_henko: ['kojin_bango'],
  jumin_code_henko: ['jumin_code'],
};
// Kinds whose empty fields are sent (an empty 旧氏 or 通称 deletes it).
const SEND_EMPTY = new Set(['kyuuji', 'tsusho']);
// Items that a record cannot be without (for 職権修正 and 誤記修正).
const NEVER_EMPTY = new Set(['shimei', 'shimei_kana', 'sex', 'zokugara', 'birth']);

const fieldType = (item) => (item.name.endsWith('_kana') ? 'kana' : item.name === 'zokugara' ? 'zokugara' : item.type);
const isKana = (s) => /^[\u3041-\u3096\u30A1-\u30FE\uFF66-\uFF9F\s・ー]+$/.test(s);

// ---- the screen ---------------------------------------------------------------------

export async function idouScreen(ctx) {
  ctx.setTitle('異動届');
  const kinds = await idouKinds();
  if (!ctx.alive()) return null;
  const byCode = new Map(kinds.map((k) => [k.code, k]));

  const kindSelect = h('select', { id: 'idou-kind', name: 'kind', 'aria-describedby': 'idou-kind-desc' },
    h('option', { value: '', text: '選択してください' }),
    CLASSES.map((cls) => h('optgroup', { label: cls },
      kinds.filter((k) => k.class === cls).map((k) => h('option', { value: k.code, text: k.label })))));
  const desc = h('p', { class: 'hint', id: 'idou-kind-desc', text: '届出の種類を選ぶと、その届出に必要な項目の入力欄が表示されます。' });
  const resultHost = h('div', { class: 'idou-result-host' });
  const formHost = h('div', { class: 'idou-form-host' });

  function choose(code, preset) {
    const kind = byCode.get(code);
    clear(formHost);
    if (!kind) {
      desc.textContent = '届出の種類を選ぶと、その届出に必要な項目の入力欄が表示されます。';
      history.replaceState(null, '', '#/residents/move');
      return null;
    }
    desc.textContent = DESCRIPTIONS[code] ?? '';
    history.replaceState(null, '', `#/residents/move/${code}`);
    ctx.setTitle(`異動届：${kind.label}`);
    const f = new IdouForm(ctx, kind, {
      onRecorded(result) {
        showResult(result);
        choose(code); // a fresh form for the next 届出 of the same kind
        resultHost.querySelector('.idou-result')?.focus();
      },
    });
    formHost.append(f.el);
    if (preset) f.preset(preset);
    return f;
  }

  function showResult(r) {
    const date = r.idou_date;
    const ahead = date > todayJapan();
    clear(resultHost).append(h('div', { class: 'panel panel-ok idou-result', tabindex: '-1', dataset: { idou: r.idou_id } },
      h('h2', { text: '記録しました' }),
      h('p', { text: `${r.label}を記録しました（異動番号 ${r.idou_id}、異動日 ${formatBoth(date)}）。` }),
      r.people.length ? h('ul', { class: 'plain-list result-people' }, r.people.map((p) => h('li', {},
        h('a', { href: '#' + personPath(p.atena, ahead ? date : null), dataset: { atena: p.atena } }, p.name || `宛名番号 ${p.atena}`),
        p.name ? h('span', { class: 'small', text: `（宛名番号 ${p.atena}）` }) : null))) : null,
      r.new_setai ? h('p', {}, '新しい世帯：', h('a', { href: '#' + householdPath(r.new_setai, ahead ? date : null), class: 'mono' }, `世帯番号 ${r.new_setai}`)) : null));
    ctx.flash(`${r.label}を記録しました（異動番号 ${r.idou_id}）。`);
  }

  kindSelect.addEventListener('change', () => {
    clear(resultHost);
    choose(kindSelect.value);
  });

  ctx.root.append(
    h('h1', { text: '異動届' }),
    h('p', { class: 'lead', text: '住民の異動（記載・消除・修正）を記録します。記録は取り消しや訂正ができますが、消えることはありません。記録は監査ログにも残ります。' }),
    resultHost,
    h('div', { class: 'panel kind-panel' },
      h('div', { class: 'field' },
        h('label', { for: kindSelect.id, text: '届出の種類' }),
        desc,
        kindSelect)),
    formHost);

  const want = ctx.params.kind && byCode.has(ctx.params.kind) ? ctx.params.kind : '';
  if (want) {
    kindSelect.value = want;
    const f = choose(want, ctx.params.atena ? { atena: ctx.params.atena } : null);
    return f?.firstInput() ?? kindSelect;
  }
  return kindSelect;
}

// ---- one kind's form -------------------------------------------------------------------

class IdouForm {
  constructor(ctx, kind, { onRecorded }) {
    this.ctx = ctx;
    this.kind = kind;
    this.code = kind.code;
    this.onRecorded = onRecorded;
    this.busy = false;
    this.subjects = []; // { atena, record } in order
    this.targetPerson = null; // for 取消し: { atena, shimei }
    this.versions = []; // the target person's history
    const target = kind.target;
    const star = kind.changes === '*';

    this.errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
    this.submitButton = h('button', { type: 'submit', class: 'button primary' }, '届出を記録する');
    const sections = [this.#basics()];
    if (kind.persons) {
      sections.push(this.#household(), this.#persons());
    }
    if (kind.subjects) sections.push(this.#subjectsSection());
    if (kind.subjects && kind.household) sections.push(this.#joinSection());
    if (target) sections.push(this.#targetSection());
    if (kind.subjects && kind.changes && !star) sections.push(this.#changesSection());
    if (star) sections.push(this.#starSection());

    this.el = h('form', { class: 'form idou-form', novalidate: true, 'aria-label': `${kind.label}の届出`, dataset: { kind: kind.code } },
      h('h2', { class: 'form-title', text: `${kind.label}の届出` }),
      this.errorBox,
      sections,
      h('div', { class: 'form-actions' }, this.submitButton,
        h('button', { type: 'button', class: 'button', on: { click: () => this.#reset() } }, '入力をやり直す')));
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.#submit();
    });
    if (this.starBox) this.#addStarRow();
  }

  firstInput() {
    return this.el.querySelector('input:not([type="hidden"]), select');
  }

  // The 異動日 as typed, if it is a date; else today (for looking people up).
  idouDate() {
    const v = this.el.querySelector('[data-field="idou_date"]')?.value ?? '';
    return parseDate(v).iso ?? null;
  }

  lookupDate() {
    const d = this.idouDate();
    const today = todayJapan();
    return d && d <= today ? d : today;
  }

  #reset() {
    const fresh = new IdouForm(this.ctx, this.kind, { onRecorded: this.onRecorded });
    this.el.replaceWith(fresh.el);
    fresh.firstInput()?.focus();
  }

  // ---- 異動日, 届出日, 不詳, 留意事項 ----

  #basics() {
    const today = todayJapan();
    const kind = this.kind;
    const defaultToday = this.code === 'goki_shusei' || this.code === 'torikeshi';
    // 職権 (and corrections, which are the town's own) have no 届出.
    const exOfficio = this.code.startsWith('shokken_') || defaultToday;
    return h('fieldset', { class: 'group' }, h('legend', { text: '届出' }),
      h('div', { class: 'fields grid' },
        field({
          name: 'idou_date', label: kind.target ? '異動日（この訂正・取消しの日）' : '異動日', type: 'date', required: true,
          value: defaultToday ? today : '',
          hint: kind.future_date ? '先の日付（転出の予定日）も入力できます。例：R7.4.1' : '例：2025-04-01、R7.4.1、令和7年4月1日',
          validate: (v) => (!kind.future_date && v > todayJapan() ? '異動日は今日より後の日付にできません（先の日付にできるのは転出の予定日だけです）。' : null),
        }),
        field({
          name: 'todoke_date', label: '届出日', type: 'date', value: exOfficio ? '' : today, hint: '届出を受けた日（職権のときは空欄）',
          validate: (v) => (v > todayJapan() ? '届出日は今日より後の日付にできません。' : null),
        }),
        kind.unknown_date ? field({ name: 'idou_date_text', label: '日付が不詳のときの表記', maxlength: 72, hint: '例：令和5年5月頃（異動日には推定の日付を入力します）' }) : null,
        field({ name: 'note', label: '留意事項', type: 'textarea', maxlength: 500, wide: true })));
  }

  // ---- 記載: the household and the persons ----

  #household() {
    const kind = this.kind;
    const name = uid('household');
    const joinDefault = this.code === 'shussei';
    const newPart = h('div', { class: 'fields grid', dataset: { prefix: 'changes', part: 'new' }, hidden: joinDefault },
      field({ name: 'postcode', label: '郵便番号', type: 'postcode', required: true, hint: '7桁（例：377-0424）' }),
      field({ name: 'address', label: '住所', required: true, maxlength: 200, wide: true, hint: '都道府県から番地まで' }),
      field({ name: 'katagaki', label: '方書', maxlength: 300, wide: true, hint: 'アパート名・部屋番号など' }));
    const info = h('div', { class: 'household-info', role: 'status' });
    const setaiField = field({ name: 'setai', label: '加わる世帯の世帯番号', required: true, maxlength: 15, type: 'text', inputmode: 'numeric', class: 'code-field' });
    const joinPart = h('div', { class: 'join-part', dataset: { part: 'join' }, hidden: !joinDefault },
      h('div', { class: 'fields grid' }, setaiField),
      h('div', { class: 'button-row' }, h('button', { type: 'button', class: 'button small', on: { click: () => this.#showHousehold(setaiField.input, info) } }, '世帯を確認')),
      info);
    const radio = (value, label, checked) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name, value, checked, on: { change: () => { newPart.hidden = value !== 'new'; joinPart.hidden = value !== 'join'; } } }), label);
    this.householdMode = () => this.el.querySelector(`input[name="${name}"]:checked`)?.value ?? 'new';
    const prev = kind.changes.includes('prev_address');
    const abroad = this.code === 'kokugai_tennyu';
    return [
      h('fieldset', { class: 'group', dataset: { section: 'household' } }, h('legend', { text: '世帯' }),
        h('div', { class: 'choices', role: 'radiogroup', 'aria-label': '世帯' },
          radio('new', '新しい世帯をつくる', !joinDefault), radio('join', '既存の世帯に加わる', joinDefault)),
        newPart, joinPart),
      prev ? h('fieldset', { class: 'group', dataset: { section: 'prev' } }, h('legend', { text: abroad ? '転入前の住所（国外）' : '転入前の住所' }),
        h('div', { class: 'fields grid', dataset: { prefix: 'changes' } },
          abroad ? null : field({ name: 'prev_postcode', label: '転入前住所の郵便番号', type: 'postcode' }),
          field({
            name: 'prev_address', label: abroad ? '転入前の住所（国名と住所）' : '転入前住所', maxlength: 300, wide: true,
            required: this.code === 'kokunai_tennyu' || abroad,
          }))) : null,
    ];
  }

  async #showHousehold(input, info) {
    const setai = foldNumber(input.value);
    clear(info);
    if (!/^[0-9]{1,15}$/.test(setai)) {
      setFieldError(input, '世帯番号を数字で入力してください。');
      input.focus();
      return;
    }
    try {
      const r = await api.get(`/households/${setai}`, { as_of: this.lookupDate() });
      const head = r.members.find((m) => m.zokugara === '世帯主');
      info.append(h('p', {}, `世帯主 ${head ? head.shimei : '—'}、${r.members.length}人、${postcodeText(r.members[0].postcode)} ${r.members[0].address}`));
    } catch (err) {
      if (err.status === 401) return;
      info.append(h('p', { class: 'field-error', text: errorMessage(err, '世帯番号') }));
    }
  }

  #persons() {
    this.personList = h('div', { class: 'person-list' });
    const addButton = h('button', { type: 'button', class: 'button', on: { click: () => { const c = this.#addPerson(); c.querySelector('[data-field="shimei"]').focus(); } } }, '＋ 人を追加');
    const section = h('fieldset', { class: 'group', dataset: { section: 'persons' } }, h('legend', { text: '記載する人' }),
      h('p', { class: 'field-error', dataset: { errorFor: 'persons' }, hidden: true }),
      this.personList,
      h('div', { class: 'button-row' }, addButton));
    this.#addPerson();
    return section;
  }

  #addPerson() {
    const kind = this.kind;
    const only = kind.only;
    const shussei = this.code === 'shussei';
    const kindOptions = only ? [{ value: only, label: KIND_LABELS[only] }]
      : [{ value: 'japanese', label: '日本人住民' }, { value: 'foreign', label: '外国人住民' }];
    const legend = h('legend');
    const kindField = field({ name: 'kind', label: '住民種別', type: 'select', options: kindOptions, value: only || 'japanese' });
    const japanese = h('div', { class: 'fields grid', dataset: { only: 'japanese' } },
      field({ name: 'kyuuji', label: '旧氏', maxlength: 50 }),
      field({ name: 'kyuuji_kana', label: '旧氏フリガナ', type: 'kana', maxlength: 50 }),
      field({ name: 'honseki', label: '本籍', maxlength: 200, wide: true }),
      field({ name: 'hittousha', label: '筆頭者', maxlength: 100 }));
    const isMid = (input) => input.closest('.person-card')?.querySelector('[data-field="zairyu_kubun"]')?.value === '中長期在留者';
    const foreign = h('div', { class: 'fields grid', dataset: { only: 'foreign' }, hidden: (only || 'japanese') !== 'foreign' },
      field({ name: 'alpha_name', label: '氏名（ローマ字）', maxlength: 100 }),
      field({ name: 'tsusho', label: '通称', maxlength: 100 }),
      field({ name: 'tsusho_kana', label: '通称フリガナ', type: 'kana', maxlength: 100 }),
      field({ name: 'nationality', label: '国籍・地域', required: true, maxlength: 200 }),
      field({ name: 'zairyu_kubun', label: '法第30条の45の区分', type: 'kubun', required: true }),
      field({ name: 'zairyu_shikaku', label: '在留資格', maxlength: 40, requiredWhen: isMid, hint: '中長期在留者は必須' }),
      field({ name: 'zairyu_kikan', label: '在留期間', maxlength: 20, requiredWhen: isMid, hint: '中長期在留者は必須（例：3年）' }),
      field({ name: 'zairyu_expiry', label: '在留期間の満了の日', type: 'date', requiredWhen: isMid, hint: '中長期在留者は必須（西暦で）' }),
      field({ name: 'zairyu_card', label: '在留カード等の番号', type: 'card', maxlength: 14, requiredWhen: isMid, hint: '中長期在留者は必須（例：AB12345678CD）' }));
    if (!only) japanese.hidden = false;
    if (only === 'foreign') japanese.hidden = true;
    kindField.input.addEventListener('change', () => {
      const f = kindField.input.value === 'foreign';
      foreign.hidden = !f;
      japanese.hidden = f;
    });
    const removeButton = h('button', { type: 'button', class: 'button small danger remove-person' }, 'この人を削除');
    const card = h('fieldset', { class: 'person-card' }, legend,
      h('div', { class: 'fields grid' },
        kindField,
        field({ name: 'shimei', label: '氏名', required: true, maxlength: 100, hint: '外字・異体字はそのまま' }),
        field({ name: 'shimei_kana', label: 'フリガナ', type: 'kana', required: true, maxlength: 100, hint: 'ひらがな・カタカナ（例：やまだ たろう）' }),
        field({
          name: 'birth', label: '生年月日', type: 'date', required: !shussei,
          hint: shussei ? '空欄なら異動日（出生日）' : '例：S55.5.5、1980-05-05',
          validate: (v) => { const d = this.idouDate(); return d && v > d ? '生年月日が異動日より後になっています。' : null; },
        }),
        field({ name: 'sex', label: '性別', type: 'sex', required: true }),
        field({ name: 'zokugara', label: '続柄', type: 'zokugara', required: true, maxlength: 20, hint: '世帯主、妻、子、子の子 など' })),
      foreign,
      h('details', { class: 'more' }, h('summary', { text: 'そのほかの項目（旧氏・本籍・個人番号など）' }),
        japanese,
        h('div', { class: 'fields grid' },
          field({ name: 'kojin_bango', label: '個人番号', type: 'mynumber', hint: '12桁' }),
          field({ name: 'jumin_code', label: '住民票コード', type: 'jumin_code', hint: '11桁' }))),
      h('div', { class: 'button-row' }, removeButton));
    removeButton.addEventListener('click', () => {
      const cards = [...this.personList.children];
      const i = cards.indexOf(card);
      card.remove();
      this.#renumberPersons();
      const rest = [...this.personList.children];
      (rest[Math.min(i, rest.length - 1)]?.querySelector('[data-field="shimei"]'))?.focus();
    });
    this.personList.append(card);
    this.#renumberPersons();
    return card;
  }

  #renumberPersons() {
    const cards = [...this.personList.children];
    cards.forEach((c, i) => {
      c.dataset.prefix = `persons[${i}]`;
      c.dataset.person = String(i);
      c.querySelector('legend').textContent = `${i + 1}人目`;
      const rm = c.querySelector('.remove-person');
      rm.hidden = cards.length === 1;
      rm.setAttribute('aria-label', `${i + 1}人目を削除`);
    });
  }

  // ---- 消除・修正: the subjects ----

  #subjectsSection() {
    const kind = this.kind;
    const one = kind.one_subject;
    this.subjectList = h('ul', { class: 'subject-list' });
    this.subjectEmpty = h('p', { class: 'hint subject-empty', text: one ? '対象者を検索して選んでください。' : '対象者を検索して選んでください（複数選べます）。' });
    this.wholeButton = h('button', { type: 'button', class: 'button small', hidden: true, on: { click: () => this.#addHousehold() } }, '世帯全員を追加');
    const picker = personPicker({
      label: one ? '対象者を検索' : '対象者を検索して追加',
      status: () => (ON_REMOVED_KINDS.has(this.code) ? 'all' : 'resident'),
      onPick: (hit) => this.#pickSubject(hit.atena, hit),
    });
    return h('fieldset', { class: 'group', dataset: { section: 'subjects' } },
      h('legend', { text: one ? '対象者' : '対象者' }),
      WHOLE_HOUSEHOLD_KINDS.has(this.code) ? h('p', { class: 'hint', text: `${kind.label}は世帯全員が対象です。1人を選んでから「世帯全員を追加」を押してください。` }) : null,
      ZOKUGARA_KINDS.has(this.code) ? h('p', { class: 'hint', text: '対象者ごとに、この異動のあとの続柄を入力します。' }) : null,
      picker.el,
      h('p', { class: 'field-error', dataset: { errorFor: 'subjects' }, hidden: true }),
      this.subjectEmpty,
      this.subjectList,
      h('div', { class: 'button-row' }, this.wholeButton));
  }

  async #fetchRecord(atena) {
    try {
      return await api.get(`/persons/${atena}`, { as_of: this.lookupDate() });
    } catch (err) {
      if (err.status === 404) return null;
      throw err;
    }
  }

  async #pickSubject(atena, hit) {
    if (this.subjects.some((s) => s.atena === atena)) {
      this.subjectList.querySelector(`[data-atena="${atena}"] button`)?.focus();
      return;
    }
    let record;
    try {
      record = (await this.#fetchRecord(atena)) ?? hit;
    } catch (err) {
      if (err.status !== 401) this.#showError(errorMessage(err));
      return;
    }
    if (this.kind.one_subject) {
      this.subjects = [];
      clear(this.subjectList);
    }
    this.#addSubject(record);
    this.#afterSubjectsChanged();
    if (this.code === 'goki_shusei') await this.#loadTargets(record);
  }

  #addSubject(r) {
    const needsZoku = ZOKUGARA_KINDS.has(this.code);
    this.subjects.push({ atena: r.atena, record: r });
    const remove = h('button', { type: 'button', class: 'button small danger', 'aria-label': `${r.shimei}を対象者から外す` }, '外す');
    const li = h('li', { class: 'subject-card', dataset: { atena: r.atena } },
      h('div', { class: 'subject-info' },
        h('p', { class: 'subject-name' }, h('strong', { text: r.shimei }), ' ', h('span', { class: 'small', text: r.shimei_kana ?? '' }), ' ', r.status ? statusBadge(r.status) : null),
        h('p', { class: 'small' }, `宛名番号 ${r.atena}`, r.setai ? `　世帯番号 ${r.setai}` : '', r.zokugara ? `　続柄 ${r.zokugara}` : '', r.birth ? `　生年月日 ${birthText(r)}` : ''),
        h('p', { class: 'small', text: `${postcodeText(r.postcode)} ${r.address ?? ''}${r.katagaki ? ` ${r.katagaki}` : ''}` }),
        h('p', { class: 'field-error', dataset: { errorFor: '' }, hidden: true })),
      needsZoku ? h('div', { class: 'subject-zoku' }, field({ name: 'zokugara', label: '異動後の続柄', type: 'zokugara', required: true, maxlength: 20, value: r.zokugara ?? '' })) : null,
      h('div', { class: 'subject-actions' }, remove));
    remove.addEventListener('click', () => {
      const i = this.subjects.findIndex((s) => s.atena === r.atena);
      this.subjects.splice(i, 1);
      li.remove();
      this.#afterSubjectsChanged();
      const next = this.subjectList.children[Math.min(i, this.subjectList.children.length - 1)];
      (next?.querySelector('button') ?? this.el.querySelector('.picker input'))?.focus();
    });
    this.subjectList.append(li);
  }

  #afterSubjectsChanged() {
    [...this.subjectList.children].forEach((li, i) => {
      li.dataset.prefix = `subjects[${i}]`;
      li.querySelector('[data-error-for]').dataset.errorFor = `subjects[${i}].atena`;
    });
    this.subjectEmpty.hidden = this.subjects.length > 0;
    this.wholeButton.hidden = this.kind.one_subject || this.subjects.length === 0 || !this.subjects[0].record.setai;
    // Prefill what the kind changes from the (first) subject's record.
    const r = this.subjects[0]?.record;
    if (r && this.changesBox) {
      const prefill = {
        shimei_henko: ['shimei', 'shimei_kana', 'alpha_name'],
        kyuuji: ['kyuuji', 'kyuuji_kana'],
        tsusho: ['tsusho', 'tsusho_kana'],
        tenshutsu_kakutei: ['dest_postcode', 'dest_address'],
      }[this.code] ?? [];
      for (const name of prefill) {
        const input = this.changesBox.querySelector(`[data-field="${name}"]`);
        if (input && input.value === '' && r[name]) input.value = r[name];
      }
      const foreignOnly = this.changesBox.querySelector('[data-only="foreign"]');
      if (foreignOnly) foreignOnly.hidden = r.kind !== 'foreign';
    }
    if (this.starBox) this.#refreshStarItems();
  }

  async #addHousehold() {
    const first = this.subjects[0]?.record;
    if (!first?.setai) return;
    try {
      const r = await api.get(`/households/${first.setai}`, { as_of: this.lookupDate() });
      let added = 0;
      for (const m of r.members) {
        if (this.subjects.some((s) => s.atena === m.atena)) continue;
        this.#addSubject(m);
        added += 1;
      }
      this.#afterSubjectsChanged();
      this.ctx.flash(added ? `世帯員${added}人を追加しました（世帯全員 ${r.members.length}人）。` : '世帯員は全員選ばれています。', 'info');
    } catch (err) {
      if (err.status !== 401) this.#showError(errorMessage(err, '世帯'));
    }
  }

  #joinSection() {
    const info = h('div', { class: 'household-info', role: 'status' });
    const setaiField = field({ name: 'setai', label: '加わる世帯の世帯番号', required: true, maxlength: 15, inputmode: 'numeric', class: 'code-field' });
    return h('fieldset', { class: 'group', dataset: { section: 'join' } }, h('legend', { text: '加わる世帯' }),
      h('div', { class: 'fields grid' }, setaiField),
      h('div', { class: 'button-row' }, h('button', { type: 'button', class: 'button small', on: { click: () => this.#showHousehold(setaiField.input, info) } }, '世帯を確認')),
      info);
  }

  // ---- the fields the kind changes ----

  #changesSection() {
    const names = this.kind.changes.split(' ').filter(Boolean);
    const labels = CHANGE_LABELS[this.code] ?? {};
    const required = new Set(CHANGE_REQUIRED[this.code] ?? []);
    const make = (name) => {
      const item = ITEM[name];
      return field({
        name, label: labels[name] ?? item.label, type: fieldType(item), required: required.has(name),
        wide: ['address', 'dest_address', 'katagaki'].includes(name),
        hint: item.type === 'postcode' ? '7桁（例：377-0424）' : null,
      });
    };
    const plain = names.filter((n) => ITEM[n].who !== 'f');
    const foreignOnly = names.filter((n) => ITEM[n].who === 'f' && this.code !== 'tsusho');
    const all = this.code === 'tsusho' ? names : plain;
    this.changesBox = h('div', { dataset: { prefix: 'changes' } },
      h('div', { class: 'fields grid' }, all.map(make)),
      foreignOnly.length ? h('div', { class: 'fields grid', dataset: { only: 'foreign' }, hidden: true }, foreignOnly.map(make)) : null);
    const title = { tenkyo: '新しい住所', kokunai_tenshutsu: '転出先', kokugai_tenshutsu: '転出先', tenshutsu_kakutei: '転出先（確定）' }[this.code] ?? '変更の内容';
    return h('fieldset', { class: 'group', dataset: { section: 'changes' } }, h('legend', { text: title }),
      SEND_EMPTY.has(this.code) ? h('p', { class: 'hint', text: '両方を空欄にして記録すると、削除になります。' }) : null,
      this.changesBox);
  }

  // 職権修正 and 誤記修正: any item, chosen row by row.
  #starSection() {
    this.starBox = h('div', { class: 'star-rows', dataset: { prefix: 'changes' } });
    const add = h('button', { type: 'button', class: 'button small', on: { click: () => { const row = this.#addStarRow(); row.querySelector('select').focus(); } } }, '＋ 項目を追加');
    return h('fieldset', { class: 'group', dataset: { section: 'changes' } },
      h('legend', { text: this.code === 'goki_shusei' ? '正しい内容（その異動で記録されるべきだった値）' : '修正する項目' }),
      h('p', { class: 'hint', text: '項目を選ぶと、いまの値が入ります。正しい値に直してください。' }),
      h('p', { class: 'field-error', dataset: { errorFor: 'changes' }, hidden: true }),
      this.starBox,
      h('div', { class: 'button-row' }, add));
  }

  #starItems() {
    const r = this.#baseRecord();
    const foreign = r?.kind === 'foreign';
    return RECORD_ITEMS.filter((i) => !r || i.who === 'a' || (i.who === 'f') === foreign);
  }

  // The record the corrected values start from: for 誤記修正, what the target
  // 異動 recorded; else the subject's record.
  #baseRecord() {
    if (this.code === 'goki_shusei') {
      const id = Number(this.el?.querySelector('input[name="target"]:checked')?.value);
      const v = [...this.versions].reverse().find((x) => x.record.idou_id === id && !x.superseded_at);
      if (v) return v.record;
    }
    return this.subjects[0]?.record ?? null;
  }

  #addStarRow() {
    const sel = h('select', { class: 'item-select', 'aria-label': '修正する項目' },
      h('option', { value: '', text: '項目を選んでください' }),
      this.#starItems().map((i) => h('option', { value: i.name, text: i.label })));
    const valueHost = h('div', { class: 'star-value' }, h('p', { class: 'hint', text: '（項目を選ぶと入力欄が出ます）' }));
    sel.id = uid('item');
    const remove = h('button', { type: 'button', class: 'button small danger' }, '外す');
    const row = h('div', { class: 'star-row' }, h('div', { class: 'field' }, h('label', { for: sel.id, text: '項目' }), sel), valueHost, h('div', { class: 'subject-actions' }, remove));
    sel.addEventListener('change', () => {
      const item = ITEM[sel.value];
      clear(valueHost);
      if (!item) return;
      const base = this.#baseRecord();
      const v = base ? base[item.name] : '';
      valueHost.append(field({
        name: item.name, label: `${item.label}（正しい値）`, type: fieldType(item), required: NEVER_EMPTY.has(item.name),
        value: v === undefined || v === null ? '' : String(v), wide: true,
        hint: NEVER_EMPTY.has(item.name) ? null : '空欄にすると、この項目を消します。',
      }));
    });
    remove.addEventListener('click', () => { row.remove(); this.el.querySelector('.star-rows select, [data-section="changes"] button')?.focus(); });
    this.starBox.append(row);
    return row;
  }

  #refreshStarItems() {
    const items = this.#starItems();
    for (const sel of this.starBox.querySelectorAll('select.item-select')) {
      const keep = sel.value;
      clear(sel).append(h('option', { value: '', text: '項目を選んでください' }), ...items.map((i) => h('option', { value: i.name, text: i.label })));
      sel.value = items.some((i) => i.name === keep) ? keep : '';
    }
    if (this.starBox.children.length === 0) this.#addStarRow();
  }

  // ---- 誤記修正・取消し: the 異動 concerned ----

  #targetSection() {
    this.targetList = h('div', { class: 'target-list', role: 'radiogroup', 'aria-label': '対象の異動' });
    this.targetNote = h('p', { class: 'hint', text: this.code === 'torikeshi' ? 'まず、取り消す異動の対象者を検索して選んでください。' : 'まず、対象者を選んでください。その人の異動が表示されます。' });
    const parts = [];
    if (this.code === 'torikeshi') {
      this.targetWho = h('p', { class: 'target-who' });
      parts.push(personPicker({
        label: '異動の対象者を検索', status: () => 'all',
        onPick: async (hit) => {
          this.targetPerson = hit;
          this.targetWho.textContent = `${hit.shimei}（宛名番号 ${hit.atena}）の異動`;
          await this.#loadTargets(hit);
        },
      }).el, this.targetWho);
    }
    return h('fieldset', { class: 'group', dataset: { section: 'target' } },
      h('legend', { text: this.code === 'torikeshi' ? '取り消す異動' : '誤りのあった異動' }),
      parts,
      this.targetNote,
      h('p', { class: 'field-error', dataset: { errorFor: 'target' }, hidden: true }),
      this.targetList);
  }

  async #loadTargets(person) {
    let hist;
    try {
      hist = await api.get(`/persons/${person.atena}/history`);
    } catch (err) {
      if (err.status !== 401) this.#showError(errorMessage(err));
      return;
    }
    this.versions = hist.versions;
    const seen = new Set();
    const events = [];
    for (const v of hist.versions) {
      const id = v.record.idou_id;
      if (v.superseded_at || seen.has(id) || v.idou_kind === 'goki_shusei' || v.idou_kind === 'torikeshi') continue;
      seen.add(id);
      events.push(v);
    }
    clear(this.targetList);
    this.targetNote.textContent = events.length ? '対象の異動を選んでください。' : 'この人には、選べる異動がありません。';
    for (const v of events) {
      const r = v.record;
      this.targetList.append(h('label', { class: 'choice target-choice' },
        h('input', { type: 'radio', name: 'target', value: String(r.idou_id), on: { change: () => { if (this.starBox) this.#refreshStarValues(); } } }),
        h('span', { class: 'mono', text: `異動番号 ${r.idou_id}` }),
        h('strong', { text: v.idou_label }),
        h('span', { text: formatBoth(r.valid_from) }),
        h('span', { class: 'small', text: `${r.shimei}　${r.address}` })));
    }
  }

  // After choosing the 異動 to correct: the chosen items show what it recorded.
  #refreshStarValues() {
    const base = this.#baseRecord();
    for (const row of this.starBox.querySelectorAll('.star-row')) {
      const sel = row.querySelector('select');
      const input = row.querySelector('[data-field]');
      if (input && base && sel.value) input.value = base[sel.value] ?? '';
    }
  }

  // ---- preset from the route ----

  async preset({ atena }) {
    let r;
    try {
      r = await this.#fetchRecord(atena);
    } catch (err) {
      if (err.status !== 401) this.#showError(errorMessage(err));
      return;
    }
    if (!r || !this.el.isConnected) return;
    if (this.kind.subjects) {
      this.#addSubject(r);
      this.#afterSubjectsChanged();
      if (this.code === 'goki_shusei') await this.#loadTargets(r);
    } else if (this.code === 'torikeshi') {
      this.targetPerson = r;
      this.targetWho.textContent = `${r.shimei}（宛名番号 ${r.atena}）の異動`;
      await this.#loadTargets(r);
    }
  }

  // ---- checking, sending, errors ----

  #showError(message) {
    this.errorBox.textContent = message;
    this.errorBox.hidden = false;
  }

  #sectionError(path, message) {
    const box = this.el.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
    if (!box) return null;
    box.textContent = message;
    box.hidden = false;
    return box;
  }

  #validate() {
    clearFieldErrors(this.el);
    this.errorBox.hidden = true;
    const bad = [];
    for (const input of liveInputs(this.el)) {
      const msg = checkField(input);
      if (msg) {
        setFieldError(input, msg);
        bad.push(input);
      }
    }
    const sectionBad = (path, message) => {
      const box = this.#sectionError(path, message);
      if (box) bad.push(box.closest('fieldset')?.querySelector('input, select, button') ?? box);
    };
    const kind = this.kind;
    if (kind.persons) {
      const zoku = liveInputs(this.personList).filter((i) => i.dataset.field === 'zokugara').map((i) => i.value.trim());
      const heads = zoku.filter((z) => z === '世帯主').length;
      if (this.householdMode() === 'new' && heads !== 1 && !zoku.includes('')) {
        sectionBad('persons', heads === 0 ? '新しい世帯には世帯主が1人必要です。だれかの続柄を「世帯主」にしてください。' : `世帯主は1人です（いま${heads}人が世帯主になっています）。`);
      }
    }
    if (kind.subjects) {
      if (this.subjects.length === 0) sectionBad('subjects', '対象者を選んでください。');
      else if (this.code === 'setai_bunri' || this.code === 'setainushi_henko') {
        const heads = liveInputs(this.subjectList).filter((i) => i.dataset.field === 'zokugara' && i.value.trim() === '世帯主').length;
        if (heads !== 1) sectionBad('subjects', `${this.code === 'setai_bunri' ? '新しい世帯の' : ''}世帯主はちょうど1人にしてください（いま${heads}人です）。`);
      }
    }
    if (kind.target && !this.el.querySelector('input[name="target"]:checked')) sectionBad('target', '対象の異動を選んでください。');
    if (this.starBox) {
      const chosen = [...this.starBox.querySelectorAll('select.item-select')].map((s) => s.value).filter(Boolean);
      if (chosen.length === 0) sectionBad('changes', '修正する項目を1つ以上選んでください。');
      else if (new Set(chosen).size !== chosen.length) sectionBad('changes', '同じ項目が2回選ばれています。');
    }
    if (bad.length) {
      this.#showError(`入力内容を確認してください（${bad.length}か所）。`);
      this.#focus(bad[0]);
      return false;
    }
    return true;
  }

  #focus(el) {
    for (let e = el.parentElement; e; e = e.parentElement) if (e.tagName === 'DETAILS') e.open = true;
    el.focus();
  }

  #body() {
    const kind = this.kind;
    const value = (name, root = this.el) => {
      const input = liveInputs(root).find((i) => pathOf(i) === name);
      return input ? fieldValue(input) : '';
    };
    const body = { kind: this.code, idou_date: value('idou_date') };
    for (const k of ['todoke_date', 'idou_date_text', 'note']) if (value(k) !== '') body[k] = value(k);
    const changes = {};
    const collectChanges = (root, sendEmpty) => {
      for (const input of liveInputs(root)) {
        const p = pathOf(input);
        if (!p.startsWith('changes.')) continue;
        const v = fieldValue(input);
        if (v !== '' || sendEmpty) changes[p.slice(8)] = v;
      }
    };
    if (kind.persons) {
      body.persons = [...this.personList.children].map((card) => {
        const p = {};
        for (const input of liveInputs(card)) {
          const v = fieldValue(input);
          if (v !== '') p[input.dataset.field] = v;
        }
        return p;
      });
      if (this.householdMode() === 'join') body.setai = foldNumber(value('setai'));
      collectChanges(this.el, false);
    }
    if (kind.subjects) {
      body.subjects = [...this.subjectList.children].map((li, i) => {
        const s = { atena: this.subjects[i].atena };
        const z = li.querySelector('[data-field="zokugara"]');
        if (z) s.zokugara = z.value.trim();
        return s;
      });
      if (kind.household) body.setai = foldNumber(value('setai'));
      if (this.changesBox) collectChanges(this.changesBox, SEND_EMPTY.has(this.code));
      if (this.starBox) collectChanges(this.starBox, true);
    }
    if (kind.target) body.target = Number(this.el.querySelector('input[name="target"]:checked').value);
    if (Object.keys(changes).length) body.changes = changes;
    return body;
  }

  // Who the 異動 was about, for the result: names from the form.
  #people(res, body) {
    return res.atena.map((atena, i) => {
      let name = '';
      if (body.persons) name = body.persons[i]?.shimei ?? '';
      else name = this.subjects.find((s) => s.atena === atena)?.record.shimei ?? (this.targetPerson?.atena === atena ? this.targetPerson.shimei : '');
      return { atena, name };
    });
  }

  #showApiError(err) {
    let path = err.field;
    // Some errors name a record item without its place ("nationality"); the
    // message starts with the full path.
    const m = /^((?:persons|subjects)\[\d+\]\.[a-z_]+)/.exec(err.message || '');
    if (m && path && !path.includes('.') && m[1].endsWith(`.${path}`)) path = m[1];
    // A conflict in one subject's timeline starts with their 宛名番号.
    const who = /^([0-9]+):/.exec(err.message || '');
    const at = who && path === 'subjects' ? this.subjects.findIndex((s) => s.atena === who[1]) : -1;
    if (at >= 0) path = `subjects[${at}].atena`;
    const input = path ? liveInputs(this.el).find((i) => pathOf(i) === path) : null;
    if (input) {
      setFieldError(input, errorMessage(err, labelOf(input)));
      this.#showError('入力内容を確認してください。');
      this.#focus(input);
      return;
    }
    const message = errorMessage(err);
    const box = path ? this.#sectionError(path, message) : null;
    this.#showError(box ? '入力内容を確認してください。' : message);
    if (box) {
      const li = box.closest('li, fieldset');
      this.#focus(li?.querySelector('button, input, select') ?? this.errorBox);
    } else {
      this.errorBox.setAttribute('tabindex', '-1');
      this.errorBox.focus();
    }
  }

  async #submit() {
    if (this.busy) return;
    if (!this.#validate()) return;
    const body = this.#body();
    this.busy = true;
    this.submitButton.disabled = true;
    this.el.setAttribute('aria-busy', 'true');
    try {
      const res = await api.post('/residents/idou', body);
      if (!this.ctx.alive()) return;
      this.onRecorded({ ...res, idou_date: body.idou_date, people: this.#people(res, body) });
    } catch (err) {
      if (err?.name !== 'ApiError') {
        console.error(err);
        this.#showError('画面の処理でエラーが発生しました。画面を再読み込みしてください。');
      } else if (err.status !== 401) {
        this.#showApiError(err);
      }
    } finally {
      this.busy = false;
      this.submitButton.disabled = false;
      this.el.removeAttribute('aria-busy');
    }
  }
}

// ---- finding a person -----------------------------------------------------------------

// A search box for one person: フリガナ, 氏名 or 宛名番号; Enter searches, the
// arrow keys move through the hits, Enter picks.
function personPicker({ label, status, onPick }) {
  const id = uid('pick');
  const input = h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'picker-input', 'aria-describedby': `${id}-hint ${id}-msg` });
  const msg = h('p', { class: 'hint picker-msg', id: `${id}-msg`, role: 'status' });
  const results = h('ul', { class: 'picker-results', 'aria-label': '候補' });

  function buttons() { return [...results.querySelectorAll('button')]; }

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
      r = await api.get('/persons', { ...q, status: status(), limit: 10 });
    } catch (err) {
      if (err.status !== 401) msg.textContent = errorMessage(err);
      return;
    }
    msg.textContent = r.items.length === 0 ? '見つかりませんでした。' : `${r.items.length}${r.next ? '件以上' : '件'}見つかりました。↓キーで選び、Enterキーで決めます。`;
    for (const p of r.items) {
      const b = h('button', { type: 'button', class: 'picker-hit', dataset: { atena: p.atena } },
        h('strong', { text: p.shimei }), ' ', h('span', { class: 'small', text: p.shimei_kana }), ' ',
        h('span', { class: 'small', text: `${p.birth ? formatBoth(p.birth) : ''}　${p.address}　宛名番号 ${p.atena}` }),
        p.status === 'removed' ? [' ', statusBadge(p.status)] : null);
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
    h('label', { for: id, text: label }),
    h('p', { class: 'hint', id: `${id}-hint`, text: 'フリガナ・氏名・宛名番号で検索（Enterキー）' }),
    h('div', { class: 'picker-row' }, input, h('button', { type: 'button', class: 'button small', on: { click: run } }, '検索')),
    msg, results);
  return { el, focus: () => input.focus() };
}
