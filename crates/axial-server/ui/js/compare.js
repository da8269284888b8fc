// Constant comparison: all segments of a code with their context, grouped
// side by side by a case attribute (e.g. staff group), beside the code's
// definition and memos. Clicking a segment opens it in its document.

import * as api from './api.js';
import { h, mount, showError, swatch, plural, dialog } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { describeCode } from './codes.js';
import { propertiesSection } from './properties.js';

export function compareView(ctx, codeId, inspector) {
  const pid = ctx.project.id;
  const key = 'axial.groupby.' + pid;
  const groupSel = h('select#group-by', { onchange: () => {
    localStorage.setItem(key, groupSel.value);
    load();
  } });
  const head = h('h1', '…');
  const groupsEl = h('div.groups');
  const el = h('div.view.compare', h('header.view-head', head, h('label.inline', 'Group by ', groupSel)), groupsEl);

  async function start() {
    if (!codeId) {
      mount(groupsEl, h('div.empty', h('h2', 'Choose a code'), h('p', 'Click a code in the code system to compare its segments across cases.')));
      return;
    }
    try {
      const vars = await api.get('/projects/' + pid + '/variables');
      const saved = localStorage.getItem(key);
      const preferred = saved !== null ? saved : (vars.find((v) => /group/i.test(v.name)) || {}).name || '';
      mount(groupSel, h('option', { value: '' }, '(no grouping)'), vars.map((v) => h('option', { value: v.name, selected: v.name === preferred }, v.name)));
      await load();
    } catch (e) {
      showError(e);
    }
  }

  async function load() {
    let code, segs;
    try {
      [code, segs] = await Promise.all([
        api.get('/projects/' + pid + '/codes/' + codeId),
        api.get('/projects/' + pid + '/codes/' + codeId + '/segments' + api.qs({ group_by: groupSel.value, context: 160 })),
      ]);
    } catch (e) {
      return showError(e);
    }
    mount(head, swatch(code.color), ' ', code.name, h('span.muted.sub', ' ' + plural(segs.total, 'segment') + ' in ' + plural(code.sources, 'document')));
    mount(groupsEl, segs.groups.map((g) => h('section.group', { dataset: { value: g.value } },
      h('h2.group-head', g.value, h('span.muted', ' ' + g.segments.length)),
      g.segments.map((s) => h('article.segment', {
        tabindex: 0,
        dataset: { source: s.source_id, line: s.first_line },
        title: 'Open in ' + s.source + ', line ' + s.first_line,
        onclick: () => ctx.go('#/p/' + pid + '/source/' + s.source_id + '/line/' + s.first_line),
        onkeydown: (e) => e.key === 'Enter' && ctx.go('#/p/' + pid + '/source/' + s.source_id + '/line/' + s.first_line),
      },
      h('div.seg-meta', h('strong', s.attribution), h('span.muted', s.source + ' · line ' + s.first_line + (s.code !== code.name ? ' · ' + s.code : '') + ' · ' + s.coder)),
      h('p.seg-text', h('span.ctx', (s.context_before.length >= 160 ? '…' : '') + s.context_before), h('mark', { style: { boxShadow: 'inset 0 -2px 0 ' + code.color } }, s.text), h('span.ctx', s.context_after + (s.context_after.length >= 160 ? '…' : '')))))),
    ));
    if (!segs.total) groupsEl.append(h('div.empty', h('p', 'No segments coded with “' + code.name + '” yet.')));
    mount(inspector,
      h('div.inspector-section', h('h3', 'Definition'),
        code.description ? h('p', code.description) : h('p.muted', 'No definition yet.'),
        code.inclusion ? [h('h4', 'Use when'), h('p', code.inclusion)] : null,
        code.exclusion ? [h('h4', 'Do not use when'), h('p', code.exclusion)] : null,
        code.example ? [h('h4', 'Example'), h('blockquote', code.example)] : null,
        h('button.btn.small#describe-code', { type: 'button', onclick: () => describeCode(ctx, codeId) }, 'Edit definition')),
      propertiesSection(ctx, codeId).el,
      h('div.inspector-section', h('h3', 'Memos on this code'),
        code.memos.length ? h('ul.memo-mini', code.memos.map((m) => h('li', h('a', { href: '#/p/' + pid + '/memos/' + m.id }, m.title), renderMarkdown(m.body)))) : h('p.muted', 'None yet.'),
        h('button.btn.small#code-memo', { type: 'button', onclick: async () => {
          const v = await dialog({ title: 'Memo on “' + code.name + '”', wide: true, fields: [{ name: 'title', label: 'Title', value: code.name }, { name: 'body', label: 'Text (markdown)', type: 'textarea', rows: 8 }], ok: 'Save memo' });
          if (v) await ctx.act(() => api.post('/projects/' + pid + '/memos', { title: v.title, body: v.body, kind: 'code', links: [{ type: 'code', id: codeId }] }), 'Memo saved');
        } }, 'New memo')));
  }

  return { el, start, refresh: load };
}
