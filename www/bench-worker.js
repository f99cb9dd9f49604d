// The benchmark's worker: loads the wasm and times the cases it is sent, one message per case,
// so the page stays responsive while a case runs.
import init, { benchCase, benchCases } from './pkg/dln_explorer.js';

const ready = init();

self.onmessage = async (e) => {
  const { seconds } = e.data;
  try {
    await ready;
    const cases = JSON.parse(benchCases());
    self.postMessage({ cases });
    const figures = [];
    for (const c of cases) {
      const reply = JSON.parse(benchCase(c.name, seconds, () => performance.now()));
      const figure = reply.result ?? reply;
      if (figure.error) throw new Error(figure.error);
      figures.push(figure);
      self.postMessage({ figure });
    }
    self.postMessage({ done: figures });
  } catch (err) {
    self.postMessage({ error: String(err && err.message ? err.message : err) });
  }
};
