// Browser test of properties and dimensions on the demo study: the
// comparison inspector of "Personal standards" draws its property as a line
// from "tacit" to "explicit" with the placed segments as dots; clicking a
// dot shows the segment with its attribution, dragging it moves it, the
// profile per staff group is a small chart, and a new property can be added
// and a segment placed on it. Run through ./run.sh, which builds the server.

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
let demo;
let standards;

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
  demo = (await api('/projects'))[0];
  standards = (await api('/projects/' + demo.id + '/codes')).find((c) => c.name === 'Personal standards');
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

async function openCategory(p) {
  await p.goto(url + '/#/p/' + demo.id + '/compare/' + standards.id);
  await p.waitForSelector('body[data-ready]');
  await p.waitForSelector('#properties .property[data-name="explicitness"] circle.dot');
}

const properties = () => api('/projects/' + demo.id + '/codes/' + standards.id + '/properties');

test('a dimension with placed segments: click, drag, profile', async (t) => {
  const p = await page(t);
  await openCategory(p);
  const prop = '#properties .property[data-name="explicitness"]';
  assert.equal(await p.locator(prop + ' circle.dot').count(), 15);
  assert.equal(await p.locator(prop + ' svg.dimension .pole.low').textContent(), 'tacit');
  assert.equal(await p.locator(prop + ' svg.dimension .pole.high').textContent(), 'explicit');

  // Hovering names the segment; clicking shows it with its attribution.
  const first = p.locator(prop + ' circle.dot').first();
  assert.match(await first.locator('title').textContent(), /^\(Interviewee \d+, .+\) — /);
  await first.click();
  await p.waitForSelector(prop + ' .placement-detail .placed');
  assert.match(await p.locator(prop + ' .placement-detail .seg-meta strong').textContent(), /^\(Interviewee \d+, .+\)$/);
  assert.ok((await p.locator(prop + ' .placement-detail blockquote').textContent()).length > 10);

  // The profile by staff group: a row per group and one for all.
  await p.selectOption(prop + ' select.profile-by', 'staff group');
  await p.waitForFunction((sel) => document.querySelectorAll(sel + ' svg.profile-chart g.profile-row').length >= 3, prop);
  assert.equal(await p.locator(prop + ' svg.profile-chart g.profile-row.overall').count(), 1);
  await p.screenshot({ path: join(SHOTS, 'properties-dimension.png') });

  // Drag the lowest dot to the high pole: it is placed at step 5.
  const coding = await first.getAttribute('data-coding');
  const before = (await properties())[0].placements.find((x) => x.coding === coding);
  assert.ok(before.position < 5);
  const dot = await first.boundingBox();
  const line = await p.locator(prop + ' svg.dimension .axis').boundingBox();
  await p.mouse.move(dot.x + dot.width / 2, dot.y + dot.height / 2);
  await p.mouse.down();
  await p.mouse.move(line.x + line.width * 0.6, dot.y + dot.height / 2, { steps: 5 });
  await p.mouse.move(line.x + line.width + 4, dot.y + dot.height / 2, { steps: 5 });
  await p.mouse.up();
  await p.waitForFunction(([sel, coding]) => {
    const d = document.querySelector(sel + ' circle.dot[data-coding="' + coding + '"]');
    return d && d.dataset.at === '1';
  }, [prop, coding]);
  const after = (await properties())[0].placements.find((x) => x.coding === coding);
  assert.equal(after.position, 5);
});

test('add a property and place a segment on it', async (t) => {
  const p = await page(t);
  await openCategory(p);
  await p.click('#add-property');
  await p.fill('.dialog input[name=name]', 'certainty');
  await p.fill('.dialog input[name=low]', 'doubtful');
  await p.fill('.dialog input[name=high]', 'sure');
  await p.click('.dialog button[type=submit]');
  const prop = '#properties .property[data-name="certainty"]';
  await p.waitForSelector(prop);
  assert.match(await p.locator(prop + ' .prop-scale').textContent(), /0 \(doubtful\) to 1 \(sure\)/);
  assert.equal(await p.locator(prop + ' circle.dot').count(), 0);

  await p.click(prop + ' .place-segment');
  await p.waitForSelector('.dialog select[name=coding]');
  await p.fill('.dialog input[name=position]', '0.8');
  await p.fill('.dialog textarea[name=note]', 'says it twice');
  await p.click('.dialog button[type=submit]');
  await p.waitForSelector(prop + ' circle.dot');
  const placed = (await properties()).find((x) => x.name === 'certainty').placements;
  assert.equal(placed.length, 1);
  assert.equal(placed[0].position, 0.8);
  assert.equal(placed[0].note, 'says it twice');
});

test('place a coding from the reader', async (t) => {
  const prop = (await properties()).find((x) => x.name === 'explicitness');
  const pl = prop.placements.find((x) => x.position !== 4);
  const p = await page(t);
  await p.goto(url + '/#/p/' + demo.id + '/source/' + pl.segment.source_id + '/line/' + pl.segment.first_line);
  await p.waitForSelector('body[data-ready]');
  const hl = p.locator('.doc [data-codings~="' + pl.coding + '"]').first();
  await hl.waitFor();
  await hl.click();
  const item = '.popover .pop-coding[data-coding="' + pl.coding + '"]';
  await p.waitForSelector(item);
  await p.click(item + ' button[data-act=place]');
  await p.waitForSelector('.dialog select[name=property]');
  assert.equal(await p.inputValue('.dialog select[name=property]'), prop.id, 'the property it is placed on is chosen');
  assert.equal(await p.inputValue('.dialog input[name=position]'), String(pl.position));
  await p.fill('.dialog input[name=position]', '4');
  await p.click('.dialog button[type=submit]');
  // The toast comes once the server has answered.
  await p.waitForFunction(() => document.getElementById('toast').textContent.includes('Placed on “explicitness”'));
  const now = (await properties()).find((x) => x.name === 'explicitness').placements.find((x) => x.coding === pl.coding);
  assert.equal(now.position, 4);
});
