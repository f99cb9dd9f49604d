// Shared set-up for the browser tests: a static server over the repository and a headless
// Debian Chromium driven by playwright-core (no browser download).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Launches Chromium with a fresh profile; returns {browser, close}. */
export async function launch() {
  const dir = mkdtempSync(join(tmpdir(), 'dln-chromium-'));
  process.env.XDG_CONFIG_HOME = join(dir, 'config');
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a static server over `root` (default: the repository). */
export async function startServer(opts = {}) {
  return serve({ root: REPO, port: 0, ...opts });
}

/**
 * The set-up of a test file that opens pages of the repository: before its tests a static server
 * over the repository and a Chromium start, after them both close. Call it once at the top of the
 * file; the returned object's `url` (the server's base URL, ending in /) and `context` (the
 * browser context to open pages in) are set by the time the tests run.
 */
export function useBrowser() {
  const site = { url: null, context: null };
  let server;
  let browser;
  before(async () => {
    ({ server, url: site.url } = await startServer());
    browser = await launch();
    site.context = browser.context;
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
  return site;
}

/**
 * Opens `url` in a new page, collecting console errors, page errors and failed requests.
 * Waits for the `dln-ready` event unless `waitReady` is false. `withoutWorkers` opens it as a
 * browser without Web Workers would (long work then runs on the page, a slice per frame).
 */
export async function openPage(context, url, { waitReady = true, withoutWorkers = false } = {}) {
  const page = await context.newPage();
  if (withoutWorkers) await page.addInitScript(() => { delete window.Worker; });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`http ${r.status()}: ${r.url()}`); });
  if (waitReady) {
    await page.addInitScript(() => {
      window.__dlnReady = new Promise((ok) => window.addEventListener('dln-ready', () => ok(true)));
    });
  }
  await page.goto(url);
  if (waitReady) await page.waitForFunction(() => window.__dlnReady && window.dln, null, { timeout: 30000 });
  return { page, problems };
}

/**
 * Brings a canvas on screen and waits until the page has drawn it (canvases off screen are not
 * redrawn, so reading one would give a stale picture).
 */
export async function showCanvas(page, selector) {
  await page.$eval(selector, (c) => c.scrollIntoView({ block: 'center' }));
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
}

/** Counts pixels of a canvas that differ from its corner (background) pixel. */
export async function inkedPixels(page, selector) {
  await showCanvas(page, selector);
  return page.$eval(selector, (c) => {
    const ctx = c.getContext('2d');
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    const [r0, g0, b0, a0] = [data[0], data[1], data[2], data[3]];
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - r0) + Math.abs(data[i + 1] - g0) + Math.abs(data[i + 2] - b0) + Math.abs(data[i + 3] - a0) > 30) n += 1;
    }
    return n;
  });
}
