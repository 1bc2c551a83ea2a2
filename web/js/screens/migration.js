// migration.js — データ移行 (the consortium's operator) and 取込の確認 (the
// town's administrator): moving a town's data in and out in a 中間標準
// レイアウト (docs/migration-operations.md).
//
//   #/admin/migration                  the towns: choose one
//   #/admin/migration/{code}           export (layout, profile), upload an
//                                      import set, the town's jobs
//   #/admin/migration/{code}/{id}      one job: progress, summary (counts,
//                                      never values), download, check, discard
//   #/admin/migration-confirm          the own town's imports to confirm
//   #/admin/migration-confirm/{id}     one import: its summary and report,
//                                      confirm (commit) or discard
//
// The operator moves data without reading it: the server answers it counts
// only. The report's values are the town administrator's to read, who
// confirms as a second person. Running jobs are polled once a second.

import { api } from '../api.js';
import { h, clear, formatDateTime } from '../dom.js';
import { errorMessage } from '../messages.js';

export const MIGRATION_PATHS = {
  'admin.migration': '/admin/migration',
  'admin.migration_confirm': '/admin/migration-confirm',
};

export function migrationRoutes() {
  return [
    { re: /^\/admin\/migration$/, item: 'admin.migration', screen: townsScreen },
    { re: /^\/admin\/migration\/([0-9]{6})$/, item: 'admin.migration', screen: townScreen, params: ['code'] },
    { re: /^\/admin\/migration\/([0-9]{6})\/([1-9][0-9]{0,17})$/, item: 'admin.migration', screen: jobScreen, params: ['code', 'id'] },
    { re: /^\/admin\/migration-confirm$/, item: 'admin.migration_confirm', screen: confirmListScreen },
    { re: /^\/admin\/migration-confirm\/([1-9][0-9]{0,17})$/, item: 'admin.migration_confirm', screen: confirmScreen, params: ['id'] },
  ];
}

const KIND = { export: '出力（エクスポート）', import: '取込（インポート）' };
const STEP = { export: '出力', check: '検査', commit: '取込' };
const STATE = {
  ready: ['出力済み', 'status-on'],
  uploaded: ['未検査', 'status-warn'],
  checked: ['検査済み（問題なし）', 'status-on'],
  refused: ['検査で問題あり', 'status-off'],
  committed: ['取込済み', 'status-on'],
  failed: ['失敗', 'status-off'],
  discarded: ['破棄', 'status-off'],
  expired: ['保存期間終了', 'status-off'],
};

export function stateLabel(j) {
  if (j.state === 'queued') return `${STEP[j.step] ?? ''}待ち`;
  if (j.state === 'running') return `${STEP[j.step] ?? ''}中`;
  return STATE[j.state]?.[0] ?? j.state;
}

function stateBadge(j) {
  const cls = j.state === 'queued' || j.state === 'running' ? 'status-warn' : STATE[j.state]?.[1] ?? 'status-off';
  return h('span', { class: ['status', cls], dataset: { state: j.state }, text: stateLabel(j) });
}

const busy = (j) => j.state === 'queued' || j.state === 'running';
const num = (n) => Number(n ?? 0).toLocaleString('ja-JP');
const bytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} バイト`);
const who = (a) => (a ? `${a.login}（${a.town}）` : '');

// Polls a job while it is queued or running; calls show(job) each time.
function poll(ctx, load, show) {
  let timer = null;
  const tick = async () => {
    timer = null;
    if (!ctx.alive()) return;
    try {
      const j = await load();
      if (!ctx.alive()) return;
      show(j);
      if (busy(j)) timer = setTimeout(tick, 1000);
    } catch (err) {
      if (err.status !== 401 && ctx.alive()) ctx.flash(errorMessage(err), 'error');
    }
  };
  timer = setTimeout(tick, 1000);
  return () => { if (timer) clearTimeout(timer); };
}

// ---- the summary: counts, never values --------------------------------------------

function summaryTables(j) {
  const s = j.summary;
  const out = [];
  if (s?.files?.length) {
    out.push(h('h3', { text: 'ファイルごとの件数' }),
      h('div', { class: 'table-scroll' }, h('table', { class: 'data-table migration-files' },
        h('caption', { class: 'visually-hidden', text: 'ファイルごとの件数' }),
        h('thead', {}, h('tr', {}, ['ファイル', '行数', '問題'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, [...s.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => h('tr', {},
          h('td', { class: 'mono', text: f.path }),
          h('td', { class: 'num', text: num(f.rows) }),
          h('td', { class: 'num', text: num(f.problems) })))))));
  }
  if (s?.reasons?.length) {
    out.push(h('h3', { text: '問題の内訳（ファイル・項目・理由ごとの件数）' }),
      h('div', { class: 'table-scroll' }, h('table', { class: 'data-table migration-reasons' },
        h('caption', { class: 'visually-hidden', text: '問題の内訳' }),
        h('thead', {}, h('tr', {}, ['ファイル', '項目', '理由', '件数'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, s.reasons.map((r) => h('tr', {},
          h('td', { class: 'mono', text: r.file }),
          h('td', { text: r.item ?? '' }),
          h('td', { text: r.reason }),
          h('td', { class: 'num', text: num(r.count) })))))));
  }
  if (s?.entries?.length) {
    out.push(h('h3', { text: 'アップロードされたファイル' }),
      h('div', { class: 'table-scroll' }, h('table', { class: 'data-table migration-entries' },
        h('caption', { class: 'visually-hidden', text: 'アップロードされたファイル' }),
        h('thead', {}, h('tr', {}, ['ファイル', '大きさ'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, s.entries.map((f) => h('tr', {},
          h('td', { class: 'mono', text: f.path }),
          h('td', { class: 'num', text: bytes(f.bytes) })))))));
  }
  return out;
}

function jobSummary(j) {
  const rows = [
    ['番号', `第${j.id}号`],
    ['種類', KIND[j.kind]],
    ['レイアウト', j.layout],
    ['プロファイル', j.profile],
    ['状態', stateBadge(j)],
    ['作成', `${formatDateTime(j.created_at)}　${who(j.created_by)}`],
    ['最後の操作', `${j.state === 'uploaded' ? 'アップロード' : STEP[j.step]}：${formatDateTime(j.updated_at)}　${who(j.step_by)}`],
  ];
  if (j.confirmed_by) rows.push(['取込の確認', `${formatDateTime(j.confirmed_by.at)}　${j.confirmed_by.login}`]);
  if (j.files || j.rows) rows.push(['ファイル・行数', `${num(j.files)}ファイル、${num(j.rows)}行`]);
  if (j.kind === 'import' && ['refused', 'checked', 'committed'].includes(j.state)) rows.push(['問題', `${num(j.problems)}件`]);
  if (j.bytes) rows.push(['ZIPの大きさ', bytes(j.bytes)]);
  if (j.sha256) rows.push(['ZIPのSHA-256', h('span', { class: 'mono hash', text: j.sha256 })]);
  if (j.progress) rows.push(['進み具合', `${j.progress.file}：${num(j.progress.rows)}行${j.progress.bytes_total ? `（${Math.floor((100 * j.progress.bytes_done) / j.progress.bytes_total)}%）` : ''}`]);
  if (j.error) rows.push(['失敗の理由', j.error]);
  if (!['discarded', 'expired', 'committed'].includes(j.state)) rows.push(['ファイルの保存期限', formatDateTime(j.expires_at)]);
  return h('dl', { class: 'summary migration-summary' }, rows.map(([t, d]) => [h('dt', { text: t }), h('dd', {}, d)]));
}

function jobsTable(items, href, caption) {
  if (!items.length) return h('p', { class: 'count', text: 'ジョブはありません。' });
  return h('div', { class: 'table-scroll' }, h('table', { class: 'data-table migration-jobs' },
    h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, h('tr', {}, ['番号', '種類', 'レイアウト', '状態', '行数', '問題', '更新日時'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, items.map((j) => h('tr', { dataset: { id: j.id, state: j.state }, class: j.state === 'checked' ? 'attention' : null },
      h('td', { class: 'num' }, h('a', { href: '#' + href(j), 'aria-label': `第${j.id}号（${KIND[j.kind]} ${j.layout}）を開く` }, `第${j.id}号`)),
      h('td', { text: KIND[j.kind] }),
      h('td', { text: j.layout }),
      h('td', {}, stateBadge(j)),
      h('td', { class: 'num', text: num(j.rows) }),
      h('td', { class: 'num', text: j.kind === 'import' ? num(j.problems) : '' }),
      h('td', { class: 'nowrap', text: formatDateTime(j.updated_at) }))))));
}

// ---- the operator: towns ----------------------------------------------------------

async function townsScreen(ctx) {
  ctx.setTitle('データ移行');
  const r = await api.get('/tenants');
  if (!ctx.alive()) return null;
  const select = h('select', { id: 'migration-town', name: 'town' },
    r.items.map((t) => h('option', { value: t.code, text: `${t.name}（${t.code}）${t.active ? '' : '・停止中'}` })));
  const form = h('form', { class: 'inline-field', novalidate: true, on: { submit: (ev) => { ev.preventDefault(); ctx.navigate(`/admin/migration/${select.value}`); } } },
    h('label', { for: select.id, text: '対象の団体' }), select,
    h('button', { type: 'submit', class: 'button primary' }, '選ぶ'));
  ctx.root.append(
    h('h1', { text: 'データ移行' }),
    h('p', { class: 'lead', text: '団体のデータを中間標準レイアウトで出力（エクスポート）し、旧システムから移行するデータを取り込み（インポート）ます。運用担当はデータを移すだけで、内容（値）は表示されません。取込の確定は、その団体の町村管理者が行います。' }),
    h('div', { class: 'panel' }, form));
  return select;
}

// ---- the operator: one town -------------------------------------------------------

function choices(list, value, label) {
  return list.map((x) => h('option', { value: value(x), text: label(x) }));
}

async function townScreen(ctx) {
  const code = ctx.params.code;
  const [town, lay] = await Promise.all([api.get(`/tenants/${code}`), api.get('/migration-layouts')]);
  if (!ctx.alive()) return null;
  ctx.setTitle(`データ移行：${town.name}`);
  const base = `/tenants/${code}/migrations`;
  const jobsHost = h('div', { class: 'table-host' });

  async function loadJobs() {
    const r = await api.get(base);
    if (!ctx.alive()) return;
    clear(jobsHost).append(jobsTable(r.items, (j) => `/admin/migration/${code}/${j.id}`, `${town.name}のデータ移行ジョブ`));
  }

  const layoutOptions = () => choices(lay.layouts, (l) => l.name, (l) => `${l.title}（${l.name}、${l.version}）`);
  const profileOptions = () => choices(lay.profiles, (p) => p, (p) => p);

  // Export: layout and profile.
  const exLayout = h('select', { id: 'export-layout', name: 'layout' }, layoutOptions());
  const exProfile = h('select', { id: 'export-profile', name: 'profile' }, profileOptions());
  exProfile.value = lay.profiles.includes('kyodo') ? 'kyodo' : exProfile.value;
  const exError = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const exButton = h('button', { type: 'submit', class: 'button primary' }, '出力を開始する');
  const exportForm = h('form', { class: 'form grid-form', novalidate: true, 'aria-label': 'データの出力' },
    h('fieldset', {}, h('legend', { text: 'データの出力（エクスポート）' }),
      exError,
      h('div', { class: 'fields' },
        h('div', { class: 'field' }, h('label', { for: exLayout.id, text: 'レイアウト' }), exLayout),
        h('div', { class: 'field' }, h('label', { for: exProfile.id, text: 'プロファイル（ファイルの形式）' }), exProfile)),
      h('div', { class: 'form-actions' }, exButton)));
  exportForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    exError.hidden = true;
    exButton.disabled = true;
    try {
      const j = await api.post(`${base}/exports`, { layout: exLayout.value, profile: exProfile.value });
      ctx.navigate(`/admin/migration/${code}/${j.id}`, `第${j.id}号の出力を開始しました。終わるとダウンロードできます。`);
    } catch (err) {
      if (err.status === 401) return;
      exError.textContent = errorMessage(err);
      exError.hidden = false;
      exButton.focus();
    } finally {
      exButton.disabled = false;
    }
  });

  // Import: layout, profile, the zip.
  const imLayout = h('select', { id: 'import-layout', name: 'layout' }, layoutOptions());
  const imProfile = h('select', { id: 'import-profile', name: 'profile' }, profileOptions());
  imProfile.value = exProfile.value;
  const imFile = h('input', { id: 'import-file', name: 'file', type: 'file', accept: '.zip,application/zip', 'aria-describedby': 'import-file-hint import-file-error' });
  const imFileError = h('p', { class: 'field-error', id: 'import-file-error', hidden: true });
  const imError = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const imButton = h('button', { type: 'submit', class: 'button primary' }, 'アップロードする');
  const importForm = h('form', { class: 'form grid-form', novalidate: true, 'aria-label': 'データの取込' },
    h('fieldset', {}, h('legend', { text: 'データの取込（インポート）' }),
      imError,
      h('div', { class: 'fields' },
        h('div', { class: 'field' }, h('label', { for: imLayout.id, text: 'レイアウト' }), imLayout),
        h('div', { class: 'field' }, h('label', { for: imProfile.id, text: 'プロファイル（ファイルの形式）' }), imProfile),
        h('div', { class: 'field wide' },
          h('label', { for: imFile.id }, '移行データ（ZIPファイル）', h('span', { class: 'required', text: '必須' })),
          h('p', { class: 'hint', id: 'import-file-hint', text: 'レイアウトのファイル（と manifest.json）を、フォルダに入れずにまとめたZIPファイル。アップロード後に検査を行います。' }),
          imFile, imFileError)),
      h('div', { class: 'form-actions' }, imButton)));
  importForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    imError.hidden = true;
    imFileError.hidden = true;
    imFile.removeAttribute('aria-invalid');
    const file = imFile.files[0];
    const fail = (msg) => {
      imFileError.textContent = msg;
      imFileError.hidden = false;
      imFile.setAttribute('aria-invalid', 'true');
      imError.textContent = '入力内容を確認してください。';
      imError.hidden = false;
      imFile.focus();
    };
    if (!file) return fail('ZIPファイルを選んでください。');
    if (!/\.zip$/i.test(file.name)) return fail('ZIPファイル（.zip）を選んでください。');
    imButton.disabled = true;
    importForm.setAttribute('aria-busy', 'true');
    try {
      const j = await api.upload(`${base}/imports`, { layout: imLayout.value, profile: imProfile.value }, file, 'application/zip');
      ctx.navigate(`/admin/migration/${code}/${j.id}`, `第${j.id}号としてアップロードしました。検査を行ってください。`);
    } catch (err) {
      if (err.status === 401) return;
      if (err.field === 'file' || err.field === 'Content-Type' || err.status === 413) fail(errorMessage(err));
      else {
        imError.textContent = errorMessage(err);
        imError.hidden = false;
        imButton.focus();
      }
    } finally {
      imButton.disabled = false;
      importForm.removeAttribute('aria-busy');
    }
  });

  ctx.root.append(
    h('p', {}, h('a', { href: '#/admin/migration', class: 'back-link' }, '団体の選択へ戻る')),
    h('h1', { text: `データ移行：${town.name}（${town.code}）` }),
    h('p', { class: 'lead', text: '出力したデータはZIPファイルでダウンロードできます。取り込むデータは、アップロードして検査し、問題がなければこの団体の町村管理者が「取込の確認」で確定します。' }),
    h('div', { class: 'panel' }, exportForm),
    h('div', { class: 'panel' }, importForm),
    h('h2', { text: 'ジョブの一覧' }),
    jobsHost);
  await loadJobs();
  return exLayout;
}

// ---- the operator: one job -------------------------------------------------------

async function jobScreen(ctx) {
  const { code, id } = ctx.params;
  const path = `/tenants/${code}/migrations/${id}`;
  let j = await api.get(path);
  if (!ctx.alive()) return null;
  ctx.setTitle(`データ移行 第${id}号`);
  const heading = h('h1', { text: `データ移行 第${id}号：${KIND[j.kind]}` });
  const summaryHost = h('div', { class: 'panel', 'aria-live': 'polite' });
  const actions = h('div', { class: 'button-row migration-actions' });
  const tables = h('div', { class: 'migration-tables' });
  let stop = null;

  async function act(button, run, message) {
    button.disabled = true;
    try {
      await run();
      if (message) ctx.flash(message);
      j = await api.get(path);
      if (ctx.alive()) show();
    } catch (err) {
      if (err.status !== 401 && ctx.alive()) ctx.flash(errorMessage(err), 'error');
      button.disabled = false;
    }
  }

  function show() {
    clear(summaryHost).append(jobSummary(j));
    clear(tables).append(...summaryTables(j));
    const list = [];
    if (j.kind === 'export' && j.state === 'ready') {
      list.push(h('a', { class: 'button primary', href: `/api/v1${path}/export.zip`, download: `${code}-${j.layout}-${j.id}.zip`, dataset: { download: 'export' } }, 'ZIPファイルをダウンロードする'));
    }
    if (j.kind === 'import' && ['uploaded', 'checked', 'refused', 'failed'].includes(j.state)) {
      const b = h('button', { type: 'button', class: 'button primary' }, j.state === 'uploaded' ? '検査する' : 'もう一度検査する');
      b.addEventListener('click', () => act(b, () => api.post(`${path}/check`, {}), '検査を開始しました。'));
      list.push(b);
    }
    if (['ready', 'uploaded', 'checked', 'refused', 'failed'].includes(j.state)) {
      const d = h('button', { type: 'button', class: 'button danger' }, '破棄する');
      d.addEventListener('click', () => {
        if (!window.confirm(`第${j.id}号を破棄します。ファイルは削除され、元に戻せません。よろしいですか。`)) return;
        act(d, () => api.del(path), `第${j.id}号を破棄しました。`);
      });
      list.push(d);
    }
    clear(actions).append(...list);
    if (j.kind === 'import' && j.state === 'checked') {
      actions.append(h('p', { class: 'hint', text: '検査で問題は見つかりませんでした。この団体の町村管理者が「取込の確認」で確定すると、取り込まれます。' }));
    } else if (j.kind === 'import' && j.state === 'refused') {
      actions.append(h('p', { class: 'hint', text: '問題のある項目の値（報告書）は、この団体の町村管理者が「取込の確認」で確認できます。修正したデータを新しくアップロードしてください。' }));
    }
    if (busy(j) && !stop) stop = poll(ctx, () => api.get(path), (next) => { j = next; show(); if (!busy(j)) stop = null; });
  }
  show();
  ctx.root.append(
    h('p', {}, h('a', { href: `#/admin/migration/${code}`, class: 'back-link' }, 'ジョブの一覧へ戻る')),
    heading, summaryHost, actions, tables);
  return actions.querySelector('a, button') ?? heading;
}

// ---- the town administrator ---------------------------------------------------------

async function confirmListScreen(ctx) {
  ctx.setTitle('取込の確認');
  const r = await api.get('/migrations');
  if (!ctx.alive()) return null;
  const imports = r.items.filter((j) => j.kind === 'import');
  const waiting = imports.filter((j) => j.state === 'checked' || j.state === 'refused');
  ctx.root.append(
    h('h1', { text: '取込の確認' }),
    h('p', { class: 'lead', text: `運用担当がアップロードし検査した${ctx.me.tenant.name}の移行データです。検査の結果（問題のある項目と値）を確認し、問題がなければ取込を確定します。確定すると、すべての行が一度に取り込まれます。` }),
    h('h2', { text: '確認を待っているもの' }),
    jobsTable(waiting, (j) => `/admin/migration-confirm/${j.id}`, '確認を待っている取込'),
    h('h2', { text: 'すべての取込' }),
    jobsTable(imports, (j) => `/admin/migration-confirm/${j.id}`, 'すべての取込'));
  return null;
}

async function confirmScreen(ctx) {
  const id = ctx.params.id;
  const path = `/migrations/${id}`;
  let j = await api.get(path);
  if (!ctx.alive()) return null;
  ctx.setTitle(`取込の確認 第${id}号`);
  const summaryHost = h('div', { class: 'panel', 'aria-live': 'polite' });
  const tables = h('div', { class: 'migration-tables' });
  const decide = h('div', { class: 'panel migration-decide' });
  let stop = null;

  function show() {
    clear(summaryHost).append(jobSummary(j));
    clear(tables).append(...summaryTables(j));
    clear(decide);
    if (j.kind !== 'import') {
      decide.append(h('p', { text: 'これは出力のジョブです。' }));
      return;
    }
    if (j.state === 'refused') {
      decide.append(
        h('h2', { text: '検査の報告書' }),
        h('p', { text: `検査で${num(j.problems)}件の問題が見つかったため、取り込めません。問題のある項目（ファイル・行・項目・値・理由）を確認し、旧システムの事業者に修正を依頼してください。報告書には住民の情報が含まれます。表示は記録されます。` }),
        reportTable(),
        h('div', { class: 'button-row' },
          h('a', { class: 'button primary', href: `/api/v1${path}/report.csv`, download: `report-${j.id}.csv`, dataset: { download: 'report' } }, '報告書（CSV）をダウンロードする'),
          discardButton()));
    } else if (j.state === 'checked') {
      const agree = h('input', { type: 'checkbox', id: 'migration-agree' });
      const go = h('button', { type: 'button', class: 'button primary', disabled: true }, '取込を確定する');
      agree.addEventListener('change', () => { go.disabled = !agree.checked; });
      go.addEventListener('click', async () => {
        go.disabled = true;
        try {
          await api.post(`${path}/confirm`, {});
          ctx.flash(`第${j.id}号の取込を確定しました。取り込んでいます…`);
          j = await api.get(path);
          if (ctx.alive()) show();
        } catch (err) {
          if (err.status !== 401 && ctx.alive()) ctx.flash(errorMessage(err), 'error');
          go.disabled = !agree.checked;
        }
      });
      decide.append(
        h('h2', { text: '取込の確定' }),
        h('p', { text: `検査で問題は見つかりませんでした（${num(j.files)}ファイル、${num(j.rows)}行）。確定すると、すべての行を一度に取り込みます。途中で問題が見つかった場合は、何も取り込まれません。` }),
        h('p', {}, h('label', { class: 'check', for: agree.id }, agree, ' 件数と内容を確認しました')),
        h('div', { class: 'button-row' }, go, discardButton()));
    } else if (j.state === 'committed') {
      decide.append(h('p', { class: 'form-done', text: `取り込みました（${num(j.rows)}行）。` }));
    } else if (busy(j)) {
      decide.append(h('p', { class: 'loading', text: `${stateLabel(j)}です…` }));
    } else {
      decide.append(h('p', { text: `この取込は「${stateLabel(j)}」です。確定できるのは、検査で問題がなかったものだけです。` }), h('div', { class: 'button-row' }, ['uploaded', 'failed'].includes(j.state) ? discardButton() : null));
    }
    if (busy(j) && !stop) stop = poll(ctx, () => api.get(path), (next) => { j = next; show(); if (!busy(j)) stop = null; });
  }

  // The report's entries, a page at a time (each page read is audited).
  function reportTable() {
    const tbody = h('tbody');
    const count = h('p', { class: 'count' });
    const more = h('button', { type: 'button', class: 'button', hidden: true }, 'さらに表示');
    let offset = 0;
    async function load() {
      more.disabled = true;
      try {
        const r = await api.get(`${path}/report`, { offset, limit: 100 });
        if (!ctx.alive()) return;
        for (const e of r.items) {
          tbody.append(h('tr', {},
            h('td', { class: 'mono', text: e.file }),
            h('td', { class: 'num', text: num(e.line) }),
            h('td', { text: e.item }),
            h('td', { class: 'mono report-value', text: e.value ?? '' }),
            h('td', { text: e.reason })));
        }
        offset += r.items.length;
        count.textContent = `${num(r.problems)}件のうち${num(offset)}件を表示${r.total < r.problems ? `（報告書に記録されたのは最初の${num(r.total)}件です）` : ''}`;
        more.hidden = offset >= r.total;
      } catch (err) {
        if (err.status !== 401 && ctx.alive()) ctx.flash(errorMessage(err), 'error');
      } finally {
        more.disabled = false;
      }
    }
    more.addEventListener('click', load);
    load();
    return h('div', { class: 'migration-report' },
      count,
      h('div', { class: 'table-scroll' }, h('table', { class: 'data-table migration-report-table' },
        h('caption', { class: 'visually-hidden', text: '検査の報告書' }),
        h('thead', {}, h('tr', {}, ['ファイル', '行', '項目', '値', '理由'].map((t) => h('th', { scope: 'col', text: t })))),
        tbody)),
      h('div', { class: 'button-row' }, more));
  }

  function discardButton() {
    const d = h('button', { type: 'button', class: 'button danger' }, '破棄する');
    d.addEventListener('click', async () => {
      if (!window.confirm(`第${j.id}号の移行データを破棄します。元に戻せません。よろしいですか。`)) return;
      d.disabled = true;
      try {
        await api.del(path);
        ctx.navigate('/admin/migration-confirm', `第${j.id}号を破棄しました。`);
      } catch (err) {
        if (err.status !== 401 && ctx.alive()) ctx.flash(errorMessage(err), 'error');
        d.disabled = false;
      }
    });
    return d;
  }

  show();
  ctx.root.append(
    h('p', {}, h('a', { href: '#/admin/migration-confirm', class: 'back-link' }, '取込の一覧へ戻る')),
    h('h1', { text: `取込の確認 第${id}号（${j.layout}）` }),
    summaryHost, decide, tables);
  return decide.querySelector('input, a, button');
}
