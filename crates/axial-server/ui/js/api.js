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

async function request(method, path, body) {
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
  throw new ApiError(status, err.code || 'http_' + status, err.message || 'request failed (' + status + ')', err.fields);
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => request('PATCH', path, body);
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
