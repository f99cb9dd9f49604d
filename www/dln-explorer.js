// <dln-explorer>: a compact explorable for any page, from one script tag:
//   <script type="module" src="path/to/www/dln-explorer.js"></script>
//   <dln-explorer preset="illusion" panels="loss,modes,illusion" autoplay></dln-explorer>
// The wasm is loaded once (relative to this module, so the folder can live at any path) and
// shared by every element; each element owns its own App, so several run independently.
// Attributes use the URL-hash vocabulary (src/page/hash.rs): they are read by App.parseHash, and an
// attribute it ignores is reported inside the element.

import init, { App } from './pkg/dln_explorer.js';
import { CALLS } from './calls.js';
import { Explorer } from './explorer.js';

const DEFAULT_PANELS = ['loss', 'modes'];

/** Attributes the element reads itself; the rest (but HTML's own) go to the hash parser. */
const OWN = new Set(['autoplay', 'speed', 'controls']);
// `hidden` is not among them: here it means the hidden layers, as in the hash (the element's
// stylesheet keeps it displayed).
const HTML_ATTRIBUTES = new Set(['id', 'class', 'style', 'title', 'lang', 'dir', 'tabindex', 'slot', 'part', 'role', 'is', 'nonce']);

let loading = null;
/**
 * Loads and starts the wasm once for the whole page. The glue fetches it from beside itself
 * (pkg/); in the single-file builds (scripts/dist.mjs) the glue is handed the inlined bytes.
 */
function loadWasm() {
  loading ??= init();
  return loading;
}

/** Percent-encodes a value for the hash, keeping its list separators (`,` and `;`). */
function encodeValue(v) {
  return encodeURIComponent(v).replace(/%2C/gi, ',').replace(/%3B/gi, ';');
}

/** The hash ("key=value&...") of an element's attributes, for App.parseHash. */
export function hashOf(el) {
  const parts = [];
  for (const { name, value } of el.attributes) {
    if (OWN.has(name) || HTML_ATTRIBUTES.has(name) || name.startsWith('data-') || name.startsWith('aria-')) continue;
    parts.push(`${encodeURIComponent(name)}=${encodeValue(value)}`);
  }
  return parts.join('&');
}

function make(doc, tag, props = {}, children = []) {
  const el = doc.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') el.textContent = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

/** Every live element, so a panic inside the shared wasm stops them all. */
const live = new Set();
window.addEventListener('dln-panic', (e) => {
  for (const el of live) el.fatal(`Something went wrong inside the simulation: ${e.detail}. Reload the page to start again.`);
});

export class DlnExplorer extends HTMLElement {
  constructor() {
    super();
    this.explorer = null;
    this.ready = new Promise((ok) => { this.resolveReady = ok; });
  }

  connectedCallback() {
    live.add(this);
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    const doc = this.ownerDocument;
    root.append(make(doc, 'link', { rel: 'stylesheet', href: new URL('./dln-explorer.css', import.meta.url).href }));
    this.box = make(doc, 'div', { class: 'dln', part: 'box' });
    this.messages = make(doc, 'p', { class: 'messages', 'data-role': 'messages', hidden: true });
    this.errorBox = make(doc, 'p', { class: 'error', 'data-role': 'error', role: 'alert', hidden: true });
    this.box.append(make(doc, 'p', { class: 'loading', text: 'Loading the simulation…' }));
    root.append(this.box);
    loadWasm().then(() => this.build(), (e) => this.fatal(`The simulation could not start: ${e.message}. This page needs a browser with WebAssembly.`));
  }

  disconnectedCallback() {
    live.delete(this);
    this.explorer?.pause();
  }

  fatal(message) {
    if (this.explorer) {
      this.explorer.dead = true;
      this.explorer.pause();
    }
    if (!this.errorBox) return;
    if (!this.errorBox.isConnected) this.box.replaceChildren(this.errorBox);
    this.errorBox.textContent = message;
    this.errorBox.hidden = false;
  }

  /** Reads the attributes, lays out the panels and controls, and starts the Explorer. */
  build() {
    const doc = this.ownerDocument;
    // The panels an element can show: every chapter's panel drawn from the run alone.
    const PANELS = Object.fromEntries(JSON.parse(App.chapters()).flatMap((c) => c.panels).filter((p) => p.of_run).map((p) => [p.name, p.title]));
    const parsed = JSON.parse(App.parseHash(hashOf(this)));
    const messages = [...parsed.messages];
    let panels = parsed.panels ?? DEFAULT_PANELS;
    const unknown = panels.filter((p) => !(p in PANELS));
    if (unknown.length) {
      messages.push(`ignored panels ${unknown.join(', ')}: panels are ${Object.keys(PANELS).join(', ')}`);
      panels = panels.filter((p) => p in PANELS);
    }
    if (!panels.length) panels = DEFAULT_PANELS;
    let speed = 20;
    if (this.hasAttribute('speed')) {
      const v = Number(this.getAttribute('speed'));
      if (Number.isInteger(v) && v >= 1 && v <= 10000) speed = v;
      else messages.push(`ignored speed=${this.getAttribute('speed')}: steps per frame must be a whole number from 1 to 10000`);
    }
    const controls = (this.getAttribute('controls') ?? 'lr').split(',').map((s) => s.trim()).filter(Boolean);

    const figures = panels.map((p) => make(doc, 'figure', { class: `chart chart-${p}` }, [
      make(doc, 'figcaption', { text: PANELS[p] }),
      make(doc, 'canvas', { 'data-chart': p, role: 'img', 'aria-label': `${PANELS[p]} chart; hover for values` }),
    ]));
    const bar = make(doc, 'form', { class: 'bar', 'aria-label': 'Run controls' }, [
      make(doc, 'button', { type: 'button', 'data-action': 'play', 'aria-pressed': 'false', text: 'Play' }),
      make(doc, 'button', { type: 'button', 'data-action': 'step', text: 'Step' }),
      make(doc, 'button', { type: 'button', 'data-action': 'reset', text: 'Reset' }),
    ]);
    // A control per key the `controls` attribute names; the Explorer gives each its range,
    // step, options and help from the field table.
    const fields = new Map(JSON.parse(App.schema()).map((f) => [f.key, f]));
    for (const key of controls) {
      const f = fields.get(key);
      if (!f || f.kind === 'list' || f.kind === 'bool') {
        if (key !== 'none') messages.push(`ignored controls ${key}: not a parameter with one control`);
        continue;
      }
      const menu = f.kind === 'enum';
      const input = menu
        ? make(doc, 'select', { 'data-param': key })
        : make(doc, 'input', { type: f.log ? 'range' : 'number', 'data-param': key });
      const out = f.log ? [make(doc, 'output', { 'data-show': key })] : [];
      bar.append(make(doc, 'label', { class: key }, [`${f.label} `, ...out, input]));
    }
    const status = make(doc, 'p', { class: 'status', 'data-role': 'status', 'aria-live': 'off' });
    const notice = make(doc, 'p', { class: 'notice', 'data-role': 'notice', role: 'status', 'aria-live': 'polite' });
    this.box.replaceChildren(make(doc, 'div', { class: `charts n${figures.length}` }, figures), bar, status, notice, this.errorBox, this.messages);
    if (messages.length) {
      this.messages.textContent = messages.join('; ');
      this.messages.hidden = false;
    }
    this.ignored = messages;

    try {
      this.explorer = new Explorer(this.shadowRoot, App, parsed.config);
    } catch (e) {
      this.fatal(`The simulation could not start: ${e.message}`);
      return;
    }
    this.explorer.speed = speed;
    const ex = this.explorer;
    if (parsed.preset) {
      const p = ex.presets().find((q) => q.id === parsed.preset);
      if (p && p.twin) ex.setTwin(p.twin);
    }
    const err = ex.setView(parsed.view);
    if (err) this.messages.textContent = [...messages, err].join('; ');
    const auto = this.getAttribute('autoplay');
    if (auto !== null && auto !== '0' && auto !== 'false') ex.play();
    this.resolveReady(this);
    this.dispatchEvent(new Event('dln-ready'));
  }

  /** Runs a call of the API on the explorer, or answers `fallback` before it is ready. */
  call(fn, fallback = 'the simulation is not ready yet') {
    return this.explorer ? fn(this.explorer) : fallback;
  }

  /** Whether the element is playing. */
  get playing() { return Boolean(this.explorer?.playing); }
}

// The same calls as window.dln on the page, from the one list of calls.js.
for (const c of CALLS) {
  Object.defineProperty(DlnExplorer.prototype, c.name, {
    value(...args) {
      if (c.name === 'schema') return JSON.parse(App.schema());
      return this.call((ex) => c.run(ex, ...args), c.query ? null : undefined);
    },
    writable: true,
    configurable: true,
  });
}

if (!customElements.get('dln-explorer')) customElements.define('dln-explorer', DlnExplorer);
