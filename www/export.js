// Export and import: every chart as PNG (the canvas) or SVG (the same chart code drawn through
// an SVG backend), the config as JSON (and loading one back, from a file chooser or dropped on
// the page), and the recorded run as CSV or JSON in the shape `dln run` writes.

/** Saves text or a blob as a file through an object URL and a temporary <a download>. */
export function download(doc, name, data, type) {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  doc.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The largest config file read (a custom matrix of 2^20 numbers, the most a dataset holds, fits). */
const MAX_CONFIG_BYTES = 20_000_000;

export class Exporter {
  /** Adds the export buttons inside the explorer's root. */
  static attach(explorer) {
    return new Exporter(explorer);
  }

  constructor(explorer) {
    this.ex = explorer;
    this.doc = explorer.root.ownerDocument;
    for (const canvas of explorer.root.querySelectorAll('figure canvas[data-chart]')) {
      this.addToolbar(canvas);
    }
    const on = (what, fn) => explorer.q(`[data-export="${what}"]`)?.addEventListener('click', fn);
    on('config', () => this.saveConfig());
    on('run-csv', () => this.saveRun('csv'));
    on('run-json', () => this.saveRun('json'));
    const file = explorer.q('[data-export="config-file"]');
    on('load-config', () => file?.click());
    file?.addEventListener('change', () => {
      if (file.files[0]) this.loadConfigFile(file.files[0]);
      file.value = '';
    });
    // A file dropped anywhere on the page: a .json file is read as a config, a CSV file as a
    // dataset (by the dataset editor).
    const hasFile = (e) => [...(e.dataTransfer?.items || [])].some((i) => i.kind === 'file');
    this.doc.addEventListener('dragover', (e) => {
      if (hasFile(e)) e.preventDefault();
    });
    this.doc.addEventListener('drop', (e) => {
      const f = e.dataTransfer?.files?.[0];
      if (!f) return;
      e.preventDefault();
      if (/\.json$/i.test(f.name) || /json/.test(f.type)) this.loadConfigFile(f);
      else if (/\.(csv|tsv|txt)$/i.test(f.name) && this.ex.editor) this.ex.editor.load(f);
      else this.ex.showError(`${f.name}: drop a config (.json) or a dataset (.csv) file.`);
    });
  }

  stem() {
    const s = this.ex.status();
    return s ? `dln-step${s.step}` : 'dln';
  }

  addToolbar(canvas) {
    const panel = canvas.dataset.chart;
    const fig = canvas.closest('figure');
    const title = fig.querySelector('h2')?.textContent.trim() || panel;
    const bar = this.doc.createElement('div');
    bar.className = 'panel-export';
    bar.dataset.chrome = '';
    for (const kind of ['PNG', 'SVG']) {
      const b = this.doc.createElement('button');
      b.type = 'button';
      b.textContent = kind;
      b.dataset.exportPanel = `${panel}.${kind.toLowerCase()}`;
      b.setAttribute('aria-label', `Download the chart “${title}” as ${kind}`);
      b.title = `Download as ${kind}`;
      b.addEventListener('click', () => (kind === 'PNG' ? this.savePng(canvas) : this.saveSvg(canvas)));
      bar.append(b);
    }
    fig.append(bar);
  }

  /** The chart as PNG: the canvas drawn afresh at its on-screen size. */
  savePng(canvas) {
    const panel = canvas.dataset.chart;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * dpr);
    const h = Math.round(canvas.clientHeight * dpr);
    if (w < 2 || h < 2) {
      this.ex.showError(`The chart “${panel}” is not on the page, so it cannot be saved as PNG; try SVG.`);
      return;
    }
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    this.ex.drawCanvas(canvas, dpr, true);
    canvas.toBlob((blob) => {
      if (blob) download(this.doc, `${this.stem()}-${panel}.png`, blob);
      else this.ex.showError(`The chart “${panel}” could not be saved as PNG.`);
    }, 'image/png');
  }

  /** The chart as SVG, drawn by the same chart code at the canvas's CSS size. */
  saveSvg(canvas) {
    const panel = canvas.dataset.chart;
    const w = Math.max(320, Math.round(canvas.clientWidth || 640));
    const h = Math.max(240, Math.round(canvas.clientHeight || 400));
    const svg = this.ex.svg(panel, w, h);
    if (!svg) {
      this.ex.showError(`The chart “${panel}” could not be saved as SVG.`);
      return;
    }
    download(this.doc, `${this.stem()}-${panel}.svg`, svg, 'image/svg+xml');
  }

  saveConfig() {
    const cfg = this.ex.config();
    if (cfg) download(this.doc, 'dln-config.json', `${JSON.stringify(cfg, null, 2)}\n`, 'application/json');
  }

  saveRun(format) {
    const text = this.ex.reply(() => this.ex.app.exportRun(format)).result;
    if (text === null) return;
    const type = format === 'csv' ? 'text/csv' : 'application/json';
    download(this.doc, `${this.stem()}.${format}`, text, type);
  }

  /** Reads a config file; a bad one leaves the config as it was and says which field is wrong. */
  async loadConfigFile(file) {
    if (file.size > MAX_CONFIG_BYTES) {
      this.ex.showError(`${file.name}: larger than 20 MB; the config is unchanged.`);
      return;
    }
    let text;
    try {
      text = await file.text();
    } catch (e) {
      this.ex.showError(`${file.name}: could not be read (${e.message}); the config is unchanged.`);
      return;
    }
    const err = this.importConfig(text);
    if (err) this.ex.showError(`${file.name}: ${err}; the config is unchanged.`);
    else this.ex.notice(`Loaded the config from ${file.name}.`);
  }

  /** Applies a config given as JSON text; returns null or a message naming the field. */
  importConfig(text) {
    let v;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return `not valid JSON (${e.message})`;
    }
    // The output of `dln run` (or Export run JSON) carries its config.
    if (v && typeof v === 'object' && !Array.isArray(v) && v.config && 'loss' in v) v = v.config;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'config: must be a JSON object such as {"train": {"lr": 0.01}}';
    return this.ex.setConfig(v);
  }
}
