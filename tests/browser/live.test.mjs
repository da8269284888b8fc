// Browser test of live updates: with the memos view open, another coder
// writes a memo from another process (the `axial` CLI on the same database)
// and it appears without a reload; the note says who did it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const SERVER = process.env.AXIAL_TEST_SERVER || join(ROOT, 'target', 'debug', 'examples', 'test_server');
const AXIAL = process.env.AXIAL_BIN || join(ROOT, 'target', 'debug', 'axial');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let server;
let url;
let db;
let browser;

before(async () => {
  server = spawn(SERVER, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  [db, url] = await new Promise((ok, fail) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const u = /AXIAL_URL=(\S+)/.exec(out);
      const f = /AXIAL_DB=(.+)/.exec(out);
      if (u && f) ok([f[1].trim(), u[1]]);
    });
    server.on('exit', (code) => fail(new Error('test server exited with ' + code)));
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.stdin.end();
    server.kill();
  }
});

test('a memo written by another coder appears without a reload', async () => {
  const page = await browser.newPage();
  const projects = await (await fetch(url + '/api/v1/projects')).json();
  const pid = projects[0].id;
  await page.goto(url + '/#/p/' + pid + '/memos');
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('body[data-live="on"]');
  assert.equal(await page.getByText('Written elsewhere').count(), 0);
  execFileSync(AXIAL, ['--db', db, '--user', 'second-coder', 'memo', 'new', 'Written elsewhere', '--body', 'A thought from the other coder.'], {
    env: { ...process.env, AXIAL_NO_AUTO_BACKUP: '1' },
  });
  await page.getByText('Written elsewhere').first().waitFor({ timeout: 10_000 });
  const note = await page.locator('#live-note').textContent();
  assert.match(note, /second-coder/);
  await page.close();
});
