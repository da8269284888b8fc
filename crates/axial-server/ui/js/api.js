// The one place the UI talks to the server: JSON requests with the CSRF
// token, errors turned into exceptions carrying the server's message.

let csrf = null;

export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || [];
  }
}

export async function session() {
  const s = await request('GET', '/session');
  csrf = s.csrf_token;
  return s;
}

// ---- blind coding ----
// A per-project switch kept in localStorage. While it is on, every read of
// that project (GET, and the read-only POST of analysis segments) carries
// `blind=true`, and the server answers as if only this user's codings
// existed. Views need not know: they all read through here or url().

/** localStorage key of the blind coding switch of a project. */
export function blindKey(pid) {
  return 'axial.blind.' + pid;
}
/** Whether blind coding is on for a project. */
export function isBlind(pid) {
  return !!pid && localStorage.getItem(blindKey(pid)) === '1';
}
/** Turns blind coding on or off for a project; tells the page (`axial:blind`). */
export function setBlind(pid, on) {
  if (on) localStorage.setItem(blindKey(pid), '1');
  else localStorage.removeItem(blindKey(pid));
  window.dispatchEvent(new CustomEvent('axial:blind', { detail: { project: pid, on: !!on } }));
}

/** The path with `blind=true` added when it reads a project coded blind. */
function blindPath(method, path) {
  const m = /^\/projects\/([^/?#]+)/.exec(path);
  if (!m || !isBlind(decodeURIComponent(m[1]))) return path;
  const read = method === 'GET' || (method === 'POST' && /\/analysis\/segments(\?|$)/.test(path));
  if (!read) return path;
  return path + (path.includes('?') ? '&' : '?') + 'blind=true';
}

/** The URL of an API read for links, images and downloads (blind-aware). */
export function url(path) {
  return '/api/v1' + blindPath('GET', path);
}

async function request(method, path, body, opts) {
  if (!opts || opts.blind !== false) path = blindPath(method, path);
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-Axial-CSRF'] = csrf || '';
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'offline', 'The Axial server cannot be reached. Is it still running?');
  }
  return decode(resp.status, await resp.text());
}

function decode(status, text) {
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  if (status >= 200 && status < 300) return data;
  const err = (data && data.error) || {};
  // Accounts: the session is gone (login.js starts again at the sign-in form).
  if (status === 401 && err.code === 'unauthorized') window.dispatchEvent(new CustomEvent('axial:unauthorized'));
  throw new ApiError(status, err.code || 'http_' + status, err.message || 'request failed (' + status + ')', err.fields);
}

/** `opts.blind === false` reads past blind coding (only for setting up the comparison that ends it). */
export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body) => request('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => request('PATCH', path, body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

/** Builds a query string from an object, skipping empty values. */
export function qs(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(v)));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

/** Uploads one file with progress; resolves to the server's per-file result. */
export function upload(projectId, file, caseName, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name);
    if (caseName) form.append('case', caseName);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/projects/' + projectId + '/sources');
    xhr.setRequestHeader('X-Axial-CSRF', csrf || '');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      try {
        resolve(decode(xhr.status, xhr.responseText));
      } catch (e) {
        reject(e);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'offline', 'upload failed: the server cannot be reached'));
    xhr.send(form);
  });
}
