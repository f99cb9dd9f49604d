// The explorer's animation loop and transport: stepping the run within a frame budget while
// playing, drawing the canvases that are on screen when something changed, the hover readouts,
// and the Play button's state.

const FRAME_BUDGET_MS = 18;

/**
 * The loop methods, mixed into Explorer's prototype.
 * @type {ThisType<import('./explorer.js').Explorer>}
 */
export const loop = {
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
  },

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
  },

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
  },

  syncTransport() {
    const btn = this.q('[data-action="play"]');
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
  },

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
  },
};
