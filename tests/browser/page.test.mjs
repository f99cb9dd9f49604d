// The served page in headless Chromium: it loads cleanly, trains, draws, and refuses bad input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inkedPixels, openPage, useBrowser } from './harness.mjs';

const site = useBrowser();

describe('the served page', () => {
  test('loads with no console error, exposes window.dln and draws every canvas', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(300));
    const charts = await page.$$eval('canvas[data-chart]', (cs) => cs.map((c) => c.dataset.chart));
    for (const name of ['loss', 'modes', 'output', 'svd', 'mds', 'rsm', 'illusion', 'typicality', 'projection', 'coherence']) {
      assert.ok(charts.includes(name), `the page has a ${name} chart`);
    }
    for (const name of charts) {
      const n = await inkedPixels(page, `canvas[data-chart="${name}"]`);
      assert.ok(n > 2000, `canvas ${name} has only ${n} drawn pixels`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('draws every chapter of a 256-item dataset with no console warning either', async () => {
    // Heat maps and bar charts of many items are put on the canvas as images; reading the
    // canvas back for them made Chromium warn on every load.
    const page = await site.context.newPage();
    const warnings = [];
    page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text()); });
    await page.goto(`${site.url}#dataset=diffusion&levels=8&nfeatures=64`);
    await page.waitForFunction(() => window.dln, null, { timeout: 30000 });
    await page.evaluate(() => window.dln.step(200));
    const chapters = await page.$$eval('section.chapter[data-chapter]', (els) => els.map((el) => el.dataset.chapter));
    assert.ok(chapters.length >= 6, `${chapters.length} chapters`);
    for (const ch of chapters) {
      await page.$eval(`section.chapter[data-chapter="${ch}"]`, (el) => el.scrollIntoView({ block: 'start' }));
      await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
      await page.waitForTimeout(200);
    }
    const typicality = await inkedPixels(page, 'canvas[data-chart="typicality"]');
    assert.ok(typicality > 2000, `the typicality chart has only ${typicality} drawn pixels`);
    assert.deepEqual(warnings, []);
    await page.close();
  });

  test('play makes the loss fall by more than 10x, and pause stops it', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const first = await page.evaluate(() => window.dln.state());
    assert.equal(first.step, 0);
    await page.evaluate(() => window.dln.play());
    await page.waitForFunction((l0) => window.dln.state().loss < l0 / 10, first.loss, { timeout: 30000 });
    await page.evaluate(() => window.dln.pause());
    const paused = await page.evaluate(() => window.dln.state().step);
    await page.waitForTimeout(300);
    const later = await page.evaluate(() => window.dln.state());
    assert.equal(later.step, paused, 'no steps are taken while paused');
    assert.ok(later.loss < first.loss / 10, `loss ${later.loss} vs ${first.loss}`);
    assert.equal(later.modes.length, 8);
    assert.equal(later.theory_modes.length, 8);
    assert.equal(await page.textContent('[data-action="play"]'), 'Play');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the canvases are sized for the device pixel ratio', async () => {
    const page = await site.context.newPage();
    await page.setViewportSize({ width: 1200, height: 900 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1200, height: 900, deviceScaleFactor: 2, mobile: false });
    await page.goto(site.url);
    await page.waitForFunction(() => window.dln);
    await page.evaluate(() => window.dln.step(10));
    const sizes = await page.$$eval('canvas[data-chart]', (cs) => cs.map((c) => [c.width, c.clientWidth]));
    for (const [px, css] of sizes) assert.equal(px, Math.round(css * 2));
    await page.close();
  });
});

describe('the JS API', () => {
  test('setConfig refuses a bad value with a message naming the field and leaves the config unchanged', async () => {
    const { page } = await openPage(site.context, site.url);
    const before = await page.evaluate(() => window.dln.config());
    const cases = [
      [{ train: { lr: -1 } }, /train\.lr.*\(0, 1000\]/],
      [{ train: { lr: 'fast' } }, /train\.lr/],
      [{ network: { hidden: [16, 0] } }, /network\.hidden\[1\].*1 to 1024/],
      [{ init: { kind: 'magic' } }, /init\.kind/],
      [{ train: { steps: 0 } }, /train\.steps/],
      [{ nonsense: 1 }, /nonsense/],
      ['not an object', /config/],
    ];
    for (const [partial, pattern] of cases) {
      const err = await page.evaluate((p) => window.dln.setConfig(p), partial);
      assert.match(String(err), pattern, JSON.stringify(partial));
    }
    assert.deepEqual(await page.evaluate(() => window.dln.config()), before);
    await page.close();
  });

  test('setConfig returns null, a learning-rate change keeps training, a structural change resets with a notice', async () => {
    const { page } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(200));
    assert.equal(await page.evaluate(() => window.dln.setConfig({ train: { lr: 0.004 } })), null);
    assert.equal(await page.evaluate(() => window.dln.state().step), 200);
    const slider = Number(await page.inputValue('[data-param="lr"]'));
    assert.ok(Math.abs(slider - Math.log10(0.004)) <= 0.05, `slider at ${slider}`);
    assert.equal(await page.textContent('[data-show="lr"]'), '0.004');
    assert.equal(await page.evaluate(() => window.dln.setConfig({ network: { hidden: [8, 8] } })), null);
    assert.equal(await page.evaluate(() => window.dln.state().step), 0);
    assert.match(await page.textContent('[data-role="notice"]'), /restarted.*network/);
    assert.equal(await page.inputValue('[data-param="hidden"][data-part="layers"]'), '2');
    assert.equal(await page.inputValue('[data-param="hidden"][data-part="width"]'), '8');
    await page.close();
  });

  test('step(n) runs exactly n steps and state() reports them', async () => {
    const { page } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(123));
    const s = await page.evaluate(() => window.dln.state());
    assert.equal(s.step, 123);
    assert.equal(s.diverged, false);
    assert.match(String(await page.evaluate(() => window.dln.step(-4))), /step: n must be/);
    await page.close();
  });
});

describe('bad input', () => {
  test('a diverging learning rate stops the run with a visible message and no NaN', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    assert.equal(await page.evaluate(() => window.dln.setConfig({ train: { lr: 2 } })), null);
    await page.evaluate(() => window.dln.play());
    await page.waitForFunction(() => window.dln.state().diverged, null, { timeout: 10000 });
    const s = await page.evaluate(() => window.dln.state());
    assert.ok(Number.isFinite(s.loss));
    assert.ok(s.modes.every(Number.isFinite));
    const msg = await page.textContent('[data-role="error"]');
    assert.match(msg, /diverged.*learning rate/);
    assert.equal(await page.isVisible('[data-role="error"]'), true);
    assert.equal(await page.textContent('[data-action="play"]'), 'Play');
    // The page still responds and recovers after a smaller rate and a reset.
    assert.equal(await page.evaluate(() => window.dln.setConfig({ train: { lr: 0.002 } })), null);
    await page.evaluate(() => window.dln.reset());
    await page.evaluate(() => window.dln.step(50));
    assert.equal((await page.evaluate(() => window.dln.state())).diverged, false);
    assert.equal(await page.isVisible('[data-role="error"]'), false);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('an out-of-range control value is refused with a message and kept in the field', async () => {
    const { page } = await openPage(site.context, site.url);
    const before = await page.evaluate(() => window.dln.config());
    await page.fill('[data-param="hidden"][data-part="width"]', '5000');
    await page.press('[data-param="hidden"][data-part="width"]', 'Tab');
    assert.match(await page.textContent('[data-role="error"]'), /Hidden width.*1 to 1024/);
    assert.equal(await page.inputValue('[data-param="hidden"][data-part="width"]'), '5000');
    assert.equal(await page.getAttribute('[data-param="hidden"][data-part="width"]', 'aria-invalid'), 'true');
    assert.deepEqual(await page.evaluate(() => window.dln.config()), before);
    await page.fill('[data-param="hidden"][data-part="width"]', '24');
    await page.press('[data-param="hidden"][data-part="width"]', 'Tab');
    assert.deepEqual((await page.evaluate(() => window.dln.config())).network.hidden, [24]);
    assert.equal(await page.isVisible('[data-role="error"]'), false);
    await page.close();
  });

  test('the controls work from the keyboard', async () => {
    const { page } = await openPage(site.context, site.url);
    await page.focus('[data-param="lr"]');
    const lr0 = (await page.evaluate(() => window.dln.config())).train.lr;
    await page.keyboard.press('ArrowRight');
    const lr1 = (await page.evaluate(() => window.dln.config())).train.lr;
    assert.ok(lr1 > lr0, `${lr1} > ${lr0}`);
    await page.focus('[data-action="play"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.dln.state().step > 0);
    await page.keyboard.press('Enter');
    assert.equal(await page.textContent('[data-action="play"]'), 'Play');
    await page.close();
  });

  test('a crash inside the simulation is shown on the page', async () => {
    const { page } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dispatchEvent(new CustomEvent('dln-panic', { detail: 'panicked at test' })));
    assert.match(await page.textContent('[data-role="error"]'), /Something went wrong.*panicked at test.*Reload/);
    await page.close();
  });

  test('hovering a chart shows a readout', async () => {
    const { page } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(1000));
    const output = await page.$('canvas[data-chart="output"]');
    await output.scrollIntoViewIfNeeded();
    const box = await output.boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.waitForSelector('[data-role="tooltip"]:not([hidden])');
    assert.match(await page.textContent('[data-role="tooltip"]'), /· .*: output .*\(target /);
    const loss = await page.$('canvas[data-chart="loss"]');
    await loss.scrollIntoViewIfNeeded();
    const lb = await loss.boundingBox();
    await page.mouse.move(lb.x + lb.width * 0.2, lb.y + lb.height * 0.5);
    await page.waitForFunction(() => /^step \d+ · loss/.test(document.querySelector('[data-role="tooltip"]').textContent));
    await page.close();
  });
});

describe('datasets and the exact theory', () => {
  test('a deep balanced run draws exact overlays and milestones with readouts', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const err = await page.evaluate(() => window.dln.setConfig({
      network: { hidden: [12, 12, 12] }, init: { kind: 'balanced', scale: 0.001 }, train: { lr: 0.004, steps: 6000 },
    }));
    assert.equal(err, null);
    await page.evaluate(() => window.dln.step(2500));
    const s = await page.evaluate(() => window.dln.state());
    assert.equal(s.theory_modes.length, 8);
    for (let a = 0; a < 8; a += 1) {
      assert.ok(Math.abs(s.modes[a] - s.theory_modes[a]) < 0.02 * s.singular_values[a], `mode ${a}`);
    }
    assert.ok(s.learned_at.every((x) => Number.isFinite(x)));
    // Sweep the pointer across the mode chart and collect the readouts.
    const box = await (await page.$('canvas[data-chart="modes"]')).boundingBox();
    const seen = new Set();
    for (let x = box.x + 40; x < box.x + box.width - 100; x += 1) {
      await page.mouse.move(x, box.y + box.height * 0.55);
      seen.add(await page.textContent('[data-role="tooltip"]'));
    }
    const milestones = [...seen].filter((t) => /^mode \d, .* learned at step \d+/.test(t));
    assert.ok(milestones.length >= 4, `milestone readouts: ${milestones.join(' | ')}`);
    assert.ok([...seen].some((t) => /animal|plant/.test(t)), 'modes are named by their features');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('choosing a generated dataset shows its parameters and rebuilds the SVD', async () => {
    const { page } = await openPage(site.context, site.url);
    assert.equal(await page.isVisible('[data-param="branching"]'), false);
    const before = await page.evaluate(() => window.dln.state().singular_values.length);
    await page.selectOption('[data-param="dataset"]', 'tree');
    assert.equal(await page.isVisible('[data-param="branching"]'), true);
    assert.equal(await page.isVisible('[data-param="flip"]'), false);
    await page.fill('[data-param="levels"]', '4');
    await page.press('[data-param="levels"]', 'Tab');
    const cfg = await page.evaluate(() => window.dln.config());
    assert.deepEqual(cfg.dataset, { kind: 'tree', branching: 2, levels: 4 });
    const after = await page.evaluate(() => window.dln.state().singular_values);
    assert.equal(after.length, 16);
    assert.notEqual(after.length, before);
    // Switching to diffusion keeps the tree settings the user entered.
    await page.selectOption('[data-param="dataset"]', 'diffusion');
    const d = (await page.evaluate(() => window.dln.config())).dataset;
    assert.equal(d.kind, 'diffusion');
    assert.equal(d.levels, 4);
    await page.fill('[data-param="flip"]', '0.9');
    await page.press('[data-param="flip"]', 'Tab');
    assert.match(await page.textContent('[data-role="error"]'), /Flip prob.*0 to 0\.5/);
    await page.close();
  });

  test('the Activation select makes a tanh network, restarts with a notice and calls the theory a reference', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.setConfig({ init: { kind: 'balanced', scale: 0.001 } }));
    await page.evaluate(() => window.dln.step(200));
    await page.selectOption('[data-param="act"]', 'tanh');
    const cfg = await page.evaluate(() => window.dln.config());
    assert.equal(cfg.network.activation, 'tanh');
    assert.match(await page.textContent('[data-role="notice"]'), /restarted.*activation/);
    assert.match(await page.textContent('[data-role="activation-help"]'), /reference only/);
    await page.evaluate(() => window.dln.step(3000));
    const s = await page.evaluate(() => window.dln.state());
    assert.equal(s.step, 3000);
    assert.ok(s.loss < 10, `loss ${s.loss}`);
    assert.equal(s.theory.exact, false);
    assert.equal(s.theory.reference_only, true);
    assert.match(s.theory_note, /reference only/);
    assert.match(await page.evaluate(() => window.dln.svg('modes')), /linear theory:/);
    const n = await inkedPixels(page, 'canvas[data-chart="modes"]');
    assert.ok(n > 2000, `the modes canvas has only ${n} drawn pixels`);
    // The init scale is the gain g for the random kinds.
    await page.selectOption('[data-param="init"]', 'orthogonal');
    assert.equal(await page.textContent('[data-role="scale-label"]'), 'Gain g');
    await page.selectOption('[data-param="init"]', 'small_gaussian');
    assert.match(await page.textContent('[data-role="scale-label"]'), /Scale/);
    // And back to linear: the exact theory again.
    await page.selectOption('[data-param="init"]', 'balanced');
    await page.selectOption('[data-param="act"]', 'linear');
    assert.equal((await page.evaluate(() => window.dln.state())).theory.exact, true);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a small random start is labelled approximate and a start without theory says why', async () => {
    const { page } = await openPage(site.context, site.url);
    const svg = await page.evaluate(() => window.dln.svg('modes'));
    assert.match(svg, /approximate/);
    await page.evaluate(() => window.dln.setConfig({ init: { kind: 'scaled_gaussian', scale: 1 } }));
    assert.equal((await page.evaluate(() => window.dln.state())).theory_modes, null);
    assert.match(await page.evaluate(() => window.dln.svg('modes')), /no exact solution/);
    await page.close();
  });
});
