// The benchmark page: runs the cases in a worker and fills in the table. When a run finishes,
// `window.benchResults` holds the figures and a `dln-bench-done` event fires on window (the
// headless runner tests/browser/bench.mjs waits for it); a failure sets `window.benchError`.
const $ = (role) => document.querySelector(`[data-role="${role}"]`);
const body = $('table').querySelector('tbody');
const rows = new Map();

function grouped(x) {
  return Math.round(x).toLocaleString('en-US');
}

function setStatus(text) {
  $('status').textContent = text;
}

function fail(message) {
  window.benchError = message;
  $('error').textContent = message;
  $('error').hidden = false;
  setStatus('');
  $('run').disabled = false;
  window.dispatchEvent(new CustomEvent('dln-bench-done', { detail: { error: message } }));
}

/** The seconds per case from the field (0.1 to 60), or null after saying what is wrong. */
function seconds() {
  const v = Number($('seconds').value);
  if (!Number.isFinite(v) || v < 0.1 || v > 60) {
    fail('Seconds per case: must be a number from 0.1 to 60.');
    return null;
  }
  return v;
}

function row(c) {
  const tr = document.createElement('tr');
  for (const text of [c.name, c.network, '…', '', '', '']) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  body.append(tr);
  rows.set(c.name, tr);
}

function run(secs) {
  window.benchResults = null;
  window.benchError = null;
  $('error').hidden = true;
  $('run').disabled = true;
  body.replaceChildren();
  rows.clear();
  setStatus('Starting…');
  const worker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
  worker.onerror = (e) => {
    worker.terminate();
    fail(`The benchmark could not run: ${e.message || 'the worker failed to start'}.`);
  };
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.cases) {
      m.cases.forEach(row);
      setStatus(`Timing ${m.cases[0].name}…`);
    } else if (m.figure) {
      const f = m.figure;
      const cells = rows.get(f.case).children;
      cells[2].textContent = grouped(f.best);
      cells[3].textContent = grouped(f.steps_per_second);
      cells[4].textContent = grouped(f.steps);
      cells[5].textContent = f.seconds.toFixed(2);
      const next = [...rows.keys()][[...rows.keys()].indexOf(f.case) + 1];
      setStatus(next ? `Timing ${next}…` : 'Finishing…');
    } else if (m.done) {
      worker.terminate();
      window.benchResults = m.done;
      setStatus(`Done: ${m.done.length} cases in this browser (${navigator.userAgent.match(/Chrom\w+\/[\d.]+/)?.[0] ?? 'WebAssembly'}).`);
      $('run').disabled = false;
      window.dispatchEvent(new CustomEvent('dln-bench-done', { detail: m.done }));
    } else if (m.error) {
      worker.terminate();
      fail(`The benchmark stopped: ${m.error}`);
    }
  };
  worker.postMessage({ seconds: secs });
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const s = seconds();
  if (s !== null) run(s);
});

// ?seconds=S in the address sets the field; the page starts a run on load.
const asked = new URLSearchParams(location.search).get('seconds');
if (asked !== null) $('seconds').value = asked;
const s = seconds();
if (s !== null) run(s);
