// The page around the explorer: the chapter navigation (built from the page's
// `<section data-chapter>` blocks, so a new chapter is one more such block), the transport bar's
// height (kept as --bar-h, so focus and scrolling stop below the bar), the "Start here" callout,
// presenter mode (a panel or a chapter full screen) and the guided tour of each chapter. The
// chapter in view is announced as a `dln-chapter` event on window ({id, first}), which the
// address follows (`#chapter=<id>`, www/permalink.js).

import { TOURS } from './tours.js';

const doc = document;
const root = doc.documentElement;
const reduceMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const scrollBehavior = () => (reduceMotion() ? 'auto' : 'smooth');

/** The chapters in page order: {id, title, section}. */
export function chapters() {
  return [...doc.querySelectorAll('section[data-chapter]')].map((section) => ({
    id: section.dataset.chapter,
    title: section.querySelector('h2')?.textContent.trim() || section.dataset.chapter,
    section,
  }));
}

function make(tag, props = {}, children = []) {
  const el = doc.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

// ----- the transport bar's height -----

function trackBar() {
  const bar = doc.querySelector('[data-transport]');
  if (!bar) return;
  const set = () => root.style.setProperty('--bar-h', `${Math.ceil(bar.getBoundingClientRect().height)}px`);
  new ResizeObserver(set).observe(bar);
  set();
}

// ----- chapter navigation -----

function buildNav() {
  const nav = doc.querySelector('[data-role="chapter-nav"]');
  const list = chapters();
  if (!nav || list.length < 2) return;
  const links = new Map();
  for (const { id, title, section } of list) {
    const a = make('a', { href: `#chapter=${id}`, 'data-chapter-link': id, text: title });
    a.addEventListener('click', (e) => {
      e.preventDefault();
      section.scrollIntoView({ block: 'start', behavior: scrollBehavior() });
      const target = section.querySelector('h2');
      if (target) {
        target.tabIndex = -1;
        target.focus({ preventScroll: true });
      }
      mark(id);
    });
    links.set(id, a);
    nav.append(a);
  }
  const mark = (id) => {
    if (root.dataset.currentChapter === id) return;
    for (const [k, a] of links) {
      if (k === id) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
    root.dataset.currentChapter = id;
    // The address names the chapter (www/permalink.js writes it; the first chapter is the top
    // of the page, which a link need not name).
    window.dispatchEvent(new CustomEvent('dln-chapter', { detail: { id, first: id === list[0].id } }));
    // On a narrow screen the tabs scroll sideways: keep the current one in view.
    const a = links.get(id);
    if (a && nav.scrollWidth > nav.clientWidth) {
      const left = a.offsetLeft - nav.offsetLeft;
      if (left < nav.scrollLeft || left + a.offsetWidth > nav.scrollLeft + nav.clientWidth) nav.scrollLeft = left - 8;
    }
  };
  // The current chapter is the last one whose top has passed a line a third of the way down
  // the view below the bar (measured once per frame while scrolling).
  let queued = false;
  const update = () => {
    queued = false;
    const bar = parseFloat(getComputedStyle(root).getPropertyValue('--bar-h')) || 0;
    const line = bar + (window.innerHeight - bar) / 3;
    let current = list[0];
    for (const c of list) {
      if (c.section.checkVisibility() && c.section.getBoundingClientRect().top <= line) current = c;
    }
    mark(current.id);
  };
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(update);
  };
  window.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', schedule);
  update();
}

// ----- "Start here" -----

function startHere() {
  const bar = doc.querySelector('[data-transport]');
  const play = bar?.querySelector('[data-action="play"]');
  if (!play) return;
  const seen = () => root.classList.add('played');
  new MutationObserver(() => { if (play.getAttribute('aria-pressed') === 'true') seen(); })
    .observe(play, { attributes: true, attributeFilter: ['aria-pressed'] });
  bar.querySelector('[data-action="step"]')?.addEventListener('click', seen);
  // "Follow the run" is offered only while the charts show an earlier step.
  const out = bar.querySelector('[data-show="scrub"]');
  if (out) {
    const follow = () => bar.toggleAttribute('data-following', /following/.test(out.textContent));
    new MutationObserver(follow).observe(out, { childList: true, characterData: true, subtree: true });
    follow();
  }
}

// ----- presenter mode -----

function fullscreen(el) {
  if (doc.fullscreenElement === el) doc.exitFullscreen?.();
  else el.requestFullscreen?.().catch(() => {});
}

function presenterButtons() {
  for (const fig of doc.querySelectorAll('figure.panel[data-panel]')) {
    const bar = fig.querySelector('.panel-export');
    if (!bar || bar.querySelector('[data-present]')) continue;
    const title = fig.querySelector('h2')?.textContent.trim() || fig.dataset.panel;
    const b = make('button', { type: 'button', 'data-present': fig.dataset.panel, title: 'Full screen, for a projector (Esc to leave)', 'aria-label': `Show the chart “${title}” full screen` }, ['Full screen']);
    b.addEventListener('click', () => fullscreen(fig));
    bar.append(b);
  }
}

// ----- chapter tools: the tour and presenting a chapter -----

function chapterTools(tour) {
  for (const { id, title, section } of chapters()) {
    const head = section.querySelector('.chapter-head');
    if (!head || head.querySelector('.chapter-tools')) continue;
    const tools = make('div', { class: 'chapter-tools' });
    if (TOURS[id]) {
      const b = make('button', { type: 'button', 'data-tour-start': id }, [tour.label(id)]);
      b.addEventListener('click', () => tour.open(id));
      tools.append(b);
    }
    const p = make('button', { type: 'button', 'data-present-chapter': id, 'aria-label': `Present the chapter “${title}” full screen` }, ['Present']);
    p.addEventListener('click', () => fullscreen(section));
    tools.append(p);
    head.append(tools);
  }
}

// ----- the guided tour -----

const STORE = 'dln-tour:';

function store(id, value) {
  try {
    if (value === undefined) return window.localStorage.getItem(STORE + id);
    window.localStorage.setItem(STORE + id, value);
  } catch {
    // Storage refused (private mode, a sandboxed frame): the tour simply is not remembered.
  }
  return null;
}

class Tour {
  constructor() {
    this.card = null;
    this.id = null;
    this.i = 0;
    this.target = null;
    this.returnFocus = null;
  }

  /** The tour button's text: whether this chapter's tour was finished. */
  label(id) {
    return store(id) === 'done' ? 'Tour again' : 'Take the tour';
  }

  open(id, i = null) {
    const steps = TOURS[id];
    if (!steps) return false;
    this.returnFocus ??= doc.activeElement;
    this.id = id;
    const saved = Number(store(id));
    this.i = i ?? (Number.isInteger(saved) && saved > 0 && saved < steps.length ? saved : 0);
    this.render();
    return true;
  }

  render() {
    const steps = TOURS[this.id];
    const step = steps[this.i];
    const chapter = chapters().find((c) => c.id === this.id);
    if (!this.card) {
      this.card = make('div', { class: 'tour-card', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'tour-title', 'data-role': 'tour' });
      this.card.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') { e.preventDefault(); this.close(); }
        else if (e.key === 'ArrowRight' && !e.target.matches('input, select, textarea')) this.go(1);
        else if (e.key === 'ArrowLeft' && !e.target.matches('input, select, textarea')) this.go(-1);
      });
      doc.body.append(this.card);
    }
    const last = this.i === steps.length - 1;
    const back = make('button', { type: 'button', 'data-tour': 'back' }, ['Back']);
    back.disabled = this.i === 0;
    back.addEventListener('click', () => this.go(-1));
    const next = make('button', { type: 'button', class: 'primary', 'data-tour': 'next' }, [last ? 'Done' : 'Next']);
    next.addEventListener('click', () => (last ? this.close(true) : this.go(1)));
    const close = make('button', { type: 'button', 'data-tour': 'close', 'aria-label': 'Close the tour' }, ['Close']);
    close.addEventListener('click', () => this.close());
    this.card.replaceChildren(
      make('h2', { id: 'tour-title' }, [`${chapter?.title ?? this.id}: ${step.title}`]),
      make('p', {}, [make('b', { text: 'Press: ' }), step.press]),
      make('p', {}, [make('b', { text: 'Watch: ' }), step.watch]),
      make('p', {}, [make('b', { text: 'Why: ' }), step.takeaway, ' ', make('span', { class: 'tour-eq', text: step.eq })]),
      make('div', { class: 'tour-nav' }, [make('span', { class: 'tour-count', text: `Step ${this.i + 1} of ${steps.length}` }), back, next, close]),
    );
    this.highlight(step.target);
    store(this.id, String(this.i));
    next.focus({ preventScroll: true });
  }

  highlight(sel) {
    this.target?.classList.remove('tour-target');
    this.target = sel ? doc.querySelector(sel) : null;
    if (!this.target) return;
    this.target.classList.add('tour-target');
    const bar = doc.querySelector('[data-transport]');
    if (bar?.contains(this.target)) return;
    // Into view inside any scrolling column first, then the page scrolled so the target sits in
    // the middle of the room between the bar and the card (on a phone the card takes the lower
    // part of the screen, where a centred target would be hidden).
    this.target.scrollIntoView({ block: 'nearest', behavior: 'instant' });
    const r = this.target.getBoundingClientRect();
    const top = bar ? bar.getBoundingClientRect().bottom : 0;
    const bottom = this.card ? this.card.getBoundingClientRect().top : window.innerHeight;
    const room = bottom - top;
    const want = r.height <= room - 16 ? top + (room - r.height) / 2 : top + 8;
    window.scrollBy({ top: r.top - want, behavior: 'instant' });
    // A target that would fit beside the card but cannot be moved clear of it (in a sticky
    // column, or at the end of the page) gets the card at the top of the screen instead; a
    // target taller than the room shows its top part above the card.
    const t = this.target.getBoundingClientRect();
    const c = this.card?.getBoundingClientRect();
    const covered = c && r.height <= room - 16 && t.bottom > c.top && t.top < c.bottom && t.right > c.left && t.left < c.right;
    this.card?.classList.toggle('at-top', Boolean(covered));
    if (covered) this.card.style.top = `${Math.round(top + 8)}px`;
    else this.card?.style.removeProperty('top');
  }

  go(d) {
    const n = TOURS[this.id].length;
    this.i = Math.max(0, Math.min(n - 1, this.i + d));
    this.render();
  }

  close(finished = false) {
    if (finished || store(this.id) !== null) store(this.id, 'done');
    this.target?.classList.remove('tour-target');
    this.target = null;
    this.card?.remove();
    this.card = null;
    const btn = doc.querySelector(`[data-tour-start="${this.id}"]`);
    if (btn) btn.textContent = this.label(this.id);
    const back = this.returnFocus;
    this.returnFocus = null;
    if (back && back.isConnected && back !== doc.body) back.focus({ preventScroll: true });
  }
}

// A link `#tour=<chapter>` opens that chapter's tour. The key is taken out of the address before
// the explorer reads it (this module runs while the simulation is still loading), so the rest of
// the link opens as usual.
function tourFromHash() {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) return null;
  const parts = hash.split('&');
  const i = parts.findIndex((p) => p.startsWith('tour='));
  if (i < 0) return null;
  const id = decodeURIComponent(parts[i].slice(5));
  parts.splice(i, 1);
  const { pathname, search } = window.location;
  window.history.replaceState(window.history.state, '', `${pathname}${search}${parts.length ? `#${parts.join('&')}` : ''}`);
  return id;
}

const pendingTour = tourFromHash();
const tour = new Tour();
trackBar();
buildNav();
startHere();
chapterTools(tour);

window.addEventListener('dln-ready', () => {
  presenterButtons();
  if (pendingTour && !tour.open(pendingTour)) {
    const area = doc.querySelector('[data-role="notice"]');
    if (area) area.textContent = `There is no tour “${pendingTour}”: tours are ${Object.keys(TOURS).join(', ')}.`;
  }
});

export { tour };
