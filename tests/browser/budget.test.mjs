// The work budget: a call that would take longer than a frame is taken a slice a frame, with its
// progress in the work bar and a Cancel button, and the page answers in the meantime.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useBrowser } from './harness.mjs';

const site = useBrowser();
const frames = (page, n = 3) => page.evaluate((k) => new Promise((ok) => {
  const next = (i) => (i ? requestAnimationFrame(() => next(i - 1)) : ok());
  next(k);
}), n);

describe('the work budget', () => {
  test('a few cheap steps are taken at once and answer null', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const r = await page.evaluate(() => {
      const answer = window.dln.step(200);
      return { sync: answer === null, step: window.dln.status().step };
    });
    assert.deepEqual(r, { sync: true, step: 200 });
    assert.equal(await page.isVisible('[data-role="work"]'), false);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a step(n) too large for a frame runs a slice a frame, shows its progress and can be cancelled', async () => {
    const { page, problems } = await openPage(site.context, `${site.url}#hidden=512,512,512&steps=2000000`);
    const first = await page.evaluate(() => {
      window.__steps = window.dln.step(1000000);
      return { promise: typeof window.__steps?.then === 'function', step: window.dln.status().step };
    });
    assert.equal(first.promise, true, 'a million steps of a 512-wide network are not taken at once');
    assert.ok(first.step < 1000000, `step ${first.step} right after the call`);
    await page.waitForFunction(() => window.dln.status().step > 0);
    await frames(page);
    // The page answers while the steps are taken, and a second step is refused with a message.
    assert.match(await page.evaluate(() => window.dln.step(5)), /still being taken/);
    assert.equal(await page.isVisible('[data-role="work"]'), true);
    assert.match(await page.textContent('[data-role="work-text"]'), /Taking 1,000,000 steps: [\d,]+ done/);
    const before = await page.evaluate(() => window.dln.status().step);
    await frames(page, 4);
    assert.ok(await page.evaluate(() => window.dln.status().step) > before, 'training goes on a slice a frame');
    await page.click('[data-role="work"] button');
    const answer = await page.evaluate(() => window.__steps);
    assert.match(answer, /^step: cancelled after [\d,]+ of 1,000,000 steps$/);
    const taken = Number(answer.match(/after ([\d,]+)/)[1].replace(/,/g, ''));
    assert.equal(await page.evaluate(() => window.dln.status().step), taken);
    assert.equal(await page.isVisible('[data-role="work"]'), false);
    assert.equal(await page.evaluate(() => window.dln.cancelStep()), 'step: no steps are being taken');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a long step asked for through postMessage is answered when its last step is taken, and the messages after it wait for it', async () => {
    const { page, problems } = await openPage(site.context, `${site.url}#hidden=256,256`);
    const reply = await page.evaluate(() => new Promise((ok) => {
      const order = [];
      const frame = document.createElement('iframe');
      window.addEventListener('message', (e) => {
        if (e.data?.dln === 'ready') {
          frame.contentWindow.postMessage({ dln: 'step', id: 1, args: [3000] }, '*');
          frame.contentWindow.postMessage({ dln: 'status', id: 2 }, '*');
        }
        if (e.data?.dln === 'reply') order.push(e.data.id);
        if (e.data?.dln === 'reply' && e.data.id === 2) ok({ step: e.data.result.step, order });
      });
      frame.src = `${location.pathname}#hidden=256,256,256&embed=1`;
      document.body.append(frame);
    }));
    assert.deepEqual(reply, { step: 3000, order: [1, 2] });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a second network added late starts at step 0, catches up a slice a frame, and Cancel removes it', async () => {
    const { page, problems } = await openPage(site.context, `${site.url}#steps=40000`);
    await page.evaluate(() => window.dln.step(20000));
    assert.equal(await page.evaluate(() => window.dln.status().step), 20000);
    // A wide second network: its catch-up takes many frames.
    const err = await page.evaluate(() => window.dln.setTwin({ network: { hidden: [1024] }, train: { seed: 2 } }));
    assert.equal(err, null);
    const behind = await page.evaluate(() => window.dln.status().twin_behind);
    assert.ok(behind > 0 && behind <= 20000, `behind ${behind}`);
    await frames(page, 4);
    assert.ok(await page.evaluate(() => window.dln.status().twin_behind) < behind, 'it catches up');
    assert.match(await page.textContent('[data-role="work-text"]'), /second network is catching up: [\d,]+ of 20,000 steps/);
    await page.click('[data-role="work"] button');
    assert.deepEqual(await page.evaluate(() => {
      const s = window.dln.status();
      return [s.twin_behind, s.twin_cost];
    }), [0, 0], 'no second network is left');
    assert.equal(await page.isChecked('[data-twin]'), false);
    assert.equal(await page.isVisible('[data-role="work"]'), false);
    // A narrow one catches up, and then the RSM compares the two networks.
    await page.evaluate(() => window.dln.setTwin({ network: { hidden: [24] }, train: { seed: 5 } }));
    await page.waitForFunction(() => window.dln.status().twin_behind === 0);
    assert.match(await page.evaluate(() => window.dln.svg('rsm', 900, 500)), /corr\(network 1, network 2\)/);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
