#!/usr/bin/env node
// `make bench`: one table of what the project promises, measured in one run on this machine:
// gradient-descent steps per second natively (`dln bench`), in headless Chromium (www/bench.html,
// wasm) and in numpy (scripts/bench_numpy.py, when python3 has numpy), with their ratios; GFLOP/s
// against the machine's peak; the time from navigation to the first chart drawn; the 95th
// percentile frame interval while a chapter plays (scripts/bench-frames.mjs); and the gzipped
// bytes of the wasm and JS the page loads (scripts/size.mjs). Printed as a Markdown table, ready
// for docs/benchmarks.md.
//   node scripts/bench.mjs [--seconds S] [--json]
// Needs `cargo build --release --bin dln` and `make build` first (the Makefile does both); the
// dist/ size is added when `make dist` has been run.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchInChromium } from '../tests/browser/bench.mjs';
import { measureFrames, SECTIONS } from './bench-frames.mjs';
import { codeGzip, sizes } from './size.mjs';

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

process.stderr.write('load and size… ');
const loads = await sizes();
const served = loads['served build (make serve)'];
const dist = loads['dist/'];
process.stderr.write('frames… ');
const [frameSection] = SECTIONS;
const { results: [frames] } = await measureFrames({ sections: [frameSection], seconds: Math.max(2, 2 * seconds) });
process.stderr.write('done\n');

// Peak: the clock the kernel reports (BogoMIPS / 2, the TSC rate; PEAK_GHZ overrides it) times
// the f64 lanes of the widest vectors each build uses times 4: two multiplies and two adds issued
// per cycle, no FMA (the kernels never fuse), as on AMD Zen and Intel cores since Skylake.
const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const bogo = Number(cpuinfo.match(/bogomips\s*:\s*([0-9.]+)/i)?.[1]);
const ghz = Number(process.env.PEAK_GHZ) || (bogo ? bogo / 2000 : cpus()[0]?.speed / 1000);
const flags = cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '';
const nativeLanes = /\bavx512f\b/.test(flags) ? 8 : /\bavx2\b/.test(flags) ? 4 : 2;
const peak = { native: ghz * nativeLanes * 4e9, wasm: ghz * 2 * 4e9 };
const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${ghz.toFixed(2)} GHz`;

if (json) {
  console.log(JSON.stringify({ native, chromium: wasm, browser: chromium.browser, numpy, note: numpyNote, peak, machine, load: loads, frames }));
} else {
  const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '-');
  const gf = (f, p) => (f?.best_flops == null ? '-' : `${(f.best_flops / 1e9).toFixed(1)} (${Math.round((100 * f.best_flops) / p)} %)`);
  const rows = [['measure', 'native', `Chromium ${chromium.browser} (wasm)`, numpyNote.startsWith('numpy ') ? numpyNote : 'numpy', 'ratios']];
  for (const [name, network] of Object.entries(NETWORKS)) {
    const [n, w, p] = [native[name]?.best, wasm[name]?.best, numpy[name]?.best];
    rows.push([`${name} steps/s, best batch (${network})`, fmt(n), fmt(w), fmt(p),
      `native/numpy ${ratio(n, p)}, wasm/numpy ${ratio(w, p)}, wasm/native ${ratio(w, n)}`]);
  }
  for (const name of Object.keys(NETWORKS)) {
    const [n, w, p] = [native[name]?.steps_per_second, wasm[name]?.steps_per_second, numpy[name]?.steps_per_second];
    rows.push([`${name} steps/s, mean over ${seconds} s`, fmt(n), fmt(w), fmt(p),
      `native/numpy ${ratio(n, p)}, wasm/numpy ${ratio(w, p)}, wasm/native ${ratio(w, n)}`]);
  }
  for (const name of Object.keys(NETWORKS)) {
    rows.push([`${name} GFLOP/s, best batch (% of peak)`, gf(native[name], peak.native), gf(wasm[name], peak.wasm), '-',
      `peak ${(peak.native / 1e9).toFixed(0)} native (${nativeLanes} lanes), ${(peak.wasm / 1e9).toFixed(0)} wasm (2 lanes)`]);
  }
  rows.push(['navigation to first chart drawn', '-', ms(served?.firstChart), '-',
    `window.dln ready ${ms(served?.ready)}${dist ? `; dist/: first chart ${ms(dist.firstChart)}` : ''}`]);
  rows.push([`frame interval p95 while playing, ${frameSection[0]}`, '-', ms(frames?.p95), '-',
    `median ${ms(frames?.median)}, ${frames?.longTasks ?? '-'} long tasks, 1400 x 1000`]);
  rows.push(['wasm + JS on load, gzip -9 bytes', '-', fmt(served && codeGzip(served)), '-',
    dist ? `dist/: ${fmt(codeGzip(dist))}` : 'dist/ not built (make dist)']);
  console.log(`make bench, ${new Date().toISOString().slice(0, 10)}, ${machine}; one core each, ${seconds} s per case`);
  console.log('');
  console.log(`| ${rows[0].join(' | ')} |`);
  console.log(`|${rows[0].map((_, k) => (k === 0 || k === 4 ? '---' : '---:')).join('|')}|`);
  for (const r of rows.slice(1)) console.log(`| ${r.join(' | ')} |`);
}
