// Properties and dimensions of a category (axial coding as data), shown in
// the code's comparison inspector: each property is a line from its low to
// its high pole with the placed segments as dots. Hovering a dot names the
// segment, clicking it shows the segment with its attribution, dragging it
// moves the segment along the dimension. Segments are placed from here
// ("Place a segment…") or from a coding in the reader (placeDialog). Below
// each line, the dimensional profile per case or attribute value as a
// small chart. Every number comes from the server; this module only draws.

import * as api from './api.js';
import { h, mount, dialog, confirmDialog, showError, toast, plural } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 280;
const PAD = 14;
const DOT = 5;

/** An SVG element: s('circle', {cx: 1}, children…). */
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const xOf = (at) => PAD + at * (W - 2 * PAD);

/** "1 (tacit) to 5 (explicit)" or "0 (tacit) to 1 (explicit)". */
function scale(p) {
  return p.steps ? '1 (' + p.low + ') to ' + p.steps + ' (' + p.high + ')' : '0 (' + p.low + ') to 1 (' + p.high + ')';
}

/** The stored position for a place between the poles (0–1). */
function positionAt(p, at) {
  const a = Math.max(0, Math.min(1, at));
  return p.steps ? 1 + Math.round(a * (p.steps - 1)) : Math.round(a * 100) / 100;
}

function shorten(text, n) {
  const t = (text || '').replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
}

/** Parses what a person typed as a position; NaN when it is not a number. */
function parsePosition(v) {
  const t = String(v || '').trim().replace(',', '.');
  return t === '' ? NaN : Number(t);
}

/** The properties section of a code's inspector. */
export function propertiesSection(ctx, codeId) {
  const pid = ctx.project.id;
  const base = '/projects/' + pid + '/codes/' + codeId + '/properties';
  const list = h('div.property-list');
  const el = h('div.inspector-section#properties',
    h('div.section-head', h('h3', 'Properties and dimensions'),
      h('button.btn.small#add-property', { type: 'button', title: 'Give this category a property: a dimension between two poles', onclick: () => addProperty() }, '+ Property')),
    list);
  let variables = [];

  async function load() {
    let props;
    try {
      [props, variables] = await Promise.all([api.get(base), api.get('/projects/' + pid + '/variables')]);
    } catch (e) {
      showError(e);
      return;
    }
    if (!props.length) {
      mount(list, h('p.muted', 'No properties yet. A property is a dimension of the category (e.g. explicitness: tacit ↔ explicit) on which its segments can be placed.'));
      return;
    }
    mount(list, props.map(propertyEl));
  }

  function propertyEl(p) {
    const detail = h('div.placement-detail');
    const profile = h('div.profile');
    const wrap = h('div.property', { dataset: { id: p.id, name: p.name } },
      h('div.prop-head',
        h('strong.prop-name', p.name),
        h('span.grow'),
        h('button.btn.small.edit-property', { type: 'button', title: 'Rename, relabel the poles or change the steps', onclick: () => editProperty(p) }, 'Edit'),
        h('button.btn.small.danger.delete-property', { type: 'button', onclick: () => deleteProperty(p) }, 'Delete')),
      h('p.muted.prop-scale', scale(p) + ' · ' + plural(p.placements.length, 'segment') + ' placed'),
      p.description ? h('p.prop-description', p.description) : null,
      dimension(p, detail),
      detail,
      h('div.prop-actions',
        h('button.btn.small.place-segment', { type: 'button', onclick: () => placeFromList(p) }, 'Place a segment…')),
      profile);
    profileControls(p, profile);
    return wrap;
  }

  // ---- the dimension line ----

  function dimension(p, detail) {
    // Dots on the same spot stack upwards.
    const stacks = new Map();
    const spots = p.placements.map((pl) => {
      const key = Math.round(pl.at * 40);
      const n = stacks.get(key) || 0;
      stacks.set(key, n + 1);
      return n;
    });
    const high = Math.max(0, ...spots);
    const line = 16 + (high + 1) * (DOT * 2 + 1);
    const height = line + 26;
    const svg = s('svg', { class: 'dimension', viewBox: '0 0 ' + W + ' ' + height, role: 'img', 'aria-label': p.name + ': ' + scale(p) });
    svg.append(s('line', { class: 'axis', x1: PAD, y1: line, x2: W - PAD, y2: line }));
    const ticks = p.steps ? Array.from({ length: p.steps }, (_, i) => i / (p.steps - 1)) : [0, 0.25, 0.5, 0.75, 1];
    ticks.forEach((t, i) => {
      svg.append(s('line', { class: 'tick', x1: xOf(t), y1: line - 4, x2: xOf(t), y2: line + 4 }));
      if (p.steps) svg.append(s('text', { class: 'tick-label', x: xOf(t), y: line + 14, 'text-anchor': 'middle' }, String(i + 1)));
    });
    svg.append(s('text', { class: 'pole low', x: PAD - 4, y: line + 24, 'text-anchor': 'start' }, p.low));
    svg.append(s('text', { class: 'pole high', x: W - PAD + 4, y: line + 24, 'text-anchor': 'end' }, p.high));
    p.placements.forEach((pl, i) => {
      const seg = pl.segment;
      const code = ctx.codeById(seg.code_id);
      const dot = s('circle', {
        class: 'dot',
        cx: xOf(pl.at),
        cy: line - DOT - 3 - spots[i] * (DOT * 2 + 1),
        r: DOT,
        fill: code ? code.color : '#6b7480',
        tabindex: 0,
        role: 'button',
        'data-coding': pl.coding,
        'data-placement': pl.id,
        'data-at': pl.at,
        'aria-label': seg.attribution + ': ' + shorten(seg.text, 80),
      }, s('title', {}, seg.attribution + ' — ' + shorten(seg.text, 160) + (pl.note ? '\n' + pl.note : '')));
      dot.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          showDetail(p, pl, detail, dot);
        }
      });
      drag(svg, dot, p, pl, detail);
      svg.append(dot);
    });
    return svg;
  }

  /** Click shows the segment; dragging moves it along the dimension. */
  function drag(svg, dot, p, pl, detail) {
    let start = null;
    const atFrom = (clientX) => {
      const box = svg.getBoundingClientRect();
      const x = ((clientX - box.left) / box.width) * W;
      const at = Math.max(0, Math.min(1, (x - PAD) / (W - 2 * PAD)));
      return p.steps ? (positionAt(p, at) - 1) / (p.steps - 1) : at;
    };
    dot.addEventListener('pointerdown', (e) => {
      start = { x: e.clientX, moved: false };
      dot.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    dot.addEventListener('pointermove', (e) => {
      if (!start) return;
      if (Math.abs(e.clientX - start.x) > 3) start.moved = true;
      if (start.moved) {
        dot.setAttribute('cx', xOf(atFrom(e.clientX)));
        dot.classList.add('dragging');
      }
    });
    dot.addEventListener('pointerup', async (e) => {
      if (!start) return;
      const moved = start.moved;
      start = null;
      dot.classList.remove('dragging');
      if (!moved) return showDetail(p, pl, detail, dot);
      const position = positionAt(p, atFrom(e.clientX));
      if (position === pl.position) {
        dot.setAttribute('cx', xOf(pl.at));
        return;
      }
      await ctx.act(() => api.post('/projects/' + pid + '/placements', { coding: pl.coding, property: p.id, position }),
        'Moved to ' + position + ' on “' + p.name + '”');
    });
    dot.addEventListener('pointercancel', () => {
      start = null;
      dot.classList.remove('dragging');
      dot.setAttribute('cx', xOf(pl.at));
    });
  }

  function showDetail(p, pl, detail, dot) {
    for (const d of el.querySelectorAll('circle.dot.selected')) d.classList.remove('selected');
    dot.classList.add('selected');
    const seg = pl.segment;
    mount(detail,
      h('div.placed', { dataset: { coding: pl.coding } },
        h('div.seg-meta', h('strong', seg.attribution), ' ', h('span.muted', seg.source + ' · line ' + seg.first_line + ' · ' + seg.code)),
        h('blockquote.placed-text', seg.text),
        h('p.muted', 'At ' + pl.position + (p.steps ? ' of ' + p.steps : '') + ' · placed by ' + pl.placed_by),
        pl.note ? h('p.placed-note', pl.note) : null,
        h('div.actions',
          h('a.btn.small.open-segment', { href: '#/p/' + pid + '/source/' + seg.source_id + '/line/' + seg.first_line }, 'Open in document'),
          h('button.btn.small.move-placement', { type: 'button', onclick: () => placeDialog(ctx, pl.coding, p.id) }, 'Move or note…'),
          h('button.btn.small.danger.unplace', { type: 'button', onclick: () => ctx.act(() => api.del('/projects/' + pid + '/placements/' + pl.id), 'Taken off “' + p.name + '”') }, 'Take off'))));
  }

  // ---- placing from the code's segments ----

  async function placeFromList(p) {
    let segs;
    try {
      segs = await api.get('/projects/' + pid + '/codes/' + codeId + '/segments' + api.qs({ context: 0 }));
    } catch (e) {
      return showError(e);
    }
    const placed = new Set(p.placements.map((pl) => pl.coding));
    const open = segs.groups.flatMap((g) => g.segments).filter((x) => !placed.has(x.coding));
    if (!open.length) return toast(segs.total ? 'Every segment of this code is placed on “' + p.name + '”' : 'This code has no segments yet');
    const v = await dialog({
      title: 'Place a segment on “' + p.name + '”',
      wide: true,
      fields: [
        { name: 'coding', label: 'Segment', type: 'select', value: open[0].coding, options: open.map((x) => ({ value: x.coding, label: x.attribution + ' “' + shorten(x.text, 90) + '”' })) },
        { name: 'position', label: 'Position: ' + scale(p), placeholder: p.steps ? '1–' + p.steps : '0–1' },
        { name: 'note', label: 'Note (why it sits there)', type: 'textarea', rows: 2 },
      ],
      ok: 'Place',
    });
    if (!v) return;
    if (Number.isNaN(parsePosition(v.position))) return toast('Give a position on the scale: ' + scale(p), 'error');
    await ctx.act(() => api.post('/projects/' + pid + '/placements', { coding: v.coding, property: p.id, position: parsePosition(v.position), note: v.note }),
      'Placed on “' + p.name + '”');
  }

  // ---- profile ----

  function profileControls(p, box) {
    const key = 'axial.profileby.' + pid;
    const saved = localStorage.getItem(key);
    const preferred = saved !== null ? saved : (variables.find((x) => /group/i.test(x.name)) || {}).name || 'case';
    const sel = h('select.profile-by', { 'aria-label': 'Profile by' },
      h('option', { value: 'case', selected: preferred === 'case' }, 'case'),
      variables.map((x) => h('option', { value: x.name, selected: x.name === preferred }, x.name)));
    const chart = h('div.profile-chart-box');
    sel.addEventListener('change', () => {
      localStorage.setItem(key, sel.value);
      draw();
    });
    mount(box, h('label.inline.profile-label', 'Profile by ', sel), chart);
    async function draw() {
      if (!p.placements.length) return mount(chart, h('p.muted', 'Place segments to see where each group lies.'));
      try {
        const v = await api.get(base + '/' + p.id + '/profile' + api.qs({ by: sel.value }));
        mount(chart, profileChart(v));
      } catch (e) {
        mount(chart, h('p.muted', e.message));
      }
    }
    draw();
  }

  // ---- adding, editing, deleting ----

  async function addProperty() {
    const v = await dialog({
      title: 'New property of “' + ((ctx.codeById(codeId) || {}).name || 'this code') + '”',
      body: 'A property is a dimension of the category between two poles. Leave the steps empty for a continuous line from 0 to 1.',
      fields: [
        { name: 'name', label: 'Name', placeholder: 'explicitness' },
        { name: 'low', label: 'Low pole', placeholder: 'tacit' },
        { name: 'high', label: 'High pole', placeholder: 'explicit' },
        { name: 'steps', label: 'Steps (2–11, empty: continuous)', type: 'number', placeholder: '5' },
        { name: 'description', label: 'What it describes', type: 'textarea', rows: 2 },
      ],
      ok: 'Add property',
    });
    if (!v) return;
    const steps = String(v.steps).trim() === '' ? null : Number(v.steps);
    await ctx.act(() => api.post(base, { name: v.name, low: v.low, high: v.high, steps, description: v.description }), 'Added “' + v.name.trim() + '”');
  }

  async function editProperty(p) {
    const v = await dialog({
      title: 'Property “' + p.name + '”',
      body: 'Changing the steps keeps every placed segment at its place between the poles.',
      fields: [
        { name: 'name', label: 'Name', value: p.name },
        { name: 'low', label: 'Low pole', value: p.low },
        { name: 'high', label: 'High pole', value: p.high },
        { name: 'steps', label: 'Steps (2–11, empty: continuous)', type: 'number', value: p.steps ? String(p.steps) : '' },
        { name: 'description', label: 'What it describes', type: 'textarea', rows: 2, value: p.description },
      ],
      ok: 'Save',
    });
    if (!v) return;
    const steps = String(v.steps).trim() === '' ? null : Number(v.steps);
    await ctx.act(() => api.patch(base + '/' + p.id, { name: v.name, low: v.low, high: v.high, steps, description: v.description }), 'Saved “' + v.name.trim() + '”');
  }

  async function deleteProperty(p) {
    const ok = await confirmDialog('Delete “' + p.name + '”?', 'This removes the property and ' + plural(p.placements.length, 'placement') + '. Undo brings them back.', 'Delete', true);
    if (ok) await ctx.act(() => api.del(base + '/' + p.id), 'Deleted “' + p.name + '”');
  }

  load();
  return { el, load };
}

/** The profile as a chart: one row per group with its spread of placements
 * (a circle per bin, sized by count) and its mean (a dark bar). */
export function profileChart(v) {
  const rowH = 18;
  const labelW = 92;
  const total = 260;
  const x0 = labelW + 6;
  const x1 = total - 18;
  const xAt = (at) => x0 + at * (x1 - x0);
  const rows = [...v.groups, { ...v.overall, value: 'all', overall: true }];
  const height = rows.length * rowH + 20;
  const svg = s('svg', { class: 'profile-chart', viewBox: '0 0 ' + total + ' ' + height, role: 'img', 'aria-label': 'Profile of ' + v.name + ' by ' + v.by });
  const nb = v.bins.length;
  const binAt = (i) => (v.steps ? (nb > 1 ? i / (nb - 1) : 0.5) : (i + 0.5) / nb);
  rows.forEach((g, r) => {
    const y = r * rowH + rowH / 2 + 2;
    const row = s('g', { class: 'profile-row' + (g.overall ? ' overall' : ''), 'data-value': g.value, 'data-mean': g.mean === null ? '' : g.mean },
      s('title', {}, g.value + ': ' + plural(g.placements, 'segment') + (g.mean_position === null ? '' : ', mean ' + g.mean_position)),
      s('text', { class: 'row-label', x: labelW, y: y + 4, 'text-anchor': 'end' }, shorten(g.value, 16)),
      s('line', { class: 'row-track', x1: x0, y1: y, x2: x1, y2: y }));
    if (g.min !== null && g.max !== null) row.append(s('line', { class: 'row-range', x1: xAt(g.min), y1: y, x2: xAt(g.max), y2: y }));
    g.distribution.forEach((n, i) => {
      if (n) row.append(s('circle', { class: 'row-bin', cx: xAt(binAt(i)), cy: y, r: Math.min(8, 2 + n * 1.5) }));
    });
    if (g.mean !== null) row.append(s('rect', { class: 'row-mean', x: xAt(g.mean) - 1.5, y: y - 7, width: 3, height: 14 }));
    row.append(s('text', { class: 'row-n', x: x1 + 6, y: y + 4 }, String(g.placements)));
    svg.append(row);
  });
  const yAxis = rows.length * rowH + 14;
  svg.append(s('text', { class: 'pole low', x: x0, y: yAxis, 'text-anchor': 'start' }, v.low));
  svg.append(s('text', { class: 'pole high', x: x1, y: yAxis, 'text-anchor': 'end' }, v.high));
  return svg;
}

/** Places a coding on one of its category's dimensions (or moves it);
 * `propertyId` preselects the property. */
export async function placeDialog(ctx, codingId, propertyId) {
  const pid = ctx.project.id;
  let options;
  try {
    options = await api.get('/projects/' + pid + '/placements' + api.qs({ coding: codingId }));
  } catch (e) {
    return showError(e);
  }
  if (!options.length) {
    return toast('Neither this code nor the categories above it have properties yet: add one in the code’s comparison view');
  }
  const chosen = options.find((o) => o.property === propertyId) || options.find((o) => o.placement) || options[0];
  const v = await dialog({
    title: 'Place on a dimension',
    fields: [
      { name: 'property', label: 'Property', type: 'select', value: chosen.property, options: options.map((o) => ({ value: o.property, label: o.code + ' / ' + o.name + ': ' + scale(o) + (o.placement ? ' (now at ' + o.placement.position + ')' : '') })) },
      { name: 'position', label: 'Position on the property’s scale', value: chosen.placement ? String(chosen.placement.position) : '', placeholder: chosen.steps ? '1–' + chosen.steps : '0–1' },
      { name: 'note', label: 'Note (why it sits there)', type: 'textarea', rows: 2, value: chosen.placement ? chosen.placement.note : '' },
    ],
    ok: 'Place',
  });
  if (!v) return;
  const prop = options.find((o) => o.property === v.property) || chosen;
  if (Number.isNaN(parsePosition(v.position))) return toast('Give a position on the scale: ' + scale(prop), 'error');
  await ctx.act(() => api.post('/projects/' + pid + '/placements', { coding: codingId, property: v.property, position: parsePosition(v.position), note: v.note }),
    'Placed on “' + prop.name + '”');
}
