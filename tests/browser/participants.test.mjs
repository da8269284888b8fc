// Browser tests of the Participants area on the demo study: the register,
// the sampling chart of actual against target, a quote made from a coded
// segment and its member-check status, and a withdrawal after its preview.
// Screenshots go to artifacts/screenshots/. Run through ./run.sh.

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

/** A page whose script errors and unexpected browser dialogs fail the test. */
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

async function openParticipants(p) {
  await p.goto(url + '/#/p/' + demo.id + '/participants');
  await p.waitForSelector('body[data-ready]');
  await p.waitForSelector('.participants-view[data-ready]');
}

/** Waits until the view has loaded again after a change. */
async function reloaded(p, before) {
  await p.waitForFunction((b) => document.querySelector('.participants-view').dataset.ready !== b, before);
}

test('the register, the sampling chart and the decisions log', async (t) => {
  const p = await page(t);
  await openParticipants(p);
  assert.equal(await p.locator('.tab.active').innerText(), 'Participants');
  assert.equal(await p.locator('#register-table tbody tr').count(), 21);
  const row = p.locator('#register-table tr[data-label="Interviewee 11"]');
  assert.match(await row.innerText(), /interviewed/);
  // Interviewee 11 did not consent to archiving.
  assert.equal(await row.locator('td.consent').innerText(), 'quotes');
  assert.equal(await p.locator('#register-table tr[data-label="Interviewee 12"] td.consent').innerText(), 'quotes, archiving');
  // One bar group per staff group, each with its target outline.
  assert.equal(await p.locator('svg.sampling-chart g[data-group]').count(), 5);
  assert.equal(await p.locator('svg.sampling-chart rect.target').count(), 5);
  assert.equal(await p.locator('.decision-log li').count(), 2);
  assert.ok((await p.locator('#inspector').innerText()).includes('UREC'));
  await p.screenshot({ path: join(SHOTS, 'participants-01-register.png') });
  await p.locator('svg.sampling-chart').screenshot({ path: join(SHOTS, 'participants-01-sampling.png') });

  // A new target redraws the chart.
  const ready = await p.locator('.participants-view').getAttribute('data-ready');
  await p.click('#target-set');
  await p.fill('.dialog input[name="group"]', 'practice pharmacist');
  await p.fill('.dialog input[name="target"]', '2');
  await p.click('.dialog button.primary');
  await reloaded(p, ready);
  await p.waitForSelector('svg.sampling-chart g[data-group="practice pharmacist"]');
  assert.equal(await p.locator('#sampling-table tr[data-group="practice pharmacist"] td').nth(6).innerText(), '2');
});

test('a coded segment becomes a quote whose status is recorded', async (t) => {
  const p = await page(t);
  await openParticipants(p);
  let ready = await p.locator('.participants-view').getAttribute('data-ready');
  await p.click('#quote-segment');
  await p.selectOption('.dialog select[name="code"]', { label: 'Efficiency pressure/Not enough time' });
  await p.click('.dialog button.primary');
  await p.waitForSelector('.dialog select[name="coding"]');
  await p.fill('.dialog input[name="report"]', 'Interim report');
  await p.click('.dialog button.primary');
  await reloaded(p, ready);
  const quote = p.locator('#quotes-table tbody tr').first();
  assert.match(await quote.innerText(), /report: Interim report/);
  ready = await p.locator('.participants-view').getAttribute('data-ready');
  await quote.locator('select').selectOption('approved');
  await reloaded(p, ready);
  assert.equal(await p.locator('#quotes-table tbody tr select').first().inputValue(), 'approved');
  const quotes = await api('GET', '/projects/' + demo.id + '/quotes');
  assert.equal(quotes.length, 1);
  assert.equal(quotes[0].status, 'approved');
  // The pack downloads as HTML.
  const who = quotes[0].participant;
  const [download] = await Promise.all([
    p.waitForEvent('download'),
    p.locator('#register-table tr[data-label="' + who + '"] a.pack-html').click(),
  ]);
  assert.match(download.suggestedFilename(), /^member-check-.*\.html$/);
  await p.screenshot({ path: join(SHOTS, 'participants-02-quotes.png') });
});

test('withdrawal shows what goes, then erases it', async (t) => {
  const p = await page(t);
  await openParticipants(p);
  const ready = await p.locator('.participants-view').getAttribute('data-ready');
  await p.locator('#register-table tr[data-label="Interviewee 05"] button.withdraw').click();
  await p.waitForSelector('.dialog .withdraw-preview');
  const preview = await p.locator('.dialog .withdraw-preview').innerText();
  assert.ok(preview.includes('interview-05'), preview);
  assert.match(preview, /\d+ codings/);
  await p.screenshot({ path: join(SHOTS, 'participants-03-withdraw-preview.png') });
  await p.click('.dialog button.primary');
  await reloaded(p, ready);
  const row = p.locator('#register-table tr[data-label="Interviewee 05"]');
  assert.match(await row.innerText(), /withdrawn/);
  assert.equal(await p.locator('#sampling-table tr[data-group="total"] td').nth(5).innerText(), '1');
  const sources = await api('GET', '/projects/' + demo.id + '/sources');
  assert.ok(sources.every((s) => s.name !== 'interview-05'));
});
