// The documents panel (left, top): sources with case, attributes and coding
// density, a filter by case / set / attribute value and by name, and the
// import view (drag and drop several files, per-file progress and errors).

import * as api from './api.js';
import { h, mount, showError, toast, plural } from './dom.js';
import { exchangePanel } from './exchange.js';

export function sourcesPanel(ctx) {
  const key = 'axial.filter.' + ctx.project.id;
  const saved = JSON.parse(localStorage.getItem(key) || '{}');
  let facet = saved.facet || '';
  let text = saved.text || '';
  let current = null;
  const facetSel = h('select.facet', { title: 'Show only documents of a case, set or attribute value', onchange: () => {
    facet = facetSel.value;
    save();
    render();
  } });
  const textIn = h('input.filter', { type: 'search', placeholder: 'Filter by name', value: text, oninput: () => {
    text = textIn.value;
    save();
    render();
  } });
  const list = h('ul.source-list');
  const count = h('span.count');
  const el = h('section.panel.sources-panel',
    h('header.panel-head', h('h2', 'Documents ', count), h('a.btn.small', { href: '#/p/' + ctx.project.id + '/import', title: 'Import documents' }, '+ Import')),
    h('div.filters', facetSel, textIn),
    list);

  function save() {
    localStorage.setItem(key, JSON.stringify({ facet, text }));
  }

  function matches(s) {
    if (text && !s.name.toLowerCase().includes(text.toLowerCase()) && !(s.case || '').toLowerCase().includes(text.toLowerCase())) return false;
    if (!facet) return true;
    const [kind, name, value] = JSON.parse(facet);
    if (kind === 'case') return s.case === name;
    if (kind === 'set') return s.sets.includes(name);
    if (kind === 'attr') return s.attributes[name] === value;
    return true;
  }

  function renderFacets() {
    const all = ctx.allSources;
    const cases = [...new Set(all.map((s) => s.case).filter(Boolean))].sort();
    const sets = [...new Set(all.flatMap((s) => s.sets))].sort();
    const attrs = {};
    for (const s of all) for (const [k, v] of Object.entries(s.attributes)) (attrs[k] = attrs[k] || new Set()).add(v);
    const opt = (value, label) => h('option', { value, selected: value === facet }, label);
    mount(facetSel,
      opt('', 'All documents'),
      sets.length ? h('optgroup', { label: 'Sets' }, sets.map((n) => opt(JSON.stringify(['set', n]), n))) : null,
      Object.keys(attrs).sort().filter((k) => attrs[k].size <= 40).map((k) =>
        h('optgroup', { label: k }, [...attrs[k]].sort().map((v) => opt(JSON.stringify(['attr', k, v]), k + ': ' + v)))),
      cases.length ? h('optgroup', { label: 'Cases' }, cases.map((n) => opt(JSON.stringify(['case', n]), n))) : null);
    if (facetSel.value !== facet) facet = '';
  }

  function render() {
    ctx.sources = ctx.allSources.filter(matches);
    count.textContent = ctx.sources.length === ctx.allSources.length ? '(' + ctx.allSources.length + ')' : '(' + ctx.sources.length + ' of ' + ctx.allSources.length + ')';
    mount(list, ctx.sources.map((s) => {
      const group = Object.entries(s.attributes).find(([k]) => /group/i.test(k));
      return h('li' + (s.id === current ? '.active' : ''), { dataset: { id: s.id } },
        h('a', { href: '#/p/' + ctx.project.id + '/source/' + s.id, title: s.name },
          h('span.name', s.name),
          h('span.meta', [s.case, group && group[1]].filter(Boolean).join(' · ')),
          h('span.density', { title: plural(s.codings, 'coding') + ', ' + Math.round(s.coverage * 100) + '% of the text coded' },
            h('span.bar', h('span.fill', { style: { width: Math.round(s.coverage * 100) + '%' } })),
            h('span.n', String(s.codings)))));
    }));
    if (!ctx.sources.length) list.append(h('li.muted.none', ctx.allSources.length ? 'No document matches the filter.' : 'No documents yet.'));
  }

  return {
    el,
    async refresh() {
      ctx.allSources = await api.get('/projects/' + ctx.project.id + '/sources');
      renderFacets();
      render();
    },
    highlight(id) {
      current = id;
      for (const li of list.children) li.classList.toggle('active', li.dataset.id === id);
      const active = list.querySelector('li.active');
      if (active && active.scrollIntoViewIfNeeded) active.scrollIntoViewIfNeeded();
    },
  };
}

export function importView(ctx, inspector) {
  const pid = ctx.project.id;
  const caseIn = h('input#import-case', { placeholder: 'Case for these documents (optional)' });
  const fileIn = h('input#import-files', { type: 'file', multiple: true, onchange: () => send([...fileIn.files]) });
  const results = h('ul.upload-results');
  const drop = h('div.dropzone', { tabindex: 0 },
    h('p.big', 'Drop transcripts here'),
    h('p.muted', 'Plain text, Word (.docx), OpenDocument, PDF, HTML, RTF, subtitles (VTT/SRT) — several at once'),
    h('label.btn', 'Choose files…', fileIn));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    send([...e.dataTransfer.files]);
  });

  async function send(files) {
    let imported = 0;
    const jobs = files.map((f) => {
      const bar = h('span.fill');
      const status = h('span.status', 'waiting');
      const row = h('li', h('span.file', f.name), h('span.progress', bar), status);
      results.prepend(row);
      return { f, bar, status, row };
    });
    for (const j of jobs) {
      j.status.textContent = 'uploading';
      try {
        const r = await api.upload(pid, j.f, caseIn.value.trim(), (p) => (j.bar.style.width = Math.round(p * 100) + '%'));
        j.bar.style.width = '100%';
        for (const res of r.files) {
          j.row.classList.add(res.status);
          if (res.status === 'imported') {
            imported++;
            mount(j.status, h('a', { href: '#/p/' + pid + '/source/' + res.source_id }, 'imported as “' + res.source_name + '”'));
            if (res.warnings.length) j.row.append(h('ul.warnings', res.warnings.map((w) => h('li', w))));
          } else j.status.textContent = res.message;
        }
      } catch (e) {
        j.row.classList.add('error');
        j.status.textContent = e.message;
      }
    }
    fileIn.value = '';
    if (imported) {
      toast(plural(imported, 'document') + ' imported');
      await ctx.refresh();
    }
  }

  mount(inspector, h('div.inspector-section', h('h3', 'Importing'),
    h('p.muted', 'Each file becomes a document. Speaker turns (“Name: …”) are recognised in transcripts. The same text is never imported twice.'),
    h('p.muted', 'Give a case to group the documents of one participant.')));
  return { el: h('div.view.import-view', h('header.view-head', h('h1', 'Import documents')), caseIn, drop, results, exchangePanel(ctx)) };
}
