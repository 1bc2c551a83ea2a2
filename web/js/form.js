// form.js — labelled forms with per-field errors.
//
// Every input has a <label for>, a hint and an error line bound through
// aria-describedby; an error sets aria-invalid and is announced. Forms are
// real <form> elements, so Enter submits them. Browser validation bubbles are
// turned off (novalidate): checks run here and speak Japanese.

import { h, uid } from './dom.js';
import { errorMessage } from './messages.js';

export class Form {
  // spec: { fields, submitLabel, onSubmit(values, form), legend, class, secondary }
  // field: { name, label, type, required, autocomplete, inputmode, maxlength,
  //          hint, options: [{value, label}] (select), suggestions: [{value,
  //          label}] (datalist), value, disabled, validate(v, values) }
  //        or a group: { group: legend, hint, fields: [...] }
  constructor(spec) {
    this.spec = spec;
    this.fields = new Map();
    this.busy = false;
    const base = uid('f');

    this.errorBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
    // A visible note of success next to the form (the page's status region
    // announces it; this one is for eyes, so it is not a live region).
    this.doneBox = h('p', { class: 'form-done', hidden: true });
    this.submitButton = h('button', { type: 'submit', class: 'button primary' }, spec.submitLabel);

    // A field with `fields` is a group: a <fieldset> with its own legend.
    const build = (list) => list.map((f) => (f.fields
      ? h('fieldset', { class: 'group' }, h('legend', { text: f.group }),
        f.hint ? h('p', { class: 'hint', text: f.hint }) : null,
        h('div', { class: 'fields' }, build(f.fields)))
      : this.#row(f, `${base}-${f.name}`)));
    const rows = build(spec.fields);
    const body = [
      this.errorBox,
      h('div', { class: 'fields' }, rows),
      h('div', { class: 'form-actions' }, this.submitButton, spec.secondary || null),
      this.doneBox,
    ];
    this.el = h('form', { class: ['form', spec.class], novalidate: true, 'aria-label': spec.ariaLabel },
      spec.legend ? h('fieldset', {}, h('legend', { text: spec.legend }), body) : body);
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.#submit();
    });
  }

  #row(f, id) {
    const errorId = `${id}-error`;
    const hintId = `${id}-hint`;
    const describedBy = [f.hint ? hintId : null, errorId].filter(Boolean).join(' ');
    let input;
    const common = {
      id, name: f.name, 'aria-describedby': describedBy,
      required: !!f.required, disabled: !!f.disabled,
    };
    if (f.type === 'select') {
      input = h('select', common,
        (f.options || []).map((o) => h('option', { value: o.value, text: o.label })));
      if (f.value !== undefined) input.value = f.value;
    } else {
      input = h('input', {
        ...common,
        type: f.type || 'text',
        autocomplete: f.autocomplete || 'off',
        inputmode: f.inputmode,
        maxlength: f.maxlength,
        spellcheck: 'false',
        autocapitalize: 'off',
        value: f.value,
        class: f.inputClass,
      });
    }
    // Suggestions (free text still allowed): a <datalist>.
    let datalist = null;
    if (f.suggestions) {
      datalist = h('datalist', { id: `${id}-list` },
        f.suggestions.map((o) => h('option', { value: o.value, label: o.label })));
      input.setAttribute('list', datalist.id);
    }
    const error = h('p', { class: 'field-error', id: errorId, hidden: true });
    const label = h('label', { for: id }, f.label,
      f.required ? h('span', { class: 'required', text: '必須' }) : null);
    const row = h('div', { class: ['field', f.wide ? 'wide' : null] },
      label,
      f.hint ? h('p', { class: 'hint', id: hintId, text: f.hint }) : null,
      input,
      datalist,
      error);
    this.fields.set(f.name, { spec: f, input, error, row });
    return row;
  }

  input(name) {
    return this.fields.get(name)?.input;
  }

  values() {
    const out = {};
    for (const [name, { input, spec }] of this.fields) {
      out[name] = spec.trim === false || input.type === 'password' ? input.value : input.value.trim();
    }
    return out;
  }

  setValues(values) {
    for (const [name, v] of Object.entries(values)) {
      const f = this.fields.get(name);
      if (f) f.input.value = v ?? '';
    }
  }

  reset() {
    this.el.reset();
    this.clearErrors();
  }

  setDone(message) {
    this.doneBox.textContent = message;
    this.doneBox.hidden = !message;
  }

  clearErrors() {
    this.setDone('');
    this.errorBox.hidden = true;
    this.errorBox.textContent = '';
    for (const { input, error } of this.fields.values()) {
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      error.textContent = '';
    }
  }

  setFieldError(name, message) {
    const f = this.fields.get(name);
    if (!f) return this.setError(message);
    f.input.setAttribute('aria-invalid', 'true');
    f.error.textContent = message;
    f.error.hidden = false;
  }

  setError(message) {
    this.errorBox.textContent = message;
    this.errorBox.hidden = false;
  }

  // Shows an ApiError next to its field when the form has that field.
  showApiError(err, fieldMap = {}) {
    const name = fieldMap[err.field] ?? err.field;
    const f = name ? this.fields.get(name) : null;
    if (f) {
      this.setFieldError(name, errorMessage(err, f.spec.label));
      this.setError('入力内容を確認してください。');
      f.input.focus();
    } else {
      this.setError(errorMessage(err));
    }
  }

  focusFirst() {
    const first = [...this.fields.values()].find((f) => !f.input.disabled);
    if (first) first.input.focus();
  }

  // Runs the field checks; returns true when all pass.
  validate() {
    this.clearErrors();
    const values = this.values();
    let firstBad = null;
    for (const [name, { spec, input }] of this.fields) {
      const v = values[name];
      let msg = null;
      if (spec.required && v === '') {
        msg = spec.type === 'select' ? `${spec.label}を選んでください。` : `${spec.label}を入力してください。`;
      } else if (spec.validate) {
        msg = spec.validate(v, values);
      }
      if (msg) {
        this.setFieldError(name, msg);
        firstBad ??= input;
      }
    }
    if (firstBad) {
      this.setError('入力内容を確認してください。');
      firstBad.focus();
      return false;
    }
    return true;
  }

  async #submit() {
    if (this.busy) return;
    if (!this.validate()) return;
    this.busy = true;
    this.submitButton.disabled = true;
    this.el.setAttribute('aria-busy', 'true');
    try {
      await this.spec.onSubmit(this.values(), this);
    } catch (err) {
      if (err && err.name === 'ApiError') {
        // 401 is handled by the shell (back to sign-in).
        if (err.status !== 401 || err.code === 'invalid_credentials') this.showApiError(err, this.spec.fieldMap);
      } else {
        console.error(err);
        this.setError('画面の処理でエラーが発生しました。画面を再読み込みしてください。');
      }
    } finally {
      this.busy = false;
      this.submitButton.disabled = false;
      this.el.removeAttribute('aria-busy');
    }
  }
}

// Checks shared by several forms.
export const checks = {
  townCode(v) {
    if (!/^[0-9]{6}$/.test(v)) return '町村コードは6桁の数字で入力してください。';
    const w = [6, 5, 4, 3, 2];
    let sum = 0;
    for (let i = 0; i < 5; i++) sum += Number(v[i]) * w[i];
    const digit = (11 - (sum % 11)) % 10;
    if (digit !== Number(v[5])) return '町村コードが正しくありません（6桁目の検査数字が一致しません）。';
    return null;
  },
  login(v) {
    if (!/^[a-z0-9][a-z0-9._-]{1,31}$/.test(v))
      return 'ログイン名は、英小文字または数字で始まる2〜32文字（英小文字・数字・「.」「_」「-」）で入力してください。';
    return null;
  },
};
