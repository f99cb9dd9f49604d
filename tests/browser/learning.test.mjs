// The learning chapter's exact-theory controls in headless Chromium: the "paper: continuous
// time" checkbox, the delays panel (SMG14 Fig 3, right) and the Neuromatch tutorial preset.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inkedPixels, openPage, useBrowser } from './harness.mjs';

const site = useBrowser();

/** Every distinct tooltip text seen while the pointer sweeps across a canvas at height `yFrac`. */
async function sweepReadouts(page, selector, yFrac, stepPx = 2) {
  const canvas = await page.$(selector);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const seen = new Set();
  for (let x = box.x + 30; x < box.x + box.width - 20; x += stepPx) {
    await page.mouse.move(x, box.y + box.height * yFrac);
    const tip = await page.$('[data-role="tooltip"]:not([hidden])');
    if (tip) seen.add(await tip.textContent());
  }
  return [...seen];
}

describe('the paper: continuous time checkbox', () => {
  test('adds the gradient-flow curve, writes flow=1 to the link and moves the milestones onto it', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    // A balanced start at lr·s₁ = 0.3: the exact map and the gradient flow differ visibly.
    const err = await page.evaluate(() => window.dln.setConfig({
      init: { kind: 'balanced', scale: 0.001 }, train: { lr: 0.3 / 6.3206, steps: 1500 },
    }));
    assert.equal(err, null);
    await page.evaluate(() => window.dln.step(1500));
    const box = page.locator('[data-flow]');
    assert.equal(await box.isChecked(), false);
    assert.equal(await box.isEnabled(), true);
    const before = await inkedPixels(page, 'canvas[data-chart="modes"]');
    const exact = await sweepReadouts(page, 'canvas[data-chart="modes"]', 0.55, 1);
    assert.ok(exact.some((t) => /learned at step \d+ \(predicted half-way point, on the exact map/.test(t)), exact.join(' | '));
    await box.check();
    assert.equal((await page.evaluate(() => window.dln.view())).flow, true);
    await page.waitForFunction(() => /(^|[#&])flow=1(&|$)/.test(location.hash));
    const after = await inkedPixels(page, 'canvas[data-chart="modes"]');
    assert.ok(after > before, `the dotted curves add ink: ${before} -> ${after}`);
    const flow = await sweepReadouts(page, 'canvas[data-chart="modes"]', 0.55, 1);
    assert.ok(flow.some((t) => /learned at step \d+ \(predicted half-way point, on the gradient-flow curve/.test(t)), flow.join(' | '));
    // The gradient flow is earlier than gradient descent at this rate, and state() gives both.
    const s = await page.evaluate(() => window.dln.state());
    assert.equal(s.learned_at_flow.length, s.learned_at.length);
    assert.ok(s.learned_at_flow[0] < s.learned_at[0], `${s.learned_at_flow[0]} vs ${s.learned_at[0]}`);
    await box.uncheck();
    assert.equal((await page.evaluate(() => window.dln.view())).flow, false);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('is ticked by a link with flow=1 and disabled where the prediction is itself the flow', async () => {
    const { page } = await openPage(site.context, `${site.url}#init=lambda_balanced&scale=0.3&flow=1`);
    assert.equal(await page.locator('[data-flow]').isChecked(), true);
    assert.equal(await page.locator('[data-flow]').isDisabled(), true, 'a Riccati prediction has no second curve');
    await page.close();
  });
});

describe('the delays panel', () => {
  test('draws each group of modes with a readout that names its delay', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const err = await page.evaluate(() => window.dln.setConfig({ train: { steps: 4000 } }));
    assert.equal(err, null);
    await page.evaluate(() => window.dln.step(4000));
    const n = await inkedPixels(page, 'canvas[data-chart="delays"]');
    assert.ok(n > 2000, `the delays panel has ${n} drawn pixels`);
    const seen = await sweepReadouts(page, 'canvas[data-chart="delays"]', 0.5, 3);
    const delays = seen.filter((t) => /^modes? [\d–]+ \(s = [\d.]+\): delay -?[\d.]+ % — .* (behind|ahead of) the gradient-flow theory/.test(t));
    assert.ok(delays.length >= 2, `delay readouts: ${seen.join(' | ')}`);
    assert.ok(delays.some((t) => /over 3 seeds/.test(t)), `three seeds once the run has finished: ${delays.join(' | ')}`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('the Neuromatch W1D2 tutorial 3 preset', () => {
  test('loads from the menu with the mean loss and 10,001 features and shows the Shark has_bones illusion', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.selectOption('[data-preset]', 'neuromatch');
    const cfg = await page.evaluate(() => window.dln.config());
    assert.equal(cfg.train.loss, 'mean');
    assert.equal(cfg.train.lr, 100);
    assert.equal(cfg.init.rule, 'xavier_gamma');
    assert.equal(cfg.init.scale, 1e-12);
    assert.equal(cfg.dataset.extra, 'has_bones');
    assert.equal(await page.inputValue('[data-param="loss"]'), 'mean');
    assert.equal(await page.inputValue('[data-param="rule"]'), 'xavier_gamma');
    await page.evaluate(() => window.dln.step(250));
    const s = await page.evaluate(() => window.dln.state());
    assert.equal(s.step, 250);
    assert.equal(s.diverged, false);
    assert.match(s.theory.label, /^approximate: .*γ\/√\(n_in \+ n_out\)/);
    const view = await page.evaluate(() => window.dln.view());
    assert.deepEqual(view.illusion, { item: 'Shark', feature: 'has_bones' });
    const ill = await inkedPixels(page, 'canvas[data-chart="illusion"]');
    assert.ok(ill > 2000, `the illusion chart has ${ill} drawn pixels`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
