// Live updates: follows the project's server-sent events and, when someone
// else changes the project (another coder, another server process, the
// CLI), refreshes the shared data and the visible views without a reload.
// Own changes are skipped: the view that made them refreshed already.

import * as api from './api.js';
import { h } from './dom.js';

let source = null;
let timer = null;

/** Starts following the open project (stopping any earlier one). */
export function followProject(ctx) {
  stopFollowing();
  if (!window.EventSource || !ctx.project) return;
  // Through api.url, so that while coding blind the feed is blind too.
  source = new EventSource(api.url('/projects/' + ctx.project.id + '/events'));
  source.addEventListener('change', (e) => {
    let c;
    try {
      c = JSON.parse(e.data);
    } catch {
      return;
    }
    document.body.dataset.liveSeq = String(c.seq);
    if (ctx.session && c.author_name === ctx.session.user) return;
    note(c);
    schedule(ctx);
  });
  source.addEventListener('reload', () => schedule(ctx));
  source.addEventListener('open', () => {
    document.body.dataset.live = 'on';
  });
  source.addEventListener('error', () => {
    // The browser reconnects by itself; say so while it does.
    document.body.dataset.live = 'off';
  });
}

export function stopFollowing() {
  if (source) source.close();
  source = null;
  clearTimeout(timer);
  delete document.body.dataset.live;
}

/** Several changes in a burst refresh once. */
function schedule(ctx) {
  clearTimeout(timer);
  timer = setTimeout(() => ctx.refresh(), 200);
}

/** A short, unobtrusive line saying who changed what. */
function note(c) {
  let bar = document.getElementById('live-note');
  if (!bar) {
    bar = h('div#live-note.live-note', { role: 'status', 'aria-live': 'polite' });
    document.body.append(bar);
  }
  const who = c.author_name || 'someone';
  // Blind coding hides other coders' work, so their coding summaries are not shown.
  const what = document.body.dataset.blind === 'true' && c.kinds.includes('coding') ? 'coded' : c.summary;
  bar.textContent = who + ': ' + what;
  bar.classList.add('shown');
  clearTimeout(bar.hideTimer);
  bar.hideTimer = setTimeout(() => bar.classList.remove('shown'), 4000);
}
