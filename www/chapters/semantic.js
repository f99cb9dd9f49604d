// Controls of the semantic-development panels: which output the illusion panel follows, which
// category the typicality panel shows, what the inductive-projection panel teaches, the second
// network, the list of the dataset's strongest illusions, and the category-coherence demo. The state lives in the wasm App
// (its view and its session); this module only reads and writes it through the Explorer.

import { fmt } from '../fmt.js';

function setOptions(select, values, labels = values) {
  const same = select.options.length === values.length
    && [...select.options].every((o, i) => o.value === String(values[i]) && o.textContent === labels[i]);
  if (same) return;
  const keep = select.value;
  select.replaceChildren(...values.map((v, i) => {
    const o = select.ownerDocument.createElement('option');
    o.value = String(v);
    o.textContent = labels[i];
    return o;
  }));
  if (values.map(String).includes(keep)) select.value = keep;
}

export class SemanticControls {
  /** Binds the controls inside the explorer's root, if the page has the semantic panels. */
  static attach(explorer) {
    return explorer.root.querySelector('[data-panel="illusion"], [data-panel="rsm"], [data-coherence]') ? new SemanticControls(explorer) : null;
  }

  constructor(explorer) {
    this.ex = explorer;
    this.q = (s) => explorer.root.querySelector(s);
    this.lastIllusions = '';
    for (const el of explorer.root.querySelectorAll('[data-view]')) {
      el.addEventListener('change', () => this.onView(el));
    }
    for (const el of explorer.root.querySelectorAll('[data-twin], [data-twin-width], [data-twin-seed], [data-twin-large]')) {
      el.addEventListener('change', () => this.onTwin(el));
    }
    this.q('[data-role="illusions"]')?.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-item]');
      if (b) this.ex.setView({ illusion: { item: b.dataset.item, feature: b.dataset.feature } }) || this.refresh();
    });
    this.bindCoherence();
  }

  onView(el) {
    const view = this.ex.view();
    const path = el.dataset.view;
    let partial;
    if (path === 'category') partial = { category: Number(el.value) };
    else if (path.startsWith('illusion.')) {
      const cur = this.currentIllusion();
      partial = { illusion: { ...cur, [path.slice(9)]: el.value } };
    } else {
      partial = { projection: { ...view.projection, [path.slice(11)]: el.value } };
    }
    const err = this.ex.setView(partial);
    if (err) this.ex.showError(err);
    this.refresh();
  }

  /** The output the illusion panel follows: the view's choice or the strongest illusion. */
  currentIllusion() {
    const view = this.ex.view();
    if (view.illusion) return view.illusion;
    const top = this.ex.state()?.illusions?.[0];
    return top ? { item: top.item, feature: top.feature } : { item: '', feature: '' };
  }

  twinPatch() {
    if (!this.q('[data-twin]')?.checked) return null;
    const width = Number(this.q('[data-twin-width]').value);
    const seed = Number(this.q('[data-twin-seed]').value);
    const cfg = this.ex.config();
    const layers = Math.max(1, cfg.network.hidden.length);
    const patch = { network: { hidden: Array(layers).fill(width) }, train: { seed } };
    if (this.q('[data-twin-large]').checked) patch.init = { kind: 'small_gaussian', scale: 0.5, lambda: 0 };
    return patch;
  }

  onTwin(el) {
    const patch = this.twinPatch();
    const err = this.ex.setTwin(patch);
    if (err) {
      el.setAttribute('aria-invalid', 'true');
      this.ex.showError(err);
    } else {
      for (const x of this.ex.root.querySelectorAll('[data-twin-width], [data-twin-seed]')) x.removeAttribute('aria-invalid');
      this.ex.clearError();
      if (patch) this.ex.notice('A second network now trains beside the first, on the same data.');
    }
  }

  /** Puts the dataset's names and the view's choices into the selects. */
  refresh() {
    const names = this.ex.names();
    const state = this.ex.state();
    const view = this.ex.view();
    if (!names || !state || !view) return;
    const item = this.q('[data-view="illusion.item"]');
    const feature = this.q('[data-view="illusion.feature"]');
    if (item && feature) {
      setOptions(item, names.items);
      setOptions(feature, names.features);
      const cur = this.currentIllusion();
      item.value = cur.item;
      feature.value = cur.feature;
    }
    const cat = this.q('[data-view="category"]');
    if (cat) {
      const modes = state.singular_values.map((_, a) => a + 1).filter((a) => a > 1 || state.singular_values.length === 1);
      const labels = modes.map((a) => `mode ${a}${names.modes?.[a - 1] ? `: ${names.modes[a - 1]}` : ''}`);
      setOptions(cat, modes, labels);
      cat.value = String(view.category ?? Math.min(2, state.singular_values.length));
    }
    const kind = this.q('[data-view="projection.kind"]');
    if (kind) {
      kind.value = view.projection.kind;
      for (const el of this.ex.root.querySelectorAll('[data-when-projection]')) el.hidden = el.dataset.whenProjection !== view.projection.kind;
      const pi = this.q('[data-view="projection.item"]');
      const pf = this.q('[data-view="projection.feature"]');
      setOptions(pi, names.items);
      setOptions(pf, names.features);
      pi.value = view.projection.item ?? (names.items.includes('canary') ? 'canary' : names.items[names.items.length - 1]);
      pf.value = view.projection.feature ?? (names.features.includes('fly') ? 'fly' : names.features[0]);
    }
    const twin = this.ex.twin();
    const box = this.q('[data-twin]');
    if (box) box.checked = Boolean(twin);
    if (twin) {
      // A second network from a link or a preset: show its settings.
      const width = twin.network?.hidden?.[0];
      const w = this.q('[data-twin-width]');
      if (w && Number.isInteger(width)) w.value = String(width);
      const seed = this.q('[data-twin-seed]');
      if (seed && Number.isInteger(twin.train?.seed)) seed.value = String(twin.train.seed);
      const large = this.q('[data-twin-large]');
      if (large) large.checked = twin.init?.kind === 'small_gaussian' && twin.init.scale >= 0.1;
    }
    this.updateIllusions(state);
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
      if (this.ex.dead) return;
      if (!complete) complete = this.ex.ask('refineCoherence').result ?? true;
      const s = this.ex.ask('setCoherence', coherence()).result;
      if (s) {
        const value = `C = ${fmt(s.c)}, S = ${fmt(s.strength)}`;
        out.value = value;
        slider.setAttribute('aria-valuetext', value);
        const verdict = s.found ? 'above the threshold: the category is found' : 'below the threshold: buried in noise';
        if (status) status.textContent = `Overlap ${s.overlap.toFixed(2)} ± ${s.spread.toFixed(2)}, ${verdict}.`;
      }
      if (!this.ex.drawSized(canvas)) this.ex.dirty = true;
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

  /**
   * After training steps: the illusion list follows the run, at most twice a second while
   * playing, and at once when `now` (a step call, the end of a run). It asks for the illusions
   * alone: the full state carries the RSMs, megabytes of JSON on a 256-item dataset.
   */
  afterSteps(now = false) {
    const list = this.q('[data-role="illusions"]');
    const t = performance.now();
    if (!list || (!now && t - (this.listedAt ?? -1e9) < 500)) return;
    this.listedAt = t;
    this.updateIllusions(this.ex.ask('semanticIllusions').result);
  }

  /** The list of the strongest illusions, as buttons that select them. */
  updateIllusions(state) {
    const list = this.q('[data-role="illusions"]');
    if (!list || !state) return;
    const key = JSON.stringify(state.illusions.map((i) => [i.item, i.feature, i.peak_sim?.toFixed(2)]));
    if (key === this.lastIllusions) return;
    this.lastIllusions = key;
    const fmt = (v) => (v === null || v === undefined ? '–' : v.toFixed(2));
    list.replaceChildren(...state.illusions.map((il) => {
      const li = list.ownerDocument.createElement('li');
      const b = list.ownerDocument.createElement('button');
      b.type = 'button';
      b.dataset.item = il.item;
      b.dataset.feature = il.feature;
      b.textContent = `${il.item} · ${il.feature} (target ${il.target}): peak ${fmt(il.peak_theory)} predicted, ${fmt(il.peak_sim)} simulated so far`;
      li.append(b);
      return li;
    }));
    if (!state.illusions.length) {
      const li = list.ownerDocument.createElement('li');
      li.textContent = 'No illusions: no output of this dataset overshoots.';
      list.append(li);
    }
  }
}
