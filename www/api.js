// The explorer's public calls: what `window.dln` offers on the page (and, through it, the
// postMessage API of messages.js), and what the <dln-explorer> element's methods call. Each one
// validates its arguments and answers null or a message naming what was wrong.

const MAX_STEPS_PER_CALL = 1_000_000;

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

  /** Runs n steps at once and redraws once. Returns null, or a message when n is not allowed. */
  step(n = 1) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_STEPS_PER_CALL) {
      return `step: n must be a whole number from 1 to ${MAX_STEPS_PER_CALL}; got ${n}`;
    }
    this.guard(() => this.app.advance(n));
    this.afterSteps();
    this.draw();
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
    const err = this.guard(() => this.app.setView(JSON.stringify(next)), 'the simulation has stopped');
    if (err) return err;
    this.dirty = true;
    this.syncScrubber();
    this.emit('view');
    return null;
  },

  /** Starts a second network from a partial config (null removes it); null or a message. */
  setTwin(patch) {
    const err = this.guard(() => this.app.setTwin(JSON.stringify(patch ?? null)), 'the simulation has stopped');
    this.dirty = true;
    if (!err) this.emit('twin');
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
    const res = this.guard(() => JSON.parse(this.app.applyPreset(id)), { error: 'the simulation has stopped' });
    if (res.error) return res.error;
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
  svg(panel, width = 640, height = 400) {
    return this.guard(() => this.app.svg(panel, width, height));
  },
};

/**
 * The `window.dln` object of a page: the explorer's calls, and those of its depth chapter.
 * @param {import('./explorer.js').Explorer} explorer
 */
export function pageApi(explorer) {
  return {
    config: () => explorer.config(),
    setConfig: (partial) => explorer.setConfig(partial),
    play: () => explorer.play(),
    pause: () => explorer.pause(),
    reset: () => explorer.reset(),
    step: (n = 1) => explorer.step(n),
    state: () => explorer.state(),
    svg: (panel, w, h) => explorer.svg(panel, w, h),
    view: () => explorer.view(),
    setView: (partial) => explorer.setView(partial),
    setTwin: (patch) => explorer.setTwin(patch),
    presets: () => explorer.presets(),
    schema: () => explorer.schema(),
    applyPreset: (id) => explorer.applyPreset(id),
    sweep: (partial = {}) => (explorer.depth ? explorer.depth.startSweep(partial) : 'this page has no depth sweep'),
    sweepState: () => explorer.depth?.sweepState() ?? null,
    cancelSweep: () => (explorer.depth ? explorer.depth.cancelSweep() : 'this page has no depth sweep'),
    setSpectra: (opts) => (explorer.depth ? explorer.depth.setSpectra(opts) : 'this page has no spectra panel'),
    spectraState: () => explorer.depth?.spectraState() ?? null,
    phaseStart: (a, b) => (explorer.depth ? explorer.depth.phaseStart(a, b) : 'this page has no phase portrait'),
    setPhaseMode: (mode) => (explorer.depth ? explorer.depth.setPhaseMode(mode ?? null) : 'this page has no phase portrait'),
    phaseState: () => explorer.depth?.phaseState() ?? null,
  };
}
