// Browser tests of the audit trail view on the demo study: the table of
// changes with its filters and CSV download, and a code's genealogy drawn
// as an SVG timeline with a merged code as a branch. Screenshots go to
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

/** The demo's codes, flat. */
async function codes() {
  const flat = [];
  const walk = (ns) => ns.forEach((n) => (flat.push(n), walk(n.children)));
  walk(await api('GET', '/projects/' + demo.id + '/codes'));
  return flat;
}

test('the audit trail lists changes, filters them and links the CSV of what is shown', async (t) => {
  const target = (await codes()).find((c) => c.codable && c.codings > 0);
  await api('PATCH', '/projects/' + demo.id + '/codes/' + target.id, { description: 'checked in the audit test' });
  const p = await page(t);
  await p.goto(url + '/#/p/' + demo.id + '/audit');
  await p.waitForSelector('body[data-ready]');
  await p.waitForSelector('#audit-table tbody tr');
  assert.equal(await p.locator('.tab.active').innerText(), 'Audit trail');
  const first = p.locator('#audit-table tbody tr').first();
  assert.match(await first.innerText(), /code\.update/);
  await first.locator('details summary').click();
  assert.match(await first.locator('details').innerText(), /description: .+ → checked in the audit test/);

  await p.selectOption('#audit-action', 'code.merge');
  await p.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#audit-table tbody tr')];
    return rows.length === 0 || rows.every((r) => r.textContent.includes('code.merge'));
  });
  await p.selectOption('#audit-action', '');
  await p.selectOption('#audit-entity', 'code');
  await p.waitForFunction(() => document.querySelector('#audit-csv').getAttribute('href').includes('entity=code'));
  const href = await p.locator('#audit-csv').getAttribute('href');
  const csv = await (await fetch(url + href)).text();
  assert.ok(csv.startsWith('seq,at,author,author_name,action,summary'), csv.slice(0, 80));
  assert.ok(csv.includes('checked in the audit test'));
  await p.screenshot({ path: join(SHOTS, 'audit-01-trail.png') });
});

test('a code genealogy shows its steps as a timeline with a merged code as a branch', async (t) => {
  const all = await codes();
  const [a, b] = all.filter((c) => c.codable && c.codings > 0 && c.children.length === 0).slice(-2);
  await api('PATCH', '/projects/' + demo.id + '/codes/' + a.id, { name: a.name + ' (revised)' });
  await api('POST', '/projects/' + demo.id + '/codes/' + b.id + '/merge', { into: a.id });
  const p = await page(t);
  await p.goto(url + '/#/p/' + demo.id + '/audit/' + a.id);
  await p.waitForSelector('body[data-ready]');
  await p.waitForSelector('#genealogy svg.genealogy');
  const steps = await p.$$eval('#genealogy .genealogy-step', (gs) => gs.map((g) => g.dataset.step));
  // The merged code's own creation is drawn (nested) before the merge.
  assert.ok(steps.includes('renamed') && steps.includes('merged'), steps.join(' '));
  assert.ok(steps.indexOf('created') < steps.indexOf('merged'), steps.join(' '));
  assert.ok((await p.locator('#genealogy svg path').count()) >= 1, 'the merge branch joins the main line');
  const story = await p.$eval('#genealogy', (el) => el.textContent);
  assert.ok(story.includes("merged '" + b.name + "' into this code"), story);
  assert.equal(await p.locator('#genealogy-code').inputValue(), a.id);
  await p.screenshot({ path: join(SHOTS, 'audit-02-genealogy.png') });
});
