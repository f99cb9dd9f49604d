// The explorer's form controls: reading a control into a config fragment (with a message naming
// the field when the value is not allowed), writing the current config back into the controls,
// the preset menu and the time scrubber. Every control is found by its data- attribute under the
// explorer's root, never by id.

import { fmt } from './fmt.js';
import { fillMenu } from './chapters/fields.js';

/** What the init-scale slider sets, by kind: the gain g of SMG14 section 4 for the random kinds. */
const SCALE_LABEL = {
  small_gaussian: 'Scale (std)',
  scaled_gaussian: 'Gain g',
  orthogonal: 'Gain g',
  balanced: 'Scale (u₀)',
  lambda_balanced: 'Scale',
};

/** The value at a dotted path of an object (undefined when absent). */
function at(obj, path) {
  return path.split('.').reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
}

/** An object holding `value` at the dotted `path`. */
function nest(path, value) {
  return path.split('.').reduceRight((v, k) => ({ [k]: v }), value);
}

/** Whether a field applies when the choice `key` has `value` (its `when` in the schema). */
function appliesTo(field, key, value) {
  return !field.when || field.when.key !== key || field.when.values.includes(value);
}

/**
 * Shapes a control from its field: a menu's options and labels, a box's or slider's range and
 * step, and the help text as its tooltip. Nothing of this is typed in the HTML. A list field
 * (the hidden layers) has two controls: `data-part="layers"` (how many) and `"width"` (each).
 */
function shapeControl(el, field) {
  const label = el.closest('label');
  if (label && field.help) label.title = field.help;
  if (el.tagName === 'SELECT') {
    fillMenu(el, field);
    return;
  }
  if (el.dataset.part === 'layers') {
    [el.min, el.max] = field.length.map(String);
    el.step = '1';
    return;
  }
  if (field.log) {
    [el.min, el.max] = field.slider.map((x) => String(Math.log10(x)));
    el.step = String(field.step ?? 0.05);
    el.setAttribute('data-log', '');
    return;
  }
  if (field.min !== null) el.min = String(field.min);
  if (field.max !== null) el.max = String(field.max);
  el.step = field.step === null ? 'any' : String(field.step);
}

/** The label text of a control, for messages. */
function labelOf(el, param) {
  const label = el.closest('label');
  const own = (n) => n.nodeType === 3 || n.nodeName === 'SPAN';
  const text = label ? [...label.childNodes].filter(own).map((n) => n.textContent).join(' ').trim() : '';
  return text || param;
}

/** Reads a control's value against its field's range: {value} or {error} naming the field. */
function readControl(el, field) {
  if (el.tagName === 'SELECT') return { value: el.value };
  const label = labelOf(el, field.key);
  const raw = el.value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v)) return { error: `${label}: enter a number` };
  if (field.log) return { value: 10 ** v };
  const layers = el.dataset.part === 'layers';
  const [min, max] = layers ? field.length : [field.min, field.max];
  const whole = field.kind === 'integer' || field.kind === 'list';
  if (whole && !Number.isInteger(v)) return { error: `${label}: enter a whole number` };
  const open = field.min_open && !layers;
  const below = min !== null && (open ? v <= min : v < min);
  if (below || (max !== null && v > max)) {
    const range = open ? `above ${min} and at most ${max}` : `from ${min} to ${max}`;
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
    this.fields = new Map(this.schema().map((f) => [f.key, f]));
    for (const el of this.root.querySelectorAll('[data-param]')) {
      const field = this.fields.get(el.dataset.param);
      if (!field) continue;
      shapeControl(el, field);
      // A slider of a live field (the learning rate) applies while dragging; everything else
      // when the value is committed.
      const live = field.live && el.type === 'range';
      el.addEventListener(live ? 'input' : 'change', () => this.onControl(field, el));
      if (el.type === 'range') el.addEventListener('input', () => this.showValue(field.key, el));
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
      // The page's speed is in steps per second: the loop takes as many steps in each frame
      // as the measured frame interval is due, so a run takes the time the control says. Step
      // advances by one sixtieth of a second's worth.
      const read = () => {
        const sps = Number((10 ** Number(speed.value)).toPrecision(2));
        this.stepsPerSecond = sps;
        this.speed = Math.max(1, Math.round(sps / 60));
        const text = `${sps.toLocaleString('en')} steps/s`;
        const out = this.q('[data-show="speed"]');
        if (out) out.value = text;
        speed.setAttribute('aria-valuetext', text);
      };
      speed.addEventListener('input', read);
      read();
    }
    this.root.querySelector('form')?.addEventListener('submit', (e) => e.preventDefault());
  },

  /** The config fragment for a control's new value, or {error}. */
  fragmentFor(field, el, cfg) {
    const read = readControl(el, field);
    if (read.error) return read;
    const v = read.value;
    if (el.dataset.part === 'layers') return nest(field.path, Array(v).fill(this.width));
    if (el.dataset.part === 'width') {
      this.width = v;
      return nest(field.path, cfg.network.hidden.map(() => v));
    }
    if (field.key === 'dataset') {
      // Carry the generator settings the user has entered over to the new kind.
      const dataset = { kind: v };
      for (const other of this.root.querySelectorAll('[data-param]')) {
        const f = this.fields.get(other.dataset.param);
        if (!f || f === field || !f.path.startsWith('dataset.') || !f.when) continue;
        if (!appliesTo(f, 'dataset', v) || other.value.trim() === '') continue;
        const r = readControl(other, f);
        if (r.error) return r;
        dataset[f.path.slice('dataset.'.length)] = r.value;
      }
      return { dataset };
    }
    return nest(field.path, v);
  },

  onControl(field, el) {
    const cfg = this.config();
    if (!cfg) return;
    const frag = this.fragmentFor(field, el, cfg);
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
        const s = this.status();
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
    for (const el of this.root.querySelectorAll('[data-param]')) {
      const f = this.fields.get(el.dataset.param);
      if (!f) continue;
      // A control shows when the choice its field depends on has one of its values; λ also
      // needs exactly one hidden layer (Config::check_rules).
      if (f.when) {
        let show = f.when.values.includes(at(cfg, this.fields.get(f.when.key).path));
        if (f.key === 'lambda') show = show && hidden.length === 1;
        (el.closest('label') || el).hidden = !show;
      }
      if (el.getAttribute('aria-invalid') === 'true') continue;
      let v = at(cfg, f.path);
      if (el.dataset.part === 'layers') v = hidden.length;
      else if (el.dataset.part === 'width') v = this.width;
      if (v === undefined || (v !== null && typeof v === 'object')) continue;
      el.value = el.hasAttribute('data-log') ? String(Math.log10(v)) : String(v);
      this.showValue(f.key, el, typeof v === 'number' ? v : null);
    }
    for (const row of this.root.querySelectorAll('form .row')) {
      const labels = [...row.querySelectorAll('label')];
      row.hidden = labels.length > 0 && labels.every((l) => l.hidden);
    }
    this.semantic?.refresh();
    this.depth?.refresh(cfg);
    this.syncScrubber();
    // The chosen option's help, from the field table.
    const optionHelp = (key) => this.fields.get(key)?.options.find((o) => o.value === at(cfg, this.fields.get(key).path))?.help ?? '';
    const help = this.q('[data-role="dataset-help"]');
    if (help) help.textContent = optionHelp('dataset');
    const actHelp = this.q('[data-role="activation-help"]');
    if (actHelp) actHelp.textContent = optionHelp('act');
    const scaleLabel = this.q('[data-role="scale-label"]');
    if (scaleLabel) scaleLabel.textContent = SCALE_LABEL[cfg.init.kind] || 'Scale';
    this.updateLrHint(cfg);
    this.syncFlow();
    this.editor?.refresh(cfg);
  },

  /** How close gradient descent at this rate is to the continuous-time theory. */
  updateLrHint(cfg = this.config()) {
    const el = this.q('[data-role="lr-hint"]');
    const s = this.state();
    if (!el || !s || !cfg) return;
    // The rate on the summed loss (with the mean loss, 2·lr/(P·F)).
    const x = (s.rate ?? cfg.train.lr) * (s.singular_values[0] || 0);
    let note = 'steps this small follow the continuous-time theory closely';
    if (x > 0.1) note = 'large steps: expect visible lag behind the theory, or divergence';
    else if (x > 0.02) note = 'discrete steps lag the theory by a few percent';
    const eta = cfg.train.loss === 'mean' ? 'η × s₁ (η = 2·lr/(P·F))' : 'lr × s₁';
    el.textContent = `${eta} = ${fmt(x)}: ${note}.`;
  },

  /**
   * The "paper: continuous time" checkbox: the view's `flow` (hash `flow=1`). On, the charts add
   * the papers' gradient-flow curve and read the half-learning milestones off it.
   */
  bindFlow() {
    const el = this.q('[data-flow]');
    if (!el) return;
    el.addEventListener('change', () => {
      const err = this.setView({ flow: el.checked });
      if (err) this.showError(err);
    });
    this.root.addEventListener('dln-change', () => this.syncFlow());
  },

  /** Ticks the checkbox as the view has it; it is disabled when there is no second curve. */
  syncFlow() {
    const el = this.q('[data-flow]');
    if (!el) return;
    el.checked = Boolean(this.view()?.flow);
    const theory = this.state()?.theory;
    const has = Boolean(theory?.flow_label);
    el.disabled = !has;
    const label = el.closest('label');
    if (label) {
      label.title = has
        ? `Adds the dotted curve: ${theory.flow_label}. Milestones are then read from it.`
        : 'The prediction drawn is already the gradient flow (or there is none): there is no second curve.';
    }
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
