// Browser tests of signing in: the test server with `--accounts` (demo
// study; "owner" owns it and administers, "viewer" may only read). Signing
// in and out, the members dialog, a viewer's read-only workspace, and the
// message after too many failed attempts. Run through ./run.sh.

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
const PASSWORD = 'browser test password';
const DEMO = 'Quality in primary care (demo)';

let server;
let url;
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = spawn(SERVER, ['--accounts'], { stdio: ['pipe', 'pipe', 'inherit'] });
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
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.stdin.end();
    server.kill();
  }
});

/** A fresh browser context (no cookie) whose script errors fail the test. */
async function page(t) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const p = await context.newPage();
  const problems = [];
  p.on('pageerror', (e) => problems.push('page error: ' + e.message));
  p.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && problems.push('console: ' + m.text()));
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, []);
  });
  return p;
}

async function signIn(p, name, password) {
  await p.fill('#login-name', name);
  await p.fill('#login-password', password);
  await p.click('#login-submit');
}

test('sign in, see only your projects, manage members, sign out', async (t) => {
  const p = await page(t);
  await p.goto(url + '/');
  await p.waitForSelector('#login-form');
  assert.equal(await p.isVisible('.project-card'), false, 'nothing shows before signing in');

  await signIn(p, 'owner', 'not the password');
  await p.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  assert.equal(await p.textContent('#login-error'), 'Wrong name or password.');

  await signIn(p, 'owner', PASSWORD);
  await p.waitForSelector('body[data-ready]');
  assert.match(await p.textContent('#user'), /owner/);
  assert.equal(await p.isVisible('#sign-out'), true);
  const cards = await p.$$eval('.project-card', (els) => els.map((e) => e.dataset.name));
  assert.deepEqual(cards, [DEMO]);

  await p.click(`.project-card[data-name="${DEMO}"]`);
  await p.waitForSelector('.line .txt');
  assert.equal(await p.isVisible('#members'), true, 'an owner manages members');
  assert.equal(await p.evaluate(() => document.body.classList.contains('read-only')), false);
  await p.click('#members');
  await p.waitForSelector('.members-table tr[data-member="viewer"]');
  const roles = await p.$$eval('.members-table tbody tr', (rows) => rows.map((r) => [r.dataset.member, r.querySelector('select').value]));
  assert.deepEqual(roles, [['owner', 'owner'], ['viewer', 'viewer']]);
  await p.screenshot({ path: join(SHOTS, 'members-dialog.png') });
  await p.keyboard.press('Escape');

  await p.click('#sign-out');
  await p.waitForSelector('#login-form');
  // The old session is over: the API refuses it.
  const status = await p.evaluate(async () => (await fetch('/api/v1/projects')).status);
  assert.equal(status, 401);
});

test('a viewer reads the project but gets no coding controls', async (t) => {
  const p = await page(t);
  await p.goto(url + '/');
  await p.waitForSelector('#login-form');
  await signIn(p, 'viewer', PASSWORD);
  await p.waitForSelector('body[data-ready]');
  await p.click(`.project-card[data-name="${DEMO}"]`);
  await p.waitForSelector('.line .txt');
  await p.waitForSelector('#read-only-note');
  assert.equal(await p.evaluate(() => document.body.dataset.role), 'viewer');
  for (const sel of ['#undo', '#redo', '#new-code', '#members', '#pseudonymise-open', '.tab[data-tab="import"]', '.sources-panel .panel-head a.btn']) {
    assert.equal(await p.isVisible(sel), false, sel + ' is hidden from a viewer');
  }
  assert.ok((await p.$$('.code-row')).length > 0, 'the codebook is there to read');
  await p.screenshot({ path: join(SHOTS, 'viewer-read-only.png') });
  // And the server refuses a viewer's change whatever the page shows.
  const refused = await p.evaluate(async () => {
    const s = await (await fetch('/api/v1/session')).json();
    const pid = location.hash.split('/')[2];
    const r = await fetch('/api/v1/projects/' + pid + '/codes', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Axial-CSRF': s.csrf_token },
      body: JSON.stringify({ name: 'Viewer code' }),
    });
    return r.status;
  });
  assert.equal(refused, 403);
});

test('too many failed sign-ins ask to wait', async (t) => {
  const p = await page(t);
  await p.goto(url + '/');
  await p.waitForSelector('#login-form');
  let message = '';
  for (let i = 0; i < 7 && !message.startsWith('Too many'); i++) {
    await p.fill('#login-name', 'nobody');
    await p.fill('#login-password', 'wrong password ' + i);
    await p.click('#login-submit');
    await p.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0 && !document.querySelector('#login-submit').disabled);
    message = await p.textContent('#login-error');
  }
  assert.match(message, /^Too many failed attempts: .*wait \d+ seconds/);
});
