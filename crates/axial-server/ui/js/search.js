// Search across all documents (plain text or regular expression, optionally
// ignoring case); hits listed with context; tick hits and code them at once.

import * as api from './api.js';
import { h, mount, showError, toast, plural } from './dom.js';

export function searchView(ctx, inspector) {
  const pid = ctx.project.id;
  let hits = [];
  const q = h('input#search-q', { type: 'search', placeholder: 'Words or a regular expression', value: sessionStorage.getItem('axial.q') || '' });
  const regex = h('input#search-regex', { type: 'checkbox' });
  const icase = h('input#search-icase', { type: 'checkbox', checked: true });
  const results = h('div.search-results');
  const codeSel = h('select#search-code');
  const all = h('input#search-all', { type: 'checkbox', title: 'Select all hits', onchange: () => {
    results.querySelectorAll('input.hit-check').forEach((c) => (c.checked = all.checked));
  } });
  const form = h('form.search-form', { onsubmit: (e) => {
    e.preventDefault();
    run();
  } }, q, h('label.inline', regex, ' Regular expression'), h('label.inline', icase, ' Ignore case'), h('button.btn.primary', { type: 'submit' }, 'Search'));
  const bar = h('div.search-bar', h('label.inline', all, ' All'), h('span.grow'), 'Code selected hits with ', codeSel,
    h('button.btn#code-hits', { type: 'button', onclick: codeSelected }, 'Code'));
  const el = h('div.view.search', h('header.view-head', h('h1', 'Search')), form, bar, results);

  function fillCodes() {
    const keep = codeSel.value;
    mount(codeSel, ctx.codes.filter((c) => c.codable).map((c) => h('option', { value: c.id, selected: c.id === keep }, '  '.repeat(c.depth) + c.name)));
  }

  async function run() {
    if (!q.value) return;
    sessionStorage.setItem('axial.q', q.value);
    try {
      const r = await api.get('/projects/' + pid + '/search' + api.qs({ q: q.value, regex: regex.checked, ignore_case: icase.checked, context: 70 }));
      hits = r.hits;
      all.checked = false;
      mount(results,
        h('p.muted', plural(hits.length, 'hit') + (r.truncated ? ' (first ones only)' : '') + ' in ' + plural(new Set(hits.map((x) => x.source_id)).size, 'document')),
        h('ol.hits', hits.map((x, i) => h('li.hit',
          h('input.hit-check', { type: 'checkbox', dataset: { i } }),
          h('a.hit-where', { href: '#/p/' + pid + '/source/' + x.source_id + '/line/' + x.line }, x.source + ' · ' + x.line),
          h('span.hit-text', h('span.ctx', x.before), h('mark', x.text), h('span.ctx', x.after))))));
    } catch (e) {
      showError(e);
    }
  }

  async function codeSelected() {
    const picked = [...results.querySelectorAll('input.hit-check:checked')].map((c) => hits[+c.dataset.i]);
    if (!picked.length) return toast('Tick the hits to code first');
    if (!codeSel.value) return toast('Choose a code first');
    const code = ctx.codeById(codeSel.value);
    await ctx.act(() => api.post('/projects/' + pid + '/codings/batch', { code: codeSel.value, targets: picked.map((x) => ({ source: x.source_id, start: x.start, end: x.end })) }),
      (r) => plural(r.coded, 'hit') + ' coded as “' + code.name + '”');
    ctx.useCode(codeSel.value);
  }

  mount(inspector, h('div.inspector-section', h('h3', 'Searching'),
    h('p.muted', 'Plain text matches exactly; tick “Regular expression” for patterns such as \\btarget(s|ed)?\\b. Tick hits and code them in one step — each becomes a coding of just the matched words.')));
  return { el, start: async () => {
    fillCodes();
    if (q.value) await run();
  }, refresh: async () => fillCodes() };
}
