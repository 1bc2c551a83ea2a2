// tenants.js — 団体管理: the consortium's tenant registry (operators).
//
//   #/admin/tenants         register a town (optionally its first administrator); list
//   #/admin/tenants/{code}  rename, stop or resume a town

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { Form, checks } from '../form.js';
import { errorMessage } from '../messages.js';

function activeCell(t) {
  return h('span', { class: ['status', t.active ? 'status-on' : 'status-off'], text: t.active ? '利用中' : '停止中' });
}

export async function tenantsScreen(ctx) {
  ctx.setTitle('団体管理');
  const tableHost = h('div', { class: 'table-host' }, h('p', { class: 'loading', text: '読み込んでいます…' }));
  let highlight = null;

  const form = new Form({
    legend: '団体の登録',
    submitLabel: '登録する',
    class: 'grid-form',
    fields: [
      {
        name: 'code', label: '町村コード', required: true, inputmode: 'numeric', maxlength: 6, inputClass: 'code-input',
        hint: '全国地方公共団体コード（6桁、検査数字を含む）', validate: checks.townCode,
      },
      { name: 'name', label: '団体名', required: true, maxlength: 32, hint: '例：中之条町' },
      {
        group: '最初の町村管理者（任意）',
        hint: '入力する場合は、3項目すべてを入力してください。あとから町村管理者を作成することもできます。',
        fields: [
          {
            name: 'admin_login', label: 'ログイン名', maxlength: 32, inputClass: 'code-input',
            validate: (v) => (v === '' ? null : checks.login(v)),
          },
          { name: 'admin_name', label: '氏名', maxlength: 64 },
          { name: 'admin_password', label: '初期パスワード', type: 'password', autocomplete: 'new-password', maxlength: 256, hint: '10文字以上で、ログイン名と異なるもの' },
        ],
      },
    ],
    async onSubmit(v, f) {
      const admin = ['admin_login', 'admin_name', 'admin_password'];
      const given = admin.filter((k) => v[k] !== '');
      if (given.length > 0 && given.length < admin.length) {
        for (const k of admin) if (v[k] === '') f.setFieldError(k, '最初の町村管理者を登録する場合は、この項目も入力してください。');
        f.setError('入力内容を確認してください。');
        f.input(admin.find((k) => v[k] === '')).focus();
        return;
      }
      const body = { code: v.code, name: v.name };
      if (given.length) for (const k of admin) body[k] = v[k];
      const t = await api.post('/tenants', body);
      f.reset();
      ctx.flash(`団体「${t.name}（${t.code}）」を登録しました。${given.length ? '最初の町村管理者も作成しました。' : ''}`);
      f.setDone(`「${t.name}」を登録しました。一覧に追加されています。`);
      highlight = t.code;
      await loadList();
      f.focusFirst();
    },
  });

  async function loadList() {
    const r = await api.get('/tenants');
    if (!ctx.alive()) return;
    const rows = r.items.map((t) => h('tr', { class: t.code === highlight ? 'highlight' : null, dataset: { code: t.code } },
      h('td', { class: 'mono', text: t.code }),
      h('td', { text: t.name }),
      h('td', {}, activeCell(t)),
      h('td', { class: 'nowrap', text: formatDateTime(t.created_at) }),
      h('td', { class: 'nowrap', text: formatDateTime(t.updated_at) }),
      h('td', {}, h('a', { href: `#/admin/tenants/${t.code}`, class: 'button small', 'aria-label': `${t.name}（${t.code}）を編集` }, '編集'))));
    clear(tableHost).append(
      h('p', { class: 'count', text: `${r.items.length}団体` }),
      h('div', { class: 'table-scroll' },
        h('table', { class: 'data-table' },
          h('caption', { class: 'visually-hidden', text: '団体一覧' }),
          h('thead', {}, h('tr', {},
            ['町村コード', '団体名', '状態', '登録日時', '更新日時', '操作'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, rows))));
  }

  ctx.root.append(
    h('h1', { text: '団体管理' }),
    h('p', { class: 'lead', text: '共同化に参加する団体を登録・変更します。各団体の業務データはここには表示されません。' }),
    h('div', { class: 'panel' }, form.el),
    h('h2', { text: '団体一覧' }),
    tableHost);
  await loadList();
}

export async function tenantEditScreen(ctx) {
  const code = ctx.params.code;
  ctx.setTitle('団体の編集');
  let t = await api.get(`/tenants/${code}`);
  if (!ctx.alive()) return null;
  const own = t.code === ctx.me.tenant.code;
  const heading = h('h1', { text: `団体の編集：${t.name}（${t.code}）` });
  ctx.setTitle(`団体の編集：${t.name}`);

  const summary = h('dl', { class: 'summary' });
  function showSummary() {
    heading.textContent = `団体の編集：${t.name}（${t.code}）`;
    clear(summary).append(
      h('dt', { text: '町村コード' }), h('dd', { class: 'mono', text: t.code }),
      h('dt', { text: '団体名' }), h('dd', { text: t.name }),
      h('dt', { text: '状態' }), h('dd', {}, activeCell(t)),
      h('dt', { text: '登録日時' }), h('dd', { text: formatDateTime(t.created_at) }),
      h('dt', { text: '更新日時' }), h('dd', { text: formatDateTime(t.updated_at) }));
  }
  showSummary();

  const rename = new Form({
    legend: '団体名の変更',
    submitLabel: '保存する',
    fields: [{ name: 'name', label: '団体名', required: true, maxlength: 32, value: t.name }],
    async onSubmit(v) {
      if (v.name === t.name) {
        ctx.flash('変更はありません。', 'info');
        return;
      }
      t = await api.patch(`/tenants/${code}`, { name: v.name });
      showSummary();
      ctx.flash(`団体名を「${t.name}」に変更しました。`);
      rename.setDone('保存しました。');
    },
  });

  const stateHost = h('div', { class: 'state-actions' });
  let stateNote = '';
  function showState() {
    let action;
    if (own && t.active) {
      action = h('p', { class: 'hint', text: 'ログイン中の団体は停止できません。' });
    } else {
      action = h('button', {
        type: 'button', class: ['button', t.active ? 'danger' : 'primary'], on: { click: toggle },
      }, t.active ? '利用を停止する' : '利用を再開する');
    }
    clear(stateHost).append(...[
      h('p', { text: t.active
        ? '利用を停止すると、この団体の職員はログインできなくなります。データは削除されません。'
        : 'この団体は停止中です。職員はログインできません。' }),
      h('div', { class: 'button-row' }, action),
      stateNote ? h('p', { class: 'form-done', text: stateNote }) : null,
    ].filter(Boolean));
    stateNote = '';
  }
  async function toggle(ev) {
    ev.currentTarget.disabled = true;
    try {
      t = await api.patch(`/tenants/${code}`, { active: !t.active });
      showSummary();
      ctx.flash(t.active ? `「${t.name}」の利用を再開しました。` : `「${t.name}」の利用を停止しました。`);
      stateNote = t.active ? '利用を再開しました。' : '利用を停止しました。';
    } catch (err) {
      if (err.status !== 401) ctx.flash(errorMessage(err), 'error');
    } finally {
      if (ctx.alive()) {
        showState();
        stateHost.querySelector('button')?.focus();
      }
    }
  }
  showState();

  ctx.root.append(
    h('p', {}, h('a', { href: '#/admin/tenants', class: 'back-link' }, '団体一覧へ戻る')),
    heading,
    h('div', { class: 'panel' }, summary),
    h('div', { class: 'panel' }, rename.el),
    h('div', { class: 'panel' }, h('fieldset', {}, h('legend', { text: '利用状態' }), stateHost)));
  return rename.input('name');
}
