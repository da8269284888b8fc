// Browser tests of the Analysis area on the demo study: the matrix heatmap
// and the segments behind a cell, co-occurrence, a saved query, negative
// cases, the saturation chart and tables, agreement between the two demo
// coders, words/KWIC and the report links. Screenshots go to
// artifacts/screenshots/. Run through ./run.sh, which builds the server first.

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

let server;
let url;
let browser;
let csrf;
let demo;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = spawn(SERVER, [], { stdio: ['pipe', 'pipe', 'inherit'] });
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
  csrf = (await api('GET', '/session')).csrf_token;
  demo = (await api('GET', '/projects'))[0];
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

/** A page whose script errors and unexpected dialogs fail the test. */
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
    await p.close();
    assert.deepEqual(problems, []);
  });
  return p;
}

async function openAnalysis(p, sub) {
  await p.goto(url + '/#/p/' + demo.id + '/analysis/' + sub);
  await p.waitForSelector('body[data-ready]');
  await p.waitForSelector('.analysis[data-ready="' + sub + '"]');
}

test('the matrix heatmap opens the attributed segments behind a cell, and a segment opens its document', async (t) => {
  const p = await page(t);
  await openAnalysis(p, 'matrix');
  await p.waitForSelector('#matrix-table td.cell');
  assert.equal(await p.locator('.tab.active').innerText(), 'Analysis');
  assert.equal(await p.locator('#matrix-by').inputValue(), 'staff group');
  const rows = await p.locator('#matrix-table tbody th.rowhead').allInnerTexts();
  assert.ok(rows.includes('Efficiency pressure'), rows.join(', '));
  const heads = await p.locator('#matrix-table thead th').allInnerTexts();
  const col = heads.findIndex((x) => x.startsWith('front line clinician'));
  assert.ok(col > 0, heads.join(' | '));
  // Cells are shaded by their value: the largest is darker than an empty one.
  const shades = await p.$$eval('#matrix-table td.cell', (tds) => tds.map((td) => [Number(td.dataset.n), getComputedStyle(td).backgroundColor]));
  const busiest = shades.reduce((a, b) => (b[0] > a[0] ? b : a));
  assert.ok(busiest[0] > 0 && /rgba?\(47, 111, 184/.test(busiest[1]), JSON.stringify(busiest));

  const row = rows.indexOf('Efficiency pressure');
  const cell = p.locator('#matrix-table tbody tr').nth(row).locator('td.cell').nth(col - 1);
  const n = Number(await cell.getAttribute('data-n'));
  assert.ok(n > 0, 'efficiency pressure among front line clinicians has segments');
  await cell.click();
  await p.waitForSelector('.cell-segments .segment');
  const segs = p.locator('.cell-segments .segment');
  assert.equal(await segs.count(), n);
  const who = await segs.locator('.seg-meta strong').allInnerTexts();
  assert.ok(who.every((w) => w.includes('front line clinician')), who.join(' | '));
  await p.screenshot({ path: join(SHOTS, 'analysis-01-matrix.png') });

  const source = await segs.first().getAttribute('data-source');
  await segs.first().click();
  await p.waitForSelector('.line .txt');
  assert.ok(p.url().includes('/source/' + source), p.url());
});

test('percentages and co-occurrence render as heatmaps', async (t) => {
  const p = await page(t);
  await openAnalysis(p, 'matrix');
  await p.selectOption('#matrix-percent', 'row');
  await p.waitForFunction(() => [...document.querySelectorAll('#matrix-table td.cell')].some((td) => td.textContent.endsWith('%')));
  await openAnalysis(p, 'cooccurrence');
  await p.waitForSelector('#cooc-table td.cell');
  const diag = await p.locator('#cooc-table td.diag').count();
  assert.ok(diag > 5, 'a diagonal cell per code');
  await p.screenshot({ path: join(SHOTS, 'analysis-02-cooccurrence.png') });
});

test('the saturation chart renders with the Guest run table, Chao2 and Galvin', async (t) => {
  const p = await page(t);
  await openAnalysis(p, 'saturation');
  await p.waitForSelector('#saturation-chart img.chart');
  await p.waitForFunction(() => {
    const img = document.querySelector('#saturation-chart img.chart');
    return img.complete && img.naturalWidth > 200;
  });
  const src = await p.locator('#saturation-chart img.chart').getAttribute('src');
  assert.ok(src.startsWith('data:image/svg+xml'), src.slice(0, 40));
  assert.ok((await p.locator('#guest-table tbody tr').count()) > 0);
  assert.match(await p.locator('dl.figures').innerText(), /codes observed\s+\d+/);
  assert.ok((await p.locator('table.galvin tbody tr').count()) >= 3);
  // Changing a parameter re-runs the assessment with it.
  await p.fill('#sat-base', '6');
  await p.click('#sat-run-btn');
  await p.waitForFunction(() => /base 6/.test(document.querySelector('.analysis-body').textContent));
  await p.fill('#sat-base', '4');
  await p.click('#sat-run-btn');
  await p.waitForFunction(() => /base 4/.test(document.querySelector('.analysis-body').textContent));
  await p.screenshot({ path: join(SHOTS, 'analysis-03-saturation.png'), fullPage: false });
});

test('agreement between the demo coders shows the measures and the disagreements side by side', async (t) => {
  const p = await page(t);
  await openAnalysis(p, 'agreement');
  const coders = await p.$$eval('input[data-coder]', (els) => els.filter((e) => e.checked).map((e) => e.value));
  assert.deepEqual(coders.sort(), ['researcher', 'second coder']);
  await p.click('#agr-run');
  await p.waitForSelector('#agreement-codes tbody tr');
  const kappas = await p.$$eval('#agreement-codes tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent));
  assert.ok(kappas.some((k) => /^-?[01]\.\d{3}$/.test(k)), kappas.join(' '));
  const head = await p.locator('#disagreements .dis-head').innerText();
  assert.match(head, /researcher[\s\S]*second coder/);
  const row = p.locator('#disagreements .dis-row').first();
  assert.equal(await row.locator('.dis-cell.coded').count(), 1);
  assert.equal(await row.locator('.dis-cell.not').count(), 1);
  await p.screenshot({ path: join(SHOTS, 'analysis-04-agreement.png') });
});

test('a coding query runs with a restriction, is saved and re-run from the list', async (t) => {
  const p = await page(t);
  await openAnalysis(p, 'query');
  await p.fill('#query-text', '"Not enough time" NEAR 200 "Guilt when standards slip"');
  await p.selectOption('#q-var-0', 'staff group');
  await p.selectOption('#q-value-0', 'front line clinician');
  await p.click('#query-run');
  await p.waitForSelector('.result .segment');
  const who = await p.locator('.result .segment .seg-meta strong').allInnerTexts();
  assert.ok(who.length > 0 && who.every((w) => w.includes('front line clinician')), who.join(' | '));
  await p.click('#query-save');
  await p.fill('.dialog input[name=name]', 'Time and guilt (clinicians)');
  await p.click('.dialog button.primary');
  await p.waitForSelector('.saved-queries button.linkish');
  await p.fill('#query-text', '');
  await p.locator('.saved-queries button.linkish', { hasText: 'Time and guilt (clinicians)' }).click();
  await p.waitForFunction(() => document.querySelector('#query-text').value.includes('NEAR 200'));
  await p.waitForSelector('.result .segment');
  assert.equal(await p.locator('.result .segment').count(), who.length);
  await p.screenshot({ path: join(SHOTS, 'analysis-05-query.png') });
});

test('negative cases, words with keyword-in-context, and report links', async (t) => {
  const p = await page(t);
  await openAnalysis(p, 'negative');
  await p.waitForSelector('.neg-grid .card');
  await p.screenshot({ path: join(SHOTS, 'analysis-06-negative.png') });

  await openAnalysis(p, 'words');
  await p.waitForSelector('ol.word-bars li');
  await p.locator('ol.word-bars li').first().click();
  await p.waitForSelector('table.kwic tr');
  const kw = await p.locator('table.kwic td.kw').first().innerText();
  const word = await p.locator('ol.word-bars li .word').first().innerText();
  assert.equal(kw.toLowerCase(), word.toLowerCase());
  await p.screenshot({ path: join(SHOTS, 'analysis-07-words.png') });

  await openAnalysis(p, 'reports');
  const hrefs = await p.$$eval('.report-cards a.btn', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.some((h) => h.includes('reports/themes') && h.includes('format=docx')));
  const md = hrefs.find((h) => h.includes('reports/themes') && h.includes('format=md'));
  const r = await fetch(url + md);
  assert.equal(r.status, 200);
  assert.match(await r.text(), /\(Interviewee/);
  await p.screenshot({ path: join(SHOTS, 'analysis-08-reports.png') });
});
