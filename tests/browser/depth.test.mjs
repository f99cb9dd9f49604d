// The depth-and-initialisation panels in headless Chromium: the depth sweep runs to the end in a
// worker, or a slice per frame on a page without workers (the page keeps drawing frames), can be
// cancelled, and draws its results; the
// spectra and the phase portrait draw and answer their controls and clicks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inkedPixels, openPage, showCanvas, useBrowser } from './harness.mjs';

const site = useBrowser();

const SWEEP = 'canvas[data-chart="sweep"]';
const SPECTRA = 'canvas[data-chart="spectra"]';
const PHASE = 'canvas[data-chart="phase"]';

function picture(page, selector) {
  return page.$eval(selector, (c) => c.toDataURL());
}

/**
 * Installs a requestAnimationFrame counter that, in every frame, notes the sweep's status and
 * progress, so a test can tell whether frames kept coming while the sweep ran.
 */
async function watchFrames(page) {
  await page.evaluate(() => {
    window.__frames = [];
    const tick = () => {
      const s = window.dln.sweepState();
      window.__frames.push({ status: s.status, progress: s.progress, bar: document.querySelector('[data-sweep-progress]').value });
      if (!window.__stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

describe('the depth sweep', () => {
  test('runs to the end from the Run button, a slice per frame, with the progress bar reaching its max', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await showCanvas(page, SWEEP);
    const blank = await picture(page, SWEEP);
    assert.match(await page.evaluate(() => window.dln.svg('sweep')), /Run sweep/);
    await watchFrames(page);
    const started = await page.evaluate(() => performance.now());
    await page.click('[data-sweep-run]');
    assert.equal(await page.isEnabled('[data-sweep-cancel]'), true);
    await page.waitForFunction(() => window.dln.sweepState().status === 'done', null, { timeout: 120000 });
    const ms = (await page.evaluate(() => performance.now())) - started;
    console.log(`default sweep in Chromium: ${(ms / 1000).toFixed(2)} s`);
    await page.evaluate(() => { window.__stopFrames = true; });
    const frames = await page.evaluate(() => window.__frames);
    const running = frames.filter((f) => f.status === 'running');
    // The page kept drawing frames while the sweep ran, and saw it advance between them.
    const distinct = new Set(running.map((f) => f.progress.toFixed(4)));
    console.log(`${running.length} animation frames while the sweep ran, ${distinct.size} distinct progress values`);
    assert.ok(running.length >= 10, `only ${running.length} frames while the sweep ran`);
    assert.ok(distinct.size >= 5, `progress seen in frames: ${[...distinct].join(', ')}`);
    const bar = await page.$eval('[data-sweep-progress]', (p) => ({ value: p.value, max: p.max }));
    assert.equal(bar.value, bar.max);
    assert.equal(await page.isEnabled('[data-sweep-cancel]'), false);
    assert.match(await page.textContent('[data-role="sweep-status"]'), /^Done: 120 of 120 training runs/);
    // Results: the SMG14 Fig 6A ordering at depth 32.
    const s = await page.evaluate(() => window.dln.sweepState());
    const k = s.results.depths.indexOf(32);
    const t = (name) => s.results.learning_time[name][k] ?? Infinity;
    assert.ok(t('orthogonal') < t('scaled_gaussian'), JSON.stringify(s.results.learning_time));
    assert.notEqual(await picture(page, SWEEP), blank);
    assert.ok(await inkedPixels(page, SWEEP) > 5000);
    // Hover reads the learning times at a depth.
    const box = await (await page.$(SWEEP)).boundingBox();
    let text = '';
    for (let x = box.x + 80; x < box.x + box.width * 0.7 && !text.startsWith('depth'); x += 10) {
      await page.mouse.move(x, box.y + box.height * 0.5);
      text = (await page.textContent('[data-role="tooltip"]')) || '';
    }
    assert.match(text, /^depth \d+: .*orthogonal: median \d+ steps \(\d+, \d+, \d+\)/);
    // Every seed's outcome is reported, and a diverged run is never a learning time.
    for (const runs of Object.values(s.results.outcomes)) for (const r of runs) assert.equal(r.length, 3);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('runs in a worker while the page plays its own run, with the same results as a page without workers', async () => {
    const sweep = { depths: [1, 2, 4, 8], seeds: 2 };
    const outcome = async (noWorker) => {
      const { page, problems } = await openPage(site.context, site.url, { withoutWorkers: noWorker });
      await page.evaluate(() => window.dln.play());
      const step0 = await page.evaluate(() => window.dln.status().step);
      assert.equal(await page.evaluate((sw) => window.dln.sweep(sw), sweep), null);
      const elsewhere = await page.evaluate(() => window.dln.sweepState().elsewhere);
      // While the sweep runs, the page's own run goes on playing.
      await page.waitForFunction(() => window.dln.sweepState().runs_done >= 1, null, { timeout: 60000 });
      const during = await page.evaluate(() => ({ step: window.dln.status().step, status: window.dln.sweepState().status }));
      await page.waitForFunction(() => window.dln.sweepState().status === 'done', null, { timeout: 120000 });
      const s = await page.evaluate(() => window.dln.sweepState());
      await page.close();
      return { elsewhere, step0, during, s, problems };
    };
    const inWorker = await outcome(false);
    const onPage = await outcome(true);
    assert.equal(inWorker.elsewhere, true, 'a page with workers runs the sweep in one');
    assert.equal(onPage.elsewhere, false, 'a page without workers runs it itself');
    assert.ok(inWorker.during.step > inWorker.step0, `the run played while the sweep ran: ${JSON.stringify(inWorker.during)}`);
    assert.equal(inWorker.s.runs_done, inWorker.s.runs_total);
    assert.equal(inWorker.s.steps, onPage.s.steps);
    assert.deepEqual(inWorker.s.results, onPage.s.results);
    assert.ok(Object.values(inWorker.s.results.learning_time).flat().some((t) => t > 0), JSON.stringify(inWorker.s.results.learning_time));
    assert.deepEqual(inWorker.problems, []);
    assert.deepEqual(onPage.problems, []);
  });

  test('can be cancelled mid-way: the progress stops where it was and a message says so', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await showCanvas(page, SWEEP);
    await page.click('[data-sweep-run]');
    await page.waitForFunction(() => {
      const s = window.dln.sweepState();
      return s.runs_done >= 5 && s.status === 'running';
    }, null, { timeout: 60000 });
    await page.click('[data-sweep-cancel]');
    const s1 = await page.evaluate(() => window.dln.sweepState());
    assert.equal(s1.status, 'cancelled');
    assert.ok(s1.progress > 0 && s1.progress < 1, `progress ${s1.progress}`);
    const bar1 = await page.$eval('[data-sweep-progress]', (p) => p.value);
    // Frames later, nothing has moved.
    await page.evaluate(() => new Promise((ok) => { let n = 0; const f = () => (++n > 20 ? ok() : requestAnimationFrame(f)); requestAnimationFrame(f); }));
    const s2 = await page.evaluate(() => window.dln.sweepState());
    assert.equal(s2.steps, s1.steps);
    assert.equal(await page.$eval('[data-sweep-progress]', (p) => p.value), bar1);
    assert.ok(bar1 < 1);
    assert.match(await page.textContent('[data-role="sweep-status"]'), /^Cancelled after \d+ of 120 training runs; the results so far are kept\.$/);
    assert.equal(await page.isEnabled('[data-sweep-cancel]'), false);
    assert.equal(await page.textContent('[data-sweep-run]'), 'Run sweep');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('its task menu is the field table\'s, and on inputs across the task the chart says eq. 18 fails and draws no exact pretrained curve', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const menu = await page.$$eval('[data-sweep-data] option', (os) => os.map((o) => [o.value, o.textContent]));
    const field = await page.evaluate(() => window.dln.schema().find((f) => f.key === 'sw_data').options.map((o) => [o.value, o.label]));
    assert.deepEqual(menu, field);
    assert.ok(menu.some(([v]) => v === 'rotated_inputs'), JSON.stringify(menu));
    // So are the Starts boxes, with the balanced start's u₀ menu after its box, and the config's
    // starts ticked.
    const boxes = await page.$$eval('[data-sweep-inits] label', (ls) => ls.map((l) => [l.querySelector('input[type=checkbox]')?.value ?? 'u0', l.textContent.trim().replace(/\s+/g, ' ')]));
    const starts = await page.evaluate(() => window.dln.schema().find((f) => f.key === 'sw_inits').options);
    assert.deepEqual(boxes.filter(([v]) => v !== 'u0').map(([v, t]) => [v, t.replace(/, u₀ = .*$/, '')]), starts.map((o) => [o.value, o.label]));
    assert.equal(boxes.findIndex(([v]) => v === 'u0'), boxes.findIndex(([v]) => v === 'balanced') + 1);
    const ticked = await page.$$eval('[data-sweep-init]:checked', (bs) => bs.map((b) => b.value));
    assert.deepEqual(ticked.sort(), (await page.evaluate(() => window.dln.config().sweep.inits)).sort());
    await page.fill('[data-sweep-max-depth]', '4');
    await page.uncheck('[data-sweep-init][value="scaled_gaussian"]');
    for (const [data, says, exact] of [['rotated_inputs', /Eq\. 18 fails \(VᵀΣˣˣV 35 % off-diagonal\)/, false], ['aligned_inputs', /Eq\. 18 holds/, true]]) {
      await page.selectOption('[data-sweep-data]', data);
      await page.click('[data-sweep-run]');
      await page.waitForFunction(() => window.dln.sweepState().status === 'done', null, { timeout: 60000 });
      const r = await page.evaluate(() => window.dln.sweepState().results);
      assert.equal(await page.evaluate(() => window.dln.config().sweep.data), data);
      assert.equal(r.theory.pretrained.some((t) => t !== null), exact, data);
      if (exact) assert.deepEqual(r.theory.pretrained, r.learning_time.pretrained, 'the exact steps are the simulated ones');
      const svg = await page.evaluate(() => window.dln.svg('sweep'));
      assert.match(svg.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '), says);
      assert.equal(/exact \(pretrained\)/.test(svg), exact, `${data}: the legend names the exact curve only when it is drawn`);
      const table = await page.evaluate(() => window.dln.table('sweep'));
      assert.deepEqual(table.rows.map((row) => row[0]), r.depths);
      assert.match(table.note, says);
    }
    // The data table under the chart shows the same rows.
    await page.click('details[data-table="sweep"] summary');
    // The table is filled on the details' toggle event, which comes a task after the click.
    await page.waitForSelector('details[data-table="sweep"] tbody tr');
    const rows = await page.$$eval('details[data-table="sweep"] tbody tr', (trs) => trs.map((tr) => tr.children[0].textContent));
    assert.deepEqual(rows, ['1', '2', '3', '4']);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('its controls set the sweep in the shared config, and bad values are refused with a message naming the control', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.fill('[data-sweep-max-depth]', '0');
    await page.click('[data-sweep-run]');
    assert.match(await page.textContent('[data-role="sweep-status"]'), /^Deepest network: must be a whole number from 1 to 64; got 0$/);
    assert.equal(await page.getAttribute('[data-sweep-max-depth]', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => window.dln.sweepState().status), 'idle');
    await page.fill('[data-sweep-max-depth]', '6');
    await page.fill('[data-sweep-threshold]', '1.5');
    await page.click('[data-sweep-run]');
    assert.match(await page.textContent('[data-role="sweep-status"]'), /^“Learned” threshold: must be a fraction between 0 and 1/);
    await page.fill('[data-sweep-threshold]', '0.05');
    await page.uncheck('[data-sweep-init][value="pretrained"]');
    await page.selectOption('[data-sweep-lr]', 'optimal');
    await page.click('[data-sweep-run]');
    await page.waitForFunction(() => window.dln.sweepState().status === 'done', null, { timeout: 60000 });
    const cfg = await page.evaluate(() => window.dln.config().sweep);
    assert.deepEqual(cfg.depths, [1, 2, 3, 4, 6]);
    assert.equal(cfg.threshold, 0.05);
    assert.equal(cfg.lr, 'optimal');
    assert.deepEqual(cfg.inits, ['scaled_gaussian', 'orthogonal', 'balanced']);
    const s = await page.evaluate(() => window.dln.sweepState());
    assert.equal(s.runs_total, 45, 'three seeds for each start and depth');
    assert.deepEqual(Object.keys(s.results.learning_time).sort(), ['balanced', 'orthogonal', 'scaled_gaussian']);
    // The JS API starts a sweep from a partial sweep config and names a bad field.
    assert.match(await page.evaluate(() => window.dln.sweep({ depths: [0] })), /^sweep\.depths\[0\]/);
    assert.equal(await page.evaluate(() => window.dln.sweep({ depths: [2, 3], inits: ['orthogonal'] })), null);
    await page.waitForFunction(() => window.dln.sweepState().status === 'done', null, { timeout: 60000 });
    assert.equal(await page.$eval('[data-sweep-max-depth]', (el) => el.value), '3');
    assert.equal(await page.evaluate(() => window.dln.state().step), 0, 'the run itself did not move');
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('spectra of products of random matrices', () => {
  test('draw both histograms and follow the depth slider and the size box', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.waitForFunction(() => { const s = window.dln.spectraState(); return s.draws === s.draws_total; }, null, { timeout: 60000 });
    assert.ok(await inkedPixels(page, SPECTRA) > 8000);
    const s8 = await page.evaluate(() => window.dln.spectraState());
    assert.equal(s8.depth, 8);
    assert.ok(Math.abs(s8.orthogonal.max - 1) < 1e-9 && Math.abs(s8.orthogonal.min - 1) < 1e-9);
    assert.match(await page.textContent('[data-role="spectra-status"]'), /^Gaussian product: largest\/smallest singular value/);
    const before = await picture(page, SPECTRA);
    // From the keyboard: the slider from D = 8 down to D = 2.
    await page.focus('[data-spectra-depth]');
    for (let k = 0; k < 6; k += 1) await page.keyboard.press('ArrowLeft');
    assert.equal(await page.textContent('[data-show="spectra-depth"]'), '2');
    await page.waitForFunction(() => { const s = window.dln.spectraState(); return s.depth === 2 && s.draws === s.draws_total; }, null, { timeout: 60000 });
    const s2 = await page.evaluate(() => window.dln.spectraState());
    assert.ok(s2.gaussian.ratio < s8.gaussian.ratio, `${s2.gaussian.ratio} vs ${s8.gaussian.ratio}`);
    await showCanvas(page, SPECTRA);
    assert.notEqual(await picture(page, SPECTRA), before);
    assert.match(await page.evaluate(() => window.dln.svg('spectra')), /product of 2 Gaussian 100×100 matrices/);
    await page.fill('[data-spectra-size]', '40');
    await page.press('[data-spectra-size]', 'Enter');
    await page.waitForFunction(() => window.dln.spectraState().size === 40);
    await page.fill('[data-spectra-size]', '5000');
    await page.press('[data-spectra-size]', 'Enter');
    assert.match(await page.textContent('[data-role="spectra-status"]'), /^size N: must be a whole number from 2 to 200; got 5000$/);
    assert.equal(await page.getAttribute('[data-spectra-size]', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => window.dln.spectraState().size), 40);
    // Hover over the orthogonal histogram at sigma = 1.
    const box = await (await page.$(SPECTRA)).boundingBox();
    const texts = new Set();
    for (let x = box.x + 60; x < box.x + box.width - 10; x += 4) {
      await page.mouse.move(x, box.y + box.height * 0.8);
      texts.add(await page.textContent('[data-role="tooltip"]'));
    }
    assert.ok([...texts].some((t) => /^orthogonal product: 100\.0% of singular values in \[/.test(t)), [...texts].join(' | '));
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('the phase portrait', () => {
  test('draws the field, and a click starts a trajectory that animates into ab = s with a² − b² kept', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    assert.ok(await inkedPixels(page, PHASE) > 8000);
    const s0 = await page.evaluate(() => window.dln.phaseState());
    assert.equal(s0.s, 1);
    assert.equal(s0.trajectories.length, 2);
    const before = await picture(page, PHASE);
    // Click at a = -1, b = 0.5: read (a, b) under two points of the plot, map linearly.
    const box = await (await page.$(PHASE)).boundingBox();
    const readAt = async (x, y) => {
      await page.mouse.move(x, y);
      const m = /^a = (-?[\d.]+), b = (-?[\d.]+)/.exec((await page.textContent('[data-role="tooltip"]')) || '');
      return m ? { a: Number(m[1]), b: Number(m[2]) } : null;
    };
    const p1 = { x: box.x + box.height * 0.3, y: box.y + box.height * 0.3 };
    const p2 = { x: box.x + box.height * 0.6, y: box.y + box.height * 0.6 };
    const d1 = await readAt(p1.x, p1.y);
    const d2 = await readAt(p2.x, p2.y);
    assert.ok(d1 && d2, 'the readout names a and b inside the plot');
    const target = {
      x: p1.x + (-1 - d1.a) * (p2.x - p1.x) / (d2.a - d1.a),
      y: p1.y + (0.5 - d1.b) * (p2.y - p1.y) / (d2.b - d1.b),
    };
    const there = await readAt(target.x, target.y);
    assert.ok(Math.abs(there.a + 1) < 0.05 && Math.abs(there.b - 0.5) < 0.05, JSON.stringify(there));
    assert.match(await page.textContent('[data-role="tooltip"]'), /flows to \(-1\.\d+, -0\.\d+\) on ab = s$/);
    await page.mouse.click(target.x, target.y);
    const s1 = await page.evaluate(() => window.dln.phaseState());
    assert.equal(s1.trajectories.length, 3);
    // It animates: frames later the head has moved but not yet arrived, then it arrives.
    await page.waitForFunction(() => window.dln.phaseState().trajectories[2].head[0] > 0);
    await page.waitForFunction(() => window.dln.phaseState().trajectories[2].ending === 'learned', null, { timeout: 30000 });
    const t = (await page.evaluate(() => window.dln.phaseState())).trajectories[2];
    assert.ok(Math.abs(t.head[1] * t.head[2] - 1) < 1e-5);
    assert.ok(Math.abs(t.conserved_head - t.conserved_start) < 1e-6);
    assert.notEqual(await picture(page, PHASE), before);
    assert.match(await page.textContent('[data-role="phase-status"]'), /^Last trajectory: from .* reached ab = s/);
    // Clear, and a random start from the keyboard.
    await page.click('[data-phase-clear]');
    assert.equal((await page.evaluate(() => window.dln.phaseState())).trajectories.length, 0);
    await page.focus('[data-phase-random]');
    await page.keyboard.press('Enter');
    assert.equal((await page.evaluate(() => window.dln.phaseState())).trajectories.length, 1);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('linked to a mode of the run, it takes that mode’s s and shows the run’s mode as a dot that moves as it trains', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const sv = await page.evaluate(() => window.dln.state().singular_values);
    await page.selectOption('[data-phase-mode]', '1');
    const s1 = await page.evaluate(() => window.dln.phaseState());
    assert.equal(s1.mode, 1);
    assert.equal(s1.s, sv[0]);
    assert.equal(s1.dot.step, 0);
    assert.match(await page.evaluate(() => window.dln.svg('phase')), /mode 1: s = /);
    await showCanvas(page, PHASE);
    const before = await picture(page, PHASE);
    await page.evaluate(() => window.dln.step(2000));
    const s2 = await page.evaluate(() => window.dln.phaseState());
    assert.equal(s2.dot.step, 2000);
    assert.ok(s2.dot.u > 0.9 * sv[0], `mode 1 at ${s2.dot.u} of ${sv[0]}`);
    assert.ok(Math.abs(s2.dot.a - Math.sqrt(s2.dot.u)) < 1e-12 && s2.dot.a === s2.dot.b);
    await showCanvas(page, PHASE);
    assert.notEqual(await picture(page, PHASE), before);
    // Back to the free portrait.
    await page.selectOption('[data-phase-mode]', '');
    const s3 = await page.evaluate(() => window.dln.phaseState());
    assert.equal(s3.s, 1);
    assert.equal(s3.dot, null);
    assert.match(await page.evaluate(() => window.dln.setPhaseMode(99)), /^phase\.mode: must be a mode from 1 to \d+/);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
