// Controls of the context-and-recurrent-networks chapter: its own Play/Pause (its runs are its
// own, not the page's main run, so the page's transport leaves them alone), the routing task's M
// and K, the gate matrix as a grid of toggles (the chart toggles too, on a click), which input
// domain the pathway panels show, the recurrent task's length T, and the presets with their
// captions. The runs live in the wasm App (src/chapters/context/chapter.rs); while playing, each
// animation frame gives them a few milliseconds of steps (App.work) and the page's loop redraws
// the panels that changed.

import { fmt } from '../fmt.js';

/** Most milliseconds of the chapter's training per animation frame. */
const WORK_MS = 8;
/** Steps per frame while playing, so the runs take a few seconds to watch. */
const STEPS_PER_FRAME = 10;
/** The largest M and T the controls offer (the config allows more through contextConfigure). */
const MAX_M = 8;
const MAX_T = 12;
/** What each refused field is called beside its control. */
const LABELS = {
  'routing.dataset.domains': 'Domains M',
  'routing.dataset.trained_per_input': 'Trained outputs per input K',
  'routing.dataset.gates': 'Gate matrix',
  'recurrent.dataset.length': 'Sequence length T',
};

export class ContextControls {
  /** Binds the controls inside the explorer's root, if the page shows the chapter. */
  static attach(explorer) {
    return explorer.root.querySelector('[data-chapter="context"]') ? new ContextControls(explorer) : null;
  }

  constructor(explorer) {
    this.ex = explorer;
    this.section = explorer.root.querySelector('[data-chapter="context"]');
    this.q = (s) => this.section.querySelector(s);
    this.playing = false;
    this.msPerStep = 0.05;
    /** Milliseconds of work in each of the last frames while playing (for the frame-time figure). */
    this.frameMs = [];
    this.frame = this.frame.bind(this);
    this.bind();
    this.refresh();
  }

  ask(name, ...args) {
    return this.ex.ask(name, ...args);
  }

  bind() {
    this.q('[data-context-play]')?.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    this.q('[data-context-reset]')?.addEventListener('click', () => this.reset());
    const mk = () => this.setRouting({ domains: this.readInt('[data-context-m]'), trained_per_input: this.readInt('[data-context-k]') });
    this.q('[data-context-m]')?.addEventListener('change', mk);
    this.q('[data-context-k]')?.addEventListener('change', mk);
    this.q('[data-context-t]')?.addEventListener('change', () => this.setLength(this.readInt('[data-context-t]')));
    this.q('[data-context-input]')?.addEventListener('change', (e) => this.setInput(Number(e.target.value)));
    this.q('[data-context-gates]')?.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-i]');
      if (b) this.toggleGate(Number(b.dataset.i), Number(b.dataset.j));
    });
    const sel = this.q('[data-context-preset]');
    if (sel) {
      const presets = this.ask('contextPresets').result ?? [];
      this.presets = presets;
      sel.replaceChildren(new Option('Choose a preset…', ''), ...presets.map((p) => new Option(p.name, p.id)));
      sel.addEventListener('change', () => {
        if (sel.value) this.applyPreset(sel.value);
      });
    }
    const canvas = this.q('canvas[data-chart="context_gates"]');
    canvas?.addEventListener('click', (e) => {
      const r = canvas.getBoundingClientRect();
      const dpr = canvas.width / Math.max(1, r.width);
      const res = this.ask('contextGateAt', (e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr);
      if (res.error) this.message(this.label(res), true);
      else if (res.result) this.changed();
    });
  }

  /** A whole number from an input, or NaN when it holds none. */
  readInt(sel) {
    const el = this.q(sel);
    const v = el?.value.trim() ?? '';
    return v === '' ? NaN : Number(v);
  }

  /** A refusal with its field called what its control is called. */
  label(res) {
    const name = LABELS[res.field];
    return name ? `${name}${res.error.slice(res.field.length)}` : res.error;
  }

  message(text, error = false) {
    const el = this.q('[data-role="context-message"]');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('error-text', error);
  }

  markInvalid(field) {
    for (const el of this.section.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const sel = { 'routing.dataset.domains': '[data-context-m]', 'routing.dataset.trained_per_input': '[data-context-k]', 'recurrent.dataset.length': '[data-context-t]' }[field];
    if (sel) this.q(sel)?.setAttribute('aria-invalid', 'true');
  }

  /** Sends a call that reconfigures a part; returns null or the message naming the field. */
  configure(part, patch) {
    const res = this.ask('contextConfigure', part, patch);
    if (res.error) {
      const msg = this.label(res);
      this.markInvalid(res.field);
      this.message(msg, true);
      return msg;
    }
    this.markInvalid(null);
    this.message('');
    this.setCaption(null);
    this.changed(res.result);
    return null;
  }

  /** Sets the routing task's M and K ({domains, trained_per_input}); null or a message. */
  setRouting({ domains, trained_per_input } = {}) {
    const ds = {};
    if (domains !== undefined) ds.domains = Number.isFinite(domains) ? domains : null;
    if (trained_per_input !== undefined) ds.trained_per_input = Number.isFinite(trained_per_input) ? trained_per_input : null;
    if (ds.domains === null) return this.refuse('routing.dataset.domains', 'Domains M: enter a whole number from 1 to 16');
    if (ds.trained_per_input === null) return this.refuse('routing.dataset.trained_per_input', 'Trained outputs per input K: enter a whole number from 1 to M');
    return this.configure('routing', { dataset: ds });
  }

  /** Sets the recurrent task's length T (each mode halves per lag); null or a message. */
  setLength(t) {
    if (!Number.isFinite(t)) return this.refuse('recurrent.dataset.length', 'Sequence length T: enter a whole number from 1 to 32');
    return this.configure('recurrent', { dataset: { length: t } });
  }

  refuse(field, msg) {
    this.markInvalid(field);
    this.message(msg, true);
    return msg;
  }

  toggleGate(i, j) {
    const res = this.ask('contextToggleGate', i, j);
    if (res.error) {
      this.message(this.label(res), true);
      return this.label(res);
    }
    this.message('');
    this.setCaption(null);
    this.changed();
    return null;
  }

  setInput(i) {
    const res = this.ask('contextInput', i);
    if (res.error) return this.label(res);
    this.changed();
    return null;
  }

  applyPreset(id) {
    const res = this.ask('contextPreset', id);
    if (res.error) {
      this.message(res.error, true);
      return res.error;
    }
    const p = (this.presets ?? []).find((x) => x.id === id);
    this.message('');
    this.markInvalid(null);
    this.setCaption(p ?? null);
    this.changed(res.result);
    this.play();
    return null;
  }

  setCaption(p) {
    const el = this.q('[data-role="context-caption"]');
    if (el) el.textContent = p ? `${p.name}: ${p.caption}` : '';
    const sel = this.q('[data-context-preset]');
    if (sel && !p) sel.value = '';
  }

  // ----- playing -----

  play() {
    if (this.ex.dead) return;
    const res = this.ask('contextPlay', true);
    if (res.error) return;
    if (!this.playing) {
      this.playing = true;
      requestAnimationFrame(this.frame);
    }
    this.syncButton();
    this.ex.dirty = true;
  }

  pause() {
    this.ask('contextPlay', false);
    this.playing = false;
    this.syncButton();
    this.refresh();
  }

  reset() {
    this.ask('contextReset');
    this.changed();
  }

  /** One frame of the chapter's training: a few milliseconds of steps, then the page redraws. */
  frame() {
    if (!this.playing || this.ex.dead) return;
    const k = Math.max(1, Math.min(STEPS_PER_FRAME, Math.floor(WORK_MS / this.msPerStep)));
    const t = performance.now();
    const more = this.ex.guard(() => this.ex.app.work(k), false);
    const dt = performance.now() - t;
    this.msPerStep = 0.7 * this.msPerStep + 0.3 * Math.max(1e-4, dt / k);
    this.frameMs.push(dt);
    if (this.frameMs.length > 120) this.frameMs.shift();
    this.ex.dirty = true;
    this.showStatus();
    if (more) requestAnimationFrame(this.frame);
    else {
      this.playing = false;
      this.syncButton();
      this.refresh();
    }
  }

  syncButton() {
    const b = this.q('[data-context-play]');
    if (!b) return;
    b.textContent = this.playing ? 'Pause' : 'Play';
    b.setAttribute('aria-pressed', String(this.playing));
  }

  // ----- showing the state -----

  /** After a change: the controls from the state, and every panel redrawn. */
  changed(state = null) {
    this.refresh(state ?? this.state());
    this.ex.dirty = true;
  }

  state() {
    return this.ask('contextState').result ?? null;
  }

  showStatus(s = this.state()) {
    const el = this.q('[data-role="context-status"]');
    if (!el || !s) return;
    const part = (name, p) => `${name} ${p.step.toLocaleString('en')}/${p.steps.toLocaleString('en')}${p.status === 'running' ? '' : ` (${p.status})`}`;
    el.textContent = `${part('routing', s.routing)} · ${part('random start', s.general)} · ${part('recurrent', s.recurrent)} · ${part('ReLU', s.relu)}`;
  }

  /** Puts the state into the controls: M, K, the gate grid, the input menu, T, the labels. */
  refresh(s = this.state()) {
    if (!s) return;
    const r = s.routing;
    const m = r.domains;
    const set = (sel, v) => {
      const el = this.q(sel);
      if (el && el.getAttribute('aria-invalid') !== 'true') el.value = String(v);
    };
    set('[data-context-m]', m);
    if (r.trained_per_input !== null) set('[data-context-k]', r.trained_per_input);
    const kEl = this.q('[data-context-k]');
    if (kEl) kEl.max = String(m);
    set('[data-context-t]', s.recurrent.length);
    const grid = this.q('[data-context-gates]');
    if (grid) {
      grid.style.setProperty('--m', String(m));
      const want = m * m;
      if (grid.children.length !== want) {
        grid.replaceChildren(...Array.from({ length: want }, (_, q) => {
          const b = grid.ownerDocument.createElement('button');
          b.type = 'button';
          b.dataset.i = String(Math.floor(q / m));
          b.dataset.j = String(q % m);
          return b;
        }));
      }
      for (const b of grid.children) {
        const on = r.gates[Number(b.dataset.i)][Number(b.dataset.j)] === 1;
        b.setAttribute('aria-pressed', String(on));
        b.setAttribute('aria-label', `input ${b.dataset.i} to output ${b.dataset.j}: ${on ? 'trained' : 'never trained'}`);
        b.title = b.getAttribute('aria-label');
      }
    }
    const inp = this.q('[data-context-input]');
    if (inp) {
      if (inp.options.length !== m) inp.replaceChildren(...Array.from({ length: m }, (_, i) => new Option(`input domain ${i}`, String(i))));
      inp.value = String(s.input);
    }
    const k = r.trained_per_input;
    const note = this.q('[data-role="context-gates-note"]');
    if (note) {
      const trained = r.gates.flat().filter((g) => g === 1).length;
      note.textContent = `${trained} of ${m * m} pathways trained${k === null ? ' (a matrix of your own)' : ` (K = ${k} per input)`}. ${r.label}.`;
    }
    const rec = this.q('[data-role="context-recurrent-note"]');
    if (rec) {
      const lags = s.recurrent.target[0].map((v) => fmt(v)).join(', ');
      rec.textContent = `Target kernel by lag: ${lags}. ${s.recurrent.label}.`;
    }
    this.showStatus(s);
    this.syncButton();
  }
}
