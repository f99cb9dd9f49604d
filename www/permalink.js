// The page's state in the URL hash (the format is src/page/hash.rs; the wasm App reads and writes it).
// On load the hash is applied: preset first, then the config, the view (training up to a
// scrubbed step), the panels, embed mode and hidden controls. Every later change writes the
// hash back: replaceState (debounced) for continuous changes such as sliders and scrubbing,
// pushState for discrete ones (a preset, a dataset, a change that restarts the run), so Back and
// Forward step through them. The chapter in view (`chapter=<id>`) follows the page's scrolling and
// its chapter tabs (a `dln-chapter` event from www/page.js) in place, and a link that names a
// chapter opens scrolled to it. Anything in a link that cannot be used is listed in a dismissable
// message and the rest still applies.

import { WORK_SLICE_MS } from './loop.js';

/**
 * Controls of the page's own keys that `<key>_hide=1` hides. A config field's control is found
 * by its key, which is its `data-param` (the field table, src/config/fields.rs).
 */
const PAGE_CONTROLS = {
  t: '[data-scrub]',
  speed: '[data-speed]',
  presets: '[data-preset]',
  ill: '[data-view^="illusion."]',
  cat: '[data-view="category"]',
  proj: '[data-view="projection.kind"]',
  proj_item: '[data-view="projection.item"]',
  proj_feature: '[data-view="projection.feature"]',
};

/** Class of whatever a link hides (a control, a panel). */
const HIDDEN = 'link-hidden';

/** The width of the embed snippet's frame, in CSS pixels. */
const EMBED_WIDTH = 960;
const REPLACE_DELAY_MS = 250;
/** How long a linked chapter is held in place while the page lays out around it. */
const SETTLE_MS = 3000;
/** The longest hash the reader accepts (src/page/hash.rs). */
const MAX_HASH = 200_000;

export class Permalink {
  /**
   * Binds the page's URL hash to an explorer and applies the current hash.
   * @param {import('./explorer.js').Explorer} explorer
   * @param {typeof import('./pkg/dln_explorer.js').App} App the wasm class
   */
  static attach(explorer, App) {
    return new Permalink(explorer, App);
  }

  constructor(explorer, App) {
    this.ex = explorer;
    this.App = App;
    this.doc = explorer.root.ownerDocument;
    this.win = this.doc.defaultView;
    this.panels = null;
    this.embed = false;
    this.hide = [];
    /** The chapter in view, as the address names it (null: the first, at the top of the page). */
    this.chapter = null;
    this.applying = false;
    this.timer = null;
    this.last = null;
    this.catchUp = 0;
    /** Origins besides the parent frame that may use the postMessage API (read once, on load). */
    this.allowOrigin = [];
    const given = this.win.location.hash.replace(/^#/, '');
    // The address keeps the link as given until the page has trained up to its step: a link
    // that was used whole stays as it was (so a reload opens the same state), and one with
    // something ignored or clamped is rewritten without it once the page shows the rest.
    this.given = given;
    this.applyHash(given, { first: true });
    explorer.root.addEventListener('dln-change', (e) => this.onChange(e.detail));
    this.win.addEventListener('popstate', () => this.onNavigate());
    this.win.addEventListener('hashchange', () => this.onNavigate());
    this.win.addEventListener('dln-chapter', (e) => this.onChapter(e.detail));
    this.bindButtons();
  }

  // ----- reading -----

  onNavigate() {
    const hash = this.win.location.hash.replace(/^#/, '');
    if (hash === this.last) return;
    clearTimeout(this.timer);
    this.applyHash(hash, { first: false });
  }

  /** Applies a hash; never throws. */
  applyHash(hash, { first }) {
    let parsed;
    try {
      parsed = JSON.parse(this.App.parseHash(hash || ''));
    } catch (e) {
      this.showMessages([`the link could not be read (${e.message}); the default is shown`]);
      return;
    }
    const messages = [...parsed.messages];
    let scrub = null;
    if (first) this.allowOrigin = parsed.allow_origin ?? [];
    this.applying = true;
    try {
      if (parsed.preset && (first || parsed.preset !== this.ex.preset)) {
        // A link to a preset on the top-level page shows its panel; inside a frame that would
        // scroll the host page too.
        const err = this.ex.applyPreset(parsed.preset, { scroll: this.win.self === this.win.top });
        if (err) messages.push(`ignored preset: ${err}`);
      } else if (!parsed.preset && this.ex.preset) {
        // Leaving a preset: drop its second network and caption.
        this.ex.preset = null;
        this.ex.setTwin(null);
        const cap = this.ex.q('[data-role="caption"]');
        if (cap) cap.textContent = '';
        const sel = this.ex.q('[data-preset]');
        if (sel) sel.value = '';
      }
      const err = this.ex.setConfig(parsed.config);
      if (err) messages.push(`ignored the config: ${err}`);
      const terr = this.ex.setTwin(parsed.twin);
      if (terr) messages.push(`ignored the second network: ${terr}`);
      ({ scrub } = parsed.view);
      const { scrub: _, ...view } = parsed.view;
      const verr = this.ex.setView({ ...view, scrub: null });
      if (verr) messages.push(`ignored the view: ${verr}`);
      this.ex.syncControls();
      this.panels = parsed.panels;
      this.embed = parsed.embed;
      this.hide = parsed.hide;
      this.layout();
      const chapter = parsed.chapter ?? null;
      if (chapter && (first || chapter !== this.chapter)) this.showChapter(chapter, first);
      this.chapter = chapter;
      if (first) this.ex.notice('');
    } catch (e) {
      messages.push(`part of the link could not be applied (${e.message})`);
      scrub = null;
    } finally {
      this.applying = false;
    }
    this.messages = messages;
    this.showMessages(messages);
    this.trainTo(scrub, () => this.settled(first));
  }

  /** After a link is applied (and trained up to its step): the address and `last` follow. */
  settled(first) {
    this.last = this.hashOf();
    if (!first || !this.given) return;
    // A link used whole keeps its own words; otherwise it is rewritten without what was left out.
    if (this.messages.length) this.win.history.replaceState(this.win.history.state, '', this.url(this.last));
  }

  /**
   * Shows the panels at a linked step: trains up to it in slices of each frame sized by the cost
   * model (so the tab never freezes), with the progress shown, then scrubs there; a step the
   * run does not reach is clamped, with a message. `done` runs once the panels show the step (at once without one).
   */
  trainTo(step, done = () => {}) {
    const token = ++this.catchUp;
    if (step === null || step === undefined) {
      done();
      return;
    }
    let cancelled = false;
    const cancel = () => {
      cancelled = true;
    };
    const frame = () => {
      if (token !== this.catchUp || this.ex.dead) {
        this.ex.endWork('link');
        return;
      }
      const s = this.ex.status();
      if (!s) return;
      this.ex.updateStatus(s);
      const left = step - s.step;
      if (left > 0 && !s.finished && !s.diverged && !cancelled) {
        // As many steps as fit in a slice of the frame (the explorer's cost model), with the
        // progress in the work bar, so a large network never freezes the tab.
        const took = this.ex.stepWithin(left, WORK_SLICE_MS);
        if (took > 0) {
          const now = s.step + took;
          this.ex.showWork('link', now / step, `Training to step ${step.toLocaleString('en')} for the link: ${Math.floor((100 * now) / step)} %`, cancel);
          this.ex.dirty = true;
          requestAnimationFrame(frame);
          return;
        }
      }
      this.ex.endWork('link');
      const reached = this.ex.status()?.step ?? step;
      this.ex.afterSteps(true);
      this.applying = true;
      try {
        this.ex.setView({ scrub: Math.min(step, reached) });
      } finally {
        this.applying = false;
      }
      if (step > reached && cancelled) {
        this.messages = [...(this.messages ?? []), `t=${step}: training was cancelled at step ${reached}, so the panels show step ${reached}`];
        this.showMessages(this.messages);
      } else if (step > reached) {
        const end = this.ex.status()?.diverged ? `training diverged at step ${reached}` : `the run ends at step ${reached}`;
        this.messages = [...(this.messages ?? []), `t=${step} is past the end: ${end}, so the panels show step ${reached}`];
        this.showMessages(this.messages);
      }
      done();
    };
    frame();
  }

  /**
   * Scrolls to a linked chapter's section: at once when the page opens (as a link to an anchor
   * does), smoothly on Back and Forward unless the reader prefers reduced motion. A chapter this
   * page does not show (an embed of other panels) leaves the page where it is.
   */
  showChapter(id, first) {
    const section = this.doc.querySelector(`section[data-chapter="${CSS.escape(id)}"]`);
    if (!section || !section.checkVisibility()) return;
    const smooth = !first && !this.win.matchMedia('(prefers-reduced-motion: reduce)').matches;
    // A frame later, once the explorer has laid out its controls.
    this.win.requestAnimationFrame(() => section.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' }));
    if (!first) return;
    // When the page opens, the charts above the chapter take their sizes after this scroll; keep
    // the chapter where the link put it while the page settles, until the reader moves it.
    const RO = this.win.ResizeObserver;
    if (!RO) return;
    const keep = new RO(() => section.scrollIntoView({ block: 'start' }));
    keep.observe(this.doc.body);
    const events = ['wheel', 'touchstart', 'pointerdown', 'keydown'];
    const stop = () => {
      keep.disconnect();
      for (const e of events) this.win.removeEventListener(e, stop);
    };
    for (const e of events) this.win.addEventListener(e, stop, { passive: true });
    this.win.setTimeout(stop, SETTLE_MS);
  }

  /** The page scrolled into another chapter, or a chapter tab was used: the address follows, in
   * place (one history entry however far the page scrolls). */
  onChapter({ id, first }) {
    const chapter = first ? null : id;
    if (chapter === this.chapter) return;
    this.chapter = chapter;
    // While a link is still being applied (or trained up to its step) its address stays as given.
    if (this.applying || this.last === null) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.commit(false), REPLACE_DELAY_MS);
  }

  // ----- writing -----

  /** The hash (without '#') of what the page shows now. */
  hashOf() {
    return this.write(this.current()) ?? this.last ?? '';
  }

  /** The hash of the explorer as it is (its config, view and second network stay in wasm)
   * with the page's own parts `{panels, embed, hide, preset, allow_origin, chapter}`. */
  write(page) {
    try {
      const res = JSON.parse(this.ex.app.hash(JSON.stringify(page)));
      return res.error ? null : res.result;
    } catch {
      return null;
    }
  }

  url(hash) {
    const { pathname, search } = this.win.location;
    return `${pathname}${search}#${hash}`;
  }

  onChange(detail) {
    if (detail.kind === 'config' || detail.kind === 'preset') this.groups();
    if (this.applying) return;
    // The user's own change stops any training up to a linked step.
    if (detail.kind === 'view' || detail.kind === 'config') this.catchUp += 1;
    const discrete = detail.kind === 'preset' || detail.kind === 'reset' || detail.kind === 'twin'
      || (detail.kind === 'config' && detail.change === 'reset');
    clearTimeout(this.timer);
    if (discrete) this.commit(true);
    else this.timer = setTimeout(() => this.commit(false), REPLACE_DELAY_MS);
  }

  commit(push) {
    const hash = this.hashOf();
    if (hash === this.last) return;
    if (hash.length > MAX_HASH) {
      this.ex.notice('This state is too large for a link (a big custom dataset): save the config as JSON instead.');
      return;
    }
    const h = this.win.history;
    try {
      if (push) h.pushState(null, '', this.url(hash));
      else h.replaceState(h.state, '', this.url(hash));
      this.last = hash;
    } catch (e) {
      this.ex.notice(`The address could not be updated (${e.message}).`);
    }
  }

  /** The page's own parts of the state (the rest is the explorer's). */
  current() {
    return {
      panels: this.panels,
      embed: this.embed,
      hide: this.hide,
      preset: this.ex.preset || null,
      allow_origin: this.allowOrigin,
      chapter: this.chapter,
    };
  }

  /** The full address of the current state, or of it with changes (for the embed snippet). */
  link(changes = {}) {
    clearTimeout(this.timer);
    this.commit(false);
    const hash = this.write({ ...this.current(), ...changes }) ?? this.last;
    const { origin, pathname, search } = this.win.location;
    return `${origin}${pathname}${search}#${hash}`;
  }

  // ----- embed mode, hidden controls, chosen panels -----

  layout() {
    const root = this.ex.root;
    this.doc.documentElement.toggleAttribute('data-embed', Boolean(this.embed));
    this.embedLink();
    for (const el of root.querySelectorAll(`.${HIDDEN}`)) el.classList.remove(HIDDEN);
    for (const key of this.hide) {
      const sel = PAGE_CONTROLS[key] ?? `[data-param="${CSS.escape(key)}"]`;
      for (const el of root.querySelectorAll(sel)) {
        const box = key === 'presets' ? el.closest('fieldset') : (el.closest('label') || el);
        box.classList.add(HIDDEN);
        for (const id of (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)) {
          this.doc.getElementById(id)?.classList.add(HIDDEN);
        }
      }
    }
    this.groups();
    if (this.panels) {
      const show = new Set(this.panels);
      for (const fig of root.querySelectorAll('[data-panel]')) {
        if (!show.has(fig.dataset.panel)) fig.classList.add(HIDDEN);
      }
      for (const sec of root.querySelectorAll('section[data-chapter], section.panels')) {
        if (!sec.querySelector(`[data-panel]:not(.${HIDDEN})`)) sec.classList.add(HIDDEN);
      }
    }
    this.ex.dirty = true;
  }

  /** Hides a group of controls whose every control is hidden (by the link, or as not
   * applying to the current config); shows it again when one applies. */
  groups() {
    if (!this.hide.length) return;
    for (const fs of this.ex.root.querySelectorAll('form fieldset')) {
      if (fs.classList.contains(HIDDEN) && !fs.dataset.linkGroup) continue;
      const inputs = [...fs.querySelectorAll('input, select, textarea')];
      const hidden = (i) => {
        const box = i.closest(`.${HIDDEN}, [hidden]`);
        return box && box !== fs && fs.contains(box);
      };
      const gone = inputs.length > 0 && inputs.every(hidden);
      fs.classList.toggle(HIDDEN, gone);
      if (gone) fs.dataset.linkGroup = '1';
      else delete fs.dataset.linkGroup;
    }
  }

  /** In embed mode, a link that opens the whole page at the current state in a new tab. */
  embedLink() {
    let a = this.doc.querySelector('[data-role="open-full"]');
    if (!this.embed) {
      a?.remove();
      return;
    }
    if (a) return;
    a = this.doc.createElement('a');
    a.dataset.role = 'open-full';
    a.className = 'open-full';
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = 'Open the full explorable ↗';
    a.href = this.win.location.pathname;
    // The address is made when the link is used, so it carries the state of that moment.
    const update = () => { a.href = this.link({ embed: false, panels: null, hide: [] }); };
    a.addEventListener('click', update);
    a.addEventListener('focus', update);
    a.addEventListener('pointerenter', update);
    // Inside the page's main landmark, after the charts.
    this.ex.root.append(a);
  }

  // ----- messages -----

  showMessages(messages) {
    const old = this.doc.querySelector('[data-role="link-message"]');
    if (old) old.remove();
    if (!messages.length) return;
    const box = this.doc.createElement('div');
    box.className = 'link-message';
    box.dataset.role = 'link-message';
    box.setAttribute('role', 'alert');
    const title = this.doc.createElement('p');
    title.textContent = 'Some of this link could not be used, so the page shows the rest (or the default):';
    const list = this.doc.createElement('ul');
    for (const m of messages) {
      const li = this.doc.createElement('li');
      li.textContent = m;
      list.append(li);
    }
    const close = this.doc.createElement('button');
    close.type = 'button';
    close.className = 'link-message-close';
    close.textContent = '×';
    close.setAttribute('aria-label', 'Dismiss this message');
    close.addEventListener('click', () => box.remove());
    box.append(close, title, list);
    // In the page's message area (in the transport bar, always in view) when it has one.
    const area = this.ex.q('[data-role="message-area"]');
    if (area) area.append(box);
    else this.ex.root.before(box);
  }

  // ----- share buttons -----

  bindButtons() {
    const copy = this.ex.q('[data-share="copy"]');
    copy?.addEventListener('click', () => {
      const link = this.link();
      if (link.length > MAX_HASH) this.ex.notice('This state is too large for a link (a big custom dataset): save the config as JSON instead.');
      else this.copy(link, 'Link copied to the clipboard.');
    });
    this.ex.q('[data-share="embed"]')?.addEventListener('click', () => this.openEmbed());
  }

  /** Copies text; when the clipboard is not available, shows it to copy by hand. */
  async copy(text, done, field = null) {
    try {
      await this.win.navigator.clipboard.writeText(text);
      this.ex.notice(done);
    } catch {
      if (field) {
        field.focus();
        field.select();
      }
      this.ex.notice(field ? 'Press Ctrl+C (⌘C) to copy the selected text.' : `Copy this link: ${text}`);
    }
  }

  openEmbed() {
    let dlg = this.doc.querySelector('dialog[data-role="embed"]');
    if (!dlg) dlg = this.buildEmbed();
    const boxes = [...dlg.querySelectorAll('input[type="checkbox"]')];
    for (const b of boxes) b.checked = !this.panels || this.panels.includes(b.value);
    this.updateSnippet(dlg);
    dlg.showModal();
  }

  buildEmbed() {
    const d = this.doc;
    const el = (tag, props = {}, ...kids) => {
      const e = d.createElement(tag);
      Object.assign(e, props);
      e.append(...kids);
      return e;
    };
    const dlg = el('dialog', { className: 'embed-dialog' });
    dlg.dataset.role = 'embed';
    dlg.setAttribute('aria-labelledby', 'embed-title');
    const form = el('form', { method: 'dialog' });
    form.append(el('h2', { id: 'embed-title', textContent: 'Embed this explorable' }));
    form.append(el('p', { className: 'help', textContent: 'Paste the snippet into a web page. It opens the current state without the page header, footer and presets; choose the charts it shows.' }));
    const set = el('fieldset', {}, el('legend', { textContent: 'Charts' }));
    for (const fig of this.ex.root.querySelectorAll('figure[data-panel]')) {
      const name = fig.dataset.panel;
      const title = fig.querySelector('h2')?.textContent.trim() || name;
      const box = el('input', { type: 'checkbox', value: name, checked: true });
      box.addEventListener('change', () => this.updateSnippet(dlg));
      set.append(el('label', { className: 'check' }, box, ` ${title}`));
    }
    form.append(set);
    const text = el('textarea', { readOnly: true, rows: 4, spellcheck: false });
    text.dataset.role = 'embed-snippet';
    text.setAttribute('aria-label', 'Embed snippet');
    form.append(text);
    const copy = el('button', { type: 'button', textContent: 'Copy snippet' });
    copy.addEventListener('click', () => this.copy(text.value, 'Snippet copied to the clipboard.', text));
    const close = el('button', { type: 'submit', textContent: 'Close' });
    form.append(el('div', { className: 'buttons' }, copy, close));
    dlg.append(form);
    dlg.addEventListener('close', () => this.dropEmbedFrame());
    d.body.append(dlg);
    return dlg;
  }

  updateSnippet(dlg) {
    const all = [...dlg.querySelectorAll('input[type="checkbox"]')];
    const chosen = all.filter((b) => b.checked).map((b) => b.value);
    const panels = chosen.length === all.length ? null : chosen;
    const src = this.link({ embed: true, panels, chapter: null });
    const rows = Math.max(1, Math.ceil((panels ? panels.length : all.length) / 2));
    const guess = Math.min(1400, 160 + rows * 420);
    const attr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const box = dlg.querySelector('[data-role="embed-snippet"]');
    const write = (height) => {
      box.value = `<iframe src="${attr(src)}" width="${EMBED_WIDTH}" height="${height}" style="border: 0" title="Deep linear network explorable" loading="lazy"></iframe>`;
      dlg.dataset.height = String(height);
    };
    write(guess);
    // The height the embedded page really has at that width: it is opened in a hidden frame
    // and measured once it has drawn, so the frame never scrolls inside itself.
    this.measureEmbed(src).then((h) => { if (h && box.dataset.src === src) write(h); });
    box.dataset.src = src;
    dlg.dataset.measured = 'pending';
  }

  /**
   * The content height of the page at `src` in a frame EMBED_WIDTH px wide (null on failure). One
   * hidden frame is kept while the dialog is open: it loads the page once, and each later choice
   * of charts only changes its address's hash, which the page there follows.
   */
  measureEmbed(src) {
    const token = (this.measureToken = (this.measureToken ?? 0) + 1);
    if (!this.embedFrame) {
      const frame = this.doc.createElement('iframe');
      frame.setAttribute('aria-hidden', 'true');
      frame.tabIndex = -1;
      frame.title = 'measuring the embedded page';
      frame.style.cssText = `position: fixed; left: -20000px; top: 0; width: ${EMBED_WIDTH}px; height: 400px; border: 0; visibility: hidden;`;
      const ready = new Promise((resolve) => {
        frame.addEventListener('load', () => {
          try {
            const win = frame.contentWindow;
            if (win.dln) resolve(win);
            else win.addEventListener('dln-ready', () => resolve(win), { once: true });
          } catch {
            resolve(null);
          }
        }, { once: true });
      });
      frame.src = src;
      this.doc.body.append(frame);
      this.embedFrame = { frame, ready };
    }
    const mark = (h) => {
      const dlg = this.doc.querySelector('dialog[data-role="embed"]');
      if (dlg && token === this.measureToken) dlg.dataset.measured = h ? 'yes' : 'no';
      return token === this.measureToken ? h : null;
    };
    return this.embedFrame.ready.then((win) => new Promise((resolve) => {
      if (!win || token !== this.measureToken) {
        resolve(null);
        return;
      }
      const hash = new URL(src).hash;
      if (win.location.hash !== hash) win.location.hash = hash;
      // Two frames after the hash is read, the page there has laid out its charts.
      const measure = () => win.requestAnimationFrame(() => win.requestAnimationFrame(() => {
        resolve(Math.ceil(win.document.documentElement.scrollHeight) + 2);
      }));
      win.setTimeout(measure, 0);
    })).then(mark, () => mark(null));
  }

  /** Drops the measuring frame (when the dialog closes). */
  dropEmbedFrame() {
    const f = this.embedFrame;
    this.embedFrame = null;
    this.measureToken = (this.measureToken ?? 0) + 1;
    // Once it has loaded, so no request of it is cut off.
    f?.ready.then(() => f.frame.remove());
  }
}
