// users.js — 利用者管理: the town administrator's staff accounts.
//
//   #/admin/users       register a user; list of users
//   #/admin/users/{id}  edit name and role, disable/enable, unlock, reset password

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { Form, checks } from '../form.js';
import { errorMessage } from '../messages.js';

const PASSWORD_HINT = '10文字以上で、ログイン名と異なるもの';

// The roles a town administrator may give (the consortium's own accounts,
// operators and its secretariat, are made by the consortium, not here).
const CONSORTIUM_ROLES = ['operator', 'consortium_admin'];
async function assignableRoles() {
  const r = await api.get('/roles');
  return r.items.filter((x) => !CONSORTIUM_ROLES.includes(x.name));
}

function statusCell(u) {
  const parts = [h('span', { class: ['status', u.disabled ? 'status-off' : 'status-on'], text: u.disabled ? '無効' : '有効' })];
  if (u.locked) {
    parts.push(' ', h('span', { class: 'status status-warn', text: 'ロック中' }));
    if (u.locked_until) parts.push(h('span', { class: 'small', text: `（${formatDateTime(u.locked_until)}まで）` }));
  }
  return parts;
}

export async function usersScreen(ctx) {
  ctx.setTitle('利用者管理');
  const tableHost = h('div', { class: 'table-host' }, h('p', { class: 'loading', text: '読み込んでいます…' }));
  let highlight = null;

  const roleSelect = { name: 'role', label: '役割', type: 'select', required: true, options: [{ value: '', label: '選択してください' }] };
  const form = new Form({
    legend: '利用者の登録',
    submitLabel: '登録する',
    class: 'grid-form',
    fields: [
      {
        name: 'login', label: 'ログイン名', required: true, maxlength: 32, inputClass: 'code-input',
        hint: '英小文字・数字・「.」「_」「-」の2〜32文字', validate: checks.login,
      },
      { name: 'name', label: '氏名', required: true, maxlength: 64 },
      roleSelect,
      { name: 'password', label: '初期パスワード', type: 'password', required: true, autocomplete: 'new-password', maxlength: 256, hint: PASSWORD_HINT },
      {
        name: 'confirm', label: '初期パスワード（確認）', type: 'password', required: true, autocomplete: 'new-password', maxlength: 256,
        validate: (v, all) => (v !== all.password ? '確認のため、初期パスワードと同じものを入力してください。' : null),
      },
    ],
    async onSubmit(v, f) {
      const u = await api.post('/users', { login: v.login, name: v.name, role: v.role, password: v.password });
      f.reset();
      ctx.flash(`利用者「${u.name}（${u.login}）」を${u.role_label}として登録しました。`);
      f.setDone(`「${u.name}」を登録しました。一覧に追加されています。`);
      highlight = u.id;
      await loadList();
      f.focusFirst();
    },
  });

  async function loadList() {
    const r = await api.get('/users');
    if (!ctx.alive()) return;
    const rows = r.items.map((u) => h('tr', { class: u.id === highlight ? 'highlight' : null, dataset: { login: u.login } },
      h('td', { class: 'mono', text: u.login }),
      h('td', { text: u.name }),
      h('td', { text: u.role_label }),
      h('td', {}, statusCell(u)),
      h('td', { class: 'nowrap', text: formatDateTime(u.password_changed_at) }),
      h('td', {}, h('a', { href: `#/admin/users/${u.id}`, class: 'button small', 'aria-label': `${u.name}（${u.login}）を編集` }, '編集'))));
    clear(tableHost).append(
      h('p', { class: 'count', text: `${r.items.length}人` }),
      h('div', { class: 'table-scroll' },
        h('table', { class: 'data-table' },
          h('caption', { class: 'visually-hidden', text: '利用者一覧' }),
          h('thead', {}, h('tr', {},
            ['ログイン名', '氏名', '役割', '状態', 'パスワード変更日時', '操作'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, rows))));
  }

  ctx.root.append(
    h('h1', { text: '利用者管理' }),
    h('p', { class: 'lead', text: `${ctx.me.tenant.name}の職員アカウントを登録・変更します。` }),
    h('div', { class: 'panel' }, form.el),
    h('h2', { text: '利用者一覧' }),
    tableHost);

  const [roles] = await Promise.all([assignableRoles(), loadList()]);
  const select = form.input('role');
  for (const r of roles) select.append(h('option', { value: r.name, text: r.label }));
}

export async function userEditScreen(ctx) {
  const id = Number(ctx.params.id);
  ctx.setTitle('利用者の編集');
  const [u, roles] = await Promise.all([api.get(`/users/${id}`), assignableRoles()]);
  if (!ctx.alive()) return null;
  const self = u.id === ctx.me.user.id;
  const operator = CONSORTIUM_ROLES.includes(u.role);
  ctx.setTitle(`利用者の編集：${u.name}`);

  const summary = h('dl', { class: 'summary' });
  function showSummary(x) {
    clear(summary).append(
      h('dt', { text: 'ログイン名' }), h('dd', { class: 'mono', text: x.login }),
      h('dt', { text: '氏名' }), h('dd', { text: x.name }),
      h('dt', { text: '役割' }), h('dd', { text: x.role_label }),
      h('dt', { text: '状態' }), h('dd', {}, statusCell(x)),
      h('dt', { text: 'パスワード変更日時' }), h('dd', { text: formatDateTime(x.password_changed_at) }),
      h('dt', { text: '登録日時' }), h('dd', { text: formatDateTime(x.created_at) }),
      h('dt', { text: '更新日時' }), h('dd', { text: formatDateTime(x.updated_at) }));
  }
  showSummary(u);
  let current = u;

  const roleOptions = operator ? [{ value: u.role, label: u.role_label }] : roles.map((r) => ({ value: r.name, label: r.label }));
  const basic = new Form({
    legend: '基本情報',
    submitLabel: '保存する',
    fields: [
      { name: 'name', label: '氏名', required: true, maxlength: 64, value: u.name },
      {
        name: 'role', label: '役割', type: 'select', required: true, options: roleOptions, value: u.role,
        disabled: self || operator,
        hint: self ? '自分の役割は変更できません。' : operator ? `${u.role_label}の役割は協議会が管理します。` : null,
      },
    ],
    async onSubmit(v) {
      const change = {};
      if (v.name !== current.name) change.name = v.name;
      if (!self && !operator && v.role !== current.role) change.role = v.role;
      if (Object.keys(change).length === 0) {
        ctx.flash('変更はありません。', 'info');
        basic.setDone('');
        return;
      }
      current = await api.patch(`/users/${id}`, change);
      showSummary(current);
      ctx.flash(`「${current.name}」の基本情報を保存しました。`);
      basic.setDone('保存しました。');
    },
  });

  // Disable/enable and unlock: one button each, redrawn after each change.
  const stateHost = h('div', { class: 'state-actions' });
  let stateNote = '';
  function showState() {
    const buttons = [];
    if (self) {
      buttons.push(h('p', { class: 'hint', text: '自分自身のアカウントは無効にできません（ほかの町村管理者に依頼してください）。' }));
    } else if (operator) {
      // Operators and the secretariat belong to the consortium (created with
      // the CLI; their role is not changed here): the town does not manage them.
      buttons.push(h('p', { class: 'hint', text: `${u.role_label}のアカウントは協議会が管理します。` }));
    } else {
      buttons.push(h('button', {
        type: 'button', class: ['button', current.disabled ? 'primary' : 'danger'],
        on: { click: () => change(current.disabled ? { disabled: false } : { disabled: true }, current.disabled ? '有効にしました' : '無効にしました') },
      }, current.disabled ? '有効にする' : '無効にする'));
    }
    if (current.locked) {
      buttons.push(h('button', {
        type: 'button', class: 'button', on: { click: () => change({ locked: false }, 'ロックを解除しました') },
      }, 'ロックを解除する'));
    }
    clear(stateHost).append(...[
      current.disabled ? h('p', { text: 'このアカウントは無効です。ログインできません。' })
        : self || operator ? null : h('p', { text: '無効にすると、この利用者はログインできなくなり、ログイン中のセッションも終了します。' }),
      h('div', { class: 'button-row' }, buttons),
      stateNote ? h('p', { class: 'form-done', text: stateNote }) : null,
    ].filter(Boolean));
    stateNote = '';
  }
  async function change(body, done) {
    for (const b of stateHost.querySelectorAll('button')) b.disabled = true;
    try {
      current = await api.patch(`/users/${id}`, body);
      showSummary(current);
      ctx.flash(`「${current.name}」を${done}。`);
      stateNote = `${done}。`;
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

  const reset = self || operator ? null : new Form({
    legend: 'パスワードの再設定',
    submitLabel: '再設定する',
    fields: [
      { name: 'password', label: '新しいパスワード', type: 'password', required: true, autocomplete: 'new-password', maxlength: 256, hint: PASSWORD_HINT },
      {
        name: 'confirm', label: '新しいパスワード（確認）', type: 'password', required: true, autocomplete: 'new-password', maxlength: 256,
        validate: (v, all) => (v !== all.password ? '確認のため、新しいパスワードと同じものを入力してください。' : null),
      },
    ],
    async onSubmit(v, f) {
      await api.put(`/users/${id}/password`, { password: v.password });
      f.reset();
      ctx.flash(`「${current.name}」のパスワードを再設定しました。ロックも解除され、ログイン中のセッションは終了しました。`);
      f.setDone('パスワードを再設定しました。');
      current = await api.get(`/users/${id}`);
      if (ctx.alive()) { showSummary(current); showState(); }
    },
  });

  ctx.root.append(
    h('p', {}, h('a', { href: '#/admin/users', class: 'back-link' }, '利用者一覧へ戻る')),
    h('h1', { text: `利用者の編集：${u.name}` }),
    h('div', { class: 'panel' }, summary),
    h('div', { class: 'panel' }, basic.el),
    h('div', { class: 'panel' }, h('fieldset', {}, h('legend', { text: '利用状態' }), stateHost)),
    h('div', { class: 'panel' }, reset ? reset.el
      : h('fieldset', {}, h('legend', { text: 'パスワード' }), self
        ? h('p', {}, '自分のパスワードは', h('a', { href: '#/password' }, 'パスワード変更'), 'から変更してください。')
        : h('p', { text: '運用担当のパスワードは共同化事務局が管理します。' }))));
  return basic.input('name');
}
