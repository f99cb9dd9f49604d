// Boots the page: loads the wasm, binds one Explorer to the page's root element, and exposes it
// as `window.dln` (announced by a `dln-ready` event on window) and to a surrounding page through
// the postMessage API of messages.js.
import init, { App } from './pkg/dln_explorer.js';
import { apiOf } from './calls.js';
import { Explorer } from './explorer.js';
import { listen } from './messages.js';
import { Permalink } from './permalink.js';

function showFatal(message) {
  const el = document.querySelector('[data-role="error"]');
  if (el) {
    el.textContent = message;
    el.hidden = false;
  } else {
    alert(message);
  }
}

window.addEventListener('dln-panic', (e) => {
  showFatal(`Something went wrong inside the simulation: ${e.detail}. Reload the page to start again.`);
});

async function boot() {
  const root = document.querySelector('[data-dln-root]');
  try {
    await init();
  } catch (e) {
    showFatal(`The simulation could not start: ${e.message}. This page needs a browser with WebAssembly.`);
    return;
  }
  let explorer;
  try {
    explorer = new Explorer(root, App);
  } catch (e) {
    showFatal(`The simulation could not start: ${e.message}`);
    return;
  }
  window.addEventListener('dln-panic', () => { explorer.dead = true; explorer.pause(); });
  // The page's URL hash follows this explorer (and a link opens it as it was).
  explorer.permalink = Permalink.attach(explorer, App);
  const api = apiOf(explorer);
  window.dln = api;
  window.dispatchEvent(new Event('dln-ready'));
  listen(window, api, { allowOrigins: explorer.permalink.allowOrigin });
}

boot();
