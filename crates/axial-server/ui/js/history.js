// The history panel: the project's change log, newest first, with undo and
// redo of your own last change.

import * as api from './api.js';
import { h, mount, showError } from './dom.js';

export function historyView(ctx, inspector) {
  const pid = ctx.project.id;
  const list = h('ol.history');
  const el = h('div.view.history-view',
    h('header.view-head', h('h1', 'History'), h('div.tools',
      h('button.btn.small', { type: 'button', onclick: () => ctx.undo() }, '↶ Undo'),
      h('button.btn.small', { type: 'button', onclick: () => ctx.redo() }, '↷ Redo'))),
    list);
  async function load() {
    try {
      const entries = await api.get('/projects/' + pid + '/history' + api.qs({ limit: 200 }));
      mount(list, entries.map((e) => h('li' + (e.reverted_by ? '.reverted' : ''), { dataset: { seq: e.seq } },
        h('span.seq', '#' + e.seq),
        h('span.summary', e.summary),
        h('span.muted', e.author + ' · ' + new Date(e.at).toLocaleString()),
        e.reverted_by ? h('span.tag', 'undone') : null)));
    } catch (e) {
      showError(e);
    }
  }
  mount(inspector, h('div.inspector-section', h('h3', 'Undo and redo'),
    h('p.muted', 'Ctrl+Z undoes your last change, Ctrl+Shift+Z redoes it. Every change is saved as it happens and kept here.')));
  return { el, start: load, refresh: load };
}
