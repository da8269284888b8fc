// The pseudonymisation review screen of one document: the proposed
// identifiers with their context, category and replacement (editable),
// accept/reject toggles, the key file's passphrase, and Apply. The
// passphrase stays in this page's memory only; it goes to the server with
// each request and is never stored. After applying, the reader opens the
// new text.

import * as api from './api.js';
import { h, mount, toast, showError, dialog } from './dom.js';

const CATEGORIES = ['person', 'place', 'email', 'phone', 'nhs_number', 'postcode', 'date_of_birth'];
const CATEGORY_NAMES = {
  person: 'Person',
  place: 'Place',
  email: 'E-mail',
  phone: 'Phone',
  nhs_number: 'NHS number',
  postcode: 'Postcode',
  date_of_birth: 'Date of birth',
};

export function pseudonymiseView(ctx, sourceId, inspector) {
  const pid = ctx.project.id;
  const base = '/projects/' + pid + '/sources/' + sourceId + '/pseudonymise';
  const source = ctx.sourceById(sourceId);
  const pass = h('input#pseudo-pass', { type: 'password', autocomplete: 'off', placeholder: 'Key file passphrase', 'aria-label': 'Key file passphrase' });
  const status = h('p.muted#pseudo-status', 'Loading proposals…');
  const body = h('tbody');
  const table = h('div.table-scroll', h('table.data#pseudo-table',
    h('thead', h('tr', ['Replace', '#', 'Category', 'Confidence', 'In context', 'Replacement'].map((t) => h('th', t)))),
    body));
  const applyBtn = h('button.btn.danger#pseudo-apply', { type: 'button', onclick: () => apply() }, 'Apply…');
  let data = null;
  let rows = [];

  function row(p) {
    const accept = h('input', { type: 'checkbox', checked: p.confidence !== 'low', 'aria-label': 'Replace proposal ' + p.id });
    const category = h('select', { 'aria-label': 'Category of proposal ' + p.id },
      CATEGORIES.map((c) => h('option', { value: c, selected: c === p.category }, CATEGORY_NAMES[c])));
    const label = h('input', { type: 'text', value: p.replacement, 'aria-label': 'Replacement for proposal ' + p.id, size: 16 });
    const tr = h('tr', { dataset: { id: p.id, confidence: p.confidence } },
      h('td', accept),
      h('td', String(p.id)),
      h('td', category),
      h('td', p.confidence + (p.known ? ' · in the key' : '')),
      h('td.seg-text', p.context_before, h('mark', p.original), p.context_after),
      h('td', label));
    return { p, tr, accept, category, label };
  }

  async function load() {
    const withKey = pass.value !== '';
    applyBtn.disabled = true;
    status.textContent = withKey ? 'Opening the key file and looking for identifiers…' : 'Looking for identifiers…';
    try {
      data = withKey ? await api.post(base + '/proposals', { passphrase: pass.value }) : await api.get(base + '/proposals');
    } catch (e) {
      showError(e);
      status.textContent = e.message;
      return;
    }
    rows = data.proposals.map(row);
    mount(body, rows.map((r) => r.tr));
    const n = rows.length;
    status.textContent = (n === 0 ? 'Nothing to pseudonymise was found' : n + (n === 1 ? ' proposal' : ' proposals'))
      + (data.key_used ? ', using the key file’s names and earlier replacements.' : '. Enter the passphrase and reload to use the key file’s names and earlier replacements.');
    applyBtn.disabled = n === 0;
  }

  function setAll(pred) {
    for (const r of rows) r.accept.checked = pred(r.p);
  }

  async function apply() {
    if (!data) return;
    if (!pass.value) {
      toast('Enter the key file’s passphrase first: the mapping back to the originals is kept in it', 'error');
      pass.focus();
      return;
    }
    const chosen = rows.filter((r) => r.accept.checked);
    if (!chosen.length) {
      toast('Nothing is ticked to replace', 'error');
      return;
    }
    const ok = await dialog({
      title: 'Pseudonymise this document?',
      body: h('p', 'The ' + chosen.length + ' ticked identifiers are replaced in the text, its codings, its name and the project history. This cannot be undone; the originals stay only in the encrypted key file.'),
      ok: 'Pseudonymise',
      danger: true,
    });
    if (ok === null) return;
    const request = {
      passphrase: pass.value,
      accept: chosen.map((r) => r.p.id),
      replace: chosen.filter((r) => r.label.value.trim() !== r.p.replacement).map((r) => ({ id: r.p.id, label: r.label.value.trim() })),
      recategorise: chosen.filter((r) => r.category.value !== r.p.category).map((r) => ({ id: r.p.id, category: r.category.value })),
      fingerprint: data.fingerprint,
    };
    applyBtn.disabled = true;
    try {
      const done = await api.post(base, request);
      const s = done.sources[0];
      toast('Pseudonymised: ' + s.replacements + ' replacements' + (s.codings_dropped.length ? ', ' + s.codings_dropped.length + ' codings dropped' : ''));
      data = null;
      // The reader loads the new text; the panels pick up the new name.
      ctx.go('#/p/' + pid + '/source/' + sourceId);
      await ctx.refresh();
      // Backups taken before still hold the originals: say so until dismissed.
      if (done.backup_warning) {
        await dialog({ title: 'Older backups still hold the originals', body: h('p.backup-warning', done.backup_warning), ok: 'Understood' });
      }
    } catch (e) {
      showError(e);
      applyBtn.disabled = false;
    }
  }

  const el = h('div.view.pseudonymise-view',
    h('header.view-head', h('h1', 'Pseudonymise ' + (source ? source.name : 'document')), h('div.tools',
      h('a.btn.small', { href: '#/p/' + pid + '/source/' + sourceId }, 'Back to the document'))),
    h('p', 'Review what looks identifying. Ticked rows are replaced everywhere in this document; the same original always gets the same replacement, also in documents pseudonymised later.'),
    h('div.toolbar',
      pass,
      h('button.btn.small#pseudo-load', { type: 'button', onclick: () => load() }, 'Reload with the key'),
      h('button.btn.small#pseudo-high', { type: 'button', onclick: () => setAll((p) => p.confidence === 'high') }, 'Accept all high-confidence'),
      h('button.btn.small', { type: 'button', onclick: () => setAll(() => true) }, 'Tick all'),
      h('button.btn.small', { type: 'button', onclick: () => setAll(() => false) }, 'Untick all')),
    status, table, h('p', applyBtn));
  mount(inspector, h('div.inspector-section', h('h3', 'Pseudonymisation'),
    h('p.muted', 'The key file sits beside the database and is encrypted with your passphrase. Without the passphrase the replacements cannot be traced back, by anyone.'),
    h('p.muted', 'Low-confidence rows are capitalised words that may be names: tick the ones that are.')));
  return { el, start: load, refresh: load };
}
