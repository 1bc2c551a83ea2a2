// wareki.js — civil dates for the clerk: 和暦 (Japanese eras) and 西暦, and
// reading what a clerk types (2025-04-01, 2025/4/1, 20250401, R7.4.1,
// 令和7年4月1日, S550505, 元年).
//
// Dates are ISO text "YYYY-MM-DD" (a day of the calendar in Japan), as the
// API sends them. Rules as the server's (src/engine/wareki.h, docs/dates.md):
// year 1 of an era is 元年; 1912-07-30 and 1926-12-25 belong to two eras
// (即日改元) and are written in the new one, both forms are read; a date
// outside its era (平成31年5月1日) is refused, never moved; days before
// 1873-01-01 are lunisolar (旧暦) and are refused.

// Newest first. first: the era's first day; last: its last day ('' current).
export const ERAS = [
  { name: '令和', letter: 'R', first: '2019-05-01', last: '' },
  { name: '平成', letter: 'H', first: '1989-01-08', last: '2019-04-30' },
  { name: '昭和', letter: 'S', first: '1926-12-25', last: '1989-01-07' },
  { name: '大正', letter: 'T', first: '1912-07-30', last: '1926-12-25' },
  { name: '明治', letter: 'M', first: '1868-01-25', last: '1912-07-30' },
];

const FIRST_GREGORIAN = '1873-01-01';

function parts(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  return m ? { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) } : null;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
export const isoOf = (y, m, d) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

export function daysInMonth(y, m) {
  return [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

// The era a date is written in (the new one on an overlap day), or null.
export function eraOf(iso) {
  return ERAS.find((e) => iso >= e.first) ?? null;
}

// { era, year, month, day } for a date, or null before 明治.
export function toWareki(iso) {
  const p = parts(iso);
  if (!p) return null;
  const era = eraOf(iso);
  if (!era) return null;
  return { era: era.name, letter: era.letter, year: p.y - Number(era.first.slice(0, 4)) + 1, month: p.m, day: p.d };
}

// 令和7年4月1日 (元年 for year 1); '' for no date; the ISO text for a date
// before 明治.
export function formatWareki(iso) {
  if (!iso) return '';
  const w = toWareki(iso);
  if (!w) return formatSeireki(iso);
  return `${w.era}${w.year === 1 ? '元' : w.year}年${w.month}月${w.day}日`;
}

// 2025年4月1日
export function formatSeireki(iso) {
  const p = parts(iso);
  if (!p) return iso || '';
  return `${p.y}年${p.m}月${p.d}日`;
}

// 令和7年4月1日（2025年4月1日）
export function formatBoth(iso) {
  if (!iso) return '';
  const w = formatWareki(iso);
  const s = formatSeireki(iso);
  return w === s ? s : `${w}（${s}）`;
}

// Today in Japan (UTC+9, no daylight saving), ISO.
export function todayJapan(now = Date.now()) {
  return new Date(now + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

// ---- reading what was typed ----------------------------------------------------

const ERA_BY_NAME = new Map(ERAS.flatMap((e) => [[e.name, e], [e.letter, e], [e.letter.toLowerCase(), e]]));

// Full-width digits, letters and punctuation to ASCII; spaces removed.
function fold(s) {
  return s.normalize('NFKC').replace(/\s+/g, '').replace(/[－−ー―]/g, '-');
}

const FORMAT_HINT = '日付は 2025-04-01、20250401、R7.4.1、令和7年4月1日 のように入力してください。';

function checkDay(y, m, d, yearLabel) {
  if (m < 1 || m > 12) return `月は1から12までで入力してください（${m}月はありません）。`;
  if (d < 1) return '日は1以上で入力してください。';
  const n = daysInMonth(y, m);
  if (d > n) return `${yearLabel}${m}月は${n}日までです（${m}月${d}日はありません）。`;
  return null;
}

// Reads a typed date. Returns { iso } or { error } (Japanese), or
// { empty: true } for nothing typed.
export function parseDate(text) {
  const s = fold(String(text ?? ''));
  if (s === '') return { empty: true };
  let m;
  let y;
  let mo;
  let d;
  let era = null;
  let eraYear = 0;
  if ((m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s)) || (m = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if ((m = /^(明治|大正|昭和|平成|令和|[MTSHRmtshr])(\d{1,2}|元)[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s))
    || (m = /^([MTSHRmtshr])(\d{2})(\d{2})(\d{2})$/.exec(s))) {
    era = ERA_BY_NAME.get(m[1]);
    eraYear = m[2] === '元' ? 1 : Number(m[2]);
    if (eraYear < 1) return { error: `${era.name}の年は元年（1年）からです。` };
    [y, mo, d] = [Number(era.first.slice(0, 4)) + eraYear - 1, Number(m[3]), Number(m[4])];
  } else {
    return { error: `日付の形が正しくありません。${FORMAT_HINT}` };
  }
  const bad = checkDay(y, mo, d, era ? `${era.name}${eraYear === 1 ? '元' : eraYear}年` : `${y}年`);
  if (bad) return { error: bad };
  const iso = isoOf(y, mo, d);
  if (era) {
    const typed = `${era.name}${eraYear === 1 ? '元' : eraYear}年${mo}月${d}日`;
    if (iso < era.first || (era.last && iso > era.last)) {
      const right = iso >= ERAS[ERAS.length - 1].first ? `（${formatWareki(iso)}のことであれば、そのように入力してください）` : '';
      return { error: `${typed}は${era.name}の期間にありません${right}。` };
    }
  }
  if (iso < FIRST_GREGORIAN) return { error: '1873年（明治6年）1月1日より前の日付は扱えません（旧暦の期間です）。' };
  if (iso > '9999-12-31') return { error: '日付が大きすぎます。' };
  return { iso };
}

// An ISO instant to the Japan-time text a datetime-local input shows
// (YYYY-MM-DDTHH:MM:SS), and back to an instant the API reads.
export function instantToJapanLocal(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  return new Date(t + 9 * 3600 * 1000).toISOString().slice(0, 19);
}

export function japanLocalToInstant(local) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(local || '');
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] || 0))
    - 9 * 3600 * 1000;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
