#!/usr/bin/env node
// `make bench-frames`: the page's frame budget while playing. For each section of the page (every
// chapter, the largest dataset's semantic and learning charts, and the depth chapter while a long
// sweep runs in its worker and on the page) it scrolls the section into
// view in a 1400 x 1000 headless Chromium, presses Play at the default speed for a few seconds
// and prints the median and 95th-percentile interval between animation frames
// (requestAnimationFrame deltas), the number of long tasks (PerformanceObserver 'longtask', main
// thread busy for more than 50 ms) and, per chart, the median and p95 time of one draw.
//   node scripts/bench-frames.mjs [--seconds S] [--dist] [--json]
// Serves the repository (after `make build`) or, with --dist, dist/ (after `make dist`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launch, openPage, startServer } from '../tests/browser/harness.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
// [name, the section scrolled into view, the link opened (optional)]. The last case is the largest
// dataset the limits allow on the page, 256 items x 4096 features, with its semantic charts.
export const SECTIONS = [
  ['Learning dynamics', 'section.chapter[data-chapter="learning"]'],
  ['Semantic development', 'section.chapter[data-chapter="semantic"]'],
  ['Depth and initialisation', 'section.chapter[data-chapter="depth"]'],
  ['Generalisation', 'section.chapter[data-chapter="generalisation"]'],
  ['Prior knowledge', 'section.chapter[data-chapter="prior"]'],
  ['Context and recurrent', 'section.chapter[data-chapter="context"]'],
  ['256 x 4096, Semantic', 'section.chapter[data-chapter="semantic"]', '#dataset=diffusion&levels=8&nfeatures=4096'],
  ['256 x 4096, Learning', 'section.chapter[data-chapter="learning"]', '#dataset=diffusion&levels=8&nfeatures=4096'],
  // The depth chapter while a long sweep runs beside the playing run: in its worker, and on the
  // page (a browser without workers), a slice per frame.
  ['Depth, sweep in a worker', 'section.chapter[data-chapter="depth"]', '', { sweep: true }],
  ['Depth, sweep on the page', 'section.chapter[data-chapter="depth"]', '', { sweep: true, noWorker: true }],
];

/** The sweep the last two sections run: long enough to last the measurement. */
const LONG_SWEEP = { depths: [1, 2, 4, 8, 16, 32, 64], seeds: 9, inits: ['small_gaussian', 'scaled_gaussian', 'orthogonal', 'balanced', 'pretrained'] };

// Each chart's draw is timed by wrapping the loop's call to app.draw (the page itself is left
// as it is; only the copy sent to this browser is instrumented).
const DRAW_CALL = 'const r = this.reply(() => this.app.draw(panel, c, dpr));';
const TIMED_CALL = 'const __t0 = performance.now(); ' + DRAW_CALL
  + ' (window.__draws ||= []).push([panel, performance.now() - __t0]);';

const quantile = (xs, q) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => quantile(xs, 0.5);

/**
 * Plays each of `sections` ([[name, selector]]) for `seconds` in a 1400 x 1000 headless Chromium
 * serving `root`; returns [{section, frames, median, p95, longTasks, step, draws}] and whether the
 * per-chart draw times could be taken.
 */
export async function measureFrames({ sections = SECTIONS, seconds = 4, root = REPO } = {}) {
  const { server, url } = await startServer({ root });
  const b = await launch();
  const results = [];
  let instrumented = false;
  try {
    await b.context.route('**/loop.js', async (route) => {
      const res = await route.fetch();
      let text = await res.text();
      if (text.includes(DRAW_CALL)) {
        text = text.replace(DRAW_CALL, TIMED_CALL);
        instrumented = true;
      }
      await route.fulfill({ response: res, body: text, headers: { ...res.headers(), 'content-encoding': 'identity' } });
    });
    for (const [name, selector, hash = '', opts = {}] of sections) {
      const { page, problems } = opts.noWorker
        ? await b.context.newPage().then(async (p) => {
          await p.addInitScript(() => { delete window.Worker; });
          await p.goto(url + hash);
          await p.waitForFunction(() => window.dln, null, { timeout: 30000 });
          return { page: p, problems: [] };
        })
        : await openPage(b.context, url + hash);
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.$eval(selector, (el) => el.scrollIntoView({ block: 'start' }));
      await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
      await page.waitForTimeout(300);
      if (opts.sweep) await page.evaluate((sw) => window.dln.sweep(sw), LONG_SWEEP);
      const figures = await page.evaluate(async (ms) => {
        const longTasks = [];
        const po = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); });
        po.observe({ type: 'longtask', buffered: false });
        window.__draws = [];
        const deltas = [];
        window.dln.play();
        await new Promise((ok) => {
          let last = performance.now();
          const start = last;
          const tick = (t) => {
            deltas.push(t - last);
            last = t;
            if (t - start < ms) requestAnimationFrame(tick);
            else ok();
          };
          requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
        });
        window.dln.pause();
        po.disconnect();
        const draws = {};
        for (const [panel, dt] of window.__draws) (draws[panel] ||= []).push(dt);
        const sweep = window.dln.sweepState();
        window.dln.cancelSweep();
        return { deltas, longTasks, draws, step: JSON.parse(JSON.stringify(window.dln.state())).step, sweep };
      }, seconds * 1000);
      const draws = Object.fromEntries(Object.entries(figures.draws).map(([p, xs]) => [p, {
        n: xs.length, median: median(xs), p95: quantile(xs, 0.95),
      }]));
      results.push({
        section: name,
        frames: figures.deltas.length,
        median: median(figures.deltas),
        p95: quantile(figures.deltas, 0.95),
        longTasks: figures.longTasks.length,
        step: figures.step,
        sweep: opts.sweep ? `${figures.sweep.status}, ${figures.sweep.runs_done} of ${figures.sweep.runs_total} runs, ${figures.sweep.steps} steps` : null,
        draws,
      });
      if (problems.length) console.error(problems.join('\n'));
      await page.close();
    }
  } finally {
    await b.close();
    server.close();
  }
  return { results, instrumented };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const dist = args.includes('--dist');
  const i = args.indexOf('--seconds');
  const seconds = i >= 0 ? Number(args[i + 1]) : 4;
  if (!(seconds >= 0.5 && seconds <= 60)) {
    console.error('bench-frames: --seconds must be a number from 0.5 to 60');
    process.exit(2);
  }
  const root = dist ? `${REPO}dist` : REPO;
  const wasm = dist ? `${root}/pkg/dln_explorer_bg.wasm` : `${REPO}www/pkg/dln_explorer_bg.wasm`;
  if (!existsSync(wasm)) {
    console.error(`bench-frames: ${wasm} is missing; run ${dist ? 'make dist' : 'make build'} first`);
    process.exit(1);
  }

  const { results, instrumented } = await measureFrames({ seconds, root });
  if (json) {
    console.log(JSON.stringify(results));
  } else {
    const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
    console.log(`frame intervals while playing at the default speed, ${seconds} s per section, 1400 x 1000`);
    console.log('section                    frames  median ms  p95 ms  long tasks  steps reached');
    for (const r of results) {
      console.log(`${r.section.padEnd(26)} ${String(r.frames).padStart(6)} ${f(r.median).padStart(10)} ${f(r.p95).padStart(7)} ${String(r.longTasks).padStart(11)}  ${r.step}${r.sweep ? ` (sweep: ${r.sweep})` : ''}`);
    }
    if (instrumented) {
      console.log('\ntime of one draw per chart, ms (median / p95, draws counted)');
      for (const r of results) {
        const parts = Object.entries(r.draws).sort((a, b) => b[1].median - a[1].median)
          .map(([p, d]) => `${p} ${f(d.median)}/${f(d.p95)} (${d.n})`);
        console.log(`${r.section.padEnd(26)} ${parts.join(', ') || '-'}`);
      }
    } else {
      console.log('\n(per-chart draw times unavailable: the draw call in www/loop.js has changed)');
    }
  }
}
