// dom.js — small helpers to build the page without innerHTML.
//
// Text always goes in through textContent, so data from the server can never
// become markup.

// h('button', { class: 'primary', type: 'button', on: { click: fn } }, 'text', child, ...)
// Props: class, text, dataset, on (event handlers), and anything else as an
// attribute (true → empty attribute, false/null/undefined → left out).
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let idCounter = 0;
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// Japan has no daylight saving time: the town's clock is UTC+9 all year.
const JST = 'Asia/Tokyo';
const dateTimeFormat = new Intl.DateTimeFormat('ja-JP', {
  timeZone: JST,
  year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
  hour12: false,
});

// An ISO instant from the server, as Japan time: 2025/01/15 09:30:00.
export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return dateTimeFormat.format(d);
}

// A Japan-time calendar day (YYYY-MM-DD) to the UTC instant at which it
// starts, in the form the API accepts (YYYY-MM-DDTHH:MM:SSZ).
export function jstDayStartUtc(day, plusDays = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays) - 9 * 3600 * 1000;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
