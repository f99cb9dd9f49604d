// Charts that are not mouse-only. Every chart canvas takes keyboard focus; the arrow keys move a
// readout cursor along its data (Left and Right to the next or previous point, Up and Down across
// curves or rows), and each reading is announced through a live region beside the chart. Each
// chart also has a "Data table" view (a <details> under it) listing the series it draws, built
// when it is opened from the App's `table(panel)`; a panel without one says so.

const KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
/** CSS pixels between the cursor's stops on an x-y plot. */
const PITCH_CSS = 3;
/** Most rows a data table shows: the App sends every k-th row of a larger one. */
const MAX_ROWS = 5000;

/** 2 → "2nd", 11 → "11th", 23 → "23rd". */
const ordinal = (n) => {
  const tens = n % 100;
  const end = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' })[n % 10] ?? 'th';
  return `${n}${end}`;
};

/** A table cell's number: a whole number as it is, others to 4 significant digits. */
function num(v) {
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

export class ChartAccess {
  static attach(explorer) {
    return new ChartAccess(explorer);
  }

  constructor(explorer) {
    this.ex = explorer;
    this.doc = explorer.root.ownerDocument;
    this.marker = null;
    for (const canvas of explorer.canvases) this.bind(canvas);
  }

  title(canvas) {
    const fig = canvas.closest('figure');
    return fig?.querySelector('h2')?.textContent.trim() || canvas.dataset.chart;
  }

  bind(canvas) {
    const panel = canvas.dataset.chart;
    const fig = canvas.closest('figure') ?? canvas.parentElement;
    const title = this.title(canvas);
    canvas.tabIndex = 0;
    if (!canvas.getAttribute('role')) canvas.setAttribute('role', 'img');
    if (!canvas.getAttribute('aria-label')) canvas.setAttribute('aria-label', title);
    canvas.setAttribute('aria-roledescription', 'chart');
    const id = (what) => `chart-${panel}-${what}`;
    const hint = this.make('span', { class: 'visually-hidden', id: id('hint') }, ['Arrow keys read its values; a data table follows the chart.']);
    const live = this.make('p', { class: 'visually-hidden', 'aria-live': 'polite', 'data-role': 'chart-readout', id: id('readout') });
    canvas.setAttribute('aria-describedby', `${id('hint')} ${id('readout')}`);
    canvas.after(hint, live);
    canvas.addEventListener('keydown', (e) => {
      const d = KEYS[e.key];
      if (!d || e.altKey || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      this.move(canvas, live, d[0], d[1]);
    });
    canvas.addEventListener('blur', () => {
      this.ex.tooltip.hidden = true;
      if (this.marker) this.marker.hidden = true;
    });
    // A redrawn or resized chart keeps its cursor's place in the data, not its pixels.
    const details = this.make('details', { class: 'data-table', 'data-table': panel });
    const summary = this.make('summary', {}, ['Data table']);
    summary.setAttribute('aria-label', `Data table of the chart “${title}”`);
    const body = this.make('div', { 'data-role': 'table-body' });
    details.append(summary, body);
    details.addEventListener('toggle', () => { if (details.open) this.fill(panel, title, body); });
    live.after(details);
  }

  make(tag, props = {}, children = []) {
    const el = this.doc.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') el.className = v;
      else el.setAttribute(k, v);
    }
    el.append(...children);
    return el;
  }

  /** Moves a chart's cursor by (dx, dy) stops and reads it (dx = dy = 0 reads where it is). */
  move(canvas, live, dx, dy) {
    const dpr = canvas.width / Math.max(1, canvas.clientWidth);
    const at = JSON.stringify(canvas.cursorAt ?? null);
    const r = this.ex.reply(() => this.ex.app.cursor(canvas.dataset.chart, at, dx, dy, PITCH_CSS * dpr));
    const reading = r.error ? null : r.result;
    if (!reading) {
      live.textContent = `${this.title(canvas)}: nothing to read yet.`;
      this.ex.tooltip.hidden = true;
      return;
    }
    canvas.cursorAt = { area: reading.area, col: reading.col, row: reading.row };
    // The same text again (at the edge of the data) is announced again, with a word that says so.
    live.textContent = live.textContent === reading.text ? `${reading.text} (end of the data)` : reading.text;
    const box = canvas.getBoundingClientRect();
    const x = box.left + reading.x / dpr;
    const y = box.top + reading.y / dpr;
    this.ex.showTip(reading.text, x, y, false);
    this.mark(canvas, reading.x / dpr, reading.y / dpr);
  }

  /** A small ring where the cursor stands, so sighted keyboard users see what is read. */
  mark(canvas, x, y) {
    if (!this.marker) {
      this.marker = this.make('div', { class: 'chart-cursor', 'aria-hidden': 'true' });
    }
    const parent = canvas.offsetParent ?? canvas.parentElement;
    if (this.marker.parentElement !== parent) parent.append(this.marker);
    this.marker.hidden = false;
    this.marker.style.left = `${canvas.offsetLeft + x}px`;
    this.marker.style.top = `${canvas.offsetTop + y}px`;
  }

  /** Fills a data table with the numbers the chart draws now. */
  fill(panel, title, body) {
    const r = this.ex.reply(() => this.ex.app.table(panel, MAX_ROWS));
    if (r.error) {
      body.replaceChildren(this.make('p', {}, [r.error]));
      return;
    }
    const t = r.result;
    const s = this.ex.status();
    const update = this.make('button', { type: 'button', 'data-table-update': panel }, ['Show the current values']);
    update.addEventListener('click', () => this.fill(panel, title, body));
    if (!t) {
      body.replaceChildren(this.make('p', {}, ['This chart has no data table yet: its values are read with the arrow keys on the chart, or by pointing at it.']));
      return;
    }
    // The App sends at most MAX_ROWS rows, every `every`-th of `total_rows`.
    const rows = t.rows;
    const total = t.total_rows ?? rows.length;
    const table = this.make('table');
    // Only a chart of the run is a picture of one step of it (a sweep's table is not).
    this.runPanels ??= new Set(this.ex.chapters().flatMap((c) => c.panels).filter((p) => p.of_run).map((p) => p.name));
    const when = s && this.runPanels.has(panel) ? ` at step ${s.step.toLocaleString('en')}` : '';
    table.append(this.make('caption', {}, [`${title}${when}: ${total.toLocaleString('en')} rows${t.every ? `, every ${ordinal(t.every)} shown` : ''}`]));
    const head = this.make('tr', {}, t.columns.map((c) => this.make('th', { scope: 'col' }, [c])));
    table.append(this.make('thead', {}, [head]));
    const tbody = this.make('tbody');
    const cell = (v) => (v === null ? '–' : typeof v === 'number' ? num(v) : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
    for (const row of rows) {
      const tr = this.doc.createElement('tr');
      row.forEach((v, i) => {
        const c = this.doc.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) c.scope = 'row';
        c.textContent = cell(v);
        tr.append(c);
      });
      tbody.append(tr);
    }
    table.append(tbody);
    const parts = [update];
    if (t.note) parts.push(this.make('p', { class: 'table-note' }, [t.note]));
    const wrap = this.make('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `Data table of the chart “${title}”` }, [table]);
    parts.push(wrap);
    body.replaceChildren(...parts);
  }
}
