// Long work off the page's thread: a second wasm App that runs one chapter's sweep to the end
// and reports its state as it goes (www/offload.js sends the jobs and hands the states to the
// page's own App, which draws them).
//
// A job is {job, config, setup, step, stepArgs, state, stateArgs}:
//   config  the page's config as JSON (the App is built from it, so the sweep sees the same run);
//   setup   [[call, args], ...] made first, e.g. [['sweepStart', []]];
//   step    the call that advances the work by n units (its arguments: stepArgs, then n), or
//           null for App.work(n);
//   state   the call (with stateArgs) that reads the work's state, after every slice; its
//           `status` is 'running' until the end.
//   numbers instead of step and state, one call answering numbers (App.callNumbers, such as a
//           sample's spectrum): the job ends with its JSON answer as the state and its numbers
//           as a Float64Array, handed over without a copy.
// The worker answers {job, state} about every REPORT_MS, and {job, state, end: true} at the end
// (with `numbers` for a numbers job), or {job, error} (with `refused: true` when a call refused
// its arguments, as the page's own App would). {cancel: job} stops that job at its next slice.
import init, { App } from './pkg/dln_explorer.js';

/** Milliseconds of work between looks at the message queue (how soon a cancel is seen). */
const SLICE_MS = 40;
/** Milliseconds between the states sent while a job runs. */
const REPORT_MS = 150;

const ready = init();
/** The jobs not cancelled; several run side by side, taking turns between slices. */
const live = new Set();

const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A call's refusal of its arguments (not a failure of the worker). */
class Refusal extends Error {}

function answer(reply) {
  if (reply.error) throw new Refusal(reply.error);
  return reply.result;
}

function ask(app, name, args) {
  return answer(JSON.parse(app.call(name, JSON.stringify(args))));
}

async function run(msg) {
  const { job, config, setup = [], step = null, stepArgs = [], state, stateArgs = [], numbers = null } = msg;
  await ready;
  const app = new App(config);
  try {
    for (const [name, args] of setup) ask(app, name, args);
    if (numbers) {
      const result = answer(JSON.parse(app.callNumbers(numbers, '[]', new Float64Array(0))));
      const out = app.takeNumbers();
      if (live.has(job)) self.postMessage({ job, state: result, numbers: out, end: true }, [out.buffer]);
      return;
    }
    let units = 1;
    let msPerUnit = null;
    let reported = performance.now();
    for (;;) {
      if (!live.has(job)) return;
      const t0 = performance.now();
      while (performance.now() - t0 < SLICE_MS) {
        const t = performance.now();
        if (step) ask(app, step, [...stepArgs, units]);
        else app.work(units);
        const dt = performance.now() - t;
        if (dt > 0.5) msPerUnit = dt / units;
        units = msPerUnit ? Math.max(1, Math.min(1e7, Math.floor(SLICE_MS / 4 / msPerUnit))) : units * 2;
      }
      const now = ask(app, state, stateArgs);
      if (now?.status !== 'running') {
        self.postMessage({ job, state: now, end: true });
        return;
      }
      if (performance.now() - reported >= REPORT_MS) {
        self.postMessage({ job, state: now });
        reported = performance.now();
      }
      await yieldToMessages();
    }
  } finally {
    live.delete(job);
    app.free();
  }
}

self.onmessage = (e) => {
  const msg = e.data;
  if (msg.cancel !== undefined) {
    live.delete(msg.cancel);
    return;
  }
  live.add(msg.job);
  run(msg).catch((err) => self.postMessage({
    job: msg.job,
    error: String(err && err.message ? err.message : err),
    refused: err instanceof Refusal,
  }));
};
