// The explorer's public calls: what `window.dln` offers on the page (and, through it, the
// postMessage API of messages.js), and what the <dln-explorer> element's methods call. Each one
// validates its arguments and answers null or a message naming what was wrong.

import { WORK_SLICE_MS } from './loop.js';

const MAX_STEPS_PER_CALL = 1_000_000;
/** Steps of `step(n)` expected to take longer than this (ms) are taken a slice a frame. */
const STEP_BUDGET_MS = 50;

/**
 * The explorer methods of the public API, mixed into Explorer's prototype.
 * @type {ThisType<import('./explorer.js').Explorer>}
 */
export const api = {
  config() {
    return this.guard(() => JSON.parse(this.app.config()));
  },

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
    const reply = this.reply(() => this.app.setConfig(text));
    if (reply.error) return reply.error;
    const res = reply.result;
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
  },

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
  },

  pause() {
    this.playing = false;
    this.syncTransport();
  },

  reset() {
    this.pause();
    this.guard(() => this.app.reset());
    this.clearError();
    this.notice('');
    this.dirty = true;
    this.updateStatus();
    this.emit('reset');
  },

  /** Tells listeners (the permalink) what changed: a `dln-change` event on the root. */
  emit(kind, detail = {}) {
    this.root.dispatchEvent(new CustomEvent('dln-change', { detail: { kind, ...detail } }));
  },

  /**
   * Takes n steps and redraws. Steps that fit in a frame's budget (from the cost model) are
   * taken at once, and the answer is null, or a message when n is not allowed. More are taken a
   * slice a frame, with their progress in the work bar and a Cancel button (or `cancelStep()`),
   * and the answer is a Promise of null, or of a message saying how many were taken.
   */
  step(n = 1) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_STEPS_PER_CALL) {
      return `step: n must be a whole number from 1 to ${MAX_STEPS_PER_CALL}; got ${n}`;
    }
    if (this.stepJob) return `step: ${this.stepJob.n.toLocaleString('en')} steps are still being taken; wait for them, or cancelStep()`;
    // Steps past the run's last one are not taken: the budget and the progress count those left.
    const s0 = this.status();
    const goal = s0 ? Math.max(1, Math.min(n, s0.steps - s0.step)) : n;
    if (this.estimateMs(goal) <= STEP_BUDGET_MS) {
      this.guard(() => this.app.advance(n));
      this.afterSteps(true);
      this.draw();
      return null;
    }
    this.pause();
    return new Promise((resolve) => {
      const job = { n, done: 0, cancelled: false };
      this.stepJob = job;
      const finish = (msg) => {
        this.stepJob = null;
        this.endWork('step');
        this.afterSteps(true);
        this.draw();
        resolve(msg);
      };
      job.cancel = () => {
        job.cancelled = true;
      };
      const frame = () => {
        if (this.dead) return finish('the simulation has stopped');
        if (job.cancelled) return finish(`step: cancelled after ${job.done.toLocaleString('en')} of ${n.toLocaleString('en')} steps`);
        const took = this.stepWithin(n - job.done, WORK_SLICE_MS);
        job.done += took;
        const s = this.status();
        if (job.done >= n || took === 0 || !s || s.finished || s.diverged) {
          const short = job.done < n ? `step: took ${job.done.toLocaleString('en')} of ${n.toLocaleString('en')} steps (${s?.diverged ? 'training diverged' : 'the run ended'})` : null;
          return finish(short);
        }
        this.updateStatus(s);
        this.syncScrubber();
        this.dirty = true;
        this.showWork('step', job.done / goal, `Taking ${goal.toLocaleString('en')} steps: ${job.done.toLocaleString('en')} done`, job.cancel);
        requestAnimationFrame(frame);
      };
      frame();
    });
  },

  /** Stops a `step(n)` that is taking its steps a slice a frame (its Promise says how many). */
  cancelStep() {
    if (!this.stepJob) return 'step: no steps are being taken';
    this.stepJob.cancel();
    this.endWork('step');
    return null;
  },

  state() {
    return this.guard(() => JSON.parse(this.app.state()));
  },

  /** What the panels show: {scrub, illusion, category, projection}. */
  view() {
    return this.guard(() => JSON.parse(this.app.view()));
  },

  /** Merges a partial view; returns null or a message naming the field. */
  setView(partial) {
    if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
      return 'view: must be an object such as {"scrub": 1200}';
    }
    const cur = this.view();
    if (!cur) return 'the simulation has stopped';
    const next = { ...cur, ...partial };
    if (partial.projection) next.projection = { ...cur.projection, ...partial.projection };
    const err = this.reply(() => this.app.setView(JSON.stringify(next))).error;
    if (err) return err;
    this.dirty = true;
    this.syncScrubber();
    this.emit('view');
    return null;
  },

  /** Starts a second network from a partial config (null removes it); null or a message. */
  setTwin(patch) {
    const err = this.reply(() => this.app.setTwin(JSON.stringify(patch ?? null))).error;
    this.dirty = true;
    if (!err) {
      // A second network added late starts at step 0; the loop catches it up a slice a frame.
      this.updateStatus();
      this.emit('twin');
    }
    return err || null;
  },

  twin() {
    return this.guard(() => JSON.parse(this.app.twin()));
  },

  names() {
    return this.guard(() => JSON.parse(this.app.names()));
  },

  presets() {
    return JSON.parse(this.app.constructor.presets());
  },

  /** The chapters in page order, with their panels and calls (src/chapters/registry.rs). */
  chapters() {
    return JSON.parse(this.app.constructor.chapters());
  },

  /** The field table (src/config/fields.rs): one entry per parameter, from which the controls
   * take their ranges, steps, options, labels and help. */
  schema() {
    return JSON.parse(this.app.constructor.schema());
  },

  /**
   * Loads a preset by id; returns null or a message. With `scroll` (the user picked it from the
   * menu) the panel it is about is scrolled into view; a preset from a link, an attribute or the
   * API leaves the scroll position alone, so a page embedding the explorable does not jump.
   */
  applyPreset(id, { scroll = false } = {}) {
    const reply = this.reply(() => this.app.applyPreset(id));
    if (reply.error) return reply.error;
    const res = reply.result;
    this.preset = id;
    this.pause();
    this.clearError();
    const cap = this.q('[data-role="caption"]');
    if (cap) cap.textContent = res.caption;
    const sel = this.q('[data-preset]');
    if (sel) sel.value = id;
    this.notice(`Loaded “${res.title}”. ${this.presets().find((p) => p.id === id)?.action ?? 'Press Play.'}`);
    this.dirty = true;
    this.syncControls();
    this.updateStatus();
    const panel = this.root.querySelector(`[data-panel="${res.focus}"]`);
    if (scroll && panel && panel.scrollIntoView) panel.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    this.emit('preset', { id });
    return null;
  },

  /** A panel as an SVG document (drawn by the chart code, not a screenshot). */
  /** The numbers a chart draws: {columns, rows, note}; null for a chart without a table (or an
   * unknown one). With `maxRows` (a positive integer), at most that many rows, every k-th, and
   * `total_rows` and `every` say so. */
  table(panel, maxRows = undefined) {
    const max = Number.isInteger(maxRows) && maxRows > 0 ? Math.min(maxRows, 2 ** 32 - 1) : undefined;
    const r = this.reply(() => this.app.table(String(panel), max));
    return r.error ? null : r.result;
  },

  svg(panel, width = 640, height = 400) {
    const r = this.reply(() => this.app.svg(String(panel), width, height));
    return r.error ? null : r.result;
  },
};
