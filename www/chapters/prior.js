// Controls of the prior-knowledge chapter: the experiment menu with its caption, θ, λ and the
// steps of each new task, the chapter's own Play/Pause (its run is not the page's main run, so
// the page's transport does not drive it), a task sequence typed as JSON, the similarity sweep
// and the lazy-against-rich settings. The state lives in the wasm App (src/chapters/prior/); this
// module asks it for a few steps of work in each animation frame while the run plays or the sweep
// runs, so nothing freezes the tab.

import { fmt } from '../fmt.js';
import { cancelOffload, offload, offloadAvailable } from '../offload.js';

/** Milliseconds of sweep work per animation frame. */
const WORK_MS = 8;
/** Frames a played run takes from start to end (about four seconds). */
const RUN_FRAMES = 240;
/** Most sweep steps per frame: about one angle, so the dots appear one by one. */
const SWEEP_MAX_STEPS = 1400;
const PANELS = ['prior-tasks', 'prior-similarity', 'prior-lazy'];

export class PriorControls {
  /** Binds the controls of the page's prior-knowledge section, if it has one. */
  static attach(explorer) {
    const sec = explorer.root.querySelector('[data-chapter="prior"]');
    return sec ? new PriorControls(explorer, sec) : null;
  }

  constructor(explorer, sec) {
    this.ex = explorer;
    this.sec = sec;
    // The chapter's controls, for scripts driving the page (and its tests).
    sec.prior = this;
    this.q = (s) => sec.querySelector(s);
    this.queued = false;
    /** The worker job running the similarity sweep, if it runs in one. */
    this.job = null;
    this.msPerStep = 0.01;
    sec.querySelector('form')?.addEventListener('submit', (e) => e.preventDefault());
    this.bindPresets();
    this.bindControls();
    this.bindSweep();
    this.bindLazy();
    this.bindConfig();
    this.refresh();
  }

  /** Calls the chapter: {result} or {error, field}. */
  ask(name, ...args) {
    return this.ex.ask(name, ...args);
  }

  state() {
    return this.ask('priorState').result ?? null;
  }

  drawAll() {
    if (this.ex.dead) return;
    for (const name of PANELS) {
      const c = this.q(`canvas[data-chart="${name}"]`);
      if (c && !this.ex.drawSized(c)) this.ex.dirty = true;
    }
  }

  // ----- presets -----

  bindPresets() {
    const sel = this.q('[data-prior-preset]');
    if (!sel) return;
    const list = this.ask('priorPresets').result ?? [];
    sel.replaceChildren(...list.map((p) => {
      const o = sel.ownerDocument.createElement('option');
      o.value = p.id;
      o.textContent = p.title;
      return o;
    }));
    sel.addEventListener('change', () => {
      if (sel.value === 'continued') return;
      const err = this.loadPreset(sel.value);
      if (err) this.message(err, true);
    });
  }

  /** Loads a preset by id; returns null or a message naming the field. */
  loadPreset(id) {
    const r = this.ask('priorPreset', id);
    if (r.error) return r.error;
    const sel = this.q('[data-prior-preset]');
    sel?.querySelector('option[value="continued"]')?.remove();
    if (sel) sel.value = id;
    this.setCaption(r.result.caption);
    this.message('');
    this.refresh();
    this.drawAll();
    const panel = this.q(`[data-panel="${r.result.focus}"]`);
    if (panel && r.result.focus === 'prior-lazy') panel.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    return null;
  }

  /**
   * The main run's network goes on, from its weights now, to learn `dataset` (the dataset
   * editor's edit) as task B, and plays here; the page scrolls to the chapter. Returns null or
   * the message naming the field.
   */
  continueFrom(dataset) {
    const r = this.ask('priorContinue', dataset, null);
    if (r.error) return r.error;
    const sel = this.q('[data-prior-preset]');
    if (sel && !sel.querySelector('option[value="continued"]')) {
      const o = sel.ownerDocument.createElement('option');
      o.value = 'continued';
      o.textContent = r.result.title;
      sel.append(o);
    }
    this.message('');
    this.refresh();
    this.setPlaying(true);
    this.drawAll();
    const smooth = !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    this.sec.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
    return null;
  }

  setCaption(text) {
    const el = this.q('[data-role="prior-caption"]');
    if (el) el.textContent = text;
  }

  // ----- the run's controls -----

  bindControls() {
    const angle = this.q('[data-prior-angle]');
    angle?.addEventListener('input', () => this.show('angle', `${angle.value}°`));
    angle?.addEventListener('change', () => this.apply(angle, 'priorAngle', Number(angle.value)));
    const lambda = this.q('[data-prior-lambda]');
    lambda?.addEventListener('input', () => this.show('lambda', lambda.value));
    lambda?.addEventListener('change', () => this.apply(lambda, 'priorLambda', Number(lambda.value)));
    const steps = this.q('[data-prior-steps]');
    steps?.addEventListener('change', () => {
      // The range is the chapter's field's (prior-steps); the wasm names a value outside it.
      if (steps.value.trim() === '' || !Number.isFinite(Number(steps.value))) {
        steps.setAttribute('aria-invalid', 'true');
        this.message('Steps per new task: enter a whole number of steps', true);
        return;
      }
      this.apply(steps, 'priorLaterSteps', Number(steps.value));
    });
    this.q('[data-prior-play]')?.addEventListener('click', () => this.setPlaying(!this.playing));
    this.q('[data-prior-reset]')?.addEventListener('click', () => {
      this.ask('priorReset');
      this.refresh();
      this.drawAll();
    });
  }

  /** Sends one control's value; marks it invalid with the message when refused. */
  apply(el, call, value) {
    const r = this.ask(call, value);
    if (r.error) {
      el.setAttribute('aria-invalid', 'true');
      this.message(r.error, true);
      this.refresh(false);
      return r.error;
    }
    el.removeAttribute('aria-invalid');
    this.message('');
    this.refresh();
    this.drawAll();
    return null;
  }

  show(name, text) {
    const out = this.q(`[data-prior-show="${name}"]`);
    if (out) out.value = text;
  }

  get playing() {
    return Boolean(this.lastState?.playing);
  }

  /** Plays or pauses the chapter's own run (a finished run starts again). */
  setPlaying(on) {
    const r = this.ask('priorPlay', Boolean(on));
    if (r.error) return r.error;
    this.refresh();
    this.schedule();
    return null;
  }

  /** Puts the chapter's state into the controls and the status line. */
  refresh(controls = true) {
    const s = this.state();
    if (!s) return;
    this.lastState = s;
    if (controls) {
      const sel = this.q('[data-prior-preset]');
      if (sel) sel.value = s.preset;
      this.setCaption(s.caption);
      const angle = this.q('[data-prior-angle]');
      if (angle) {
        angle.disabled = s.angle === null;
        if (s.angle !== null) angle.value = String(s.angle);
        this.show('angle', s.angle === null ? 'no rotation in this experiment' : `${s.angle}°`);
      }
      const lambda = this.q('[data-prior-lambda]');
      if (lambda) {
        lambda.value = String(s.lambda);
        this.show('lambda', fmt(s.lambda));
      }
      const steps = this.q('[data-prior-steps]');
      if (steps && s.later_steps !== null) steps.value = String(s.later_steps);
      // The lazy-against-rich scale menu (its options from the field table) shows the scale in use.
      const scale = this.q('[data-prior-lazy-scale]');
      const opt = scale && [...scale.options].find((o) => Number(o.value) === s.lazy.scale);
      if (opt) scale.value = opt.value;
      for (const el of this.sec.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
    }
    const play = this.q('[data-prior-play]');
    if (play) {
      play.textContent = s.playing ? 'Pause' : (s.finished ? 'Play again' : 'Play');
      play.setAttribute('aria-pressed', String(s.playing));
    }
    this.showStatus(s);
    this.showSweep(s.sweep);
  }

  showStatus(s) {
    const el = this.q('[data-role="prior-status"]');
    if (!el) return;
    const phase = s.phase === null ? null : s.phases[s.phase];
    const losses = (s.loss ?? []).map((v, k) => `${s.names[k]} ${fmt(v)}`).join(', ');
    const parts = [`step ${s.step.toLocaleString('en')} of ${s.steps.toLocaleString('en')} (t/τ = ${fmt(s.time)})`];
    if (phase) parts.push(`training ${phase.name}`);
    if (losses) parts.push(`loss on ${losses}`);
    el.textContent = parts.join(' · ');
    const why = this.q('[data-role="prior-theory"]');
    if (why) {
      why.textContent = s.phases.map((p) => {
        const bal = p.balance_residual === null ? '' : `, balance residual ${fmt(p.balance_residual)}`;
        return p.label ? `${p.name}: ${p.label}${bal}` : `${p.name}: ${p.note}`;
      }).join('; ');
    }
  }

  message(text, error = false) {
    const el = this.q('[data-role="prior-message"]');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('error-text', error);
  }

  // ----- the task sequence as JSON -----

  bindConfig() {
    const text = this.q('[data-prior-config]');
    this.q('[data-prior-config-load]')?.addEventListener('click', () => {
      if (!text) return;
      text.value = JSON.stringify({ tasks: this.currentTasks() }, null, 1);
    });
    this.q('[data-prior-config-apply]')?.addEventListener('click', () => {
      const err = this.configure(text.value);
      if (err) {
        text.setAttribute('aria-invalid', 'true');
        this.message(err, true);
      } else {
        text.removeAttribute('aria-invalid');
      }
    });
  }

  /** The phases of the chapter's sequence. */
  currentTasks() {
    return this.ask('priorConfig').result?.tasks ?? [];
  }

  /**
   * Merges a partial task-sequence config (an object or JSON text). A config that only adds
   * phases continues from the trained weights. Returns null or a message naming the field.
   */
  configure(partial) {
    let v = partial;
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch (e) {
        return `config: is not valid JSON: ${e.message}`;
      }
    }
    const r = this.ask('priorConfigure', v);
    if (r.error) return r.error;
    this.message(r.result.continued ? 'Added: the run continues from its trained weights.' : 'Applied: the run starts again from step 0.');
    this.refresh();
    this.drawAll();
    return null;
  }

  // ----- the similarity sweep -----

  bindSweep() {
    this.q('[data-prior-sweep-run]')?.addEventListener('click', () => {
      const err = this.startSweep();
      if (err) this.sweepMessage(err, true);
    });
    this.q('[data-prior-sweep-cancel]')?.addEventListener('click', () => this.cancelSweep());
  }

  startSweep() {
    if (this.job) cancelOffload(this.job);
    this.job = null;
    const elsewhere = offloadAvailable();
    const r = this.ask('priorSweepStart', ...(elsewhere ? ['elsewhere'] : []));
    if (r.error) return r.error;
    this.showSweep(r.result);
    this.drawAll();
    if (elsewhere) this.sweepElsewhere();
    this.schedule();
    return null;
  }

  /**
   * Runs the sweep just started in the worker (www/offload.js), on a copy of this chapter's
   * sequence: the page's copy adopts each state it reports. If the worker fails, the sweep
   * starts again here, a slice a frame.
   */
  sweepElsewhere() {
    const cfg = this.ask('priorConfig').result;
    const job = offload({
      config: this.ex.app.config(),
      setup: [['priorConfigure', [cfg]], ['priorSweepStart', []]],
      step: 'priorWork',
      stepArgs: [0],
      state: 'priorSweepState',
      onState: (s, end) => {
        if (this.job !== job) return;
        const r = this.ask('priorSweepAdopt', s);
        if (end || r.error) this.job = null;
        if (r.error) this.sweepMessage(r.error, true);
        this.refresh(false);
        this.drawAll();
      },
      onError: () => {
        if (this.job !== job) return;
        this.job = null;
        const r = this.ask('priorSweepStart');
        if (r.error) this.sweepMessage(r.error, true);
        this.schedule();
      },
    });
    this.job = job;
  }

  cancelSweep() {
    if (this.job) cancelOffload(this.job);
    this.job = null;
    const r = this.ask('priorSweepCancel');
    if (r.result) this.showSweep(r.result);
    this.drawAll();
    return null;
  }

  sweepMessage(text, error = false) {
    const el = this.q('[data-role="prior-sweep-status"]');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('error-text', error);
  }

  showSweep(s) {
    if (!s) return;
    const bar = this.q('[data-prior-sweep-progress]');
    if (bar) {
      bar.value = s.progress;
      bar.setAttribute('aria-valuetext', `${Math.round(100 * s.progress)}%`);
    }
    const run = this.q('[data-prior-sweep-run]');
    const cancel = this.q('[data-prior-sweep-cancel]');
    if (run) run.textContent = s.status === 'running' ? 'Restart sweep' : 'Run sweep';
    if (cancel) cancel.disabled = s.status !== 'running';
    const angles = `${s.angles_done} of ${s.angles_total} angles`;
    if (s.status === 'running') this.sweepMessage(`Running: ${angles}, ${s.steps.toLocaleString('en')} gradient steps.`);
    else if (s.status === 'done') this.sweepMessage(`Done: ${angles}, ${s.steps.toLocaleString('en')} gradient steps. Hover over the chart for the values.`);
    else if (s.status === 'cancelled') this.sweepMessage(`Cancelled after ${angles}; the angles done are kept.`);
  }

  // ----- lazy against rich -----

  bindLazy() {
    const lam = this.q('[data-prior-lazy-lambda]');
    const scale = this.q('[data-prior-lazy-scale]');
    const apply = (el) => {
      const L = Number(lam.value);
      const lambdas = L === 0 ? [0] : [0, L / 16, L / 4, L];
      this.show('lazy-lambda', fmt(L));
      const r = this.ask('priorLazy', { lambdas, scale: Number(scale.value) });
      if (r.error) {
        el.setAttribute('aria-invalid', 'true');
        this.lazyMessage(r.error);
        return;
      }
      el.removeAttribute('aria-invalid');
      this.lazyMessage('');
      this.drawAll();
    };
    lam?.addEventListener('input', () => this.show('lazy-lambda', fmt(Number(lam.value))));
    lam?.addEventListener('change', () => apply(lam));
    scale?.addEventListener('change', () => apply(scale));
  }

  lazyMessage(text) {
    const el = this.q('[data-role="prior-lazy-status"]');
    if (el) el.textContent = text;
  }

  // ----- work between frames -----

  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => this.frame());
  }

  /** One frame: a slice of the playing run and of the sweep, then the panels that changed. */
  frame() {
    this.queued = false;
    if (this.ex.dead) return;
    const s = this.lastState;
    const runSteps = s?.playing ? Math.max(1, Math.ceil(s.steps / RUN_FRAMES)) : 0;
    const sweeping = s?.sweep?.status === 'running';
    const sweepSteps = sweeping
      ? Math.max(1, Math.min(SWEEP_MAX_STEPS, Math.floor(WORK_MS / this.msPerStep)))
      : 0;
    const t = performance.now();
    const r = this.ask('priorWork', runSteps, sweepSteps).result;
    if (!r) return;
    const dt = performance.now() - t;
    if (runSteps + sweepSteps > 0) this.msPerStep = 0.7 * this.msPerStep + 0.3 * Math.max(1e-4, dt / (runSteps + sweepSteps));
    this.refresh(false);
    this.drawAll();
    if (r.more) this.schedule();
  }
}
