// Long work shown in one place: a job that takes more than a frame (a `step(n)` of many steps,
// the second network catching up, training to a link's step) runs a slice a frame and shows
// its progress here, under the transport, as a bar, a sentence of what it is doing and a
// Cancel button. The jobs drive themselves; this only shows the newest one.

/**
 * The work-bar methods, mixed into Explorer's prototype.
 * @type {ThisType<import('./explorer.js').Explorer>}
 */
export const work = {
  /** Shows (or updates) job `id`: the fraction done, what it is doing, and what Cancel does. */
  showWork(id, fraction, text, cancel) {
    this.jobs ??= new Map();
    this.jobs.delete(id);
    this.jobs.set(id, { fraction, text, cancel });
    this.drawWork();
  },

  /** Job `id` is over (done or cancelled): the bar shows the one before it, or hides. */
  endWork(id) {
    if (this.jobs?.delete(id)) this.drawWork();
  },

  /** Cancels job `id`, as its Cancel button does. */
  cancelWork(id) {
    const job = this.jobs?.get(id);
    if (!job) return false;
    this.jobs.delete(id);
    job.cancel?.();
    this.drawWork();
    return true;
  },

  drawWork() {
    const bar = this.workBar();
    if (!bar) return;
    const last = [...this.jobs.entries()].pop();
    bar.hidden = !last;
    if (!last) return;
    const [id, job] = last;
    bar.dataset.job = id;
    const f = Math.min(1, Math.max(0, job.fraction));
    const progress = bar.querySelector('progress');
    progress.value = f;
    progress.setAttribute('aria-valuetext', `${Math.floor(100 * f)} %`);
    bar.querySelector('[data-role="work-text"]').textContent = job.text;
    bar.querySelector('button').hidden = !job.cancel;
  },

  /** The bar, made once beside the notices (on the page and in the element alike). */
  workBar() {
    if (this.workEl) return this.workEl;
    const notice = this.q('[data-role="notice"]');
    if (!notice) return null;
    const doc = this.root.ownerDocument;
    const bar = doc.createElement('div');
    bar.className = 'work';
    bar.dataset.role = 'work';
    bar.hidden = true;
    const progress = doc.createElement('progress');
    progress.max = 1;
    progress.setAttribute('aria-label', 'Progress');
    const text = doc.createElement('span');
    text.dataset.role = 'work-text';
    const cancel = doc.createElement('button');
    cancel.type = 'button';
    cancel.className = 'link';
    cancel.textContent = 'Cancel';
    cancel.addEventListener('click', () => this.cancelWork(bar.dataset.job));
    bar.append(progress, ' ', text, ' ', cancel);
    notice.before(bar);
    this.workEl = bar;
    return bar;
  },
};
