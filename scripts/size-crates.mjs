#!/usr/bin/env node
// `make size`'s last table: the wasm's code and data by crate (and, for this crate, by top-level
// module; the chapters by chapter), summed from twiggy's per-item sizes. Generic code is counted
// in the crate that defines it (a Vec<T> method is `alloc`'s, whoever instantiates it).
//   node scripts/size-crates.mjs WASM_WITH_NAMES [--top N]
import { execFileSync } from 'node:child_process';

const [wasm, ...rest] = process.argv.slice(2);
if (!wasm) {
  console.error('usage: node scripts/size-crates.mjs WASM_WITH_NAMES [--top N]');
  process.exit(2);
}
const i = rest.indexOf('--top');
const top = i >= 0 ? Number(rest[i + 1]) : 20;
const csv = execFileSync('twiggy', ['top', '-n', '1000000', '-f', 'csv', wasm], { encoding: 'utf8', maxBuffer: 1 << 28 });

/** The group an item's name belongs to: its crate, or this crate's module. */
export function group(name) {
  if (name.startsWith('data segment')) return '(data)';
  const m = name.match(/^<?(?:&(?:mut )?)?([A-Za-z_][A-Za-z0-9_]*)/);
  if (!m) return '(other)';
  if (m[1] !== 'dln_explorer') return m[1];
  const sub = name.match(/dln_explorer::([a-z_]+)(?:::([a-z_]+))?/);
  if (!sub) return 'dln_explorer';
  return sub[1] === 'chapters' && sub[2] ? `dln_explorer::chapters::${sub[2]}` : `dln_explorer::${sub[1]}`;
}

const sums = new Map();
let total = 0;
for (const line of csv.trim().split('\n').slice(1)) {
  // Name,ShallowSize,ShallowSizePercent: the name is quoted when it holds a comma.
  const m = line.match(/^("(?:[^"]|"")*"|[^,]*),(\d+),/);
  if (!m) continue;
  const name = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
  if (name.includes('function names') || name.startsWith('Σ') || name.startsWith('...')) continue;
  const bytes = Number(m[2]);
  sums.set(group(name), (sums.get(group(name)) ?? 0) + bytes);
  total += bytes;
}
console.log(`bytes by crate (the wasm without its names section: ${total.toLocaleString('en')} bytes)`);
for (const [g, b] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${b.toLocaleString('en').padStart(10)}  ${(100 * b / total).toFixed(1).padStart(5)} %  ${g}`);
}
