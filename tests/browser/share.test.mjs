// Sharing: the URL hash reproduces a run, Back and Forward restore earlier states, a bad link
// is reported and ignored, embed mode, and exporting charts, configs and runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inkedPixels, openPage, useBrowser } from './harness.mjs';

const site = useBrowser();

/** Records the blobs a page downloads from now on. */
async function recordBlobs(page) {
  await page.evaluate(() => {
    window.__blobs = [];
    const make = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (b) => { window.__blobs.push(b); return make(b); };
  });
}

/** The last downloaded blob: {type, size, text}. */
async function lastBlob(page) {
  await page.waitForFunction(() => window.__blobs.length > 0);
  return page.evaluate(async () => {
    const b = window.__blobs[window.__blobs.length - 1];
    return { type: b.type, size: b.size, text: b.type.startsWith('image/png') ? '' : await b.text(), head: [...new Uint8Array(await b.slice(0, 8).arrayBuffer())] };
  });
}

const hashOf = (page) => page.evaluate(() => window.location.hash);

describe('links to a state', () => {
  test('a copied link reproduces the same loss after the same number of steps, exactly', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const err = await page.evaluate(() => window.dln.setConfig({
      dataset: { kind: 'toy4' }, network: { hidden: [6, 6] }, init: { kind: 'scaled_gaussian', scale: 0.3 }, train: { lr: 0.0137, seed: 9 },
    }));
    assert.equal(err, null);
    await page.evaluate(() => window.dln.step(700));
    const loss = await page.evaluate(() => window.dln.state().loss);
    await page.waitForFunction(() => window.location.hash.includes('lr=0.0137'));
    const hash = await hashOf(page);
    assert.match(hash, /dataset=toy4/);
    assert.match(hash, /hidden=6%2C6|hidden=6,6/);
    assert.match(hash, /seed=9/);

    const { page: copy, problems: p2 } = await openPage(site.context, `${site.url}${hash}`);
    const cfg = await copy.evaluate(() => window.dln.config());
    assert.deepEqual(cfg.network.hidden, [6, 6]);
    assert.equal(cfg.init.kind, 'scaled_gaussian');
    await copy.evaluate(() => window.dln.step(700));
    const again = await copy.evaluate(() => window.dln.state());
    assert.equal(again.step, 700);
    assert.equal(again.loss, loss, 'the same loss to the last bit');
    assert.equal(await copy.$('[data-role="link-message"]'), null, 'a good link shows no message');
    assert.deepEqual([...problems, ...p2], []);
    await page.close();
    await copy.close();
  });

  test('a link carries the second network of the similarity panel', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.fill('[data-twin-width]', '24');
    await page.fill('[data-twin-seed]', '5');
    await page.check('[data-twin]');
    await page.waitForFunction(() => window.location.hash.includes('twin=1'));
    const hash = await hashOf(page);
    assert.match(hash, /twin_hidden=24/);
    assert.match(hash, /twin_seed=5/);
    const { page: copy, problems: p2 } = await openPage(site.context, `${site.url}${hash}`);
    assert.equal(await copy.isChecked('[data-twin]'), true);
    assert.equal(await copy.inputValue('[data-twin-width]'), '24');
    assert.equal(await copy.inputValue('[data-twin-seed]'), '5');
    assert.equal(await copy.$('[data-role="link-message"]'), null, 'a good link shows no message');
    await copy.uncheck('[data-twin]');
    await copy.waitForFunction(() => !window.location.hash.includes('twin'));
    assert.deepEqual([...problems, ...p2], []);
    await page.close();
    await copy.close();
  });

  test('Back and Forward restore the earlier configs', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.setConfig({ dataset: { kind: 'toy4' } }));
    await page.evaluate(() => window.dln.setConfig({ network: { hidden: [5, 5] } }));
    const hidden = () => page.evaluate(() => window.dln.config().network.hidden);
    const kind = () => page.evaluate(() => window.dln.config().dataset.kind);
    assert.deepEqual(await hidden(), [5, 5]);
    await page.evaluate(() => window.history.back());
    await page.waitForFunction(() => window.dln.config().network.hidden.length === 1);
    assert.equal(await kind(), 'toy4');
    assert.deepEqual(await hidden(), [16]);
    assert.equal(await page.inputValue('[data-param="hidden"][data-part="layers"]'), '1', 'the controls follow');
    await page.evaluate(() => window.history.back());
    await page.waitForFunction(() => window.dln.config().dataset.kind === 'rm8');
    await page.evaluate(() => window.history.forward());
    await page.waitForFunction(() => window.dln.config().dataset.kind === 'toy4');
    await page.evaluate(() => window.history.forward());
    await page.waitForFunction(() => window.dln.config().network.hidden.length === 2);
    assert.deepEqual(await hidden(), [5, 5]);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a slider change replaces the history entry instead of adding one', async () => {
    const { page } = await openPage(site.context, site.url);
    const before = await page.evaluate(() => window.history.length);
    await page.$eval('[data-param="lr"]', (el) => {
      for (const v of ['-2.5', '-2.4', '-2.3']) {
        el.value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }
    });
    await page.waitForFunction(() => /lr=0\.005/.test(window.location.hash));
    assert.equal(await page.evaluate(() => window.history.length), before);
    await page.close();
  });

  test('a link to a scrubbed time trains up to it and shows the panels there', async () => {
    const { page, problems } = await openPage(site.context, `${site.url}#preset=illusion&t=1350`);
    await page.waitForFunction(() => window.dln.view().scrub === 1350, null, { timeout: 30000 });
    assert.ok((await page.evaluate(() => window.dln.state().step)) >= 1350);
    assert.equal(await page.evaluate(() => window.dln.view().illusion.feature), 'leaves');
    assert.match(await page.textContent('[data-role="caption"]'), /\S/, 'the preset caption is shown');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a link keeps its t, ill, cat and proj in the address after opening and after reload', async () => {
    // The illusion preset's own pick is pine,leaves, so the address may leave it out as the
    // preset's default once the page rewrites it (the chapter scrolled to): the view must keep it.
    const links = [
      ['#preset=illusion&t=1350&ill=pine,leaves', 1350, ['preset=illusion', 't=1350']],
      ['#preset=illusion&t=1350&ill=oak,leaves', 1350, ['preset=illusion', 't=1350', 'ill=oak,leaves']],
      ['#t=500', 500, ['t=500']],
      ['#lr=0.005&t=2000', 2000, ['lr=0.005', 't=2000']],
      ['#t=600&cat=2&proj=item&proj_feature=fly', 600, ['t=600', 'cat=2', 'proj=item', 'proj_feature=fly']],
    ];
    for (const [link, t, keys] of links) {
      const { page, problems } = await openPage(site.context, `${site.url}${link}`);
      for (const when of ['after opening', 'after reload']) {
        await page.waitForFunction((step) => window.dln.view().scrub === step, t, { timeout: 30000 });
        // A frame later the address still says what the link said.
        await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
        const hash = decodeURIComponent(await hashOf(page));
        for (const k of keys) assert.ok(hash.includes(k), `${link} ${when}: ${hash} keeps ${k}`);
        const ill = link.match(/ill=(\w+),(\w+)/);
        if (ill) {
          const pick = await page.evaluate(() => window.dln.view().illusion);
          assert.deepEqual([pick?.item, pick?.feature], [ill[1], ill[2]], `${link} ${when}: the view keeps the pick`);
        }
        assert.equal(await page.$('[data-role="link-message"]'), null, `${link} ${when}: no message`);
        if (when === 'after opening') {
          await page.reload();
          await page.waitForFunction(() => window.dln);
        }
      }
      assert.deepEqual(problems, []);
      await page.close();
    }
  });

  test('a t past the end of the run is clamped with a message, and the address says where it went', async () => {
    const { page, problems } = await openPage(site.context, `${site.url}#steps=1000&t=5000`);
    await page.waitForFunction(() => window.dln.view().scrub === 1000, null, { timeout: 30000 });
    const text = await page.textContent('[data-role="link-message"]');
    assert.match(text, /t=5000 is past the end: the run ends at step 1000, so the panels show step 1000/);
    await page.waitForFunction(() => /t=1000/.test(window.location.hash));
    assert.match(await hashOf(page), /steps=1000/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a junk link opens the default with a dismissable message naming what was ignored', async () => {
    const junk = '#lr=abc&zzz=1&hidden=-3&%3Cimg%20src%3Dx%3E=1';
    const { page, problems } = await openPage(site.context, `${site.url}${junk}`);
    const box = page.locator('[data-role="link-message"]');
    assert.ok(await box.isVisible());
    const text = await box.textContent();
    for (const name of ['lr', 'zzz', 'hidden', '<img src=x>']) assert.ok(text.includes(name), `the message names ${name}: ${text}`);
    assert.equal(await page.$$eval('[data-role="link-message"] img', (x) => x.length), 0, 'link text is never HTML');
    const cfg = await page.evaluate(() => window.dln.config());
    assert.equal(cfg.train.lr, 0.002);
    assert.deepEqual(cfg.network.hidden, [16]);
    await page.evaluate(() => window.dln.step(500));
    assert.ok(await page.evaluate(() => window.dln.state().loss < 40));
    assert.ok(await inkedPixels(page, 'canvas[data-chart="loss"]') > 2000);
    await page.click('[data-role="link-message"] button');
    assert.equal(await page.$('[data-role="link-message"]'), null);
    assert.doesNotMatch(await hashOf(page), /zzz/, 'what was ignored is dropped from the address');
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('embed mode', () => {
  test('embed=1 hides the chrome, lr_hide the learning rate, panels= all other charts', async () => {
    const { page, problems } = await openPage(site.context, `${site.url}#embed=1&lr_hide=1&panels=loss,modes`);
    for (const sel of ['.page-header', '.page-footer', '[data-preset]', '[data-share="copy"]', '[data-param="lr"]', '#lr-hint']) {
      assert.equal(await page.isVisible(sel), false, `${sel} is hidden`);
    }
    for (const sel of ['[data-param="seed"]', '[data-action="play"]', 'canvas[data-chart="loss"]', 'canvas[data-chart="modes"]']) {
      assert.ok(await page.isVisible(sel), `${sel} is shown`);
    }
    for (const p of ['output', 'svd', 'mds', 'rsm', 'illusion', 'coherence']) {
      assert.equal(await page.isVisible(`[data-panel="${p}"]`), false, `${p} is hidden`);
    }
    await page.evaluate(() => window.dln.step(300));
    assert.ok(await inkedPixels(page, 'canvas[data-chart="modes"]') > 2000);
    await page.hover('[data-role="open-full"]');
    const full = await page.getAttribute('[data-role="open-full"]', 'href');
    assert.doesNotMatch(full, /embed=|panels=|_hide=/, `the full page has everything: ${full}`);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('hide flags hide single controls and a group whose controls are all hidden, outside embed mode too', async () => {
    const { page, problems } = await openPage(site.context, `${site.url}#hidden_hide=1&act_hide=1&t_hide=1&init_hide=1&scale_hide=1&rule_hide=1&seed=3`);
    for (const sel of ['[data-param="hidden"][data-part="layers"]', '[data-param="hidden"][data-part="width"]', '[data-param="act"]', '[data-scrub]', '[data-action="live"]']) {
      assert.equal(await page.isVisible(sel), false, `${sel} is hidden`);
    }
    assert.equal(await page.$eval('[data-param="hidden"][data-part="layers"]', (el) => el.closest('fieldset').checkVisibility()), false, 'the Network group goes');
    for (const sel of ['.page-header', '[data-param="lr"]', '[data-action="play"]', '[data-param="seed"]']) {
      assert.ok(await page.isVisible(sel), `${sel} is shown`);
    }
    assert.equal(await page.inputValue('[data-param="seed"]'), '3');
    const initGroup = () => page.$eval('[data-param="init"]', (el) => el.closest('fieldset').checkVisibility());
    assert.equal(await initGroup(), false, 'the Initialisation group goes while λ does not apply (and the std rule is hidden)');
    await page.evaluate(() => window.dln.setConfig({ init: { kind: 'balanced', scale: 0.001 } }));
    assert.equal(await initGroup(), true, 'and comes back with λ when it does');
    assert.ok(await page.isVisible('[data-param="lambda"]'));
    await page.evaluate(() => window.dln.setConfig({ train: { lr: 0.003 } }));
    await page.waitForFunction(() => /lr=0\.003/.test(window.location.hash));
    assert.match(await hashOf(page), /hidden_hide=1/, 'the flags stay in the address');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('Copy link puts the address of the current state on the clipboard', async () => {
    await site.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.setConfig({ train: { seed: 42 } }));
    await page.click('[data-share="copy"]');
    await page.waitForFunction(() => /copied/i.test(document.querySelector('[data-role="notice"]').textContent));
    const text = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(text, await page.evaluate(() => window.location.href));
    assert.match(text, /#.*seed=42/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the Embed dialog gives an iframe snippet of the current state with the chosen charts', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.setConfig({ train: { lr: 0.004 } }));
    await page.click('[data-share="embed"]');
    const dlg = page.locator('dialog[data-role="embed"]');
    assert.ok(await dlg.isVisible());
    for (const p of ['output', 'svd', 'mds', 'rsm', 'illusion', 'typicality', 'projection', 'coherence']) {
      await dlg.locator(`input[value="${p}"]`).uncheck();
    }
    const snippet = await dlg.locator('[data-role="embed-snippet"]').inputValue();
    assert.match(snippet, /^<iframe src="http[^"]+#[^"]*embed=1[^"]*" /);
    assert.match(snippet, /panels=loss%2Cmodes|panels=loss,modes/);
    assert.match(snippet, /lr=0\.004/);
    const src = snippet.match(/src="([^"]+)"/)[1].replace(/&amp;/g, '&');
    await page.click('dialog[data-role="embed"] button[type="submit"]');
    assert.equal(await dlg.isVisible(), false);

    const { page: framed, problems: p2 } = await openPage(site.context, src);
    assert.equal(await framed.isVisible('.page-header'), false);
    assert.equal(await framed.isVisible('[data-panel="mds"]'), false);
    assert.ok(await framed.isVisible('[data-panel="modes"]'));
    assert.equal(await framed.evaluate(() => window.dln.config().train.lr), 0.004);
    assert.deepEqual([...problems, ...p2], []);
    await page.close();
    await framed.close();
  });
});

describe('export', () => {
  test('a chart saved as SVG parses and holds its series', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.setConfig({ init: { kind: 'balanced', scale: 0.001 } }));
    await page.evaluate(() => window.dln.step(1000));
    await recordBlobs(page);
    await page.click('[data-export-panel="modes.svg"]');
    const blob = await lastBlob(page);
    assert.equal(blob.type, 'image/svg+xml');
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { errors: doc.getElementsByTagName('parsererror').length, root: doc.documentElement.nodeName, lines: doc.querySelectorAll('polyline').length };
    }, blob.text);
    assert.equal(parsed.errors, 0);
    assert.equal(parsed.root, 'svg');
    assert.ok(parsed.lines >= 8, `${parsed.lines} polylines: one per mode at least`);
    assert.ok(blob.text.includes('exact for these steps'), 'the legend is in the SVG');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('every chart saves as SVG that parses', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(500));
    // The sweep chart has data once a (small) sweep has run.
    assert.equal(await page.evaluate(() => window.dln.sweep({ depths: [1, 2, 4] })), null);
    await page.waitForFunction(() => window.dln.sweepState().status === 'done', null, { timeout: 60000 });
    const panels = await page.$$eval('canvas[data-chart]', (cs) => cs.map((c) => c.dataset.chart));
    assert.ok(panels.includes('sweep') && panels.includes('phase'), `every section's charts: ${panels}`);
    for (const p of panels) {
      const res = await page.evaluate((name) => {
        const text = window.dln.svg(name, 640, 420);
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        return {
          errors: doc.getElementsByTagName('parsererror').length,
          shapes: doc.querySelectorAll('polyline, path, rect, circle, line').length,
          text: doc.documentElement.textContent.replace(/\s+/g, ' ').trim(),
        };
      }, p);
      assert.equal(res.errors, 0, `${p} parses`);
      // A chart with data draws it; one whose chapter has nothing for it yet (the deep student's
      // modes before that preset) says what it is waiting for.
      assert.ok(res.shapes > 10 || res.text.length > 20, `${p} has ${res.shapes} shapes and says "${res.text}"`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a chart saved as PNG is a non-empty image/png', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(300));
    await recordBlobs(page);
    await page.hover('[data-panel="loss"]');
    await page.click('[data-export-panel="loss.png"]');
    const blob = await lastBlob(page);
    assert.equal(blob.type, 'image/png');
    assert.ok(blob.size > 2000, `${blob.size} bytes`);
    assert.deepEqual(blob.head, [137, 80, 78, 71, 13, 10, 26, 10], 'the PNG signature');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a config saved as JSON loads back as the same config, and a bad one is refused', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.setConfig({ dataset: { kind: 'tree', branching: 3, levels: 2 }, network: { hidden: [7] }, train: { lr: 0.003, seed: 4 } }));
    const saved = await page.evaluate(() => window.dln.config());
    await recordBlobs(page);
    await page.click('[data-export="config"]');
    const blob = await lastBlob(page);
    assert.equal(blob.type, 'application/json');
    assert.deepEqual(JSON.parse(blob.text), saved);

    await page.evaluate(() => window.dln.setConfig({ dataset: { kind: 'rm8' }, network: { hidden: [16] } }));
    await page.setInputFiles('[data-export="config-file"]', { name: 'c.json', mimeType: 'application/json', buffer: Buffer.from(blob.text) });
    await page.waitForFunction(() => window.dln.config().dataset.kind === 'tree');
    assert.deepEqual(await page.evaluate(() => window.dln.config()), saved);

    await page.setInputFiles('[data-export="config-file"]', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"train": {"lr": -1}}') });
    await page.waitForFunction(() => !document.querySelector('[data-role="error"]').hidden);
    const msg = await page.textContent('[data-role="error"]');
    assert.match(msg, /bad\.json/);
    assert.match(msg, /train\.lr/);
    assert.deepEqual(await page.evaluate(() => window.dln.config()), saved, 'the config is unchanged');

    // Dropped on the page.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['{"train": {"seed": 11}}'], 'seed.json', { type: 'application/json' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => window.dln.config().train.seed === 11);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the run saves as CSV and JSON in the shape dln run writes', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(200));
    await recordBlobs(page);
    await page.click('[data-export="run-csv"]');
    const csv = await lastBlob(page);
    assert.equal(csv.type, 'text/csv');
    const rows = csv.text.trim().split('\n');
    assert.match(rows[0], /^step,time,loss,theory_loss,mode_1/);
    assert.equal(rows.length, 1 + 21, 'a header and one row per record (every 10 steps, with step 0)');
    await page.click('[data-export="run-json"]');
    const json = JSON.parse((await lastBlob(page)).text);
    assert.equal(json.steps.at(-1), 200);
    assert.equal(json.loss.at(-1), await page.evaluate(() => window.dln.state().loss));
    assert.deepEqual(problems, []);
    await page.close();
  });
});
