// The category-coherence demo in headless Chromium: it draws, its slider moves the marker across
// the BBP threshold, and its chart reads back what is under the pointer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inkedPixels, openPage, useBrowser } from './harness.mjs';

const site = useBrowser();

const CANVAS = 'canvas[data-chart="coherence"]';
const SLIDER = '[data-coherence] input[type="range"]';

/** Opens the page and waits until the demo's curve has every noise draw in it. */
async function openDemo() {
  const opened = await openPage(site.context, site.url);
  await opened.page.waitForFunction(() => /mean of \d+ noise draws/.test(window.dln.svg('coherence')), null, { timeout: 30000 });
  return opened;
}

/** The canvas's pixels, as a data URL. */
function pixels(page) {
  return page.$eval(CANVAS, (c) => c.toDataURL());
}

describe('the category-coherence demo', () => {
  test('draws its curve, the threshold and the data, with no console error', async () => {
    const { page, problems } = await openDemo();
    const n = await inkedPixels(page, CANVAS);
    assert.ok(n > 20000, `the coherence canvas has only ${n} drawn pixels`);
    const svg = await page.evaluate(() => window.dln.svg('coherence'));
    assert.match(svg, /BBP threshold C = 1/);
    assert.match(svg, /large-N limit \(BBP\)/);
    assert.equal(await page.getAttribute(CANVAS, 'role'), 'img');
    assert.match(await page.getAttribute(CANVAS, 'aria-label'), /coherence/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('moving the slider from C = 0.5 to C = 2 crosses the threshold: readout, marker and verdict change', async () => {
    const { page, problems } = await openDemo();
    assert.equal(await page.textContent('[data-coherence] output'), 'C = 0.5, S = 0.841');
    assert.match(await page.textContent('[data-role="coherence-status"]'), /^Overlap 0\.\d\d ± 0\.\d\d, below the threshold: buried in noise\.$/);
    assert.match(await page.evaluate(() => window.dln.svg('coherence')), /C = 0\.5: overlap 0\.\d\d ± 0\.\d\d \(buried in noise\)/);
    const before = await pixels(page);
    // From the keyboard, as a user would: 60 steps of 2^(1/30) take C from 0.5 to 2.
    await page.focus(SLIDER);
    for (let k = 0; k < 60; k += 1) await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('[data-coherence] output').textContent === 'C = 2, S = 1.68');
    assert.equal(await page.getAttribute(SLIDER, 'aria-valuetext'), 'C = 2, S = 1.68');
    const status = await page.textContent('[data-role="coherence-status"]');
    const overlap = Number(status.match(/^Overlap (\d\.\d\d)/)[1]);
    assert.ok(overlap > 0.6, status);
    assert.match(status, /above the threshold: the category is found\.$/);
    assert.match(await page.evaluate(() => window.dln.svg('coherence')), /C = 2: overlap 0\.\d\d ± 0\.\d\d \(category found\)/);
    await page.waitForFunction((b) => document.querySelector('canvas[data-chart="coherence"]').toDataURL() !== b, before);
    // The main run is unaffected.
    assert.equal(await page.evaluate(() => window.dln.state().step), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('hovering the chart reads back the curve on both sides of the threshold, the threshold and the data', async () => {
    const { page, problems } = await openDemo();
    await page.$eval(CANVAS, (c) => c.scrollIntoView({ block: 'center' }));
    const box = await (await page.$(CANVAS)).boundingBox();
    const seen = new Set();
    // Across the plot at overlap ≈ 0.9 (above the curve), then across the heat map.
    for (let x = box.x + 60; x < box.x + box.width - 10; x += 2) {
      await page.mouse.move(x, box.y + box.height * 0.12);
      seen.add(await page.textContent('[data-role="tooltip"]'));
    }
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.85);
    seen.add(await page.textContent('[data-role="tooltip"]'));
    const texts = [...seen];
    const curve = /^C = [\d.]+: overlap \d\.\d\d ± \d\.\d\d \((category found|buried in noise)\) · large-N limit \d\.\d\d$/;
    assert.ok(texts.some((t) => curve.test(t) && t.includes('buried in noise')), texts.join(' | '));
    assert.ok(texts.some((t) => curve.test(t) && t.includes('category found')), texts.join(' | '));
    assert.ok(texts.some((t) => t.startsWith('BBP threshold C = 1')), texts.join(' | '));
    assert.ok(texts.some((t) => /^item \d+( \(category\))? · feature \d+( \(category\))?: -?[\d.]+/.test(t)), texts.join(' | '));
    // A change that restarts the run leaves the demo and its readouts alone.
    assert.equal(await page.evaluate(() => window.dln.setConfig({ network: { hidden: [8] } })), null);
    await page.mouse.move(box.x + 1, box.y + 1);
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.85);
    await page.waitForFunction(() => {
      const t = document.querySelector('[data-role="tooltip"]');
      return !t.hidden && /^item \d+/.test(t.textContent);
    }, null, { timeout: 5000 });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
