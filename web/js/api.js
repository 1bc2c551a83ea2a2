// api.js — the one place that talks to the server.
//
// Every call goes through request(): it sends JSON, adds the CSRF token to
// state-changing requests, and turns an error body {"error":{code,message,
// field}} into an ApiError. A 401 on any call but sign-in means the session
// has ended; the shell is told through onSessionEnded().

const BASE = '/api/v1';

let csrfToken = null;
let sessionEndedHandler = null;

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export function onSessionEnded(fn) {
  sessionEndedHandler = fn;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function utf8Bytes(text) {
  return Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join('');
}

// Sends one request; resolves to the parsed JSON body (null for 204).
// opts.body is sent as JSON; opts.query is an object of query parameters
// (empty values are left out); opts.purpose is sent as X-Kyodo-Purpose;
// opts.file takes a successful answer as a file (not JSON); opts.upload
// ({ data, type }) sends a file as the body instead of JSON;
// opts.expect401 marks requests whose 401 is an answer rather than an ended
// session (sign-in, the first /me).
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.upload) {
    // A file sent as it is (an import set's zip), not JSON.
    headers['Content-Type'] = opts.upload.type;
    body = opts.upload.data;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (STATE_CHANGING.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  // The purpose of a use of personal data (audited). Header values are
  // bytes; the server reads them as UTF-8, so the text goes as its UTF-8
  // bytes, one character per byte (fetch sends 0x00–0xFF as they are).
  if (opts.purpose) headers['X-Kyodo-Purpose'] = utf8Bytes(opts.purpose);

  let url = BASE + path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) {
      if (v !== undefined && v !== null && v !== '') q.append(k, String(v));
    }
    const s = q.toString();
    if (s) url += '?' + s;
  }

  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new ApiError(0, 'network', 'network error', null);
  }

  let data = null;
  const type = res.headers.get('content-type') || '';
  if (res.status !== 204 && type.startsWith('application/json')) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }

  if (!res.ok) {
    const e = data && data.error ? data.error : {};
    const err = new ApiError(res.status, e.code || 'http_' + res.status, e.message || '', e.field);
    if (res.status === 401 && !opts.expect401 && sessionEndedHandler) {
      csrfToken = null;
      sessionEndedHandler(err);
    }
    throw err;
  }
  // A file answer (a certificate's PDF): its bytes and where it was recorded.
  if (opts.file) {
    const disposition = res.headers.get('content-disposition') || '';
    const m = /filename="([^"]+)"/.exec(disposition);
    return { blob: await res.blob(), type, filename: m ? m[1] : 'download', location: res.headers.get('location') };
  }
  // Sign-in, /me and the own password change all return a fresh token.
  if (data && typeof data.csrf_token === 'string') csrfToken = data.csrf_token;
  return data;
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  // A read of personal data with a stated purpose (X-Kyodo-Purpose).
  getFor: (purpose, path, query) => request('GET', path, { query, purpose }),
  post: (path, body) => request('POST', path, { body }),
  // A POST answered with a file: resolves to { blob, type, filename, location }.
  postFile: (path, body) => request('POST', path, { body, file: true }),
  // POSTs a file (a Blob) as the body, with query parameters.
  upload: (path, query, data, type) => request('POST', path, { query, upload: { data, type } }),
  put: (path, body) => request('PUT', path, { body }),
  patch: (path, body) => request('PATCH', path, { body }),
  del: (path) => request('DELETE', path),

  signIn: (tenant, user, password) =>
    request('POST', '/session', { body: { tenant, user, password }, expect401: true }),
  signOut: () => request('DELETE', '/session'),
  // On start-up a 401 from /me just means nobody is signed in yet.
  me: ({ startup = false } = {}) => request('GET', '/me', { expect401: startup }),
};
