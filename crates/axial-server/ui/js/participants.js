// The Participants area: the register (add, edit, member-check packs,
// withdrawal after a preview), the sampling matrix drawn as bars of actual
// against target per group, the sampling decisions log, the study's ethics
// details, and the quotes with their member-check status (quote a coded
// segment, scan memos for quotations). Every rule and count comes from the
// server; user text enters the page only as text.

import * as api from './api.js';
import { h, mount, showError, toast, plural, dialog } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const STATUSES = ['invited', 'consented', 'interviewed'];
const QUOTE_STATUSES = [
  ['not_sent', 'not sent'],
  ['sent', 'sent'],
  ['approved', 'approved'],
  ['amended', 'amended'],
  ['withdrawn', 'withdrawn'],
];

/** An SVG element with attributes (no markup is parsed). */
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Bars per group: the target as an outline, consented and interviewed as fills. */
export function samplingChart(rows) {
  const rowH = 34;
  const left = 200;
  const width = 620;
  const plot = width - left - 60;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.target || 0, r.consented + r.withdrawn)));
  const x = (n) => (n / max) * plot;
  const height = rows.length * rowH + 40;
  const svg = s('svg', { viewBox: '0 0 ' + width + ' ' + height, width, height, role: 'img', class: 'sampling-chart' },
    s('title', {}, 'Participants per group against the sampling targets'));
  rows.forEach((r, i) => {
    const y = 10 + i * rowH;
    const g = s('g', { 'data-group': r.group });
    g.append(s('text', { x: left - 8, y: y + 17, 'text-anchor': 'end', 'font-size': 12, fill: '#1e2a38' }, r.group));
    g.append(s('rect', { x: left, y: y + 4, width: x(r.consented), height: 18, fill: '#9cc3e6' },
      s('title', {}, r.consented + ' consented')));
    g.append(s('rect', { x: left, y: y + 4, width: x(r.interviewed), height: 18, fill: '#2f6fa8' },
      s('title', {}, r.interviewed + ' interviewed')));
    if (r.withdrawn) {
      g.append(s('rect', { x: left + x(r.consented), y: y + 4, width: x(r.withdrawn), height: 18, fill: '#e3b1ad' },
        s('title', {}, r.withdrawn + ' withdrawn')));
    }
    if (r.target !== null && r.target !== undefined) {
      g.append(s('rect', { x: left, y: y + 1, width: x(r.target), height: 24, fill: 'none', stroke: '#1e2a38', 'stroke-width': 1.5, 'stroke-dasharray': '4 3', class: 'target' },
        s('title', {}, 'target ' + r.target)));
    }
    g.append(s('text', { x: left + x(Math.max(r.target || 0, r.consented + r.withdrawn)) + 6, y: y + 17, 'font-size': 12, fill: '#5b6675' },
      r.consented + (r.target !== null && r.target !== undefined ? ' / ' + r.target : '')));
    svg.append(g);
  });
  const ly = rows.length * rowH + 22;
  [['#2f6fa8', 'interviewed'], ['#9cc3e6', 'consented'], ['#e3b1ad', 'withdrawn']].forEach(([c, label], i) => {
    svg.append(s('rect', { x: left + i * 120, y: ly, width: 12, height: 12, fill: c }));
    svg.append(s('text', { x: left + i * 120 + 16, y: ly + 10, 'font-size': 11, fill: '#5b6675' }, label));
  });
  svg.append(s('rect', { x: left + 360, y: ly, width: 12, height: 12, fill: 'none', stroke: '#1e2a38', 'stroke-dasharray': '3 2' }));
  svg.append(s('text', { x: left + 376, y: ly + 10, 'font-size': 11, fill: '#5b6675' }, 'target'));
  return svg;
}

function table(cls, header, rows) {
  return h('table.data' + (cls ? '.' + cls : ''),
    h('thead', h('tr', header.map((c) => h('th', c)))),
    h('tbody', rows));
}

const yes = (b) => (b ? 'yes' : 'no');

export function participantsView(ctx, arg, inspector) {
  const pid = ctx.project.id;
  const base = '/projects/' + pid;
  const register = h('div.register');
  const chart = h('div.sampling');
  const decisions = h('div.decisions');
  const quotes = h('div.quotes');
  const el = h('div.view.analysis.participants-view',
    h('header.view-head', h('h1', 'Participants'), h('div.tools',
      h('button.btn.small#participant-add', { type: 'button', onclick: () => edit(null) }, 'Add participant'),
      h('button.btn.small#study-edit', { type: 'button', onclick: () => editStudy() }, 'Study details'))),
    h('div.analysis-body',
      h('h2.section', 'Register'), register,
      h('h2.section', 'Sampling'),
      h('div.controls',
        h('button.btn.small#target-set', { type: 'button', onclick: () => setTarget() }, 'Set a target'),
        h('button.btn.small#decision-add', { type: 'button', onclick: () => decide() }, 'Log a decision')),
      chart, decisions,
      h('h2.section', 'Quotes and member checking'),
      h('div.controls',
        h('button.btn.small#quote-segment', { type: 'button', onclick: () => quoteSegment() }, 'Quote a coded segment'),
        h('button.btn.small#quote-scan', { type: 'button', onclick: () => scan() }, 'Find quotes in memos')),
      quotes));

  let people = [];

  async function load() {
    try {
      const [ps, sampling, qs, study] = await Promise.all([
        api.get(base + '/participants'),
        api.get(base + '/sampling'),
        api.get(base + '/quotes'),
        api.get(base + '/study'),
      ]);
      people = ps;
      renderRegister(ps);
      renderSampling(sampling);
      renderQuotes(qs);
      renderStudy(study);
      el.dataset.ready = String(Date.now());
    } catch (e) {
      showError(e);
    }
  }

  function renderRegister(ps) {
    if (!ps.length) {
      mount(register, h('div.empty', h('p', 'The register is empty. Add participants with their case, group, dates and consent.')));
      return;
    }
    const nowrap = { whiteSpace: 'nowrap' };
    const consent = (p) => [p.consent.quotes ? 'quotes' : null, p.consent.archiving ? 'archiving' : null, ...p.consent.other].filter(Boolean).join(', ') || 'none';
    mount(register, h('div.table-scroll', table('compact#register-table',
      ['Label', 'Status', 'Group', 'Consented', 'Interviewed', 'Consent to', 'Quotes', ''],
      ps.map((p) => h('tr', { dataset: { id: p.id, label: p.label } },
        h('td', { style: nowrap, title: p.case ? 'case: ' + p.case : 'no case linked' }, h('strong', p.label)),
        h('td', { style: nowrap }, h('span.tag', p.status), p.withdrawn_on ? h('span.muted', ' ' + p.withdrawn_on) : null),
        h('td', p.group),
        h('td', { style: nowrap }, p.consented_on),
        h('td', { style: nowrap }, p.interviewed_on),
        h('td.consent', p.status === 'withdrawn' ? '' : consent(p)),
        h('td', String(p.quotes)),
        h('td.actions', { style: nowrap }, p.status === 'withdrawn' ? null : [
          h('button.btn.small', { type: 'button', onclick: () => edit(p) }, 'Edit'),
          ' ',
          h('a.btn.small.pack-html', { href: api.url(base + '/participants/' + p.id + '/pack?format=html'), download: '', title: 'Member-check pack (HTML)' }, 'Pack'),
          ' ',
          h('a.btn.small', { href: api.url(base + '/participants/' + p.id + '/pack?format=docx'), download: '', title: 'Member-check pack (Word)' }, 'DOCX'),
          ' ',
          h('button.btn.small.danger.withdraw', { type: 'button', onclick: () => withdraw(p) }, 'Withdraw'),
        ]))))));
  }

  function renderSampling(m) {
    if (!m.rows.length) mount(chart, h('p.muted', 'No targets and no participants yet.'));
    else {
      mount(chart, samplingChart(m.rows),
        table('compact#sampling-table', ['Group', 'Target', 'Invited', 'Consented', 'Interviewed', 'Withdrawn', 'Still needed'],
          [...m.rows, m.total].map((r) => h('tr', { dataset: { group: r.group } },
            [r.group, r.target ?? '–', r.invited, r.consented, r.interviewed, r.withdrawn, r.still_needed ?? '–'].map((c) => h('td', String(c)))))));
    }
    mount(decisions, h('h3', 'Sampling decisions'), m.decisions.length
      ? h('ol.decision-log', m.decisions.map((d) => h('li',
        h('strong', d.date), ' ', d.decision, h('div.muted', 'Why: ' + d.reason + ' — ' + d.recorded_by))))
      : h('p.muted', 'No decisions logged yet.'));
  }

  function renderQuotes(qs) {
    if (!qs.length) {
      mount(quotes, h('p.muted', 'No quotes yet. Quote a coded segment, or let Axial find quotations of transcripts in your memos.'));
      return;
    }
    mount(quotes, h('div.table-scroll', table('compact#quotes-table', ['Participant', 'Quote', 'Used in', 'Status', 'Note'],
      qs.map((q) => {
        const sel = h('select', { 'aria-label': 'Status of the quote', onchange: () => setStatus(q, sel) },
          QUOTE_STATUSES.map(([v, label]) => h('option', { value: v, selected: v === q.status }, label)));
        return h('tr', { dataset: { id: q.id } },
          h('td', q.participant || ''),
          h('td', h('q', q.status === 'amended' && q.amended_text ? q.amended_text : q.text), h('div.muted', q.source)),
          h('td', q.used_in.map((u) => u.type + ': ' + u.name).join('; ')),
          h('td', sel),
          h('td', q.note));
      }))));
  }

  function renderStudy(st) {
    mount(inspector, h('div.inspector-section', h('h3', 'Study'),
      h('p', h('strong', 'Ethics reference: '), st.ethics_reference || '–'),
      h('p', h('strong', 'Approved on: '), st.approval_date || '–'),
      h('h4', 'Information sheets'),
      st.information_sheets.length
        ? h('ul', st.information_sheets.map((x) => h('li', 'version ' + x.version + (x.date ? ' of ' + x.date : ''))))
        : h('p.muted', 'none recorded'),
      st.notes ? h('p', st.notes) : null),
    h('div.inspector-section', h('h3', 'Withdrawal'),
      h('p.muted', 'Withdrawing a participant erases their sources, codings, quotes and the memo passages that quote them, also from the history. The register keeps the label and the date. It cannot be undone; you see everything that goes first.')));
  }

  async function edit(p) {
    const v = await dialog({
      title: p ? 'Edit ' + p.label : 'Add a participant',
      fields: [
        { name: 'label', label: 'Label', value: p ? p.label : '' },
        { name: 'case', label: 'Case (name)', value: p ? p.case || '' : '' },
        { name: 'group', label: 'Group', value: p ? p.group : '' },
        { name: 'status', label: 'Status', type: 'select', value: p ? p.status : 'invited', options: STATUSES.map((x) => ({ value: x, label: x })) },
        { name: 'recruited_on', label: 'Recruited (YYYY-MM-DD)', value: p ? p.recruited_on : '' },
        { name: 'consented_on', label: 'Consented (YYYY-MM-DD)', value: p ? p.consented_on : '' },
        { name: 'consent_form_version', label: 'Consent form version', value: p ? p.consent_form_version : '' },
        { name: 'interviewed_on', label: 'Interviewed (YYYY-MM-DD)', value: p ? p.interviewed_on : '' },
        { name: 'quotes', label: 'Consented to quotes', type: 'select', value: p && p.consent.quotes ? 'yes' : 'no', options: [{ value: 'yes', label: 'yes' }, { value: 'no', label: 'no' }] },
        { name: 'archiving', label: 'Consented to archiving', type: 'select', value: p && p.consent.archiving ? 'yes' : 'no', options: [{ value: 'yes', label: 'yes' }, { value: 'no', label: 'no' }] },
        { name: 'notes', label: 'Notes', type: 'textarea', value: p ? p.notes : '' },
      ],
      ok: p ? 'Save' : 'Add',
    });
    if (!v) return;
    const body = {
      case: v.case, group: v.group, status: v.status, recruited_on: v.recruited_on, consented_on: v.consented_on,
      consent_form_version: v.consent_form_version, interviewed_on: v.interviewed_on, notes: v.notes,
      consent: { quotes: v.quotes === 'yes', archiving: v.archiving === 'yes', other: p ? p.consent.other : [] },
    };
    if (p) await ctx.act(() => api.patch(base + '/participants/' + p.id, { ...body, label: v.label, version: p.version }), 'Saved ' + v.label);
    else await ctx.act(() => api.post(base + '/participants', { ...body, label: v.label }), 'Added ' + v.label);
  }

  async function withdraw(p) {
    let w;
    try {
      w = await api.post(base + '/participants/' + p.id + '/withdraw/preview');
    } catch (e) {
      return showError(e);
    }
    const links = w.memo_links.reduce((n, l) => n + l.links, 0);
    const body = h('div.withdraw-preview',
      h('p', 'This erases everything below, also from the history, and cannot be undone. The register keeps the label and today\u2019s date.'),
      h('ul',
        h('li', 'Case: ' + (w.case || 'none')),
        h('li', plural(w.sources.length, 'source') + (w.sources.length ? ': ' + w.sources.join(', ') : '')),
        h('li', plural(w.codings, 'coding')),
        h('li', plural(links, 'memo link')),
        h('li', plural(w.memo_passages.length, 'memo passage'), w.memo_passages.length
          ? h('ul', w.memo_passages.map((m) => h('li', h('em', m.memo + ': '), m.passage.length > 160 ? m.passage.slice(0, 160) + '…' : m.passage)))
          : null),
        w.code_passages.length ? h('li', plural(w.code_passages.length, 'code definition or example', 'code definitions or examples')) : null,
        h('li', plural(w.quotes, 'quote')),
        h('li', plural(w.attribute_values.length, 'attribute value') + (w.attribute_values.length ? ': ' + w.attribute_values.join(', ') : '')),
        h('li', plural(w.set_memberships.length, 'set membership') + (w.set_memberships.length ? ': ' + w.set_memberships.join(', ') : '')),
        w.reports_to_regenerate.length ? h('li', 'Reports to regenerate (kept, flagged): ' + w.reports_to_regenerate.join(', ')) : null));
    const v = await dialog({ title: 'Withdraw ' + p.label + '?', body, ok: 'Withdraw and erase', danger: true, wide: true });
    if (v === null) return;
    await ctx.act(() => api.post(base + '/participants/' + p.id + '/withdraw', { confirm: true }), p.label + ' withdrawn');
  }

  async function editStudy() {
    let st;
    try {
      st = await api.get(base + '/study');
    } catch (e) {
      return showError(e);
    }
    const v = await dialog({
      title: 'Study details',
      fields: [
        { name: 'ethics_reference', label: 'Ethics reference', value: st.ethics_reference },
        { name: 'approval_date', label: 'Approved on (YYYY-MM-DD)', value: st.approval_date },
        { name: 'sheet_version', label: 'Add an information-sheet version', value: '' },
        { name: 'sheet_date', label: 'Its date (YYYY-MM-DD)', value: '' },
        { name: 'notes', label: 'Notes', type: 'textarea', value: st.notes },
      ],
      ok: 'Save',
    });
    if (!v) return;
    const sheets = v.sheet_version.trim() ? [{ version: v.sheet_version, date: v.sheet_date }] : [];
    await ctx.act(() => api.put(base + '/study', { ethics_reference: v.ethics_reference, approval_date: v.approval_date, notes: v.notes, information_sheets: sheets }), 'Study details saved');
  }

  async function setTarget() {
    const groups = [...new Set(people.map((p) => p.group).filter(Boolean))];
    const v = await dialog({
      title: 'Sampling target',
      body: groups.length ? 'Groups in the register: ' + groups.join(', ') : null,
      fields: [{ name: 'group', label: 'Group', value: groups[0] || '' }, { name: 'target', label: 'Participants wanted', type: 'number', value: '' }],
      ok: 'Set',
    });
    if (!v) return;
    const n = parseInt(v.target, 10);
    if (!(n >= 0)) return showError(new Error('the target must be a whole number of participants'));
    await ctx.act(() => api.put(base + '/sampling/targets', { group: v.group, target: n }), 'Target set');
  }

  async function decide() {
    const v = await dialog({
      title: 'Log a sampling decision',
      fields: [{ name: 'decision', label: 'Decision', value: '' }, { name: 'reason', label: 'Reason', type: 'textarea', value: '' }, { name: 'date', label: 'Date (YYYY-MM-DD, default today)', value: '' }],
      ok: 'Log',
    });
    if (!v) return;
    await ctx.act(() => api.post(base + '/sampling/decisions', v), 'Decision logged');
  }

  async function setStatus(q, sel) {
    const status = sel.value;
    let amended;
    if (status === 'amended') {
      const v = await dialog({ title: 'Amended wording', fields: [{ name: 'text', label: 'The participant\u2019s wording', type: 'textarea', value: q.amended_text || q.text }], ok: 'Save' });
      if (!v) {
        sel.value = q.status;
        return;
      }
      amended = v.text;
    }
    const r = await ctx.act(() => api.patch(base + '/quotes/' + q.id, { version: q.version, status, amended_text: amended }), 'Quote ' + status.replace('_', ' '));
    if (!r) sel.value = q.status;
  }

  async function quoteSegment() {
    const codes = ctx.codes.filter((c) => c.codable && c.codings > 0);
    if (!codes.length) return toast('Nothing is coded yet');
    const pick = await dialog({
      title: 'Quote a coded segment',
      fields: [{ name: 'code', label: 'Code', type: 'select', value: codes[0].id, options: codes.map((c) => ({ value: c.id, label: c.path || c.name })) }],
      ok: 'Show segments',
    });
    if (!pick) return;
    let segs;
    let memos;
    try {
      [segs, memos] = await Promise.all([
        api.get(base + '/codes/' + pick.code + '/segments' + api.qs({ context: 0 })),
        api.get(base + '/memos'),
      ]);
    } catch (e) {
      return showError(e);
    }
    const cases = new Set(people.filter((p) => p.status !== 'withdrawn' && p.case).map((p) => p.case));
    const list = segs.groups.flatMap((g) => g.segments).filter((x) => x.case && cases.has(x.case));
    if (!list.length) return toast('No segment of this code belongs to a participant in the register');
    const short = (t) => (t.length > 110 ? t.slice(0, 110) + '…' : t);
    const use = await dialog({
      title: 'Quote a coded segment',
      wide: true,
      fields: [
        { name: 'coding', label: 'Segment', type: 'select', value: list[0].coding, options: list.slice(0, 300).map((x) => ({ value: x.coding, label: x.attribution + ' — ' + short(x.text.trim()) })) },
        { name: 'memo', label: 'Used in memo', type: 'select', value: '', options: [{ value: '', label: '(none)' }, ...memos.map((m) => ({ value: m.id, label: m.title }))] },
        { name: 'report', label: 'or in the report named', value: '' },
        { name: 'note', label: 'Note', value: '' },
      ],
      ok: 'Register quote',
    });
    if (!use) return;
    const used = [];
    if (use.memo) used.push({ type: 'memo', id: use.memo });
    if (use.report.trim()) used.push({ type: 'report', name: use.report.trim() });
    await ctx.act(() => api.post(base + '/quotes', { coding: use.coding, used_in: used, note: use.note }), 'Quote registered');
  }

  async function scan() {
    await ctx.act(() => api.post(base + '/quotes/scan'), (r) => 'Scanned ' + plural(r.memos_scanned, 'memo') + ': ' + plural(r.created, 'new quote') + ', ' + plural(r.updated, 'quote') + ' with another use');
  }

  return { el, start: load, refresh: load };
}
