// <dln-explorer>: several elements on one page, each with its own run, configured by attributes
// in the URL-hash vocabulary; and the lab page that embeds two of them beside an iframe.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inkedPixels, openPage, useBrowser } from './harness.mjs';

const site = useBrowser();

/** Opens a page and waits until every <dln-explorer> on it is ready. */
async function openElements(path) {
  const { page, problems } = await openPage(site.context, site.url + path, { waitReady: false });
  await page.waitForFunction(() => customElements.get('dln-explorer'), null, { timeout: 30000 });
  await page.evaluate(() => Promise.all([...document.querySelectorAll('dln-explorer')].map((el) => el.ready)));
  return { page, problems };
}

const call = (page, id, method, ...args) => page.evaluate(
  ([i, m, a]) => document.getElementById(i)[m](...a),
  [id, method, args],
);

describe('two <dln-explorer> elements on one page', () => {
  test('take their configs from their attributes and draw their chosen panels', async () => {
    const { page, problems } = await openElements('tests/browser/fixtures/elements.html');
    const a = await call(page, 'a', 'config');
    const b = await call(page, 'b', 'config');
    assert.deepEqual(a.network.hidden, [16]);
    assert.equal(a.train.lr, 0.01);
    assert.equal(b.dataset.kind, 'toy4');
    assert.deepEqual(b.network.hidden, []);
    assert.equal(b.init.kind, 'balanced');
    assert.equal(b.train.steps, 400);
    const charts = (id) => page.$$eval(`#${id} canvas[data-chart]`, (cs) => cs.map((c) => c.dataset.chart));
    assert.deepEqual(await charts('a'), ['loss', 'modes']);
    assert.deepEqual(await charts('b'), ['loss', 'output']);
    await call(page, 'a', 'step', 300);
    await call(page, 'b', 'step', 100);
    for (const sel of ['#a canvas[data-chart="loss"]', '#a canvas[data-chart="modes"]', '#b canvas[data-chart="loss"]', '#b canvas[data-chart="output"]']) {
      const n = await inkedPixels(page, sel);
      assert.ok(n > 1500, `${sel} has only ${n} drawn pixels`);
    }
    // The learning-rate control is there unless controls="none".
    assert.equal(await page.$$eval('#a input[data-param="lr"]', (x) => x.length), 1);
    assert.equal(await page.$$eval('#b input[data-param="lr"]', (x) => x.length), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('report the attributes they ignored, as text inside the element', async () => {
    const { page } = await openElements('tests/browser/fixtures/elements.html');
    const text = (id) => page.$eval(`#${id} [data-role="messages"]`, (el) => (el.hidden ? '' : el.textContent));
    assert.match(await text('a'), /hidden-layers-are-not-an-attribute: unknown parameter/);
    assert.match(await text('b'), /ignored panels.*nosuchpanel/);
    await page.close();
  });

  test('autoplay trains until the run is finished, and the element says so', async () => {
    const { page } = await openElements('tests/browser/fixtures/elements.html');
    await page.waitForFunction(() => document.getElementById('c').state().finished, null, { timeout: 20000 });
    const c = await call(page, 'c', 'state');
    assert.equal(c.step, 200);
    assert.equal(await page.evaluate(() => document.getElementById('c').playing), false);
    assert.match(await page.$eval('#c [data-role="notice"]', (el) => el.textContent), /Finished after 200 steps/);
    assert.match(await page.$eval('#c [data-role="messages"]', (el) => el.textContent), /preset=nosuchpreset: no such preset/);
    // The others never played.
    assert.equal((await call(page, 'a', 'state')).step, 0);
    assert.equal((await call(page, 'b', 'state')).step, 0);
    await page.close();
  });

  test('run independently: stepping or playing one never moves the other', async () => {
    const { page } = await openElements('tests/browser/fixtures/elements.html');
    const a0 = await call(page, 'a', 'state');
    assert.equal(await call(page, 'a', 'step', 500), null);
    const a1 = await call(page, 'a', 'state');
    const b1 = await call(page, 'b', 'state');
    assert.equal(a1.step, 500);
    assert.equal(b1.step, 0, 'b did not move when a stepped');
    assert.ok(a1.loss < a0.loss, `a's loss falls: ${a0.loss} -> ${a1.loss}`);
    assert.notEqual(a1.loss, b1.loss);
    assert.equal(await call(page, 'b', 'step', 50), null);
    const b2 = await call(page, 'b', 'state');
    assert.equal(b2.step, 50);
    assert.ok(b2.loss < b1.loss, `b's loss falls: ${b1.loss} -> ${b2.loss}`);
    assert.equal((await call(page, 'a', 'state')).step, 500, 'a did not move when b stepped');
    // A shallow network from a balanced start has an exact loss: L(t) = L* + e^(-2ct)(L0 - L*)
    // per mode, so b's theory loss is present and close to its simulated loss.
    assert.ok(Math.abs(b2.theory_loss - b2.loss) <= 0.05 * b1.loss, `${b2.theory_loss} vs ${b2.loss}`);
    // Play one through its button; the other stays where it was.
    await page.click('#b button[data-action="play"]');
    await page.waitForFunction(() => document.getElementById('b').state().step > 150, null, { timeout: 20000 });
    await call(page, 'b', 'pause');
    assert.equal((await call(page, 'a', 'state')).step, 500);
    assert.match(await page.$eval('#b [data-role="status"]', (el) => el.textContent), /^step [\d,]+ of 400 · loss /);
    // Reset moves only its own element back to step 0.
    await page.click('#b button[data-action="reset"]');
    assert.equal((await call(page, 'b', 'state')).step, 0);
    assert.equal((await call(page, 'a', 'state')).step, 500);
    // Bad input comes back as a message naming the field, not a throw.
    assert.match(await call(page, 'a', 'setConfig', { train: { lr: -1 } }), /lr/);
    assert.match(await call(page, 'a', 'step', 0), /whole number/);
    await page.close();
  });

  test('apply a preset with its view: the illusion element follows pine has leaves', async () => {
    const { page, problems } = await openElements('www/examples/lab.html');
    const view = await call(page, 'illusion', 'view');
    assert.deepEqual(view.illusion, { item: 'pine', feature: 'leaves' });
    // shallow_vs_deep trains a shallow second network beside the deep one.
    await call(page, 'depth', 'step', 400);
    await call(page, 'illusion', 'step', 1350);
    assert.equal((await call(page, 'depth', 'state')).step, 400);
    const ill = await call(page, 'illusion', 'state');
    assert.equal(ill.step, 1350);
    for (const sel of ['#depth canvas[data-chart="modes"]', '#illusion canvas[data-chart="illusion"]']) {
      const n = await inkedPixels(page, sel);
      assert.ok(n > 1500, `${sel} has only ${n} drawn pixels`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });
});
