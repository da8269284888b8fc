// Browser test of blind coding: the demo study served to the "second coder"
// (a test server whose login user is that coder). Turning blind coding on in
// the top bar hides the first coder's highlights in the reader, lowers the
// code counts and keeps the second coder's own codings visible; the
// comparison view shows only their segments; turning it off brings all back.
// Run through ./run.sh, which builds the server first.

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
const CODER = 'second coder';

let server;
let url;
let browser;
let demo;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = spawn(SERVER, [], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, USER: CODER } });
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
  });
  demo = (await api('/projects'))[0];
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.stdin.end();
    server.kill();
  }
});

async function api(path) {
  const r = await fetch(url + '/api/v1' + path);
  const data = await r.json();
  if (!r.ok) throw new Error('GET ' + path + ': ' + JSON.stringify(data));
  return data;
}

async function page(t) {
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const problems = [];
  p.on('pageerror', (e) => problems.push('page error: ' + e.message));
  p.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && problems.push('console: ' + m.text()));
  t.after(async () => {
    await p.close();
    assert.deepEqual(problems, []);
  });
  return p;
}

/** Coding ids laid out in a source's first 200 lines (the reader's first block), blind or not. */
async function laidOut(source, blind) {
  const l = await api('/projects/' + demo.id + '/sources/' + source + '/layout?from_line=1&to_line=200' + (blind ? '&blind=true' : ''));
  const ids = new Set();
  for (const line of l.lines) for (const s of line.segments) ids.add(s.coding);
  return ids;
}

/** Coding ids highlighted in the reader's first block of lines. */
function shownIds(p) {
  return p.evaluate(() => {
    const ids = new Set();
    for (const el of document.querySelectorAll('.doc .block:first-child [data-codings]')) for (const id of el.dataset.codings.split(' ')) if (id) ids.add(id);
    return [...ids].sort();
  });
}

/** The sum of the coding counts in the code tree. */
function treeTotal(p) {
  return p.evaluate(() => [...document.querySelectorAll('.code-row .counts')].reduce((n, el) => n + parseInt(el.firstChild.textContent, 10), 0));
}

test('blind coding hides the other coder everywhere and keeps your own', async (t) => {
  // A source both coders coded, within its first block of lines.
  const sources = await api('/projects/' + demo.id + '/sources');
  let source = null;
  let all;
  let own;
  for (const s of sources) {
    all = await laidOut(s.id, false);
    own = await laidOut(s.id, true);
    if (own.size > 0 && own.size < all.size) {
      source = s.id;
      break;
    }
  }
  assert.ok(source, 'the demo has a source coded by both coders');
  const others = [...all].filter((id) => !own.has(id));

  const p = await page(t);
  await p.goto(url + '/#/p/' + demo.id + '/source/' + source);
  await p.waitForSelector('body[data-ready]');
  await p.waitForSelector('.line .txt');
  await p.waitForSelector('.code-row');
  assert.equal(await p.locator('#blind-banner').isVisible(), false);
  const openIds = await shownIds(p);
  assert.ok(others.some((id) => openIds.includes(id)), 'the other coder’s highlights show before');
  const openTotal = await treeTotal(p);

  await p.click('#blind-mode');
  await p.waitForSelector('#blind-banner', { state: 'visible' });
  assert.equal(await p.getAttribute('#blind-mode', 'aria-pressed'), 'true');
  await p.waitForFunction((others) => {
    const shown = new Set();
    for (const el of document.querySelectorAll('.doc .block:first-child [data-codings]')) for (const id of el.dataset.codings.split(' ')) shown.add(id);
    return shown.size > 0 && !others.some((id) => shown.has(id));
  }, others);
  const blindIds = await shownIds(p);
  assert.ok(blindIds.every((id) => own.has(id)), 'only the second coder’s codings are highlighted');
  assert.ok(blindIds.length > 0, 'the second coder’s own codings stay visible');
  await p.waitForFunction((before) => {
    const n = [...document.querySelectorAll('.code-row .counts')].reduce((a, el) => a + parseInt(el.firstChild.textContent, 10), 0);
    return n < before;
  }, openTotal);
  const blindTotal = await treeTotal(p);
  assert.ok(blindTotal > 0 && blindTotal < openTotal, 'code counts are the coder’s own: ' + blindTotal + ' < ' + openTotal);
  await p.screenshot({ path: join(SHOTS, 'blind-reader.png') });

  // Other views are blind too: the comparison lists only this coder’s segments.
  const code = (await api('/projects/' + demo.id + '/codes?blind=true')).flatMap(function flat(n) {
    return [n, ...n.children.flatMap(flat)];
  }).find((c) => c.codings > 0 && c.codable);
  await p.goto(url + '/#/p/' + demo.id + '/compare/' + code.id);
  await p.waitForSelector('article.segment');
  const coders = await p.$$eval('article.segment .seg-meta .muted', (els) => els.map((e) => e.textContent));
  assert.ok(coders.length > 0 && coders.every((c) => c.endsWith(' · ' + 'second coder')), coders.join('\n'));
  assert.ok(await p.locator('#blind-banner').isVisible(), 'the banner stays on in every view');

  // The banner turns it off: every coder’s codings come back.
  await p.goto(url + '/#/p/' + demo.id + '/source/' + source);
  await p.waitForSelector('.line .txt');
  await p.click('#blind-show-all');
  await p.waitForSelector('#blind-banner', { state: 'hidden' });
  await p.waitForFunction((others) => {
    const shown = new Set();
    for (const el of document.querySelectorAll('.doc .block:first-child [data-codings]')) for (const id of el.dataset.codings.split(' ')) shown.add(id);
    return others.some((id) => shown.has(id));
  }, others);
  assert.equal(await treeTotal(p), openTotal);
});

test('running the agreement comparison ends blind coding', async (t) => {
  const p = await page(t);
  await p.goto(url + '/#/p/' + demo.id + '/analysis/agreement');
  await p.waitForSelector('body[data-ready]');
  await p.click('#blind-mode');
  await p.waitForSelector('#blind-banner', { state: 'visible' });
  // Both coders can be chosen although the other one's codings are hidden.
  await p.goto(url + '/#/p/' + demo.id + '/analysis/agreement');
  await p.waitForSelector('input[data-coder="researcher"]');
  assert.equal(await p.locator('input[data-coder="' + CODER + '"]').count(), 1);
  await p.click('#agr-run');
  await p.waitForSelector('#agreement-codes tbody tr');
  await p.waitForSelector('#blind-off');
  await p.waitForSelector('#blind-banner', { state: 'hidden' });
  assert.equal(await p.getAttribute('#blind-mode', 'aria-pressed'), 'false');
  assert.equal(await p.evaluate((id) => localStorage.getItem('axial.blind.' + id), demo.id), null);
});
