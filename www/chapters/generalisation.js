// Controls of the generalisation chapter (Advani, Saxe & Sompolinsky 2020): the teacher's size,
// load and SNR, the student's start, its own Play/Pause (this chapter's run is not the page's
// main run, so it has its own transport), the presets with their captions, and the α sweep with
// the SNR × α map. The state lives in the wasm App (src/chapters/generalisation/chapter.rs);
// every frame while something runs this module hands the App a few milliseconds of work
// (App.work, cost-aware in Rust) and lets the explorer redraw the panels that changed.

import { fmt } from '../fmt.js';
import { cancelOffload, offload, offloadAvailable } from '../offload.js';

/** Milliseconds of chapter work per animation frame. */
const WORK_MS = 10;
/**
 * The size min(N, P) above which a new sample is decomposed off the page's thread: the
 * decomposition grows as its cube, about 15 ms at 200 and 120 ms at 400 in Chromium here.
 */
const LARGE_SAMPLE = 200;
/** Milliseconds per frame for the outlier demo's training. */
const OUTLIER_MS = 6;

export class GeneralisationControls {
  /** Binds the controls inside the explorer's root, if the page shows the chapter. */
  static attach(explorer) {
    return explorer.root.querySelector('[data-chapter="generalisation"]') ? new GeneralisationControls(explorer) : null;
  }

  constructor(explorer) {
    this.ex = explorer;
    this.root = explorer.root.querySelector('[data-chapter="generalisation"]');
    // The chapter's controls, for scripts driving the page (and its tests).
    this.root.generalisation = this;
    this.q = (s) => this.root.querySelector(s);
    this.msPerUnit = 0.01;
    this.running = false;
    /** The worker job running the sweep, if it runs in one. */
    this.job = null;
    /** The worker job decomposing a new sample, while one does. */
    this.spectrumJob = null;
    /** Milliseconds per step of the outlier demo, as measured. */
    this.msPerOutlierStep = 0.5;
    this.bind();
    this.presets();
    // The chapter's run (its data's eigendecomposition) is built on its first state: after the
    // page's first frame, so the first chart does not wait for a chapter further down.
    requestAnimationFrame(() => setTimeout(() => this.start()));
  }

  /** Builds the chapter's run, if nothing has yet, and shows its state. */
  start() {
    const st = this.ask('genState');
    if (st) {
      this.refresh(st);
      this.caption(st.preset);
    }
    // The outlier demo is built and trained once its panel first comes into view.
    const fig = this.q('[data-panel="gen-outlier"]');
    const begin = () => {
      this.showOutlier(this.ask('genOutlierState'));
      if (this.lastOutlier && !this.lastOutlier.done) this.schedule();
    };
    if (!fig || typeof IntersectionObserver === 'undefined') return begin();
    const io = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      if (!this.lastOutlier) begin();
    });
    io.observe(fig);
    return undefined;
  }

  /** Restarts the outlier demo at signal strength `s` (it then trains a few ms a frame). */
  setOutlier(s) {
    const o = this.ask('genOutlier', s);
    this.showOutlier(o);
    if (o && !o.done) this.schedule();
    this.ex.dirty = true;
  }

  showOutlier(o) {
    if (!o) return;
    this.lastOutlier = o;
    const show = this.q('[data-gen-outlier-show]');
    if (show) show.textContent = fmt(o.signal);
    const el = this.q('[data-gen-outlier-status]');
    if (el) {
      const m = o.measured;
      const p = o.predicted;
      const sample = `this sample: s₁ = ${fmt(m.s_hat)}, ⟨û,ū⟩² = ${fmt(m.u_overlap2)}, ⟨v̂,v̄⟩² = ${fmt(m.v_overlap2)}`;
      const theory = p
        ? `outlier approximation: ŝ = ${fmt(p.s_hat)}, ⟨û,ū⟩² = ${fmt(p.u_overlap2)}, ⟨v̂,v̄⟩² = ${fmt(p.v_overlap2)}, bulk edge ${fmt(p.edge)}`
        : `no outlier: s̄ is below the detection threshold A^¼ = ${fmt(o.aspect ** 0.25)}, so the top mode is noise`;
      const best = o.best ? ` · lowest distance to the signal ${fmt(o.best.signal_error)} at t/τ = ${fmt(o.best.time)}` : '';
      const floor = o.predicted_floor === null ? '' : ` (approximation ${fmt(o.predicted_floor)})`;
      const where = o.done ? `end: distance ${fmt(o.signal_error)}` : `step ${o.step} of ${o.steps}`;
      el.textContent = `${sample}; ${theory}${best}${floor} · ${where}`;
    }
  }

  /** A chapter call's result, or null (showing its error under the controls). */
  ask(name, ...args) {
    const r = this.ex.ask(name, ...args);
    if (r.error) {
      this.message(r.error, true);
      return null;
    }
    return r.result;
  }

  message(text, error = false) {
    const el = this.q('[data-gen-message]');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('error-text', error);
  }

  presets() {
    const sel = this.q('[data-gen-preset]');
    const list = this.ask('genPresets') ?? [];
    this.presetList = list;
    if (!sel) return;
    sel.replaceChildren(...list.map((p) => {
      const o = sel.ownerDocument.createElement('option');
      o.value = p.id;
      o.textContent = p.title;
      return o;
    }));
  }

  caption(id) {
    const p = this.presetList.find((x) => x.id === id);
    const el = this.q('[data-gen-caption]');
    if (el) el.textContent = p ? p.caption : 'Your own settings: see what the charts do.';
    const sel = this.q('[data-gen-preset]');
    if (sel) sel.value = p ? p.id : '';
  }

  bind() {
    this.q('[data-gen-preset]')?.addEventListener('change', (e) => this.applyPreset(e.target.value));
    const fields = {
      'gen-inputs': (v) => ({ dataset: { inputs: v, examples: this.examplesFor(v) } }),
      'gen-alpha': () => ({ dataset: { examples: this.examplesFor(this.num('gen-inputs')) } }),
      'gen-snr': (v) => ({ dataset: { snr: v } }),
      'gen-sigma0': (v) => this.startPatch(v, this.q('[data-gen-deep]').checked),
      'gen-steps': (v) => ({ train: { steps: v } }),
    };
    for (const [name, patch] of Object.entries(fields)) {
      const el = this.q(`[data-gen="${name}"]`);
      el?.addEventListener('change', () => this.configure(patch(this.num(name)), el));
      if (el?.type === 'range') el.addEventListener('input', () => this.showRanges());
    }
    this.q('[data-gen-deep]')?.addEventListener('change', (e) => {
      const deep = e.target.checked;
      this.configure({
        dataset: { outputs: deep ? 8 : 1 },
        network: { hidden: deep ? [16] : [] },
        train: { lr: deep ? 0.002 : 0.05 },
        ...this.startPatch(this.num('gen-sigma0'), deep),
      }, e.target);
    });
    this.q('[data-gen-play]')?.addEventListener('click', () => this.play(!this.lastState?.playing));
    this.q('[data-gen-reset]')?.addEventListener('click', () => {
      const st = this.ask('genReset');
      if (st) this.refresh(st);
      this.ex.dirty = true;
    });
    const signal = this.q('[data-gen-outlier="signal"]');
    signal?.addEventListener('input', () => {
      const show = this.q('[data-gen-outlier-show]');
      if (show) show.textContent = fmt(Number(signal.value));
    });
    signal?.addEventListener('change', () => this.setOutlier(Number(signal.value)));
    this.q('[data-gen-sweep-run]')?.addEventListener('click', () => this.startSweep());
    this.q('[data-gen-sweep-cancel]')?.addEventListener('click', () => this.cancelSweep());
  }

  /** The value of a number control (NaN when it is empty). */
  num(name) {
    const el = this.q(`[data-gen="${name}"]`);
    return el && el.value.trim() !== '' ? Number(el.value) : NaN;
  }

  /** P = round(α N), at least 1. */
  examplesFor(inputs) {
    return Math.max(1, Math.round(this.num('gen-alpha') * inputs));
  }

  /** The student's start: zero at σ₀ = 0 for a shallow student, else small Gaussian weights. */
  startPatch(s0, deep) {
    if (deep) return { init: { kind: 'small_gaussian', scale: Math.max(s0, 0.01) } };
    return { init: s0 > 0 ? { kind: 'small_gaussian', scale: s0 } : { kind: 'zero', scale: 0 } };
  }

  /**
   * Applies a partial config; a refusal names its field and marks the control. A new sample
   * larger than LARGE_SAMPLE on both sides is decomposed in the worker while the page goes on drawing the last one
   * (or, without a worker, here after the next paint, the page first saying it is busy).
   */
  configure(partial, el = null) {
    if (this.spectrumJob) cancelOffload(this.spectrumJob);
    this.spectrumJob = null;
    const d = { ...this.lastState?.config.dataset, ...partial.dataset };
    const size = Math.min(d.inputs, d.examples);
    if (partial.dataset && Number.isFinite(size) && size > LARGE_SAMPLE && d.inputs <= 1000 && d.examples <= 1000) {
      if (offloadAvailable()) return this.decomposeElsewhere(partial, el, d);
      this.message(`Decomposing XXᵀ for N = ${d.inputs}, P = ${d.examples}…`);
      requestAnimationFrame(() => setTimeout(() => this.configureNow(partial, el), 0));
      return null;
    }
    return this.configureNow(partial, el);
  }

  /**
   * Sends the new sample's decomposition to the worker (www/offload.js): it draws the same
   * sample from the same config and answers the spectrum as numbers, which the chapter adopts
   * (genSpectrumAdopt). A refusal there is shown as here; if the worker fails, it is done here.
   */
  decomposeElsewhere(partial, el, d) {
    this.showRanges();
    this.message(`Decomposing XXᵀ for N = ${d.inputs}, P = ${d.examples} in the background; the charts show the last sample until it is done.`);
    const cfg = this.lastState?.config;
    const job = offload({
      config: this.ex.app.config(),
      setup: [...(cfg ? [['genConfigure', [cfg]]] : []), ['genConfigure', [partial]]],
      numbers: 'genSpectrumNumbers',
      lane: 'spectrum',
      onState: (of, _end, numbers) => {
        if (this.spectrumJob !== job) return;
        this.spectrumJob = null;
        this.settle(this.ex.askNumbers('genSpectrumAdopt', numbers, partial, of), el);
      },
      onError: (error, refused) => {
        if (this.spectrumJob !== job) return;
        this.spectrumJob = null;
        if (refused) this.settle({ error }, el);
        else this.configureNow(partial, el);
      },
    });
    this.spectrumJob = job;
    return null;
  }

  configureNow(partial, el = null) {
    return this.settle(this.ex.ask('genConfigure', partial), el);
  }

  /** Shows a configure call's answer: the new state, or its refusal on the control. */
  settle(r, el) {
    for (const x of this.root.querySelectorAll('[aria-invalid]')) x.removeAttribute('aria-invalid');
    if (r.error) {
      el?.setAttribute('aria-invalid', 'true');
      this.message(r.error, true);
      return r.error;
    }
    this.message('');
    this.refresh(r.result);
    this.caption(null);
    this.ex.dirty = true;
    return null;
  }

  applyPreset(id) {
    if (!id) return;
    if (this.spectrumJob) cancelOffload(this.spectrumJob);
    this.spectrumJob = null;
    const r = this.ask('genPreset', id);
    if (!r) return;
    this.message('');
    this.refresh(r.state);
    this.caption(r.id);
    this.ex.dirty = true;
  }

  play(on) {
    const st = this.ask('genPlay', on);
    if (!st) return;
    this.refresh(st);
    if (on) this.schedule();
  }

  startSweep() {
    const text = this.q('[data-gen="gen-snrs"]')?.value ?? '1, 4, 16';
    const snrs = text.split(/[,\s]+/).filter(Boolean).map(Number);
    const err = this.ex.ask('genConfigure', { sweep: { snrs } }).error;
    if (err) {
      this.q('[data-gen="gen-snrs"]')?.setAttribute('aria-invalid', 'true');
      this.sweepMessage(err, true);
      return err;
    }
    this.q('[data-gen="gen-snrs"]')?.removeAttribute('aria-invalid');
    if (this.job) cancelOffload(this.job);
    this.job = null;
    const elsewhere = offloadAvailable();
    const s = this.ask('genSweepStart', ...(elsewhere ? ['elsewhere'] : []));
    if (!s) return 'the sweep did not start';
    this.showSweep(s);
    if (elsewhere) this.sweepElsewhere();
    else this.schedule();
    return null;
  }

  /**
   * Runs the sweep just started in the worker (www/offload.js), from this chapter's config: the
   * page's copy adopts each state it reports (rows and cells). If the worker fails, the sweep
   * starts again here, a few milliseconds a frame.
   */
  sweepElsewhere() {
    const cfg = this.ask('genState')?.config;
    const job = offload({
      config: this.ex.app.config(),
      setup: [['genConfigure', [cfg]], ['genSweepStart', []]],
      state: 'genSweepState',
      stateArgs: [true],
      onState: (state, end) => {
        if (this.job !== job) return;
        const r = this.ex.ask('genSweepAdopt', state);
        if (end || r.error) this.job = null;
        if (r.error) this.sweepMessage(r.error, true);
        else this.showSweep(this.ask('genSweepState'));
        this.ex.dirty = true;
      },
      onError: () => {
        if (this.job !== job) return;
        this.job = null;
        if (this.ask('genSweepStart')) this.schedule();
      },
    });
    this.job = job;
  }

  cancelSweep() {
    if (this.job) cancelOffload(this.job);
    this.job = null;
    const s = this.ask('genSweepCancel');
    if (s) this.showSweep(s);
    this.ex.dirty = true;
  }

  schedule() {
    if (this.running) return;
    this.running = true;
    requestAnimationFrame(() => this.frame());
  }

  /** One frame of work: the run's steps and the sweep, a few milliseconds, then a redraw. */
  frame() {
    if (this.ex.dead) {
      this.running = false;
      return;
    }
    const t0 = performance.now();
    let more = false;
    do {
      const k = Math.max(1, Math.min(1e7, Math.floor((WORK_MS - (performance.now() - t0)) / this.msPerUnit)));
      const t = performance.now();
      more = this.ex.guard(() => this.ex.app.work(k), false);
      const dt = performance.now() - t;
      if (dt > 0.05) this.msPerUnit = 0.7 * this.msPerUnit + 0.3 * Math.max(1e-5, dt / k);
      else this.msPerUnit = Math.max(1e-5, this.msPerUnit * 0.7);
    } while (more && performance.now() - t0 < WORK_MS);
    this.ex.dirty = true;
    const st = this.ask('genState');
    if (st) this.refresh(st);
    const s = this.ask('genSweepState');
    if (s) this.showSweep(s);
    if (this.lastOutlier && !this.lastOutlier.done) {
      // The outlier demo: as many steps as fit in OUTLIER_MS at the pace measured so far.
      const n = Math.max(1, Math.min(200, Math.floor(OUTLIER_MS / this.msPerOutlierStep)));
      const t = performance.now();
      const o = this.ask('genOutlierStep', n);
      this.msPerOutlierStep = 0.7 * this.msPerOutlierStep + 0.3 * Math.max(1e-3, (performance.now() - t) / n);
      this.showOutlier(o);
      more ||= Boolean(o && !o.done);
    }
    if (more) requestAnimationFrame(() => this.frame());
    else this.running = false;
  }

  showRanges() {
    const a = this.num('gen-alpha');
    const n = this.num('gen-inputs');
    const out = this.q('[data-gen-show="alpha"]');
    if (out) out.textContent = `${fmt(a)} (P = ${Number.isFinite(n) ? this.examplesFor(n) : '?'})`;
    const s0 = this.q('[data-gen-show="sigma0"]');
    if (s0) s0.textContent = fmt(this.num('gen-sigma0'));
  }

  /** Puts the chapter's state into the controls and the status line. */
  refresh(st) {
    this.lastState = st;
    const cfg = st.config;
    // While a new sample is decomposed elsewhere, its controls keep what was asked for.
    const pending = this.spectrumJob ? ['gen-inputs', 'gen-alpha', 'gen-snr'] : [];
    const set = (name, v) => {
      const el = this.q(`[data-gen="${name}"]`);
      if (el && !pending.includes(name) && el.getAttribute('aria-invalid') !== 'true' && el !== el.ownerDocument.activeElement) el.value = String(v);
    };
    set('gen-inputs', cfg.dataset.inputs);
    set('gen-alpha', st.alpha);
    set('gen-snr', cfg.dataset.snr);
    set('gen-sigma0', cfg.init.kind === 'zero' ? 0 : cfg.init.scale);
    set('gen-steps', cfg.train.steps);
    const deep = this.q('[data-gen-deep]');
    if (deep) deep.checked = st.deep;
    this.showRanges();
    const play = this.q('[data-gen-play]');
    if (play) {
      play.textContent = st.playing ? 'Pause' : (st.done ? 'Play again' : 'Play');
      play.setAttribute('aria-pressed', String(st.playing));
    }
    const status = this.q('[data-gen-status]');
    if (status) {
      const exact = st.exact_test_error === null ? '' : ` (exact ${fmt(st.exact_test_error)})`;
      const floor = st.frozen_floor === null ? '' : ` · frozen floor ${fmt(st.frozen_floor)}`;
      const eig = st.eigen_ms === null ? '' : ` · eigen-decomposition of XXᵀ ${fmt(st.eigen_ms)} ms`;
      status.textContent = `α = ${fmt(st.alpha)} · step ${st.step.toLocaleString('en')} of ${st.steps.toLocaleString('en')} (t/τ = ${fmt(st.time)}) · test error ${fmt(st.test_error)}${exact}, training ${fmt(st.train_error)} · large-N t_opt = ${fmt(st.t_opt)}τ, E_g(t_opt) = ${fmt(st.test_error_at_t_opt)} · best ridge ${fmt(st.ridge_test_error)} · oracle σ²ε ${fmt(st.oracle)}${floor}${eig}`;
    }
  }

  showSweep(s) {
    const bar = this.q('[data-gen-sweep-progress]');
    if (bar) {
      bar.value = s.status === 'done' ? 1 : s.progress;
      bar.setAttribute('aria-valuetext', `${Math.round(100 * s.progress)}%`);
    }
    const run = this.q('[data-gen-sweep-run]');
    if (run) run.textContent = s.status === 'running' ? 'Restart sweep' : 'Run sweep';
    const cancel = this.q('[data-gen-sweep-cancel]');
    if (cancel) cancel.disabled = s.status !== 'running';
    const what = `${s.rows_done} of ${s.rows_total} (α, SNR) points, ${s.cells_done} of ${s.cells_total} map cells`;
    if (s.status === 'running') this.sweepMessage(`Running: ${what}.`);
    else if (s.status === 'done') this.sweepMessage(`Done: ${what}. Hover over the charts for the values.`);
    else if (s.status === 'cancelled') this.sweepMessage(`Cancelled after ${what}; what is done is kept.`);
  }

  sweepMessage(text, error = false) {
    const el = this.q('[data-gen-sweep-status]');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('error-text', error);
  }
}
