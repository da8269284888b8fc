// The projects page: every project with its counts, and a form to create one.

import * as api from './api.js';
import { h, showError, plural } from './dom.js';
import { importProjectForm } from './exchange.js';

export async function projectsPage(ctx) {
  let projects = [];
  try {
    projects = await api.get('/projects');
  } catch (e) {
    showError(e);
  }
  const name = h('input#new-project-name', { placeholder: 'Name of the study', required: true, maxlength: 200 });
  const description = h('input#new-project-description', { placeholder: 'One line on what it is about (optional)' });
  const form = h('form.create-project',
    { onsubmit: async (e) => {
      e.preventDefault();
      try {
        const p = await api.post('/projects', { name: name.value, description: description.value });
        ctx.go('#/p/' + p.id + '/import');
      } catch (err) {
        showError(err);
      }
    } },
    h('h2', 'New project'), name, description, h('button.btn.primary', { type: 'submit' }, 'Create project'));
  const list = h('div.project-list',
    projects.length ? projects.map((p) => h('a.project-card', { href: '#/p/' + p.id, dataset: { name: p.name } },
      h('h3', p.name),
      p.description ? h('p.muted', p.description) : null,
      h('div.counts',
        h('span', plural(p.counts.sources, 'document')),
        h('span', plural(p.counts.cases, 'case')),
        h('span', plural(p.counts.codes, 'code')),
        h('span', plural(p.counts.codings, 'coding')),
        h('span', plural(p.counts.memos, 'memo'))))) : h('p.muted', 'No projects yet. Create one to start, or run `axial demo --serve` to explore the demo study.'));
  return h('div.projects-page', h('section', h('h1', 'Projects'), list), h('aside', form, importProjectForm(ctx)));
}
