// The audit trail view: every change of the project, newest first, with
// who, when, what, and the fields each update changed; filters by author,
// action, kind of thing and dates; a CSV download of what the filters
// select. The inspector shows a code's genealogy (its story from the change
// log) as a vertical timeline drawn in SVG, with merged codes as branches
// that join the main line where they were merged.
//
// It only reads: the log cannot be edited from here (or anywhere).

import * as api from './api.js';
import { h, mount, showError } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

const ENTITIES = ['', 'code', 'coding', 'source', 'case', 'variable', 'value', 'memo', 'set', 'relation', 'record', 'project', 'user'];
const ACTIONS = ['', 'project.create', 'project.update', 'source.import', 'source.update', 'source.delete', 'case.create', 'case.update', 'case.delete',
  'variable.define', 'variable.delete', 'value.set', 'set.create', 'set.update', 'set.delete', 'code.create', 'code.update', 'code.move', 'code.merge',
  'code.delete', 'coding.apply', 'coding.update', 'coding.remove', 'memo.create', 'memo.update', 'memo.delete', 'relation.create', 'relation.delete',
  'project.import', 'record.create', 'record.update', 'record.delete', 'participant.withdraw', 'source.pseudonymise', 'account.update',
  'member.change', 'undo', 'redo'];

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** One op as a line: "update code 'a': name a → b". */
function opLine(op) {
  const changes = op.changes.map((c) => c.field + ': ' + (c.before || '∅') + ' → ' + (c.after || '∅')).join('; ');
  return h('li', h('span.muted', op.verb + ' ' + op.entity + ' '), op.label, changes ? h('span.muted', ' — ' + changes) : null);
}

export function auditView(ctx, codeId, inspector) {
  const pid = ctx.project.id;
  const author = h('input#audit-author', { type: 'search', placeholder: 'Author', 'aria-label': 'Author' });
  const action = h('select#audit-action', { 'aria-label': 'Action' }, ACTIONS.map((a) => h('option', { value: a }, a || 'Any action')));
  const entity = h('select#audit-entity', { 'aria-label': 'Kind of thing' }, ENTITIES.map((e) => h('option', { value: e }, e || 'Anything')));
  const since = h('input#audit-since', { type: 'date', 'aria-label': 'From' });
  const until = h('input#audit-until', { type: 'date', 'aria-label': 'To' });
  const csv = h('a.btn.small#audit-csv', { download: '', title: 'Every change the filters select, one row per step' }, 'Download CSV');
  const rows = h('tbody');
  const more = h('button.btn.small#audit-more', { type: 'button', hidden: true, onclick: () => load(false) }, 'Older changes');
  const status = h('p.muted#audit-status');
  let cursor = null;

  const filters = () => ({ author: author.value.trim(), action: action.value, entity: entity.value, since: since.value, until: until.value });
  for (const el of [action, entity, since, until]) el.addEventListener('change', () => load(true));
  author.addEventListener('keydown', (e) => e.key === 'Enter' && load(true));
  author.addEventListener('change', () => load(true));

  const el = h('div.view.analysis.audit-view',
    h('header.view-head', h('h1', 'Audit trail'), h('div.tools', csv)),
    h('div.analysis-body',
      h('div.controls', author, action, entity, h('label.inline', 'from ', since), h('label.inline', 'to ', until)),
      h('div.table-scroll', h('table.data.compact#audit-table',
        h('thead', h('tr', h('th', '#'), h('th', 'When'), h('th', 'Who'), h('th', 'Action'), h('th', 'What'))),
        rows)),
      status, more));

  async function load(fresh) {
    const f = filters();
    csv.href = api.url('/projects/' + pid + '/audit.csv' + api.qs(f));
    if (fresh) cursor = null;
    try {
      const page = await api.get('/projects/' + pid + '/audit' + api.qs({ ...f, limit: 100, before: cursor }));
      const trs = page.entries.map((e) => h('tr' + (e.reverted_by ? '.reverted' : ''), { dataset: { seq: e.seq } },
        h('td', String(e.seq)),
        h('td', { title: e.at }, new Date(e.at).toLocaleString()),
        h('td', { title: e.author }, e.author_name),
        h('td', h('code', e.action)),
        h('td', h('div', e.summary, e.reverted_by ? h('span.tag', ' undone by #' + e.reverted_by) : null),
          e.ops.length ? h('details', h('summary.muted', e.ops.length === 1 ? '1 step' : e.ops.length + ' steps'), h('ul', e.ops.slice(0, 200).map(opLine)),
            e.ops.length > 200 ? h('p.muted', (e.ops.length - 200) + ' more steps in the CSV') : null) : null)));
      if (fresh) mount(rows, trs);
      else rows.append(...trs);
      cursor = page.next_before;
      more.hidden = cursor === null || cursor === undefined;
      status.textContent = rows.children.length ? '' : 'No changes match these filters.';
    } catch (e) {
      showError(e);
    }
  }

  const picker = h('select#genealogy-code', { 'aria-label': 'Code', style: { maxWidth: '100%' } },
    h('option', { value: '' }, 'Choose a code…'),
    ctx.codes.map((c) => h('option', { value: c.id, selected: c.id === codeId }, '  '.repeat(c.depth) + c.name)));
  picker.addEventListener('change', () => picker.value && ctx.go('#/p/' + pid + '/audit/' + picker.value));
  const story = h('div#genealogy');

  async function showGenealogy() {
    if (!codeId) {
      mount(story, h('p.muted', 'Pick a code to see its story: when it was created, renamed, moved, merged with others, split, and undone.'));
      return;
    }
    try {
      const g = await api.get('/projects/' + pid + '/codes/' + codeId + '/genealogy');
      mount(story, h('p', h('strong', g.name), g.exists ? null : h('span.muted', ' (no longer in the code system)')), timeline(g));
    } catch (e) {
      mount(story, h('p.muted', e.message));
    }
  }

  mount(inspector, h('div.inspector-section', h('h3', 'Code genealogy'), picker, story),
    h('div.inspector-section', h('h3', 'About the trail'),
      h('p.muted', 'Every change is logged as it happens and the log is never edited: an undo is a new entry. Withdrawing a participant or pseudonymising a source blanks their content in old entries but keeps who did what, and when.')));

  return {
    el,
    async start() {
      await Promise.all([load(true), showGenealogy()]);
    },
    refresh: () => Promise.all([load(true), showGenealogy()]),
  };
}

const ROW = 34; // vertical space per event
const LANE = 16; // horizontal space per nesting level
const DOT = 5;

/**
 * Lays out a genealogy: the code's events on one vertical line; each merged
 * code's own events on a lane to the right, above the merge, joined to the
 * main line by a curve at the merge.
 */
function layout(g, lane, out) {
  const mine = [];
  for (const e of g.events) {
    if (e.merged && e.merged.events.length) layout(e.merged, lane + 1, out);
    const y = out.rows.length * ROW + ROW / 2;
    out.rows.push({ e, lane, y });
    mine.push({ e, y });
    if (e.merged && e.merged.events.length) {
      const first = out.rows.find((r) => r.lane === lane + 1 && r.e === e.merged.events[0]);
      if (first) out.joins.push({ from: lane + 1, y0: first.y, to: lane, y1: y, name: e.merged.name });
    }
  }
  if (mine.length) out.lines.push({ lane, y0: mine[0].y, y1: mine[mine.length - 1].y, gone: !g.exists });
  out.depth = Math.max(out.depth, lane);
  return out;
}

function colour(step) {
  if (step === 'merged' || step === 'merged_into') return '#7b4fb3';
  if (step === 'split' || step === 'split_from') return '#c26a00';
  if (step === 'deleted') return '#b3261e';
  if (step === 'created' || step === 'restored') return '#1d7a46';
  return '#2f6fb8';
}

function timeline(g) {
  if (!g.events.length) return h('p.muted', 'No steps recorded.');
  const L = layout(g, 0, { rows: [], lines: [], joins: [], depth: 0 });
  const x = (lane) => 12 + lane * LANE;
  const textX = x(L.depth) + 14;
  const height = L.rows.length * ROW + 4;
  const longest = Math.max(...L.rows.map((r) => r.e.text.length + 2), 40);
  const width = Math.ceil(textX + longest * 6.6);
  const s = svg('svg', { width, height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'Genealogy of ' + g.name, class: 'genealogy' });
  for (const l of L.lines) {
    s.appendChild(svg('line', { x1: x(l.lane), y1: l.y0, x2: x(l.lane), y2: l.y1, stroke: l.lane ? '#b9a6d6' : '#9fb6d3', 'stroke-width': 2, 'stroke-dasharray': l.gone && l.lane === 0 ? '4 3' : 'none' }));
  }
  for (const j of L.joins) {
    const d = 'M' + x(j.from) + ' ' + j.y0 + ' L' + x(j.from) + ' ' + (j.y1 - ROW / 2) + ' Q' + x(j.from) + ' ' + j.y1 + ' ' + x(j.to) + ' ' + j.y1;
    s.appendChild(svg('path', { d, fill: 'none', stroke: '#b9a6d6', 'stroke-width': 2 }, svg('title', {}, "'" + j.name + "' merged here")));
  }
  for (const r of L.rows) {
    const e = r.e;
    const undone = e.undone_by !== null && e.undone_by !== undefined;
    s.appendChild(svg('circle', { cx: x(r.lane), cy: r.y, r: DOT, fill: undone ? '#fff' : colour(e.step), stroke: colour(e.step), 'stroke-width': 2 },
      svg('title', {}, e.step + (undone ? ' (undone by #' + e.undone_by + ')' : ''))));
    const label = svg('text', { x: textX, y: r.y - 3, 'font-size': 12, fill: r.lane ? '#5b4a73' : '#1f2328', 'text-decoration': undone ? 'line-through' : 'none' },
      (r.lane ? '↳ ' : '') + e.text);
    const meta = svg('text', { x: textX, y: r.y + 11, 'font-size': 10, fill: '#6a737d' },
      '#' + e.seq + ' · ' + e.author + ' · ' + new Date(e.at).toLocaleString());
    const group = svg('g', { class: 'genealogy-step', 'data-seq': e.seq, 'data-step': e.step }, label, meta);
    s.appendChild(group);
  }
  return h('div.genealogy-timeline', { style: { overflowX: 'auto' } }, s);
}
