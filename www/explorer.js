// One explorable bound to one root element. It owns the DOM and the animation loop; the wasm
// `App` owns the run, stepping and drawing. Nothing here looks elements up by id, so several
// explorers can live on one page.
//
// The class is put together from modules by role: api.js (the public calls, window.dln),
// controls.js (the form controls), loop.js (the animation loop and transport), and one module
// per chapter (www/chapters/); this file holds the construction, the guard around calls into
// wasm and the messages.

import { ChartAccess } from './access.js';
import { api } from './api.js';
import { controls } from './controls.js';
import { CHAPTERS } from './chapters/index.js';
import { applyFields } from './chapters/fields.js';
import { DatasetEditor } from './editor.js';
import { Exporter } from './export.js';
import { fmt } from './fmt.js';
import { loop } from './loop.js';
import { work } from './work.js';

/** The reply of every call once the simulation has stopped. */
const STOPPED = Object.freeze({ error: 'the simulation has stopped', field: 'app' });

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
    this.bindFlow();
    // Each chapter's own controls, for the chapters this page shows (www/chapters/index.js).
    this.chapterControls = {};
    const fields = new Map(this.chapters().map((c) => [c.id, c.fields]));
    for (const [id, Chapter] of Object.entries(CHAPTERS)) {
      applyFields(this.root.querySelector(`[data-chapter="${id}"]`), fields.get(id));
      const c = Chapter.attach(this);
      if (c) this.chapterControls[id] = c;
    }
    this.editor = DatasetEditor.attach(this);
    this.exporter = Exporter.attach(this);
    this.access = ChartAccess.attach(this);
    this.syncControls();
    this.updateStatus();
    this.loop = this.loop.bind(this);
    requestAnimationFrame(this.loop);
  }

  /** The semantic chapter's controls, if the page shows that chapter. */
  get semantic() {
    return this.chapterControls.semantic ?? null;
  }

  /** The depth chapter's controls, if the page shows that chapter. */
  get depth() {
    return this.chapterControls.depth ?? null;
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

  /**
   * Reads one of the App's replies: every fallible call answers {result} or {error, field}
   * (src/chapters/registry.rs `reply`).
   */
  reply(fn) {
    return this.guard(() => JSON.parse(fn()), STOPPED);
  }

  /** Calls a chapter by name (the calls are listed by App.chapters()); {result} or {error, field}. */
  ask(name, ...args) {
    return this.reply(() => this.app.call(name, JSON.stringify(args)));
  }

  /** `ask` with a Float64Array beside the arguments (App.callNumbers). */
  askNumbers(name, numbers, ...args) {
    return this.reply(() => this.app.callNumbers(name, JSON.stringify(args), numbers));
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

  updateStatus(s = this.status()) {
    if (s) {
      this.cost = s.cost;
      this.twinCost = s.twin_cost;
      this.twinBehind = s.twin_behind;
      if (!s.twin_behind) this.endWork('twin');
    }
    const el = this.q('[data-role="status"]');
    if (!s || !el) return;
    // A finished relu run with dead hidden units says so (its first sentence; all of it on hover).
    const note = s.note ? ` · ${s.note.split('. ')[0].replace(/\.$/, '')}` : '';
    el.textContent = `step ${s.step.toLocaleString('en')} of ${s.steps.toLocaleString('en')} · loss ${fmt(s.loss)} · t/τ = ${fmt(s.time)}${note}`;
    if (s.note) el.title = s.note;
    else el.removeAttribute('title');
  }

}

Object.assign(Explorer.prototype, api, controls, loop, work);
