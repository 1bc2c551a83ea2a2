// seals.js — 印鑑登録: the residents clerk's screens for seals.
//
//   #/seals                     登録者を探す (by reading, name, 宛名番号 or 登録番号),
//                               and 印鑑登録証明書の交付 (card number + 生年月日)
//   #/seals/person/{atena}      one person: the registration in force (印影,
//                               印鑑登録証, history) with 亡失届, 再交付 and 廃止,
//                               or the registration form with the picture
//                               upload; earlier registrations; 交付履歴
//
// Every read and write is audited by the server. The picture goes to the
// server as base64 in JSON; the page checks only what it can (a PNG or JPEG
// signature, the size) and the server decodes and measures it. The page's
// CSP allows no blob: or data: images, so the picture is shown once stored,
// from the server.

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { Form } from '../form.js';
import { errorMessage } from '../messages.js';
import { parseDate, formatBoth } from '../wareki.js';
import { SEX_LABELS, birthText, statusBadge, foldNumber, personPath, hasItem, postcodeText } from './residents_common.js';

export const SEALS_PATHS = { 'residents.seals': '/seals' };

export function sealsRoutes() {
  return [
    { re: /^\/seals$/, item: 'residents.seals', screen: sealsScreen },
    { re: /^\/seals\/person\/([0-9]{1,15})$/, item: 'residents.seals', screen: sealPersonScreen, params: ['atena'] },
  ];
}

const sealPath = (atena) => `/seals/person/${atena}`;

// The picture's limit as the town sets it by default (the server checks the
// town's own setting and names the field when it is passed).
const MAX_BYTES = 512 * 1024;

const VERIFICATIONS = [
  { value: 'photo_id', label: '官公署発行の顔写真付き証明書（即日登録）' },
  { value: 'guarantor', label: '保証書（登録者の保証）' },
  { value: 'inquiry', label: '照会書・回答書（文書照会）' },
];

// 印鑑登録証 numbers: 7 digits and a モジュラス11 check digit (weights 2–7 from
// the right; remainder 1 is never issued).
function checkCard(v) {
  const s = foldNumber(v);
  if (!/^[0-9]{8}$/.test(s)) return '印鑑登録証の番号は8桁の数字で入力してください。';
  let sum = 0;
  for (let k = 1; k <= 7; k++) sum += Number(s[7 - k]) * (((k - 1) % 6) + 2);
  const r = sum % 11;
  const cd = r === 0 ? 0 : 11 - r;
  if (r === 1 || cd !== Number(s[7])) return '印鑑登録証の番号が正しくありません（検査数字が一致しません）。';
  return null;
}

function mm(x) {
  return `${Number(x).toFixed(1)} mm`;
}

// ---- 印鑑登録 (the menu's screen) ----------------------------------------------------------

export async function sealsScreen(ctx) {
  ctx.setTitle('印鑑登録');
  const results = h('div', { class: 'seal-results' });

  const search = new Form({
    legend: '登録者を探す',
    submitLabel: '検索する',
    class: 'grid-form filter-form',
    ariaLabel: '印鑑登録の登録者を探す',
    fields: [
      { name: 'kana', label: 'フリガナ', maxlength: 100, hint: '先頭の一部でも（例：やまだ）' },
      { name: 'name', label: '氏名', maxlength: 100 },
      { name: 'atena', label: '宛名番号', maxlength: 15, inputmode: 'numeric', inputClass: 'code-input',
        validate: (v) => (v && !/^[0-9]+$/.test(foldNumber(v)) ? '宛名番号は数字で入力してください。' : null) },
      { name: 'number', label: '登録番号', maxlength: 12, inputmode: 'numeric', inputClass: 'code-input',
        validate: (v) => (v && !/^[0-9]+$/.test(foldNumber(v)) ? '登録番号は数字で入力してください。' : null) },
    ],
    async onSubmit(v, f) {
      if (v.number) {
        const s = await api.get(`/seals/${foldNumber(v.number)}`).catch((err) => {
          if (err.status === 404) return null;
          throw err;
        });
        if (!ctx.alive()) return;
        if (!s) {
          f.setFieldError('number', 'この登録番号の印鑑登録はありません。');
          f.setError('入力内容を確認してください。');
          f.input('number').focus();
          return;
        }
        ctx.navigate(sealPath(s.atena));
        return;
      }
      const q = { kana: v.kana, name: v.name, atena: foldNumber(v.atena), status: 'all', limit: 20 };
      if (!q.kana && !q.name && !q.atena) {
        f.setError('フリガナ、氏名、宛名番号、登録番号のいずれかを入力してください。');
        f.input('kana').focus();
        return;
      }
      const r = await api.get('/persons', q);
      if (!ctx.alive()) return;
      showResults(r.items);
    },
  });

  function showResults(items) {
    clear(results);
    if (items.length === 0) {
      results.append(h('p', { class: 'count', tabindex: '-1', text: '条件に合う人は見つかりませんでした。' }));
      results.firstChild.focus();
      return;
    }
    const rows = items.map((p) => h('tr', { dataset: { atena: p.atena } },
      h('td', { class: 'mono', text: p.atena }),
      h('td', { class: 'name-cell' }, h('a', { href: '#' + sealPath(p.atena), text: p.shimei })),
      h('td', { text: p.shimei_kana }),
      h('td', { class: 'nowrap', text: birthText(p) }),
      h('td', { text: p.address }),
      h('td', {}, statusBadge(p.status))));
    results.append(
      h('p', { class: 'count', text: `${items.length}件` }),
      h('div', { class: 'table-scroll' },
        h('table', { class: 'data-table results-table' },
          h('caption', { class: 'visually-hidden', text: '検索結果' }),
          h('thead', {}, h('tr', {}, ['宛名番号', '氏名', 'フリガナ', '生年月日', '住所', '状態'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, rows))));
    results.querySelector('tbody a')?.focus();
  }

  const issued = h('div', { class: 'seal-issued', tabindex: '-1' });
  const cert = new Form({
    legend: '印鑑登録証明書の交付',
    submitLabel: '証明書を交付する',
    class: 'grid-form',
    ariaLabel: '印鑑登録証明書の交付',
    fields: [
      { name: 'card_number', label: '印鑑登録証の番号', required: true, maxlength: 12, inputmode: 'numeric', inputClass: 'code-input',
        hint: '提示された印鑑登録証の8桁の番号', validate: checkCard },
      { name: 'birth', label: '登録者の生年月日', required: true, maxlength: 20, inputClass: 'code-input',
        hint: '申請書に書かれたもの（例：S55.5.5、1980-05-05）', validate: (x) => parseDate(x).error ?? null },
      { name: 'requester_name', label: '来庁者の氏名', maxlength: 100, hint: '本人または代理人（交付履歴に記録されます）' },
    ],
    async onSubmit(v, f) {
      const r = await api.postFile('/seal-certificates', {
        card_number: foldNumber(v.card_number), birth: parseDate(v.birth).iso, requester_name: v.requester_name || undefined,
      });
      if (!ctx.alive()) return;
      const id = Number((r.location || '').split('/').pop());
      const number = `第${String(id).padStart(6, '0')}号`;
      const url = URL.createObjectURL(r.blob);
      const link = h('a', { href: url, download: r.filename, class: 'button primary', dataset: { pdf: 'seal-certificate' } }, `証明書（PDF）を保存・印刷する`);
      clear(issued).append(h('div', { class: 'panel panel-ok', role: 'status' },
        h('p', { text: `印鑑登録証明書 ${number} を交付しました。交付したことは交付履歴と監査ログに記録されています。` }),
        h('div', { class: 'button-row' }, link)));
      f.reset();
      ctx.flash(`印鑑登録証明書 ${number} を交付しました。`, 'success');
      link.focus();
    },
  });

  ctx.root.append(
    h('h1', { text: '印鑑登録' }),
    h('p', { class: 'lead', text: '印鑑の登録・印鑑登録証の亡失と再交付・登録の廃止は、登録者を探して行います。印鑑登録証明書は、提示された印鑑登録証の番号と登録者の生年月日で交付します。照会と交付はすべて監査ログに記録されます。' }),
    h('div', { class: 'panel' }, search.el),
    results,
    h('div', { class: 'panel' }, cert.el),
    issued);
  return search.input('kana');
}

// ---- one person ------------------------------------------------------------------------

function bytesToBase64(buf) {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// PNG or JPEG by the first bytes (the server decodes the whole file).
function pictureKind(bytes) {
  const b = new Uint8Array(bytes, 0, Math.min(8, bytes.byteLength));
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  return null;
}

function summaryList(pairs) {
  return h('dl', { class: 'summary' }, pairs.filter(([, v]) => v !== null && v !== undefined)
    .flatMap(([label, value, key]) => [h('dt', { text: label }), h('dd', { dataset: key ? { item: key } : undefined }, value === '' ? '—' : value)]));
}

export async function sealPersonScreen(ctx) {
  const atena = ctx.params.atena;
  ctx.setTitle('印鑑登録');
  const title = h('h1', { text: '印鑑登録' });
  const personHost = h('div', { class: 'seal-person' });
  const currentHost = h('div', { class: 'seal-current' });
  const historyHost = h('div', { class: 'seal-history' });
  const certHost = h('div', { class: 'seal-certs' });

  ctx.root.append(
    h('p', {}, h('a', { href: '#/seals', class: 'back-link' }, '印鑑登録へ戻る')),
    title, personHost,
    h('h2', { text: '登録の内容' }), currentHost,
    h('h2', { text: 'これまでの登録' }), historyHost,
    h('h2', { text: '印鑑登録証明書の交付履歴' }), certHost);

  let person;
  try {
    person = await api.get(`/persons/${atena}`);
  } catch (err) {
    if (err.status !== 404) throw err;
    personHost.append(h('div', { class: 'panel panel-info' }, h('p', { text: 'この宛名番号の住民の記録はありません。' })));
    return title;
  }
  if (!ctx.alive()) return null;
  title.textContent = `印鑑登録：${person.shimei}`;
  ctx.setTitle(`印鑑登録：${person.shimei}`);
  personHost.append(h('div', { class: 'panel' }, summaryList([
    ['氏名', person.shimei, 'shimei'],
    ['フリガナ', person.shimei_kana],
    ['生年月日', birthText(person), 'birth'],
    ['性別', SEX_LABELS[person.sex] ?? ''],
    ['住所', `${postcodeText(person.postcode)} ${person.address}${person.katagaki ? `　${person.katagaki}` : ''}`],
    ['宛名番号', h('span', { class: 'mono', text: atena })],
    ['状態', statusBadge(person.status)],
  ]), hasItem(ctx.me, 'residents.search')
    ? h('p', { class: 'small' }, h('a', { href: '#' + personPath(atena) }, '個人照会を開く')) : null));

  async function load(focus) {
    const list = await api.get('/seals', { atena });
    if (!ctx.alive()) return;
    const active = list.items.find((s) => s.status === 'active');
    clear(currentHost);
    if (active) {
      const s = await api.get(`/seals/${active.id}`);
      if (!ctx.alive()) return;
      renderCurrent(s);
    } else if (person.status === 'resident') {
      renderForm();
    } else {
      currentHost.append(h('div', { class: 'panel panel-info' }, h('p', { text: 'この方は住民ではない（除票）ため、印鑑を登録できません。' })));
    }
    renderHistory(list.items);
    const certs = await api.get('/seal-certificates', { atena });
    if (!ctx.alive()) return;
    renderCerts(certs.items);
    if (focus) (currentHost.querySelector('[data-autofocus]') ?? currentHost.querySelector('h3, input, button'))?.focus();
  }

  // ---- the registration in force --------------------------------------------------------

  function renderCurrent(s) {
    const img = h('img', { src: `/api/v1/seals/${s.id}/image`, alt: `登録番号${s.id}の印影`, class: 'seal-picture' });
    // On screen at about its real size (the picture includes its margins).
    const ppmm = s.image.dpi_x / 25.4;
    img.style.width = `${(s.image.width / ppmm).toFixed(1)}mm`;
    const changed = s.person && (s.person.shimei !== s.registered.shimei || s.person.address !== s.registered.address);
    const card = s.card
      ? h('span', {}, h('span', { class: 'mono seal-card', text: s.card.number }), `（${formatBoth(s.card.issued_on)}交付）`)
      : h('span', { class: 'status status-warn', text: 'なし（亡失届済み：再交付してください）' });
    const head = h('h3', { tabindex: '-1', text: `登録番号 ${s.id}`, dataset: { autofocus: '' } });
    const panel = h('div', { class: 'panel seal-panel', dataset: { seal: String(s.id) } },
      head,
      h('div', { class: 'seal-layout' },
        h('figure', { class: 'seal-figure' }, img,
          h('figcaption', { text: `印影 ${mm(s.image.impression.width_mm)} × ${mm(s.image.impression.height_mm)}（${s.image.type.toUpperCase()}、${s.image.dpi_x} dpi）` })),
        summaryList([
          ['状態', h('span', { class: 'status status-on', text: s.status_label })],
          ['登録年月日', formatBoth(s.registered_on)],
          ['印鑑登録証', card, 'card'],
          ['本人確認', s.verification_label],
          ['成年被後見人', s.adult_ward ? '該当（法定代理人同行）' : null],
          ['登録時の氏名', s.registered.shimei],
          ['登録時の住所', s.registered.address],
          ['備考', s.note || null],
        ])),
      changed ? h('p', { class: 'hint', text: '登録後に氏名または住所が変わっています。証明書には住民票の現在の記載が印字されます。' }) : null,
      eventsTable(s.events),
      actions(s));
    currentHost.append(panel);
  }

  function eventsTable(events) {
    return h('div', { class: 'table-scroll' },
      h('table', { class: 'data-table seal-events' },
        h('caption', { class: 'visually-hidden', text: '登録の履歴' }),
        h('thead', {}, h('tr', {}, ['日付', '内容', '印鑑登録証', '手数料', '処理日時', '処理者'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, events.map((e) => h('tr', { dataset: { kind: e.kind } },
          h('td', { class: 'nowrap', text: formatBoth(e.date) }),
          h('td', {}, e.label, e.reason_label ? `（${e.reason_label}）` : '', e.idou_id ? h('span', { class: 'date-sub', text: `住民異動 ${e.idou_id} に伴う` }) : null,
            e.note ? h('span', { class: 'date-sub', text: e.note }) : null),
          h('td', { class: 'mono', text: e.card }),
          h('td', { class: 'num', text: e.fee ? `${e.fee}円` : '' }),
          h('td', { class: 'nowrap', text: formatDateTime(e.recorded_at) }),
          h('td', { text: e.user || '（住民異動）' }))))));
  }

  // 亡失届, 再交付 and 廃止: each opens its own small form.
  function actions(s) {
    const host = h('div', { class: 'seal-action-host' });
    const open = (which) => {
      clear(host);
      const f = which === 'loss' ? lossForm(s) : which === 'reissue' ? reissueForm(s) : abolishForm(s);
      host.append(h('div', { class: 'panel' }, f.el));
      f.focusFirst?.();
      (f.el.querySelector('input, select, button'))?.focus();
    };
    const row = h('div', { class: 'button-row' },
      s.card ? h('button', { type: 'button', class: 'button', on: { click: () => open('loss') } }, '印鑑登録証の亡失届') : null,
      h('button', { type: 'button', class: 'button', on: { click: () => open('reissue') } }, '印鑑登録証の再交付'),
      h('button', { type: 'button', class: 'button danger', on: { click: () => open('abolish') } }, '登録を廃止する'));
    return [row, host];
  }

  function lossForm(s) {
    return new Form({
      legend: '印鑑登録証の亡失届',
      submitLabel: '亡失を記録する',
      fields: [
        { name: 'lost_on', label: '亡失した日', maxlength: 20, inputClass: 'code-input', hint: '分からなければ空欄（今日の日付で記録します）',
          validate: (v) => (v ? parseDate(v).error ?? null : null) },
        { name: 'note', label: '備考', maxlength: 200 },
      ],
      secondary: h('button', { type: 'button', class: 'button', on: { click: () => load(true) } }, 'やめる'),
      async onSubmit(v) {
        await api.post(`/seals/${s.id}/card-loss`, { lost_on: v.lost_on ? parseDate(v.lost_on).iso : undefined, note: v.note || undefined });
        if (!ctx.alive()) return;
        ctx.flash(`印鑑登録証 ${s.card.number} の亡失を記録しました。この番号では証明書を交付できません。`, 'success');
        await load(true);
      },
    });
  }

  function reissueForm(s) {
    return new Form({
      legend: '印鑑登録証の再交付',
      submitLabel: '再交付する',
      fields: [{ name: 'note', label: '備考', maxlength: 200,
        hint: s.card ? `いまの印鑑登録証（${s.card.number}）は返納され、使えなくなります。` : '新しい番号の印鑑登録証を交付します。' }],
      secondary: h('button', { type: 'button', class: 'button', on: { click: () => load(true) } }, 'やめる'),
      async onSubmit(v) {
        const r = await api.post(`/seals/${s.id}/card`, { note: v.note || undefined });
        if (!ctx.alive()) return;
        ctx.flash(`印鑑登録証を再交付しました。新しい番号は ${r.card.number} です。`, 'success');
        await load(true);
      },
    });
  }

  function abolishForm(s) {
    return new Form({
      legend: '印鑑登録の廃止',
      submitLabel: '廃止する',
      fields: [
        { name: 'reason', label: '廃止の理由', type: 'select', required: true,
          options: [{ value: '', label: '選択してください' }, { value: 'shinsei', label: '登録者の申請（廃止届）' }, { value: 'shokken', label: '職権' }] },
        { name: 'note', label: '備考', maxlength: 200 },
      ],
      secondary: h('button', { type: 'button', class: 'button', on: { click: () => load(true) } }, 'やめる'),
      async onSubmit(v) {
        await api.post(`/seals/${s.id}/abolition`, { reason: v.reason, note: v.note || undefined });
        if (!ctx.alive()) return;
        ctx.flash(`登録番号 ${s.id} の印鑑登録を廃止しました。`, 'success');
        await load(true);
      },
    });
  }

  // ---- registration -------------------------------------------------------------------

  function renderForm() {
    const form = new Form({
      legend: '印鑑の登録',
      submitLabel: '登録する',
      fields: [
        { name: 'image', label: '印影の画像', type: 'file', required: true,
          hint: '登録する印鑑を押した紙をスキャナで読み取った画像（PNG または JPEG、512KB まで）。印影の大きさは 8 mm 角を超え 25 mm 角以内。' },
        { name: 'dpi', label: '読取解像度（dpi）', maxlength: 5, inputmode: 'numeric', inputClass: 'code-input',
          hint: '画像に解像度が記録されていないときだけ入力（例：300）',
          validate: (v) => (v && !/^[0-9]{2,4}$/.test(foldNumber(v)) ? '読取解像度は数字で入力してください（例：300）。' : null) },
        { name: 'verification', label: '本人確認の方法', type: 'select', required: true,
          options: [{ value: '', label: '選択してください' }, ...VERIFICATIONS] },
        { name: 'adult_ward', label: '申請者は成年被後見人', type: 'checkbox' },
        { name: 'with_representative', label: '法定代理人が同行している', type: 'checkbox' },
        { name: 'note', label: '備考', maxlength: 200 },
      ],
      async onSubmit(v, f) {
        const file = f.input('image').files[0];
        if (file.size > MAX_BYTES) {
          f.setFieldError('image', `画像が大きすぎます（${Math.ceil(file.size / 1024)}KB）。512KB までにしてください。`);
          f.setError('入力内容を確認してください。');
          f.input('image').focus();
          return;
        }
        const bytes = await file.arrayBuffer();
        if (!pictureKind(bytes)) {
          f.setFieldError('image', 'PNG または JPEG の画像ファイルを選んでください。');
          f.setError('入力内容を確認してください。');
          f.input('image').focus();
          return;
        }
        const ward = f.input('adult_ward').checked;
        const body = {
          atena, image: bytesToBase64(bytes), verification: v.verification,
          dpi: v.dpi ? Number(foldNumber(v.dpi)) : undefined,
          adult_ward: ward || undefined,
          with_representative: ward && f.input('with_representative').checked ? true : undefined,
          note: v.note || undefined,
        };
        const s = await api.post('/seals', body);
        if (!ctx.alive()) return;
        ctx.flash(`印鑑を登録しました（登録番号 ${s.id}）。印鑑登録証の番号は ${s.card.number} です。`, 'success');
        await load(true);
      },
    });
    const file = form.input('image');
    file.setAttribute('accept', 'image/png,image/jpeg');
    const ward = form.input('adult_ward');
    const rep = form.input('with_representative');
    rep.disabled = true;
    ward.addEventListener('change', () => {
      rep.disabled = !ward.checked;
      if (!ward.checked) rep.checked = false;
    });
    currentHost.append(
      h('div', { class: 'panel panel-info' }, h('p', { text: 'この方の印鑑登録はありません。登録すると、印鑑登録証が交付されます（登録者1人につき1個）。' })),
      h('div', { class: 'panel seal-form' }, form.el));
    file.dataset.autofocus = '';
  }

  // ---- earlier registrations and certificates --------------------------------------------------

  function renderHistory(items) {
    clear(historyHost);
    if (items.length === 0) {
      historyHost.append(h('p', { class: 'count', text: '登録の記録はありません。' }));
      return;
    }
    historyHost.append(h('div', { class: 'table-scroll' },
      h('table', { class: 'data-table seal-list' },
        h('caption', { class: 'visually-hidden', text: 'これまでの登録' }),
        h('thead', {}, h('tr', {}, ['登録番号', '登録年月日', '状態', '廃止日', '廃止の理由'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, items.map((s) => h('tr', { dataset: { seal: String(s.id) } },
          h('td', { class: 'mono', text: String(s.id) }),
          h('td', { class: 'nowrap', text: formatBoth(s.registered_on) }),
          h('td', {}, h('span', { class: ['status', s.status === 'active' ? 'status-on' : 'status-off'], text: s.status_label })),
          h('td', { class: 'nowrap', text: s.abolished_on ? formatBoth(s.abolished_on) : '' }),
          h('td', { text: s.abolish_reason_label ?? '' })))))));
  }

  function renderCerts(items) {
    clear(certHost);
    if (items.length === 0) {
      certHost.append(h('p', { class: 'count', text: '交付の記録はありません。' }));
      return;
    }
    certHost.append(h('div', { class: 'table-scroll' },
      h('table', { class: 'data-table seal-cert-list' },
        h('caption', { class: 'visually-hidden', text: '印鑑登録証明書の交付履歴' }),
        h('thead', {}, h('tr', {}, ['証明書番号', '交付日', '登録番号', '印鑑登録証', '来庁者', '処理者'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, items.map((c) => h('tr', {},
          h('td', { class: 'mono', text: c.number }),
          h('td', { class: 'nowrap', text: formatBoth(c.issue_date) }),
          h('td', { class: 'mono', text: String(c.registration_id) }),
          h('td', { class: 'mono', text: c.card_number }),
          h('td', { text: c.requester_name }),
          h('td', { text: c.user })))))));
  }

  try {
    await load(false);
  } catch (err) {
    if (err.status === 401 || !ctx.alive()) return null;
    ctx.flash(errorMessage(err), 'error');
  }
  return currentHost.querySelector('[data-autofocus]') ?? title;
}
