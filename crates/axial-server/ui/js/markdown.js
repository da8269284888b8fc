// A small, safe markdown renderer for memos. It builds DOM nodes and sets
// only textContent, so nothing in a memo can become markup or script.
// Supported: # headings, paragraphs, - and 1. lists, > quotes, ``` code,
// **bold**, *italic*, `code`, and [links](https://…) (http and https only).

import { h } from './dom.js';

export function renderMarkdown(src) {
  const root = h('div.markdown');
  const lines = String(src || '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^```/.test(line)) {
      const code = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
      i++;
      root.append(h('pre', h('code', code.join('\n'))));
      continue;
    }
    const head = /^(#{1,4})\s+(.*)$/.exec(line);
    if (head) {
      root.append(inline(h('h' + Math.min(6, head[1].length + 2)), head[2]));
      i++;
      continue;
    }
    if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const list = h(ordered ? 'ol' : 'ul');
      while (i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i])) {
        list.append(inline(h('li'), lines[i].replace(/^\s*([-*]|\d+\.)\s+/, '')));
        i++;
      }
      root.append(list);
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quote = [];
      while (i < lines.length && /^>\s?/.test(lines[i])) quote.push(lines[i++].replace(/^>\s?/, ''));
      root.append(inline(h('blockquote'), quote.join(' ')));
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,4}\s|```|>|\s*([-*]|\d+\.)\s+)/.test(lines[i])) para.push(lines[i++]);
    root.append(inline(h('p'), para.join(' ')));
  }
  return root;
}

const TOKEN = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/;

function inline(el, text) {
  for (const part of text.split(TOKEN)) {
    if (!part) continue;
    if (/^\*\*[^*]+\*\*$/.test(part)) el.append(h('strong', part.slice(2, -2)));
    else if (/^\*[^*].*\*$/.test(part)) el.append(h('em', part.slice(1, -1)));
    else if (/^`[^`]+`$/.test(part)) el.append(h('code', part.slice(1, -1)));
    else if (/^\[[^\]]+\]\([^)\s]+\)$/.test(part)) {
      const m = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
      if (/^https?:\/\//i.test(m[2])) el.append(h('a', { href: m[2], target: '_blank', rel: 'noopener noreferrer' }, m[1]));
      else el.append(document.createTextNode(part));
    } else el.append(document.createTextNode(part));
  }
  return el;
}
