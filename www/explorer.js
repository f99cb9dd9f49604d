// One explorable bound to one root element. It owns the DOM and the animation loop; the wasm
// `App` owns the run, stepping and drawing. Nothing here looks elements up by id, so several
// explorers can live on one page.
//
// The class is put together from modules by role: api.js (the public calls, window.dln),
// controls.js (the form controls), loop.js (the animation loop and transport); this file holds
// the construction, the guard around calls into wasm, the messages and the coherence demo.

import { api } from './api.js';
import { controls } from './controls.js';
import { DepthControls } from './depth.js';
import { DatasetEditor } from './editor.js';
import { Exporter } from './export.js';
import { fmt } from './fmt.js';
import { loop } from './loop.js';
import { SemanticControls } from './semantic.js';

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
    // A finished relu run with dead hidden units says so (its first sentence; all of it on hover).
    const note = s.note ? ` · ${s.note.split('. ')[0].replace(/\.$/, '')}` : '';
    el.textContent = `step ${s.step.toLocaleString('en')} of ${cfg.train.steps.toLocaleString('en')} · loss ${fmt(s.loss)} · t/τ = ${fmt(s.time)}${note}`;
    if (s.note) el.title = s.note;
    else el.removeAttribute('title');
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
}

Object.assign(Explorer.prototype, api, controls, loop);
