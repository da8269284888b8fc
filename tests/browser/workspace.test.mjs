// Browser tests of the Axial workspace: Debian's headless Chromium driven by
// playwright-core against a test server (demo study on a temporary SQLite
// database). Run through ./run.sh, which builds the server first.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const SHOTS = join(ROOT, 'artifacts', 'screenshots');
const SERVER = process.env.AXIAL_TEST_SERVER || join(ROOT, 'target', 'debug', 'examples', 'test_server');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const HOSTILE = '<img src=x onerror="window.__xss=1">';

let server;
let url;
let browser;
let csrf;
let demo;

// ---------- setup ----------

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = spawn(SERVER, ['--big'], { stdio: ['pipe', 'pipe', 'inherit'] });
  url = await new Promise((ok, fail) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /AXIAL_URL=(\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    server.on('exit', (code) => fail(new Error('test server exited with ' + code)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    // playwright gives each launch its own temporary user-data-dir.
  });
  csrf = (await api('GET', '/session')).csrf_token;
  demo = (await api('GET', '/projects')).find((p) => p.name !== 'Long transcript');
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.stdin.end();
    server.kill();
  }
});

async function api(method, path, body) {
  const r = await fetch(url + '/api/v1' + path, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-Axial-CSRF': csrf || '' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await r.json();
  if (!r.ok) throw new Error(method + ' ' + path + ': ' + JSON.stringify(data));
  return data;
}

async function upload(projectId, name, text) {
  const form = new FormData();
  form.append('file', new Blob([text]), name);
  const r = await fetch(url + '/api/v1/projects/' + projectId + '/sources', { method: 'POST', headers: { 'X-Axial-CSRF': csrf }, body: form });
  const data = await r.json();
  assert.equal(data.files[0].status, 'imported', JSON.stringify(data));
  return data.files[0].source_id;
}

/** A page whose script errors, alerts and XSS flags fail the test. */
async function page(t) {
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const problems = [];
  p.on('pageerror', (e) => problems.push('page error: ' + e.message));
  p.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && problems.push('console: ' + m.text()));
  p.on('dialog', (d) => {
    problems.push('a dialog opened: ' + d.message());
    d.dismiss();
  });
  t.after(async () => {
    const xss = await p.evaluate(() => window.__xss).catch(() => undefined);
    await p.close();
    assert.equal(xss, undefined, 'hostile text ran as script');
    assert.deepEqual(problems, []);
  });
  return p;
}

async function open(p, hash) {
  await p.goto(url + '/' + hash);
  await p.waitForSelector('body[data-ready]');
}

async function openSource(p, projectId, sourceId) {
  await open(p, '#/p/' + projectId + '/source/' + sourceId);
  await p.waitForSelector('.line .txt');
}

/** Selects text in the reader from the first `from` to the end of the first `to` after it, as a mouse drag would, then releases the mouse. */
async function select(p, from, to) {
  await p.evaluate(([from, to]) => {
    const doc = document.querySelector('.doc');
    const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT, { acceptNode: (n) => (n.parentElement.closest('.txt') ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT) });
    const nodes = [];
    let all = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      nodes.push([n, all.length]);
      all += n.data;
    }
    const a = all.indexOf(from);
    const b = all.indexOf(to, a) + to.length;
    if (a < 0 || b < to.length) throw new Error('text not on screen: ' + from + ' … ' + to);
    const at = (pos) => {
      let best = nodes[0];
      for (const entry of nodes) if (entry[1] <= pos) best = entry;
      return [best[0], pos - best[1]];
    };
    const r = document.createRange();
    r.setStart(...at(a));
    r.setEnd(...at(b));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    doc.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
  }, [from, to]);
  await p.waitForSelector('.palette');
}

async function codingsOf(projectId, sourceId) {
  const l = await api('GET', '/projects/' + projectId + '/sources/' + sourceId + '/layout');
  const seen = new Map();
  for (const line of l.lines) for (const s of line.segments) seen.set(s.coding, s);
  return [...seen.values()];
}

async function codingTexts(projectId, sourceId) {
  const out = [];
  for (const s of await codingsOf(projectId, sourceId)) {
    const c = await api('GET', '/projects/' + projectId + '/codings/' + s.coding);
    out.push({ code: c.code_name, text: c.text });
  }
  return out;
}

async function freshProject(name, text) {
  const p = await api('POST', '/projects', { name: name + ' ' + Math.random().toString(36).slice(2, 8) });
  const s = text ? await upload(p.id, 'interview.txt', text) : null;
  return { project: p.id, source: s };
}

const INTERVIEW = [
  'Interviewer: How do targets shape your week?',
  '',
  'Participant: Honestly it is just ticking boxes. We chase the numbers and the patient in front of us waits.',
  '',
  'Interviewer: And the paperwork?',
  '',
  'Participant: The paperwork never ends, and I go home feeling I did not do it properly.',
  '',
].join('\n');

// ---------- tests ----------

test('projects page and upload with per-file results', async (t) => {
  const p = await page(t);
  await open(p, '#/');
  await p.waitForSelector('.project-card');
  await p.screenshot({ path: join(SHOTS, '01-projects.png') });
  await p.fill('#new-project-name', 'Upload study ' + Date.now());
  await p.click('.create-project button[type=submit]');
  await p.waitForSelector('.dropzone');
  await p.setInputFiles('#import-files', [
    { name: 'first.txt', mimeType: 'text/plain', buffer: Buffer.from('Interviewer: Hello\nAnna: Hi, I work nights.\n') },
    { name: 'second.txt', mimeType: 'text/plain', buffer: Buffer.from('Interviewer: Hello again\nBen: I run the clinic.\n') },
    { name: 'broken.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a docx') },
  ]);
  await p.waitForFunction(() => document.querySelectorAll('.upload-results li.imported, .upload-results li.error').length === 3);
  assert.equal(await p.locator('.upload-results li.imported').count(), 2);
  assert.equal(await p.locator('.upload-results li.error').count(), 1);
  await p.waitForFunction(() => document.querySelectorAll('.source-list li a').length === 2);
  await p.screenshot({ path: join(SHOTS, '02-import.png') });
});

test('code a selection, in-vivo code, overlapping codes, undo and redo', async (t) => {
  const { project, source } = await freshProject('Coding', INTERVIEW);
  await api('POST', '/projects/' + project + '/codes', { name: 'Targets and box-ticking', color: '#d25e66' });
  await api('POST', '/projects/' + project + '/codes', { name: 'Patient waits', color: '#356fb1' });
  const p = await page(t);
  await openSource(p, project, source);

  // Select, type to filter, Enter applies.
  await select(p, 'just ticking boxes', 'the numbers');
  await p.keyboard.type('box-tick');
  await p.keyboard.press('Enter');
  await p.waitForSelector('.hl[title="Targets and box-ticking"]');

  // Overlapping: a second code over part of the same words.
  await select(p, 'the numbers', 'waits');
  await p.keyboard.type('Patient waits');
  await p.keyboard.press('Enter');
  await p.waitForSelector('.hl.overlap');
  const overlapTitle = await p.locator('.hl.overlap').first().getAttribute('title');
  assert.match(overlapTitle, /Targets and box-ticking/);
  assert.match(overlapTitle, /Patient waits/);

  // In vivo: a code named after the participant's words.
  await select(p, 'never ends', 'ends');
  await p.click('#in-vivo');
  await p.waitForSelector('.code-row[data-name="never ends"]');
  await p.screenshot({ path: join(SHOTS, '03-reader-coded.png') });

  const texts = await codingTexts(project, source);
  assert.deepEqual(texts.map((x) => x.code + ': ' + x.text).sort(), [
    'Patient waits: the numbers and the patient in front of us waits',
    'Targets and box-ticking: just ticking boxes. We chase the numbers',
    'never ends: never ends',
  ]);

  // Undo removes the in-vivo coding; redo brings it back.
  await p.click('.doc');
  await p.keyboard.press('Control+z');
  await p.waitForFunction(() => !document.querySelector('.hl[title="never ends"]'));
  assert.equal((await codingsOf(project, source)).length, 2);
  await p.keyboard.press('Control+Shift+z');
  await p.waitForSelector('.hl[title="never ends"]');
  assert.equal((await codingsOf(project, source)).length, 3);

  // Digit keys apply recent codes: 1 is the most recent.
  await p.evaluate(() => window.getSelection().removeAllRanges());
  await select(p, 'did not do it properly', 'properly');
  await p.keyboard.press('Escape');
  await p.evaluate(() => {
    const r = document.createRange();
    const hit = [...document.querySelectorAll('.txt')].find((t) => t.textContent.includes('did not do it properly'));
    const node = [...hit.childNodes].find((n) => n.textContent.includes('did not do it properly'));
    const text = node.nodeType === 3 ? node : node.firstChild;
    const i = text.data.indexOf('did not do it properly');
    r.setStart(text, i);
    r.setEnd(text, i + 'did not do it properly'.length);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(r);
  });
  await p.keyboard.press('1');
  await p.waitForFunction(() => [...document.querySelectorAll('.hl')].some((h) => h.textContent.includes('did not do it properly')));

  // Clicking a highlight offers removal.
  await p.evaluate(() => window.getSelection().removeAllRanges());
  await p.locator('.hl[title="Patient waits"]').first().click();
  await p.waitForSelector('.popover');
  await p.screenshot({ path: join(SHOTS, '04-coding-popover.png') });
  await p.click('.popover [data-act=remove]');
  await p.waitForFunction(() => !document.querySelector('.hl[title*="Patient waits"]'));
});

test('merge codes with a preview', async (t) => {
  const { project, source } = await freshProject('Merge', INTERVIEW);
  const a = await api('POST', '/projects/' + project + '/codes', { name: 'Paperwork' });
  const b = await api('POST', '/projects/' + project + '/codes', { name: 'Admin burden' });
  const l = await api('GET', '/projects/' + project + '/sources/' + source + '/layout');
  const start = INTERVIEW.indexOf('The paperwork');
  await api('POST', '/projects/' + project + '/codings', { source, code: b.id, start_utf16: start, end_utf16: start + 13 });
  await api('POST', '/projects/' + project + '/codings', { source, code: a.id, start_utf16: 0, end_utf16: 11 });
  assert.ok(l.line_count > 0);
  const p = await page(t);
  await openSource(p, project, source);
  await p.hover('.code-row[data-name="Admin burden"]');
  await p.click('.code-row[data-name="Admin burden"] .menu-btn');
  await p.click('.menu-item:has-text("Merge into")');
  await p.selectOption('.dialog select[name=into]', a.id);
  await p.click('.dialog button[type=submit]');
  await p.waitForSelector('.dialog .preview');
  const preview = await p.textContent('.dialog .preview');
  assert.match(preview, /1 coding move/);
  await p.screenshot({ path: join(SHOTS, '05-merge-preview.png') });
  await p.click('.dialog button[type=submit]');
  await p.waitForFunction(() => !document.querySelector('.code-row[data-name="Admin burden"]'));
  let tree = await api('GET', '/projects/' + project + '/codes');
  assert.deepEqual(tree.map((c) => [c.name, c.codings]), [['Paperwork', 2]]);

  // Drag a code onto another to move it inside.
  await api('POST', '/projects/' + project + '/codes', { name: 'Bureaucracy', codable: false });
  await p.reload();
  await p.waitForSelector('.code-row[data-name="Bureaucracy"]');
  await p.dragAndDrop('.code-row[data-name="Paperwork"]', '.code-row[data-name="Bureaucracy"]');
  await p.waitForSelector('.code-tree li ul .code-row[data-name="Paperwork"]');
  tree = await api('GET', '/projects/' + project + '/codes');
  assert.deepEqual(tree.map((c) => [c.name, c.children.map((x) => x.name)]), [['Bureaucracy', ['Paperwork']]]);
});

test('constant comparison grouped by staff group, and jumping to a segment', async (t) => {
  const tree = await api('GET', '/projects/' + demo.id + '/codes');
  const codes = tree.flatMap((n) => [n, ...n.children]);
  const code = codes.filter((c) => c.codable).sort((x, y) => y.codings - x.codings)[0];
  const p = await page(t);
  await open(p, '#/p/' + demo.id + '/compare/' + code.id);
  await p.waitForSelector('.group');
  await p.selectOption('#group-by', 'staff group');
  await p.waitForFunction(() => document.querySelectorAll('.group').length > 1);
  const groups = await p.$$eval('.group', (gs) => gs.map((g) => g.dataset.value));
  const staff = ['front line clinician', 'non-clinical front line staff', 'clinical manager', 'senior manager', 'non-clinical front line manager'];
  assert.ok(groups.filter((g) => staff.includes(g)).length >= 2, 'groups: ' + groups.join(', '));
  assert.ok(await p.locator('.inspector-section:has-text("Definition")').count());
  await p.screenshot({ path: join(SHOTS, '06-compare.png') });
  const seg = p.locator('.segment').first();
  const line = await seg.getAttribute('data-line');
  await seg.click();
  await p.waitForSelector('.line[data-n="' + line + '"]');
  assert.ok(await p.locator('.line.flash').count());
});

test('search across documents and code the selected hits', async (t) => {
  const { project } = await freshProject('Search', INTERVIEW);
  await upload(project, 'second.txt', 'Interviewer: Tell me about paperwork.\nParticipant: Paperwork eats my evenings.\n');
  const code = await api('POST', '/projects/' + project + '/codes', { name: 'Paperwork burden' });
  const p = await page(t);
  await open(p, '#/p/' + project + '/search');
  await p.fill('#search-q', 'paperwork');
  await p.check('#search-icase');
  await p.click('.search-form button[type=submit]');
  await p.waitForSelector('.hit');
  assert.equal(await p.locator('.hit').count(), 4);
  await p.check('#search-all');
  await p.selectOption('#search-code', code.id);
  await p.click('#code-hits');
  await p.waitForFunction(() => /4 hits coded/.test(document.getElementById('toast').textContent));
  await p.screenshot({ path: join(SHOTS, '07-search.png') });
  const tree = await api('GET', '/projects/' + project + '/codes');
  assert.equal(tree.find((c) => c.id === code.id).codings, 4);
});

test('memos: write markdown, filter by type', async (t) => {
  const { project } = await freshProject('Memo', INTERVIEW);
  const p = await page(t);
  await open(p, '#/p/' + project + '/memos');
  await p.click('#new-memo');
  await p.fill('#memo-title', 'Emerging: time as currency');
  await p.selectOption('#memo-kind', 'theoretical');
  await p.fill('#memo-body', '# Idea\nStaff speak of **time** as something *spent*.\n- chasing numbers\n- waiting patients');
  await p.waitForSelector('.memo-preview strong');
  await p.click('#save-memo');
  await p.waitForSelector('.memo-list li strong:has-text("Emerging: time as currency")');
  await p.screenshot({ path: join(SHOTS, '08-memo.png') });
  await p.selectOption('#memo-kind-filter', 'method');
  await p.waitForSelector('.memo-list li.none');
  await p.selectOption('#memo-kind-filter', 'theoretical');
  await p.waitForSelector('.memo-list li strong:has-text("Emerging")');
  const memos = await api('GET', '/projects/' + project + '/memos?kind=theoretical');
  assert.equal(memos[0].body.includes('**time**'), true);
});

test('hostile text in a document, a code name and a memo stays text', async (t) => {
  const text = 'Interviewer: ' + HOSTILE + ' what happened?\nParticipant: <script>window.__xss=2</script> nothing <b>bold</b>\n';
  const { project, source } = await freshProject('XSS', text);
  const code = await api('POST', '/projects/' + project + '/codes', { name: HOSTILE });
  await api('POST', '/projects/' + project + '/codings', { source, code: code.id, start_utf16: 13, end_utf16: 13 + HOSTILE.length });
  await api('POST', '/projects/' + project + '/memos', { title: HOSTILE, body: '**x** ' + HOSTILE + ' [link](javascript:window.__xss=3)', kind: 'code', links: [{ type: 'code', id: code.id }, { type: 'source', id: source }] });
  const p = await page(t);
  await openSource(p, project, source);
  assert.ok((await p.textContent('.doc')).includes(HOSTILE));
  assert.equal(await p.locator('.doc img, .doc script, .doc b, #inspector img').count(), 0);
  assert.ok((await p.textContent('.code-tree')).includes(HOSTILE));
  await open(p, '#/p/' + project + '/compare/' + code.id);
  await p.waitForSelector('.segment');
  assert.equal(await p.locator('img:not([src^="/assets"]), a[href^="javascript"]').count(), 0);
  await open(p, '#/p/' + project + '/memos');
  await p.click('.memo-list li');
  await p.waitForSelector('.memo-preview strong');
  assert.equal(await p.locator('.memo-preview img, a[href^="javascript"]').count(), 0);
  await p.screenshot({ path: join(SHOTS, '09-xss.png') });
});

test('non-ASCII offsets survive the round trip from browser selection to storage', async (t) => {
  const text = 'Zoë: I felt 😀 then e\u0301tonné\r\nשלום: the ward — مرحبا بالعالم — was 👩\u200d⚕️ busy\r\nend\r\n';
  const stored = text.replace(/\r\n/g, '\n');
  const { project, source } = await freshProject('Offsets', text);
  const p = await page(t);
  await openSource(p, project, source);
  const cases = [['😀', 'مرحبا'], ['e\u0301', 'é'], ['שלום', 'busy'], ['👩', '⚕️']];
  for (const [i, [from, to]] of cases.entries()) {
    await select(p, from, to);
    await p.keyboard.type('round trip ' + i);
    await p.keyboard.press('Enter');
    await p.waitForSelector('.code-row[data-name="round trip ' + i + '"]');
  }
  const got = await codingTexts(project, source);
  for (const [i, [from, to]] of cases.entries()) {
    const a = stored.indexOf(from);
    const want = stored.slice(a, stored.indexOf(to, a) + to.length);
    assert.equal(got.find((x) => x.code === 'round trip ' + i).text, want, from + '…' + to);
  }
  await p.screenshot({ path: join(SHOTS, '10-unicode.png') });
});

test('line-by-line coding with the keyboard, and the history panel', async (t) => {
  const { project, source } = await freshProject('Lines', INTERVIEW);
  await api('POST', '/projects/' + project + '/codes', { name: 'Question' });
  const p = await page(t);
  await openSource(p, project, source);
  await p.click('#line-mode');
  await p.keyboard.press('Enter');
  await p.waitForSelector('.palette');
  await p.keyboard.type('Question');
  await p.keyboard.press('Enter');
  await p.waitForSelector('.line[data-n="1"] .hl');
  for (let i = 0; i < 4; i++) await p.keyboard.press('ArrowDown');
  await p.keyboard.press('1');
  await p.waitForSelector('.line[data-n="5"] .hl');
  const texts = await codingTexts(project, source);
  assert.deepEqual(texts.map((x) => x.text), ['Interviewer: How do targets shape your week?', 'Interviewer: And the paperwork?']);
  await open(p, '#/p/' + project + '/history');
  await p.waitForSelector('.history li');
  assert.match(await p.textContent('.history'), /coded/);
  await p.screenshot({ path: join(SHOTS, '11-history.png') });
});

test('the demo study reads like a real workspace', async (t) => {
  const sources = await api('GET', '/projects/' + demo.id + '/sources');
  const p = await page(t);
  await openSource(p, demo.id, sources[0].id);
  await p.waitForSelector('.stripe-label');
  await p.screenshot({ path: join(SHOTS, '00-workspace.png') });
  await p.click('#next-source');
  await p.waitForFunction((id) => location.hash.includes('/source/') && !location.hash.includes(id), sources[0].id);
  await p.reload();
  await p.waitForSelector('body[data-ready]');
  await open(p, '#/p/' + demo.id);
  await p.waitForSelector('.line');
  const hash = await p.evaluate(() => location.hash);
  assert.ok(hash.includes('/source/' + sources[1].id), 'reopening the project returns to the last document: ' + hash);
});

test('a 300,000-character transcript opens fast and renders incrementally', async (t) => {
  const big = (await api('GET', '/projects')).find((p) => p.name === 'Long transcript');
  const [source] = await api('GET', '/projects/' + big.id + '/sources');
  assert.ok(source.char_len >= 300000 && source.codings >= 2000, JSON.stringify(source));
  const p = await page(t);
  const started = Date.now();
  await openSource(p, big.id, source.id);
  const opened = Date.now() - started;
  const total = await p.locator('.block').count();
  const rendered = await p.locator('.line').count();
  const meta = await api('GET', '/projects/' + big.id + '/sources/' + source.id + '/layout?from_line=1&to_line=1');
  assert.ok(total >= 3, 'the text is split into blocks: ' + total);
  assert.ok(rendered < meta.line_count, 'only the first blocks are rendered at first: ' + rendered + ' of ' + meta.line_count);
  await p.screenshot({ path: join(SHOTS, '12-long-transcript.png') });
  // Scroll to the end: the last block loads on its own, lines stay in order.
  await p.evaluate(() => {
    const s = document.querySelector('.reader-scroll');
    s.scrollTop = s.scrollHeight;
  });
  const last = await p.evaluate(() => document.querySelectorAll('.block').length);
  await p.waitForFunction((n) => document.querySelector('.block[data-block="' + (n - 1) + '"] .line'), last);
  const numbers = await p.$$eval('.line', (ls) => ls.map((l) => +l.dataset.n));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
  assert.ok(opened < 5000, 'opened in ' + opened + ' ms');
});
