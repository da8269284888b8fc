// The code system panel (left, bottom): the code tree with counts of
// codings and documents; create, rename, recolour, describe, drag to move,
// merge with a preview, delete with counts. Clicking a code opens constant
// comparison.

import * as api from './api.js';
import { h, mount, dialog, confirmDialog, showError, plural, toast } from './dom.js';

export function codesPanel(ctx) {
  const pid = ctx.project.id;
  let current = null;
  const collapsed = new Set(JSON.parse(localStorage.getItem('axial.collapsed.' + pid) || '[]'));
  const tree = h('ul.code-tree', { role: 'tree' });
  const filter = h('input.filter', { type: 'search', placeholder: 'Filter codes', oninput: () => render() });
  const el = h('section.panel.codes-panel',
    h('header.panel-head', h('h2', 'Code system'),
      h('button.btn.small#new-code', { type: 'button', title: 'New code at the top level', onclick: () => createCode(null) }, '+ Code')),
    h('div.filters', filter), tree);

  // Dropping on the empty part of the tree moves a code to the top level.
  tree.addEventListener('dragover', (e) => e.preventDefault());
  tree.addEventListener('drop', (e) => {
    if (e.target !== tree) return;
    e.preventDefault();
    const id = e.dataTransfer.getData('text/x-axial-code');
    if (id) moveCode(id, null);
  });

  function render() {
    const q = filter.value.trim().toLowerCase();
    const visible = (n) => !q || n.path.toLowerCase().includes(q) || n.children.some(visible);
    const node = (n) => {
      if (!visible(n)) return null;
      const recent = ctx.recent.indexOf(n.id);
      const open = !collapsed.has(n.id) || q;
      const row = h('div.code-row' + (n.id === current ? '.active' : ''), {
        draggable: true,
        dataset: { id: n.id, name: n.name },
        title: n.description || n.path,
      },
      n.children.length ? h('button.twisty', { type: 'button', 'aria-label': open ? 'Collapse' : 'Expand', onclick: (e) => {
        e.stopPropagation();
        if (collapsed.has(n.id)) collapsed.delete(n.id);
        else collapsed.add(n.id);
        localStorage.setItem('axial.collapsed.' + pid, JSON.stringify([...collapsed]));
        render();
      } }, open ? '▾' : '▸') : h('span.twisty'),
      h('span.swatch' + (n.codable ? '' : '.category'), { style: { backgroundColor: n.color } }),
      h('span.cname', n.name),
      recent >= 0 ? h('kbd', { title: 'Press ' + (recent + 1) + ' to apply to a selection' }, String(recent + 1)) : null,
      h('span.counts', { title: plural(n.codings, 'coding') + ' in ' + plural(n.sources, 'document') }, String(n.codings), h('span.muted', ' / ' + n.sources)),
      h('button.menu-btn', { type: 'button', title: 'Actions', 'aria-label': 'Actions for ' + n.name, onclick: (e) => {
        e.stopPropagation();
        menu(n, e.clientX, e.clientY);
      } }, '⋯'));
      row.addEventListener('click', () => ctx.go('#/p/' + pid + '/compare/' + n.id));
      row.addEventListener('dblclick', (e) => {
        e.preventDefault();
        renameCode(n);
      });
      row.addEventListener('contextmenu', (e) => {
        e.preventDefault();
        menu(n, e.clientX, e.clientY);
      });
      row.addEventListener('dragstart', (e) => {
        e.dataTransfer.setData('text/x-axial-code', n.id);
        e.dataTransfer.effectAllowed = 'move';
      });
      row.addEventListener('dragover', (e) => {
        e.preventDefault();
        row.classList.add('drop');
      });
      row.addEventListener('dragleave', () => row.classList.remove('drop'));
      row.addEventListener('drop', (e) => {
        e.preventDefault();
        e.stopPropagation();
        row.classList.remove('drop');
        const id = e.dataTransfer.getData('text/x-axial-code');
        if (id && id !== n.id) moveCode(id, n.id);
      });
      return h('li', { role: 'treeitem' }, row, n.children.length && open ? h('ul', n.children.map(node)) : null);
    };
    mount(tree, ctx.tree.map(node));
    if (!ctx.tree.length) tree.append(h('li.muted.none', 'No codes yet. Select text in a document, or add one with + Code.'));
  }

  function menu(n, x, y) {
    document.querySelectorAll('.menu').forEach((m) => m.remove());
    const item = (label, fn, cls) => h('button.menu-item' + (cls || ''), { type: 'button', onclick: () => {
      m.remove();
      fn();
    } }, label);
    const m = h('div.menu', { role: 'menu' },
      item('Open constant comparison', () => ctx.go('#/p/' + pid + '/compare/' + n.id)),
      item('New code inside…', () => createCode(n)),
      item('Rename…', () => renameCode(n)),
      item('Colour…', () => recolour(n)),
      item('Describe…', () => describeCode(ctx, n.id)),
      item('Merge into…', () => mergeCode(n)),
      item('Move to top level', () => moveCode(n.id, null)),
      item('Delete…', () => deleteCode(n), '.danger'));
    document.body.append(m);
    m.style.left = Math.min(window.innerWidth - 220, x) + 'px';
    m.style.top = Math.min(window.innerHeight - 300, y) + 'px';
    const off = (e) => {
      if (!m.contains(e.target)) {
        m.remove();
        document.removeEventListener('mousedown', off, true);
      }
    };
    document.addEventListener('mousedown', off, true);
  }

  async function createCode(parent) {
    const v = await dialog({
      title: parent ? 'New code inside “' + parent.name + '”' : 'New code',
      fields: [
        { name: 'name', label: 'Name' },
        { name: 'color', label: 'Colour', type: 'color', value: '#3b7dd8' },
        { name: 'description', label: 'Definition', type: 'textarea', rows: 3 },
        { name: 'kind', label: 'Kind', type: 'select', value: 'code', options: [{ value: 'code', label: 'Code (applied to text)' }, { value: 'category', label: 'Category (groups codes)' }] },
      ],
      ok: 'Create',
    });
    if (!v) return;
    await ctx.act(() => api.post('/projects/' + pid + '/codes', { name: v.name, parent: parent ? parent.id : null, color: v.color, description: v.description, codable: v.kind === 'code' }), 'Created “' + v.name.trim() + '”');
  }

  async function renameCode(n) {
    let c;
    try {
      c = await api.get('/projects/' + pid + '/codes/' + n.id);
    } catch (e) {
      return showError(e);
    }
    const v = await dialog({ title: 'Rename code', fields: [{ name: 'name', label: 'Name', value: c.name }], ok: 'Rename' });
    if (v) await saveCode(ctx, pid, c, { name: v.name }, 'Renamed to “' + v.name.trim() + '”');
  }

  async function recolour(n) {
    const v = await dialog({ title: 'Colour of “' + n.name + '”', fields: [{ name: 'color', label: 'Colour', type: 'color', value: n.color }], ok: 'Save' });
    if (v) await ctx.act(() => api.patch('/projects/' + pid + '/codes/' + n.id, { color: v.color }), 'Colour saved');
  }

  async function moveCode(id, parent) {
    const c = ctx.codeById(id);
    const p = parent && ctx.codeById(parent);
    await ctx.act(() => api.post('/projects/' + pid + '/codes/' + id + '/move', { parent }), 'Moved “' + (c ? c.name : 'code') + '” ' + (p ? 'into “' + p.name + '”' : 'to the top level'));
  }

  async function mergeCode(n) {
    const others = ctx.codes.filter((c) => c.id !== n.id && !c.path.startsWith(n.path + '/'));
    const v = await dialog({
      title: 'Merge “' + n.name + '” into…',
      body: 'Its codings, sub-codes and memos move to the code you choose; then “' + n.name + '” is removed.',
      fields: [{ name: 'into', label: 'Target code', type: 'select', options: others.map((c) => ({ value: c.id, label: '  '.repeat(c.depth) + c.name })) }],
      ok: 'Preview',
    });
    if (!v || !v.into) return;
    let p;
    try {
      p = await api.get('/projects/' + pid + '/codes/' + n.id + '/merge-preview' + api.qs({ into: v.into }));
    } catch (e) {
      return showError(e);
    }
    const ok = await confirmDialog('Merge “' + p.from + '” into “' + p.into + '”?',
      h('ul.preview',
        h('li', plural(p.codings_moved, 'coding') + ' move'),
        p.codings_dropped ? h('li', plural(p.codings_dropped, 'duplicate coding') + ' dropped') : null,
        h('li', plural(p.children_moved, 'sub-code') + ' move'),
        h('li', plural(p.memos_relinked, 'memo') + ' relinked')), 'Merge');
    if (ok) await ctx.act(() => api.post('/projects/' + pid + '/codes/' + n.id + '/merge', { into: v.into }), (r) => 'Merged: ' + plural(r.codings_moved, 'coding') + ' moved');
  }

  async function deleteCode(n) {
    let p;
    try {
      p = await api.get('/projects/' + pid + '/codes/' + n.id + '/delete-preview');
    } catch (e) {
      return showError(e);
    }
    const ok = await confirmDialog('Delete “' + n.name + '”?',
      'This removes ' + plural(p.codings, 'coding') + (p.subcodes ? ' and ' + plural(p.subcodes, 'sub-code') : '') + '. Undo brings them back.', 'Delete', true);
    if (ok) await ctx.act(() => api.del('/projects/' + pid + '/codes/' + n.id), 'Deleted “' + n.name + '”');
  }

  return {
    el,
    render,
    highlight(id) {
      current = id;
      for (const r of tree.querySelectorAll('.code-row')) r.classList.toggle('active', r.dataset.id === id);
    },
  };
}

/** Edits a code's definition, inclusion and exclusion criteria and example. */
export async function describeCode(ctx, id) {
  const pid = ctx.project.id;
  let c;
  try {
    c = await api.get('/projects/' + pid + '/codes/' + id);
  } catch (e) {
    return showError(e);
  }
  const v = await dialog({
    title: 'Describe “' + c.name + '”',
    wide: true,
    fields: [
      { name: 'description', label: 'Definition', type: 'textarea', rows: 3, value: c.description },
      { name: 'inclusion', label: 'Use when (inclusion)', type: 'textarea', rows: 2, value: c.inclusion },
      { name: 'exclusion', label: 'Do not use when (exclusion)', type: 'textarea', rows: 2, value: c.exclusion },
      { name: 'example', label: 'Example', type: 'textarea', rows: 2, value: c.example },
    ],
    ok: 'Save',
  });
  if (v) await saveCode(ctx, pid, c, v, 'Definition saved');
}

/**
 * Saves an edit of a code opened at `opened.version`. If someone else saved
 * the code meanwhile, nothing is overwritten: both versions are shown side
 * by side, and the writer keeps theirs (saved over the newer one) or takes
 * the saved one.
 */
async function saveCode(ctx, pid, opened, changes, done) {
  try {
    await api.patch('/projects/' + pid + '/codes/' + opened.id, { version: opened.version, ...changes });
    toast(done);
    await ctx.refresh();
    return;
  } catch (e) {
    if (!(e.status === 409 && e.code === 'conflict')) return showError(e);
  }
  let saved;
  try {
    saved = await api.get('/projects/' + pid + '/codes/' + opened.id);
  } catch (e) {
    return showError(e);
  }
  const show = (c) => Object.keys(changes).map((k) => k + ': ' + (c[k] || '—')).join('\n');
  const body = h('div.conflict',
    h('p', 'Someone else changed “' + saved.name + '” while you were editing it. Nothing has been overwritten.'),
    h('div.conflict-sides',
      h('div.conflict-side', h('h3', 'Your version'), h('pre.conflict-text', show(changes))),
      h('div.conflict-side', h('h3', 'Saved version'), h('pre.conflict-text', show(saved)))));
  const keep = await dialog({ title: 'Two versions of “' + saved.name + '”', body, ok: 'Keep my version', wide: true });
  if (keep === null) {
    toast('Kept the saved version');
    await ctx.refresh();
    return;
  }
  await ctx.act(() => api.patch('/projects/' + pid + '/codes/' + opened.id, { version: saved.version, ...changes }), done);
}
