// The offline builds (`make dist`) and the postMessage API: dist/ served from a sub-path under a
// strict Content-Security-Policy, the single file opened from disk, and a page driving the
// explorable in an iframe with messages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inkedPixels, launch, openPage, startServer } from './harness.mjs';
import { buildDist, checkFile } from '../../scripts/dist.mjs';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:";

let tmp;
let out;
let browser;
let repo;
let strict;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'dln-dist-'));
  out = join(tmp, 'sub', 'dir');
  buildDist(out);
  browser = await launch();
  repo = await startServer();
  strict = await startServer({ root: tmp, csp: CSP });
});

after(async () => {
  await browser?.close();
  repo?.server.close();
  strict?.server.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Records CSP violations in the page, before any of its scripts run. */
async function watchCsp(context) {
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`));
  });
}

describe('make dist', () => {
  test('the build check refuses inline script, inline style and other origins', () => {
    assert.throws(() => checkFile('a.html', '<p style="color:red">x</p>'), /style="" attribute/);
    assert.throws(() => checkFile('a.html', '<style>p{}</style>'), /<style> element/);
    assert.throws(() => checkFile('a.html', '<script>alert(1)</script>'), /inline <script>/);
    assert.throws(() => checkFile('a.html', '<script src="https://cdn.example/x.js"></script>'), /non-relative URL/);
    assert.throws(() => checkFile('a.js', "el.setAttribute('style', 'x')"), /inline style/);
    assert.doesNotThrow(() => checkFile('a.html', '<link rel="icon" href="data:,"><script type="module" src="www/main.js"></script>'));
  });

  test('the folder served under /sub/dir/ with a strict CSP loads, trains and draws with no violation', async () => {
    const page = await browser.context.newPage();
    await watchCsp(page);
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`http ${r.status()}: ${r.url()}`); });
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const res = await page.goto(`${strict.url}sub/dir/index.html`);
    assert.equal(res.headers()['content-security-policy'], CSP);
    await page.waitForFunction(() => window.dln, null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => window.dln.step(500)), null);
    for (const name of ['loss', 'modes', 'output', 'svd']) {
      const n = await inkedPixels(page, `canvas[data-chart="${name}"]`);
      assert.ok(n > 2000, `canvas ${name} has only ${n} drawn pixels`);
    }
    // Hover readouts position their tooltip through element.style, which the CSP allows.
    const box = await page.$eval('canvas[data-chart="loss"]', (c) => { const r = c.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; });
    await page.mouse.move(box.x, box.y);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems, []);
    for (const u of requests) assert.ok(u.startsWith(`${strict.url}sub/dir/`) || u.startsWith('data:'), `requested ${u}`);
    await page.close();
  });

  test('the lab page in the folder runs its elements and its frame under the CSP', async () => {
    const page = await browser.context.newPage();
    await watchCsp(page);
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`http ${r.status()}: ${r.url()}`); });
    await page.goto(`${strict.url}sub/dir/examples/lab.html`);
    await page.waitForFunction(() => customElements.get('dln-explorer'), null, { timeout: 30000 });
    await page.evaluate(() => Promise.all([...document.querySelectorAll('dln-explorer')].map((el) => el.ready)));
    await page.waitForFunction(() => /frame: step/.test(document.querySelector('[data-role="frame-state"]').textContent), null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'the elements and the framed preset leave the lab page where it is');
    await page.evaluate(() => document.getElementById('depth').step(600));
    const n = await inkedPixels(page, '#depth canvas[data-chart="modes"]');
    assert.ok(n > 1500, `the element's modes chart has only ${n} drawn pixels`);
    const frame = page.frames().find((f) => f.url().includes('/sub/dir/index.html'));
    assert.ok(frame, 'the lab page frames ../index.html');
    await frame.waitForFunction(() => window.dln, null, { timeout: 30000 });
    await page.waitForFunction(() => /frame: step/.test(document.querySelector('[data-role="frame-state"]').textContent), null, { timeout: 10000 });
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(await frame.evaluate(() => window.__csp), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('dln-explorer.html opened from disk (file://) trains and draws its charts', async () => {
    const html = readFileSync(join(out, 'dln-explorer.html'), 'utf8');
    assert.doesNotMatch(html, /<(?:script|link)[^>]*\s(?:src|href)="(?!data:)/, 'the single file refers to no other file');
    const { page, problems } = await openPage(browser.context, pathToFileURL(join(out, 'dln-explorer.html')).href);
    const s0 = await page.evaluate(() => window.dln.state());
    assert.equal(await page.evaluate(() => window.dln.step(800)), null);
    const s = await page.evaluate(() => window.dln.state());
    assert.equal(s.step, 800);
    assert.ok(s.loss < s0.loss, `the loss falls: ${s0.loss} -> ${s.loss}`);
    for (const name of ['loss', 'modes', 'output', 'svd', 'mds']) {
      const n = await inkedPixels(page, `canvas[data-chart="${name}"]`);
      assert.ok(n > 2000, `canvas ${name} has only ${n} drawn pixels`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });
  test('lab.html opened from disk (file://) runs its two elements and drives the framed single file', async () => {
    const html = readFileSync(join(out, 'lab.html'), 'utf8');
    assert.doesNotMatch(html, /<(?:script|link)[^>]*\s(?:src|href)="(?!data:)/, 'the lab file loads no other file');
    assert.match(html, /<iframe src="dln-explorer\.html#preset=tree5&amp;embed=1"/);
    assert.equal(html.match(/id="dln-wasm"/g).length, 1, 'the wasm is inlined once');
    const { page, problems } = await openPage(browser.context, pathToFileURL(join(out, 'lab.html')).href, { waitReady: false });
    await page.waitForFunction(() => customElements.get('dln-explorer'), null, { timeout: 30000 });
    await page.evaluate(() => Promise.all([...document.querySelectorAll('dln-explorer')].map((el) => el.ready)));
    // The element's stylesheet (inlined as a data: URL) is applied inside its shadow root.
    assert.equal(await page.$eval('#depth .bar', (b) => getComputedStyle(b).display), 'flex');
    // Each element steps its own run.
    const call = (id, method, ...args) => page.evaluate(([i, m, a]) => document.getElementById(i)[m](...a), [id, method, args]);
    assert.equal(await call('depth', 'step', 600), null);
    assert.equal((await call('illusion', 'state')).step, 0, 'stepping one element leaves the other');
    assert.equal(await call('illusion', 'step', 250), null);
    assert.equal((await call('depth', 'state')).step, 600);
    assert.equal((await call('illusion', 'state')).step, 250);
    for (const sel of ['#depth canvas[data-chart="loss"]', '#depth canvas[data-chart="modes"]', '#illusion canvas[data-chart="illusion"]', '#illusion canvas[data-chart="modes"]']) {
      const n = await inkedPixels(page, sel);
      assert.ok(n > 1500, `${sel} has only ${n} drawn pixels`);
    }
    // The frame is the single file beside it, in embed mode, on the preset its hash names.
    const frame = page.frames().find((f) => f.url().startsWith(`${pathToFileURL(join(out, 'dln-explorer.html')).href}#`));
    assert.ok(frame, `the lab file frames dln-explorer.html: ${page.frames().map((f) => f.url()).join(', ')}`);
    await frame.waitForFunction(() => window.dln, null, { timeout: 30000 });
    assert.equal(await frame.evaluate(() => document.documentElement.hasAttribute('data-embed')), true);
    const hash = new URLSearchParams(new URL(frame.url()).hash.slice(1));
    assert.equal(hash.get('preset'), 'tree5');
    assert.equal(hash.get('embed'), '1');
    const cfg = await frame.evaluate(() => window.dln.config());
    assert.equal(cfg.dataset.levels, 5);
    assert.deepEqual(cfg.network.hidden, [32]);
    // Both are file:// pages (origin "null"): the lab's button plays the frame through messages,
    // and the frame's replies reach the lab's readout.
    await page.waitForFunction(() => /frame: step 0,/.test(document.querySelector('[data-role="frame-state"]').textContent), null, { timeout: 10000 });
    await page.click('button[data-frame="play"]');
    await frame.waitForFunction(() => window.dln.state().step > 0, null, { timeout: 20000 });
    await page.waitForFunction(() => /frame: step [1-9]/.test(document.querySelector('[data-role="frame-state"]').textContent), null, { timeout: 10000 });
    await page.click('button[data-frame="pause"]');
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('the postMessage API', () => {
  /** Opens the lab page and waits for its frame to be ready; returns {page, frame, ask}. */
  async function openLab() {
    const { page, problems } = await openPage(browser.context, `${repo.url}www/examples/lab.html`, { waitReady: false });
    let frame;
    await page.waitForFunction(() => document.querySelector('iframe'));
    for (let i = 0; i < 100 && !frame; i += 1) {
      frame = page.frames().find((f) => f.url().includes('/index.html'));
      if (!frame) await page.waitForTimeout(50);
    }
    await frame.waitForFunction(() => window.dln, null, { timeout: 30000 });
    // Sends messages to the frame; resolves to every reply received up to the one for `until`.
    const ask = (messages, until) => page.evaluate(([msgs, last]) => new Promise((ok) => {
      const win = document.querySelector('iframe').contentWindow;
      const replies = [];
      const on = (e) => {
        // The lab page polls the frame itself (id 'poll'); those replies are its own.
        if (e.source !== win || !e.data || e.data.dln !== 'reply' || e.data.id === 'poll') return;
        replies.push(e.data);
        if (e.data.id === last) {
          window.removeEventListener('message', on);
          ok(replies);
        }
      };
      window.addEventListener('message', on);
      for (const m of msgs) win.postMessage(m, '*');
    }), [messages, until]);
    return { page, frame, ask, problems };
  }

  test('setConfig, step and state drive the framed page and reply to the sender', async () => {
    const { page, frame, ask, problems } = await openLab();
    const replies = await ask([
      { dln: 'setConfig', id: 1, args: [{ network: { hidden: [8] }, train: { lr: 0.005 } }] },
      { dln: 'step', id: 2, args: [300] },
      { dln: 'state', id: 3 },
      { dln: 'config', id: 'cfg' },
    ], 'cfg');
    assert.deepEqual(replies.map((r) => r.id), [1, 2, 3, 'cfg']);
    assert.equal(replies[0].result, null);
    assert.equal(replies[1].result, null);
    assert.equal(replies[2].result.step, 300);
    assert.deepEqual(replies[3].result.network.hidden, [8]);
    assert.equal(replies[3].result.train.lr, 0.005);
    // The frame itself agrees.
    assert.equal(await frame.evaluate(() => window.dln.state().step), 300);
    assert.equal(replies[2].result.loss, await frame.evaluate(() => window.dln.state().loss));
    // A refused value comes back as the message naming the field.
    const [bad] = await ask([{ dln: 'setConfig', id: 4, args: [{ train: { lr: -1 } }] }], 4);
    assert.match(bad.result, /lr/);
    await page.close();
    assert.deepEqual(problems, []);
  });

  test('messages of any other shape are ignored and get no reply', async () => {
    const { page, frame, ask } = await openLab();
    const replies = await ask([
      'step',
      { dln: 'eval', id: 1, args: ['1+1'] },
      { dln: 'step', id: 2, args: 5 },
      { dln: 'step', id: 3, args: [5, 6] },
      { dln: 'step', id: { x: 1 }, args: [5] },
      { dln: 'constructor', id: 5 },
      { dln: 'reply', id: 6 },
      { step: 1, id: 7 },
      { dln: 'state', id: 'last' },
    ], 'last');
    assert.deepEqual(replies.map((r) => r.id), ['last']);
    assert.equal(replies[0].result.step, 0, 'no ignored message took a step');
    assert.equal(await frame.evaluate(() => window.dln.state().step), 0);
    await page.close();
  });

  test('the lab page plays and pauses the frame with its buttons', async () => {
    const { page, frame } = await openLab();
    await page.click('button[data-frame="play"]');
    await frame.waitForFunction(() => window.dln.state().step > 0, null, { timeout: 20000 });
    await page.click('button[data-frame="pause"]');
    await frame.waitForFunction(() => document.querySelector('[data-action="play"]').getAttribute('aria-pressed') === 'false');
    const paused = await frame.evaluate(() => window.dln.state().step);
    await page.click('button[data-frame="step"]');
    await frame.waitForFunction((p) => window.dln.state().step === p + 500, paused, { timeout: 10000 });
    await page.waitForFunction((n) => document.querySelector('[data-role="frame-state"]').textContent.includes(n), (paused + 500).toLocaleString('en'), { timeout: 10000 });
    await page.close();
  });
});
