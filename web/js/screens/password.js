// password.js — change one's own password (POST /me/password).

import { api } from '../api.js';
import { h } from '../dom.js';
import { Form } from '../form.js';

export function passwordScreen(ctx) {
  ctx.setTitle('パスワード変更');
  const form = new Form({
    ariaLabel: 'パスワード変更',
    submitLabel: '変更する',
    fields: [
      { name: 'current', label: '現在のパスワード', type: 'password', required: true, autocomplete: 'current-password', maxlength: 256 },
      {
        name: 'new', label: '新しいパスワード', type: 'password', required: true, autocomplete: 'new-password', maxlength: 256,
        hint: '10文字以上で、ログイン名と異なるもの。ほかのシステムと同じパスワードは使わないでください。',
        validate: (v, all) => (v === all.current ? '新しいパスワードは、現在のパスワードと異なるものにしてください。' : null),
      },
      {
        name: 'confirm', label: '新しいパスワード（確認）', type: 'password', required: true, autocomplete: 'new-password', maxlength: 256,
        validate: (v, all) => (v !== all.new ? '確認のため、新しいパスワードと同じものを入力してください。' : null),
      },
    ],
    async onSubmit(v, f) {
      const me = await api.post('/me/password', { current: v.current, new: v.new });
      // The server ended every session of this user and started a new one.
      ctx.updateMe(me);
      f.reset();
      ctx.flash('パスワードを変更しました。ほかの端末でのログインは終了しました。');
      f.setDone('パスワードを変更しました。');
      f.focusFirst();
    },
  });
  ctx.root.append(
    h('h1', { text: 'パスワード変更' }),
    h('p', { class: 'lead', text: `${ctx.me.user.name}さん（ログイン名：${ctx.me.user.login}）のパスワードを変更します。` }),
    h('div', { class: 'panel' }, form.el));
}
