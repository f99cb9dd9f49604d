#!/usr/bin/env node
// `make size`: what the page sends on load, file by file, raw, gzipped and (when the server has a
// precompressed copy) as sent, for the served build (the repository, as `make serve` serves it)
// and for dist/. The page is opened in headless Chromium and every response is recorded, so the
// list is what a browser really asks for, not a guess.
//   node scripts/size.mjs [--json]
// Needs `make build` (and `make dist` for the dist/ rows).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { launch, openPage } from '../tests/browser/harness.mjs';
import { serve } from './serve.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const json = process.argv.includes('--json');

const gz = (b) => gzipSync(b, { level: 9 }).length;
const br = (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

/** Opens `root`'s index.html and returns [{path, raw, gzip, brotli, sent, encoding}] in load order. */
export async function load(browser, root) {
  const { server, url } = await serve({ root, port: 0 });
  try {
    const seen = [];
    const page = await browser.context.newPage();
    page.on('response', async (r) => {
      const u = new URL(r.url());
      if (u.origin !== new URL(url).origin) return;
      const headers = await r.allHeaders();
      seen.push({ path: u.pathname.slice(1) || 'index.html', encoding: headers['content-encoding'] || '', length: Number(headers['content-length'] || NaN) });
    });
    const t0 = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => window.dln, null, { timeout: 30000 });
    const ready = Date.now() - t0;
    // The page marks its first chart drawn (www/loop.js); the mark's time counts from navigation.
    await page.waitForFunction(() => performance.getEntriesByName('dln-first-chart').length, null, { timeout: 30000 });
    const firstChart = await page.evaluate(() => performance.getEntriesByName('dln-first-chart')[0].startTime);
    await page.close();
    const files = seen.map((s) => {
      const bytes = readFileSync(join(root, s.path));
      return { path: s.path, raw: bytes.length, gzip: gz(bytes), brotli: br(bytes), sent: s.encoding ? s.length : bytes.length, encoding: s.encoding };
    });
    return { files, ready, firstChart };
  } finally {
    server.close();
  }
}

/** What the page sends on load, for the served build and (when built) dist/: {name: {files, ready}}. */
export async function sizes() {
  const builds = [['served build (make serve)', REPO]];
  if (existsSync(join(REPO, 'dist/index.html'))) builds.push(['dist/', join(REPO, 'dist')]);
  const browser = await launch();
  const out = {};
  try {
    for (const [name, root] of builds) out[name] = await load(browser, root);
  } finally {
    await browser.close();
  }
  return out;
}

/** Gzipped bytes of the wasm and JS a build sends on load. */
export const codeGzip = ({ files }) => files.filter((f) => /\.(js|wasm)$/.test(f.path)).reduce((s, f) => s + f.gzip, 0);

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await sizes();
  if (json) {
    console.log(JSON.stringify(out));
  } else {
    const n = (x) => (Number.isFinite(x) ? x.toLocaleString('en-US') : '-');
    for (const [name, { files, ready, firstChart }] of Object.entries(out)) {
      console.log(`\n${name}: ${files.length} files on load (window.dln ready after ${ready} ms, first chart drawn ${Math.round(firstChart)} ms after navigation)`);
      console.log(`${'file'.padEnd(34)} ${'raw'.padStart(10)} ${'gzip -9'.padStart(10)} ${'brotli'.padStart(10)} ${'sent'.padStart(10)}`);
      for (const f of files) {
        const sent = `${n(f.sent)}${f.encoding ? ` ${f.encoding}` : ''}`;
        console.log(`${f.path.padEnd(34)} ${n(f.raw).padStart(10)} ${n(f.gzip).padStart(10)} ${n(f.brotli).padStart(10)} ${sent.padStart(10)}`);
      }
      const sum = (list, k) => list.reduce((s, f) => s + f[k], 0);
      const code = files.filter((f) => /\.(js|wasm)$/.test(f.path));
      console.log(`${'all files'.padEnd(34)} ${n(sum(files, 'raw')).padStart(10)} ${n(sum(files, 'gzip')).padStart(10)} ${n(sum(files, 'brotli')).padStart(10)} ${n(sum(files, 'sent')).padStart(10)}`);
      console.log(`${'wasm + JS'.padEnd(34)} ${n(sum(code, 'raw')).padStart(10)} ${n(sum(code, 'gzip')).padStart(10)} ${n(sum(code, 'brotli')).padStart(10)} ${n(sum(code, 'sent')).padStart(10)}`);
    }
  }
}
