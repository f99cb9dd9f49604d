// The context-and-recurrent-networks chapter in headless Chromium, driven through its own
// controls: its panels draw (read back by hover readouts and by colour at a cell of the gate
// matrix), toggling a gate changes which pathways are trained, the presets load with their
// captions, a bad M, K or T is refused naming the field, and its Play runs every part to the end
// while the page keeps drawing frames.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, showCanvas, useBrowser } from './harness.mjs';

const site = useBrowser();

const SECTION = 'section[data-chapter="context"]';
const GATES = 'canvas[data-chart="context_gates"]';
/** The trained cells' fill: the light theme's first series colour (src/charts/mod.rs, Okabe–Ito blue). */
const TRAINED = [0, 114, 178];

/** The hover readout at CSS pixel (x, y) of a canvas, or null. */
async function readout(page, selector, x, y, { show = true } = {}) {
  if (show) await showCanvas(page, selector);
  const box = await page.$eval(selector, (c) => {
    const r = c.getBoundingClientRect();
    return { left: r.left, top: r.top };
  });
  await page.mouse.move(box.left + x, box.top + y);
  return page.evaluate(() => {
    const t = document.querySelector('[data-role="tooltip"]');
    return t.hidden ? null : t.textContent;
  });
}

/** The colour at CSS pixel (x, y) of a canvas. */
function colourAt(page, selector, x, y) {
  return page.$eval(selector, (c, [px, py]) => {
    const dpr = c.width / c.getBoundingClientRect().width;
    return [...c.getContext('2d').getImageData(Math.round(px * dpr), Math.round(py * dpr), 1, 1).data.slice(0, 3)];
  }, [x, y]);
}

/** The centre (CSS pixels) of gate cell (i, j), found by reading the chart's readouts along a line. */
async function gateCell(page, i, j) {
  const w = await page.$eval(GATES, (c) => c.getBoundingClientRect().width);
  const h = await page.$eval(GATES, (c) => c.getBoundingClientRect().height);
  await showCanvas(page, GATES);
  const hits = [];
  for (let y = 30; y < h; y += 3) {
    const t = await readout(page, GATES, 66, y, { show: false });
    if (t?.startsWith(`input ${i} →`)) hits.push(y);
  }
  const cy = hits.length ? (hits[0] + hits.at(-1)) / 2 : null;
  assert.ok(cy !== null, `no row of input ${i} in the gate chart`);
  const xs = [];
  for (let x = 0; x < w; x += 3) {
    const t = await readout(page, GATES, x, cy, { show: false });
    if (t?.startsWith(`input ${i} → output ${j}:`)) xs.push(x);
  }
  assert.ok(xs.length, `no cell (${i}, ${j}) in the gate chart`);
  return { x: (xs[0] + xs.at(-1)) / 2, y: cy };
}

function near(a, b, tol = 12) {
  return a.every((v, k) => Math.abs(v - b[k]) <= tol);
}

async function textOf(page, sel) {
  return page.$eval(`${SECTION} ${sel}`, (e) => e.textContent);
}

/** Plays the chapter and waits until every run is done. */
async function playToEnd(page) {
  await page.click(`${SECTION} [data-context-play]`);
  await page.waitForFunction((sel) => document.querySelector(`${sel} [data-context-play]`).textContent === 'Play', SECTION, { timeout: 60000 });
}

describe('the context chapter', () => {
  test('plays its own runs to the end a few steps per frame, and every panel reads out what it shows', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.$eval(SECTION, (s) => s.scrollIntoView());
    // Frames keep coming while the chapter plays: note the interval of each.
    await page.evaluate(() => {
      window.__intervals = [];
      let last = performance.now();
      const tick = (now) => {
        window.__intervals.push(now - last);
        last = now;
        if (!window.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await playToEnd(page);
    const intervals = await page.evaluate(() => { window.__stop = true; return window.__intervals; });
    intervals.sort((a, b) => a - b);
    console.log(`${intervals.length} frames while the chapter played; median interval ${intervals[intervals.length >> 1].toFixed(1)} ms, 95th percentile ${intervals[Math.floor(0.95 * intervals.length)].toFixed(1)} ms`);
    assert.ok(intervals.length >= 100, `only ${intervals.length} frames while it played`);
    const status = await textOf(page, '[data-role="context-status"]');
    assert.match(status, /routing 1,500\/1,500 \(done\)/);
    assert.match(status, /ReLU 3,000\/3,000 \(done\)/);
    assert.match(await textOf(page, '[data-role="context-gates-note"]'), /exact: the reduced map/);
    const cases = [
      ['context_race', /^t\/τ = .* input 0 → output \d \((trained|never trained)\) · mode \d .*exact/],
      ['context_layers', /^t\/τ = .* simulation b_h = .* reduction b_h = .* b_h \/ b_in = /],
      ['context_general', /^t\/τ = .* · no reduction/],
      ['context_lags', /^lag \d: target .* learned c·m\^lag·b = .* reduction/],
      ['context_kernel', /^t\/τ = .* · lag \d: simulation .* reduction .* target/],
      ['context_scalars', /^t\/τ = .* simulation b = .* reduction b = /],
      ['context_relu', /^t\/τ = .* gated linear .* ReLU .* no theory/],
    ];
    for (const [panel, want] of cases) {
      const sel = `canvas[data-chart="${panel}"]`;
      const w = await page.$eval(sel, (c) => c.getBoundingClientRect().width);
      const t = await readout(page, sel, 0.4 * w, 150);
      assert.match(t ?? '', want, panel);
    }
    assert.match(await readout(page, 'canvas[data-chart="context_relu_gates"]', 80, 56) ?? '', /^unit \d+, context 0: on for \d+% of items · simulation only, no theory/);
    // The converged recurrent kernel: lag 0 near its target 2.
    const lag0 = await readout(page, 'canvas[data-chart="context_lags"]', 75, 150);
    const m = /target 2, learned c·m\^lag·b = ([\d.]+)/.exec(lag0);
    assert.ok(m && Math.abs(Number(m[1]) - 2) < 0.05, lag0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('toggling a gate, in the grid or on the chart, changes which pathways are trained', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await showCanvas(page, GATES);
    assert.match(await textOf(page, '[data-role="context-gates-note"]'), /^8 of 16 pathways trained \(K = 2 per input\)/);
    const cell = await gateCell(page, 0, 2);
    assert.ok(near(await colourAt(page, GATES, cell.x, cell.y), [255, 255, 255]), 'input 0 → output 2 starts untrained (empty)');
    const trained = await gateCell(page, 0, 1);
    assert.ok(near(await colourAt(page, GATES, trained.x, trained.y), TRAINED), 'input 0 → output 1 starts trained (filled)');
    // The grid of toggles.
    const btn = `${SECTION} [data-context-gates] button[data-i="0"][data-j="2"]`;
    assert.equal(await page.$eval(btn, (b) => b.getAttribute('aria-pressed')), 'false');
    await page.click(btn);
    assert.equal(await page.$eval(btn, (b) => b.getAttribute('aria-pressed')), 'true');
    assert.match(await textOf(page, '[data-role="context-gates-note"]'), /^9 of 16 pathways trained \(a matrix of your own\)/);
    await showCanvas(page, GATES);
    assert.ok(near(await colourAt(page, GATES, cell.x, cell.y), TRAINED), 'the chart fills the newly trained cell');
    assert.match(await readout(page, GATES, cell.x, cell.y), /^input 0 → output 2: trained/);
    // A click on the chart toggles it back.
    const box = await page.$eval(GATES, (c) => { const r = c.getBoundingClientRect(); return { left: r.left, top: r.top }; });
    await page.mouse.click(box.left + cell.x, box.top + cell.y);
    await showCanvas(page, GATES);
    assert.equal(await page.$eval(btn, (b) => b.getAttribute('aria-pressed')), 'false');
    assert.ok(near(await colourAt(page, GATES, cell.x, cell.y), [255, 255, 255]));
    assert.match(await textOf(page, '[data-role="context-gates-note"]'), /^8 of 16 pathways trained \(K = 2 per input\)/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('presets load into the chapter with captions saying what to look for', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const sel = `${SECTION} [data-context-preset]`;
    const options = await page.$$eval(`${sel} option`, (os) => os.map((o) => [o.value, o.textContent]));
    assert.deepEqual(options.map((o) => o[1]).slice(1), [
      'The race to abstraction',
      'Generalising to untrained routes',
      'ReLU networks gate too',
      'Recurrent networks learn recent inputs first',
      'A kernel a recurrent network cannot learn',
    ]);
    for (const [id, name] of options.slice(1)) {
      await page.selectOption(sel, id);
      const caption = await textOf(page, '[data-role="context-caption"]');
      assert.ok(caption.startsWith(`${name}: `) && caption.length > 100, caption);
    }
    await page.selectOption(sel, 'race');
    assert.equal(await page.$eval(`${SECTION} [data-context-m]`, (e) => e.value), '7');
    assert.equal(await page.$eval(`${SECTION} [data-context-k]`, (e) => e.value), '4');
    assert.equal(await page.$$eval(`${SECTION} [data-context-gates] button`, (bs) => bs.length), 49);
    await page.selectOption(sel, 'relu');
    assert.match(await textOf(page, '[data-role="context-caption"]'), /no theory/);
    await page.selectOption(sel, 'geometric');
    assert.match(await textOf(page, '[data-role="context-recurrent-note"]'), /Target kernel by lag: 1, 0\.2, 0\.2\./);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a bad M, K or T is refused with a message naming the field, and nothing changes', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const set = async (field, v) => {
      await page.fill(`${SECTION} ${field}`, String(v));
      await page.$eval(`${SECTION} ${field}`, (e) => e.dispatchEvent(new Event('change')));
      return textOf(page, '[data-role="context-message"]');
    };
    // The boxes take their limits from the chapter's fields (dln.chapters()), not from the HTML.
    const fields = await page.evaluate(() => window.dln.chapters().find((c) => c.id === 'context').fields);
    const limit = (key) => fields.find((f) => f.key === key);
    assert.deepEqual([limit('context-m').max, limit('context-t').max], [16, 32]);
    assert.deepEqual(await page.$eval(`${SECTION} [data-context-m]`, (e) => [e.min, e.max]), ['1', '16']);
    assert.deepEqual(await page.$eval(`${SECTION} [data-context-t]`, (e) => [e.min, e.max]), ['1', '32']);
    assert.equal(await set('[data-context-m]', 0), 'Domains M: must be an integer from 1 to 16; got 0');
    assert.equal(await page.$eval(`${SECTION} [data-context-m]`, (e) => e.getAttribute('aria-invalid')), 'true');
    assert.equal(await set('[data-context-m]', 4), '');
    assert.equal(await set('[data-context-k]', 9), 'Trained outputs per input K: must be between 1 and domains (4); got 9');
    assert.equal(await page.$eval(`${SECTION} [data-context-k]`, (e) => e.getAttribute('aria-invalid')), 'true');
    assert.equal(await set('[data-context-k]', ''), 'Trained outputs per input K: enter a whole number from 1 to M');
    assert.equal(await set('[data-context-t]', 0), 'Sequence length T: must be an integer from 1 to 32; got 0');
    assert.match(await textOf(page, '[data-role="context-gates-note"]'), /^8 of 16 pathways trained \(K = 2 per input\)/);
    assert.match(await textOf(page, '[data-role="context-recurrent-note"]'), /Target kernel by lag: 2, 1, 0\.5\./);
    // Good values are taken: M = 5 with K = 3, and T = 4 continues the kernel geometrically.
    await set('[data-context-k]', 3);
    await set('[data-context-m]', 5);
    assert.match(await textOf(page, '[data-role="context-gates-note"]'), /^15 of 25 pathways trained \(K = 3 per input\)/);
    assert.equal(await set('[data-context-t]', 4), '');
    assert.match(await textOf(page, '[data-role="context-recurrent-note"]'), /Target kernel by lag: 2, 1, 0\.5, 0\.25\./);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
