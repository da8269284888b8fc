// The document reader: the server's coded layout painted as numbered lines,
// speaker turns shaded, codings as layered highlights with margin stripes
// labelled by code. Lines are fetched and rendered in blocks as they scroll
// into view, so long transcripts stay smooth. Selecting text opens the code
// palette; clicking a highlight opens what can be done with its codings.
// Blind coding is switched in the top bar (main.js); api.js then asks the
// server for the user's own codings only, here as in every other view.

import * as api from './api.js';
import { h, mount, clear, toast, showError, dialog, swatch, rgba, plural } from './dom.js';
import { openPalette, closePalette } from './palette.js';
import { renderMarkdown } from './markdown.js';
import { placeDialog } from './properties.js';

const BLOCK = 200;
const LINE_PX = 27;
const LANE_PX = 9;

// The blind coding switch lives in api.js; re-exported for older imports.
export { blindKey, isBlind, setBlind } from './api.js';

export function readerView(ctx, sourceId, jumpLine, inspector) {
  const pid = ctx.project.id;
  const base = '/projects/' + pid + '/sources/' + sourceId;
  let meta = null;
  let blocks = [];
  let lineMode = false;
  let cur = jumpLine || 1;
  let adjusting = null;
  let observer = null;
  const layoutQs = (from, to) => api.qs({ from_line: from, to_line: to });

  const doc = h('div.doc', { tabindex: -1 });
  const scroller = h('div.reader-scroll', doc);
  const title = h('h1.doc-title', '…');
  const lineBtn = h('button.btn.small#line-mode', { type: 'button', title: 'Code line by line: ↑/↓ move, Enter opens the palette, 1–9 apply recent codes (L)', onclick: () => setLineMode(!lineMode) }, 'Line by line');
  const prev = h('a.btn.small#prev-source', { title: 'Previous document' }, '‹ Prev');
  const next = h('a.btn.small#next-source', { title: 'Next document' }, 'Next ›');
  const banner = h('div.banner.hidden');
  const el = h('div.view.reader',
    h('header.view-head.reader-head', h('div.nav', prev, next), title, h('div.tools', lineBtn,
      h('button.btn.small', { type: 'button', title: 'Write a memo about this document', onclick: () => newMemo([{ type: 'source', id: sourceId }], 'document') }, 'Memo'))),
    banner, scroller);

  function setNav() {
    const list = ctx.sources.length ? ctx.sources : ctx.allSources;
    const i = list.findIndex((s) => s.id === sourceId);
    const link = (a, s) => {
      if (s) {
        a.href = '#/p/' + pid + '/source/' + s.id;
        a.classList.remove('disabled');
        a.title = s.name;
      } else {
        a.removeAttribute('href');
        a.classList.add('disabled');
      }
    };
    link(prev, i > 0 ? list[i - 1] : null);
    link(next, i >= 0 && i < list.length - 1 ? list[i + 1] : null);
  }

  async function start() {
    try {
      const first = await api.get(base + '/layout' + layoutQs(1, BLOCK));
      meta = first;
      title.textContent = first.name;
      setNav();
      buildBlocks(first);
      renderInspector();
      if (jumpLine) await goToLine(jumpLine, true);
    } catch (e) {
      showError(e);
      mount(doc, h('div.empty', h('h2', 'This document cannot be shown'), h('p', e.message)));
    }
  }

  function buildBlocks(first) {
    clear(doc);
    if (observer) observer.disconnect();
    observer = new IntersectionObserver((entries) => {
      for (const en of entries) if (en.isIntersecting) load(blocks[+en.target.dataset.block]);
    }, { root: scroller, rootMargin: '1200px 0px' });
    blocks = [];
    for (let from = 1, i = 0; from <= Math.max(1, first.line_count); from += BLOCK, i++) {
      const to = Math.min(first.line_count, from + BLOCK - 1);
      const bel = h('div.block', { dataset: { block: i, from, to } });
      bel.style.height = (to - from + 1) * LINE_PX + 'px';
      const b = { from, to, el: bel, loaded: false, loading: null };
      blocks.push(b);
      doc.append(bel);
      if (i === 0) fill(b, first);
      else observer.observe(bel);
    }
  }

  function load(b) {
    if (!b || b.loaded || b.loading) return b && b.loading;
    b.loading = api.get(base + '/layout' + layoutQs(b.from, b.to))
      .then((l) => {
        meta = { ...meta, lanes: l.lanes, codes: l.codes, line_count: l.line_count };
        fill(b, l);
      })
      .catch(showError)
      .finally(() => (b.loading = null));
    return b.loading;
  }

  function fill(b, layout) {
    b.loaded = true;
    b.el.style.height = '';
    mount(b.el, layout.lines.map((line) => renderLine(line, layout.lanes)));
    if (lineMode) markCurrent();
  }

  function renderLine(line, lanes) {
    const row = h('div.line', { dataset: { n: line.number } });
    if (line.turn !== null && line.turn !== undefined) row.classList.add(line.turn % 2 ? 'turn-odd' : 'turn-even');
    if (line.speaker) row.classList.add('turn-start');
    const txt = h('div.txt', { dataset: { u16: line.start_utf16, n: line.number } });
    paint(txt, line);
    const width = Math.max(1, lanes) * LANE_PX;
    const stripes = h('div.stripes');
    stripes.style.width = width + 'px';
    const labels = [];
    for (const s of line.segments) {
      const st = h('div.stripe' + (s.first ? '.first' : '') + (s.last ? '.last' : ''), { title: s.code_name, dataset: { coding: s.coding } });
      st.style.left = s.lane * LANE_PX + 'px';
      st.style.backgroundColor = s.color;
      stripes.append(st);
      if (s.first) labels.push(s);
    }
    const label = h('div.labels', labels.map((s) => h('span.stripe-label', { title: s.code_name, dataset: { coding: s.coding } }, h('span.dot', { style: { backgroundColor: s.color } }), s.code_name)));
    row.append(h('div.ln', String(line.number)), txt, h('div.margin', stripes, label));
    return row;
  }

  function paint(txt, line) {
    const t = line.text;
    const segs = line.segments.filter((s) => s.end_utf16 > s.start_utf16);
    const spk = line.speaker && t.startsWith(line.speaker) ? line.speaker.length + (t[line.speaker.length] === ':' ? 1 : 0) : 0;
    const bounds = new Set([0, t.length, spk]);
    for (const s of segs) {
      bounds.add(Math.min(s.start_utf16, t.length));
      bounds.add(Math.min(s.end_utf16, t.length));
    }
    const cuts = [...bounds].sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i];
      const b = cuts[i + 1];
      if (a >= b) continue;
      const piece = t.slice(a, b);
      const cover = segs.filter((s) => s.start_utf16 <= a && s.end_utf16 >= b);
      if (!cover.length && a >= spk) {
        txt.append(document.createTextNode(piece));
        continue;
      }
      const span = h('span', piece);
      if (a < spk) span.classList.add('speaker');
      if (cover.length) {
        span.classList.add('hl');
        if (cover.length > 1) span.classList.add('overlap');
        span.dataset.codings = cover.map((s) => s.coding).join(' ');
        span.title = cover.map((s) => s.code_name).join(' · ');
        span.style.backgroundImage = cover.map((s) => 'linear-gradient(' + rgba(s.color, 0.2) + ',' + rgba(s.color, 0.2) + ')').join(',');
        span.style.boxShadow = cover.map((s, k) => 'inset 0 -' + 2 * (k + 1) + 'px 0 ' + s.color).join(',');
      }
      txt.append(span);
    }
  }

  async function refresh() {
    const loaded = blocks.filter((b) => b.loaded);
    const results = await Promise.all(loaded.map((b) => api.get(base + '/layout' + layoutQs(b.from, b.to))));
    results.forEach((l, i) => {
      meta = { ...meta, lanes: l.lanes, codes: l.codes };
      fill(loaded[i], l);
    });
    setNav();
    renderInspector();
  }

  // ---- positions: DOM point → absolute UTF-16 offset in the source ----

  function lineStart(row) {
    return +row.querySelector('.txt').dataset.u16;
  }
  function lineEnd(row) {
    const t = row.querySelector('.txt');
    return +t.dataset.u16 + t.textContent.length;
  }

  function pointU16(node, offset) {
    const el = node.nodeType === 1 ? node : node.parentElement;
    if (!el || !doc.contains(el)) return null;
    const txt = el.closest('.txt');
    if (txt) {
      const r = document.createRange();
      r.setStart(txt, 0);
      r.setEnd(node, offset);
      return +txt.dataset.u16 + r.toString().length;
    }
    const row = el.closest('.line');
    if (row) {
      if (el.closest('.ln')) return lineStart(row);
      if (el.closest('.margin')) return lineEnd(row);
      const kids = [...row.children];
      return offset <= kids.indexOf(row.querySelector('.txt')) ? lineStart(row) : lineEnd(row);
    }
    const container = el.closest('.block') || el.closest('.doc');
    if (container) {
      const child = container.childNodes[offset];
      const rowAt = child && (child.classList.contains('line') ? child : child.querySelector && child.querySelector('.line'));
      if (rowAt) return lineStart(rowAt);
      const rows = container.querySelectorAll('.line');
      if (rows.length) return lineEnd(rows[rows.length - 1]);
    }
    return null;
  }

  /** The selection in the document as [start, end) UTF-16 offsets, or null. */
  function selection() {
    const sel = window.getSelection();
    if (!sel.rangeCount || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    if (!doc.contains(r.commonAncestorContainer)) return null;
    const a = pointU16(r.startContainer, r.startOffset);
    let b = pointU16(r.endContainer, r.endOffset);
    if (a === null || b === null) return null;
    // A selection ending at the start of a line (triple click) stops at the end of the line before.
    for (const row of doc.querySelectorAll('.line')) {
      if (lineStart(row) === b && b > a && row.previousElementSibling) {
        b = Math.max(a + 1, lineEnd(row.previousElementSibling));
        break;
      }
      if (lineStart(row) > b) break;
    }
    if (b <= a) return null;
    return { start_utf16: a, end_utf16: b, rect: r.getBoundingClientRect(), text: r.toString() };
  }

  // ---- coding ----

  async function apply(target, which) {
    try {
      const r = await api.post('/projects/' + pid + '/codings', { source: sourceId, ...target, ...which });
      window.getSelection().removeAllRanges();
      ctx.useCode(r.code_id);
      toast(r.codings.length ? 'Coded as “' + r.code_name + '”' : 'Already coded as “' + r.code_name + '”');
      await ctx.refresh();
    } catch (e) {
      showError(e);
    }
  }

  function paletteFor(target, rect) {
    openPalette(ctx, {
      x: rect.left,
      y: rect.bottom + 6,
      allowCreate: true,
      allowInVivo: !!target.start_utf16 || target.start_utf16 === 0,
      onPick: (code) => apply(target, { code: code.id }),
      onCreate: (name) => apply(target, { new_code: name }),
      onInVivo: () => apply(target, { in_vivo: true }),
    });
  }

  async function onSelect() {
    const sel = selection();
    if (!sel) return;
    if (adjusting) {
      const id = adjusting;
      setAdjusting(null);
      await ctx.act(() => api.patch('/projects/' + pid + '/codings/' + id, { start_utf16: sel.start_utf16, end_utf16: sel.end_utf16 }), 'Boundaries adjusted');
      window.getSelection().removeAllRanges();
      return;
    }
    paletteFor({ start_utf16: sel.start_utf16, end_utf16: sel.end_utf16 }, sel.rect);
  }

  function setAdjusting(id) {
    adjusting = id;
    banner.classList.toggle('hidden', !id);
    if (id) mount(banner, 'Select the new extent of the coding, or ', h('button.btn.small', { type: 'button', onclick: () => setAdjusting(null) }, 'cancel'), '.');
  }

  doc.addEventListener('mouseup', () => setTimeout(onSelect, 0));
  doc.addEventListener('keyup', (e) => {
    if (e.shiftKey && e.key.startsWith('Arrow')) onSelect();
  });
  doc.addEventListener('click', (e) => {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const hit = e.target.closest('.hl, .stripe, .stripe-label');
    if (!hit) return;
    const ids = (hit.dataset.codings || hit.dataset.coding || '').split(' ').filter(Boolean);
    if (ids.length) codingPopover(ids, e.clientX, e.clientY);
  });

  async function codingPopover(ids, x, y) {
    closePalette();
    document.querySelectorAll('.popover').forEach((p) => p.remove());
    let codings;
    try {
      codings = await Promise.all(ids.map((id) => api.get('/projects/' + pid + '/codings/' + id)));
    } catch (e) {
      return showError(e);
    }
    const pop = h('div.popover', { role: 'dialog', 'aria-label': 'Codings here' });
    const close = () => {
      pop.remove();
      document.removeEventListener('mousedown', onDown, true);
    };
    const onDown = (e) => {
      if (!pop.contains(e.target)) close();
    };
    pop.append(h('div.pop-title', plural(codings.length, 'coding') + ' here'));
    for (const c of codings) {
      pop.append(h('div.pop-coding', { dataset: { coding: c.id } },
        h('div.pop-code', swatch(c.color), h('strong', c.code_name), h('span.muted', c.last_line !== c.first_line ? ' lines ' + c.first_line + '–' + c.last_line : ' line ' + c.first_line)),
        h('blockquote.pop-text', c.text.length > 240 ? c.text.slice(0, 240) + '…' : c.text),
        c.memos.length ? h('ul.pop-memos', c.memos.map((m) => h('li', h('a', { href: '#/p/' + pid + '/memos/' + m.id }, '✎ ' + m.title)))) : null,
        h('div.pop-actions',
          h('button.btn.small.danger', { type: 'button', dataset: { act: 'remove' }, onclick: async () => {
            close();
            await ctx.act(() => api.del('/projects/' + pid + '/codings/' + c.id), 'Removed “' + c.code_name + '”');
          } }, 'Remove'),
          h('button.btn.small', { type: 'button', dataset: { act: 'recode' }, onclick: () => {
            close();
            openPalette(ctx, { x, y, title: 'Change the code of this coding', onPick: (code) => ctx.act(() => api.patch('/projects/' + pid + '/codings/' + c.id, { code: code.id }), 'Now coded as “' + code.name + '”').then(() => ctx.useCode(code.id)) });
          } }, 'Change code'),
          h('button.btn.small', { type: 'button', dataset: { act: 'adjust' }, onclick: () => {
            close();
            setAdjusting(c.id);
          } }, 'Adjust'),
          h('button.btn.small', { type: 'button', dataset: { act: 'place' }, title: 'Place this segment on a dimension of its category', onclick: () => {
            close();
            placeDialog(ctx, c.id);
          } }, 'Place'),
          h('button.btn.small', { type: 'button', dataset: { act: 'memo' }, onclick: () => {
            close();
            newMemo([{ type: 'coding', id: c.id }, { type: 'source', id: sourceId }, { type: 'code', id: c.code }], 'theoretical', 'On “' + c.text.slice(0, 40).trim() + '”');
          } }, 'Memo'))));
    }
    document.body.append(pop);
    pop.style.left = Math.max(8, Math.min(window.innerWidth - 380, x)) + 'px';
    pop.style.top = Math.max(8, Math.min(window.innerHeight - pop.offsetHeight - 8, y + 12)) + 'px';
    document.addEventListener('mousedown', onDown, true);
  }

  async function newMemo(links, kind, titleText) {
    const v = await dialog({
      title: 'New memo',
      wide: true,
      fields: [
        { name: 'title', label: 'Title', value: titleText || 'On ' + (meta ? meta.name : 'this document') },
        { name: 'kind', label: 'Type', type: 'select', value: kind, options: ['theoretical', 'code', 'method', 'document'].map((k) => ({ value: k, label: k })) },
        { name: 'body', label: 'Text (markdown)', type: 'textarea', rows: 8 },
      ],
      ok: 'Save memo',
    });
    if (!v) return;
    await ctx.act(() => api.post('/projects/' + pid + '/memos', { title: v.title, body: v.body, kind: v.kind, links }), 'Memo saved');
  }

  // ---- line by line ----

  function setLineMode(on) {
    lineMode = on;
    lineBtn.classList.toggle('active', on);
    el.classList.toggle('line-mode', on);
    if (on) {
      toast('Line by line: ↑/↓ move, Enter opens the palette, 1–9 apply recent codes, Esc stops');
      goToLine(cur, false);
    } else doc.querySelectorAll('.line.current').forEach((r) => r.classList.remove('current'));
  }

  function markCurrent() {
    doc.querySelectorAll('.line.current').forEach((r) => r.classList.remove('current'));
    const row = doc.querySelector('.line[data-n="' + cur + '"]');
    if (row) row.classList.add('current');
    return row;
  }

  async function goToLine(n, flash) {
    if (!meta) return;
    cur = Math.max(1, Math.min(meta.line_count, n));
    const b = blocks[Math.floor((cur - 1) / BLOCK)];
    if (b && !b.loaded) await load(b);
    const row = lineMode ? markCurrent() : doc.querySelector('.line[data-n="' + cur + '"]');
    if (row) {
      row.scrollIntoView({ block: flash ? 'center' : 'nearest' });
      if (flash) {
        row.classList.add('flash');
        setTimeout(() => row.classList.remove('flash'), 2000);
      }
    }
  }

  function onKey(e) {
    const digit = /^[1-9]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey;
    if (digit) {
      const code = ctx.codeById(ctx.recent[+e.key - 1]);
      if (!code) return toast('No recent code ' + e.key + ' yet: apply a code once and it gets a number');
      const sel = selection();
      if (sel) {
        e.preventDefault();
        return apply({ start_utf16: sel.start_utf16, end_utf16: sel.end_utf16 }, { code: code.id });
      }
      if (lineMode) {
        e.preventDefault();
        return apply({ first_line: cur }, { code: code.id });
      }
      return;
    }
    if ((e.key === 'l' || e.key === 'L') && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      return setLineMode(!lineMode);
    }
    if (!lineMode) return;
    if (e.key === 'ArrowDown' || e.key === 'j') {
      e.preventDefault();
      goToLine(cur + 1, false);
    } else if (e.key === 'ArrowUp' || e.key === 'k') {
      e.preventDefault();
      goToLine(cur - 1, false);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const row = markCurrent();
      if (row) paletteFor({ first_line: cur }, row.querySelector('.txt').getBoundingClientRect());
    } else if (e.key === 'Escape') setLineMode(false);
  }

  // ---- inspector ----

  async function renderInspector() {
    const s = ctx.sourceById(sourceId);
    const blind = api.isBlind(pid);
    el.classList.toggle('blind', blind);
    let memos = [];
    try {
      memos = await api.get('/projects/' + pid + '/memos' + api.qs({ link_type: 'source', link_id: sourceId }));
    } catch (e) {
      showError(e);
    }
    mount(inspector,
      h('div.inspector-section',
        h('h3', 'Document'),
        h('p.strong', s ? s.name : meta ? meta.name : ''),
        s && s.case ? h('p', h('span.muted', 'Case '), s.case) : null,
        s ? h('dl.attrs', Object.entries(s.attributes).map(([k, v]) => [h('dt', k), h('dd', v)])) : null,
        s && s.sets.length ? h('p.muted', 'Sets: ' + s.sets.join(', ')) : null,
        meta ? h('p.muted', plural(meta.line_count, 'line') + ' · ' + meta.char_len.toLocaleString() + ' characters' + (s && !blind ? ' · ' + Math.round(s.coverage * 100) + '% coded' : '')) : null),
      h('div.inspector-section',
        h('h3', blind ? 'Your codes in this document' : 'Codes in this document'),
        blind ? h('p.muted.blind-note', 'Blind coding: other coders’ codings are hidden until the comparison is run.') : null,
        meta && meta.codes.length
          ? h('ul.legend', meta.codes.map((c) => h('li', h('a', { href: '#/p/' + pid + '/compare/' + c.id }, swatch(c.color), h('span.name', c.name), h('span.n', String(c.codings))))))
          : h('p.muted', 'Nothing coded yet. Select text to open the code palette.')),
      h('div.inspector-section',
        h('h3', 'Memos on this document'),
        memos.length ? h('ul.memo-mini', memos.map((m) => h('li', h('a', { href: '#/p/' + pid + '/memos/' + m.id }, m.title), renderMarkdown(m.body.slice(0, 300))))) : h('p.muted', 'None yet.')),
      h('div.inspector-section.keys', h('h3', 'Keys'),
        h('p.muted', 'Select text → palette · 1–9 recent codes · L line by line · Ctrl+Z undo · Ctrl+Shift+Z redo')));
  }

  return {
    el,
    start,
    refresh,
    onKey,
    destroy() {
      if (observer) observer.disconnect();
      closePalette();
      document.querySelectorAll('.popover').forEach((p) => p.remove());
    },
  };
}
