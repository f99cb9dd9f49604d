// The prior-knowledge chapter in headless Chromium: its run plays from its own button and its
// panels draw the curves where the data puts them, every experiment loads with its caption, a
// phase of the wrong shape is refused naming the phase and the field, a hover gives a readout,
// and the similarity sweep runs a slice per frame with progress and can be cancelled.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, showCanvas, useBrowser } from './harness.mjs';

const site = useBrowser();

const TASKS = 'canvas[data-chart="prior-tasks"]';
const SIMILARITY = 'canvas[data-chart="prior-similarity"]';
const LAZY = 'canvas[data-chart="prior-lazy"]';

/** Calls the chapter through the page's controls: {result} or {error, field}. */
function ask(page, name, ...args) {
  return page.evaluate(([n, a]) => document.querySelector('[data-chapter="prior"]').prior.ask(n, ...a), [name, args]);
}

/** Device pixel of a data point in a drawn x-y frame (log y when the frame says so). */
function pixelOf(frame, x, y) {
  const fx = (x - frame.x_min) / (frame.x_max - frame.x_min);
  const fy = frame.y_log
    ? (Math.log(y) - Math.log(frame.y_min)) / (Math.log(frame.y_max) - Math.log(frame.y_min))
    : (y - frame.y_min) / (frame.y_max - frame.y_min);
  return [frame.left + fx * (frame.right - frame.left), frame.bottom - fy * (frame.bottom - frame.top)];
}

/**
 * The most saturated colour within `r` pixels of (x, y) of a canvas, as [r, g, b] with its
 * saturation (max − min channel): a curve drawn there is coloured, the background and the grid
 * are grey.
 */
function colourNear(page, selector, [x, y], r = 3) {
  return page.$eval(selector, (c, [px, py, rad]) => {
    const g = c.getContext('2d');
    const d = g.getImageData(Math.round(px) - rad, Math.round(py) - rad, 2 * rad + 1, 2 * rad + 1).data;
    let best = { rgb: [0, 0, 0], sat: -1 };
    for (let i = 0; i < d.length; i += 4) {
      const sat = Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]);
      if (sat > best.sat) best = { rgb: [d[i], d[i + 1], d[i + 2]], sat };
    }
    return best;
  }, [x, y, r]);
}

function frames(page, n) {
  return page.evaluate((k) => new Promise((ok) => {
    const tick = () => (--k <= 0 ? ok() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  }), n);
}

describe('the prior-knowledge chapter', () => {
  test('plays its own run to the end and draws the loss on each task where the data puts it', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await showCanvas(page, TASKS);
    assert.equal(await page.$eval('[data-prior-preset]', (s) => s.value), 'prior_rotate');
    await page.click('[data-prior-play]');
    assert.equal(await page.textContent('[data-prior-play]'), 'Pause');
    // The page's own run is not played by the chapter's button.
    assert.equal((await page.evaluate(() => window.dln.status())).step, 0);
    await page.waitForFunction(() => document.querySelector('[data-chapter="prior"]').prior.lastState.finished, null, { timeout: 30000 });
    await frames(page, 3);
    const st = (await ask(page, 'priorState')).result;
    assert.equal(st.step, 700);
    assert.equal(await page.textContent('[data-prior-play]'), 'Play again');
    assert.match(await page.textContent('[data-role="prior-status"]'), /step 700 of 700/);
    assert.match(await page.textContent('[data-role="prior-theory"]'), /B: gradient flow/);
    const frame = (await ask(page, 'priorFrame', 'prior-tasks')).result;
    assert.equal(frame.kind, 'xy');
    // During A (learned), the loss on B sits at 1/2‖Y_B − Y_A‖² = (1 − cos 150°)·tr(Σ_A²) = 18.66.
    const lossB = (1 - Math.cos((150 * Math.PI) / 180)) * 10;
    const onB = await colourNear(page, TASKS, pixelOf(frame, 50, lossB));
    // At the end, the loss on A sits at the state's value (A forgotten towards the same limit).
    const onA = await colourNear(page, TASKS, pixelOf(frame, 690, st.loss[0]));
    // Far from every curve, in the middle of phase B at a loss of 1e-4, there is no colour.
    const empty = await colourNear(page, TASKS, pixelOf(frame, 400, Math.max(frame.y_min * 3, 1e-4)), 1);
    assert.ok(onB.sat > 80, `no curve at the loss on B during A: ${JSON.stringify(onB)}`);
    assert.ok(onA.sat > 80, `no curve at the loss on A at the end: ${JSON.stringify(onA)}`);
    assert.notDeepEqual(onA.rgb, onB.rgb, 'the two tasks are drawn in one colour');
    assert.ok(empty.sat < 30, `colour where no curve is: ${JSON.stringify(empty)}`);
    assert.ok(Math.abs(st.loss[0] - lossB) < 0.5, `loss on A at the end ${st.loss[0]}`);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('every experiment loads from the menu with its caption', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const presets = (await ask(page, 'priorPresets')).result;
    assert.equal(presets.length, 7);
    const options = await page.$$eval('[data-prior-preset] option', (os) => os.map((o) => o.value));
    assert.deepEqual(options, presets.map((p) => p.id));
    for (const p of presets) {
      await page.selectOption('[data-prior-preset]', p.id);
      assert.equal(await page.textContent('[data-role="prior-caption"]'), p.caption);
      assert.equal((await ask(page, 'priorState')).result.preset, p.id);
    }
    // θ is a control of the rotation only.
    await page.selectOption('[data-prior-preset]', 'prior_revise');
    assert.equal(await page.isDisabled('[data-prior-angle]'), true);
    await page.selectOption('[data-prior-preset]', 'prior_rotate');
    await page.$eval('[data-prior-angle]', (el) => { el.value = '90'; el.dispatchEvent(new Event('change')); });
    assert.equal((await ask(page, 'priorState')).result.angle, 90);
    // The controls take their limits from the chapter's fields (dln.chapters()), not the HTML;
    // the λ slider spans the field's slider range, narrower than the values a config may hold.
    const fields = await page.evaluate(() => window.dln.chapters().find((c) => c.id === 'prior').fields);
    const f = (key) => fields.find((x) => x.key === key);
    assert.deepEqual(await page.$eval('[data-prior-angle]', (e) => [e.min, e.max, e.step]), [String(f('prior-angle').min), String(f('prior-angle').max), '1']);
    assert.deepEqual(await page.$eval('[data-prior-lambda]', (e) => [e.min, e.max, e.step]), [...f('prior-lambda').slider.map(String), '0.1']);
    assert.deepEqual(await page.$eval('[data-prior-steps]', (e) => [e.min, e.max]), ['1', String(f('prior-steps').max)]);
    await page.fill('[data-prior-steps]', '0');
    await page.$eval('[data-prior-steps]', (e) => e.dispatchEvent(new Event('change')));
    assert.match(await page.textContent('[data-role="prior-message"]'), /steps: must be an integer from 1 to 100000000 steps; got 0/);
    assert.equal(await page.getAttribute('[data-prior-steps]', 'aria-invalid'), 'true');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a phase of the wrong shape is refused naming the phase and the field, and the trained run is kept', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await ask(page, 'priorStep', 300);
    const before = (await ask(page, 'priorState')).result;
    await page.click('.prior-config summary');
    await page.click('[data-prior-config-load]');
    const shown = JSON.parse(await page.inputValue('[data-prior-config]'));
    assert.deepEqual(shown.tasks.map((t) => t.name), ['A', 'B']);
    shown.tasks.push({ name: 'C', dataset: { kind: 'matrix', items: ['x1'], features: ['y1'], values: [[1]] }, steps: 100 });
    await page.fill('[data-prior-config]', JSON.stringify(shown));
    await page.click('[data-prior-config-apply]');
    const msg = await page.textContent('[data-role="prior-message"]');
    assert.match(msg, /^tasks\[2\]\.dataset: .*not shrink/);
    assert.equal(await page.getAttribute('[data-prior-config]', 'aria-invalid'), 'true');
    assert.deepEqual((await ask(page, 'priorState')).result, before);
    // A phase that grows the task instead is added, and the run continues from its weights.
    shown.tasks[2] = { name: 'C', edit: { kind: 'rotate', degrees: 90 }, steps: 100 };
    await page.fill('[data-prior-config]', JSON.stringify(shown));
    await page.click('[data-prior-config-apply]');
    assert.match(await page.textContent('[data-role="prior-message"]'), /continues from its trained weights/);
    const after = (await ask(page, 'priorState')).result;
    assert.equal(after.step, 300);
    assert.deepEqual(after.names, ['A', 'B', 'C']);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a hover over each panel gives a readout of the data under the pointer', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await ask(page, 'priorStep', 700);
    await ask(page, 'priorSweepStart');
    await page.evaluate(() => { const p = document.querySelector('[data-chapter="prior"]').prior; p.refresh(); p.schedule(); });
    await page.waitForFunction(() => document.querySelector('[data-chapter="prior"]').prior.lastState.sweep.status === 'done', null, { timeout: 30000 });
    for (const [sel, panel, want] of [[TASKS, 'prior-tasks', /loss on A .* loss on B/], [SIMILARITY, 'prior-similarity', /θ = \d+°/], [LAZY, 'prior-lazy', /λ = 0: /]]) {
      await showCanvas(page, sel);
      await frames(page, 2);
      let frame = (await ask(page, 'priorFrame', panel)).result;
      if (frame.kind === 'parts') frame = frame.parts.at(-1);
      const box = await page.$eval(sel, (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, s: c.width / r.width }; });
      await page.mouse.move(box.x + (frame.left + frame.right) / 2 / box.s, box.y + (frame.top + frame.bottom) / 2 / box.s);
      const tip = await page.waitForSelector('[data-role="tooltip"]:not([hidden])');
      assert.match(await tip.textContent(), want, panel);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the similarity sweep runs in a worker, with the same points as a page without workers', async () => {
    const outcome = async (noWorker) => {
      const { page, problems } = await openPage(site.context, site.url, { withoutWorkers: noWorker });
      await page.waitForFunction(() => document.querySelector('[data-chapter="prior"]')?.prior, null, { timeout: 30000 });
      await page.click('[data-prior-sweep-run]');
      const started = (await ask(page, 'priorSweepState')).result;
      await page.waitForFunction(() => document.querySelector('[data-chapter="prior"]').prior.lastState.sweep.status === 'done', null, { timeout: 60000 });
      const s = (await ask(page, 'priorSweepState')).result;
      const text = await page.textContent('[data-role="prior-sweep-status"]');
      await page.close();
      return { started, s, text, problems };
    };
    const inWorker = await outcome(false);
    const onPage = await outcome(true);
    assert.equal(inWorker.started.elsewhere, true, 'a page with workers runs the sweep in one');
    assert.equal(onPage.started.elsewhere, false, 'a page without workers runs it itself');
    assert.equal(inWorker.s.points.length, 15);
    assert.deepEqual(inWorker.s.points, onPage.s.points);
    assert.equal(inWorker.s.steps, onPage.s.steps);
    assert.match(inWorker.text, /^Done: 15 of 15 angles/);
    assert.deepEqual(inWorker.problems, []);
    assert.deepEqual(onPage.problems, []);
  });

  test('without workers, the similarity sweep runs a slice per frame with progress, draws its dots, and can be cancelled', async () => {
    const { page, problems } = await openPage(site.context, site.url, { withoutWorkers: true });
    await showCanvas(page, SIMILARITY);
    await page.evaluate(() => {
      window.__seen = [];
      const tick = () => {
        window.__seen.push(Number(document.querySelector('[data-prior-sweep-progress]').value));
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.click('[data-prior-sweep-run]');
    assert.equal(await page.isEnabled('[data-prior-sweep-cancel]'), true);
    await page.waitForFunction(() => document.querySelector('[data-chapter="prior"]').prior.lastState.sweep.status === 'done', null, { timeout: 30000 });
    await page.evaluate(() => { window.__stop = true; });
    const seen = await page.evaluate(() => window.__seen);
    const distinct = new Set(seen.filter((v) => v > 0 && v < 1).map((v) => v.toFixed(3)));
    console.log(`${seen.length} frames, ${distinct.size} distinct progress values below 1`);
    assert.ok(distinct.size >= 5, `progress seen: ${[...distinct].join(', ')}`);
    assert.equal(await page.$eval('[data-prior-sweep-progress]', (p) => p.value), 1);
    assert.match(await page.textContent('[data-role="prior-sweep-status"]'), /^Done: 15 of 15 angles/);
    assert.equal(await page.isEnabled('[data-prior-sweep-cancel]'), false);
    // The dot of θ = 150° sits at its measured forgetting.
    await frames(page, 3);
    const s = (await ask(page, 'priorSweepState')).result;
    const p150 = s.points.find((p) => p.angle === 150);
    assert.ok(Math.abs(p150.time_to_learn_theory - 1.11) < 0.01, `time to learn at 150°: ${p150.time_to_learn_theory}`);
    const frame = (await ask(page, 'priorFrame', 'prior-similarity')).result.parts[0];
    const dot = await colourNear(page, SIMILARITY, pixelOf(frame, 150, p150.forgetting), 2);
    assert.ok(dot.sat > 80, `no dot at θ = 150°: ${JSON.stringify(dot)}`);
    // Cancel: start again and press Cancel in the first frame with three angles done; they are kept.
    await page.click('[data-prior-sweep-run]');
    await page.evaluate(() => new Promise((ok) => {
      const tick = () => {
        if (document.querySelector('[data-chapter="prior"]').prior.lastState.sweep.angles_done >= 3) {
          document.querySelector('[data-prior-sweep-cancel]').click();
          ok();
        } else requestAnimationFrame(tick);
      };
      tick();
    }));
    const c = (await ask(page, 'priorSweepState')).result;
    assert.equal(c.status, 'cancelled');
    assert.ok(c.angles_done < 15, `${c.angles_done} angles done before the cancel`);
    assert.match(await page.textContent('[data-role="prior-sweep-status"]'), /^Cancelled after \d+ of 15 angles/);
    await frames(page, 5);
    assert.equal((await ask(page, 'priorSweepState')).result.angles_done, c.angles_done);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
