// login.js — the sign-in screen: 町村コード, ユーザー名, パスワード.

import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { Form, checks } from '../form.js';

export function renderLogin(root, { appName, message, kind, onSignedIn }) {
  const status = h('div', { class: 'flash', role: 'status', 'aria-live': 'polite' });
  const form = new Form({
    class: 'login-form',
    ariaLabel: 'ログイン',
    submitLabel: 'ログイン',
    fields: [
      {
        name: 'tenant', label: '町村コード', required: true, inputmode: 'numeric', maxlength: 6,
        autocomplete: 'off', hint: '全国地方公共団体コード（6桁の数字）', inputClass: 'code-input',
        validate: checks.townCode,
      },
      {
        name: 'user', label: 'ユーザー名', required: true, maxlength: 32, autocomplete: 'username',
      },
      {
        name: 'password', label: 'パスワード', type: 'password', required: true, maxlength: 256,
        autocomplete: 'current-password',
      },
    ],
    async onSubmit(v, f) {
      clear(status);
      try {
        const me = await api.signIn(v.tenant, v.user, v.password);
        onSignedIn(me);
      } catch (err) {
        // Never leave a rejected password in the field.
        f.input('password').value = '';
        throw err;
      }
    },
  });

  if (message) {
    status.className = `flash flash-${kind || 'info'}`;
    status.append(h('p', { text: message }));
  }

  clear(root).append(
    h('main', { id: 'main', class: 'login-page', tabindex: '-1' },
      h('div', { class: 'login-card' },
        h('h1', { class: 'login-title' }, appName),
        h('p', { class: 'login-lead', text: '町村コード、ユーザー名、パスワードを入力してログインしてください。' }),
        status,
        form.el)));
  form.focusFirst();
}
