#!/usr/bin/env node
// Runs the speed benchmark (www/bench.html) in headless Chromium and prints its figures:
//   node tests/browser/bench.mjs [--seconds S] [--json]
// Needs `make build` first. The cases are those of `dln bench` (src/engine/bench.rs).
import { launch, openPage, startServer } from './harness.mjs';

/** Opens the benchmark page, waits for it to finish, and returns {figures, browser}. */
export async function benchInChromium(seconds = 1) {
  const { server, url } = await startServer();
  const b = await launch();
  try {
    const { page, problems } = await openPage(b.context, `${url}www/bench.html?seconds=${seconds}`, { waitReady: false });
    await page.waitForFunction(() => window.benchResults || window.benchError, null, {
      timeout: (30 + 10 * seconds) * 1000,
      polling: 200,
    });
    const { figures, error } = await page.evaluate(() => ({ figures: window.benchResults, error: window.benchError }));
    if (error) throw new Error(error);
    if (problems.length) throw new Error(problems.join('\n'));
    return { figures, browser: b.context.browser()?.version() ?? 'Chromium' };
  } finally {
    await b.close();
    server.close();
  }
}

function parseArgs(argv) {
  const opts = { seconds: 1, json: false };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--json') opts.json = true;
    else if (argv[i] === '--seconds') {
      opts.seconds = Number(argv[i + 1]);
      i += 1;
      if (!(opts.seconds >= 0.1 && opts.seconds <= 60)) throw new Error('--seconds must be a number from 0.1 to 60');
    } else throw new Error(`unexpected argument ${JSON.stringify(argv[i])}; usage: bench.mjs [--seconds S] [--json]`);
  }
  return opts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const { figures, browser } = await benchInChromium(opts.seconds);
    if (opts.json) {
      console.log(JSON.stringify(figures));
    } else {
      console.log(`Chromium ${browser} (wasm): full-batch gradient-descent steps per second (best batch of ~5 ms, and mean)`);
      console.log(`${'case'.padEnd(6)} ${'best'.padStart(12)} ${'mean'.padStart(12)} ${'steps'.padStart(9)}`);
      const n = (x) => Math.round(x).toLocaleString('en-US').padStart(12);
      for (const f of figures) {
        console.log(`${f.case.padEnd(6)} ${n(f.best)} ${n(f.steps_per_second)} ${String(f.steps).padStart(9)}`);
      }
    }
  } catch (e) {
    console.error(`bench: ${e.message}`);
    process.exit(1);
  }
}
