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

test('a memo changed by someone else meanwhile shows both versions and nothing is lost', async () => {
  const session = await (await fetch(url + '/api/v1/session')).json();
  const call = async (method, path, body) => {
    const r = await fetch(url + '/api/v1' + path, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-Axial-CSRF': session.csrf_token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(r.ok, method + ' ' + path + ' → ' + r.status);
    return r.json();
  };
  const pid = (await call('GET', '/projects'))[0].id;
  const memo = await call('POST', '/projects/' + pid + '/memos', { title: 'Shared memo', body: 'First draft.', links: [{ type: 'project' }] });
  const page = await browser.newPage();
  await page.goto(url + '/#/p/' + pid + '/memos/' + memo.id);
  await page.waitForSelector('#memo-body');
  await page.fill('#memo-body', 'My careful rewrite.');
  // Meanwhile another coder saves the same memo.
  await call('PATCH', '/projects/' + pid + '/memos/' + memo.id, { version: memo.version, body: 'Their quick edit.' });
  await page.click('#save-memo');
  const dlg = page.locator('form.dialog');
  await dlg.waitFor();
  assert.match(await dlg.textContent(), /Two versions/);
  assert.match(await dlg.textContent(), /My careful rewrite\./);
  assert.match(await dlg.textContent(), /Their quick edit\./);
  await page.screenshot({ path: join(ROOT, 'artifacts', 'screenshots', 'memo-conflict.png') });
  await dlg.getByRole('button', { name: 'Keep my version' }).click();
  let saved;
  for (let i = 0; i < 50; i++) {
    saved = await call('GET', '/projects/' + pid + '/memos/' + memo.id);
    if (saved.body === 'My careful rewrite.') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(saved.body, 'My careful rewrite.');
  // Both edits are in the history.
  const history = await call('GET', '/projects/' + pid + '/history');
  assert.ok(history.filter((c) => c.action === 'memo.update').length >= 2);
  await page.close();
});
