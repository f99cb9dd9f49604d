// The postMessage API answers only the embedding parent, unless the link's allow_origin lists
// the caller's origin: a window that merely holds a reference to the page (one opened by
// window.open, or a popup reaching into a frame) is ignored.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from './harness.mjs';

const site = useBrowser();

/**
 * A host page with the explorable in a frame (its hash `hash`) and a popup of the host's origin
 * that holds a reference to the frame but is not its parent. Returns {host, popup, frame}.
 */
async function hostWithPopup(hash) {
  const host = await site.context.newPage();
  await host.goto(`${site.url}tests/browser/fixtures/host.html`);
  await host.evaluate((src) => new Promise((ok) => {
    const f = document.createElement('iframe');
    f.src = src;
    f.width = 900;
    f.height = 600;
    window.__ready = new Promise((r) => window.addEventListener('message', (e) => { if (e.data?.dln === 'ready') r(); }));
    document.body.append(f);
    f.addEventListener('load', ok);
  }), `${site.url}index.html#${hash}`);
  await host.evaluate(() => window.__ready);
  const [popup] = await Promise.all([
    host.waitForEvent('popup'),
    host.evaluate((url) => { window.open(url, 'popup'); }, `${site.url}tests/browser/fixtures/host.html`),
  ]);
  await popup.waitForLoadState();
  // The popup collects every reply it receives.
  await popup.evaluate(() => {
    window.__replies = [];
    window.addEventListener('message', (e) => { if (e.data?.dln === 'reply') window.__replies.push(e.data); });
  });
  return { host, popup };
}

/** Sends messages to the host's frame from `page` (the host or the popup). */
function send(page, messages) {
  return page.evaluate((msgs) => {
    const frame = window.opener ? window.opener.frames[0] : window.frames[0];
    for (const m of msgs) frame.postMessage(m, '*');
  }, messages);
}

/** The host's (the parent's) reply to a `state` call: the frame's state after what came before. */
function parentState(host) {
  return host.evaluate(() => new Promise((ok) => {
    const on = (e) => {
      if (e.data?.dln === 'reply' && e.data.id === 'parent-state') {
        window.removeEventListener('message', on);
        ok(e.data.result);
      }
    };
    window.addEventListener('message', on);
    window.frames[0].postMessage({ dln: 'state', id: 'parent-state' }, '*');
  }));
}

describe('who may call the postMessage API', () => {
  test('the parent is answered and a window that is not the parent is ignored', async () => {
    const { host, popup } = await hostWithPopup('');
    // The popup (same origin as the host, and as the frame) tries to drive the frame.
    await send(popup, [{ dln: 'step', id: 'p1', args: [7] }, { dln: 'state', id: 'p2' }]);
    // The parent then asks: the popup's step was not taken.
    const s = await parentState(host);
    assert.equal(s.step, 0, 'the popup did not take a step');
    assert.deepEqual(await popup.evaluate(() => window.__replies), [], 'the popup got no reply');
    await popup.close();
    await host.close();
  });

  test('an origin in allow_origin is answered even when it is not the parent', async () => {
    const origin = new URL(site.url).origin;
    const { host, popup } = await hostWithPopup(`allow_origin=${encodeURIComponent(origin)}`);
    await send(popup, [{ dln: 'step', id: 'p1', args: [7] }, { dln: 'state', id: 'p2' }]);
    await popup.waitForFunction(() => window.__replies.length === 2);
    const replies = await popup.evaluate(() => window.__replies);
    assert.deepEqual(replies.map((r) => r.id), ['p1', 'p2']);
    assert.equal(replies[1].result.step, 7);
    assert.equal((await parentState(host)).step, 7);
    // The address keeps the key, so a reload keeps the list.
    const frame = host.frames().find((f) => f.url().includes('/index.html'));
    assert.match(await frame.evaluate(() => window.location.hash), /allow_origin=/);
    await popup.close();
    await host.close();
  });

  test('an allow_origin entry that is not an origin is named in the link message', async () => {
    const host = await site.context.newPage();
    await host.addInitScript(() => {
      window.__dlnReady = new Promise((ok) => window.addEventListener('dln-ready', () => ok(true)));
    });
    await host.goto(`${site.url}#allow_origin=*`);
    await host.waitForFunction(() => window.__dlnReady && window.dln);
    const text = await host.textContent('[data-role="link-message"]');
    assert.match(text, /allow_origin "\*": an origin is scheme:\/\/host/);
    await host.close();
  });
});
