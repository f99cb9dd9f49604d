#!/usr/bin/env node
// Takes a screenshot of the page: node tests/browser/screenshot.mjs OUT.png [STEPS] [CONFIG_JSON] [JS]
// Runs STEPS training steps first (default 0) after applying CONFIG_JSON (a partial config), then
// evaluates JS in the page (for example "dln.setView({scrub: 1200})").
import { launch, openPage, startServer } from './harness.mjs';

const [out = 'page.png', steps = '0', cfg = '', script = ''] = process.argv.slice(2);
const { server, url } = await startServer();
const b = await launch();
try {
  const { page, problems } = await openPage(b.context, url);
  if (cfg) {
    const err = await page.evaluate((c) => window.dln.setConfig(JSON.parse(c)), cfg);
    if (err) console.error('setConfig:', err);
  }
  if (Number(steps) > 0) await page.evaluate((n) => window.dln.step(n), Number(steps));
  if (script) {
    const r = await page.evaluate(script);
    if (r) console.error('script:', r);
  }
  // Make the viewport as tall as the page so every canvas is on screen (and drawn).
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1400, height });
  await page.waitForTimeout(400);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
  if (problems.length) console.error(problems.join('\n'));
} finally {
  await b.close();
  server.close();
}
