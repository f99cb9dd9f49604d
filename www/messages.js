// The postMessage API: a page that embeds this one in an iframe drives it with messages
//   frame.contentWindow.postMessage({dln: 'step', id: 7, args: [500]}, '*')
// and gets {dln: 'reply', id: 7, result} (or {dln: 'reply', id, error}) back. When the page is
// ready it posts {dln: 'ready'} to its parent. Messages of any other shape, and messages from
// any window but the parent (unless its origin is in the link's allow_origin list), are ignored.

import { ARITY as CALLS } from './calls.js';

/** Checks a message; returns {name, id, args}, or null when it is not one of ours. */
export function readMessage(data) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const name = data.dln;
  if (typeof name !== 'string' || !Object.hasOwn(CALLS, name)) return null;
  const id = data.id;
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return null;
  const args = data.args ?? [];
  if (!Array.isArray(args) || args.length > CALLS[name]) return null;
  return { name, id, args };
}

/**
 * Answers messages with the page's API (window.dln); returns a function that stops listening.
 * Only the embedding parent is answered, unless `allowOrigins` lists the origins of other
 * windows that may call (the `allow_origin` key of the page's link); every other message is
 * ignored without a reply.
 * @param {Window} win the page's window
 * @param {Record<string, Function>} api
 * @param {{allowOrigins?: string[]}} [options]
 */
export function listen(win, api, { allowOrigins = [] } = {}) {
  const parent = win.parent && win.parent !== win ? win.parent : null;
  const allowed = new Set(allowOrigins);
  const onMessage = (event) => {
    if (!event.source || event.source === win) return;
    if (!(parent && event.source === parent) && !allowed.has(event.origin)) return;
    const msg = readMessage(event.data);
    if (!msg) return;
    // Messages are answered in order: those after a long `step` wait until it is done (so a
    // `state` sent after it sees its last step), except `cancelStep`, which stops it.
    if (pending && msg.name !== 'cancelStep') queue.push([event, msg]);
    else answer(event, msg);
  };
  let pending = null;
  const queue = [];
  const drain = () => {
    while (!pending && queue.length) answer(...queue.shift());
  };
  const answer = (event, msg) => {
    // A page opened from disk has the origin "null", which postMessage only reaches with '*'.
    const origin = event.origin && event.origin !== 'null' ? event.origin : '*';
    const send = (reply) => event.source.postMessage(reply, origin);
    const fail = (e) => send({ dln: 'reply', id: msg.id, error: e && e.message ? e.message : String(e) });
    try {
      const result = api[msg.name](...msg.args);
      // A call that works a slice a frame (a long `step`) answers once it is done.
      if (result && typeof result.then === 'function') {
        const done = result.then((r) => send({ dln: 'reply', id: msg.id, result: r ?? null }), fail);
        pending = done.finally(() => {
          pending = null;
          drain();
        });
      } else {
        send({ dln: 'reply', id: msg.id, result: result === undefined ? null : result });
      }
    } catch (e) {
      fail(e);
    }
  };
  win.addEventListener('message', onMessage);
  if (parent) parent.postMessage({ dln: 'ready' }, '*');
  return () => win.removeEventListener('message', onMessage);
}
