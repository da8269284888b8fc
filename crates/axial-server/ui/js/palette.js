// The code palette: opens at a selection; type to filter, arrow keys to
// move, Enter applies, a name that matches nothing creates a new code,
// "In vivo" names a code after the selected words. Digits 1–9 pick the
// recently used codes listed first.

import { h, mount, swatch } from './dom.js';

let open = null;

export function closePalette() {
  if (open) open.close();
}

/**
 * opts: { x, y, title, allowCreate, allowInVivo, onPick(code), onCreate(name), onInVivo() }
 */
export function openPalette(ctx, opts) {
  closePalette();
  const input = h('input.palette-input', { placeholder: 'Type to find or create a code…', autocomplete: 'off', spellcheck: false });
  const list = h('ul.palette-list', { role: 'listbox' });
  const el = h('div.palette', { role: 'dialog', 'aria-label': opts.title || 'Code palette' },
    h('div.palette-title', opts.title || 'Apply a code'), input, list,
    h('div.palette-foot',
      opts.allowInVivo ? h('button.btn.small#in-vivo', { type: 'button', title: 'Create a code named after the selected words (Alt+V)', onclick: () => finish(() => opts.onInVivo()) }, 'In vivo') : null,
      h('span.hint', '↑↓ move · Enter apply · Esc close')));
  let items = [];
  let active = 0;

  function finish(fn) {
    close();
    fn();
  }

  function render() {
    const q = input.value.trim().toLowerCase();
    const codable = ctx.codes.filter((c) => c.codable);
    const recent = ctx.recent.map((id) => ctx.codeById(id)).filter((c) => c && c.codable);
    let shown;
    if (!q) shown = [...recent, ...codable.filter((c) => !recent.includes(c))];
    else shown = codable.filter((c) => c.path.toLowerCase().includes(q)).sort((a, b) => (b.name.toLowerCase().startsWith(q) ? 1 : 0) - (a.name.toLowerCase().startsWith(q) ? 1 : 0));
    items = shown.slice(0, 60).map((c) => ({ code: c }));
    if (q && opts.allowCreate && !codable.some((c) => c.name.toLowerCase() === q)) items.push({ create: input.value.trim() });
    if (active >= items.length) active = Math.max(0, items.length - 1);
    mount(list, items.map((it, i) => {
      const ri = it.code ? recent.indexOf(it.code) : -1;
      const li = it.code
        ? h('li.palette-item', { role: 'option', dataset: { id: it.code.id } }, swatch(it.code.color),
          h('span.pname', it.code.name), it.code.depth ? h('span.ppath', it.code.path) : null,
          ri >= 0 && !q ? h('kbd', String(ri + 1)) : null)
        : h('li.palette-item.create', { role: 'option' }, '+ Create code “', h('strong', it.create), '”');
      if (i === active) li.classList.add('active');
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        choose(i);
      });
      return li;
    }));
    if (!items.length) list.append(h('li.muted.none', 'No code matches'));
  }

  function choose(i) {
    const it = items[i];
    if (!it) return;
    if (it.code) finish(() => opts.onPick(it.code));
    else finish(() => opts.onCreate(it.create));
  }

  input.addEventListener('input', () => {
    active = 0;
    render();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      active = Math.min(items.length - 1, active + 1);
      render();
      e.preventDefault();
    } else if (e.key === 'ArrowUp') {
      active = Math.max(0, active - 1);
      render();
      e.preventDefault();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      choose(active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (!input.value && /^[1-9]$/.test(e.key)) {
      const c = ctx.codeById(ctx.recent[+e.key - 1]);
      if (c && c.codable) {
        e.preventDefault();
        finish(() => opts.onPick(c));
      }
    } else if (e.altKey && (e.key === 'v' || e.key === 'V') && opts.allowInVivo) {
      e.preventDefault();
      finish(() => opts.onInVivo());
    }
  });
  const onDown = (e) => {
    if (!el.contains(e.target)) close();
  };
  function close() {
    el.remove();
    document.removeEventListener('mousedown', onDown, true);
    if (open && open.el === el) open = null;
  }
  document.body.append(el);
  const w = 320;
  el.style.left = Math.max(8, Math.min(window.innerWidth - w - 8, opts.x)) + 'px';
  el.style.top = Math.max(8, Math.min(window.innerHeight - 360, opts.y)) + 'px';
  document.addEventListener('mousedown', onDown, true);
  render();
  input.focus();
  open = { el, close };
  return open;
}
