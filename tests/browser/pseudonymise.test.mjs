// Browser test of the pseudonymisation review screen: a transcript with a
// planted name and e-mail address is added to the demo study, opened in the
// reader, reviewed (the name ticked, the e-mail kept ticked, the rest left
// out), applied with a passphrase after the confirmation, and the reader
// then shows the labels and no longer the originals. The server keeps one
// backup taken before, so the warning about it must appear too.
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

const TRANSCRIPT = [
  'Interviewer: Who taught you the rota?',
  'Interviewee: Margaret Okonkwo did, years ago. Write to m.okonkwo@example.org if you want her side of it.',
  'Interviewer: Thank you.',
  '',
].join('\n');
const ORIGINALS = ['Margaret Okonkwo', 'Okonkwo', 'm.okonkwo@example.org'];

let server;
let url;
let browser;
let csrf;
let demo;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // One backup of the demo is taken before anything is pseudonymised.
  server = spawn(SERVER, ['--backup'], { stdio: ['pipe', 'pipe', 'inherit'] });
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

async function upload(projectId, name, text) {
  const form = new FormData();
  form.append('file', new Blob([text]), name);
  const r = await fetch(url + '/api/v1/projects/' + projectId + '/sources', { method: 'POST', headers: { 'X-Axial-CSRF': csrf }, body: form });
  const data = await r.json();
  assert.equal(data.files[0].status, 'imported', JSON.stringify(data));
  return data.files[0].source_id;
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

/** The text of the reader's lines. */
async function readerText(p) {
  return p.evaluate(() => [...document.querySelectorAll('.doc .line .txt')].map((e) => e.textContent).join('\n'));
}

test('a document is reviewed, pseudonymised, and the reader shows the labels', async (t) => {
  const sourceId = await upload(demo.id, 'rota-interview.txt', TRANSCRIPT);
  const p = await page(t);
  await p.goto(url + '/#/p/' + demo.id + '/source/' + sourceId);
  await p.waitForSelector('body[data-ready]');
  await p.waitForSelector('.line .txt');
  assert.match(await readerText(p), /Margaret Okonkwo did/);

  // The reader's button opens the review screen of this document.
  await p.click('#pseudonymise-open');
  await p.waitForSelector('.pseudonymise-view');
  await p.waitForSelector('#pseudo-table tbody tr');
  const row = (original) => p.locator('#pseudo-table tbody tr', { has: p.locator('mark', { hasText: original }) });
  assert.equal(await row('Margaret Okonkwo').count(), 1, 'the name is proposed');
  assert.equal(await row('m.okonkwo@example.org').count(), 1, 'the e-mail address is proposed');
  // A pattern is ticked already; a capitalised name is a guess, left to the reviewer.
  assert.equal(await row('m.okonkwo@example.org').getAttribute('data-confidence'), 'high');
  assert.equal(await row('m.okonkwo@example.org').locator('input[type=checkbox]').isChecked(), true);
  assert.equal(await row('Margaret Okonkwo').locator('input[type=checkbox]').isChecked(), false);
  assert.equal(await row('Margaret Okonkwo').locator('input[type=text]').inputValue(), '[Person A]');

  // Only the two planted identifiers are replaced.
  await p.click('.pseudonymise-view button:has-text("Untick all")');
  await row('Margaret Okonkwo').locator('input[type=checkbox]').check();
  await row('m.okonkwo@example.org').locator('input[type=checkbox]').check();
  await p.fill('#pseudo-pass', 'a passphrase only this test knows');
  await p.screenshot({ path: join(SHOTS, 'pseudonymise-01-review.png') });
  await p.click('#pseudo-apply');
  const confirm = p.locator('.dialog[aria-label="Pseudonymise this document?"]');
  await confirm.waitFor();
  assert.match(await confirm.innerText(), /2 ticked identifiers/);
  assert.match(await confirm.innerText(), /cannot be undone/);
  await confirm.locator('button.primary').click();

  // The backup taken before still holds the originals: the screen says so.
  const warning = p.locator('.dialog[aria-label="Older backups still hold the originals"]');
  await warning.waitFor();
  const said = await warning.innerText();
  assert.match(said, /1 backup of this database/);
  assert.match(said, /axial backup purge --before-erasure/);
  await p.screenshot({ path: join(SHOTS, 'pseudonymise-02-backup-warning.png') });
  await warning.locator('button.primary').click();
  await warning.waitFor({ state: 'detached' });

  // Back in the reader: the labels, and none of the originals.
  await p.waitForFunction(() => location.hash.includes('/source/') && !location.hash.includes('/pseudonymise/'));
  await p.waitForFunction(() => [...document.querySelectorAll('.doc .line .txt')].some((e) => e.textContent.includes('[Person A]')));
  const text = await readerText(p);
  assert.match(text, /\[Person A\] did, years ago\. Write to \[email\] if you want her side of it\./);
  for (const o of ORIGINALS) assert.ok(!text.includes(o), o + ' is still in the reader:\n' + text);
  await p.screenshot({ path: join(SHOTS, 'pseudonymise-03-reader.png') });

  // The server agrees, and the labels are recorded (never the originals).
  const layout = await api('GET', '/projects/' + demo.id + '/sources/' + sourceId + '/layout');
  for (const o of ORIGINALS) assert.ok(!JSON.stringify(layout).includes(o), o + ' is still in the layout');
  const labels = (await api('GET', '/projects/' + demo.id + '/pseudonyms')).map((l) => l.label).sort();
  assert.deepEqual(labels, ['[Person A]', '[email]']);
  // Undo refuses: the change cannot be undone.
  const r = await fetch(url + '/api/v1/projects/' + demo.id + '/undo', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Axial-CSRF': csrf }, body: '{}' });
  assert.equal(r.status, 422);
});
