// The workspace shell: routing (#/p/…), the three panes, shared state,
// global keys (undo/redo) and refreshing views after each change.

import * as api from './api.js';
import { h, mount, toast, showError } from './dom.js';
import { projectsPage } from './projects.js';
import { sourcesPanel, importView } from './sources.js';
import { readerView } from './reader.js';
import { codesPanel } from './codes.js';
import { compareView } from './compare.js';
import { memosView } from './memos.js';
import { searchView } from './search.js';
import { historyView } from './history.js';
import { analysisView } from './analysis.js';
import { participantsView } from './participants.js';
import { auditView } from './audit.js';
import { pseudonymiseView } from './pseudonymise.js';
import { followProject, stopFollowing } from './live.js';
import { signIn, accountMenu, projectRole, clearProjectRole, membersDialog } from './login.js';

const ctx = {
  session: null,
  project: null,
  codes: [], // flat, tree order, with depth and path
  tree: [],
  sources: [], // after the panel's filter
  allSources: [],
  recent: [], // code ids, most recent first
  view: null,
  route: null,
  panels: {},
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  codeById(id) {
    return ctx.codes.find((c) => c.id === id);
  },
  sourceById(id) {
    return ctx.allSources.find((s) => s.id === id);
  },
  useCode(id) {
    ctx.recent = [id, ...ctx.recent.filter((x) => x !== id)].slice(0, 9);
    localStorage.setItem('axial.recent.' + ctx.project.id, JSON.stringify(ctx.recent));
    if (ctx.panels.codes) ctx.panels.codes.render();
  },
  async loadCodes() {
    ctx.tree = await api.get('/projects/' + ctx.project.id + '/codes');
    const flat = [];
    const walk = (nodes, depth) => {
      for (const n of nodes) {
        flat.push({ ...n, depth });
        walk(n.children, depth + 1);
      }
    };
    walk(ctx.tree, 0);
    ctx.codes = flat;
    ctx.recent = ctx.recent.filter((id) => ctx.codeById(id));
  },
  /** After any change: reload shared data and the visible views. */
  async refresh() {
    try {
      await ctx.loadCodes();
      await Promise.all([ctx.panels.codes && ctx.panels.codes.render(), ctx.panels.sources && ctx.panels.sources.refresh()]);
      if (ctx.view && ctx.view.refresh) await ctx.view.refresh();
      updateUndo();
    } catch (e) {
      showError(e);
    }
  },
  /** Runs a change, reports its result, refreshes. */
  async act(fn, done) {
    try {
      const r = await fn();
      if (done) toast(typeof done === 'function' ? done(r) : done);
      await ctx.refresh();
      return r;
    } catch (e) {
      showError(e);
      return undefined;
    }
  },
  async undo() {
    if (!ctx.project) return;
    await ctx.act(() => api.post('/projects/' + ctx.project.id + '/undo'), (r) => 'Undone: ' + r.summary);
  },
  async redo() {
    if (!ctx.project) return;
    await ctx.act(() => api.post('/projects/' + ctx.project.id + '/redo'), (r) => 'Redone: ' + r.summary.replace(/^redo: /, ''));
  },
};

// Blind coding: one switch in the top bar per project; api.js sends the
// flag with every read, so each view shows only the user's own codings.
function showBlind() {
  const on = !!ctx.project && api.isBlind(ctx.project.id);
  const btn = document.getElementById('blind-mode');
  btn.hidden = !ctx.project;
  btn.classList.toggle('active', on);
  btn.setAttribute('aria-pressed', on ? 'true' : 'false');
  btn.textContent = on ? 'Blind coding: on' : 'Blind coding';
  document.getElementById('blind-banner').hidden = !on;
  document.body.classList.toggle('blind', on);
}

async function toggleBlind() {
  if (!ctx.project) return;
  const on = !api.isBlind(ctx.project.id);
  api.setBlind(ctx.project.id, on);
  toast(on ? 'Blind coding on: only your own codings are shown' : 'Blind coding off: every coder’s codings are shown');
  await ctx.refresh();
}

function updateUndo() {
  const on = !!ctx.project;
  showBlind();
  document.getElementById('undo').disabled = !on;
  document.getElementById('redo').disabled = !on;
}

const TABS = [
  ['source', 'Document'],
  ['compare', 'Compare'],
  ['memos', 'Memos'],
  ['search', 'Search'],
  ['analysis', 'Analysis'],
  ['participants', 'Participants'],
  ['history', 'History'],
  ['audit', 'Audit trail'],
  ['import', 'Import'],
];

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'p' || !parts[1]) return { page: 'projects' };
  const r = { page: 'workspace', project: parts[1], view: parts[2] || '', arg: parts[3] || '' };
  if (parts[4] === 'line') r.line = parseInt(parts[5], 10) || null;
  return r;
}

let workspaceEls = null;

async function route() {
  const r = parseHash();
  if (ctx.view && ctx.view.destroy) ctx.view.destroy();
  ctx.view = null;
  const app = document.getElementById('app');
  if (r.page === 'projects') {
    ctx.project = null;
    clearProjectRole();
    stopFollowing();
    document.getElementById('pseudonymise-open').hidden = true;
    workspaceEls = null;
    ctx.panels = {};
    updateUndo();
    mount(document.getElementById('crumbs'));
    mount(document.getElementById('tabs'));
    app.className = 'app';
    mount(app, await projectsPage(ctx));
    return;
  }
  try {
    if (!ctx.project || ctx.project.id !== r.project || !workspaceEls) await openProject(r.project);
  } catch (e) {
    showError(e);
    mount(app, h('div.empty', h('h2', 'This project cannot be opened'), h('p', e.message), h('a', { href: '#/' }, 'Back to all projects')));
    return;
  }
  let view = r.view;
  if (!view) {
    const last = localStorage.getItem('axial.last.' + ctx.project.id);
    if (last && ctx.sourceById(last)) return ctx.go('#/p/' + ctx.project.id + '/source/' + last);
    if (ctx.allSources.length) return ctx.go('#/p/' + ctx.project.id + '/source/' + ctx.allSources[0].id);
    view = 'import';
  }
  ctx.route = { ...r, view };
  document.getElementById('pseudonymise-open').hidden = view !== 'source' || !r.arg;
  renderTabs(view);
  const center = workspaceEls.center;
  const inspector = workspaceEls.inspector;
  mount(inspector);
  let v;
  if (view === 'source') {
    localStorage.setItem('axial.last.' + ctx.project.id, r.arg);
    v = readerView(ctx, r.arg, r.line, inspector);
  } else if (view === 'compare') v = compareView(ctx, r.arg, inspector);
  else if (view === 'memos') v = memosView(ctx, r.arg, inspector);
  else if (view === 'search') v = searchView(ctx, inspector);
  else if (view === 'history') v = historyView(ctx, inspector);
  else if (view === 'audit') v = auditView(ctx, r.arg, inspector);
  else if (view === 'analysis') v = analysisView(ctx, r.arg, inspector);
  else if (view === 'participants') v = participantsView(ctx, r.arg, inspector);
  else if (view === 'pseudonymise') v = pseudonymiseView(ctx, r.arg, inspector);
  else v = importView(ctx, inspector);
  ctx.view = v;
  mount(center, v.el);
  if (v.start) await v.start();
  if (ctx.panels.sources) ctx.panels.sources.highlight(view === 'source' ? r.arg : null);
  if (ctx.panels.codes) ctx.panels.codes.highlight(view === 'compare' || view === 'audit' ? r.arg : null);
}

function renderTabs(active) {
  const pid = ctx.project.id;
  const last = localStorage.getItem('axial.last.' + pid);
  mount(
    document.getElementById('tabs'),
    TABS.map(([id, label]) => {
      let href = '#/p/' + pid + '/' + id;
      if (id === 'source') href = last ? '#/p/' + pid + '/source/' + last : '#/p/' + pid;
      if (id === 'compare') href = ctx.route && ctx.route.view === 'compare' ? location.hash : '#/p/' + pid + '/compare/' + ((ctx.codes.find((c) => c.codings > 0) || ctx.codes[0] || {}).id || '');
      return h('a.tab' + (id === active ? '.active' : ''), { href, dataset: { tab: id } }, label);
    }),
  );
}

async function openProject(id) {
  ctx.project = await api.get('/projects/' + id);
  ctx.recent = JSON.parse(localStorage.getItem('axial.recent.' + id) || '[]');
  document.title = ctx.project.name + ' — Axial';
  mount(document.getElementById('crumbs'), h('a', { href: '#/' }, 'Projects'), h('span.sep', '/'), h('span.current', ctx.project.name));
  await ctx.loadCodes();
  const left = h('aside.pane.left');
  const center = h('section.pane.center#center');
  const inspector = h('aside.pane.right#inspector');
  ctx.panels.sources = sourcesPanel(ctx);
  ctx.panels.codes = codesPanel(ctx);
  left.append(ctx.panels.sources.el, ctx.panels.codes.el);
  const app = document.getElementById('app');
  app.className = 'app workspace';
  mount(app, left, center, inspector);
  workspaceEls = { left, center, inspector };
  await Promise.all([ctx.panels.sources.refresh(), ctx.panels.codes.render()]);
  updateUndo();
  await projectRole(ctx);
  followProject(ctx);
}

function inField(e) {
  const t = e.target;
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === 'z' || e.key === 'Z' || e.key === 'y')) {
    if (inField(e) || document.querySelector('.overlay')) return;
    e.preventDefault();
    if (e.key === 'y' || e.shiftKey) ctx.redo();
    else ctx.undo();
    return;
  }
  if (inField(e) || document.querySelector('.overlay')) return;
  if (ctx.view && ctx.view.onKey) ctx.view.onKey(e);
});

async function start() {
  document.getElementById('undo').addEventListener('click', () => ctx.undo());
  document.getElementById('redo').addEventListener('click', () => ctx.redo());
  document.getElementById('members').addEventListener('click', () => membersDialog(ctx));
  document.getElementById('pseudonymise-open').addEventListener('click', () => ctx.route && ctx.go('#/p/' + ctx.project.id + '/pseudonymise/' + ctx.route.arg));
  document.getElementById('blind-mode').addEventListener('click', () => toggleBlind());
  document.getElementById('blind-show-all').addEventListener('click', () => toggleBlind());
  window.addEventListener('axial:blind', () => {
    showBlind();
    // The live feed follows the switch too.
    if (ctx.project) followProject(ctx);
  });
  try {
    ctx.session = await api.session();
    if (ctx.session.accounts && !ctx.session.user) ctx.session = await signIn();
    accountMenu(ctx.session);
  } catch (e) {
    mount(document.getElementById('app'), h('div.empty', h('h2', 'Axial cannot start'), h('p', e.message)));
    return;
  }
  window.addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = 'true';
}

start();
