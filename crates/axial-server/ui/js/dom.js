// Small DOM helpers. User text only ever enters the page through
// textContent or DOM properties — never innerHTML — so it stays data.

/** h('div.cls#id', {attrs}, children...) */
export function h(spec, attrs, ...children) {
  const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(spec);
  const el = document.createElement((m && m[1]) || 'div');
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') Object.assign(el.style, v);
    else if (k === 'value' || typeof v === 'boolean' || (k in el && typeof v !== 'string')) el[k] = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function mount(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

let toastTimer = null;
/** A short status message at the bottom of the window. */
export function toast(message, kind) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.className = 'toast show ' + (kind || '');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.className = 'toast'), kind === 'error' ? 7000 : 3500);
}

export function showError(e) {
  toast(e && e.message ? e.message : String(e), 'error');
}

/** A modal dialog; resolves to the field values, or null when cancelled. */
export function dialog({ title, fields = [], body = null, ok = 'OK', danger = false, wide = false }) {
  return new Promise((resolve) => {
    const inputs = {};
    const form = h('form.dialog' + (wide ? '.wide' : ''), { role: 'dialog', 'aria-label': title });
    const close = (v) => {
      overlay.remove();
      document.removeEventListener('keydown', onKey, true);
      resolve(v);
    };
    const onKey = (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close(null);
      }
    };
    form.append(h('h2', title));
    if (body) form.append(body instanceof Node ? body : h('p', body));
    for (const f of fields) {
      let input;
      if (f.type === 'textarea') input = h('textarea', { name: f.name, rows: f.rows || 4, value: f.value || '' });
      else if (f.type === 'select') {
        input = h('select', { name: f.name }, f.options.map((o) => h('option', { value: o.value, selected: o.value === f.value }, o.label)));
      } else input = h('input', { name: f.name, type: f.type || 'text', value: f.value || '', placeholder: f.placeholder || '' });
      inputs[f.name] = input;
      form.append(h('label.field', h('span', f.label), input));
    }
    form.append(
      h('div.actions',
        h('button.btn', { type: 'button', onclick: () => close(null) }, 'Cancel'),
        h('button.btn.primary' + (danger ? '.danger' : ''), { type: 'submit' }, ok)),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const out = {};
      for (const [k, el] of Object.entries(inputs)) out[k] = el.value;
      close(out);
    });
    const overlay = h('div.overlay', { onmousedown: (e) => e.target === overlay && close(null) }, form);
    document.body.append(overlay);
    document.addEventListener('keydown', onKey, true);
    const first = form.querySelector('input,textarea,select,button.primary');
    if (first) first.focus();
  });
}

export const confirmDialog = (title, text, ok, danger) => dialog({ title, body: text, ok, danger }).then((v) => v !== null);

/** A dot of a code's colour. */
export function swatch(color) {
  return h('span.swatch', { style: { backgroundColor: color } });
}

/** "#rrggbb" → "rgba(r,g,b,a)". */
export function rgba(hex, a) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || '');
  if (!m) return 'rgba(127,127,127,' + a + ')';
  return 'rgba(' + parseInt(m[1], 16) + ',' + parseInt(m[2], 16) + ',' + parseInt(m[3], 16) + ',' + a + ')';
}

export function plural(n, word, many) {
  return n + ' ' + (n === 1 ? word : many || word + 's');
}
