// Memos: a list filtered by type and by what they are linked to, and an
// editor with a live, safely rendered markdown preview.

import * as api from './api.js';
import { h, mount, showError, toast, confirmDialog, dialog } from './dom.js';
import { renderMarkdown } from './markdown.js';

const KINDS = ['theoretical', 'code', 'method', 'document'];

export function memosView(ctx, memoId, inspector) {
  const pid = ctx.project.id;
  let memos = [];
  let selected = memoId || null;
  const kindSel = h('select#memo-kind-filter', { onchange: () => load() },
    h('option', { value: '' }, 'All types'), KINDS.map((k) => h('option', { value: k }, k)));
  const linkSel = h('select#memo-link-filter', { onchange: () => load() },
    h('option', { value: '' }, 'Linked to anything'), ['project', 'source', 'case', 'code', 'coding'].map((k) => h('option', { value: k }, 'Linked to a ' + k)));
  const list = h('ul.memo-list');
  const editor = h('div.memo-editor');
  const el = h('div.view.memos',
    h('header.view-head', h('h1', 'Memos'), h('div.tools', kindSel, linkSel, h('button.btn.primary.small#new-memo', { type: 'button', onclick: () => edit(null) }, '+ New memo'))),
    h('div.memo-split', list, editor));

  async function load() {
    try {
      memos = await api.get('/projects/' + pid + '/memos' + api.qs({ kind: kindSel.value, link_type: linkSel.value }));
    } catch (e) {
      return showError(e);
    }
    mount(list, memos.slice().reverse().map((m) => h('li' + (m.id === selected ? '.active' : ''), { dataset: { id: m.id }, onclick: () => ctx.go('#/p/' + pid + '/memos/' + m.id) },
      h('strong', m.title), h('span.tag', m.kind), h('span.muted', linkLabel(m.links)))));
    if (!memos.length) list.append(h('li.muted.none', 'No memos match.'));
    const m = memos.find((x) => x.id === selected);
    if (m) edit(m);
    else if (selected) {
      try {
        edit(await api.get('/projects/' + pid + '/memos/' + selected));
      } catch (e) {
        showError(e);
      }
    } else if (!editor.firstChild) mount(editor, h('div.empty', h('p', 'Choose a memo, or write a new one.')));
  }

  /**
   * Someone else saved this memo since it was opened: show both versions
   * side by side and let the writer keep theirs (saved over the newer one),
   * take the other, or go on editing with both in view.
   */
  async function resolveConflict(mine, edited) {
    let theirs;
    try {
      theirs = await api.get('/projects/' + pid + '/memos/' + mine.id);
    } catch (e) {
      showError(e);
      return;
    }
    const column = (label, who, text) =>
      h('div.conflict-side', h('h3', label), h('p.muted', who), h('pre.conflict-text', text));
    const body = h('div.conflict',
      h('p', 'This memo was changed by someone else while you were editing it. Nothing has been overwritten.'),
      h('div.conflict-sides',
        column('Your version', 'not saved yet', edited.title + '\n\n' + edited.body),
        column('Saved version', 'saved ' + (theirs.updated_at || '').replace('T', ' ').slice(0, 16), theirs.title + '\n\n' + theirs.body)));
    const keep = await dialog({ title: 'Two versions of “' + mine.title + '”', body, ok: 'Keep my version', wide: true });
    if (keep === null) {
      // Take the saved version.
      selected = theirs.id;
      await load();
      toast('Showing the saved version');
      return;
    }
    try {
      await api.patch('/projects/' + pid + '/memos/' + mine.id, { version: theirs.version, ...edited });
      toast('Your version saved over the newer one (History keeps both)');
      await load();
    } catch (e) {
      showError(e);
    }
  }

  function linkLabel(links) {
    return links.map((l) => {
      if (l.type === 'code') return (ctx.codeById(l.id) || { name: 'code' }).name;
      if (l.type === 'source') return (ctx.sourceById(l.id) || { name: 'document' }).name;
      return l.type;
    }).join(', ');
  }

  function edit(m) {
    const title = h('input#memo-title', { value: m ? m.title : '', placeholder: 'Title' });
    const kind = h('select#memo-kind', KINDS.map((k) => h('option', { value: k, selected: m ? m.kind === k : k === 'theoretical' }, k)));
    const body = h('textarea#memo-body', { value: m ? m.body : '', rows: 16, placeholder: 'Write in markdown: # heading, **bold**, *italic*, - lists, > quotes' });
    const preview = h('div.memo-preview');
    const update = () => mount(preview, renderMarkdown(body.value));
    body.addEventListener('input', update);
    update();
    const save = async () => {
      try {
        const r = m
          ? await api.patch('/projects/' + pid + '/memos/' + m.id, { version: m.version, title: title.value, body: body.value, kind: kind.value })
          : await api.post('/projects/' + pid + '/memos', { title: title.value, body: body.value, kind: kind.value, links: [{ type: 'project' }] });
        toast('Memo saved');
        selected = r.id;
        if (!m) ctx.go('#/p/' + pid + '/memos/' + r.id);
        else await load();
      } catch (e) {
        if (m && e.status === 409 && e.code === 'conflict') await resolveConflict(m, { title: title.value, body: body.value, kind: kind.value });
        else showError(e);
      }
    };
    mount(editor,
      h('div.memo-fields', title, kind),
      h('div.memo-panes', body, preview),
      h('div.memo-links', m ? linkLabel(m.links) : 'Linked to the project'),
      h('div.actions',
        m ? h('button.btn.danger', { type: 'button', onclick: async () => {
          if (await confirmDialog('Delete memo “' + m.title + '”?', 'Undo brings it back.', 'Delete', true)) {
            selected = null;
            await ctx.act(() => api.del('/projects/' + pid + '/memos/' + m.id), 'Memo deleted');
            ctx.go('#/p/' + pid + '/memos');
          }
        } }, 'Delete') : null,
        h('button.btn.primary#save-memo', { type: 'button', onclick: save }, 'Save')));
    if (!m) title.focus();
  }

  mount(inspector, h('div.inspector-section', h('h3', 'Memos'),
    h('p.muted', 'Theoretical memos hold emerging ideas; code memos what a code means; method memos your decisions. Open a code or a coded segment to write a memo linked to it.')));
  return { el, start: load, refresh: load };
}
