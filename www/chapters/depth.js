// Controls of the depth-and-initialisation panels: the depth sweep (run in a worker, or where
// there is none a slice of it in every animation frame, so the page never freezes), the spectra of random products and the phase
// portrait. The state lives in the wasm App; this module reads and writes it and schedules the
// work between frames.

import { fmt } from '../fmt.js';
import { cancelOffload, offload, offloadAvailable } from '../offload.js';
import { applyFields } from './fields.js';

/** Milliseconds of sweep or spectra work per animation frame. */
const WORK_MS = 10;

export class DepthControls {
  /** Binds the controls inside the explorer's root, if the page has the depth panels. */
  static attach(explorer) {
    return explorer.root.querySelector('[data-panel="sweep"], [data-panel="spectra"], [data-panel="phase"]')
      ? new DepthControls(explorer)
      : null;
  }

  constructor(explorer) {
    this.ex = explorer;
    this.q = (s) => explorer.root.querySelector(s);
    this.fillMenus();
    this.sweepRunning = false;
    /** The worker job running the sweep, if it runs in one. */
    this.job = null;
    this.msPerStep = 0.02;
    this.bindSweep();
    this.bindSpectra();
    this.bindPhase();
    this.refresh();
  }

  /**
   * The sweep's controls take their menus (options and labels) and their boxes' ranges from the
   * config's field table (`data-field` names a field's key), so no option list or limit is typed
   * here.
   */
  fillMenus() {
    applyFields(this.q('[data-sweep]'), [...(this.ex.fields?.values() ?? [])]);
    this.fillStarts();
  }

  /**
   * One box per start the field table lists (`sw_inits`), labelled as it says; the balanced
   * start's box is followed by its u₀ menu.
   */
  fillStarts() {
    const set = this.q('[data-sweep-inits]');
    const field = this.ex.fields?.get('sw_inits');
    if (!set || !field?.options?.length) return;
    const doc = set.ownerDocument;
    const u0 = set.querySelector('[data-sweep-u0]')?.closest('label');
    const before = set.querySelector('.terms');
    for (const o of field.options) {
      const label = doc.createElement('label');
      const box = doc.createElement('input');
      box.type = 'checkbox';
      box.value = o.value;
      box.dataset.sweepInit = '';
      label.append(box, ` ${o.label}`);
      if (o.help) label.title = o.help;
      if (o.value === 'balanced') {
        const span = doc.createElement('span');
        span.dataset.role = 'sweep-u0';
        label.append(', ', span);
      }
      set.insertBefore(label, before);
      if (o.value === 'balanced' && u0) set.insertBefore(u0, before);
    }
  }

  guard(fn, fallback = null) {
    return this.ex.guard(fn, fallback);
  }

  /** Draws one canvas now if it is sized (the explorer sizes canvases as it draws them). */
  drawCanvas(name) {
    const canvas = this.q(`canvas[data-chart="${name}"]`);
    if (!canvas || this.ex.dead) return;
    if (!this.ex.drawSized(canvas)) this.ex.dirty = true;
  }

  /** Puts the config's sweep settings into the controls (after a preset, a link, ...). */
  refresh(cfg = this.ex.config()) {
    if (!cfg) return;
    const sw = cfg.sweep;
    const set = (sel, v) => {
      const el = this.q(sel);
      if (el && el.getAttribute('aria-invalid') !== 'true') el.value = String(v);
    };
    set('[data-sweep-data]', sw.data);
    set('[data-sweep-max-depth]', Math.max(...sw.depths));
    set('[data-sweep-threshold]', sw.threshold);
    set('[data-sweep-lr]', sw.lr);
    set('[data-sweep-seeds]', sw.seeds);
    const u0Sel = this.q('[data-sweep-u0]');
    if (u0Sel) {
      if (![...u0Sel.options].some((o) => Number(o.value) === sw.balanced_u0)) {
        const o = u0Sel.ownerDocument.createElement('option');
        o.value = String(sw.balanced_u0);
        o.textContent = String(sw.balanced_u0);
        u0Sel.append(o);
      }
      u0Sel.value = [...u0Sel.options].find((o) => Number(o.value) === sw.balanced_u0).value;
    }
    for (const box of this.ex.root.querySelectorAll('[data-sweep-init]')) box.checked = sw.inits.includes(box.value);
    const u0 = this.q('[data-role="sweep-u0"]');
    if (u0) u0.textContent = `u₀ = ${fmt(sw.balanced_u0)}`;
    this.refreshModes();
  }

  // ----- the depth sweep -----

  bindSweep() {
    this.q('[data-sweep-run]')?.addEventListener('click', () => {
      const err = this.startSweep();
      if (err) this.sweepMessage(err, true);
    });
    this.q('[data-sweep-cancel]')?.addEventListener('click', () => this.cancelSweep());
    for (const el of this.ex.root.querySelectorAll('[data-sweep] input, [data-sweep] select')) {
      el.addEventListener('change', () => {
        const r = this.readSweepControls();
        if (r.error) return;
        for (const x of this.ex.root.querySelectorAll('[data-sweep] [aria-invalid]')) x.removeAttribute('aria-invalid');
        this.sweepMessage('');
      });
    }
  }

  /** The sweep settings in the controls: {value: partial sweep config} or {error, el}. */
  readSweepControls() {
    // Each box's limits are its field's (src/config/fields.rs).
    const range = (key) => {
      const f = this.ex.fields?.get(key) ?? {};
      return [f.min ?? -Infinity, f.max ?? Infinity, Boolean(f.min_open)];
    };
    const whole = (el, key, name) => {
      const [lo, hi] = range(key);
      const v = Number(el.value);
      if (el.value.trim() === '' || !Number.isInteger(v) || v < lo || v > hi) {
        return { error: `${name}: must be a whole number from ${lo} to ${hi}; got ${el.value.trim() || 'nothing'}`, el };
      }
      return { value: v };
    };
    const maxEl = this.q('[data-sweep-max-depth]');
    const thEl = this.q('[data-sweep-threshold]');
    const depth = whole(maxEl, 'sw_depths', 'Deepest network');
    if (depth.error) return depth;
    // The depths tried up to the deepest: the ladder is the config's (src/config/mod.rs).
    const depths = this.ex.ask('sweepDepths', depth.value);
    if (depths.error) return { error: `Deepest network: ${depths.error}`, el: maxEl };
    const th = Number(thEl.value);
    const [thLo, thHi, thOpen] = range('sw_threshold');
    if (thEl.value.trim() === '' || !Number.isFinite(th) || (thOpen ? th <= thLo : th < thLo) || th >= thHi) {
      return { error: `“Learned” threshold: must be a fraction between ${thLo} and ${thHi}, such as 0.01; got ${thEl.value.trim() || 'nothing'}`, el: thEl };
    }
    const seedsEl = this.q('[data-sweep-seeds]');
    let seeds = 3;
    if (seedsEl) {
      const r = whole(seedsEl, 'sw_seeds', 'Seeds per depth');
      if (r.error) return r;
      seeds = r.value;
    }
    const inits = [...this.ex.root.querySelectorAll('[data-sweep-init]')].filter((b) => b.checked).map((b) => b.value);
    if (!inits.length) return { error: 'Starts: tick at least one initialisation to compare', el: this.q('[data-sweep-init]') };
    return {
      value: {
        data: this.q('[data-sweep-data]').value,
        depths: depths.result,
        threshold: th,
        lr: this.q('[data-sweep-lr]').value,
        inits,
        ...(seedsEl ? { seeds } : {}),
        ...(this.q('[data-sweep-u0]') ? { balanced_u0: Number(this.q('[data-sweep-u0]').value) } : {}),
      },
    };
  }

  sweepMessage(text, error = false) {
    const el = this.q('[data-role="sweep-status"]');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('error-text', error);
  }

  /**
   * Starts a sweep, from the controls or (for the JS API) from a partial sweep config, which is
   * merged into the config first. Returns null or a message naming the field.
   */
  startSweep(partial = null) {
    let patch = partial;
    if (patch === null) {
      const r = this.readSweepControls();
      if (r.error) {
        r.el?.setAttribute('aria-invalid', 'true');
        return r.error;
      }
      patch = r.value;
    } else if (typeof patch !== 'object' || Array.isArray(patch)) {
      return 'sweep: must be an object such as {"depths": [1, 2, 4, 8]}';
    }
    const err = this.ex.setConfig({ sweep: patch });
    if (err) return err;
    if (partial !== null) this.refresh();
    if (this.job) cancelOffload(this.job);
    this.job = null;
    const elsewhere = offloadAvailable();
    const res = this.ex.ask('sweepStart', ...(elsewhere ? ['elsewhere'] : []));
    if (res.error) return res.error;
    this.sweepRunning = true;
    this.syncSweepButtons();
    this.showSweep(res.result);
    this.drawCanvas('sweep');
    if (elsewhere) this.sweepElsewhere();
    else requestAnimationFrame(() => this.sweepFrame());
    return null;
  }

  /**
   * Runs the sweep just started in the worker (www/offload.js): the same sweep, from the same
   * config, whose states the page's App adopts and draws as they come. If the worker fails, the
   * sweep starts again here, a slice a frame.
   */
  sweepElsewhere() {
    const job = offload({
      config: this.ex.app.config(),
      setup: [['sweepStart', []]],
      step: 'sweepWork',
      state: 'sweepState',
      onState: (s, end) => {
        if (this.job !== job) return;
        const r = this.ex.ask('sweepAdopt', s);
        if (r.error) {
          this.job = null;
          this.sweepRunning = false;
          this.sweepMessage(r.error, true);
        } else {
          this.showSweep(this.sweepState());
          if (end) this.job = null;
          this.sweepRunning = !end;
        }
        this.drawCanvas('sweep');
        this.syncSweepButtons();
      },
      onError: () => {
        if (this.job !== job) return;
        this.job = null;
        const res = this.ex.ask('sweepStart');
        if (res.error) {
          this.sweepRunning = false;
          this.sweepMessage(res.error, true);
          this.syncSweepButtons();
          return;
        }
        requestAnimationFrame(() => this.sweepFrame());
      },
    });
    this.job = job;
  }

  /** One frame of sweep work: a few milliseconds of gradient steps, then a redraw. */
  sweepFrame() {
    if (!this.sweepRunning || this.ex.dead) return;
    const t0 = performance.now();
    let state = null;
    while (performance.now() - t0 < WORK_MS) {
      const k = Math.max(1, Math.min(50_000, Math.floor((WORK_MS - (performance.now() - t0)) / this.msPerStep)));
      const t = performance.now();
      state = this.ex.ask('sweepWork', k).result;
      if (!state) return;
      const dt = performance.now() - t;
      this.msPerStep = 0.7 * this.msPerStep + 0.3 * Math.max(1e-4, dt / k);
      if (state.status !== 'running') break;
    }
    this.showSweep(state);
    this.drawCanvas('sweep');
    if (state.status === 'running') requestAnimationFrame(() => this.sweepFrame());
    else this.sweepRunning = false;
    this.syncSweepButtons();
  }

  cancelSweep() {
    if (this.job) cancelOffload(this.job);
    this.job = null;
    const s = this.ex.ask('sweepCancel').result;
    this.sweepRunning = false;
    this.syncSweepButtons();
    if (s) this.showSweep(s);
    this.drawCanvas('sweep');
    return null;
  }

  sweepState() {
    return this.ex.ask('sweepState').result ?? null;
  }

  syncSweepButtons() {
    const run = this.q('[data-sweep-run]');
    const cancel = this.q('[data-sweep-cancel]');
    if (run) run.textContent = this.sweepRunning ? 'Restart sweep' : 'Run sweep';
    if (cancel) cancel.disabled = !this.sweepRunning;
  }

  showSweep(s) {
    const bar = this.q('[data-sweep-progress]');
    if (bar) {
      bar.value = s.status === 'done' ? Number(bar.max) : s.progress;
      bar.setAttribute('aria-valuetext', `${Math.round(100 * s.progress)}%`);
    }
    const runs = `${s.runs_done} of ${s.runs_total} training runs`;
    const steps = `${s.steps.toLocaleString('en')} gradient steps`;
    if (s.status === 'running') this.sweepMessage(`Running: ${runs}, ${steps}.`);
    else if (s.status === 'done') this.sweepMessage(`Done: ${runs}, ${steps}. Hover over the chart for the times.`);
    else if (s.status === 'cancelled') this.sweepMessage(`Cancelled after ${runs}; the results so far are kept.`);
  }

  // ----- spectra of products of random matrices -----

  bindSpectra() {
    const depth = this.q('[data-spectra-depth]');
    const size = this.q('[data-spectra-size]');
    if (!depth || !size) return;
    this.spectraQueued = false;
    const apply = (el) => {
      const out = this.q('[data-show="spectra-depth"]');
      if (out) out.value = depth.value;
      const err = this.setSpectra({ depth: Number(depth.value), size: size.value.trim() === '' ? NaN : Number(size.value) });
      if (err) {
        el.setAttribute('aria-invalid', 'true');
        this.spectraStatus(err);
      } else {
        depth.removeAttribute('aria-invalid');
        size.removeAttribute('aria-invalid');
      }
    };
    depth.addEventListener('input', () => apply(depth));
    size.addEventListener('change', () => apply(size));
    this.scheduleSpectra();
  }

  /** Sets D and N ({depth, size}); returns null or a message naming the field. */
  setSpectra({ depth, size } = {}) {
    const cur = this.spectraState();
    if (!cur) return 'the simulation has stopped';
    const d = depth ?? cur.depth;
    const n = size ?? cur.size;
    const label = { 'spectra.depth': 'matrices D', 'spectra.size': 'size N' };
    if (!Number.isFinite(d)) return 'matrices D: enter a whole number from 1 to 64';
    if (!Number.isFinite(n)) return 'size N: enter a whole number from 2 to 200';
    const res = this.ex.ask('setSpectra', d, n);
    if (res.error) {
      const field = res.field;
      return label[field] ? `${label[field]}${res.error.slice(field.length)}` : res.error;
    }
    this.spectraStatus('');
    this.scheduleSpectra();
    return null;
  }

  spectraState() {
    return this.ex.ask('spectraState').result ?? null;
  }

  spectraStatus(text) {
    const el = this.q('[data-role="spectra-status"]');
    if (el) el.textContent = text;
  }

  scheduleSpectra() {
    if (this.spectraQueued) return;
    this.spectraQueued = true;
    requestAnimationFrame(() => this.spectraFrame());
  }

  /** One frame of spectra work: a few milliseconds of factors and SVDs, then a redraw. */
  spectraFrame() {
    this.spectraQueued = false;
    if (this.ex.dead) return;
    const t0 = performance.now();
    let complete = false;
    do complete = this.ex.ask('refineSpectra').result ?? true;
    while (!complete && performance.now() - t0 < WORK_MS);
    this.drawCanvas('spectra');
    const s = this.spectraState();
    if (s) {
      const el = this.q('[data-role="spectra-status"]');
      const ratio = s.gaussian.ratio === null ? '∞' : fmt(s.gaussian.ratio);
      if (el && !this.q('[data-spectra] [aria-invalid="true"]')) {
        el.textContent = s.draws
          ? `Gaussian product: largest/smallest singular value ${ratio}, ${Math.round(100 * s.gaussian.below_tenth)}% below 0.1; orthogonal: all within ${fmt(Math.max(Math.abs(s.orthogonal.max - 1), Math.abs(1 - s.orthogonal.min)))} of 1 (${s.draws} of ${s.draws_total} draws).`
          : 'Multiplying…';
      }
    }
    if (!complete) this.scheduleSpectra();
  }

  // ----- the phase portrait -----

  bindPhase() {
    const canvas = this.q('canvas[data-chart="phase"]');
    if (!canvas) return;
    this.phaseQueued = false;
    this.phaseLast = null;
    canvas.addEventListener('click', (e) => {
      const r = canvas.getBoundingClientRect();
      const dpr = canvas.width / Math.max(1, r.width);
      const started = this.ex.ask('phaseClick', (e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr).result;
      if (started) this.animatePhase();
    });
    this.q('[data-phase-mode]')?.addEventListener('change', (e) => {
      const v = e.target.value;
      const err = this.setPhaseMode(v === '' ? null : Number(v));
      if (err) this.phaseStatus(err);
    });
    this.q('[data-phase-random]')?.addEventListener('click', () => {
      const s = this.phaseState();
      if (!s) return;
      const r = s.extent;
      this.phaseStart((Math.random() * 2 - 1) * r, (Math.random() * 2 - 1) * r);
    });
    this.q('[data-phase-clear]')?.addEventListener('click', () => {
      this.ex.ask('phaseClear');
      this.drawCanvas('phase');
      this.phaseStatus('');
    });
  }

  /** Starts a trajectory at (a, b); returns null or a message. */
  phaseStart(a, b) {
    const err = this.ex.ask('phaseStart', Number(a), Number(b)).error;
    if (err) return err;
    this.animatePhase();
    return null;
  }

  /** Follows mode `mode` (1-based) of the run, or the free portrait with s = 1 (null). */
  setPhaseMode(mode) {
    if (mode !== null && !Number.isInteger(mode)) return `phase.mode: must be a whole number or null; got ${mode}`;
    const err = this.ex.ask('setPhaseMode', mode).error;
    if (err) return err;
    const sel = this.q('[data-phase-mode]');
    if (sel) sel.value = mode === null ? '' : String(mode);
    this.phaseStatus('');
    this.ex.dirty = true;
    this.drawCanvas('phase');
    return null;
  }

  phaseState() {
    return this.ex.ask('phaseState').result ?? null;
  }

  phaseStatus(text) {
    const el = this.q('[data-role="phase-status"]');
    if (el) el.textContent = text;
  }

  animatePhase() {
    if (this.phaseQueued) return;
    this.phaseQueued = true;
    this.phaseLast = null;
    const frame = (now) => {
      if (this.ex.dead) return;
      const dt = this.phaseLast === null ? 1 / 60 : (now - this.phaseLast) / 1000;
      this.phaseLast = now;
      const moving = this.ex.ask('phaseTick', dt).result ?? false;
      this.drawCanvas('phase');
      if (moving) requestAnimationFrame(frame);
      else {
        this.phaseQueued = false;
        const s = this.phaseState();
        const t = s?.trajectories.at(-1);
        if (t) {
          const end = t.ending === 'learned'
            ? `reached ab = s at (${fmt(t.head[1])}, ${fmt(t.head[2])})`
            : (t.ending === 'saddle' ? 'came to rest at the saddle at the origin' : 'was still moving when it was stopped');
          this.phaseStatus(`Last trajectory: from (${fmt(t.start[0])}, ${fmt(t.start[1])}), a² − b² = ${fmt(t.conserved_start)} at the start and ${fmt(t.conserved_head)} at the end; it ${end} after t/τ = ${fmt(t.head[0])}.`);
        }
      }
    };
    requestAnimationFrame(frame);
  }

  /** The mode choices of the phase portrait: the App's menu, from the run's singular values. */
  refreshModes() {
    const sel = this.q('[data-phase-mode]');
    const opts = this.ex.ask('phaseModes').result;
    if (!sel || !opts) return;
    const keep = this.phaseState()?.mode;
    const same = sel.options.length === opts.length && opts.every((o, i) => sel.options[i].value === o.value && sel.options[i].textContent === o.label);
    if (!same) {
      sel.replaceChildren(...opts.map((o) => {
        const el = sel.ownerDocument.createElement('option');
        el.value = o.value;
        el.textContent = o.label;
        return el;
      }));
    }
    sel.value = keep ? String(keep) : '';
  }
}
