// The Analysis area: the code × attribute matrix as a heatmap (a cell opens
// its segments in the inspector), co-occurrence, the coding-query builder
// with saved queries, negative cases, saturation (the server's SVG curve plus
// the Guest run table, Chao2 and Galvin), inter-coder agreement with the
// disagreements side by side, word frequencies with keyword-in-context, and
// report downloads. It computes no statistic: every number comes from
// /analysis/… routes. User text enters the page only as text; server charts
// are shown as images from data: URLs, never parsed into the page.

import * as api from './api.js';
import { h, mount, showError, toast, plural, swatch, dialog } from './dom.js';
import { relationsView } from './network.js';
import { isBlind, setBlind } from './reader.js';

const VIEWS = [
  ['matrix', 'Matrix'],
  ['cooccurrence', 'Co-occurrence'],
  ['query', 'Query'],
  ['negative', 'Negative cases'],
  ['saturation', 'Saturation'],
  ['agreement', 'Agreement'],
  ['words', 'Words'],
  ['relations', 'Relations'],
  ['reports', 'Reports'],
];

/** A number for a table: integers plain, others to `digits` places, null as an en dash. */
function fmt(x, digits = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (Number.isInteger(x)) return String(x);
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

const pct = (x) => (x === null || x === undefined ? '–' : fmt(x, 1) + '%');

/** A table from a header and rows of cells (strings, numbers or nodes). */
function table(cls, header, rows) {
  return h('table.data' + (cls ? '.' + cls : ''),
    h('thead', h('tr', header.map((c) => h('th', c)))),
    h('tbody', rows.map((r) => h('tr', r.map((c) => (c instanceof Node && c.tagName === 'TD' ? c : h('td', c === null || c === undefined ? '' : c)))))));
}

/** Shows an SVG chart from the server as an image (no markup enters the page). */
async function chart(path, alt) {
  const resp = await fetch(api.url(path), { credentials: 'same-origin' });
  const text = await resp.text();
  if (!resp.ok) {
    let msg = 'the chart could not be drawn';
    try {
      msg = JSON.parse(text).error.message;
    } catch (e) {
      /* not JSON: keep the generic message */
    }
    throw new Error(msg);
  }
  return h('img.chart', { src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text), alt });
}

function codeOptions(ctx, { codable = null, blank = null, selected = '' } = {}) {
  const opts = ctx.codes
    .filter((c) => codable === null || c.codable === codable)
    .map((c) => h('option', { value: c.id, selected: c.id === selected }, '\u2003'.repeat(c.depth) + c.name));
  return blank ? [h('option', { value: '' }, blank), ...opts] : opts;
}

/** Restriction pickers: up to two `variable = value` filters and a set. */
function restrictionPicker(vars, sets, idPrefix, defaultSet = '') {
  const rows = [0, 1].map((i) => {
    const valueSel = h('select', { id: idPrefix + '-value-' + i });
    const varSel = h('select', { id: idPrefix + '-var-' + i, onchange: fill }, h('option', { value: '' }, '(any attribute)'), vars.map((v) => h('option', { value: v.name }, v.name)));
    function fill() {
      const v = vars.find((x) => x.name === varSel.value);
      mount(valueSel, v ? v.values.map((x) => h('option', { value: x }, x)) : []);
      valueSel.disabled = !v || !v.values.length;
    }
    fill();
    return { varSel, valueSel, el: h('span.restrict-row', varSel, ' = ', valueSel) };
  });
  const setSel = h('select', { id: idPrefix + '-set' }, h('option', { value: '' }, '(all sources)'), sets.map((s) => h('option', { value: s.name, selected: s.name === defaultSet }, s.name)));
  return {
    el: h('div.restrict', h('span.muted', 'Only'), rows.map((r) => r.el), h('span.muted', 'in set'), setSel),
    filters() {
      return rows.filter((r) => r.varSel.value && r.valueSel.value).map((r) => ({ variable: r.varSel.value, value: r.valueSel.value }));
    },
    where() {
      return this.filters().map((f) => f.variable + '=' + f.value).join(';');
    },
    set: () => setSel.value,
    load(filters, set) {
      rows.forEach((r, i) => {
        const f = filters[i];
        r.varSel.value = f ? f.variable : '';
        r.varSel.dispatchEvent(new Event('change'));
        if (f) r.valueSel.value = f.value;
      });
      setSel.value = set || '';
    },
  };
}

/** Heat colour for a share 0..1 of the largest value. */
function heat(share) {
  const a = share > 0 ? 0.08 + 0.72 * share : 0;
  return { backgroundColor: 'rgba(47,111,184,' + a.toFixed(3) + ')', color: share > 0.55 ? '#fff' : '' };
}

export function analysisView(ctx, sub, inspector) {
  const pid = ctx.project.id;
  const base = '/projects/' + pid + '/analysis/';
  const active = VIEWS.some(([id]) => id === sub) ? sub : 'matrix';
  const body = h('div.analysis-body');
  const el = h('div.view.analysis',
    h('header.view-head', h('h1', 'Analysis'),
      h('nav.subtabs', VIEWS.map(([id, label]) => h('a.subtab' + (id === active ? '.active' : ''), { href: '#/p/' + pid + '/analysis/' + id, dataset: { sub: id } }, label)))),
    body);
  let meta = { vars: [], sets: [] };

  const segmentLink = (s) => h('article.segment', {
    tabindex: 0,
    dataset: { source: s.source_id, line: s.first_line },
    title: 'Open in ' + s.source + ', line ' + s.first_line,
    onclick: () => ctx.go('#/p/' + pid + '/source/' + s.source_id + '/line/' + s.first_line),
    onkeydown: (e) => e.key === 'Enter' && ctx.go('#/p/' + pid + '/source/' + s.source_id + '/line/' + s.first_line),
  },
  h('div.seg-meta', h('strong', s.attribution), h('span.muted', s.source + ' · line ' + s.first_line + (s.code_path ? ' · ' + s.code_path : '') + (s.coder ? ' · ' + s.coder : ''))),
  h('p.seg-text', s.context_before ? h('span.ctx', '…' + s.context_before) : null, h('mark', s.text), s.context_after ? h('span.ctx', s.context_after + '…') : null));

  /** Lists the segments behind coding ids in the inspector. */
  async function openSegments(title, codings) {
    mount(inspector, h('div.inspector-section', h('h3', title), h('p.muted', 'Loading…')));
    try {
      const segs = await api.post(base + 'segments', { codings });
      mount(inspector, h('div.inspector-section.cell-segments',
        h('h3', title),
        h('p.muted', plural(segs.length, 'segment') + ' · click one to open it in its document'),
        segs.map(segmentLink)));
    } catch (e) {
      showError(e);
    }
  }

  function explain(title, ...paras) {
    mount(inspector, h('div.inspector-section', h('h3', title), paras.map((p) => (p instanceof Node ? p : h('p.muted', p)))));
  }

  // ---------- matrix ----------
  function matrixView() {
    const bySel = h('select#matrix-by', meta.vars.map((v) => h('option', { value: v.name, selected: /group/i.test(v.name) }, v.name)));
    const measureSel = h('select#matrix-measure', ['segments', 'sources', 'cases', 'words'].map((m) => h('option', { value: m }, m)));
    const percentSel = h('select#matrix-percent', h('option', { value: '' }, 'counts'), h('option', { value: 'row' }, '% of row'), h('option', { value: 'column' }, '% of column'));
    const rowsSel = h('select#matrix-rows', h('option', { value: 'top' }, 'categories'), h('option', { value: 'codes' }, 'all codes'));
    const out = h('div.result');
    const downloads = h('span.downloads');
    const params = () => {
      const p = { by: bySel.value, measure: measureSel.value, percent: percentSel.value };
      if (rowsSel.value === 'codes') p.codes = ctx.codes.filter((c) => c.codable).map((c) => c.id).join(',');
      return p;
    };
    async function run() {
      const p = params();
      mount(downloads,
        h('a.btn.small', { href: api.url(base + 'matrix/table' + api.qs({ ...p, format: 'xlsx' })), download: '' }, 'XLSX'),
        h('a.btn.small', { href: api.url(base + 'matrix/table' + api.qs({ ...p, format: 'csv' })), download: '' }, 'CSV'),
        h('a.btn.small', { href: api.url(base + 'matrix.svg' + api.qs(p)), download: 'matrix.svg' }, 'SVG'));
      try {
        const m = await api.get(base + 'matrix' + api.qs(p));
        const shown = m.percentages || m.values;
        const max = Math.max(0, ...shown.flat().map((x) => x || 0));
        mount(out,
          h('p.muted.params', 'Rows: ' + plural(m.rows.length, 'code') + (m.matrix.params.include_descendants ? ' (a category counts the codes under it)' : '') + ' · columns: values of “' + m.by + '” · measure: ' + m.measure + (m.percent ? ' · percent of ' + m.percent : '')),
          h('div.table-scroll', h('table.heatmap#matrix-table',
            h('thead', h('tr', h('th.corner', 'code \\ ' + m.by), m.matrix.columns.map((c) => h('th', { title: plural(c.sources, 'source') + ', ' + plural(c.cases, 'case') }, c.label, h('span.col-n', 'n=' + c.sources))))),
            h('tbody', m.rows.map((row, i) => h('tr',
              h('th.rowhead', row),
              m.matrix.columns.map((col, j) => {
                const cell = m.matrix.cells[i][j];
                const v = shown[i][j];
                const label = m.percentages ? pct(v) : fmt(v, 0);
                return h('td.cell', {
                  style: heat(max > 0 && v ? v / max : 0),
                  tabindex: cell.codings.length ? 0 : -1,
                  dataset: { row: i, col: j, n: cell.segments },
                  title: row + ' × ' + col.label + ': ' + plural(cell.segments, 'segment') + ' in ' + plural(cell.sources, 'source') + ', ' + plural(cell.cases, 'case'),
                  onclick: () => cell.codings.length && openSegments(row + ' × ' + col.label, cell.codings),
                  onkeydown: (e) => e.key === 'Enter' && cell.codings.length && openSegments(row + ' × ' + col.label, cell.codings),
                }, label);
              })))))));
        explain('Matrix', 'Each cell counts the coded segments (or sources, cases or words) of a code among the sources whose case has that value. Darker cells hold more.', 'Click a cell to read the segments behind it, with who said them; click a segment to open it in its document.');
      } catch (e) {
        showError(e);
        mount(out, h('div.empty', h('p', e.message)));
      }
    }
    [bySel, measureSel, percentSel, rowsSel].forEach((s) => s.addEventListener('change', run));
    mount(body, h('div.controls', h('label.inline', 'Rows ', rowsSel), h('label.inline', 'Columns ', bySel), h('label.inline', 'Measure ', measureSel), h('label.inline', 'Show ', percentSel), h('span.grow'), h('span.muted', 'Download '), downloads), out);
    return run();
  }

  // ---------- co-occurrence ----------
  function cooccurrenceView() {
    const modeSel = h('select#co-mode', [['overlap', 'overlapping'], ['paragraph', 'same paragraph'], ['turn', 'same turn'], ['near', 'within N characters']].map(([v, l]) => h('option', { value: v }, l)));
    const chars = h('input#co-chars', { type: 'number', min: 0, value: 200, title: 'characters between codings' });
    const rows = h('select#co-rows', h('option', { value: 'codes' }, 'all codes'), h('option', { value: 'top' }, 'categories'));
    const restrict = restrictionPicker(meta.vars, meta.sets, 'co');
    const out = h('div.result');
    async function run() {
      chars.disabled = modeSel.value !== 'near';
      const codes = rows.value === 'top' ? ctx.codes.filter((c) => c.depth === 0).map((c) => c.id).join(',') : '';
      try {
        const v = await api.get(base + 'cooccurrence' + api.qs({ mode: modeSel.value, chars: chars.value, codes, where: restrict.where(), set: restrict.set() }));
        const r = v.result;
        const max = Math.max(0, ...r.counts.flat());
        mount(out,
          h('p.muted.params', plural(v.rows.length, 'code') + ' · ' + v.restriction + (r.sources_without_structure ? ' · ' + plural(r.sources_without_structure, 'source') + ' without the paragraphs or turns this mode needs' : '')),
          h('div.table-scroll', h('table.heatmap.cooc#cooc-table',
            h('thead', h('tr', h('th.corner', ''), v.rows.map((name, j) => h('th.vert', { title: name }, h('span', String(j + 1)))))),
            h('tbody', v.rows.map((name, i) => h('tr',
              h('th.rowhead', { title: name }, (i + 1) + '. ' + name.split('/').pop()),
              v.rows.map((_, j) => {
                if (i === j) return h('td.diag', { title: plural(r.segments[i], 'coding') }, fmt(r.segments[i], 0));
                const n = r.counts[i][j];
                const c = r.cells.find((x) => x.first === Math.min(i, j) && x.second === Math.max(i, j));
                return h('td.cell', {
                  style: heat(max > 0 ? n / max : 0),
                  tabindex: n ? 0 : -1,
                  title: v.rows[i] + ' with ' + v.rows[j] + ': ' + plural(n, 'pair'),
                  onclick: () => c && openSegments(v.rows[i] + ' with ' + v.rows[j], [...new Set(c.coding_pairs.flat())]),
                }, n ? String(n) : '');
              })))))));
        explain('Co-occurrence', 'Cells count pairs of codings that occur together in the chosen way; the diagonal shows each code’s codings. Click a cell to read both sides of every pair.');
      } catch (e) {
        showError(e);
      }
    }
    [modeSel, chars, rows].forEach((s) => s.addEventListener('change', run));
    mount(body, h('div.controls', h('label.inline', 'Codes ', rows), h('label.inline', 'Together when ', modeSel), chars, h('button.btn', { type: 'button', onclick: run }, 'Apply')), h('div.controls', restrict.el), out);
    return run();
  }

  // ---------- coding query ----------
  function queryView() {
    const text = h('textarea#query-text', { rows: 3, spellcheck: false, placeholder: '"Not enough time" NEAR 200 "Guilt when standards slip"' });
    text.value = sessionStorage.getItem('axial.query.' + pid) || '';
    const restrict = restrictionPicker(meta.vars, meta.sets, 'q');
    const insertSel = h('select#query-insert', { onchange: () => {
      const c = ctx.codeById(insertSel.value);
      if (c) {
        const at = text.selectionStart ?? text.value.length;
        const ins = '"' + c.path + '"';
        text.value = text.value.slice(0, at) + ins + text.value.slice(text.selectionEnd ?? at);
        text.focus();
      }
      insertSel.value = '';
    } }, codeOptions(ctx, { blank: 'Insert a code…' }));
    const out = h('div.result');
    const saved = h('ul.saved-queries');

    function showResult(v) {
      mount(out,
        h('p.muted.params', h('strong', v.query), ' · ' + v.restriction + ' · ' + plural(v.segments.length, 'segment') + ' in ' + plural(v.sources_matched, 'source') + ' of ' + v.sources_searched + ' searched'),
        v.segments.length ? h('div.segments', v.segments.map((s) => segmentLink({ ...s, code_path: '' }))) : h('div.empty', h('p', 'No text matches this query.')));
    }
    async function run() {
      if (!text.value.trim()) return toast('Write a query first');
      sessionStorage.setItem('axial.query.' + pid, text.value);
      try {
        showResult(await api.get(base + 'query' + api.qs({ q: text.value, where: restrict.where(), set: restrict.set() })));
      } catch (e) {
        showError(e);
      }
    }
    async function save() {
      if (!text.value.trim()) return toast('Write a query first');
      const v = await dialog({ title: 'Save this query', fields: [{ name: 'name', label: 'Name' }], ok: 'Save' });
      const name = v && v.name.trim();
      if (!name) return;
      try {
        await api.post(base + 'queries', { name, query: text.value, filters: restrict.filters(), set: restrict.set() || null });
        toast('Saved query “' + name + '”');
        await loadSaved();
      } catch (e) {
        showError(e);
      }
    }
    async function loadSaved() {
      try {
        const list = await api.get(base + 'queries');
        mount(saved, list.length ? list.map((q) => h('li',
          h('button.linkish', { type: 'button', title: 'Load and run', onclick: async () => {
            text.value = q.query;
            restrict.load(q.filters, q.set);
            try {
              showResult(await api.get(base + 'queries/' + encodeURIComponent(q.name) + '/run'));
            } catch (e) {
              showError(e);
            }
          } }, q.name),
          h('div.muted.small', q.query), h('div.muted.small', q.restriction))) : h('li.muted', 'None yet.'));
      } catch (e) {
        showError(e);
      }
    }
    mount(inspector,
      h('div.inspector-section', h('h3', 'Saved queries'), saved),
      h('div.inspector-section', h('h3', 'Syntax'),
        h('p.muted', 'Codes in double quotes (a category includes its codes), combined with:'),
        h('ul.syntax', ['A AND B', 'A OR B', 'A AND NOT B', 'A NEAR 200 B', 'A OVERLAPPING B', 'A FOLLOWED BY B', '(A OR B) AND C'].map((s) => h('li', h('code', s)))),
        h('p.muted', 'NEAR n: within n characters. Results are the stretches of text that match, attributed.')));
    mount(body, h('div.query-form', text, h('div.controls', insertSel, h('span.grow'), h('button.btn', { type: 'button', id: 'query-save', onclick: save }, 'Save…'), h('button.btn.primary', { type: 'button', id: 'query-run', onclick: run }, 'Run query')), h('div.controls', restrict.el)), out);
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run();
    });
    return loadSaved();
  }

  // ---------- negative cases ----------
  function negativeView() {
    const codeSel = h('select#neg-code', codeOptions(ctx, { selected: (ctx.codes.find((c) => c.depth === 0 && /pressure/i.test(c.name)) || ctx.codes.find((c) => c.depth === 0) || {}).id }));
    const contra = h('select#neg-contra', { multiple: true, size: 6 }, codeOptions(ctx));
    const restrict = restrictionPicker(meta.vars, meta.sets, 'neg', 'Interviews');
    const out = h('div.result');
    async function run() {
      const contradicting = [...contra.selectedOptions].map((o) => o.value).join(',');
      try {
        const v = await api.get(base + 'negative' + api.qs({ code: codeSel.value, contradicting, where: restrict.where(), set: restrict.set() }));
        mount(out,
          h('p.muted.params', '“' + v.code + '”' + (v.include_descendants ? ' or any code under it' : '') + ' · ' + v.restriction + ' · ' + plural(v.sources_searched, 'source') + ' searched'),
          h('div.neg-grid',
            h('section.card', h('h2', 'Sources without it ', h('span.muted', String(v.sources_without.length))), v.sources_without.length ? h('ul.plain', v.sources_without.map((s) => h('li', s))) : h('p.muted', 'Every source has it.')),
            h('section.card', h('h2', 'Cases without it ', h('span.muted', String(v.cases_without.length))), v.cases_without.length ? h('ul.plain', v.cases_without.map((s) => h('li', s))) : h('p.muted', 'Every case has it.')),
            h('section.card.wide', h('h2', 'Where a contradicting code appears ', h('span.muted', String(v.contradictions.length))),
              v.contradicting.length ? h('p.muted', 'Contradicting: ' + v.contradicting.join(', ')) : h('p.muted', 'Choose contradicting codes to test the theory against.'),
              v.contradictions.length ? table('', ['source', 'case', 'contradicting codings', 'also has the code'], v.contradictions.map((c) => [c.source, c.case || '–', String(c.codings), c.with_code ? 'yes' : 'no'])) : null)));
      } catch (e) {
        showError(e);
      }
    }
    explain('Negative cases', 'Sources and cases where the code is absent, or where a code that contradicts it appears: the cases an emerging theory has to account for.');
    mount(body, h('div.controls', h('label.inline', 'Code or category ', codeSel), h('label.inline.top', 'Contradicting codes ', contra), h('button.btn.primary#neg-run', { type: 'button', onclick: run }, 'Find')), h('div.controls', restrict.el), out);
    return run();
  }

  // ---------- saturation ----------
  function saturationView() {
    const order = h('select#sat-order', meta.vars.map((v) => h('option', { value: v.name, selected: /date/i.test(v.name) }, v.name)));
    const setSel = h('select#sat-set', h('option', { value: '' }, '(all sources)'), meta.sets.map((s) => h('option', { value: s.name, selected: s.name === 'Interviews' }, s.name)));
    const baseIn = h('input#sat-base', { type: 'number', min: 1, value: 4 });
    const runIn = h('input#sat-run', { type: 'number', min: 1, value: 2 });
    const thr = h('input#sat-threshold', { value: '5%', size: 5 });
    const out = h('div.result');
    async function run() {
      const p = { order_by: order.value, set: setSel.value, base: baseIn.value, run: runIn.value, threshold: thr.value };
      try {
        const [v, img] = await Promise.all([api.get(base + 'saturation' + api.qs(p)), chart(base + 'saturation.svg' + api.qs(p), 'Saturation curve: new codes per interview and the cumulative count')]);
        const r = v.report;
        const g = r.guest[0];
        const c = r.chao2;
        mount(out,
          h('p.muted.params', v.order_note + (v.set ? ' · set “' + v.set + '”' : '') + (v.coders.length ? ' · coders: ' + v.coders.join(', ') : ' · all coders')),
          h('div.sat-top',
            h('figure.chart-box#saturation-chart', img, h('figcaption.muted', 'Bars: new codes per interview. Line: cumulative codes. Dashed: expected accumulation in any order.')),
            h('div.sat-figures',
              h('section.card.verdict' + (g.saturation_point ? '.ok' : ''), h('h2', 'Guest, Namey & Chen (2020)'), h('p.big', g.not_assessable ? 'not assessable' : g.saturation_point ? 'saturation at ' + g.saturation_point + ' + ' + g.params.run : 'not reached'), h('p.muted', g.summary)),
              h('section.card', h('h2', 'Chao2'),
                h('dl.figures',
                  h('dt', 'codes observed'), h('dd', fmt(c.s_obs)),
                  h('dt', 'estimated total'), h('dd', fmt(c.chao2, 1) + (c.chao2_bias_corrected !== null ? ' (bias-corrected ' + fmt(c.chao2_bias_corrected, 1) + ')' : '')),
                  h('dt', 'saturation'), h('dd', c.saturation === null ? '–' : pct(100 * c.saturation)),
                  h('dt', 'sample coverage'), h('dd', c.coverage === null ? '–' : pct(100 * c.coverage)),
                  h('dt', 'new codes expected next'), h('dd', fmt(c.expected_new_next, 2)),
                  h('dt', 'singletons / doubletons'), h('dd', c.q1 + ' / ' + c.q2))))),
          h('h2.section', 'New codes per interview'),
          table('compact', ['#', 'interview', 'codes', 'new', 'cumulative', '% of final', 'expected', 'new codes'], r.accumulation.map((a, i) => [String(a.interview), a.label, String(a.codes), String(a.new), String(a.cumulative), pct(a.percent_of_final), fmt(r.expected_accumulation[i], 1), h('span.small', v.new_code_names[i].join(', '))])),
          h('h2.section', 'Guest run table (base ' + g.params.base + ', run ' + g.params.run + ', threshold ' + fmt(100 * g.params.threshold.num / g.params.threshold.den, 1) + '%, ' + g.params.denominator.replace('_', ' ') + ' denominator)'),
          g.runs.length ? table('compact#guest-table', ['run', 'new in run', 'denominator', 'ratio', 'saturated'], g.runs.map((x) => [x.run_first + '–' + x.run_last, String(x.new_in_run), String(x.denominator), pct(100 * x.ratio), x.saturated ? '✓' : ''])) : h('p.muted', 'No full run: ' + (g.not_assessable || '').replaceAll('_', ' ')),
          h('h2.section', 'Galvin (2015): interviews needed'),
          galvinTable(v.galvin));
        explain('Saturation', 'Interviews in the order they were conducted. Guest et al.: after a base of b interviews, saturation is reached when a run of r further interviews adds new codes at most the threshold share of the base’s codes.', 'Chao2 estimates how many codes exist from how many were seen in only one or two interviews. Galvin’s table: interviews needed to hear, with the given confidence, a view held by a share p of the population at least once.');
      } catch (e) {
        showError(e);
        mount(out, h('div.empty', h('p', e.message)));
      }
    }
    function galvinTable(rows) {
      const ps = [...new Set(rows.map((r) => r.p.num / r.p.den))];
      const cs = [...new Set(rows.map((r) => r.confidence.num / r.confidence.den))];
      return table('compact.galvin', ['share holding a view', ...cs.map((c) => fmt(100 * c, 0) + '% confidence')], ps.map((p) => [fmt(100 * p, 0) + '%', ...cs.map((c) => {
        const r = rows.find((x) => x.p.num / x.p.den === p && x.confidence.num / x.confidence.den === c);
        return r && r.interviews !== null ? String(r.interviews) : '–';
      })]));
    }
    [order, setSel].forEach((s) => s.addEventListener('change', run));
    mount(body, h('div.controls', h('label.inline', 'Order by ', order), h('label.inline', 'Interviews ', setSel), h('label.inline', 'Base ', baseIn), h('label.inline', 'Run ', runIn), h('label.inline', 'Threshold ', thr), h('button.btn.primary#sat-run-btn', { type: 'button', onclick: run }, 'Assess')), out);
    return run();
  }

  // ---------- agreement ----------
  async function agreementView() {
    const out = h('div.result');
    let coders = [];
    try {
      // Every coder, also while coding blind: choosing them starts the comparison that ends it.
      coders = await api.get(base + 'coders', { blind: false });
    } catch (e) {
      showError(e);
    }
    const boxes = coders.map((c, i) => h('input', { type: 'checkbox', value: c.name, checked: i < 2, dataset: { coder: c.name } }));
    const codesSel = h('select#agr-codes', { multiple: true, size: 5, title: 'none chosen: every code the coders used' }, codeOptions(ctx, { codable: true }));
    const overlap = h('input#agr-overlap', { value: '50,90', size: 6, title: 'MAXQDA minimum overlap rates in percent' });
    async function run() {
      const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
      if (chosen.length < 2) return toast('Choose at least two coders');
      mount(out, h('p.muted', 'Comparing…'));
      // The comparison needs every coder's codings: running it ends blind
      // coding (turned back on if it fails).
      const wasBlind = isBlind(pid);
      if (wasBlind) setBlind(pid, false);
      try {
        const v = await api.get(base + 'agreement' + api.qs({ coders: chosen.join(','), codes: [...codesSel.selectedOptions].map((o) => o.value).join(','), overlap: overlap.value }));
        renderAgreement(v);
        if (wasBlind) {
          out.prepend(h('p.banner.blind-off#blind-off', { role: 'status' }, 'Blind coding is now off for this project: every view shows every coder’s codings again.'));
          toast('Comparison run: blind coding turned off');
          await ctx.loadCodes();
          await Promise.all([ctx.panels.codes && ctx.panels.codes.render(), ctx.panels.sources && ctx.panels.sources.refresh()]);
        }
      } catch (e) {
        if (wasBlind) setBlind(pid, true);
        showError(e);
        mount(out, h('div.empty', h('p', e.message)));
      }
    }
    function renderAgreement(v) {
      const r = v.report;
      const multi = v.coders.length > 2;
      const pairLabel = (i) => (multi ? ' (' + (i + 1) + ')' : '');
      const codeRows = r.codes.map((c) => {
        const p = c.pairs[0] || { pooled: {} };
        const k = p.pooled.cohen_kappa;
        return [c.name, pct(p.pooled.percent_agreement), h('td.num' + (k === null || k === undefined ? '' : k >= 0.8 ? '.good' : k >= 0.6 ? '.fair' : '.poor'), fmt(k, 3)), fmt(p.kappa_weighted, 3), fmt(c.pooled.krippendorff_alpha, 3), multi ? fmt(c.pooled.fleiss_kappa, 3) : null, String(p.pooled.counts ? p.pooled.counts.units : '')].filter((x) => x !== null);
      });
      const cols = { gridTemplateColumns: '220px repeat(' + v.coders.length + ', minmax(0, 1fr))' };
      const header = ['code', '% agreement', 'Cohen’s κ', 'κ (weighted by text)', 'Krippendorff α', multi ? 'Fleiss κ' : null, 'characters'].filter((x) => x !== null);
      mount(out,
        h('p.muted.params', 'Coders: ' + v.coders.join(', ') + ' · ' + plural(v.sources.length, 'source') + ' (' + v.source_rule + ') · ' + plural(v.codes.length, 'code') + (multi ? ' · κ and % for the first pair' + pairLabel(0) : '')),
        h('h2.section', 'Per code (character level, pooled over sources)'),
        table('compact#agreement-codes', header, codeRows),
        h('h2.section', 'Segment agreement (MAXQDA)'),
        table('compact', ['minimum overlap', 'agreeing segments', v.coders[0] + ' only', v.coders[1] + ' only', 'observed', 'chance', 'κ (Brennan & Prediger)'], r.segments.map((s) => [s.threshold_percent + '%', String(s.agreements), String(s.first_unmatched), String(s.second_unmatched), s.observed === null ? '–' : pct(100 * s.observed), s.chance === null ? '–' : pct(100 * s.chance), fmt(s.kappa, 3)])),
        r.existence ? [h('h2.section', 'Code existence in the document'),
          table('compact', ['rows', 'agree', '%', 'rows where used', 'agree', '%', 'Cohen’s κ', 'κ_n'], [[String(r.existence.rows_all), String(r.existence.agree_all), pct(r.existence.percent_all), String(r.existence.rows_used), String(r.existence.agree_used), pct(r.existence.percent_used), fmt(r.existence.cohen_kappa, 3), fmt(r.existence.kappa_n, 3)]])] : null,
        h('h2.section', 'Per source'),
        table('compact', ['source', 'characters', 'α (code combinations)', 'α (pooled)', 'α_U'], v.per_source.map((s) => [s.source, String(s.characters), fmt(s.combination_alpha, 3), fmt(s.pooled_alpha, 3), fmt(s.alpha_u, 3)])),
        h('h2.section', 'Disagreements ', h('span.muted', String(v.disagreements.length))),
        h('div.disagreements#disagreements',
          h('div.dis-head', { style: cols }, h('span', 'where'), v.coders.map((c) => h('span', c))),
          v.disagreements.slice(0, 200).map((d) => h('div.dis-row', { style: cols },
            h('div.dis-where', h('strong', d.code), h('div.muted.small', d.source + ' · ' + d.start + '–' + d.end)),
            v.coders.map((c) => (d.coded_by.includes(c) ? h('div.dis-cell.coded', h('span.tag', 'coded'), h('p', d.text)) : d.not_coded_by.includes(c) ? h('div.dis-cell.not', h('span.tag', 'not coded'), h('p.muted', d.text)) : h('div.dis-cell.na', h('span.muted', '–')))))),
          v.disagreements.length > 200 ? h('p.muted', 'First 200 of ' + v.disagreements.length + ' shown.') : null));
    }
    explain('Agreement', 'Characters are the unit (as in NVivo): for each code, each character is coded or not by each coder. Cohen’s κ corrects percentage agreement for chance; Krippendorff’s α does too and handles missing data; α_U compares the segments as units. Segment agreement follows MAXQDA: a segment agrees when the coders’ segments overlap by at least the threshold.', 'Disagreements are listed side by side so coders can discuss them.');
    mount(body, h('div.controls', h('span.muted', 'Coders'), coders.length ? boxes.map((b, i) => h('label.inline.coder', b, ' ' + coders[i].name, h('span.muted', ' (' + coders[i].codings + ')'))) : h('span.muted', 'No one has coded yet.'),
      h('label.inline.top', 'Codes ', codesSel), h('label.inline', 'Overlap % ', overlap), h('button.btn.primary#agr-run', { type: 'button', onclick: run }, 'Compare')), out);
  }

  // ---------- words and KWIC ----------
  function wordsView() {
    const codeSel = h('select#words-code', codeOptions(ctx, { blank: 'the whole project' }));
    const stop = h('select#words-stop', ['english', 'german', 'french', 'spanish', 'dutch', 'none'].map((s) => h('option', { value: s }, s === 'none' ? 'keep stop words' : s + ' stop words')));
    const restrict = restrictionPicker(meta.vars, meta.sets, 'w');
    const term = h('input#kwic-term', { type: 'search', placeholder: 'a word' });
    const out = h('div.result.words-grid');
    const list = h('section.card');
    const kwicOut = h('section.card.wide');
    async function run() {
      try {
        const v = await api.get(base + 'words' + api.qs({ code: codeSel.value, stop_words: stop.value, top: 40, where: restrict.where(), set: restrict.set() }));
        const words = v.result.words;
        const max = Math.max(1, ...words.map((w) => w.count));
        mount(list, h('h2', 'Most frequent words'), h('p.muted', (v.code ? 'in text coded “' + v.code + '”' : 'in ' + v.restriction)),
          h('ol.word-bars', words.map((w) => h('li', { onclick: () => kwic(w.word), title: 'Keyword in context' },
            h('span.word', w.word), h('span.wbar', h('span.fill', { style: { width: (100 * w.count / max).toFixed(1) + '%' } })), h('span.n', String(w.count))))));
      } catch (e) {
        showError(e);
      }
    }
    async function kwic(word) {
      if (word) term.value = word;
      if (!term.value.trim()) return;
      try {
        const v = await api.get(base + 'kwic' + api.qs({ term: term.value, context: 8, where: restrict.where(), set: restrict.set() }));
        mount(kwicOut, h('h2', 'Keyword in context: ', v.term, h('span.muted', ' ' + plural(v.lines.length, 'line'))),
          h('table.kwic', h('tbody', v.lines.map((l) => h('tr', { onclick: () => ctx.go('#/p/' + pid + '/source/' + (ctx.allSources.find((s) => s.name === l.source) || {}).id) },
            h('td.left', h('div.clip', h('span', l.left))), h('td.kw', l.keyword), h('td.right', h('div.clip', h('span', l.right))), h('td.src.muted', { title: l.source }, l.attribution || l.source))))));
      } catch (e) {
        showError(e);
      }
    }
    [codeSel, stop].forEach((s) => s.addEventListener('change', run));
    mount(body, h('div.controls', h('label.inline', 'Words in ', codeSel), stop, h('button.btn', { type: 'button', onclick: run }, 'Count'), h('span.grow'),
      h('form.inline', { onsubmit: (e) => {
        e.preventDefault();
        kwic();
      } }, term, h('button.btn.primary', { type: 'submit' }, 'Keyword in context'))), h('div.controls', restrict.el), out);
    mount(out, list, kwicOut);
    explain('Words', 'Word counts leave out common words of the chosen language. Click a word to see every place it occurs with its context.');
    return run();
  }

  // ---------- reports ----------
  function reportsView() {
    const top = ctx.codes.filter((c) => c.depth === 0);
    const themeBoxes = top.map((c, i) => h('input', { type: 'checkbox', value: c.id, checked: i < 2 }));
    const quotes = h('input#rep-quotes', { type: 'number', min: 1, max: 50, value: 3 });
    const approved = h('input#rep-approved', { type: 'checkbox' });
    const segCode = h('select#rep-seg-code', codeOptions(ctx, { selected: (ctx.codes.find((c) => c.codable && c.codings) || {}).id }));
    const link = (path, params, label) => h('a.btn', { href: api.url(base + path + api.qs(params)), download: '' }, label);
    const themeParams = () => ({ codes: themeBoxes.filter((b) => b.checked).map((b) => b.value).join(','), quotes: quotes.value, approved_only: approved.checked ? 'true' : '' });
    const themeLinks = h('div.actions');
    const segLinks = h('div.actions');
    function update() {
      mount(themeLinks, ['docx', 'html', 'md'].map((f) => link('reports/themes', { ...themeParams(), format: f }, f === 'md' ? 'Markdown' : f.toUpperCase())));
      mount(segLinks, ['xlsx', 'csv'].map((f) => link('reports/segments', { code: segCode.value, format: f }, f.toUpperCase())));
    }
    [...themeBoxes, quotes, approved, segCode].forEach((x) => x.addEventListener('change', update));
    update();
    mount(body, h('div.report-cards',
      h('section.card', h('h2', 'Theme report'), h('p.muted', 'Chosen categories with definitions, memos and attributed quotes such as “(Interviewee 07, front line clinician)”, and a code-frequency chart.'),
        h('div.checks', top.map((c, i) => h('label.inline', themeBoxes[i], swatch(c.color), ' ' + c.name))),
        h('div.controls', h('label.inline', 'Quotes per code ', quotes), h('label.inline', approved, ' only quotes linked from a memo')), themeLinks),
      h('section.card', h('h2', 'Coded segments'), h('p.muted', 'Every segment of a code and the codes under it, with source, case, attributes, code path, coder and position.'), h('div.controls', segCode), segLinks),
      h('section.card', h('h2', 'Codebook'), h('p.muted', 'Every code with its definition, inclusion and exclusion criteria, example and counts.'),
        h('div.actions', link('reports/codebook', { format: 'docx' }, 'DOCX'), link('reports/codebook', { format: 'md' }, 'Markdown')))));
    explain('Reports', 'Files are made on the server from the current project and downloaded; DOCX opens in any word processor, XLSX in any spreadsheet.');
  }

  async function start() {
    try {
      const [vars, sets] = await Promise.all([api.get('/projects/' + pid + '/variables'), api.get('/projects/' + pid + '/sets')]);
      meta = { vars, sets };
    } catch (e) {
      showError(e);
    }
    const views = { matrix: matrixView, cooccurrence: cooccurrenceView, query: queryView, negative: negativeView, saturation: saturationView, agreement: agreementView, words: wordsView, relations: () => relationsView(ctx, body, explain), reports: reportsView };
    await views[active]();
    el.dataset.ready = active;
  }

  return { el, start };
}
