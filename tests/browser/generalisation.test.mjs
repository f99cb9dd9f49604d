// The generalisation chapter in headless Chromium: its panels draw what they say (read through
// the hover readouts and the colour under them), a preset loads with its caption, a bad SNR is
// refused naming the field, its own run plays, and the α sweep runs in a worker with its
// progress shown and can be cancelled.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, showCanvas, useBrowser } from './harness.mjs';

const site = useBrowser();
const SECTION = '[data-chapter="generalisation"]';

/** The tooltip's text with the pointer at (fx, fy), fractions of the canvas's box. */
async function hoverAt(page, chart, fx, fy) {
  const box = await page.$eval(`canvas[data-chart="${chart}"]`, (c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  });
  await page.mouse.move(box.x + fx * box.w, box.y + fy * box.h);
  return page.$eval('[data-role="tooltip"]', (t) => (t.hidden ? null : t.textContent));
}

/** The colour of a canvas at (fx, fy) of its box. */
function colourAt(page, chart, fx, fy) {
  return page.$eval(`canvas[data-chart="${chart}"]`, (c, [fx, fy]) => {
    const d = c.getContext('2d').getImageData(Math.round(fx * c.width), Math.round(fy * c.height), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, [fx, fy]);
}

async function setControl(page, name, value) {
  await page.$eval(`${SECTION} [data-gen="${name}"]`, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('change'));
  }, value);
}

describe('the generalisation chapter', () => {
  test('starts on its first preset with its caption, and a preset from the menu loads with its own', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    assert.equal(await page.$eval(`${SECTION} [data-gen-preset]`, (s) => s.value), 'overtraining');
    const options = await page.$$eval(`${SECTION} [data-gen-preset] option`, (os) => os.map((o) => o.textContent));
    assert.deepEqual(options, ['Overtraining at α = 1', 'Small weights generalise: the frozen subspace',
      'Early stopping ≈ the best ridge', 'Signal before noise: a deep student']);
    assert.match(await page.$eval(`${SECTION} [data-gen-caption]`, (e) => e.textContent), /α = 1/);
    await page.selectOption(`${SECTION} [data-gen-preset]`, 'frozen');
    assert.match(await page.$eval(`${SECTION} [data-gen-caption]`, (e) => e.textContent), /frozen|never\s+move/);
    const status = await page.$eval(`${SECTION} [data-gen-status]`, (e) => e.textContent);
    assert.match(status, /^α = 0\.5 /);
    assert.match(status, /frozen floor 0\.845/);
    assert.equal(await page.$eval(`${SECTION} [data-gen="gen-inputs"]`, (e) => e.value), '400');
    // Its limits come from the chapter's fields (dln.chapters()), not from the HTML.
    const fields = await page.evaluate(() => window.dln.chapters().find((c) => c.id === 'generalisation').fields);
    assert.equal(fields.find((f) => f.key === 'gen-inputs').max, 1000);
    assert.deepEqual(await page.$eval(`${SECTION} [data-gen="gen-inputs"]`, (e) => [e.min, e.max]), ['1', '1000']);
    // The spectrum shows the atom at λ = 0: hovering its left edge counts no non-zero values
    // there, and the readout names the sample's 400 eigenvalues.
    await showCanvas(page, 'canvas[data-chart="gen-spectrum"]');
    const text = await hoverAt(page, 'gen-spectrum', 0.5, 0.6);
    assert.match(text, /of this sample's 400 eigenvalues in \[/);
    assert.match(text, /Marchenko–Pastur ρ\(λ\) = /);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a bad SNR is refused naming the field and changes nothing', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await setControl(page, 'gen-snr', '-3');
    const msg = await page.$eval(`${SECTION} [data-gen-message]`, (e) => e.textContent);
    assert.match(msg, /^dataset\.snr: must be a number in \(0, /);
    assert.equal(await page.$eval(`${SECTION} [data-gen="gen-snr"]`, (e) => e.getAttribute('aria-invalid')), 'true');
    assert.match(await page.$eval(`${SECTION} [data-gen-status]`, (e) => e.textContent), /oracle σ²ε 0\.2/);
    await setControl(page, 'gen-snr', 'loud');
    assert.match(await page.$eval(`${SECTION} [data-gen-message]`, (e) => e.textContent), /^dataset\.snr: /);
    // A good value clears the refusal.
    await setControl(page, 'gen-snr', '1');
    assert.equal(await page.$eval(`${SECTION} [data-gen-message]`, (e) => e.textContent), '');
    assert.match(await page.$eval(`${SECTION} [data-gen-status]`, (e) => e.textContent), /oracle σ²ε 0\.5/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('plays its own run, whose errors chart reads the simulation beside the exact curve and the theory', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await setControl(page, 'gen-steps', '3000');
    await showCanvas(page, 'canvas[data-chart="gen-errors"]');
    await page.click(`${SECTION} [data-gen-play]`);
    await page.waitForFunction((s) => /step 3,000 of 3,000/.test(document.querySelector(`${s} [data-gen-status]`).textContent), SECTION, { timeout: 60000 });
    assert.equal(await page.$eval(`${SECTION} [data-gen-play]`, (e) => e.textContent), 'Play again');
    const status = await page.$eval(`${SECTION} [data-gen-status]`, (e) => e.textContent);
    const [, sim, exact] = status.match(/test error ([\d.]+) \(exact ([\d.]+)\)/);
    assert.equal(sim, exact);
    await showCanvas(page, 'canvas[data-chart="gen-errors"]');
    const text = await hoverAt(page, 'gen-errors', 0.6, 0.5);
    assert.match(text, /^step \d+ \(t\/τ = [\d.]+\): test error [\d.]+, training error [\d.]+ \(simulation\); exact: test [\d.]+, training [\d.]+; large-N theory: test/);
    // The main run's transport is not this chapter's: the page's step count did not move.
    assert.equal((await page.evaluate(() => window.dln.status())).step, 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a 1000 × 1000 sample is decomposed in the worker while the page goes on drawing, then its run is shown', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await showCanvas(page, 'canvas[data-chart="gen-spectrum"]');
    await page.waitForFunction((s) => document.querySelector(`${s} [data-gen-status]`).textContent.startsWith('α = 1 '), SECTION);
    // Count the page's frames from the change until the new sample's state is shown.
    await page.evaluate((s) => {
      window.__frames = 0;
      window.__framesAt = null;
      const tick = () => {
        window.__frames += 1;
        const status = document.querySelector(`${s} [data-gen-status]`).textContent;
        if (window.__framesAt === null && /eigen-decomposition/.test(status) && document.querySelector(s).generalisation.lastState.config.dataset.inputs === 1000) {
          window.__framesAt = window.__frames;
        }
        if (window.__framesAt === null) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }, SECTION);
    await setControl(page, 'gen-inputs', '1000');
    const waiting = await page.$eval(`${SECTION} [data-gen-message]`, (e) => e.textContent);
    assert.match(waiting, /^Decomposing XXᵀ for N = 1000, P = 1000 in the background/);
    assert.equal(await page.$eval(`${SECTION} [data-gen="gen-inputs"]`, (e) => e.value), '1000', 'the control keeps what was asked for');
    await page.waitForFunction(() => window.__framesAt !== null, null, { timeout: 120000 });
    const frames = await page.evaluate(() => window.__framesAt);
    assert.ok(frames >= 10, `the page drew ${frames} frames while the worker decomposed the sample`);
    const st = await page.evaluate((s) => document.querySelector(s).generalisation.ask('genState'), SECTION);
    assert.equal(st.config.dataset.examples, 1000);
    assert.ok(st.eigen_ms > 0, `the worker's decomposition took ${st.eigen_ms} ms`);
    assert.equal(await page.$eval(`${SECTION} [data-gen-message]`, (e) => e.textContent), '');
    // Its run plays, and its sample's exact curve is the simulation's.
    await setControl(page, 'gen-steps', '200');
    await page.click(`${SECTION} [data-gen-play]`);
    await page.waitForFunction((s) => /step 200 of 200/.test(document.querySelector(`${s} [data-gen-status]`).textContent), SECTION, { timeout: 60000 });
    const status = await page.$eval(`${SECTION} [data-gen-status]`, (e) => e.textContent);
    const [, sim, exact] = status.match(/test error ([\d.]+) \(exact ([\d.]+)\)/);
    assert.equal(sim, exact);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the outlier panel trains a deep student on a rank-1 signal in noise beside the random-matrix approximation', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await showCanvas(page, 'canvas[data-chart="gen-outlier"]');
    const statusOf = () => page.$eval(`${SECTION} [data-gen-outlier-status]`, (e) => e.textContent);
    await page.waitForFunction((s) => /end: distance/.test(document.querySelector(`${s} [data-gen-outlier-status]`).textContent), SECTION, { timeout: 60000 });
    const status = await statusOf();
    const [, s1] = status.match(/this sample: s₁ = ([\d.]+)/);
    const [, sHat] = status.match(/outlier approximation: ŝ = ([\d.]+)/);
    assert.ok(Math.abs(Number(s1) - Number(sHat)) < 0.1, status);
    const [, best, floor, end] = status.match(/lowest distance to the signal ([\d.]+) at t\/τ = [\d.]+ \(approximation ([\d.]+)\) · end: distance ([\d.]+)/);
    assert.ok(Number(best) < 2 * Number(floor) && Number(end) > 10 * Number(best), status);
    // The readout above reads the modes at the pointer's time, below the distance.
    await showCanvas(page, 'canvas[data-chart="gen-outlier"]');
    const above = await hoverAt(page, 'gen-outlier', 0.85, 0.35);
    const m = above.match(/^step (\d+) \(t\/τ = [\d.]+\): outlier mode ([\d.]+); outlier approximation ([\d.]+); noise modes /);
    assert.ok(m, above);
    assert.equal(Number(m[2]).toFixed(2), Number(s1).toFixed(2), 'late, the outlier mode is learned to s₁');
    const below = await hoverAt(page, 'gen-outlier', 0.85, 0.85);
    assert.match(below, /^step \d+ \(t\/τ = [\d.]+\): distance to the clean signal [\d.]+; outlier approximation: closest along ûv̂ᵀ /);
    // Below the detection threshold the approximation has no outlier, and says so.
    await page.$eval(`${SECTION} [data-gen-outlier="signal"]`, (el) => {
      el.value = '0.5';
      el.dispatchEvent(new Event('change'));
    });
    assert.match(await statusOf(), /no outlier: s̄ is below the detection threshold A\^¼ = 0\.707/);
    const r = await page.evaluate((s) => document.querySelector(s).generalisation.ex.ask('genOutlier', 9), SECTION);
    assert.match(r.error, /^outlier\.signal: must be above 0 and at most 4; got 9$/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the sweep runs in a worker with its progress shown, can be cancelled, and fills the map', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await showCanvas(page, 'canvas[data-chart="gen-sweep"]');
    await page.evaluate((s) => {
      window.__bars = [];
      const tick = () => {
        window.__bars.push(Number(document.querySelector(`${s} [data-gen-sweep-progress]`).value));
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }, SECTION);
    await page.click(`${SECTION} [data-gen-sweep-run]`);
    const sweepState = () => page.evaluate((s) => document.querySelector(s).generalisation.ask('genSweepState'), SECTION);
    assert.equal((await sweepState()).elsewhere, true, 'the sweep runs in the worker');
    await page.waitForFunction(() => window.__bars.some((v) => v > 0.05), null, { timeout: 60000 });
    await page.click(`${SECTION} [data-gen-sweep-cancel]`);
    const cancelled = await page.$eval(`${SECTION} [data-gen-sweep-status]`, (e) => e.textContent);
    assert.match(cancelled, /^Cancelled after /);
    const bars = await page.evaluate(() => { window.__stop = true; return window.__bars; });
    const moving = bars.filter((v, i) => i > 0 && v > bars[i - 1] && v < 1);
    assert.ok(moving.length >= 3, `the bar moved in ${moving.length} frames`);
    const at = await page.$eval(`${SECTION} [data-gen-sweep-progress]`, (e) => Number(e.value));
    await page.waitForTimeout(300);
    assert.equal(await page.$eval(`${SECTION} [data-gen-sweep-progress]`, (e) => Number(e.value)), at, 'nothing runs after Cancel');
    assert.equal(await page.$eval(`${SECTION} [data-gen-sweep-cancel]`, (e) => e.disabled), true);
    // Run again to the end.
    await page.click(`${SECTION} [data-gen-sweep-run]`);
    await page.waitForFunction((s) => document.querySelector(`${s} [data-gen-sweep-status]`).textContent.startsWith('Done'), SECTION, { timeout: 240000 });
    const done = await sweepState();
    assert.equal(done.rows_done, done.rows_total);
    assert.equal(done.cells_done, done.cells_total);
    await showCanvas(page, 'canvas[data-chart="gen-sweep"]');
    const text = await hoverAt(page, 'gen-sweep', 0.9, 0.5);
    assert.match(text, /^α = [\d.]+ \(large-N theory\): SNR 1: E_g\(10⁴τ\) /);
    // The map: high SNR, large α (top right of the right-hand map) is red (the error fell); the
    // readout under the same point says so.
    await showCanvas(page, 'canvas[data-chart="gen-heat"]');
    const cell = await hoverAt(page, 'gen-heat', 0.86, 0.12);
    const m = cell.match(/^optimal early stopping \(t_opt\): α = ([\d.]+), SNR = ([\de.]+): error reduction \(E\(0\) − E\)\/E\(0\) = ([\d.]+)$/);
    assert.ok(m, cell);
    assert.ok(Number(m[3]) > 0.8, cell);
    const [r, g, b] = await colourAt(page, 'gen-heat', 0.86, 0.12);
    assert.ok(r > 150 && r > g + 60 && r > b + 60, `red where the error fell: ${[r, g, b]}`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
