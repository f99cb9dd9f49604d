// The semantic-development panels in headless Chromium: they draw, the time scrubber moves every
// panel, presets load what they promise, and the second network and illusion list work.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inkedPixels, openPage, showCanvas, useBrowser } from './harness.mjs';

const site = useBrowser();

const SEMANTIC = ['mds', 'rsm', 'illusion', 'typicality', 'projection'];

async function picture(page, name) {
  await showCanvas(page, `canvas[data-chart="${name}"]`);
  return page.$eval(`canvas[data-chart="${name}"]`, (c) => c.toDataURL());
}

describe('semantic development', () => {
  test('every semantic panel draws once the network has trained', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(3000));
    for (const name of SEMANTIC) {
      const n = await inkedPixels(page, `canvas[data-chart="${name}"]`);
      assert.ok(n > 3000, `${name} has only ${n} drawn pixels`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the time scrubber moves every time-dependent panel to the chosen step', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(3000));
    const moving = ['loss', 'modes', 'output', 'mds', 'rsm', 'illusion', 'projection'];
    const before = {};
    for (const name of moving) before[name] = await picture(page, name);
    // Drag the scrubber back to about a third of the history.
    await page.$eval('[data-scrub]', (el) => {
      el.value = String(Math.round(Number(el.max) / 3));
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const view = await page.evaluate(() => window.dln.view());
    assert.ok(view.scrub > 0 && view.scrub < 3000, `scrubbed to ${view.scrub}`);
    assert.match(await page.textContent('[data-show="scrub"]'), new RegExp(`step ${view.scrub}`));
    for (const name of moving) {
      assert.notEqual(await picture(page, name), before[name], `${name} did not move`);
    }
    assert.match(await page.evaluate(() => window.dln.svg('output')), new RegExp(`at step ${view.scrub}`));
    // Following the run again.
    await page.click('[data-action="live"]');
    assert.equal((await page.evaluate(() => window.dln.view())).scrub, null);
    assert.equal(await picture(page, 'output'), before.output);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the illusion preset loads the recipe and follows pine has leaves to its peak', async () => {
    const { page } = await openPage(site.context, site.url);
    const ids = (await page.evaluate(() => window.dln.presets())).map((p) => p.id);
    assert.ok(ids.length >= 6, `${ids}`);
    await page.selectOption('[data-preset]', 'illusion');
    assert.match(await page.textContent('[data-role="caption"]'), /Pine has no leaves.*0\.67/);
    const cfg = await page.evaluate(() => window.dln.config());
    assert.equal(cfg.train.steps, 8311);
    assert.equal(await page.inputValue('[data-view="illusion.item"]'), 'pine');
    assert.equal(await page.inputValue('[data-view="illusion.feature"]'), 'leaves');
    await page.evaluate(() => window.dln.step(2500));
    const top = (await page.evaluate(() => window.dln.state())).illusions[0];
    assert.deepEqual([top.item, top.feature], ['pine', 'leaves']);
    assert.ok(Math.abs(top.peak_sim - 0.676) < 0.03, `simulated peak ${top.peak_sim}`);
    assert.ok(Math.abs(top.peak_theory - 0.669) < 0.02, `predicted peak ${top.peak_theory}`);
    await page.close();
  });

  test('a second network of another width learns the same similarity, unless it starts large', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.check('[data-twin]');
    assert.ok(await page.evaluate(() => window.dln.setTwin !== undefined));
    await page.evaluate(() => window.dln.step(6000));
    const corr = async () => {
      const svg = await page.evaluate(() => window.dln.svg('rsm', 900, 500));
      return Number(svg.match(/corr\(network 1, network 2\) = ([0-9.]+)/)[1]);
    };
    const same = await corr();
    assert.ok(same > 0.99, `correlation ${same}`);
    await page.check('[data-twin-large]');
    await page.evaluate(() => window.dln.step(10));
    // The new second network starts at step 0 and catches up a slice a frame.
    await page.waitForFunction(() => window.dln.status().twin_behind === 0);
    const broken = await corr();
    assert.ok(broken < same - 0.05, `large start: correlation ${broken} vs ${same}`);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('clicking an illusion in the list shows it and the panel controls change the view', async () => {
    const { page } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(2000));
    await page.locator('[data-role="illusions"] button').nth(1).click();
    const pick = (await page.evaluate(() => window.dln.view())).illusion;
    const second = (await page.evaluate(() => window.dln.state())).illusions[1];
    assert.deepEqual(pick, { item: second.item, feature: second.feature });
    await page.selectOption('[data-view="category"]', '3');
    assert.equal((await page.evaluate(() => window.dln.view())).category, 3);
    await page.selectOption('[data-view="projection.kind"]', 'item');
    assert.equal(await page.isVisible('[data-view="projection.feature"]'), true);
    assert.match(await page.evaluate(() => window.dln.svg('projection')), /a novel item that has/);
    assert.match(String(await page.evaluate(() => window.dln.setView({ category: 'two' }))), /view\.category/);
    await page.close();
  });
});
