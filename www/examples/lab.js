// Drives the framed page through its postMessage API (see docs/embed.md) and shows its state.
const frame = document.querySelector('iframe');
const readout = document.querySelector('[data-role="frame-state"]');
let nextId = 1;
const waiting = new Map();

/** Sends one call to the frame; resolves to its reply ({result} or {error}). */
function call(name, ...args) {
  const id = nextId++;
  return new Promise((ok) => {
    waiting.set(id, ok);
    frame.contentWindow.postMessage({ dln: name, id, args }, '*');
  });
}

function show(state) {
  if (state) readout.textContent = `frame: step ${state.step.toLocaleString('en')}, loss ${state.loss.toPrecision(3)}`;
}

/** Asks for the frame's state; the reply (tagged 'poll') updates the readout. */
function poll() {
  frame.contentWindow?.postMessage({ dln: 'state', id: 'poll' }, '*');
}

window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow || !event.data || typeof event.data !== 'object') return;
  if (event.data.dln === 'ready') poll();
  if (event.data.dln === 'reply' && event.data.id === 'poll') show(event.data.result);
  if (event.data.dln === 'reply' && waiting.has(event.data.id)) {
    waiting.get(event.data.id)(event.data);
    waiting.delete(event.data.id);
  }
});

const actions = {
  play: () => call('play'),
  pause: () => call('pause'),
  step: () => call('step', 500),
  deep: () => call('setConfig', { network: { hidden: [32, 32] } }),
};
for (const btn of document.querySelectorAll('[data-frame]')) {
  btn.addEventListener('click', async () => {
    const { error, result } = await actions[btn.dataset.frame]();
    if (error || typeof result === 'string') readout.textContent = `frame: ${error || result}`;
    else poll();
  });
}
// The frame answers once it is ready (and says so); until then these go unanswered.
setInterval(poll, 1000);
