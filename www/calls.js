// The public API, listed once. window.dln on the page, the postMessage calls of messages.js and
// the <dln-explorer> element's methods are all made from this list; each entry names the call,
// the most arguments it takes, and what it does on an Explorer. A `query` answers data (null
// when the simulation is not ready); the others answer null or a message naming the bad field.
// The chapter calls the Explorer makes of the wasm are listed by App.chapters() (Rust).

const NO_DEPTH = 'this page has no depth chapter';

/** @type {{name: string, args: number, query?: boolean, run: (ex: import('./explorer.js').Explorer, ...args: any[]) => any}[]} */
export const CALLS = [
  { name: 'config', args: 0, query: true, run: (ex) => ex.config() },
  { name: 'setConfig', args: 1, run: (ex, partial) => ex.setConfig(partial) },
  { name: 'play', args: 0, run: (ex) => { ex.play(); return null; } },
  { name: 'pause', args: 0, run: (ex) => { ex.pause(); return null; } },
  { name: 'reset', args: 0, run: (ex) => { ex.reset(); return null; } },
  { name: 'step', args: 1, run: (ex, n = 1) => ex.step(n) },
  { name: 'cancelStep', args: 0, run: (ex) => ex.cancelStep() },
  { name: 'state', args: 0, query: true, run: (ex) => ex.state() },
  { name: 'status', args: 0, query: true, run: (ex) => ex.status() },
  { name: 'svg', args: 3, query: true, run: (ex, panel, w, h) => ex.svg(panel, w, h) },
  { name: 'table', args: 2, query: true, run: (ex, panel, maxRows) => ex.table(panel, maxRows) },
  { name: 'view', args: 0, query: true, run: (ex) => ex.view() },
  { name: 'setView', args: 1, run: (ex, partial) => ex.setView(partial) },
  { name: 'setTwin', args: 1, run: (ex, patch) => ex.setTwin(patch) },
  { name: 'presets', args: 0, query: true, run: (ex) => ex.presets() },
  { name: 'schema', args: 0, query: true, run: (ex) => ex.schema() },
  { name: 'chapters', args: 0, query: true, run: (ex) => ex.chapters() },
  { name: 'applyPreset', args: 1, run: (ex, id) => ex.applyPreset(id) },
  { name: 'sweep', args: 1, run: (ex, partial = {}) => (ex.depth ? ex.depth.startSweep(partial) : NO_DEPTH) },
  { name: 'sweepState', args: 0, query: true, run: (ex) => ex.depth?.sweepState() ?? null },
  { name: 'cancelSweep', args: 0, run: (ex) => (ex.depth ? ex.depth.cancelSweep() : NO_DEPTH) },
  { name: 'setSpectra', args: 1, run: (ex, opts) => (ex.depth ? ex.depth.setSpectra(opts) : NO_DEPTH) },
  { name: 'spectraState', args: 0, query: true, run: (ex) => ex.depth?.spectraState() ?? null },
  { name: 'phaseStart', args: 2, run: (ex, a, b) => (ex.depth ? ex.depth.phaseStart(a, b) : NO_DEPTH) },
  { name: 'setPhaseMode', args: 1, run: (ex, mode) => (ex.depth ? ex.depth.setPhaseMode(mode ?? null) : NO_DEPTH) },
  { name: 'phaseState', args: 0, query: true, run: (ex) => ex.depth?.phaseState() ?? null },
];

/** The most arguments each call takes, by name (what a postMessage may ask for). */
export const ARITY = Object.freeze(Object.fromEntries(CALLS.map((c) => [c.name, c.args])));

/**
 * The API object of one explorer: every call of the list bound to it (`window.dln`).
 * @param {import('./explorer.js').Explorer} explorer
 */
export function apiOf(explorer) {
  return Object.freeze(Object.fromEntries(CALLS.map((c) => [c.name, (...args) => c.run(explorer, ...args)])));
}
