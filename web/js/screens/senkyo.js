// senkyo.js — 選挙人名簿: the election office's screens.
//
//   #/senkyo              the roll on a 基準日 (定時登録, or 選挙時登録 with a
//                         選挙期日): counts by 投票区 and sex, who was left off
//                         and why, the roll in pages, PDF and CSV
//   #/senkyo/shikken      失権 entries: persons without 選挙権 (from notices the
//                         register does not receive), added, ended, withdrawn
//   #/senkyo/districts    the 投票区 table: codes, names, 投票所, address prefixes
//
// Every read is audited by the server. The files are fetched with the
// instant (known_at) of the list on the screen, so they show the same roll.

import { api } from '../api.js';
import { h, clear, formatDateTime, uid } from '../dom.js';
import { Form } from '../form.js';
import { errorMessage } from '../messages.js';
import { parseDate, todayJapan, formatWareki, formatBoth } from '../wareki.js';
import { SEX_LABELS, foldNumber } from './residents_common.js';

const ITEM = 'residents.senkyo';
export const SENKYO_PATHS = { [ITEM]: '/senkyo' };
export function senkyoRoutes() {
  return [
    { re: /^\/senkyo$/, item: ITEM, screen: rollScreen },
    { re: /^\/senkyo\/shikken$/, item: ITEM, screen: shikkenScreen },
    { re: /^\/senkyo\/districts$/, item: ITEM, screen: districtsScreen },
  ];
}

function subnav(current) {
  const links = [['/senkyo', '選挙人名簿'], ['/senkyo/shikken', '選挙権を有しない者（失権）'], ['/senkyo/districts', '投票区の設定']];
  return h('nav', { class: 'button-row', 'aria-label': '選挙人名簿の画面' },
    links.map(([to, label]) => h('a', { href: '#' + to, class: ['button', to === current ? 'primary' : null],
      'aria-current': to === current ? 'page' : null, text: label })));
}

// The latest 定時登録 基準日 (the 1st of March, June, September or December)
// on or before today.
function lastTeijiKijun() {
  const t = todayJapan();
  let y = Number(t.slice(0, 4));
  const m = Number(t.slice(5, 7));
  let q = [12, 9, 6, 3].find((x) => x <= m);
  if (!q) { q = 12; y -= 1; }
  return `${y}-${String(q).padStart(2, '0')}-01`;
}

const dateCheck = (v) => (v ? parseDate(v).error ?? null : null);
const isoOf = (v) => (v ? parseDate(v).iso : '');
const n = (x) => Number(x).toLocaleString('ja-JP');

// ---- the roll --------------------------------------------------------------------

const PAGE = 100;
let lastCriteria = null; // for coming back to the screen in the same session

export async function rollScreen(ctx) {
  ctx.setTitle('選挙人名簿');
  const table = await api.get('/senkyo/districts');
  if (!ctx.alive()) return null;
  const districtOptions = [{ value: '', label: 'すべての投票区' },
    ...table.districts.map((d) => ({ value: d.code, label: `第${d.code}投票区 ${d.name}` }))];

  let criteria = null;
  let next = null;
  const form = new Form({
    legend: '作成の条件',
    submitLabel: '表示する',
    class: 'grid-form filter-form',
    ariaLabel: '選挙人名簿の条件',
    fields: [
      { name: 'kijun', label: '基準日', required: true, maxlength: 20, inputClass: 'code-input', value: formatWareki(lastTeijiKijun()),
        hint: '定時登録は3・6・9・12月の1日。選挙時登録は公示・告示日の前日', validate: dateCheck },
      { name: 'senkyo', label: '選挙期日', maxlength: 20, inputClass: 'code-input',
        hint: '選挙時登録のときだけ（年齢はこの日で数えます）', validate: (v, all) => {
          const bad = dateCheck(v);
          if (bad || !v) return bad;
          return isoOf(v) < isoOf(all.kijun) ? '選挙期日は基準日以後の日付にしてください。' : null;
        } },
      { name: 'district', label: '投票区', type: 'select', options: districtOptions, value: '' },
    ],
    fieldMap: { kijun_date: 'kijun', senkyo_date: 'senkyo' },
    async onSubmit(v) {
      await show({ kijun_date: isoOf(v.kijun), senkyo_date: isoOf(v.senkyo), district: v.district });
    },
  });

  const basis = h('div', { class: 'panel', hidden: true, 'aria-live': 'polite' });
  const counts = h('div', { hidden: true });
  const files = h('div', { class: 'button-row', hidden: true });
  const count = h('p', { class: 'count', tabindex: '-1' });
  const tbody = h('tbody');
  const scroller = h('div', { class: 'table-scroll', hidden: true },
    h('table', { class: 'data-table roll-table' },
      h('caption', { class: 'visually-hidden', text: '選挙人名簿' }),
      h('thead', {}, h('tr', {}, ['投票区', '番号', '氏名', 'フリガナ', '生年月日', '性別', '住所・方書', '備考']
        .map((t) => h('th', { scope: 'col', text: t })))),
      tbody));
  const more = h('button', { type: 'button', class: 'button', hidden: true, on: { click: loadMore } }, 'さらに表示');

  function fileLink(path, label, extra = {}) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...criteria, ...extra })) if (v) q.append(k, v);
    return h('a', { class: 'button', href: `/api/v1/senkyo/${path}?${q}`, download: '', text: label });
  }

  function row(e) {
    return h('tr', { class: e.status === 'moved_out' ? 'attention' : null, dataset: { atena: e.atena } },
      h('td', { class: 'nowrap', text: e.district ? `${e.district.code} ${e.district.name}` : '—' }),
      h('td', { class: 'num', text: String(e.number) }),
      h('td', { text: e.shimei }),
      h('td', { text: e.shimei_kana }),
      h('td', { class: 'nowrap', text: e.birth_wareki }),
      h('td', { text: SEX_LABELS[e.sex] ?? '' }),
      h('td', {}, e.address, e.katagaki ? [h('br'), e.katagaki] : null),
      h('td', { class: 'nowrap', text: e.status === 'moved_out' ? `転出表示（${formatWareki(e.moved_out_date)}）` : '' }));
  }

  function countsView(s) {
    const other = s.all.other > 0;
    const head = ['投票区', '男', '女', ...(other ? ['その他'] : []), '計', 'うち転出表示'];
    const cells = (c) => [c.male, c.female, ...(other ? [c.other] : []), c.total, c.moved_out]
      .map((x) => h('td', { class: 'num', text: n(x) }));
    const ex = s.excluded;
    const notes = [
      `基準日の住民 ${n(s.residents)}人のうち、登録されない人：外国人住民 ${n(ex.foreign)}人、年齢満18年未満 ${n(ex.under_age)}人、`
        + `住民基本台帳への記録3箇月未満 ${n(ex.short)}人、選挙権を有しない者 ${n(ex.shikken)}人`
        + (ex.birth_unknown ? `、生年月日不詳 ${n(ex.birth_unknown)}人` : '') + '。',
    ];
    if (s.by_default) notes.push(`住所がどの投票区の設定にも当たらず、既定の投票区に入った人：${n(s.by_default)}人（投票区の設定を確認してください）。`);
    if (s.no_todoke) notes.push(`届出日が記録されておらず、異動日から3箇月を数えた人：${n(s.no_todoke)}人。`);
    return [
      h('h2', { text: '選挙人名簿登録者数' }),
      h('div', { class: 'table-scroll' }, h('table', { class: 'data-table summary-table' },
        h('caption', { class: 'visually-hidden', text: '投票区別・男女別の登録者数' }),
        h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {},
          s.districts.map((d) => h('tr', { dataset: { district: d.code ?? '' } },
            h('th', { scope: 'row', text: d.code ? `第${d.code}投票区 ${d.name}` : d.name }), cells(d))),
          h('tr', { class: 'total', dataset: { district: 'all' } }, h('th', { scope: 'row', text: '合計' }), cells(s.all))))),
      h('ul', { class: 'plain-list notes' }, notes.map((t) => h('li', { text: t }))),
    ];
  }

  async function show(c) {
    const query = { kijun_date: c.kijun_date, senkyo_date: c.senkyo_date };
    const [s, r] = await Promise.all([
      api.get('/senkyo/summary', query),
      api.get('/senkyo/meibo', { ...query, district: c.district, limit: PAGE }),
    ]);
    if (!ctx.alive()) return;
    // The files read the register as the list on the screen did.
    criteria = { ...query, district: c.district, known_at: r.known_at };
    lastCriteria = { owner: ctx.me.user.id, ...c };
    clear(basis).append(
      h('p', { class: 'verdict', text: `${r.registration.label}　基準日 ${formatBoth(r.kijun_date)}`
        + (r.senkyo_date ? `　選挙期日 ${formatBoth(r.senkyo_date)}` : '') }),
      h('p', { class: 'hint', text: `年齢は${formatWareki(r.age_date)}現在で数えます。住民基本台帳の ${formatDateTime(r.known_at)} 現在の記録によります。` }));
    basis.hidden = false;
    clear(counts).append(...countsView(s));
    counts.hidden = false;
    clear(files).append(
      fileLink('meibo.pdf', '名簿を印刷（PDF）'),
      fileLink('meibo.csv', 'CSV（UTF-8）'),
      fileLink('meibo.csv', 'CSV（Shift_JIS）', { encoding: 'cp932', unmappable: 'geta' }),
      fileLink('summary.pdf', '登録者数を印刷（PDF）', { district: '' }));
    files.hidden = false;
    clear(tbody);
    append(r);
    ctx.flash(`${r.registration.label}の選挙人名簿：${n(r.total)}人`, 'info');
  }

  function append(r) {
    for (const e of r.items) tbody.append(row(e));
    next = r.next;
    more.hidden = !next;
    scroller.hidden = tbody.rows.length === 0;
    count.textContent = r.total === 0 ? '登録される人はいません。'
      : `${n(r.total)}人中 ${n(tbody.rows.length)}人を表示${next ? '（「さらに表示」で続きを表示します）' : ''}`
        + '。Shift_JIS の CSV では、Shift_JIS にない文字は〓になります。';
  }

  async function loadMore() {
    if (!next) return;
    more.disabled = true;
    try {
      const r = await api.get('/senkyo/meibo', { kijun_date: criteria.kijun_date, senkyo_date: criteria.senkyo_date,
        district: criteria.district, limit: PAGE, after: next });
      if (ctx.alive()) append(r);
    } catch (err) {
      if (err.status !== 401) ctx.flash(errorMessage(err), 'error');
    } finally {
      more.disabled = false;
    }
  }

  ctx.root.append(
    h('h1', { text: '選挙人名簿' }),
    subnav('/senkyo'),
    h('p', { class: 'lead', text: '住民基本台帳から、基準日に年齢満18年以上の日本国民で、住民票が作成された日（転入は転入届の日）から引き続き3箇月以上記録されている人の名簿を作ります（公職選挙法第9条・第21条）。転出して4箇月を経過しない人は転出表示で載ります。表示と印刷は監査ログに記録されます。' }),
    ...(table.districts.length ? []
      : [h('div', { class: 'panel panel-info' }, h('p', { text: '投票区が設定されていません。「投票区の設定」で設定すると、投票区ごとの名簿になります。' }))]),
    h('div', { class: 'panel' }, form.el),
    basis, counts, files,
    h('h2', { text: '名簿' }),
    count, scroller,
    h('div', { class: 'button-row' }, more));

  if (lastCriteria && lastCriteria.owner === ctx.me.user.id) {
    const c = lastCriteria;
    form.setValues({ kijun: formatWareki(c.kijun_date), senkyo: c.senkyo_date ? formatWareki(c.senkyo_date) : '', district: c.district });
    await show(c);
  }
  return form.input('kijun');
}

// ---- 失権 ------------------------------------------------------------------------

export async function shikkenScreen(ctx) {
  ctx.setTitle('選挙権を有しない者（失権）');
  let bases = [];
  const tbody = h('tbody');
  const count = h('p', { class: 'count', tabindex: '-1' });
  const scroller = h('div', { class: 'table-scroll', hidden: true },
    h('table', { class: 'data-table shikken-table' },
      h('caption', { class: 'visually-hidden', text: '失権の記録' }),
      h('thead', {}, h('tr', {}, ['宛名番号', '根拠', '理由（通知など）', '期間', '記録', '操作']
        .map((t) => h('th', { scope: 'col', text: t })))),
      tbody));

  function period(e) {
    return `${formatWareki(e.from_date)}から${e.until_date ? `${formatWareki(e.until_date)}まで` : '（終了日未定）'}`;
  }

  function row(e) {
    const untilId = uid('until');
    const until = h('input', { id: untilId, type: 'text', class: 'code-input', maxlength: 20, autocomplete: 'off',
      value: e.until_date ? formatWareki(e.until_date) : '' });
    const endButton = h('button', { type: 'button', class: 'button small' }, '終了日を設定');
    const withdraw = h('button', { type: 'button', class: 'button small danger' }, '取り消す');
    const confirm = h('button', { type: 'button', class: 'button small danger', hidden: true }, '取消しを確定');
    const msg = h('p', { class: 'field-error', role: 'alert', hidden: true });
    endButton.addEventListener('click', async () => {
      const d = parseDate(until.value);
      if (d.error) { msg.textContent = d.error; msg.hidden = false; until.focus(); return; }
      try {
        await api.patch(`/senkyo/shikken/${e.id}`, { until_date: d.iso ?? '' });
        if (ctx.alive()) { ctx.flash('終了日を記録しました（元の記録は履歴として残ります）。'); await load(); }
      } catch (err) {
        if (err.status !== 401) { msg.textContent = errorMessage(err, '終了日'); msg.hidden = false; }
      }
    });
    withdraw.addEventListener('click', () => { withdraw.hidden = true; confirm.hidden = false; confirm.focus(); });
    confirm.addEventListener('click', async () => {
      try {
        await api.del(`/senkyo/shikken/${e.id}`);
        if (ctx.alive()) { ctx.flash('記録を取り消しました（取消しの記録が残ります）。'); await load(); }
      } catch (err) {
        if (err.status !== 401) { msg.textContent = errorMessage(err); msg.hidden = false; }
      }
    });
    return h('tr', { dataset: { id: String(e.id), atena: e.atena } },
      h('td', { class: 'mono', text: e.atena }),
      h('td', { text: e.basis_label }),
      h('td', { text: e.reason }),
      h('td', { text: period(e) }),
      h('td', { class: 'small', text: `${formatDateTime(e.created_at)} ${e.created_by}` }),
      h('td', {},
        h('div', { class: 'inline-field' }, h('label', { for: untilId, text: '終了日' }), until, endButton),
        h('div', { class: 'button-row' }, withdraw, confirm), msg));
  }

  async function load() {
    const r = await api.get('/senkyo/shikken');
    if (!ctx.alive()) return;
    bases = r.bases;
    clear(tbody).append(...r.items.map(row));
    scroller.hidden = r.items.length === 0;
    count.textContent = r.items.length ? `${r.items.length}件の記録があります。` : '記録はありません。';
  }
  await load();
  if (!ctx.alive()) return null;

  const form = new Form({
    legend: '記録する',
    submitLabel: '記録する',
    class: 'grid-form',
    ariaLabel: '失権の記録',
    fields: [
      { name: 'atena', label: '宛名番号', required: true, maxlength: 15, inputmode: 'numeric', inputClass: 'code-input',
        validate: (v) => (/^[0-9]+$/.test(foldNumber(v)) ? null : '宛名番号は数字で入力してください。') },
      { name: 'basis', label: '根拠', type: 'select', required: true,
        options: [{ value: '', label: '選んでください' }, ...bases.map((b) => ({ value: b.code, label: b.label }))] },
      { name: 'reason', label: '理由（通知など）', required: true, maxlength: 200, wide: true,
        hint: '通知の名称・番号など（例：検察庁からの既決犯罪通知 第12号）。罪名などは記録しません。' },
      { name: 'from_date', label: '開始日', required: true, maxlength: 20, inputClass: 'code-input', validate: dateCheck },
      { name: 'until_date', label: '終了日', maxlength: 20, inputClass: 'code-input', hint: '分からなければ空欄',
        validate: (v, all) => {
          const bad = dateCheck(v);
          if (bad || !v || !all.from_date || dateCheck(all.from_date)) return bad;
          return isoOf(v) < isoOf(all.from_date) ? '終了日は開始日以後の日付にしてください。' : null;
        } },
    ],
    async onSubmit(v, f) {
      await api.post('/senkyo/shikken', { atena: foldNumber(v.atena), basis: v.basis, reason: v.reason,
        from_date: isoOf(v.from_date), ...(v.until_date ? { until_date: isoOf(v.until_date) } : {}) });
      if (!ctx.alive()) return;
      f.reset();
      ctx.flash('記録しました。基準日がこの期間にあるとき、この人は選挙人名簿に載りません。');
      await load();
    },
  });

  ctx.root.append(
    h('h1', { text: '選挙権を有しない者（失権）' }),
    subnav('/senkyo/shikken'),
    h('p', { class: 'lead', text: '公職選挙法第11条第1項・第252条、政治資金規正法第28条により選挙権を有しない人を、受け取った通知に基づいて記録します。住民基本台帳にはない情報です。記録・表示はすべて監査ログに残ります。' }),
    h('div', { class: 'panel' }, form.el),
    h('h2', { text: '記録の一覧' }),
    count, scroller);
  return form.input('atena');
}

// ---- 投票区 -----------------------------------------------------------------------

export async function districtsScreen(ctx) {
  ctx.setTitle('投票区の設定');
  const t = await api.get('/senkyo/districts');
  if (!ctx.alive()) return null;
  const tbody = h('tbody');
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const info = h('p', { class: 'hint' });
  const showInfo = (x) => {
    info.textContent = x.version ? `設定 ${x.version}版（${formatDateTime(x.set_at)} ${x.set_by}）` : 'まだ設定されていません。';
  };
  showInfo(t);
  const group = uid('default');

  function row(d = {}) {
    const inputs = {
      code: h('input', { type: 'text', class: 'code-input', maxlength: 8, value: d.code ?? '', 'aria-label': '投票区コード', autocomplete: 'off' }),
      name: h('input', { type: 'text', maxlength: 40, value: d.name ?? '', 'aria-label': '名称', autocomplete: 'off' }),
      place: h('input', { type: 'text', maxlength: 60, value: d.place ?? '', 'aria-label': '投票所', autocomplete: 'off' }),
      default: h('input', { type: 'radio', name: group, checked: !!d.default, 'aria-label': '既定の投票区' }),
      prefixes: h('input', { type: 'text', value: (d.prefixes ?? []).join('、'), 'aria-label': '住所（大字など、「、」で区切る）', autocomplete: 'off' }),
    };
    const remove = h('button', { type: 'button', class: 'button small', text: '削除' });
    const tr = h('tr', {}, ['code', 'name', 'place', 'prefixes', 'default'].map((k) => h('td', {}, inputs[k])), h('td', {}, remove));
    tr.inputs = inputs;
    remove.addEventListener('click', () => { tr.remove(); });
    return tr;
  }
  tbody.append(...t.districts.map(row));
  if (!t.districts.length) tbody.append(row({ default: true }));

  function collect() {
    return [...tbody.rows].map((tr) => {
      const i = tr.inputs;
      return { code: i.code.value.trim(), name: i.name.value.trim(), place: i.place.value.trim(), default: i.default.checked,
        prefixes: i.prefixes.value.split(/[、,，\s]+/).map((s) => s.trim()).filter(Boolean) };
    });
  }

  function showError(err) {
    for (const tr of tbody.rows) for (const el of Object.values(tr.inputs)) el.removeAttribute('aria-invalid');
    const m = /^districts\[(\d+)\]\.(code|name|place|prefixes)/.exec(err.field ?? '');
    const input = m ? tbody.rows[Number(m[1])]?.inputs[m[2]] : null;
    errorBox.textContent = (m ? `${Number(m[1]) + 1}行目：` : '') + districtMessage(err);
    errorBox.hidden = false;
    if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
  }

  const save = h('button', { type: 'submit', class: 'button primary', text: '保存する' });
  const add = h('button', { type: 'button', class: 'button', text: '行を追加' });
  add.addEventListener('click', () => { const tr = row(); tbody.append(tr); tr.inputs.code.focus(); });
  const formEl = h('form', { class: 'form', novalidate: true, 'aria-label': '投票区の設定' },
    errorBox,
    h('div', { class: 'table-scroll' }, h('table', { class: 'data-table districts-table' },
      h('caption', { class: 'visually-hidden', text: '投票区' }),
      h('thead', {}, h('tr', {}, ['コード', '名称', '投票所', '住所（大字など）', '既定', ''].map((x) => h('th', { scope: 'col', text: x })))),
      tbody)),
    h('div', { class: 'form-actions' }, save, add));
  formEl.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errorBox.hidden = true;
    save.disabled = true;
    try {
      const r = await api.put('/senkyo/districts', { districts: collect() });
      if (!ctx.alive()) return;
      showInfo(r);
      clear(tbody).append(...r.districts.map(row));
      ctx.flash('投票区を保存しました。以前の設定は履歴として残ります。');
    } catch (err) {
      if (err.status !== 401) showError(err);
    } finally {
      save.disabled = false;
    }
  });

  ctx.root.append(
    h('h1', { text: '投票区の設定' }),
    subnav('/senkyo/districts'),
    h('p', { class: 'lead', text: '住所の町名の後ろ（大字・字を除いた部分）の先頭が「住所」に当たる人を、その投票区に入れます。いちばん長く当たるものが優先され、どれにも当たらない人は既定の投票区に入ります。' }),
    info, formEl);
  return tbody.rows[0]?.inputs.code ?? save;
}

function districtMessage(err) {
  const m = err.message ?? '';
  if (/repeats districts/.test(m)) return err.field?.endsWith('code') ? 'コードが重複しています。' : '同じ住所が2つの行にあります。';
  if (/digits, letters and '-'/.test(m)) return 'コードは英数字と「-」で入力してください。';
  if (/must be 1 to \d+ characters/.test(m)) return 'コードは1〜8文字で入力してください。';
  if (/exactly one 投票区 is the default/.test(m)) return '既定の投票区を1つ選んでください。';
  if (/only 大字 or 字/.test(m)) return '住所には大字の名前を入力してください。';
  if (/must have 1 to/.test(m) || err.code === 'missing_field') return '投票区を1つ以上設定してください。';
  return errorMessage(err, err.field?.endsWith('name') ? '名称' : '');
}
