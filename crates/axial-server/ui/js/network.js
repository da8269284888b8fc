// The Relations sub-view of the Analysis area: typed relations between codes
// (axial coding as data). A form adds a relation (from, kind, to, label), the
// list deletes them, and the network diagram is the server's SVG shown as an
// image from a data: URL, with GraphML and SVG downloads. It decides nothing:
// the rules (no self-relations, no duplicates, "other" needs a label) are the
// server's, whose messages are shown as they come. User text enters the page
// only as text.

import * as api from './api.js';
import { h, mount, showError, toast } from './dom.js';

const KINDS = [
  ['causal_condition', 'causal condition of'],
  ['context', 'context of'],
  ['intervening_condition', 'intervening condition of'],
  ['strategy', 'strategy for'],
  ['consequence', 'consequence of'],
  ['other', 'other (say what in the label)'],
];

const kindWords = (k) => (k === 'other' ? 'other' : (KINDS.find(([id]) => id === k) || [k, k])[1]);

function codePicker(ctx, id) {
  return h('select#' + id, ctx.codes.map((c) => h('option', { value: c.id }, '\u2003'.repeat(c.depth) + c.name)));
}

/** Fetches the network SVG and shows it as an image (no markup enters the page). */
async function diagram(path) {
  const resp = await fetch('/api/v1' + path, { credentials: 'same-origin' });
  const text = await resp.text();
  if (!resp.ok) throw new Error('the relation network could not be drawn');
  return h('img.chart.network', { src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text), alt: 'Network of code relations' });
}

/** Mounts the Relations view into `body`; `explain` fills the inspector. */
export async function relationsView(ctx, body, explain) {
  const base = '/projects/' + ctx.project.id + '/relations';
  const from = codePicker(ctx, 'rel-from');
  const to = codePicker(ctx, 'rel-to');
  if (ctx.codes.length > 1) to.value = ctx.codes[1].id;
  const kind = h('select#rel-kind', KINDS.map(([id, label]) => h('option', { value: id }, label)));
  const label = h('input#rel-label', { type: 'text', maxlength: 200, placeholder: 'label (optional unless “other”)' });
  const list = h('div.relation-list');
  const picture = h('div.relation-diagram');
  const downloads = h('span.downloads',
    h('a.btn.small', { href: '/api/v1' + base + '.graphml', download: 'relations.graphml' }, 'GraphML'),
    h('a.btn.small', { href: '/api/v1' + base + '.svg', download: 'relations.svg' }, 'SVG'));

  async function refresh() {
    try {
      const rels = await api.get(base);
      mount(list, rels.length
        ? h('table.data#relations-table',
          h('thead', h('tr', h('th', 'from'), h('th', 'relation'), h('th', 'to'), h('th', 'label'), h('th', ''))),
          h('tbody', rels.map((r) => h('tr', { dataset: { id: r.id } },
            h('td', r.from_name), h('td', kindWords(r.kind)), h('td', r.to_name), h('td', r.label),
            h('td', h('button.btn.small.danger', { type: 'button', title: 'Delete this relation', onclick: () => remove(r) }, 'Delete'))))))
        : h('p.muted', 'No relations yet. Say how two codes relate with the form above.'));
      mount(picture, await diagram(base + '.svg'));
    } catch (e) {
      showError(e);
    }
  }

  async function remove(r) {
    try {
      await api.del(base + '/' + r.id);
      toast('Relation removed (undo brings it back)');
      await refresh();
    } catch (e) {
      showError(e);
    }
  }

  async function add(e) {
    e.preventDefault();
    try {
      await api.post(base, { from: from.value, to: to.value, kind: kind.value, label: label.value });
      label.value = '';
      toast('Relation added');
      await refresh();
    } catch (err) {
      showError(err);
    }
  }

  mount(body,
    h('form.controls#relation-form', { onsubmit: add },
      from, h('span', ' is a '), kind, to, label,
      h('button.btn.primary', { type: 'submit' }, 'Add relation'),
      h('span.grow'), h('span.muted', 'Download '), downloads),
    list, picture);
  explain('Relations', 'Axial coding as data: say how codes relate — a causal condition, the context, an intervening condition, a strategy or a consequence — or another relation with a label.',
    'The diagram places the related codes on a circle with arrows from each code to the one it relates to. Download it as SVG, or as GraphML to open in a network tool.');
  await refresh();
}
