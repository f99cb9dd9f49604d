#!/usr/bin/env node
// Rewrites the README's picture of the page: node scripts/screenshot.mjs [OUT.png] (after
// `make build`; `make screenshot` does both). Serves the repository, opens a preset in headless
// Chromium at 1200 x 800, trains it part of the way and takes the viewport as a user sees it.
import { fileURLToPath } from 'node:url';
import { statSync } from 'node:fs';
import { launch, openPage, startServer } from '../tests/browser/harness.mjs';

const out = process.argv[2] || fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));
const PRESET = 'differentiation';
const STEPS = 2600;

const { server, url } = await startServer();
const b = await launch();
try {
  const { page, problems } = await openPage(b.context, `${url}#preset=${PRESET}`);
  await page.setViewportSize({ width: 1200, height: 800 });
  await page.evaluate((n) => window.dln.step(n), STEPS);
  // Scroll so that the mode-strength chart (the headline: each mode's sigmoid beside its
  // prediction) sits whole at the bottom of the picture, with the loss chart above it.
  await page.evaluate(() => {
    const modes = document.querySelector('[data-panel="modes"]').getBoundingClientRect();
    window.scrollTo(0, Math.max(0, window.scrollY + modes.bottom - window.innerHeight + 12));
  });
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  await page.waitForTimeout(600);
  await page.screenshot({ path: out });
  console.log(`wrote ${out} (${statSync(out).size} bytes)`);
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  }
} finally {
  await b.close();
  server.close();
}
