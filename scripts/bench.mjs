#!/usr/bin/env node
// `make bench`: gradient-descent steps per second natively (`dln bench`), in headless Chromium
// (www/bench.html, wasm) and in numpy (scripts/bench_numpy.py, when python3 has numpy), one
// after the other on the same machine, printed as one table.
//   node scripts/bench.mjs [--seconds S] [--json]
// Needs `cargo build --release --bin dln` and `make build` first (the Makefile does both).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchInChromium } from '../tests/browser/bench.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const i = args.indexOf('--seconds');
const seconds = i >= 0 ? Number(args[i + 1]) : 1;
if (!(seconds >= 0.1 && seconds <= 60)) {
  console.error('bench: --seconds must be a number from 0.1 to 60');
  process.exit(2);
}

const NETWORKS = {
  rm8: '8 one-hot items -> 16 -> 36',
  wide: '100 -> 100 -> 100, 100 examples',
  deep: '64 one-hot -> 64 x7 -> 64',
};
const byCase = (list) => Object.fromEntries(list.map((f) => [f.case, f]));
const fmt = (x) => (x == null ? '-' : Math.round(x).toLocaleString('en-US'));
const ratio = (a, b) => (a == null || b == null ? '-' : `${(a / b).toFixed(2)}x`);

process.stderr.write('native… ');
const dln = `${REPO}target/release/dln`;
if (!existsSync(dln)) {
  console.error(`\nbench: ${dln} is missing; run cargo build --release --bin dln`);
  process.exit(1);
}
const native = byCase(JSON.parse(execFileSync(dln, ['bench', '--json', '--seconds', String(seconds)], { encoding: 'utf8' })));

process.stderr.write('Chromium… ');
const chromium = await benchInChromium(seconds);
const wasm = byCase(chromium.figures);

process.stderr.write('numpy… ');
let numpy = {};
let numpyNote = '';
try {
  const out = JSON.parse(execFileSync('python3', [`${REPO}scripts/bench_numpy.py`, String(seconds)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  numpyNote = `numpy ${out.numpy}`;
  for (const name of Object.keys(NETWORKS)) numpy[name] = { case: name, ...out[name] };
} catch {
  numpyNote = 'numpy: not measured (needs python3 with numpy: pip install numpy)';
  numpy = {};
}
process.stderr.write('done\n');

if (json) {
  console.log(JSON.stringify({ native, chromium: wasm, browser: chromium.browser, numpy, note: numpyNote }));
} else {
  const cols = ['case', 'network', 'native', 'Chromium wasm', 'numpy', 'wasm/numpy', 'wasm/native'];
  const widths = [5, 31, 10, 13, 10, 10, 11];
  const line = (cells) => cells.map((c, k) => (k < 2 ? String(c).padEnd(widths[k]) : String(c).padStart(widths[k]))).join('  ');
  console.log(`Full-batch gradient-descent steps per second, best ~5 ms batch of ${seconds} s per case`);
  console.log(`(Chromium ${chromium.browser}; ${numpyNote}; one core each)`);
  console.log(line(cols));
  for (const [name, network] of Object.entries(NETWORKS)) {
    const [n, w, p] = [native[name]?.best, wasm[name]?.best, numpy[name]?.best];
    console.log(line([name, network, fmt(n), fmt(w), fmt(p), ratio(w, p), ratio(w, n)]));
  }
  const gflops = (f) => (f?.best_flops == null ? '-' : (f.best_flops / 1e9).toFixed(1));
  console.log(`GFLOP/s of the best batch (a multiply and an add count one each), native: ${Object.keys(NETWORKS).map((n) => `${n} ${gflops(native[n])}`).join(', ')}; wasm: ${Object.keys(NETWORKS).map((n) => `${n} ${gflops(wasm[n])}`).join(', ')}`);
  console.log('mean over the whole time (pauses from other work on the machine included):');
  for (const name of Object.keys(NETWORKS)) {
    const [n, w, p] = [native[name]?.steps_per_second, wasm[name]?.steps_per_second, numpy[name]?.steps_per_second];
    console.log(line([name, '', fmt(n), fmt(w), fmt(p), ratio(w, p), ratio(w, n)]));
  }
}
