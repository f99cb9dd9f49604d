// One explorable bound to one root element. It owns the DOM and the animation loop; the wasm
// `App` owns the run, stepping and drawing. Nothing here looks elements up by id, so several
// explorers can live on one page.

import { DepthControls } from './depth.js';
import { DatasetEditor } from './editor.js';
import { SemanticControls } from './semantic.js';
import { Exporter } from './export.js';

const FRAME_BUDGET_MS = 18;
const MAX_STEPS_PER_CALL = 1_000_000;

/** Formats a number for a label: 3 significant digits, exponent form when very small or large. */
export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

const ACTIVATION_HELP = {
  linear: 'y = W_D ⋯ W_1 x: the network the exact theory describes.',
  tanh: 'tanh on every hidden layer (the output stays linear). The theory drawn is the linear one, a reference only; tanh is linear near 0, so they agree while weights are small.',
  relu: 'max(0, ·) on every hidden layer (the output stays linear). The theory drawn is the linear one, a reference only.',
};

/** What the init-scale slider sets, by kind: the gain g of SMG14 section 4 for the random kinds. */
const SCALE_LABEL = {
  small_gaussian: 'Scale (std)',
  scaled_gaussian: 'Gain g',
  orthogonal: 'Gain g',
  balanced: 'Scale (u₀)',
  lambda_balanced: 'Scale',
};

const DATASET_HELP = {
  rm8: 'Plants and animals, trees and flowers, birds and fish (Rogers & McClelland).',
  toy4: 'Living things: animals that move, plants with roots; each item has one feature of its own.',
  tree: 'Every node of a balanced tree is a feature an item has when it descends from it.',
  diffusion: 'Each feature is ±1 at the root and flips sign with the given probability on every branch.',
  matrix: 'A custom item × feature matrix.',
};

/** The label text of a control, for messages. */
function labelOf(el, param) {
  const label = el.closest('label');
  const own = (n) => n.nodeType === 3 || n.nodeName === 'SPAN';
  const text = label ? [...label.childNodes].filter(own).map((n) => n.textContent).join(' ').trim() : '';
  return text || param;
}

/** Reads a control's value: {value} or {error} naming the field. */
function readControl(el, param) {
  if (el.tagName === 'SELECT') return { value: el.value };
  const label = labelOf(el, param);
  const raw = el.value.trim();
  const log = el.hasAttribute('data-log');
  let v = Number(raw);
  if (raw === '' || !Number.isFinite(v)) return { error: `${label}: enter a number` };
  if (log) return { value: 10 ** v };
  const whole = Number(el.step || 1) >= 1;
  if (whole && !Number.isInteger(v)) return { error: `${label}: enter a whole number` };
  const min = el.min === '' ? -Infinity : Number(el.min);
  const max = el.max === '' ? Infinity : Number(el.max);
  if (v < min || v > max) {
    const range = el.max === '' ? `at least ${el.min}` : `from ${el.min} to ${el.max}`;
    return { error: `${label}: must be ${range}; got ${raw}` };
  }
  return { value: v };
}

export class Explorer {
  /**
   * @param {HTMLElement} root element holding the controls and canvases
   * @param {typeof import('./pkg/dln_explorer.js').App} App the wasm class
   * @param {object} [config] partial config to start from
   */
  constructor(root, App, config = {}) {
    this.root = root;
    this.app = new App(JSON.stringify(config));
    this.playing = false;
    this.dead = false;
    this.dirty = true;
    this.speed = 20;
    this.msPerStep = 0.01;
    this.width = 16;
    this.canvases = [...root.querySelectorAll('canvas[data-chart]')];
    this.q = (sel) => root.querySelector(sel);
    this.tooltip = root.ownerDocument.querySelector('[data-role="tooltip"]') || this.makeTooltip();
    this.snapSteps = [];
    this.visible = new Set(this.canvases);
    this.bindControls();
    this.bindCanvases();
    this.bindPresets();
    this.bindScrubber();
    this.semantic = SemanticControls.attach(this);
    this.depth = DepthControls.attach(this);
    this.editor = DatasetEditor.attach(this);
    this.bindCoherence();
    this.exporter = Exporter.attach(this);
    this.syncControls();
    this.updateStatus();
    this.loop = this.loop.bind(this);
    requestAnimationFrame(this.loop);
  }

  makeTooltip() {
    const t = this.root.ownerDocument.createElement('div');
    t.className = 'tooltip';
    t.hidden = true;
    this.root.append(t);
    return t;
  }

  // ----- calls into wasm, guarded so a failure is shown rather than swallowed -----

  guard(fn, fallback = null) {
    if (this.dead) return fallback;
    try {
      return fn();
    } catch (e) {
      this.fail(e);
      return fallback;
    }
  }

  fail(e) {
    const msg = e && e.message ? e.message : String(e);
    this.dead = true;
    this.pause();
    this.showError(`Something went wrong inside the simulation: ${msg}. Reload the page to start again.`);
  }

  // ----- public API (window.dln on the page) -----

  config() {
    return this.guard(() => JSON.parse(this.app.config()));
  }

  /** Applies a partial config; returns null, or a message naming the bad field. */
  setConfig(partial) {
    if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
      return 'config: must be an object such as {"train": {"lr": 0.01}}';
    }
    let text;
    try {
      text = JSON.stringify(partial);
    } catch (e) {
      return `config: cannot be written as JSON (${e.message})`;
    }
    const res = this.guard(() => JSON.parse(this.app.setConfig(text)), { error: 'the simulation has stopped' });
    if (res.error) return res.error;
    if (res.change === 'reset') {
      this.notice(`Training restarted from step 0 (changed: ${res.reason}).`);
      this.clearError();
    }
    if (res.change !== 'none') {
      this.dirty = true;
      this.syncControls();
      this.updateStatus();
      this.emit('config', { change: res.change });
    }
    return null;
  }

  play() {
    if (this.dead) return;
    const s = this.state();
    if (s && s.diverged) {
      this.showError(s.message || 'Training diverged. Lower the learning rate and reset.');
      return;
    }
    if (s && s.finished) {
      this.notice('The run is finished. Raise "Steps" to continue, or reset.');
      return;
    }
    if (this.view()?.scrub !== null) this.setView({ scrub: null });
    this.playing = true;
    this.syncTransport();
  }

  pause() {
    this.playing = false;
    this.syncTransport();
  }

  reset() {
    this.guard(() => this.app.reset());
    this.clearError();
    this.notice('');
    this.dirty = true;
    this.updateStatus();
    this.emit('reset');
  }

  /** Tells listeners (the permalink) what changed: a `dln-change` event on the root. */
  emit(kind, detail = {}) {
    this.root.dispatchEvent(new CustomEvent('dln-change', { detail: { kind, ...detail } }));
  }

  /** Runs n steps at once and redraws once. Returns null, or a message when n is not allowed. */
  step(n = 1) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_STEPS_PER_CALL) {
      return `step: n must be a whole number from 1 to ${MAX_STEPS_PER_CALL}; got ${n}`;
    }
    this.guard(() => this.app.advance(n));
    this.afterSteps();
    this.draw();
    return null;
  }

  state() {
    return this.guard(() => JSON.parse(this.app.state()));
  }

  /** What the panels show: {scrub, illusion, category, projection}. */
  view() {
    return this.guard(() => JSON.parse(this.app.view()));
  }

  /** Merges a partial view; returns null or a message naming the field. */
  setView(partial) {
    if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
      return 'view: must be an object such as {"scrub": 1200}';
    }
    const cur = this.view();
    if (!cur) return 'the simulation has stopped';
    const next = { ...cur, ...partial };
    if (partial.projection) next.projection = { ...cur.projection, ...partial.projection };
    const err = this.guard(() => this.app.setView(JSON.stringify(next)), 'the simulation has stopped');
    if (err) return err;
    this.dirty = true;
    this.syncScrubber();
    this.emit('view');
    return null;
  }

  /** Starts a second network from a partial config (null removes it); null or a message. */
  setTwin(patch) {
    const err = this.guard(() => this.app.setTwin(JSON.stringify(patch ?? null)), 'the simulation has stopped');
    this.dirty = true;
    if (!err) this.emit('twin');
    return err || null;
  }

  twin() {
    return this.guard(() => JSON.parse(this.app.twin()));
  }

  names() {
    return this.guard(() => JSON.parse(this.app.names()));
  }

  presets() {
    return JSON.parse(this.app.constructor.presets());
  }

  /**
   * Loads a preset by id; returns null or a message. With `scroll` (the user picked it from the
   * menu) the panel it is about is scrolled into view; a preset from a link, an attribute or the
   * API leaves the scroll position alone, so a page embedding the explorable does not jump.
   */
  applyPreset(id, { scroll = false } = {}) {
    const res = this.guard(() => JSON.parse(this.app.applyPreset(id)), { error: 'the simulation has stopped' });
    if (res.error) return res.error;
    this.preset = id;
    this.pause();
    this.clearError();
    const cap = this.q('[data-role="caption"]');
    if (cap) cap.textContent = res.caption;
    const sel = this.q('[data-preset]');
    if (sel) sel.value = id;
    this.notice(`Loaded “${res.title}”. Press Play.`);
    this.dirty = true;
    this.syncControls();
    this.updateStatus();
    const panel = this.root.querySelector(`[data-panel="${res.focus}"]`);
    if (scroll && panel && panel.scrollIntoView) panel.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    this.emit('preset', { id });
    return null;
  }

  bindPresets() {
    const sel = this.q('[data-preset]');
    if (!sel) return;
    for (const p of this.presets()) {
      const o = sel.ownerDocument.createElement('option');
      o.value = p.id;
      o.textContent = p.title;
      sel.append(o);
    }
    sel.addEventListener('change', () => {
      if (!sel.value) return;
      const err = this.applyPreset(sel.value, { scroll: true });
      if (err) this.showError(err);
    });
  }

  // ----- time scrubber -----

  bindScrubber() {
    const el = this.q('[data-scrub]');
    if (!el) return;
    el.addEventListener('input', () => {
      const i = Number(el.value);
      const step = this.snapSteps[i];
      if (step === undefined) return;
      if (this.playing) this.pause();
      this.setView({ scrub: step });
    });
    this.q('[data-action="live"]')?.addEventListener('click', () => this.setView({ scrub: null }));
  }

  syncScrubber() {
    const el = this.q('[data-scrub]');
    if (!el) return;
    this.snapSteps = this.guard(() => JSON.parse(this.app.snapshotSteps()), []);
    const view = this.view();
    const n = this.snapSteps.length;
    el.max = String(Math.max(0, n - 1));
    const out = this.q('[data-show="scrub"]');
    if (!view || view.scrub === null || view.scrub === undefined) {
      el.value = el.max;
      if (out) out.value = 'following the run';
    } else {
      let i = this.snapSteps.findIndex((s) => s > view.scrub);
      i = i < 0 ? n - 1 : Math.max(0, i - 1);
      el.value = String(i);
      if (out) out.value = `step ${this.snapSteps[i] ?? view.scrub}`;
    }
  }

  /** A panel as an SVG document (drawn by the chart code, not a screenshot). */
  svg(panel, width = 640, height = 400) {
    return this.guard(() => this.app.svg(panel, width, height));
  }

  // ----- controls -----

  bindControls() {
    for (const el of this.root.querySelectorAll('[data-param]')) {
      const param = el.dataset.param;
      // The learning rate applies while dragging; everything else when the value is committed.
      const live = param === 'train.lr';
      el.addEventListener(live ? 'input' : 'change', () => this.onControl(param, el));
      if (el.type === 'range') el.addEventListener('input', () => this.showValue(param, el));
    }
    for (const btn of this.root.querySelectorAll('[data-action]')) {
      btn.addEventListener('click', () => {
        const a = btn.dataset.action;
        if (a === 'play') (this.playing ? this.pause() : this.play());
        else if (a === 'step') this.step(Math.max(1, Math.round(this.speed)));
        else if (a === 'reset') this.reset();
      });
    }
    const speed = this.q('[data-speed]');
    if (speed) {
      const read = () => {
        this.speed = Math.round(10 ** Number(speed.value));
        const out = this.q('[data-show="speed"]');
        if (out) out.value = `${this.speed} steps/frame`;
      };
      speed.addEventListener('input', read);
      read();
    }
    this.root.querySelector('form')?.addEventListener('submit', (e) => e.preventDefault());
  }

  /** The config fragment for a control's new value, or {error}. */
  fragmentFor(param, el, cfg) {
    const read = readControl(el, param);
    if (read.error) return read;
    const v = read.value;
    const [section, key] = param.split('.');
    if (param === 'network.layers') return { network: { hidden: Array(v).fill(this.width) } };
    if (param === 'network.width') {
      this.width = v;
      return { network: { hidden: cfg.network.hidden.map(() => v) } };
    }
    if (param === 'dataset.kind') {
      // Carry the generator settings the user has entered over to the new kind.
      const dataset = { kind: v };
      for (const other of this.root.querySelectorAll('[data-param^="dataset."]')) {
        const k = other.dataset.param.slice(8);
        if (k === 'kind' || !this.visibleFor(other, v) || other.value.trim() === '') continue;
        const r = readControl(other, other.dataset.param);
        if (r.error) return r;
        dataset[k] = r.value;
      }
      return { dataset };
    }
    if (section === 'dataset') return { dataset: { kind: cfg.dataset.kind, [key]: v } };
    return { [section]: { [key]: v } };
  }

  /** Whether a control belongs to the given dataset kind (by its data-when wrapper). */
  visibleFor(el, kind) {
    const when = el.closest('[data-when="dataset.kind"]');
    return !when || when.dataset.values.split(' ').includes(kind);
  }

  onControl(param, el) {
    const cfg = this.config();
    if (!cfg) return;
    const frag = this.fragmentFor(param, el, cfg);
    if (frag.error) {
      this.markInvalid(el, frag.error);
      return;
    }
    const err = this.setConfig(frag);
    this.markInvalid(el, err);
  }

  markInvalid(el, message) {
    if (message) {
      el.setAttribute('aria-invalid', 'true');
      this.showError(message);
    } else {
      el.removeAttribute('aria-invalid');
      if (this.errorEl() && !this.root.querySelector('[aria-invalid="true"]')) {
        const s = this.state();
        if (!(s && s.diverged)) this.clearError();
      }
    }
  }

  showValue(param, el, value = null) {
    const out = this.q(`[data-show="${param}"]`);
    if (!out) return;
    const v = value ?? (el.hasAttribute('data-log') ? 10 ** Number(el.value) : Number(el.value));
    out.value = fmt(v);
  }

  /** Puts the current config into the controls (except ones the user left invalid). */
  syncControls() {
    const cfg = this.config();
    if (!cfg) return;
    const hidden = cfg.network.hidden;
    if (hidden.length) this.width = hidden[0];
    const values = {
      'network.layers': hidden.length,
      'network.width': this.width,
      'network.activation': cfg.network.activation,
    };
    for (const section of ['dataset', 'init', 'train']) {
      for (const [k, v] of Object.entries(cfg[section])) {
        if (typeof v !== 'object') values[`${section}.${k}`] = v;
      }
    }
    for (const el of this.root.querySelectorAll('[data-param]')) {
      const p = el.dataset.param;
      if (!(p in values) || el.getAttribute('aria-invalid') === 'true') continue;
      const v = values[p];
      el.value = el.hasAttribute('data-log') ? String(Math.log10(v)) : String(v);
      this.showValue(p, el, typeof v === 'number' ? v : null);
    }
    for (const box of this.root.querySelectorAll('[data-when]')) {
      const current = box.dataset.when === 'dataset.kind' ? cfg.dataset.kind : cfg.init.kind;
      let show = box.dataset.values.split(' ').includes(current);
      if (box.dataset.when === 'init.kind') show = show && hidden.length === 1;
      box.hidden = !show;
    }
    this.semantic?.refresh();
    this.depth?.refresh(cfg);
    this.syncScrubber();
    const help = this.q('[data-role="dataset-help"]');
    if (help) help.textContent = DATASET_HELP[cfg.dataset.kind] || '';
    const actHelp = this.q('[data-role="activation-help"]');
    if (actHelp) actHelp.textContent = ACTIVATION_HELP[cfg.network.activation] || '';
    const scaleLabel = this.q('[data-role="scale-label"]');
    if (scaleLabel) scaleLabel.textContent = SCALE_LABEL[cfg.init.kind] || 'Scale';
    this.updateLrHint(cfg);
    this.editor?.refresh(cfg);
  }

  /** How close gradient descent at this rate is to the continuous-time theory. */
  updateLrHint(cfg = this.config()) {
    const el = this.q('[data-role="lr-hint"]');
    const s = this.state();
    if (!el || !s || !cfg) return;
    const x = cfg.train.lr * (s.singular_values[0] || 0);
    let note = 'steps this small follow the continuous-time theory closely';
    if (x > 0.1) note = 'large steps: expect visible lag behind the theory, or divergence';
    else if (x > 0.02) note = 'discrete steps lag the theory by a few percent';
    el.textContent = `lr × s₁ = ${fmt(x)}: ${note}.`;
  }

  syncTransport() {
    const btn = this.q('[data-action="play"]');
    if (!btn) return;
    btn.textContent = this.playing ? 'Pause' : 'Play';
    btn.setAttribute('aria-pressed', String(this.playing));
  }

  // ----- messages -----

  errorEl() {
    return this.q('[data-role="error"]');
  }

  showError(msg) {
    const el = this.errorEl();
    if (!el) return;
    el.textContent = msg;
    el.hidden = false;
  }

  clearError() {
    const el = this.errorEl();
    if (!el) return;
    el.textContent = '';
    el.hidden = true;
  }

  notice(msg) {
    const el = this.q('[data-role="notice"]');
    if (!el) return;
    el.textContent = msg;
    clearTimeout(this.noticeTimer);
    if (msg) this.noticeTimer = setTimeout(() => { el.textContent = ''; }, 6000);
  }

  updateStatus(s = this.state()) {
    const el = this.q('[data-role="status"]');
    if (!s || !el) return;
    const cfg = this.config();
    el.textContent = `step ${s.step.toLocaleString('en')} of ${cfg.train.steps.toLocaleString('en')} · loss ${fmt(s.loss)} · t/τ = ${fmt(s.time)}`;
  }

  afterSteps() {
    const s = this.state();
    if (!s) return;
    if (s.diverged) {
      this.pause();
      this.showError(s.message || 'Training diverged.');
    } else if (s.finished && this.playing) {
      this.pause();
      this.notice(`Finished after ${s.step.toLocaleString('en')} steps.`);
    }
    this.dirty = true;
    this.updateStatus(s);
    this.syncScrubber();
    this.semantic?.updateIllusions(s);
  }

  // ----- the category-coherence demo (its state lives in the App, apart from the run) -----

  bindCoherence() {
    const box = this.q('[data-coherence]');
    const slider = box && box.querySelector('input[type="range"]');
    const canvas = this.q('canvas[data-chart="coherence"]');
    if (!slider || !canvas) return;
    const out = box.querySelector('output');
    const status = box.querySelector('[data-role="coherence-status"]');
    // The slider is a log scale: position k is C = 2^(k/30) (so 0.5, 1, 2 and 4 are on it),
    // kept within C = 0.2 to 5 and rounded to 3 digits.
    const coherence = () => Number(Math.min(5, Math.max(0.2, 2 ** (Number(slider.value) / 30))).toPrecision(3));
    let complete = false;
    let queued = false;
    // Once per animation frame: add a noise draw to the curve until it is complete (so the page
    // never waits for all of it), apply the slider, show its readout and redraw this one canvas.
    const frame = () => {
      queued = false;
      if (this.dead) return;
      if (!complete) complete = this.guard(() => this.app.refineCoherence(), true);
      const s = this.guard(() => JSON.parse(this.app.setCoherence(coherence())));
      if (s) {
        const value = `C = ${fmt(s.c)}, S = ${fmt(s.strength)}`;
        out.value = value;
        slider.setAttribute('aria-valuetext', value);
        const verdict = s.found ? 'above the threshold: the category is found' : 'below the threshold: buried in noise';
        if (status) status.textContent = `Overlap ${s.overlap.toFixed(2)} ± ${s.spread.toFixed(2)}, ${verdict}.`;
      }
      const dpr = window.devicePixelRatio || 1;
      const sized = canvas.width === Math.round(canvas.clientWidth * dpr) && canvas.height === Math.round(canvas.clientHeight * dpr);
      if (sized) this.guard(() => this.app.draw('coherence', canvas, dpr));
      else this.dirty = true;
      if (!complete) schedule();
    };
    const schedule = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(frame);
    };
    slider.addEventListener('input', schedule);
    schedule();
  }

  // ----- canvases -----

  bindCanvases() {
    const ro = new ResizeObserver(() => { this.dirty = true; });
    // Only canvases on screen are drawn; one scrolled into view is drawn at once.
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting) this.visible.add(e.target);
        else this.visible.delete(e.target);
      }
      this.dirty = true;
    }, { rootMargin: '200px' });
    for (const c of this.canvases) {
      ro.observe(c);
      io.observe(c);
      c.addEventListener('pointermove', (e) => this.hover(c, e));
      c.addEventListener('pointerleave', () => { this.tooltip.hidden = true; });
    }
  }

  hover(canvas, e) {
    const r = canvas.getBoundingClientRect();
    const dpr = canvas.width / Math.max(1, r.width);
    const text = this.guard(() => this.app.hover(canvas.dataset.chart, (e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr));
    const t = this.tooltip;
    if (!text) {
      t.hidden = true;
      return;
    }
    t.textContent = text;
    t.hidden = false;
    const x = Math.min(e.clientX + 14, window.innerWidth - t.offsetWidth - 8);
    t.style.left = `${x + window.scrollX}px`;
    t.style.top = `${e.clientY + 14 + window.scrollY}px`;
  }

  draw() {
    if (this.dead) return;
    const dpr = window.devicePixelRatio || 1;
    for (const c of this.canvases) {
      if (!this.visible.has(c)) continue;
      const w = Math.round(c.clientWidth * dpr);
      const h = Math.round(c.clientHeight * dpr);
      if (w < 2 || h < 2) continue;
      if (c.width !== w || c.height !== h) {
        c.width = w;
        c.height = h;
      }
      this.guard(() => this.app.draw(c.dataset.chart, c, dpr));
    }
    this.dirty = false;
  }

  loop() {
    if (this.dead) return;
    if (this.playing) {
      const t0 = performance.now();
      let remaining = this.speed;
      while (remaining > 0) {
        const left = FRAME_BUDGET_MS - (performance.now() - t0);
        const k = Math.max(1, Math.min(remaining, Math.floor(left / this.msPerStep)));
        const t = performance.now();
        const took = this.guard(() => this.app.advance(k), 0);
        const dt = performance.now() - t;
        if (took > 0) this.msPerStep = 0.7 * this.msPerStep + 0.3 * Math.max(1e-4, dt / took);
        remaining -= k;
        if (took < k || performance.now() - t0 > FRAME_BUDGET_MS) break;
      }
      this.afterSteps();
    }
    if (this.dirty) this.draw();
    requestAnimationFrame(this.loop);
  }
}
