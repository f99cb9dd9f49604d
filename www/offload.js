// Sends long work (a chapter's sweep, a large sample's decomposition) to www/worker.js, a second
// wasm App on its own thread, so the page keeps drawing at full rate while it runs. One worker
// serves the page; a new job replaces the one before in its lane (the sweeps share one lane, so
// a new sweep replaces the last; a decomposition has its own and runs beside a sweep). Where no worker can start (the single-file build opened from disk),
// `available` is false and the chapter runs the work between frames itself.

let worker = null;
let failed = false;
let nextJob = 1;
const jobs = new Map();

function ensureWorker() {
  if (worker || failed) return worker;
  try {
    // The single-file build has no worker: it turns this URL into an empty data: URL.
    const url = new URL('./worker.js', import.meta.url);
    if (typeof Worker === 'undefined' || !url.protocol.startsWith('http')) throw new Error('no worker here');
    worker = new Worker(url, { type: 'module' });
  } catch {
    failed = true;
    return null;
  }
  worker.onmessage = (e) => {
    const { job, state, end, error, refused, numbers } = e.data;
    const j = jobs.get(job);
    if (!j) return;
    if (error !== undefined) {
      jobs.delete(job);
      j.onError(error, Boolean(refused));
    } else {
      if (end) jobs.delete(job);
      j.onState(state, Boolean(end), numbers);
    }
  };
  worker.onerror = (e) => {
    // A worker that cannot load (or dies) fails every job it holds; later jobs run on the page.
    e.preventDefault?.();
    failed = true;
    worker = null;
    for (const [id, j] of jobs) {
      jobs.delete(id);
      j.onError(e.message || 'the worker stopped');
    }
  };
  return worker;
}

/** Whether long work can go to a worker on this page. */
export function offloadAvailable() {
  return Boolean(ensureWorker());
}

/**
 * Starts a job (see www/worker.js for its fields) and answers its id, or null without a worker.
 * `onState(state, end, numbers)` gets each state the worker reports (and a numbers job's
 * Float64Array); `onError(message, refused)` a failure, `refused` when a call refused its
 * arguments rather than the worker failing.
 */
export function offload({ config, setup, step = null, stepArgs = [], state, stateArgs = [], numbers = null, lane = 'sweep', onState, onError }) {
  const w = ensureWorker();
  if (!w) return null;
  for (const [id, j] of jobs) if (j.lane === lane) cancelOffload(id);
  const job = nextJob++;
  jobs.set(job, { onState, onError, lane });
  w.postMessage({ job, config, setup, step, stepArgs, state, stateArgs, numbers });
  return job;
}

/** Stops a job; no more of its states arrive. */
export function cancelOffload(job) {
  if (!jobs.delete(job)) return;
  worker?.postMessage({ cancel: job });
}
