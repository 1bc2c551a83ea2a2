// 抑止 (DV等支援措置) over the API: a 申出 pending until a second user
// approves it (the proposer refused, a clerk may not approve), a protected
// person's certificate refused to a third party and the attempt audited, the
// address hidden in search results and households from a role that may not
// see it (and the person left out of a search by address), a lookup outside
// the protected purposes refused and audited, expiry by date, 延長 and 解除
// by the same four-eyes rule, the event feed's flag, bad input by field.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKyodo, assertError } from '../lib/harness.mjs';

const A = '104213';
let k, clerk, chief, chief2, admin, auditor, tax;

const HOME = { postcode: '3770424', address: '群馬県吾妻郡中之条町大字中之条町555番地', katagaki: 'ハイツ吾妻203' };
const ELSEWHERE = { postcode: '3770423', address: '群馬県吾妻郡中之条町大字伊勢町777番地' };
const people = {};
let homeSetai;

// Today and other days in Japan, as the server counts them.
const japanDay = (offsetDays = 0) =>
  new Date(Date.now() + 9 * 3600e3 + offsetDays * 86400e3).toISOString().slice(0, 10);
const TODAY = japanDay();

async function idou(body) {
  const r = await clerk.post('/api/v1/residents/idou', body);
  assert.equal(r.status, 201, `${body.kind}: ${r.text}`);
  return r.json;
}

const APPLICATION = {
  category: 'dv', reason: '元配偶者からの暴力。転居先を知られないため。', confirmer_kind: 'police',
  confirmer: '中之条警察署', confirmed_on: '2026-01-05', offender: '加害 太郎',
};

async function audit(query) {
  const r = await auditor.get(`/api/v1/audit?${query}&limit=200`);
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

const rid = (r) => r.headers.get('x-request-id');
// A header value is bytes: Japanese text goes as its UTF-8 bytes.
const purpose = (text) => ({ 'X-Kyodo-Purpose': Buffer.from(text).toString('latin1') });

before(async () => {
  k = await startKyodo({ towns: [[A, '中之条町']] });
  clerk = await k.as(A, 'residents_clerk');
  chief = await k.as(A, 'residents_supervisor');
  admin = await k.as(A, 'admin');
  auditor = await k.as(A, 'auditor');
  tax = await k.as(A, 'tax_clerk');
  // A second 住民記録責任者, for the approvals of the first one's proposals.
  const made = await admin.post('/api/v1/users',
    { login: 'chief2', name: '二人目 責任者', role: 'residents_supervisor', password: 'second-chief-pw-1' });
  assert.equal(made.status, 201, made.text);
  chief2 = await k.login(A, 'chief2', 'second-chief-pw-1');

  // The protected household: 花子 (the 申出者) and her daughter; a son living
  // with them who is not named in the 申出; and people elsewhere.
  let r = await idou({ kind: 'kokunai_tennyu', idou_date: '2026-01-10',
    changes: { ...HOME, prev_address: '東京都千代田区霞が関2丁目1番2号' },
    persons: [
      { kind: 'japanese', shimei: '被害 花子', shimei_kana: 'ヒガイ ハナコ', birth: '1988-04-04', sex: 2, zokugara: '世帯主',
        honseki: '東京都千代田区霞が関2丁目', hittousha: '加害 太郎' },
      { kind: 'japanese', shimei: '被害 一花', shimei_kana: 'ヒガイ イチカ', birth: '2016-06-06', sex: 2, zokugara: '子' },
      { kind: 'japanese', shimei: '被害 二郎', shimei_kana: 'ヒガイ ジロウ', birth: '2018-08-08', sex: 1, zokugara: '子' },
    ] });
  [people.hanako, people.ichika, people.jiro] = r.atena;
  homeSetai = r.new_setai;
  r = await idou({ kind: 'kokunai_tennyu', idou_date: '2026-01-10', changes: ELSEWHERE,
    persons: [{ kind: 'japanese', shimei: '無関係 三郎', shimei_kana: 'ムカンケイ サブロウ', birth: '1970-03-03', sex: 1, zokugara: '世帯主' }] });
  [people.saburo] = r.atena;
  r = await idou({ kind: 'kokunai_tennyu', idou_date: '2025-01-10',
    changes: { postcode: '3770425', address: '群馬県吾妻郡中之条町大字折田888番地' },
    persons: [{ kind: 'japanese', shimei: '過去 保子', shimei_kana: 'カコ ヤスコ', birth: '1975-05-05', sex: 2, zokugara: '世帯主' }] });
  [people.yasuko] = r.atena;
});
after(async () => { await k.stop(); });

let measure; // the 申出 of 花子 and 一花
let setRequest;

test('a 申出 is recorded pending; the clerk may not approve, the proposer never may, another user does', async () => {
  const codes = await clerk.get('/api/v1/suppression-codes');
  assert.equal(codes.status, 200, codes.text);
  assert.deepEqual(codes.json.defaults.blocks, ['daisansha', 'etsuran', 'fuhyo']);
  assert.deepEqual(codes.json.defaults.purposes, ['shien', 'honnin', 'idou']);
  assert.equal(codes.json.defaults.period_months, 12);
  assert.ok(codes.json.categories.some((c) => c.code === 'child_abuse' && c.label === '児童虐待'));

  const r = await clerk.post('/api/v1/suppressions',
    { ...APPLICATION, applicant: people.hanako, joint: [people.ichika], note: '窓口で受付' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.headers.get('location'), new RegExp(`/api/v1/suppressions/${r.json.id}$`));
  measure = r.json.id;
  setRequest = r.json.request_id;
  assert.equal(r.json.status, 'pending');
  assert.equal(r.json.state, 'pending');
  assert.equal(r.json.applies, true, 'a pending 申出 already protects (suppression.pending_applies)');
  assert.equal(r.json.from, TODAY);
  assert.deepEqual(r.json.persons.map((p) => [p.atena, p.applicant, p.shimei]),
    [[people.hanako, true, '被害 花子'], [people.ichika, false, '被害 一花']]);
  assert.equal(r.json.reason, APPLICATION.reason);
  assert.ok(!JSON.stringify(r.json).includes(HOME.address), 'a measure carries no address');

  // The approval queue shows it; the clerk's own proposal is marked as theirs.
  const q = await chief.get('/api/v1/suppression-requests');
  assert.equal(q.status, 200, q.text);
  const item = q.json.items.find((i) => i.id === setRequest);
  assert.equal(item.kind, 'set');
  assert.equal(item.proposed_by, 'residents-clerk');
  assert.equal(item.mine, false);
  assert.equal(item.measure.id, measure);
  assert.equal((await clerk.get('/api/v1/suppression-requests')).json.items.find((i) => i.id === setRequest).mine, true);

  // A residents clerk may not approve at all (the permission table).
  assertError(await clerk.post(`/api/v1/suppression-requests/${setRequest}/decision`, { decision: 'approve' }),
    403, 'forbidden');

  // A 住民記録責任者 proposes one; the same user is refused, the attempt audited.
  const own = await chief.post('/api/v1/suppressions',
    { ...APPLICATION, category: 'stalker', applicant: people.saburo, blocks: ['daisansha', 'koyo'], purposes: ['shien'] });
  assert.equal(own.status, 201, own.text);
  const self = await chief.post(`/api/v1/suppression-requests/${own.json.request_id}/decision`, { decision: 'approve' });
  assertError(self, 403, 'self_approval', 'id');
  const stillPending = await chief.get(`/api/v1/suppressions/${own.json.id}`);
  assert.equal(stillPending.json.status, 'pending');
  const denied = (await audit(`subject=${people.saburo}&action=suppression.approve`)).find((e) => e.request_id === rid(self));
  assert.ok(denied, 'the refused approval is in the audit log');
  assert.equal(denied.outcome, 'denied');
  assert.equal(denied.user, 'residents-supervisor');
  // The second user approves it; then rejects nothing more (it is decided).
  const ok = await chief2.post(`/api/v1/suppression-requests/${own.json.request_id}/decision`, { decision: 'approve', note: '確認済' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.state, 'approved');
  assert.equal(ok.json.decided_by, 'chief2');
  assert.equal(ok.json.measure.status, 'active');
  assertError(await chief.post(`/api/v1/suppression-requests/${own.json.request_id}/decision`, { decision: 'reject', note: 'x' }),
    409, 'conflict');
  people.saburoMeasure = own.json.id;

  // The clerk's 申出 is approved by a supervisor (a different user).
  const ap = await chief.post(`/api/v1/suppression-requests/${setRequest}/decision`, { decision: 'approve' });
  assert.equal(ap.status, 200, ap.text);
  assert.equal(ap.json.measure.state, 'active');
  assert.equal(ap.json.mine, false);

  // Every step is in the audit log, per person, without the reason.
  for (const who of [people.hanako, people.ichika]) {
    const log = await audit(`subject=${who}`);
    const actions = log.map((e) => `${e.action}:${e.outcome}`);
    assert.ok(actions.includes('suppression.propose:ok'), actions.join());
    assert.ok(actions.includes('suppression.approve:ok'), actions.join());
    assert.ok(log.every((e) => !e.detail.includes('暴力') && !e.detail.includes('加害')), 'no reason or 相手方 in the log');
  }
});

test('a protected person\'s certificate is refused to a third party, and the attempt is audited', async () => {
  const body = { kind: 'juminhyo', form: 'kojin', atena: [people.hanako], requester: 'daisansha',
    requester_name: '加害 太郎', purpose: '債権回収のため' };
  for (const c of [clerk, chief]) {
    const r = await c.post('/api/v1/certificates', body);
    assertError(r, 403, 'suppressed', 'atena[0]');
    assert.match(r.json.error.message, /daisansha/);
    const log = await audit(`subject=${people.hanako}&action=certificate.issue`);
    const e = log.find((x) => x.request_id === rid(r));
    assert.ok(e, 'the refused certificate is audited');
    assert.equal(e.outcome, 'denied');
    assert.match(e.detail, new RegExp(`支援措置 ${measure}: 第三者からの請求`));
    assert.ok(!e.detail.includes('加害'), 'the requester is not in the audit log');
  }
  // The household's certificate, and the son who lives there (same address):
  // refused too. A 記載事項証明書 and a preview as well.
  assertError(await clerk.post('/api/v1/certificates', { kind: 'juminhyo', setai: homeSetai, requester: 'daisansha', purpose: 'x' }),
    403, 'suppressed');
  assertError(await clerk.post('/api/v1/certificates', { ...body, atena: [people.jiro] }), 403, 'suppressed', 'atena[0]');
  assertError(await clerk.post('/api/v1/certificates', { kind: 'kisai_jiko', form: 'kojin', atena: [people.ichika],
    items: ['address'], requester: 'daisansha', purpose: 'x' }), 403, 'suppressed', 'atena[0]');
  const pv = await clerk.post('/api/v1/certificates/preview', body);
  assertError(pv, 403, 'suppressed');
  assert.ok((await audit(`subject=${people.hanako}&action=certificate.preview`)).some((e) => e.request_id === rid(pv) && e.outcome === 'denied'));
  // Nothing entered the 交付履歴.
  assert.equal((await clerk.get(`/api/v1/certificates?atena=${people.hanako}`)).json.items.length, 0);

  // The person's own request: not for a residents clerk, issued by a
  // 住民記録責任者 (the measure does not refuse 本人等 by default).
  const own = { kind: 'juminhyo', form: 'kojin', atena: [people.hanako], requester: 'honnin' };
  assertError(await clerk.post('/api/v1/certificates', own), 403, 'suppressed', 'atena[0]');
  const issued = await fetch(k.base + '/api/v1/certificates', { method: 'POST',
    headers: { Cookie: `kyodo_session=${chief.cookie}`, 'X-CSRF-Token': chief.csrf, 'Content-Type': 'application/json' },
    body: JSON.stringify(own) });
  assert.equal(issued.status, 201, await issued.clone().text());
  await issued.arrayBuffer();
  const okEntry = (await audit(`subject=${people.hanako}&action=certificate.issue`)).find((e) => e.outcome === 'ok');
  assert.match(okEntry.detail, /支援措置の対象者を含む/);
  // Someone unprotected: issued to a third party as before.
  const other = await fetch(k.base + '/api/v1/certificates', { method: 'POST',
    headers: { Cookie: `kyodo_session=${clerk.cookie}`, 'X-CSRF-Token': clerk.csrf, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, atena: [people.yasuko] }) });
  assert.equal(other.status, 201);
  await other.arrayBuffer();
});

test('search: the address is hidden from a role that may not see it, and a search by address leaves the person out', async () => {
  const byClerk = await clerk.get('/api/v1/persons?kana=ひがい');
  assert.equal(byClerk.status, 200, byClerk.text);
  assert.equal(byClerk.json.items.length, 3);
  for (const p of byClerk.json.items) {
    assert.equal(p.address, '', `${p.shimei}: no address for the residents clerk`);
    assert.equal(p.suppression.address_masked, true);
  }
  const hanako = byClerk.json.items.find((p) => p.atena === people.hanako);
  assert.deepEqual([hanako.suppression.person, hanako.suppression.measure], [true, measure]);
  const jiro = byClerk.json.items.find((p) => p.atena === people.jiro);
  assert.deepEqual([jiro.suppression.person, jiro.suppression.household], [false, true]);
  assert.ok(!byClerk.text.includes(HOME.address) && !byClerk.text.includes('555'));

  // The 住民記録責任者 sees it, with the warning.
  const byChief = await chief.get('/api/v1/persons?kana=ひがい');
  assert.ok(byChief.json.items.every((p) => p.address === HOME.address && p.suppression.address_masked === false));

  // A search by the protected address finds nobody for the clerk; all three for the chief.
  const addr = encodeURIComponent('大字中之条町555');
  const clerkAddr = await clerk.get(`/api/v1/persons?address=${addr}`);
  assert.equal(clerkAddr.status, 200, clerkAddr.text);
  assert.equal(clerkAddr.json.items.length, 0);
  assert.equal((await chief.get(`/api/v1/persons?address=${addr}`)).json.items.length, 3);

  // Unprotected people are as before.
  const saburo = (await clerk.get(`/api/v1/persons?atena=${people.yasuko}`)).json.items[0];
  assert.equal(saburo.suppression, null);
  assert.match(saburo.address, /折田888/);

  // The search's audit entry says what was withheld.
  const log = await audit('action=resident.search&user=residents-clerk');
  assert.ok(log.some((e) => /支援措置: 3 address\(es\) withheld/.test(e.detail)), JSON.stringify(log.map((e) => e.detail)));
  assert.ok(log.some((e) => /3 left out/.test(e.detail)));
});

test('a lookup outside the protected purposes is refused (403 suppressed) and audited as denied', async () => {
  // The residents clerk: never (the role).
  const r1 = await clerk.get(`/api/v1/persons/${people.hanako}`);
  assertError(r1, 403, 'suppressed', null);
  assertError(await clerk.get(`/api/v1/persons/${people.hanako}/history`), 403, 'suppressed');
  // The 住民記録責任者: only for one of the measure's purposes.
  const r2 = await chief.get(`/api/v1/persons/${people.hanako}`);
  assertError(r2, 403, 'suppressed', 'X-Kyodo-Purpose');
  assert.match(r2.json.error.message, /shien honnin idou/);
  const r3 = await chief.get(`/api/v1/persons/${people.hanako}`, { headers: { 'X-Kyodo-Purpose': 'kankei' } });
  assertError(r3, 403, 'suppressed', 'X-Kyodo-Purpose');
  const r4 = await chief.get(`/api/v1/persons/${people.hanako}`, { headers: purpose('住民票の写しの交付') });
  assertError(r4, 403, 'suppressed', 'X-Kyodo-Purpose');
  for (const r of [r1, r2, r3, r4]) {
    const e = (await audit(`subject=${people.hanako}&action=resident.read`)).find((x) => x.request_id === rid(r));
    assert.ok(e, 'each refused lookup is audited');
    assert.equal(e.outcome, 'denied');
    assert.match(e.detail, new RegExp(`支援措置 ${measure}: refused`));
  }
  // Within a protected purpose (by label, as the page sends it): shown, with the warning.
  const ok = await chief.get(`/api/v1/persons/${people.hanako}`, { headers: purpose('支援措置事務') });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.address, HOME.address);
  assert.deepEqual([ok.json.suppression.person, ok.json.suppression.address_masked], [true, false]);
  assert.deepEqual(ok.json.suppression.blocks, ['daisansha', 'etsuran', 'fuhyo']);
  const entry = (await audit(`subject=${people.hanako}&action=resident.read`)).find((x) => x.request_id === rid(ok));
  assert.equal(entry.outcome, 'ok');
  assert.equal(entry.purpose, '支援措置事務');
  assert.match(entry.detail, /支援措置 支援措置事務/);
  const hist = await chief.get(`/api/v1/persons/${people.hanako}/history`, { headers: { 'X-Kyodo-Purpose': 'idou' } });
  assert.equal(hist.status, 200, hist.text);
  assert.equal(hist.json.suppression.person, true);

  // The son living with them is not covered himself: readable by the clerk,
  // his address withheld; the history too.
  const jiro = await clerk.get(`/api/v1/persons/${people.jiro}`);
  assert.equal(jiro.status, 200, jiro.text);
  assert.equal(jiro.json.address, '');
  assert.equal(jiro.json.katagaki, '');
  assert.equal(jiro.json.postcode, '');
  assert.deepEqual([jiro.json.suppression.household, jiro.json.suppression.address_masked], [true, true]);
  const jh = await clerk.get(`/api/v1/persons/${people.jiro}/history`);
  assert.ok(jh.json.versions.every((v) => v.record.address === ''));
  assert.ok(!jh.text.includes('555'));

  // The household: every address withheld from the clerk, the protected
  // members shown only as list entries.
  const hh = await clerk.get(`/api/v1/households/${homeSetai}`);
  assert.equal(hh.status, 200, hh.text);
  assert.ok(!hh.text.includes('555') && !hh.text.includes(HOME.katagaki), 'no address in the household');
  const m = Object.fromEntries(hh.json.members.map((x) => [x.atena, x]));
  assert.equal(m[people.hanako].shimei, '被害 花子');
  assert.equal(m[people.hanako].suppression.withheld, true);
  assert.equal(m[people.hanako].honseki, '');
  assert.equal(m[people.jiro].suppression.withheld, false);
  assert.equal(m[people.jiro].suppression.address_masked, true);
  // The 住民記録責任者 sees the addresses; the protected members in full only
  // for a protected purpose.
  const hc = await chief.get(`/api/v1/households/${homeSetai}`);
  const mc = Object.fromEntries(hc.json.members.map((x) => [x.atena, x]));
  assert.equal(mc[people.jiro].address, HOME.address);
  assert.equal(mc[people.hanako].suppression.withheld, true);
  const hp = await chief.get(`/api/v1/households/${homeSetai}`, { headers: { 'X-Kyodo-Purpose': 'shien' } });
  assert.equal(Object.fromEntries(hp.json.members.map((x) => [x.atena, x]))[people.hanako].honseki, '東京都千代田区霞が関2丁目');
});

test('the event feed names the subjects under a measure', async () => {
  const r = await tax.get('/api/v1/events');
  assert.equal(r.status, 200, r.text);
  const ev = r.json.items.find((e) => e.atena.includes(people.hanako));
  assert.deepEqual(ev.suppressed.sort(), [people.hanako, people.ichika].sort());
  const other = r.json.items.find((e) => e.atena.includes(people.yasuko));
  assert.deepEqual(other.suppressed, []);
});

test('expiry by date: a measure that ended yesterday protects no more, one ending today still does', async () => {
  const ended = await chief.post('/api/v1/suppressions', { ...APPLICATION, applicant: people.yasuko,
    applied_on: japanDay(-200), from: japanDay(-200), to: japanDay(-1) });
  assert.equal(ended.status, 201, ended.text);
  assert.equal(ended.json.state, 'expired');
  assert.equal(ended.json.applies, false);
  const ap = await chief2.post(`/api/v1/suppression-requests/${ended.json.request_id}/decision`, { decision: 'approve' });
  assert.equal(ap.status, 200, ap.text);
  assert.equal(ap.json.measure.state, 'expired');
  // It stopped applying by itself: readable, addresses shown, certificates issued.
  const read = await clerk.get(`/api/v1/persons/${people.yasuko}`);
  assert.equal(read.status, 200, read.text);
  assert.equal(read.json.suppression, null);
  assert.match(read.json.address, /折田888/);
  // An ended measure is not extended: a new 申出 is needed.
  assertError(await chief.post(`/api/v1/suppressions/${ended.json.id}/requests`, { kind: 'extend', to: japanDay(300) }),
    409, 'conflict');

  // A measure whose last day is today still applies.
  const lastDay = await chief.post('/api/v1/suppressions', { ...APPLICATION, applicant: people.yasuko,
    from: japanDay(-300), to: TODAY });
  assert.equal(lastDay.status, 201, lastDay.text);
  await chief2.post(`/api/v1/suppression-requests/${lastDay.json.request_id}/decision`, { decision: 'approve' });
  assertError(await clerk.get(`/api/v1/persons/${people.yasuko}`), 403, 'suppressed');
  const list = await clerk.get(`/api/v1/suppressions?atena=${people.yasuko}`);
  assert.deepEqual(list.json.items.map((m) => m.state), ['active', 'expired']);
});

test('延長 and 解除 also wait for a second user; a lifted measure protects no more', async () => {
  const detail = await chief.get(`/api/v1/suppressions/${measure}`);
  const to = detail.json.to;
  // More than one further period is refused; a year more is proposed.
  const tooLong = await chief.post(`/api/v1/suppressions/${measure}/requests`, { kind: 'extend', to: '2099-01-01' });
  assertError(tooLong, 400, 'invalid_value', 'to');
  const nextYear = `${Number(to.slice(0, 4)) + 1}${to.slice(4)}`;
  const ext = await clerk.post(`/api/v1/suppressions/${measure}/requests`, { kind: 'extend', to: nextYear, note: '延長の申出' });
  assert.equal(ext.status, 201, ext.text);
  assert.equal(ext.json.state, 'pending');
  assert.equal((await chief.get(`/api/v1/suppressions/${measure}`)).json.to, to, 'not extended before approval');
  // One request at a time.
  assertError(await chief.post(`/api/v1/suppressions/${measure}/requests`, { kind: 'lift', note: 'x' }), 409, 'conflict');
  const apx = await chief.post(`/api/v1/suppression-requests/${ext.json.id}/decision`, { decision: 'approve' });
  assert.equal(apx.status, 200, apx.text);
  assert.equal(apx.json.measure.to, nextYear);

  // 解除: proposed by the chief, who may not approve it; the second one does.
  const lift = await chief.post(`/api/v1/suppressions/${measure}/requests`, { kind: 'lift', note: '申出者から解除の申出' });
  assert.equal(lift.status, 201, lift.text);
  assertError(await chief.get(`/api/v1/persons/${people.hanako}`), 403, 'suppressed'); // still protected
  assertError(await chief.post(`/api/v1/suppression-requests/${lift.json.id}/decision`, { decision: 'approve' }), 403, 'self_approval');
  const apl = await chief2.post(`/api/v1/suppression-requests/${lift.json.id}/decision`, { decision: 'approve' });
  assert.equal(apl.status, 200, apl.text);
  assert.equal(apl.json.measure.status, 'lifted');
  assert.equal(apl.json.measure.lifted_on, TODAY);
  assert.equal(apl.json.measure.applies, false);
  // Lifted from today: the clerk reads her again and sees the address.
  const read = await clerk.get(`/api/v1/persons/${people.hanako}`);
  assert.equal(read.status, 200, read.text);
  assert.equal(read.json.address, HOME.address);
  // The measure's history: 申出, 延長, 解除, each with who proposed and who decided.
  const hist = await clerk.get(`/api/v1/suppressions/${measure}`);
  assert.deepEqual(hist.json.requests.map((r) => [r.kind, r.state, r.proposed_by, r.decided_by]), [
    ['set', 'approved', 'residents-clerk', 'residents-supervisor'],
    ['extend', 'approved', 'residents-clerk', 'residents-supervisor'],
    ['lift', 'approved', 'residents-supervisor', 'chief2'],
  ]);
  assert.ok((await audit(`subject=${people.hanako}&action=suppression.read`)).length >= 1, 'reading a measure is audited');
});

test('bad input is refused naming the field', async () => {
  const bad = [
    [{}, 400, 'missing_field', 'category'],
    [{ ...APPLICATION, applicant: people.saburo, category: 'theft' }, 400, 'invalid_value', 'category'],
    [{ ...APPLICATION, applicant: people.saburo, tenant: A }, 400, 'unknown_field', 'tenant'],
    [{ ...APPLICATION, applicant: '9999999999' }, 404, 'not_found', 'applicant'],
    [{ ...APPLICATION, applicant: people.hanako, joint: [people.saburo] }, 400, 'invalid_value', 'joint[0]'],
    [{ ...APPLICATION, applicant: people.hanako, joint: [people.hanako] }, 400, 'invalid_value', 'joint[0]'],
    [{ ...APPLICATION, applicant: people.hanako, confirmed_on: '2099-01-01' }, 400, 'invalid_value', 'confirmed_on'],
    [{ ...APPLICATION, applicant: people.hanako, blocks: ['everything'] }, 400, 'invalid_value', 'blocks[0]'],
    [{ ...APPLICATION, applicant: people.hanako, from: '2026-01-01', to: '2027-01-01' }, 400, 'invalid_value', 'to'],
  ];
  for (const [body, status, code, field] of bad)
    assertError(await clerk.post('/api/v1/suppressions', body), status, code, field);
  assertError(await chief.get('/api/v1/suppressions/999999'), 404, 'not_found');
  assertError(await chief.post('/api/v1/suppressions/999999/requests', { kind: 'lift', note: 'x' }), 404, 'not_found');
  assertError(await chief.post('/api/v1/suppression-requests/999999/decision', { decision: 'approve' }), 404, 'not_found');
  assertError(await chief.post(`/api/v1/suppression-requests/${setRequest}/decision`, { decision: 'maybe' }), 400, 'invalid_value', 'decision');
  assertError(await chief.post(`/api/v1/suppression-requests/${setRequest}/decision`, { decision: 'reject' }), 400, 'missing_field', 'note');
  assertError(await chief.post(`/api/v1/suppressions/${people.saburoMeasure}/requests`, { kind: 'pause' }), 400, 'invalid_value', 'kind');
  assertError(await chief.get('/api/v1/suppression-requests?state=lost'), 400, 'invalid_value', 'state');
  assertError(await chief.get('/api/v1/suppressions?atena=abc'), 400, 'invalid_value', 'atena');
  // Other roles may not see or propose measures.
  assertError(await tax.get('/api/v1/suppressions'), 403, 'forbidden');
  assertError(await tax.post('/api/v1/suppressions', { ...APPLICATION, applicant: people.hanako }), 403, 'forbidden');
});
