// The dataset editor: the current dataset as an item × feature grid that can be edited in place,
// loaded from CSV, pasted, and downloaded. It is bound to the `[data-panel="editor"]` element of
// an Explorer's root and changes the data only through `explorer.setConfig`, so the SVD, the
// predictions and the run follow every edit at once. CSV is read and written by the wasm side
// (src/config/csv.rs); this module owns only the DOM.

import { download } from './export.js';

/** Grids larger than this are not drawn (a table of buttons would be too slow); CSV still works. */
const MAX_GRID_CELLS = 12000;
/** Files larger than this are refused before they are read (the limit of src/config/csv.rs). */
const MAX_CSV_BYTES = 1 << 20;

/**
 * The offset of the first byte of `bytes` that does not start a valid UTF-8 sequence (as
 * Rust's `Utf8Error::valid_up_to`), or `bytes.length` when all of it is UTF-8.
 * @param {Uint8Array} bytes
 */
export function utf8ValidUpTo(bytes) {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c < 0x80) {
      i += 1;
      continue;
    }
    let n;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k += 1) {
      const x = bytes[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return bytes.length;
}

/**
 * A file's bytes as text: UTF-8 (a leading byte-order mark is dropped by the decoder); bytes
 * that are not UTF-8 become U+FFFD, and the warning says where the first one was and how many
 * characters were replaced (null when none was).
 * @param {Uint8Array} bytes
 */
export function decodeText(bytes) {
  const at = utf8ValidUpTo(bytes);
  const text = new TextDecoder('utf-8').decode(bytes);
  if (at === bytes.length) return { text, warning: null };
  const valid = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
  const count = (s) => s.split('\uFFFD').length - 1;
  // Replacements after the first bad byte (a real U+FFFD before it is not counted).
  const n = count(text) - count(valid);
  const hex = bytes[at].toString(16).toUpperCase().padStart(2, '0');
  return {
    text,
    warning: `the file is not UTF-8 text: from the byte at offset ${at} (0x${hex}) on, ${n} ${n === 1 ? 'character was' : 'characters were'} replaced by “\uFFFD” (U+FFFD). Save it as UTF-8 to keep its names as they are.`,
  };
}

/** The charts' blue-white-red scale (ColorBrewer RdBu ends, as in src/charts/mod.rs). */
const WHITE = [247, 247, 247];
const RED = [178, 24, 43];
const BLUE = [33, 102, 172];

/** Background colour of a cell with value `v` on the scale [-vmax, vmax], and whether it is dark. */
function cellColour(v, vmax) {
  const x = Math.max(-1, Math.min(1, v / vmax));
  const end = x >= 0 ? RED : BLUE;
  const t = Math.abs(x);
  const rgb = WHITE.map((w, k) => Math.round(w + (end[k] - w) * t));
  return { background: `rgb(${rgb.join(', ')})`, dark: t > 0.55 };
}

/** A value as cell text: integers as they are, others with two significant digits. */
function cellText(v) {
  if (Number.isInteger(v) && Math.abs(v) < 1000) return String(v);
  const s = Number(v.toPrecision(2));
  return Math.abs(s) >= 1000 || (s !== 0 && Math.abs(s) < 0.01) ? s.toExponential(0) : String(s);
}

/** A value for labels and tooltips: up to six significant digits. */
function valueText(v) {
  return String(Number(v.toPrecision(6)));
}

/** A message from setConfig without its JSON path (the editor says which control it was). */
function plain(message) {
  return message.replace(/^dataset(\.\w+)?(\[\d+\])*: /, '');
}

/** A fresh name like "item 9" that is not in `names`. */
function freshName(prefix, names) {
  let k = names.length + 1;
  while (names.includes(`${prefix} ${k}`)) k += 1;
  return `${prefix} ${k}`;
}

export class DatasetEditor {
  /** Creates the editor for an explorer whose root has a `[data-panel="editor"]`, else null. */
  static attach(explorer) {
    const el = explorer.root.querySelector('[data-panel="editor"]');
    return el ? new DatasetEditor(explorer, el) : null;
  }

  /**
   * @param {import('./explorer.js').Explorer} explorer
   * @param {HTMLElement} el the editor's panel
   */
  constructor(explorer, el) {
    this.explorer = explorer;
    this.el = el;
    this.App = explorer.app.constructor;
    this.key = null;
    this.kind = null;
    this.matrix = null;
    this.q = (sel) => el.querySelector(sel);
    this.grid = this.q('[data-role="editor-grid"]');
    this.size = this.q('[data-role="editor-size"]');
    this.message = this.q('[data-role="editor-error"]');
    // What a loaded file's text needed (bytes that were not UTF-8), shown until the next load.
    this.warning = this.el.ownerDocument.createElement('p');
    this.warning.className = 'warning';
    this.warning.dataset.role = 'editor-warning';
    this.warning.setAttribute('role', 'status');
    this.warning.hidden = true;
    this.message?.after(this.warning);
    this.paste = this.q('[data-edit="paste-text"]');
    this.file = this.q('[data-edit="file"]');
    this.bind();
  }

  bind() {
    this.el.addEventListener('click', (e) => {
      const btn = e.target.closest('button');
      if (!btn || !this.el.contains(btn)) return;
      if (btn.classList.contains('cell')) this.toggle(Number(btn.dataset.row), Number(btn.dataset.col));
      else if (btn.dataset.remove) this.remove(btn.dataset.remove, Number(btn.dataset.index));
      else if (btn.dataset.edit === 'add-item') this.addItem();
      else if (btn.dataset.edit === 'add-feature') this.addFeature();
      else if (btn.dataset.edit === 'download') this.download();
      else if (btn.dataset.edit === 'load') this.file?.click();
      else if (btn.dataset.edit === 'paste') this.usePasted();
      else if (btn.dataset.edit === 'continue-run') this.continueRun();
    });
    this.q('[data-edit="continue"]')?.addEventListener('change', (e) => this.setContinuing(e.target.checked));
    this.grid.addEventListener('change', (e) => {
      if (e.target.matches('input.name')) this.rename(e.target);
    });
    this.grid.addEventListener('keydown', (e) => this.onKey(e));
    this.file?.addEventListener('change', () => {
      const f = this.file.files && this.file.files[0];
      if (f) this.load(f);
      this.file.value = '';
    });
    // Choosing "Custom matrix" in the dataset menu starts from the current dataset's matrix. This
    // listener runs before the explorer's (capture at the target), which would otherwise ask for
    // a matrix with no values.
    const select = this.explorer.root.querySelector('[data-param="dataset"]');
    select?.addEventListener('change', (e) => {
      if (select.value !== 'matrix') return;
      e.stopImmediatePropagation();
      if (!this.matrix || this.apply(this.matrix)) this.explorer.syncControls();
    }, { capture: true });
  }

  // ----- following the explorer's config -----

  /** Shows the current dataset; cheap when it has not changed since the last call. */
  refresh(cfg = this.explorer.config()) {
    // Edits held for a continued task are shown until they are used or dropped.
    if (!cfg || this.pending) return;
    const key = JSON.stringify(cfg.dataset);
    if (key === this.key) return;
    const data = this.explorer.guard(() => JSON.parse(this.explorer.app.dataset()));
    if (!data) return;
    this.key = key;
    this.kind = cfg.dataset.kind;
    this.matrix = { items: data.items, features: data.feature_names, values: data.values };
    this.render();
  }

  render() {
    const { items, features } = this.matrix;
    const p = items.length;
    const n = features.length;
    const source = this.kind === 'matrix' ? 'custom matrix' : `from the “${this.kind}” dataset; any edit makes it a custom matrix`;
    this.size.textContent = `${p} ${p === 1 ? 'item' : 'items'} × ${n} ${n === 1 ? 'feature' : 'features'} (${source})`;
    if (p * n > MAX_GRID_CELLS) {
      this.table = null;
      const note = document.createElement('p');
      note.className = 'editor-too-big';
      note.textContent = `This dataset has ${(p * n).toLocaleString('en')} values; the grid shows up to ${MAX_GRID_CELLS.toLocaleString('en')}. Download it as CSV to edit it elsewhere, then load it back.`;
      this.grid.replaceChildren(note);
      return;
    }
    const t = this.table;
    if (t && t.p === p && t.n === n) this.update();
    else this.build();
  }

  /** Builds the table for the current shape, then fills it in; keeps the focus where it was. */
  build() {
    const focus = this.focusKey(document.activeElement);
    const { items, features } = this.matrix;
    const doc = this.el.ownerDocument;
    const mk = (tag, props = {}, ...children) => {
      const e = doc.createElement(tag);
      for (const [k, v] of Object.entries(props)) {
        if (k === 'dataset') Object.assign(e.dataset, v);
        else if (k in e && !k.includes('-')) e[k] = v;
        else e.setAttribute(k, v);
      }
      e.append(...children);
      return e;
    };
    const table = mk('table', { className: 'editor-table' });
    table.append(mk('caption', { className: 'visually-hidden' }, 'Items (rows) by features (columns); each button switches a value between 0 and 1'));
    const head = mk('tr');
    head.append(mk('th', { className: 'corner', scope: 'col' }, mk('span', {}, 'item'), ' \\ ', mk('span', {}, 'feature')));
    const featureInputs = [];
    features.forEach((_, j) => {
      const input = mk('input', {
        type: 'text', className: 'name feature', spellcheck: false, autocomplete: 'off',
        dataset: { kind: 'feature', index: String(j) }, 'aria-label': `Name of feature ${j + 1}`,
      });
      const remove = mk('button', { type: 'button', className: 'remove', dataset: { remove: 'feature', index: String(j) } }, '×');
      featureInputs.push([input, remove]);
      head.append(mk('th', { scope: 'col' }, mk('div', { className: 'feature-head' }, remove, input)));
    });
    table.append(mk('thead', {}, head));
    const body = mk('tbody');
    const itemInputs = [];
    const cells = [];
    items.forEach((_, i) => {
      const input = mk('input', {
        type: 'text', className: 'name item', spellcheck: false, autocomplete: 'off',
        dataset: { kind: 'item', index: String(i) }, 'aria-label': `Name of item ${i + 1}`,
      });
      const remove = mk('button', { type: 'button', className: 'remove', dataset: { remove: 'item', index: String(i) } }, '×');
      itemInputs.push([input, remove]);
      const tr = mk('tr', {}, mk('th', { scope: 'row' }, mk('div', { className: 'item-head' }, remove, input)));
      const row = [];
      features.forEach((__, j) => {
        const b = mk('button', { type: 'button', className: 'cell', dataset: { row: String(i), col: String(j) } });
        row.push(b);
        tr.append(mk('td', {}, b));
      });
      cells.push(row);
      body.append(tr);
    });
    table.append(body);
    this.table = { p: items.length, n: features.length, itemInputs, featureInputs, cells };
    this.update();
    this.grid.replaceChildren(table);
    if (focus) this.focus(focus);
  }

  /** Writes the current names and values into the existing table. */
  update() {
    const { items, features, values } = this.matrix;
    const { itemInputs, featureInputs, cells } = this.table;
    const vmax = Math.max(1, ...values.map((r) => Math.max(...r.map(Math.abs))));
    const setName = ([input, remove], name, kind, count) => {
      // A rejected name stays in its field until the user changes it.
      if (input.getAttribute('aria-invalid') !== 'true') input.value = name;
      input.title = name;
      remove.setAttribute('aria-label', `Remove ${kind} ${name}`);
      remove.title = count > 1 ? `Remove ${kind} “${name}”` : `A dataset needs at least one ${kind}`;
      remove.disabled = count <= 1;
    };
    items.forEach((name, i) => setName(itemInputs[i], name, 'item', items.length));
    features.forEach((name, j) => setName(featureInputs[j], name, 'feature', features.length));
    items.forEach((item, i) => {
      features.forEach((feature, j) => {
        const v = values[i][j];
        const b = cells[i][j];
        const { background, dark } = cellColour(v, vmax);
        const label = `${item}, ${feature}: ${valueText(v)}`;
        b.style.background = background;
        b.classList.toggle('dark', dark);
        b.classList.toggle('zero', v === 0);
        b.textContent = cellText(v);
        b.setAttribute('aria-label', label);
        b.title = label;
      });
    });
  }

  // ----- focus, kept across rebuilds and moved with the arrow keys -----

  focusKey(el) {
    if (!el || !this.grid.contains(el)) return null;
    if (el.classList.contains('cell')) return { cell: [Number(el.dataset.row), Number(el.dataset.col)] };
    if (el.dataset.remove) return { remove: el.dataset.remove, index: Number(el.dataset.index) };
    if (el.matches('input.name')) return { name: el.dataset.kind, index: Number(el.dataset.index) };
    return null;
  }

  focus(key) {
    const t = this.table;
    if (!t) return;
    let el = null;
    if (key.cell) {
      const [i, j] = key.cell;
      el = t.cells[Math.min(i, t.p - 1)]?.[Math.min(j, t.n - 1)];
    } else {
      const list = (key.remove || key.name) === 'item' ? t.itemInputs : t.featureInputs;
      const pair = list[Math.min(key.index, list.length - 1)];
      el = pair && (key.name ? pair[0] : (pair[1].disabled ? pair[0] : pair[1]));
    }
    el?.focus();
    if (el && key.name) el.select();
  }

  onKey(e) {
    const el = e.target;
    if (el.matches('input.name') && e.key === 'Enter') {
      e.preventDefault();
      this.rename(el);
      return;
    }
    if (el.matches('input.name') && e.key === 'Escape') {
      const list = el.dataset.kind === 'item' ? this.matrix.items : this.matrix.features;
      el.value = list[Number(el.dataset.index)];
      this.setInvalid(el, null);
      return;
    }
    if (!el.classList.contains('cell')) return;
    const move = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
    if (!move) return;
    e.preventDefault();
    const i = Number(el.dataset.row) + move[0];
    const j = Number(el.dataset.col) + move[1];
    this.table?.cells[i]?.[j]?.focus();
  }

  // ----- edits -----

  /** A deep copy of the current matrix to edit. */
  copy() {
    const { items, features, values } = this.matrix;
    return { items: [...items], features: [...features], values: values.map((r) => [...r]) };
  }

  /**
   * Makes `m` the dataset. Returns null, or the error message (shown; nothing is changed).
   * On success the explorer re-syncs its controls, which refreshes this editor.
   */
  apply(m, what = '') {
    if (this.continuing) return this.hold(m);
    const err = this.explorer.setConfig({
      dataset: { kind: 'matrix', items: m.items, feature_names: m.features, values: m.values },
    });
    if (err) {
      this.showError(what ? `${what}: ${plain(err)}` : err);
      return err;
    }
    this.showError(null);
    return null;
  }

  // ----- a new task that continues from the main run's weights -----

  /** Edits from now on are held as a new task (on) or restart the main run (off). */
  setContinuing(on) {
    this.continuing = on;
    this.q('[data-edit="continue-run"]').hidden = !on;
    this.q('[data-role="editor-continue-help"]').hidden = !on;
    if (!on && this.pending) {
      this.pending = null;
      this.key = null;
      this.refresh();
    }
    this.updateContinue();
  }

  /** Holds `m` as the new task, shown in the grid; the main run is not changed. */
  hold(m) {
    this.pending = m;
    this.matrix = m;
    this.kind = 'matrix';
    this.render();
    this.showError(null);
    this.updateContinue();
    return null;
  }

  updateContinue() {
    const b = this.q('[data-edit="continue-run"]');
    if (b) b.disabled = !this.pending;
    if (this.pending) this.size.textContent += ' · an edit held as task B';
  }

  /** Trains the main run's network, from its weights now, on the held edit (Prior knowledge). */
  continueRun() {
    const prior = this.explorer.chapterControls?.prior;
    if (!this.pending) return;
    if (!prior) {
      this.showError('This page has no Prior knowledge chapter to continue the run in.');
      return;
    }
    const m = this.pending;
    const step = this.explorer.status()?.step ?? 0;
    const err = prior.continueFrom({ kind: 'matrix', items: m.items, feature_names: m.features, values: m.values });
    if (err) {
      this.showError(`Continue from these weights: ${plain(err)}`);
      return;
    }
    this.pending = null;
    this.key = null;
    this.refresh();
    this.updateContinue();
    this.explorer.notice(`Continuing from the weights at step ${step.toLocaleString('en')}: Prior knowledge trains the edited data as task B (the main run is unchanged).`);
  }

  showError(message) {
    if (this.message) {
      this.message.textContent = message || '';
      this.message.hidden = !message;
    }
    if (message) this.explorer.showError(message);
  }

  setInvalid(el, message) {
    if (message) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  }

  toggle(i, j) {
    const m = this.copy();
    m.values[i][j] = m.values[i][j] === 0 ? 1 : 0;
    this.apply(m, `${m.items[i]}, ${m.features[j]}`);
  }

  rename(input) {
    const kind = input.dataset.kind;
    const k = Number(input.dataset.index);
    const m = this.copy();
    const list = kind === 'item' ? m.items : m.features;
    const name = input.value.trim();
    if (name === list[k]) {
      this.setInvalid(input, null);
      return;
    }
    const old = list[k];
    list[k] = name;
    const err = this.apply(m, `Renaming ${kind} “${old}” to “${name}”`);
    this.setInvalid(input, err);
  }

  addItem() {
    const m = this.copy();
    m.items.push(freshName('item', m.items));
    m.values.push(m.features.map(() => 0));
    if (!this.apply(m, 'Adding an item')) this.focus({ name: 'item', index: m.items.length - 1 });
  }

  addFeature() {
    const m = this.copy();
    m.features.push(freshName('feature', m.features));
    for (const row of m.values) row.push(0);
    if (!this.apply(m, 'Adding a feature')) this.focus({ name: 'feature', index: m.features.length - 1 });
  }

  remove(kind, k) {
    const m = this.copy();
    if (kind === 'item') {
      if (m.items.length <= 1) return;
      const [name] = m.items.splice(k, 1);
      m.values.splice(k, 1);
      this.apply(m, `Removing item “${name}”`);
    } else {
      if (m.features.length <= 1) return;
      const [name] = m.features.splice(k, 1);
      for (const row of m.values) row.splice(k, 1);
      this.apply(m, `Removing feature “${name}”`);
    }
  }

  // ----- CSV -----

  /** Parses CSV text and makes it the dataset. Returns null, or the message shown. */
  useCsv(text, source) {
    const res = this.explorer.guard(() => JSON.parse(this.App.parseCsv(text)), { error: 'the simulation has stopped' });
    if (res.error) {
      const msg = `${source}: ${res.error}`;
      this.showError(msg);
      return msg;
    }
    const key = this.key;
    const m = res.result;
    const err = this.apply(m, source);
    if (err) return err;
    const p = m.items.length;
    const n = m.features.length;
    const what = this.continuing ? 'held as task B: press Continue from these weights' : this.key === key ? 'the same as the current dataset' : 'training restarted from step 0';
    this.explorer.notice(`${source}: ${p} ${p === 1 ? 'item' : 'items'} × ${n} ${n === 1 ? 'feature' : 'features'}; ${what}.`);
    return null;
  }

  usePasted() {
    this.warn(null);
    const err = this.useCsv(this.paste.value, 'Pasted CSV');
    this.setInvalid(this.paste, err);
  }

  async load(file) {
    if (file.size > MAX_CSV_BYTES) {
      this.showError(`${file.name}: the file has ${file.size.toLocaleString('en')} bytes; the limit is 1 MB`);
      return;
    }
    let bytes;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      this.showError(`${file.name} could not be read: ${e.message}`);
      return;
    }
    const { text, warning } = decodeText(bytes);
    const err = this.useCsv(text, file.name);
    this.warn(!err && warning ? `${file.name}: ${warning}` : null);
  }

  /** Shows (or, with null, clears) the warning about the last loaded file. */
  warn(message) {
    this.warning.textContent = message || '';
    this.warning.hidden = !message;
  }

  /** The current dataset as CSV text. */
  csv() {
    return this.explorer.reply(() => this.App.toCsv(JSON.stringify(this.matrix))).result ?? '';
  }

  /** Saves the current dataset as a CSV file (made in the page; nothing is sent anywhere). */
  download() {
    const text = this.csv();
    if (!text) return;
    download(this.el.ownerDocument, `${this.kind === 'matrix' ? 'dataset' : this.kind}.csv`, text, 'text/csv');
  }
}
