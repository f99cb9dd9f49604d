// The explorer's animation loop and transport: stepping the run within a frame budget while
// playing, drawing the canvases that are on screen when something changed, the hover readouts,
// and the Play button's state.

const FRAME_BUDGET_MS = 18;
/** A frame's share of long work, in ms: a long `step(n)`, a link's or a second network's catch-up. */
export const WORK_SLICE_MS = 12;
/** The least of a frame the training takes while playing, however long the drawing takes. */
const MIN_TRAIN_MS = 4;
/** While playing, a frame starts no more chart draws once it has drawn for this long (ms). */
const DRAW_BUDGET_MS = 12;
/** The training rate assumed before one is measured: 1 GFLOP/s, a million operations per ms. */
const FIRST_FLOPS_PER_MS = 1e6;

/** How much larger a chart's type and lines are when it is presented full screen on a wide
 * screen (a projector), and the least width in CSS px that counts as wide. */
const PRESENT_SCALE = 1.6;
const PRESENT_MIN_WIDTH = 900;

/** The scale a canvas is drawn at: its device pixel ratio, times PRESENT_SCALE while it is
 * inside a wide full-screen element. */
export function drawScale(c, dpr = window.devicePixelRatio || 1) {
  const full = document.fullscreenElement;
  return full && full.contains(c) && full.clientWidth >= PRESENT_MIN_WIDTH ? dpr * PRESENT_SCALE : dpr;
}

/** Whether this page has drawn a chart yet (the `dln-first-chart` mark is set once). */
let firstChartMarked = false;

/**
 * The loop methods, mixed into Explorer's prototype.
 * @type {ThisType<import('./explorer.js').Explorer>}
 */
export const loop = {
  loop(now = performance.now()) {
    if (this.dead) return;
    // With a speed in steps per second (the page's control), each frame takes the steps due
    // since the last one, from the measured frame interval (at most 250 ms of them, so a tab
    // coming back from the background does not jump); otherwise `speed` steps per frame.
    const interval = Math.min(250, Math.max(0, now - (this.lastFrame ?? now)));
    this.lastFrame = now;
    if (this.playing) {
      const t0 = performance.now();
      let remaining = this.speed;
      if (this.stepsPerSecond) {
        this.owed = (this.owed ?? 0) + this.stepsPerSecond * (interval || 1000 / 60) / 1000;
        remaining = Math.floor(this.owed);
        this.owed -= remaining;
      }
      // Training gets what the frame's drawing leaves of the budget (at least a few ms), so
      // a page of heavy charts (a 256 x 4096 dataset) still keeps its frames short.
      const budget = Math.max(MIN_TRAIN_MS, FRAME_BUDGET_MS - (this.drawMs ?? 0));
      const took = this.stepWithin(remaining, budget - (performance.now() - t0));
      if (took < remaining && this.stepsPerSecond) this.owed = 0;
      this.afterSteps();
    }
    // The second network's catch-up takes half its slice while playing, beside the training.
    if (this.twinBehind > 0) this.catchUpTwin(this.playing ? WORK_SLICE_MS / 2 : WORK_SLICE_MS);
    if (this.dirty) {
      const t = performance.now();
      this.draw();
      // The drawing's time in recent frames (decaying), which the next frames' training leaves.
      this.drawMs = 0.7 * (this.drawMs ?? 0) + 0.3 * (performance.now() - t);
    }
    requestAnimationFrame(this.loop);
  },

  /**
   * Trains at most `max` steps in about `budgetMs` milliseconds (at least one step), and answers
   * how many it took. The cost model: the App gives the operations in one step (`status().cost`,
   * from the layer shapes) and the loop measures operations per millisecond, so it knows how
   * many steps fit before it takes any, also right after the network grew.
   */
  stepWithin(max, budgetMs) {
    const t0 = performance.now();
    const cost = Math.max(1, this.cost ?? 1);
    let done = 0;
    while (done < max) {
      const k = this.stepsIn(budgetMs - (performance.now() - t0), cost, max - done);
      const t = performance.now();
      const took = this.guard(() => this.app.advance(k), 0);
      this.learnRate(took * cost, performance.now() - t);
      done += took;
      if (took < k || performance.now() - t0 >= budgetMs) break;
    }
    return done;
  },

  /**
   * How many steps of `cost` operations each fit in `ms` milliseconds at the measured rate: at
   * least one (so every slice makes progress) and at most `most`.
   */
  stepsIn(ms, cost, most = 2 ** 31) {
    const rate = this.flopsPerMs ?? FIRST_FLOPS_PER_MS;
    return Math.max(1, Math.min(most, Math.floor((ms * rate) / Math.max(1, cost ?? 1))));
  },

  /**
   * Learns the rate (operations per ms) from `ops` operations done in `dt` ms. A slice too short
   * to time well (under 0.5 ms) only lets the rate grow, at most twofold.
   */
  learnRate(ops, dt) {
    if (!(ops > 0)) return;
    const was = this.flopsPerMs ?? FIRST_FLOPS_PER_MS;
    const rate = ops / Math.max(dt, 0.05);
    this.flopsPerMs = dt > 0.5 ? 0.7 * was + 0.3 * rate : Math.max(was, Math.min(rate, 2 * was));
  },

  /** The milliseconds `steps` steps of `cost` operations each are expected to take. */
  estimateMs(steps, cost = this.cost) {
    return (steps * Math.max(1, cost ?? 1)) / (this.flopsPerMs ?? FIRST_FLOPS_PER_MS);
  },

  /**
   * Takes a slice of about `budgetMs` of the steps the second network is behind (it starts at
   * step 0 when it is added late), with its progress in the work bar; Cancel removes it.
   */
  catchUpTwin(budgetMs) {
    const cost = Math.max(1, this.twinCost ?? 1);
    const k = this.stepsIn(budgetMs, cost);
    const before = this.twinBehind;
    const t = performance.now();
    const left = this.guard(() => this.app.catchUpTwin(k), 0);
    this.learnRate((before - left) * cost, performance.now() - t);
    this.twinBehind = left;
    this.twinTotal = Math.max(this.twinTotal ?? 0, before);
    this.dirty = true;
    if (left > 0) {
      const total = this.twinTotal;
      this.showWork('twin', (total - left) / total, `The second network is catching up: ${(total - left).toLocaleString('en')} of ${total.toLocaleString('en')} steps`, () => {
        this.setTwin(null);
        this.notice('Removed the second network before it caught up.');
        const box = this.q('[data-twin]');
        if (box) box.checked = false;
      });
    } else {
      this.twinTotal = 0;
      this.endWork('twin');
    }
  },

  /**
   * Draws every canvas on screen whose picture changed (the App knows which: `stale`). While
   * playing, the canvases drawn longest ago go first, and a chart whose last draw would take the
   * frame's drawing past its budget waits for the next frame (the first chart of a frame is
   * always drawn), so heavy charts take turns instead of making every frame long.
   */
  draw() {
    if (this.dead) return;
    const dpr = window.devicePixelRatio || 1;
    const start = performance.now();
    this.drawnAt ??= new Map();
    this.drawCost ??= new Map();
    const at = (c) => this.drawnAt.get(c) ?? 0;
    let drew = false;
    const order = this.playing ? [...this.canvases].sort((a, b) => at(a) - at(b)) : this.canvases;
    let deferred = false;
    for (const c of order) {
      if (!this.visible.has(c)) continue;
      const w = Math.round(c.clientWidth * dpr);
      const h = Math.round(c.clientHeight * dpr);
      if (w < 2 || h < 2) continue;
      const t = performance.now();
      if (this.playing && drew && t - start + (this.drawCost.get(c) ?? 0) > DRAW_BUDGET_MS) {
        deferred = true;
        continue;
      }
      if (c.width !== w || c.height !== h) {
        c.width = w;
        c.height = h;
      }
      if (this.drawCanvas(c, drawScale(c, dpr), this.redrawAll)) {
        drew = true;
        this.drawCost.set(c, performance.now() - t);
      }
      this.drawnAt.set(c, performance.now());
    }
    this.dirty = deferred;
    if (!deferred) this.redrawAll = false;
  },

  /**
   * Draws one canvas if its panel changed since it was last drawn at this size; answers whether
   * it drew.
   */
  drawCanvas(c, dpr = window.devicePixelRatio || 1, force = false) {
    const panel = c.dataset.chart;
    if (!force && !this.guard(() => this.app.stale(panel, c.width, c.height), false)) return false;
    const r = this.reply(() => this.app.draw(panel, c, dpr));
    if (r.error && !this.dead) this.showError(`The ${panel} chart could not be drawn: ${r.error}`);
    // A User Timing mark for `make bench`'s load time (navigation to the first chart drawn).
    else if (!firstChartMarked) {
      firstChartMarked = true;
      performance.mark('dln-first-chart', { detail: panel });
    }
    return true;
  },

  /** Draws a canvas now if it already has its on-screen pixel size; false when it has not. */
  drawSized(c) {
    const dpr = window.devicePixelRatio || 1;
    const sized = c.width === Math.round(c.clientWidth * dpr) && c.height === Math.round(c.clientHeight * dpr);
    if (sized && !this.dead) this.drawCanvas(c, drawScale(c, dpr));
    return sized;
  },

  /** The small per-frame summary: {step, steps, time, loss, diverged, finished, message, version}. */
  status() {
    return this.guard(() => JSON.parse(this.app.status()));
  },

  /** After training steps: pause at divergence or the end, refresh the status and readouts. */
  afterSteps(now = false) {
    const s = this.status();
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
    for (const c of Object.values(this.chapterControls)) c.afterSteps?.(now || s.finished || s.diverged);
  },

  syncTransport() {
    const btn = this.q('[data-action="play"]');
    if (!this.playing) this.owed = 0;
    if (!btn) return;
    btn.textContent = this.playing ? 'Pause' : 'Play';
    btn.setAttribute('aria-pressed', String(this.playing));
  },

  // ----- canvases -----

  bindCanvases() {
    // The charts follow the system's colour scheme (light or dark), also when it changes.
    const dark = window.matchMedia?.('(prefers-color-scheme: dark)');
    const scheme = () => { this.guard(() => this.app.setDark(Boolean(dark?.matches))); this.dirty = true; };
    scheme();
    dark?.addEventListener?.('change', scheme);
    // Presenting full screen draws the charts in larger type, leaving it in the usual size.
    document.addEventListener('fullscreenchange', () => { this.redrawAll = true; this.dirty = true; });
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
      // A mouse reads a chart by hovering; a finger by tapping or dragging across it.
      c.addEventListener('pointermove', (e) => this.hover(c, e));
      c.addEventListener('pointerdown', (e) => this.hover(c, e));
      c.addEventListener('pointerleave', (e) => { if (e.pointerType !== 'touch') this.tooltip.hidden = true; });
    }
    // A readout left by a tap goes with the next tap elsewhere.
    this.root.ownerDocument.addEventListener('pointerdown', (e) => {
      if (!this.canvases.includes(e.target)) this.tooltip.hidden = true;
    });
    // Printing draws every chart afresh, including those scrolled out of view.
    window.addEventListener('beforeprint', () => {
      for (const c of this.canvases) this.visible.add(c);
      this.draw();
    });
  },

  hover(canvas, e) {
    const r = canvas.getBoundingClientRect();
    const dpr = canvas.width / Math.max(1, r.width);
    const text = this.guard(() => this.app.hover(canvas.dataset.chart, (e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr));
    if (!text) {
      this.tooltip.hidden = true;
      return;
    }
    this.showTip(text, e.clientX, e.clientY, e.pointerType === 'touch');
  },

  /** Shows the readout beside a point of the view (a pointer, a finger or the keyboard cursor). */
  showTip(text, clientX, clientY, touch) {
    const t = this.tooltip;
    t.textContent = text;
    t.hidden = false;
    const x = Math.max(8, Math.min(clientX + 14, window.innerWidth - t.offsetWidth - 8));
    // Below and right of the point; above a finger, which would hide it.
    let y = touch ? clientY - t.offsetHeight - 28 : clientY + 14;
    if (y < 4 || y + t.offsetHeight > window.innerHeight - 4) y = Math.max(4, clientY - t.offsetHeight - 14);
    t.style.left = `${x + window.scrollX}px`;
    t.style.top = `${y + window.scrollY}px`;
  },
};
