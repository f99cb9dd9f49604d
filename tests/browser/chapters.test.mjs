// The chapter registry as the page sees it: one list of chapters on each side, one list of
// calls behind window.dln, the element and postMessage, a small per-frame status, and panels
// that are redrawn only when what they show changed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useBrowser } from './harness.mjs';

const site = useBrowser();

describe('the chapter registry', () => {
  test('every chapter module of the page is a chapter of the registry, and every registry panel has its canvas', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const rust = await page.evaluate(() => window.dln.chapters());
    const ids = rust.map((c) => c.id);
    assert.deepEqual(ids.slice(0, 3), ['learning', 'semantic', 'depth']);
    const js = await page.evaluate(async () => Object.keys((await import('./www/chapters/index.js')).CHAPTERS));
    for (const id of js) assert.ok(ids.includes(id), `www/chapters/index.js lists ${id}, which the registry does not`);
    const canvases = await page.evaluate(() => [...document.querySelectorAll('canvas[data-chart]')].map((c) => c.dataset.chart));
    for (const c of rust.filter((ch) => ['learning', 'semantic', 'depth'].includes(ch.id))) {
      for (const p of c.panels) assert.ok(canvases.includes(p.name), `no canvas for ${c.id}'s panel ${p.name}`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('window.dln, the element and the postMessage API offer the same calls, from one list', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const { names, arity, element } = await page.evaluate(async () => {
      const { CALLS, ARITY } = await import('./www/calls.js');
      await import('./www/dln-explorer.js');
      const el = document.createElement('dln-explorer');
      return {
        names: CALLS.map((c) => c.name),
        arity: Object.keys(ARITY),
        element: CALLS.filter((c) => typeof el[c.name] === 'function').map((c) => c.name),
      };
    });
    assert.deepEqual(Object.keys(await page.evaluate(() => window.dln)).sort(), [...names].sort());
    assert.deepEqual(arity, names);
    assert.deepEqual(element, names);
    assert.ok(names.includes('chapters') && names.includes('status') && names.includes('sweep'));
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the per-frame status is a small fraction of the full state and follows the run', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const r = await page.evaluate(() => {
      window.dln.step(300);
      const s = window.dln.status();
      return { s, statusBytes: JSON.stringify(s).length, stateBytes: JSON.stringify(window.dln.state()).length, state: window.dln.state() };
    });
    assert.equal(r.s.step, 300);
    assert.equal(r.s.loss, r.state.loss);
    assert.ok(r.statusBytes * 10 < r.stateBytes, `status ${r.statusBytes} B, state ${r.stateBytes} B`);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a panel whose picture has not changed is not redrawn, and a step redraws it', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const frames = (n) => page.evaluate((k) => new Promise((ok) => {
      const tick = () => (--k <= 0 ? ok() : requestAnimationFrame(tick));
      requestAnimationFrame(tick);
    }), n);
    await frames(5);
    // Paint a marker into the loss chart; while nothing changes the page must leave it alone.
    const mark = () => page.evaluate(() => {
      const c = document.querySelector('canvas[data-chart="loss"]');
      const g = c.getContext('2d');
      g.fillStyle = 'rgb(1, 2, 3)';
      g.fillRect(0, 0, 4, 4);
    });
    const marked = () => page.evaluate(() => {
      const d = document.querySelector('canvas[data-chart="loss"]').getContext('2d').getImageData(1, 1, 1, 1).data;
      return d[0] === 1 && d[1] === 2 && d[2] === 3;
    });
    await mark();
    await page.evaluate(() => window.dln.setView({}));
    await frames(10);
    assert.ok(await marked(), 'an unchanged chart was redrawn');
    await page.evaluate(() => window.dln.step(10));
    await frames(3);
    assert.ok(!(await marked()), 'a step did not redraw the loss chart');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
