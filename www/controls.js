// The explorer's form controls: reading a control into a config fragment (with a message naming
// the field when the value is not allowed), writing the current config back into the controls,
// the preset menu and the time scrubber. Every control is found by its data- attribute under the
// explorer's root, never by id.

import { fmt } from './fmt.js';

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

/**
 * The control methods, mixed into Explorer's prototype.
 * @type {ThisType<import('./explorer.js').Explorer>}
 */
export const controls = {
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
  },

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
  },

  /** Whether a control belongs to the given dataset kind (by its data-when wrapper). */
  visibleFor(el, kind) {
    const when = el.closest('[data-when="dataset.kind"]');
    return !when || when.dataset.values.split(' ').includes(kind);
  },

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
  },

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
  },

  showValue(param, el, value = null) {
    const out = this.q(`[data-show="${param}"]`);
    if (!out) return;
    const v = value ?? (el.hasAttribute('data-log') ? 10 ** Number(el.value) : Number(el.value));
    out.value = fmt(v);
  },

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
  },

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
  },

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
  },

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
  },

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
  },
};
