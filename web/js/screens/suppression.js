// suppression.js — 支援措置 (DV等支援措置, 抑止): the measures that keep a
// protected person's address from those who must not find it.
//
//   #/residents/suppression                 the measures (一覧) and 新しい申出
//   #/residents/suppression/new[/{atena}]   申出の受付: the form
//   #/residents/suppression/{id}            one measure: persons, period, what it
//                                           refuses, its history; 延長 and 解除
//   #/residents/suppression/approvals       承認待ち: the second user's queue
//
// Every proposal (申出, 延長, 解除) waits for another user who may approve
// it; the page marks the user's own proposals and the server refuses them
// anyway. Reading a measure is audited by the server.

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { errorMessage } from '../messages.js';
import { todayJapan, formatBoth } from '../wareki.js';
import {
  field, pathOf, liveInputs, fieldValue, clearFieldErrors, setFieldError, checkField, labelOf,
  foldNumber, personPath, hasItem,
} from './residents_common.js';

export const SUPPRESSION_PATHS = {
  'residents.suppression': '/residents/suppression',
  'residents.suppression_approve': '/residents/suppression/approvals',
};

export function suppressionRoutes() {
  return [
    { re: /^\/residents\/suppression$/, item: 'residents.suppression', screen: listScreen },
    { re: /^\/residents\/suppression\/new(?:\/([0-9]{1,15}))?$/, item: 'residents.suppression', screen: newScreen, params: ['atena'] },
    { re: /^\/residents\/suppression\/approvals$/, item: 'residents.suppression_approve', screen: approvalsScreen },
    { re: /^\/residents\/suppression\/([1-9][0-9]{0,17})$/, item: 'residents.suppression', screen: measureScreen, params: ['id'] },
  ];
}

export const measurePath = (id) => `/residents/suppression/${id}`;

// The catalogues and the town's defaults (not personal data): once per page.
let codesPromise = null;
export function suppressionCodes() {
  codesPromise ??= api.get('/suppression-codes').catch((err) => {
    codesPromise = null;
    throw err;
  });
  return codesPromise;
}
const labelIn = (table, code) => table.find((c) => c.code === code)?.label ?? code;
const labelsIn = (table, codes) => codes.map((c) => labelIn(table, c)).join('、');

const STATE_CLASS = {
  pending: 'status-warn', scheduled: 'status-warn', active: 'status-on', expired: 'status-off',
  lifted: 'status-off', rejected: 'status-off',
};
const stateBadge = (m) => h('span', { class: ['status', STATE_CLASS[m.state] ?? 'status-off'], dataset: { state: m.state }, text: m.state_label });
const period = (m) => `${formatBoth(m.from)} 〜 ${formatBoth(m.to)}`;
const names = (m) => m.persons.map((p) => p.shimei || p.atena).join('、');

// The warning every screen that shows a protected person carries.
export function suppressionBanner(s, codes, { subject = 'この方' } = {}) {
  if (!s) return null;
  const lines = [];
  lines.push(s.person
    ? `${subject}は支援措置（DV等支援措置）の対象者です${s.until ? `（${formatBoth(s.until)}まで）` : ''}。`
    : `${subject}は支援措置の対象者と同じ世帯です。住所は対象者と同じく保護されています。`);
  if (s.blocks?.length && codes) lines.push(`次の請求等には応じられません：${labelsIn(codes.blocks, s.blocks)}。`);
  if (s.address_masked) lines.push('あなたの役割では、住所を表示できません。');
  if (s.withheld) lines.push('この方の記録は、措置で認められた目的の照会でのみ表示されます。');
  return h('div', { class: 'panel panel-error suppression-banner', role: 'note', dataset: { suppression: s.person ? 'person' : 'household' } },
    h('p', {}, h('strong', { text: '支援措置' }), ' ', lines[0]),
    lines.slice(1).map((l) => h('p', { class: 'small', text: l })),
    s.measure ? h('p', { class: 'small' }, h('a', { href: '#' + measurePath(s.measure) }, `措置 第${s.measure}号を表示`)) : null);
}

// ---- 一覧 -------------------------------------------------------------------------

async function listScreen(ctx) {
  ctx.setTitle('支援措置');
  const tbody = h('tbody');
  const count = h('p', { class: 'count' });
  const atenaInput = h('input', { id: 'supp-filter-atena', type: 'text', inputmode: 'numeric', maxlength: 15, class: 'code-input', autocomplete: 'off' });
  let before = null;
  const more = h('button', { type: 'button', class: 'button', hidden: true, on: { click: () => load(true) } }, 'さらに表示');

  async function load(append) {
    const atena = foldNumber(atenaInput.value);
    const r = await api.get('/suppressions', { atena, before: append ? before : '' });
    if (!ctx.alive()) return;
    if (!append) clear(tbody);
    for (const m of r.items) {
      tbody.append(h('tr', { class: m.applies ? 'attention' : null, dataset: { id: m.id } },
        h('td', { class: 'num' }, h('a', { href: '#' + measurePath(m.id) }, `第${m.id}号`)),
        h('td', { text: names(m) }),
        h('td', { text: m.category_label }),
        h('td', { class: 'nowrap', text: period(m) }),
        h('td', {}, stateBadge(m))));
    }
    before = r.next_before;
    more.hidden = before === null;
    count.textContent = tbody.rows.length === 0 ? '支援措置はありません。' : `${tbody.rows.length}件`;
  }

  const filter = h('form', { class: 'inline-field', novalidate: true, on: { submit: (ev) => { ev.preventDefault(); load(false).catch((e) => ctx.flash(errorMessage(e), 'error')); } } },
    h('label', { for: atenaInput.id, text: '宛名番号で絞り込む' }), atenaInput,
    h('button', { type: 'submit', class: 'button small' }, '表示'));

  ctx.root.append(
    h('h1', { text: '支援措置' }),
    h('p', { class: 'lead', text: 'DV・ストーカー行為等・児童虐待などの被害者の申出により、住民票の写し等の交付や閲覧を制限する措置（住民基本台帳事務におけるDV等支援措置）です。申出・延長・解除は、別の職員の承認で確定します。' }),
    h('div', { class: 'button-row' },
      h('a', { class: 'button primary', href: '#/residents/suppression/new' }, '新しい申出を受け付ける'),
      hasItem(ctx.me, 'residents.suppression_approve') ? h('a', { class: 'button', href: '#/residents/suppression/approvals' }, '承認待ちを見る') : null),
    h('div', { class: 'panel as-of-panel' }, filter),
    h('h2', { text: '措置の一覧' }),
    count,
    h('div', { class: 'table-scroll' },
      h('table', { class: 'data-table suppression-table' },
        h('caption', { class: 'visually-hidden', text: '支援措置の一覧（新しい順）' }),
        h('thead', {}, h('tr', {}, ['番号', '対象者', '区分', '期間', '状態'].map((t) => h('th', { scope: 'col', text: t })))),
        tbody)),
    h('div', { class: 'button-row' }, more));
  await load(false);
  return null;
}

// ---- 申出の受付 -----------------------------------------------------------------------

function checkboxes(name, legend, table, chosen, hint) {
  const box = h('p', { class: 'field-error', dataset: { errorFor: name }, hidden: true });
  return h('fieldset', { class: 'group checks', dataset: { group: name } },
    h('legend', { text: legend }),
    hint ? h('p', { class: 'hint', text: hint }) : null,
    table.map((c) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name, value: c.code, checked: chosen.includes(c.code) }), ' ', c.label)),
    box);
}
const checked = (root, name) => [...root.querySelectorAll(`input[type="checkbox"][name="${name}"]:checked`)].map((i) => i.value);

async function newScreen(ctx) {
  ctx.setTitle('支援措置の申出');
  const codes = await suppressionCodes();
  const d = codes.defaults;
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const who = h('p', { class: 'hint', id: 'supp-applicant-name', 'aria-live': 'polite' });
  const atenaCheck = (v) => (/^[0-9]{1,15}$/.test(foldNumber(v)) ? null : '宛名番号は数字で入力してください。');
  const applicant = field({ name: 'applicant', label: '申出者（宛名番号）', required: true, value: ctx.params.atena ?? '', maxlength: 15, validate: atenaCheck });
  const joint = field({ name: 'joint', label: '併せて支援を求める者（宛名番号）', maxlength: 200, wide: true,
    hint: '申出者と同じ住所の方。複数のときは空白か読点で区切ります。',
    validate: (v) => (v && !String(v).split(/[\s、,，]+/).filter(Boolean).every((x) => /^[0-9]{1,15}$/.test(foldNumber(x))) ? '宛名番号を数字で、空白か読点で区切って入力してください。' : null) });
  const fields = [
    applicant, joint,
    field({ name: 'category', label: '区分', type: 'select', required: true, options: [{ value: '', label: '選択してください' }, ...codes.categories.map((c) => ({ value: c.code, label: c.label }))] }),
    field({ name: 'reason', label: '申出の理由', type: 'textarea', required: true, maxlength: 400, wide: true }),
    field({ name: 'applied_on', label: '申出日', type: 'date', required: true, value: todayJapan() }),
    field({ name: 'confirmer_kind', label: '支援の必要性を確認した機関', type: 'select', required: true, options: [{ value: '', label: '選択してください' }, ...codes.confirmers.map((c) => ({ value: c.code, label: c.label }))] }),
    field({ name: 'confirmer', label: '機関の名称', required: true, maxlength: 100, hint: '例：中之条警察署' }),
    field({ name: 'confirmed_on', label: '確認日', type: 'date', required: true }),
    field({ name: 'offender', label: '相手方（加害者）', maxlength: 200, hint: '氏名など（任意）。監査ログには記録されません。' }),
    field({ name: 'from', label: '開始日', type: 'date', hint: '省略すると申出日から' }),
    field({ name: 'to', label: '終了日', type: 'date', hint: `省略すると開始日から${d.period_months}か月（延長は別に申し出ます）` }),
    field({ name: 'note', label: '備考', type: 'textarea', maxlength: 400, wide: true }),
  ];
  const blocks = checkboxes('blocks', '制限する請求等', codes.blocks, d.blocks, '相手方その他の者からのこれらの請求・申出に応じません。');
  const purposes = checkboxes('purposes', '照会を認める目的', codes.purposes, d.purposes, '対象者の記録は、権限のある職員がこれらの目的で照会するときだけ表示されます。');
  const submit = h('button', { type: 'submit', class: 'button primary' }, '申出を登録する（承認待ちになります）');
  const form = h('form', { class: 'form grid-form supp-form', novalidate: true, 'aria-label': '支援措置の申出' },
    errorBox,
    h('div', { class: 'fields' }, fields),
    blocks, purposes,
    h('div', { class: 'form-actions' }, submit, h('a', { class: 'button', href: '#/residents/suppression' }, 'やめる')));

  // Who the 申出者 is, as the clerk types the number.
  async function showApplicant() {
    const v = foldNumber(applicant.input.value);
    who.textContent = '';
    if (!/^[0-9]{1,15}$/.test(v)) return;
    try {
      const r = await api.get('/persons', { atena: v, status: 'all' });
      if (!ctx.alive()) return;
      who.textContent = r.items.length ? `申出者：${r.items[0].shimei}（${r.items[0].shimei_kana}）` : 'この宛名番号の住民は見つかりません。';
    } catch { /* the submit will say */ }
  }
  applicant.input.addEventListener('change', showApplicant);
  applicant.append(who);
  if (ctx.params.atena) showApplicant();

  function showError(err) {
    let path = err.field ?? '';
    const base = path.replace(/\[\d+\]$/, '');
    const input = liveInputs(form).find((i) => pathOf(i) === base);
    if (input) {
      setFieldError(input, errorMessage(err, labelOf(input)));
      errorBox.textContent = '入力内容を確認してください。';
      errorBox.hidden = false;
      input.focus();
      return;
    }
    const box = form.querySelector(`[data-error-for="${base}"]`);
    if (box) {
      box.textContent = errorMessage(err);
      box.hidden = false;
    }
    errorBox.textContent = box ? '入力内容を確認してください。' : errorMessage(err);
    errorBox.hidden = false;
    (box?.closest('fieldset')?.querySelector('input') ?? errorBox).focus();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    errorBox.hidden = true;
    const bad = [];
    for (const input of liveInputs(form)) {
      const msg = checkField(input);
      if (msg) { setFieldError(input, msg); bad.push(input); }
    }
    for (const [name, label] of [['blocks', '制限する請求等'], ['purposes', '照会を認める目的']]) {
      if (checked(form, name).length === 0) {
        const box = form.querySelector(`[data-error-for="${name}"]`);
        box.textContent = `${label}を1つ以上選んでください。`;
        box.hidden = false;
        bad.push(box.closest('fieldset').querySelector('input'));
      }
    }
    if (bad.length) {
      errorBox.textContent = `入力内容を確認してください（${bad.length}か所）。`;
      errorBox.hidden = false;
      bad[0].focus();
      return;
    }
    const value = (name) => fieldValue(liveInputs(form).find((i) => pathOf(i) === name));
    const body = { applicant: foldNumber(value('applicant')) };
    const jointList = String(value('joint')).split(/[\s、,，]+/).map(foldNumber).filter(Boolean);
    if (jointList.length) body.joint = jointList;
    for (const k of ['category', 'reason', 'applied_on', 'confirmer_kind', 'confirmer', 'confirmed_on', 'offender', 'from', 'to', 'note']) {
      const v = value(k);
      if (v !== '') body[k] = v;
    }
    body.blocks = checked(form, 'blocks');
    body.purposes = checked(form, 'purposes');
    submit.disabled = true;
    try {
      const r = await api.post('/suppressions', body);
      ctx.navigate(measurePath(r.id), `申出を登録しました（措置 第${r.id}号）。別の職員の承認を待っています。`);
    } catch (err) {
      if (err.status !== 401) showError(err);
    } finally {
      submit.disabled = false;
    }
  });

  ctx.root.append(
    h('p', {}, h('a', { href: '#/residents/suppression', class: 'back-link' }, '支援措置の一覧へ戻る')),
    h('h1', { text: '支援措置の申出' }),
    h('p', { class: 'lead', text: '申出書と、相談機関の意見（または保護命令決定書）を確認して入力します。登録した申出は、別の職員が承認すると確定します（承認前も、町の設定により保護されます）。' }),
    h('div', { class: 'panel' }, form));
  return applicant.input;
}

// ---- 一つの措置 -------------------------------------------------------------------------

function decisionControls(ctx, req, after) {
  if (req.state !== 'pending') return null;
  if (req.mine) return h('p', { class: 'hint', dataset: { own: 'true' }, text: 'ご自身の申請です。別の職員が承認します。' });
  if (!hasItem(ctx.me, 'residents.suppression_approve')) return h('p', { class: 'hint', text: '承認の権限のある職員が承認します。' });
  const noteId = `supp-note-${req.id}`;
  const note = h('input', { id: noteId, type: 'text', maxlength: 400, autocomplete: 'off', name: 'note' });
  const err = h('p', { class: 'field-error', hidden: true, role: 'alert' });
  async function decide(decision) {
    err.hidden = true;
    if (decision === 'reject' && !note.value.trim()) {
      err.textContent = '却下の理由を入力してください。';
      err.hidden = false;
      note.focus();
      return;
    }
    try {
      await api.post(`/suppression-requests/${req.id}/decision`, { decision, note: note.value.trim() });
      after(decision === 'approve' ? `${req.kind_label}を承認しました。` : `${req.kind_label}を却下しました。`);
    } catch (e) {
      if (e.status === 401) return;
      err.textContent = errorMessage(e);
      err.hidden = false;
    }
  }
  return h('div', { class: 'decision', dataset: { request: req.id } },
    h('div', { class: 'inline-field' }, h('label', { for: noteId, text: 'メモ（却下は必須）' }), note),
    err,
    h('div', { class: 'button-row' },
      h('button', { type: 'button', class: 'button primary', on: { click: () => decide('approve') } }, '承認する'),
      h('button', { type: 'button', class: 'button danger', on: { click: () => decide('reject') } }, '却下する')));
}

function changeForm(ctx, m, kind, after) {
  const extend = kind === 'extend';
  const id = `supp-${kind}`;
  const date = field({ name: extend ? 'to' : 'on', label: extend ? '延長後の終了日' : '解除日', type: 'date', required: extend,
    value: extend ? '' : todayJapan(), hint: extend ? `現在の終了日：${formatBoth(m.to)}` : '今日以降。この日から措置は適用されません。' });
  const note = field({ name: 'note', label: extend ? '備考' : '解除の理由', type: 'textarea', required: !extend, maxlength: 400, wide: true });
  const errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'form', id, novalidate: true, 'aria-label': extend ? '延長の申出' : '解除の申出' },
    h('fieldset', {}, h('legend', { text: extend ? '延長の申出' : '解除の申出' }),
      errorBox, h('div', { class: 'fields' }, date, note),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button primary' }, extend ? '延長を申し出る（承認待ち）' : '解除を申し出る（承認待ち）'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    errorBox.hidden = true;
    for (const input of liveInputs(form)) {
      const msg = checkField(input);
      if (msg) { setFieldError(input, msg); input.focus(); return; }
    }
    const body = { kind };
    for (const input of liveInputs(form)) if (fieldValue(input) !== '') body[pathOf(input)] = fieldValue(input);
    try {
      await api.post(`/suppressions/${m.id}/requests`, body);
      after(`${extend ? '延長' : '解除'}を申し出ました。別の職員の承認を待っています。`);
    } catch (e) {
      if (e.status === 401) return;
      const input = liveInputs(form).find((i) => pathOf(i) === e.field);
      if (input) { setFieldError(input, errorMessage(e, labelOf(input))); input.focus(); }
      errorBox.textContent = input ? '入力内容を確認してください。' : errorMessage(e);
      errorBox.hidden = false;
    }
  });
  return form;
}

async function measureScreen(ctx) {
  const id = ctx.params.id;
  ctx.setTitle(`支援措置 第${id}号`);
  const codes = await suppressionCodes();
  const host = h('div');
  const title = h('h1', { text: `支援措置 第${id}号` });

  async function load(message) {
    const m = await api.get(`/suppressions/${id}`);
    if (!ctx.alive()) return;
    if (message) ctx.flash(message, 'success');
    const pending = m.requests.find((r) => r.state === 'pending');
    const running = m.status === 'active' && (m.state === 'active' || m.state === 'scheduled');
    const reload = (msg) => load(msg).catch((e) => ctx.flash(errorMessage(e), 'error'));
    clear(host).append(h('div', { class: 'measure' },
      h('div', { class: 'panel' },
        h('p', { class: 'verdict' }, stateBadge(m), ' ', m.applies ? 'この措置は現在適用されています。' : 'この措置は現在適用されていません。'),
        h('dl', { class: 'summary' },
          h('dt', { text: '対象者' }),
          h('dd', {}, h('ul', { class: 'plain-list' }, m.persons.map((p) => h('li', {},
            h('a', { href: '#' + personPath(p.atena) }, p.shimei || p.atena), ` （${p.shimei_kana}、宛名番号 ${p.atena}）`, p.applicant ? ' 申出者' : ' 併せて支援を求める者')))),
          h('dt', { text: '区分' }), h('dd', { text: m.category_label }),
          h('dt', { text: '申出の理由' }), h('dd', { text: m.reason ?? '' }),
          h('dt', { text: '相手方' }), h('dd', { text: m.offender || '（記載なし）' }),
          h('dt', { text: '申出日' }), h('dd', { text: formatBoth(m.applied_on) }),
          h('dt', { text: '支援の必要性の確認' }), h('dd', { text: `${m.confirmer}（${m.confirmer_kind_label}）${formatBoth(m.confirmed_on)}` }),
          h('dt', { text: '期間' }), h('dd', { text: period(m) + (m.lifted_on ? `（${formatBoth(m.lifted_on)}に解除）` : '') }),
          h('dt', { text: '制限する請求等' }), h('dd', { text: labelsIn(codes.blocks, m.blocks) }),
          h('dt', { text: '照会を認める目的' }), h('dd', { text: labelsIn(codes.purposes, m.purposes) }),
          h('dt', { text: '受付' }), h('dd', { text: `${formatDateTime(m.created_at)}（${m.created_by}）` }))),
      pending ? h('section', { class: 'panel panel-info', 'aria-labelledby': 'supp-pending' },
        h('h2', { id: 'supp-pending', text: `承認待ち：${pending.kind_label}` }),
        h('p', { text: `${pending.proposed_by}が${formatDateTime(pending.proposed_at)}に申請${pending.to ? `（終了日を${formatBoth(pending.to)}に）` : ''}${pending.on ? `（${formatBoth(pending.on)}から）` : ''}。${pending.note ? `メモ：${pending.note}` : ''}` }),
        decisionControls(ctx, pending, reload)) : null,
      running && !pending ? h('div', { class: 'panel' }, changeForm(ctx, m, 'extend', reload)) : null,
      running && !pending ? h('div', { class: 'panel' }, changeForm(ctx, m, 'lift', reload)) : null,
      h('h2', { text: '履歴' }),
      h('div', { class: 'table-scroll' },
        h('table', { class: 'data-table history-table' },
          h('caption', { class: 'visually-hidden', text: 'この措置の申出・延長・解除と、その承認' }),
          h('thead', {}, h('tr', {}, ['申請', '内容', '申請者', '申請日時', '状態', '決定者', '決定日時', 'メモ'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, m.requests.map((r) => h('tr', { dataset: { request: r.id, state: r.state } },
            h('td', { text: r.kind_label }),
            h('td', { text: r.to ? `終了日 ${formatBoth(r.to)}` : r.on ? `${formatBoth(r.on)}から` : '' }),
            h('td', { text: r.proposed_by }),
            h('td', { class: 'nowrap', text: formatDateTime(r.proposed_at) }),
            h('td', { text: { pending: '承認待ち', approved: '承認', rejected: '却下' }[r.state] }),
            h('td', { text: r.decided_by ?? '' }),
            h('td', { class: 'nowrap', text: r.decided_at ? formatDateTime(r.decided_at) : '' }),
            h('td', { text: [r.note, r.decision_note].filter(Boolean).join(' ／ ') })))))))
    );
  }

  ctx.root.append(
    h('p', {}, h('a', { href: '#/residents/suppression', class: 'back-link' }, '支援措置の一覧へ戻る')),
    title, host);
  await load();
  return title;
}

// ---- 承認待ち --------------------------------------------------------------------------

async function approvalsScreen(ctx) {
  ctx.setTitle('支援措置の承認');
  const codes = await suppressionCodes();
  const list = h('div', { class: 'approval-list' });
  const count = h('p', { class: 'count', tabindex: '-1' });

  async function load(message) {
    const r = await api.get('/suppression-requests', { state: 'pending' });
    if (!ctx.alive()) return;
    if (message) ctx.flash(message, 'success');
    clear(list);
    count.textContent = r.items.length ? `承認待ちは${r.items.length}件です。` : '承認待ちの申請はありません。';
    for (const req of r.items) {
      const m = req.measure;
      list.append(h('section', { class: 'panel approval', dataset: { request: req.id, measure: m.id }, 'aria-labelledby': `appr-${req.id}` },
        h('h2', { id: `appr-${req.id}` }, h('a', { href: '#' + measurePath(m.id) }, `措置 第${m.id}号`), `：${req.kind_label}`),
        h('dl', { class: 'summary' },
          h('dt', { text: '対象者' }), h('dd', { text: names(m) }),
          h('dt', { text: '区分' }), h('dd', { text: m.category_label }),
          h('dt', { text: '期間' }), h('dd', { text: period(m) }),
          req.to ? [h('dt', { text: '延長後の終了日' }), h('dd', { text: formatBoth(req.to) })] : null,
          req.on ? [h('dt', { text: '解除日' }), h('dd', { text: formatBoth(req.on) })] : null,
          h('dt', { text: '制限する請求等' }), h('dd', { text: labelsIn(codes.blocks, m.blocks) }),
          h('dt', { text: '申請' }), h('dd', { text: `${req.proposed_by}（${formatDateTime(req.proposed_at)}）${req.note ? ` メモ：${req.note}` : ''}` })),
        decisionControls(ctx, req, (msg) => load(msg).then(() => count.focus()).catch((e) => ctx.flash(errorMessage(e), 'error')))));
    }
  }

  ctx.root.append(
    h('p', {}, h('a', { href: '#/residents/suppression', class: 'back-link' }, '支援措置の一覧へ')),
    h('h1', { text: '支援措置の承認' }),
    h('p', { class: 'lead', text: '申出・延長・解除は、申請した職員とは別の職員が承認すると確定します。ご自身の申請は承認できません。' }),
    count, list);
  await load();
  return null;
}
