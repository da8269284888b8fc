// REFI-QDA exchange in the browser: "Export project (REFI-QDA)" (a plain
// download of /export.qdpx), "Import project" (a .qdpx/.qde upload that
// becomes a new project) and codebook export/import, each import showing
// its loss report. Requests go to the routes of api/exchange.rs.

import * as api from './api.js';
import { h, mount, toast, plural } from './dom.js';

/** Uploads a file as multipart `file` (plus extra fields); resolves to JSON. */
async function send(path, file, fields) {
  const s = await api.session();
  const form = new FormData();
  form.append('file', file, file.name);
  for (const [k, v] of Object.entries(fields || {})) if (v) form.append(k, v);
  let resp;
  try {
    resp = await fetch('/api/v1' + path, {
      method: 'POST',
      headers: { Accept: 'application/json', 'X-Axial-CSRF': s.csrf_token },
      body: form,
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new api.ApiError(0, 'offline', 'upload failed: the server cannot be reached');
  }
  const text = await resp.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  if (resp.ok) return data;
  const err = (data && data.error) || {};
  throw new api.ApiError(resp.status, err.code || 'http_' + resp.status, err.message || 'upload failed (' + resp.status + ')');
}

/** The loss report: imported counts, conversions, what was left out, warnings. */
export function lossReport(r) {
  const imported = Object.entries(r.imported).map(([k, v]) => v + ' ' + k).join(', ') || 'nothing';
  return h('div.loss-report',
    h('p', h('strong', 'Imported: '), imported),
    r.converted.length ? h('div', h('h4', 'Converted'),
      h('ul', r.converted.map((c) => h('li', c.count + ' × ' + c.what + ': ' + c.how)))) : null,
    r.unsupported.length
      ? h('div', h('h4', 'Not imported'), h('ul.lost', r.unsupported.map((l) => h('li', l.count + ' × ' + l.element + ': ' + l.why))))
      : h('p.muted', 'Nothing was left out.'),
    r.warnings.length ? h('div', h('h4', 'Warnings'), h('ul.warnings', r.warnings.map((w) => h('li', w)))) : null);
}

/** "Import project" form for the projects page. */
export function importProjectForm(ctx) {
  const file = h('input#import-project-file', { type: 'file', accept: '.qdpx,.qde' });
  const name = h('input#import-project-name', { placeholder: 'Project name (optional: taken from the file)' });
  const dry = h('input#import-project-dry', { type: 'checkbox' });
  const out = h('div.import-project-result');
  const form = h('form.import-project', {
    onsubmit: async (e) => {
      e.preventDefault();
      const f = file.files[0];
      if (!f) return;
      mount(out, h('p.muted', 'Importing ' + f.name + '…'));
      try {
        const r = await send('/projects/import' + (dry.checked ? '?dry_run=true' : ''), f, { name: name.value.trim() });
        const c = r.counts;
        const head = (r.dry_run ? 'Dry run — nothing written. Would import “' : 'Imported “') + r.project_name + '”: ' +
          [plural(c.sources, 'document'), plural(c.codes, 'code'), plural(c.codings, 'coding'), plural(c.memos, 'memo'), plural(c.cases, 'case')].join(', ');
        mount(out, h('p', head),
          r.remapped_ids ? h('p.muted', 'This file was imported before: every id was replaced by a fresh one.') : null,
          lossReport(r.report),
          r.dry_run ? null : h('a.btn', { href: '#/p/' + r.project_id }, 'Open the project'));
        if (!r.dry_run) toast('project imported');
      } catch (err) {
        mount(out, h('p.error', err.message));
      }
    },
  },
  h('h2', 'Import project'),
  h('p.muted', 'A REFI-QDA project (.qdpx or .qde) from NVivo, ATLAS.ti, MAXQDA, QualCoder or Axial becomes a new project.'),
  file, name, h('label', dry, ' Dry run (check and report, write nothing)'),
  h('button.btn.primary', { type: 'submit' }, 'Import project'), out);
  return form;
}

/** Export links and codebook import for the project's Import view. */
export function exchangePanel(ctx) {
  const pid = ctx.project.id;
  const file = h('input#import-codebook-file', { type: 'file', accept: '.qdc,.csv' });
  const dry = h('input#import-codebook-dry', { type: 'checkbox' });
  const out = h('div.import-codebook-result');
  const form = h('form.import-codebook', {
    onsubmit: async (e) => {
      e.preventDefault();
      const f = file.files[0];
      if (!f) return;
      try {
        const r = await send('/projects/' + pid + '/codebook' + (dry.checked ? '?dry_run=true' : ''), f);
        mount(out, h('p', (r.dry_run ? 'Dry run — would add ' : 'Added ') + plural(r.codes_added, 'code') +
          '; ' + plural(r.codes_kept, 'code') + ' already there (kept).'), lossReport(r.report));
        if (!r.dry_run && r.codes_added) await ctx.refresh();
      } catch (err) {
        mount(out, h('p.error', err.message));
      }
    },
  }, h('h3', 'Import codebook'), file, h('label', dry, ' Dry run'), h('button.btn', { type: 'submit' }, 'Import codebook'), out);
  return h('section.exchange',
    h('h2', 'Exchange (REFI-QDA)'),
    h('p',
      h('a.btn#export-qdpx', { href: api.url('/projects/' + pid + '/export.qdpx'), download: '' }, 'Export project (REFI-QDA)'), ' ',
      h('a.btn#export-qdc', { href: '/api/v1/projects/' + pid + '/codebook.qdc', download: '' }, 'Export codebook (.qdc)')),
    form);
}
