// The page's layout at a desktop, a laptop and a phone size: the transport bar and its messages
// stay in view at every scroll position, keyboard focus never lands under the bar or off screen,
// the first chart is above the fold on a phone, a tap reads a chart, Reset while playing leaves
// the transport consistent, the chapter navigation follows the page and the address names the
// chapter, the tour opens from a link, the charts read aloud from the keyboard and have data
// tables, the embed snippet fits its page, and axe-core finds no accessibility violation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, openPage, showCanvas, useBrowser } from './harness.mjs';

const site = useBrowser();
const SIZES = [[1400, 1000], [1366, 668], [375, 800]];
const AXE = join(REPO, 'tests/browser/node_modules/axe-core/axe.min.js');

async function open(url, [width, height]) {
  const opened = await openPage(site.context, url);
  await opened.page.setViewportSize({ width, height });
  await frames(opened.page, 2);
  return opened;
}

function frames(page, n = 1) {
  return page.evaluate((k) => new Promise((ok) => {
    const next = (i) => (i <= 0 ? ok() : requestAnimationFrame(() => next(i - 1)));
    next(k);
  }), n);
}

/** Where an element is, and whether it is wholly inside the viewport and on top at its centre. */
function seen(page, selector) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    const inside = r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return { inside, onTop: Boolean(hit && (el === hit || el.contains(hit))), box: [r.left, r.top, r.right, r.bottom].map(Math.round) };
  });
}

async function scrollTo(page, fraction) {
  await page.evaluate((f) => window.scrollTo(0, f * (document.documentElement.scrollHeight - window.innerHeight)), fraction);
  await frames(page, 2);
}

describe('the transport bar', () => {
  // The three sizes of the issue, a tablet in portrait (one column, just under the two-column
  // width) and a wide screen.
  for (const size of [...SIZES, [800, 1100], [2560, 1440]]) {
    test(`at ${size.join('x')} Play, Speed, Time, the readout and a notice are in view at every scroll position`, async () => {
      const { page, problems } = await open(site.url, size);
      for (const [i, f] of [0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 1].entries()) {
        await scrollTo(page, f);
        for (const sel of ['[data-action="play"]', '[data-action="step"]', '[data-action="reset"]', '[data-speed]', '[data-scrub]', '[data-role="status"]']) {
          const s = await seen(page, sel);
          assert.ok(s.inside && s.onTop, `${sel} at scroll ${f}: ${JSON.stringify(s)}`);
        }
        // A change that restarts the run leaves a notice in the message area: in view in the
        // next frame.
        const notice = await page.evaluate((w) => new Promise((ok) => {
          window.dln.setConfig({ network: { hidden: [w] } });
          requestAnimationFrame(() => {
            const el = document.querySelector('[data-role="notice"]');
            const r = el.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            ok({ text: el.textContent, inside: r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight, onTop: Boolean(hit && el.contains(hit)) });
          });
        }), 12 + (i % 2));
        assert.match(notice.text, /restarted/);
        assert.ok(notice.inside && notice.onTop, `the notice at scroll ${f}: ${JSON.stringify(notice)}`);
      }
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  for (const size of SIZES) {
    test(`at ${size.join('x')} a divergence message is in view in the frame the run diverges`, async () => {
      const { page } = await open(site.url, size);
      await scrollTo(page, 0.5);
      await page.evaluate(() => window.dln.setConfig({ train: { lr: 5 } }));
      // Each frame (after the explorer's own callback): has the run diverged, and is the message
      // on screen?
      const frame = await page.evaluate(() => new Promise((ok) => {
        const el = document.querySelector('[data-role="error"]');
        let n = 0;
        const check = () => {
          n += 1;
          const s = window.dln.state();
          if (s.diverged) {
            const r = el.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            ok({ n, hidden: el.hidden, text: el.textContent, inside: r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0, onTop: Boolean(hit && el.contains(hit)) });
            return;
          }
          if (n > 2000) ok({ n, timeout: true });
          else requestAnimationFrame(check);
        };
        window.dln.play();
        requestAnimationFrame(check);
      }));
      assert.ok(!frame.timeout, 'the run diverged');
      assert.equal(frame.hidden, false);
      assert.match(frame.text, /diverged at step \d+/);
      assert.ok(frame.inside && frame.onTop, JSON.stringify(frame));
      assert.equal(await page.textContent('[data-action="play"]'), 'Play');
      await page.close();
    });

    test(`at ${size.join('x')} Tab from Play to Copy link and on into the page never focuses a control under the bar or off screen`, async () => {
      const { page } = await open(site.url, size);
      await scrollTo(page, 0.45);
      await page.focus('[data-action="play"]');
      const order = [];
      for (let i = 0; i < 14; i += 1) {
        const f = await page.evaluate(() => {
          const el = document.activeElement;
          const r = el.getBoundingClientRect();
          const bar = document.querySelector('[data-transport]');
          const b = bar.getBoundingClientRect();
          const inBar = bar.contains(el);
          return {
            what: el.dataset.action || el.dataset.share || (el.dataset.speed !== undefined ? 'speed' : '') || (el.dataset.scrub !== undefined ? 'time' : '') || el.textContent.trim().slice(0, 20) || el.tagName,
            ok: r.height > 0 && r.bottom <= window.innerHeight + 0.5 && r.top >= (inBar ? 0 : b.bottom - 0.5),
            box: [r.top, r.bottom].map(Math.round),
            bar: Math.round(b.bottom),
          };
        });
        order.push(f.what);
        assert.ok(f.ok, `focus ${i} (${f.what}) is in view below the bar: ${JSON.stringify(f)}`);
        await page.keyboard.press('Tab');
        await frames(page, 2);
      }
      assert.deepEqual(order.slice(0, 6), ['play', 'step', 'reset', 'speed', 'time', 'copy']);
      await page.close();
    });
  }

  test('Reset while playing goes back to step 0 and pauses, and the button says Play', async () => {
    const { page, problems } = await open(site.url, [1366, 668]);
    await page.click('[data-action="play"]');
    await page.waitForFunction(() => window.dln.state().step > 100);
    assert.equal(await page.getAttribute('[data-action="play"]', 'aria-pressed'), 'true');
    await page.click('[data-action="reset"]');
    assert.equal(await page.textContent('[data-action="play"]'), 'Play');
    assert.equal(await page.getAttribute('[data-action="play"]', 'aria-pressed'), 'false');
    await frames(page, 5);
    assert.equal(await page.evaluate(() => window.dln.state().step), 0, 'no steps are taken after the reset');
    // Play starts again from 0.
    await page.click('[data-action="play"]');
    await page.waitForFunction(() => window.dln.state().step > 0);
    assert.equal(await page.textContent('[data-action="play"]'), 'Pause');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the speed is stated in steps per second, and Step advances by a sixtieth of a second of them', async () => {
    const { page } = await open(site.url, [1400, 1000]);
    assert.equal(await page.textContent('[data-show="speed"]'), '1,000 steps/s');
    await page.click('[data-action="step"]');
    assert.equal(await page.evaluate(() => window.dln.state().step), 17);
    await page.$eval('[data-speed]', (el) => { el.value = '4'; el.dispatchEvent(new Event('input', { bubbles: true })); });
    assert.equal(await page.textContent('[data-show="speed"]'), '10,000 steps/s');
    await page.close();
  });
});

describe('phones and touch', () => {
  test('at 375x800 the transport bar and the first chart are above the fold, and the chart buttons leave its title clear', async () => {
    const { page, problems } = await open(site.url, [375, 800]);
    const bar = await seen(page, '[data-transport]');
    assert.ok(bar.inside, JSON.stringify(bar));
    const chart = await seen(page, 'canvas[data-chart="loss"]');
    assert.ok(chart.inside && chart.onTop, `the loss chart ${JSON.stringify(chart)}`);
    // No chart's PNG/SVG buttons overlap its title.
    const overlaps = await page.$$eval('figure.panel', (figs) => figs.filter((f) => {
      const h = f.querySelector('h2')?.getBoundingClientRect();
      const b = f.querySelector('.panel-export')?.getBoundingClientRect();
      return h && b && b.width > 0 && !(b.right <= h.left || b.left >= h.right || b.bottom <= h.top || b.top >= h.bottom)
        && [...f.querySelector('h2').getClientRects()].some((r) => !(b.right <= r.left || b.left >= r.right || b.bottom <= r.top || b.top >= r.bottom));
    }).map((f) => f.dataset.panel));
    assert.deepEqual(overlaps, []);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 375, 'nothing is wider than the phone');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a tap on a chart shows its readout above the finger, and dragging moves it', async () => {
    const { page, problems } = await open(site.url, [375, 800]);
    await page.evaluate(() => window.dln.step(8000));
    await frames(page, 2);
    const box = await (await page.$('canvas[data-chart="loss"]')).boundingBox();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    const x = Math.round(box.x + box.width * 0.4);
    const y = Math.round(box.y + box.height * 0.5);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForSelector('[data-role="tooltip"]:not([hidden])');
    const first = await page.textContent('[data-role="tooltip"]');
    assert.match(first, /^step \d+ · loss/);
    const tip = await seen(page, '[data-role="tooltip"]');
    assert.ok(tip.inside, `the readout is on screen: ${JSON.stringify(tip)}`);
    assert.ok(tip.box[3] < y, `the readout is above the finger: ${JSON.stringify(tip)} vs y ${y}`);
    // A horizontal drag reads along the chart.
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    for (let dx = 4; dx <= 80; dx += 4) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x + dx, y }] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    const second = await page.textContent('[data-role="tooltip"]');
    assert.match(second, /^step \d+ · loss/);
    assert.notEqual(second, first, 'the readout followed the finger');
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('chapters', () => {
  test('the navigation lists the data-chapter sections in page order and marks the one in view', async () => {
    const { page, problems } = await open(site.url, [1366, 668]);
    const sections = await page.$$eval('section[data-chapter]', (ss) => ss.map((s) => [s.dataset.chapter, s.querySelector('h2').textContent.trim()]));
    const links = await page.$$eval('[data-role="chapter-nav"] a', (as) => as.map((a) => [a.dataset.chapterLink, a.textContent.trim()]));
    assert.deepEqual(links, sections);
    assert.ok(sections.length >= 3);
    const current = () => page.$eval('[data-role="chapter-nav"] a[aria-current="true"]', (a) => a.dataset.chapterLink);
    assert.equal(await current(), sections[0][0]);
    const last = sections.at(-1)[0];
    await page.click(`[data-role="chapter-nav"] a[data-chapter-link="${last}"]`);
    await page.waitForFunction((id) => document.querySelector(`[data-role="chapter-nav"] a[aria-current="true"]`)?.dataset.chapterLink === id, last);
    // The scroll to it may be smooth: give it a moment to arrive.
    let head = await seen(page, `section[data-chapter="${last}"] h2`);
    for (let i = 0; i < 30 && !(head.inside && head.onTop); i++) {
      await page.waitForTimeout(100);
      head = await seen(page, `section[data-chapter="${last}"] h2`);
    }
    assert.ok(head.inside && head.onTop, `the chapter's title is in view below the bar: ${JSON.stringify(head)}`);
    // Scrolling back to the top marks the first chapter again.
    await scrollTo(page, 0);
    await page.waitForFunction((id) => document.querySelector(`[data-role="chapter-nav"] a[aria-current="true"]`)?.dataset.chapterLink === id, sections[0][0]);
    // The address follows a moment later (it is rewritten in place, debounced).
    await page.waitForFunction(() => !/chapter=/.test(window.location.hash), null, { timeout: 5000 });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the address names the chapter a tab or scrolling goes to, in place, beside the other keys', async () => {
    const { page, problems } = await open(`${site.url}#seed=3`, [1366, 668]);
    const entries = await page.evaluate(() => window.history.length);
    const hash = () => page.evaluate(() => decodeURIComponent(window.location.hash));
    await page.click('[data-role="chapter-nav"] a[data-chapter-link="depth"]');
    await page.waitForFunction(() => /(^#|&)chapter=depth(&|$)/.test(window.location.hash));
    assert.match(await hash(), /seed=3/, 'the other keys stay');
    // Scrolling into another chapter moves the key with it.
    await page.$eval('section[data-chapter="prior"]', (s) => s.scrollIntoView({ block: 'start' }));
    await page.waitForFunction(() => /(^#|&)chapter=prior(&|$)/.test(window.location.hash));
    await page.$eval('section[data-chapter="semantic"]', (s) => s.scrollIntoView({ block: 'start' }));
    await page.waitForFunction(() => /(^#|&)chapter=semantic(&|$)/.test(window.location.hash));
    assert.equal(await page.evaluate(() => window.history.length), entries, 'no history entry per chapter');
    // The first chapter is the top of the page: a link need not name it.
    await scrollTo(page, 0);
    await page.waitForFunction(() => !/chapter=/.test(window.location.hash));
    assert.match(await hash(), /seed=3/);
    assert.equal(await page.$('[data-role="link-message"]'), null, 'no complaint about the link');
    assert.deepEqual(problems, []);
    await page.close();
  });

  for (const size of SIZES) {
    test(`at ${size.join('x')} a link #chapter=depth opens scrolled to that chapter, with the rest of the link applied`, async () => {
      const { page, problems } = await open(`${site.url}#lr=0.005&chapter=depth`, size);
      await frames(page, 2);
      const head = await seen(page, 'section[data-chapter="depth"] h2');
      assert.ok(head.inside && head.onTop, `the chapter's title is in view below the bar: ${JSON.stringify(head)}`);
      assert.equal(await page.$eval('[data-role="chapter-nav"] a[aria-current="true"]', (a) => a.dataset.chapterLink), 'depth');
      assert.equal(await page.evaluate(() => window.dln.config().train.lr), 0.005);
      assert.equal(await page.$('[data-role="link-message"]'), null, 'chapter is a key of the link, not an unknown one');
      assert.match(await page.evaluate(() => window.location.hash), /chapter=depth/, 'the address keeps it');
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  test('a link to a chapter there is not says so and opens the rest', async () => {
    const { page, problems } = await open(`${site.url}#chapter=nowhere&seed=4`, [1400, 1000]);
    const text = await page.textContent('[data-role="link-message"]');
    assert.match(text, /ignored chapter=nowhere: chapters are learning, semantic, depth/);
    assert.equal(await page.evaluate(() => window.dln.config().train.seed), 4);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a link #tour=learning opens the tour, which the keyboard drives and the page remembers', async () => {
    const { page, problems } = await open(`${site.url}#tour=learning&seed=3`, [1400, 1000]);
    const card = page.locator('[data-role="tour"]');
    await card.waitFor();
    assert.match(await card.textContent(), /Step 1 of 5/);
    assert.match(await card.textContent(), /Press: .*Play/);
    assert.equal(await page.evaluate(() => window.dln.config().train.seed), 3, 'the rest of the link is read');
    assert.doesNotMatch(await page.evaluate(() => window.location.hash), /tour=/);
    assert.equal(await page.$('[data-role="link-message"]'), null, 'no complaint about the link');
    // Focus is on Next: Enter moves on, ArrowLeft back, Escape closes.
    assert.equal(await page.evaluate(() => document.activeElement.dataset.tour), 'next');
    await page.keyboard.press('Enter');
    assert.match(await card.textContent(), /Step 2 of 5/);
    await page.keyboard.press('ArrowLeft');
    assert.match(await card.textContent(), /Step 1 of 5/);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Escape');
    assert.equal(await card.count(), 0);
    assert.equal(await page.evaluate(() => localStorage.getItem('dln-tour:learning')), 'done');
    assert.equal(await page.textContent('[data-tour-start="learning"]'), 'Tour again');
    // Every chapter with a tour has 3 to 6 steps, each with its press, watch and takeaway.
    const tours = await page.evaluate(async () => (await import('./www/tours.js')).TOURS);
    for (const [id, steps] of Object.entries(tours)) {
      assert.ok(steps.length >= 3 && steps.length <= 6, `${id}: ${steps.length} steps`);
      for (const s of steps) {
        assert.ok(s.press && s.watch && s.takeaway && s.eq, `${id}: ${s.title}`);
        assert.ok(await page.$(s.target), `${id}: ${s.target} is on the page`);
      }
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  for (const size of SIZES) {
    test(`at ${size.join('x')} every chapter has a tour, and each step's target is in view, not under the card or the bar`, async () => {
      const { page, problems } = await open(site.url, size);
      await page.emulateMedia({ reducedMotion: 'reduce' });
      const ids = await page.evaluate(() => window.dln.chapters().map((c) => c.id));
      const tours = await page.evaluate(async () => (await import('./www/tours.js')).TOURS);
      assert.deepEqual(Object.keys(tours).sort(), [...ids].sort(), 'a tour per chapter');
      for (const id of ids) {
        assert.ok(await page.$(`[data-tour-start="${id}"]`), `${id} has a tour button`);
        for (let i = 0; i < tours[id].length; i += 1) {
          await page.evaluate(async ([c, k]) => (await import('./www/page.js')).tour.open(c, k), [id, i]);
          await frames(page, 2);
          const where = await page.evaluate((sel) => {
            const card = document.querySelector('[data-role="tour"]').getBoundingClientRect();
            const el = document.querySelector(sel);
            const r = el.getBoundingClientRect();
            // The target's visible part: inside the viewport, below the bar, above the card.
            const barEl = document.querySelector('[data-transport]');
            const bar = barEl.getBoundingClientRect();
            const top = Math.max(r.top, barEl.contains(el) ? 0 : bar.bottom, 0);
            const bottom = Math.min(r.bottom, window.innerHeight);
            const hit = document.elementFromPoint(Math.min(Math.max(r.left + r.width / 2, 1), window.innerWidth - 1), (top + Math.min(bottom, card.top > top ? card.top : bottom)) / 2);
            return {
              card: card.top >= 0 && card.bottom <= window.innerHeight && card.left >= 0 && card.right <= window.innerWidth,
              visible: r.width > 0 && r.height > 0 && bottom - top >= Math.min(r.height, 24),
              onTop: Boolean(hit && (hit === el || el.contains(hit) || hit.contains(el))),
              outlined: el.classList.contains('tour-target'),
            };
          }, tours[id][i].target);
          const what = `${id} step ${i + 1} (${tours[id][i].target}): ${JSON.stringify(where)}`;
          assert.ok(where.card && where.visible && where.onTop && where.outlined, what);
        }
        await page.click('[data-tour="close"]');
      }
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  for (const size of SIZES) {
    test(`at ${size.join('x')} a chart and every chapter present full screen, the chart in view and in large type on a wide screen`, async () => {
      const { page, problems } = await open(site.url, size);
      const wide = size[0] >= 900;
      const scaleOf = (sel) => page.evaluate(async (q) => (await import('./www/loop.js')).drawScale(document.querySelector(q), 1), sel);
      await page.$eval('[data-present="modes"]', (b) => b.scrollIntoView({ block: 'center' }));
      const before = await page.$eval('canvas[data-chart="modes"]', (c) => c.clientHeight);
      await page.click('[data-present="modes"]');
      await page.waitForFunction(() => document.fullscreenElement?.dataset.panel === 'modes');
      await frames(page, 2);
      assert.equal(await scaleOf('canvas[data-chart="modes"]'), wide ? 1.6 : 1, 'chart type grows on a wide screen only');
      const c = await page.$eval('canvas[data-chart="modes"]', (el) => { const r = el.getBoundingClientRect(); return { top: r.top, h: r.height, inner: window.innerHeight }; });
      assert.ok(c.h >= before, `the chart is at least as tall full screen: ${c.h} vs ${before}`);
      assert.ok(c.top < c.inner / 2, `the chart starts in the upper half of the screen: ${JSON.stringify(c)}`);
      await page.evaluate(() => document.exitFullscreen());
      await page.waitForFunction(() => !document.fullscreenElement);
      assert.equal(await scaleOf('canvas[data-chart="modes"]'), 1, 'back to the usual type');
      for (const id of await page.evaluate(() => window.dln.chapters().map((ch) => ch.id))) {
        await page.click(`[data-present-chapter="${id}"]`);
        await page.waitForFunction((ch) => document.fullscreenElement?.dataset.chapter === ch, id);
        await frames(page, 2);
        const first = await page.evaluate(() => {
          const cv = [...document.fullscreenElement.querySelectorAll('canvas[data-chart]')].find((el) => el.clientHeight > 0);
          const full = document.fullscreenElement;
          return {
            top: cv.getBoundingClientRect().top,
            inner: window.innerHeight,
            scrolls: getComputedStyle(full).overflowY === 'auto' && full.scrollHeight > full.clientHeight,
            controls: [...full.querySelectorAll('.chapter-controls')].some((el) => el.offsetParent),
          };
        });
        // On a wide screen a chart is above the fold; on a phone a long caption may come first,
        // and the full-screen chapter scrolls to it.
        if (wide) assert.ok(first.top < first.inner, `${id}: a chart is above the fold: ${JSON.stringify(first)}`);
        else assert.ok(first.top < first.inner || first.scrolls, `${id}: a chart is reachable: ${JSON.stringify(first)}`);
        assert.equal(first.controls, false, `${id}: the page's controls are not shown`);
        await page.evaluate(() => document.exitFullscreen());
        await page.waitForFunction(() => !document.fullscreenElement);
      }
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  test('a preset says what to do with it: Run sweep for the depth sweep, the slider for coherence', async () => {
    const { page } = await open(site.url, [1400, 1000]);
    const notice = async (id) => {
      await page.selectOption('[data-preset]', id);
      return page.textContent('[data-role="notice"]');
    };
    assert.match(await notice('depth_fig6a'), /Run sweep/);
    assert.match(await notice('coherence'), /slider/);
    assert.match(await notice('illusion'), /Press Play/);
    await page.close();
  });

  test('printing draws every chart afresh, those scrolled out of view too', async () => {
    const { page } = await open(site.url, [1400, 1000]);
    await page.evaluate(() => window.dln.step(3000));
    const stale = await page.$eval('canvas[data-chart="phase"]', (c) => [c.width, c.height]);
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    const drawn = await page.$eval('canvas[data-chart="phase"]', (c) => [c.width, c.height, c.clientWidth]);
    assert.equal(drawn[0], drawn[2], `the phase portrait is drawn at its size (was ${stale})`);
    await page.close();
  });
});

describe('charts for the keyboard and screen readers', () => {
  const live = (page, chart) => page.$eval(`canvas[data-chart="${chart}"]`, (c) => c.parentElement.querySelector('[data-role="chart-readout"]').textContent);

  for (const size of SIZES) {
    test(`at ${size.join('x')} every chart takes focus, and the arrow keys read the loss chart point by point aloud`, async () => {
      const { page, problems } = await open(site.url, size);
      const canvases = await page.$$eval('canvas[data-chart]', (cs) => cs.map((c) => [c.dataset.chart, c.tabIndex, c.getAttribute('role'), c.getAttribute('aria-label'), c.parentElement.querySelector('[data-role="chart-readout"]')?.getAttribute('aria-live')]));
      for (const [name, tab, role, label, politeness] of canvases) {
        assert.equal(tab, 0, `${name} is in the tab order`);
        assert.equal(role, 'img', name);
        assert.ok(label && label.length > 3, `${name} has a label`);
        assert.equal(politeness, 'polite', `${name} announces its readout`);
      }
      await page.evaluate(() => window.dln.step(600));
      await showCanvas(page, 'canvas[data-chart="loss"]');
      await page.focus('canvas[data-chart="loss"]');
      assert.equal(await live(page, 'loss'), '');
      await page.keyboard.press('ArrowRight');
      const first = await live(page, 'loss');
      assert.match(first, /^step \d+ · loss \d/, first);
      await page.keyboard.press('ArrowRight');
      const second = await live(page, 'loss');
      assert.match(second, /^step \d+ · loss \d/, second);
      assert.notEqual(second, first, 'the next press reads the next point');
      const step = (t) => Number(t.match(/^step (\d+)/)[1]);
      assert.ok(step(second) > step(first), `${first} → ${second}`);
      await page.keyboard.press('ArrowLeft');
      assert.equal(await live(page, 'loss'), first, 'and Left goes back');
      // The readout is shown too, beside the cursor, inside the view.
      const tip = await seen(page, '[data-role="tooltip"]');
      assert.ok(tip.inside, JSON.stringify(tip));
      assert.equal(await page.textContent('[data-role="tooltip"]'), first);
      // On the mode chart Up and Down go from curve to curve.
      await showCanvas(page, 'canvas[data-chart="modes"]');
      await page.focus('canvas[data-chart="modes"]');
      for (let i = 0; i < 60; i++) await page.keyboard.press('ArrowRight');
      const before = await live(page, 'modes');
      assert.match(before, /mode \d/);
      await page.keyboard.press('ArrowUp');
      assert.notEqual(await live(page, 'modes'), before);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  test('the loss chart\'s data table lists one row per record of the run, and a heat map\'s table lists its cells', async () => {
    const { page, problems } = await open(site.url, [1400, 1000]);
    await page.evaluate(() => window.dln.step(500));
    const every = await page.evaluate(() => window.dln.config().train.record_every);
    await page.click('details[data-table="loss"] summary');
    // The table is filled on the details' toggle event, which comes a task after the click.
    await page.waitForSelector('details[data-table="loss"] tbody tr');
    const rows = await page.$$eval('details[data-table="loss"] tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.equal(rows.length, 500 / every + 1, `records every ${every} steps from 0 to 500`);
    rows.forEach((r, i) => assert.equal(Number(r[0]), i * every));
    const loss = await page.evaluate(() => window.dln.state().loss);
    assert.ok(Math.abs(Number(rows.at(-1)[1]) - loss) <= 1e-3 * loss, `the last row's loss ${rows.at(-1)[1]} is the run's ${loss}`);
    const heads = await page.$$eval('details[data-table="loss"] thead th', (ths) => ths.map((t) => t.textContent));
    assert.deepEqual(heads, ['step', 'loss', 'predicted loss']);
    // window.dln.table gives the same numbers.
    const t = await page.evaluate(() => window.dln.table('modes'));
    assert.equal(t.rows.length, rows.length);
    assert.equal(t.columns[0], 'step');
    assert.match(t.columns[1], /^mode 1 simulated$/);
    // A heat map's table has a row per cell: item, feature, output, target.
    await page.click('details[data-table="output"] summary');
    await page.waitForSelector('details[data-table="output"] tbody tr');
    const out = await page.evaluate(() => window.dln.table('output'));
    const items = new Set(out.rows.map((r) => r[0]));
    const features = new Set(out.rows.map((r) => r[1]));
    assert.ok(items.size > 1 && features.size > 1);
    assert.equal(out.rows.length, items.size * features.size, 'one row per item and feature');
    assert.deepEqual(out.columns, ['item', 'feature', 'network output', 'target']);
    const first = await page.$$eval('details[data-table="output"] tbody tr:first-child > *', (cs) => cs.map((c) => c.textContent));
    assert.deepEqual(first.slice(0, 2), [out.rows[0][0], out.rows[0][1]]);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('data tables', () => {
  test('a data table of more than 5,000 rows is sent thinned, every k-th row, and its caption says so', async () => {
    const { page, problems } = await open(`${site.url}#dataset=diffusion&levels=6&nfeatures=128`, [1400, 1000]);
    const whole = await page.evaluate(() => window.dln.table('output'));
    assert.equal(whole.rows.length, 64 * 128);
    assert.equal(whole.total_rows, undefined);
    const some = await page.evaluate(() => window.dln.table('output', 1000));
    assert.equal(some.total_rows, 64 * 128);
    assert.equal(some.every, 9);
    assert.equal(some.rows.length, Math.ceil((64 * 128) / 9));
    some.rows.forEach((r, j) => assert.deepEqual(r, whole.rows[j * 9]));
    await page.click('details[data-table="output"] summary');
    await page.waitForSelector('details[data-table="output"] tbody tr');
    const caption = await page.$eval('details[data-table="output"] caption', (c) => c.textContent);
    assert.match(caption, /8,192 rows, every 2nd shown/);
    assert.equal(await page.$$eval('details[data-table="output"] tbody tr', (trs) => trs.length), 4096);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('every chart on the page opens a data table with its columns, and rows or a note saying how to fill it', async () => {
    const { page, problems } = await open(site.url, [1400, 1000]);
    await page.evaluate(() => window.dln.step(300));
    const panels = await page.$$eval('details[data-table]', (ds) => ds.map((d) => d.dataset.table));
    const charts = await page.evaluate(() => window.dln.chapters().flatMap((c) => c.panels.map((p) => p.name)));
    assert.deepEqual([...panels].sort(), [...charts].sort(), 'a data table under every chart');
    for (const panel of panels) {
      const sel = `details[data-table="${panel}"]`;
      await page.$eval(sel, (d) => d.scrollIntoView({ block: 'center' }));
      await page.click(`${sel} summary`);
      await page.waitForSelector(`${sel} table`);
      const t = await page.$eval(sel, (d) => ({
        heads: d.querySelectorAll('thead th').length,
        rows: d.querySelectorAll('tbody tr').length,
        note: d.querySelector('.table-note')?.textContent ?? '',
        text: d.textContent,
      }));
      assert.doesNotMatch(t.text, /no data table yet/, panel);
      assert.ok(t.heads >= 1, `${panel}: columns`);
      assert.ok(t.rows > 0 || t.note.length > 0, `${panel}: rows or a note: ${JSON.stringify(t)}`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('embedding and accessibility', () => {
  for (const panels of [['loss', 'modes'], ['mds'], ['loss', 'modes', 'output', 'svd', 'illusion']]) {
    test(`the Embed snippet for ${panels.join(',')} is as tall as the embedded page`, async () => {
      const { page, problems } = await open(site.url, [1400, 1000]);
      await page.click('[data-share="embed"]');
      const dlg = page.locator('dialog[data-role="embed"]');
      for (const box of await dlg.locator('input[type="checkbox"]').all()) {
        if (!panels.includes(await box.getAttribute('value'))) await box.uncheck();
      }
      await page.waitForFunction(() => document.querySelector('dialog[data-role="embed"]').dataset.measured === 'yes', null, { timeout: 30000 });
      const snippet = await dlg.locator('[data-role="embed-snippet"]').inputValue();
      const height = Number(snippet.match(/height="(\d+)"/)[1]);
      const width = Number(snippet.match(/width="(\d+)"/)[1]);
      const src = snippet.match(/src="([^"]+)"/)[1].replace(/&amp;/g, '&');
      const { page: framed } = await open(src, [width, height]);
      await frames(framed, 3);
      const inner = await framed.evaluate(() => document.documentElement.scrollHeight);
      assert.ok(inner <= height, `the embedded page is ${inner} px tall in a ${height} px frame`);
      assert.ok(inner >= height - 40, `and the frame is not much taller: ${inner} vs ${height}`);
      assert.deepEqual(problems, []);
      await framed.close();
      await page.close();
    });
  }

  for (const [name, hash] of [['the page', ''], ['embed mode', '#embed=1&panels=loss,modes,illusion']]) {
    test(`axe-core finds no accessibility violation in ${name}`, async () => {
      const { page } = await open(`${site.url}${hash}`, [1400, 1000]);
      await page.evaluate(() => window.dln.step(500));
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      });
      assert.deepEqual(violations, []);
      await page.close();
    });
  }
});
