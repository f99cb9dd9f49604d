#!/usr/bin/env node
// Offline builds (run by `make dist`, after `make build`):
//   node scripts/dist.mjs [OUT]        (default OUT: dist)
// writes
//   OUT/                     a static folder for any web server, at any sub-path (relative URLs
//                            only): index.html, www/ (modules, stylesheets, pkg/ glue and wasm),
//                            examples/ (the lab page)
//   OUT/dln-explorer.html    the page as ONE self-contained file (wasm and JS inlined) that works
//                            opened from disk, with no server
//   OUT/lab.html             the lab page (www/examples/lab.html) as one such file: its two
//                            <dln-explorer> elements, and a frame showing dln-explorer.html beside it
// With DIST_WASM_OPT set, the wasm goes through wasm-opt with those flags (npm's binaryen).
// Nothing refers to another origin. The folder is checked for inline script and style, which the
// policy `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'` forbids.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { patchGlue } from './glue.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PKG = 'www/pkg';
const GLUE = `${PKG}/dln_explorer.js`;
const WASM = `${PKG}/dln_explorer_bg.wasm`;

const WASM_OPT = join(REPO, 'node_modules/binaryen/bin/wasm-opt');
// The features rustc's wasm32 target emits, which wasm-opt must accept and keep.
const FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '--enable-multivalue', '--enable-reference-types'];

/**
 * The wasm for the offline builds: as `make build` leaves it (without its name section), or,
 * when DIST_WASM_OPT names wasm-opt flags (e.g. `DIST_WASM_OPT=-Oz`), passed through npm's
 * binaryen with them. Measured on this build: `-Oz` makes the wasm 6 % smaller raw but 2.5 %
 * larger gzipped and 4 % larger in brotli, so the default sends fewer bytes. The result is
 * cached in target/ by the input's hash and the flags, as wasm-opt takes a minute or more.
 */
export function optimisedWasm(log = () => {}) {
  const raw = readFileSync(join(REPO, WASM));
  const flags = (process.env.DIST_WASM_OPT || '').split(/\s+/).filter(Boolean);
  if (!flags.length) return raw;
  if (!existsSync(WASM_OPT)) {
    log('wasm-opt is not installed (npm ci in the repository root installs it): the wasm is copied as built');
    return raw;
  }
  const hash = createHash('sha256').update(raw).update([...flags, ...FEATURES].join(' ')).digest('hex').slice(0, 16);
  const cached = join(REPO, 'target/dist', `dln_explorer_bg.${hash}.wasm`);
  if (!existsSync(cached)) {
    log(`wasm-opt ${flags.join(' ')} (once per build of the wasm)…`);
    mkdirSync(dirname(cached), { recursive: true });
    const tmp = `${cached}.tmp`;
    execFileSync(process.execPath, [WASM_OPT, ...flags, ...FEATURES, join(REPO, WASM), '-o', tmp], { stdio: 'inherit' });
    copyFileSync(tmp, cached);
    rmSync(tmp);
  }
  return readFileSync(cached);
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

/** The relative module specifiers a module imports (static, re-exports and dynamic). */
const IMPORT = /(\bimport\s*\(\s*|\bfrom\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\2/g;

/** Throws when an HTML or JS file would break the CSP or reach another origin. */
export function checkFile(name, text) {
  const problems = [];
  if (name.endsWith('.html')) {
    if (/<style[\s>]/i.test(text)) problems.push('a <style> element');
    if (/\sstyle\s*=/i.test(text)) problems.push('a style="" attribute');
    for (const m of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      if (!/\ssrc\s*=/.test(m[1]) || m[2].trim()) problems.push('an inline <script>');
    }
    if (/\son[a-z]+\s*=/i.test(text)) problems.push('an inline event handler');
    for (const m of text.matchAll(/\s(?:src|href)\s*=\s*["']([^"']*)["']/gi)) {
      if (/^(?:[a-z][a-z0-9+.-]*:|\/)/i.test(m[1]) && !m[1].startsWith('data:')) problems.push(`a non-relative URL ${m[1]}`);
    }
  } else if (name.endsWith('.js')) {
    if (/\.innerHTML\s*=|setAttribute\(\s*['"]style['"]|createElement\(\s*['"]style['"]/.test(text)) problems.push('inline style or HTML from script');
    const code = text.split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)).join('\n');
    if (/['"`]https?:\/\//.test(code)) problems.push('an absolute http(s) URL');
  }
  if (problems.length) throw new Error(`${name}: ${[...new Set(problems)].join(', ')}`);
}

/** The lab page's URLs, moved from www/examples/ to OUT/examples/. */
function relocateExample(text) {
  const out = text.replace('src="../dln-explorer.js"', 'src="../www/dln-explorer.js"').replace('src="../../index.html', 'src="../index.html');
  if (!out.includes('../www/dln-explorer.js')) throw new Error('examples: the lab page no longer loads ../dln-explorer.js');
  return out;
}

/** MIME types of the files a module may refer to with `new URL('./file', import.meta.url)`. */
const ASSET_TYPES = { css: 'text/css' };
const WORKERS = new Set(['www/worker.js']);
const ASSET = /\bnew URL\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;

/**
 * A page as one file: its stylesheets inlined, every module a data: URL in an import map, the wasm
 * once as base64. `page` is the HTML file (relative to `root`); its module scripts and stylesheets
 * are found relative to it, and `edit` may adjust the HTML first (for example a frame's URL). A
 * module's `new URL('./x.css', import.meta.url)` becomes a data: URL of that file, as a module
 * inlined as a data: URL has no folder to resolve against.
 */
export function singleFile(wasmBytes, { page = 'index.html', root = REPO, edit = (html) => html } = {}) {
  const read = (p) => {
    const text = readFileSync(join(root, p), 'utf8');
    return p === GLUE ? patchGlue(text) : text;
  };
  const html = edit(read(page));
  const here = posix.dirname(page);
  // Each module script, with the line it is on (the first is replaced, the others removed).
  const entries = [...html.matchAll(/\n([ \t]*)<script type="module" src="([^"]+)"><\/script>/g)];
  if (!entries.length) throw new Error(`${page}: no <script type="module" src=...> to inline`);
  const name = (p) => `dln/${p}`;
  const modules = new Map();
  const visit = (path) => {
    if (modules.has(path)) return;
    modules.set(path, null);
    let text = read(path).replace(IMPORT, (all, head, q, spec) => {
      const target = posix.normalize(posix.join(posix.dirname(path), spec));
      visit(target);
      return `${head}${q}${name(target)}${q}`;
    });
    if (path !== GLUE) {
      text = text.replace(ASSET, (all, q, spec) => {
        const file = posix.normalize(posix.join(posix.dirname(path), spec));
        // A worker has no single-file form (it would need its own copy of the glue and the
        // wasm): its URL becomes an empty data: URL, and the page does the work itself.
        if (WORKERS.has(file)) return `new URL('data:,')`;
        const type = ASSET_TYPES[posix.extname(file).slice(1)];
        if (!type) throw new Error(`${path}: cannot inline ${spec} (no data: type for it)`);
        return `new URL('data:${type};base64,${Buffer.from(read(file)).toString('base64')}')`;
      });
      if (/import\.meta\.url/.test(text)) throw new Error(`${path}: a use of import.meta.url that cannot be inlined`);
    }
    modules.set(path, text);
  };
  for (const [, , src] of entries) visit(posix.normalize(posix.join(here, src)));
  if (!modules.has(GLUE)) throw new Error(`${page}: no module imports ${GLUE}`);
  // The glue's init() fetches the wasm next to it; here it is handed the inlined bytes instead.
  modules.set('raw/glue.js', modules.get(GLUE));
  modules.set(GLUE, [
    `import init from '${name('raw/glue.js')}';`,
    `export * from '${name('raw/glue.js')}';`,
    'export default function () {',
    "  const text = atob(document.getElementById('dln-wasm').textContent.trim());",
    '  const bytes = new Uint8Array(text.length);',
    '  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);',
    '  return init({ module_or_path: bytes });',
    '}',
  ].join('\n'));
  const imports = {};
  for (const [path, text] of modules) {
    imports[name(path)] = `data:text/javascript;base64,${Buffer.from(text).toString('base64')}`;
  }
  const wasm = Buffer.from(wasmBytes).toString('base64').replace(/.{1,120}/g, '$&\n');
  const importMap = JSON.stringify({ imports }, null, 1).replace(/<\//g, '<\\/');
  let out = html.replace(/<link rel="stylesheet" href="([^"]+)">/g, (all, href) => `<style>\n${read(posix.join(here, href))}</style>`);
  // The wasm is inside the file: a preload of it (with the comment before it) would fetch nothing.
  out = out.replace(/\n[ \t]*(?:<!--[^\n]*-->\n[ \t]*)?<link rel="preload"[^>]*>/g, '');
  const main = entries.map(([, , src]) => `import '${name(posix.normalize(posix.join(here, src)))}';`).join(' ');
  const [first, indent] = entries[0];
  out = out.replace(first, () => [
    `<script type="importmap">\n${importMap}\n</script>`,
    `<script type="application/octet-stream" id="dln-wasm">\n${wasm}</script>`,
    `<script type="module">${main}</script>`,
  ].map((tag) => `\n${indent}${tag}`).join(''));
  for (const [line] of entries.slice(1)) out = out.replace(line, '');
  if (/<link rel="stylesheet"/.test(out)) throw new Error(`${page}: a stylesheet was not inlined`);
  if (/<link rel="preload"/.test(out)) throw new Error(`${page}: a preload was left in`);
  return out;
}

/** The lab page as one file, beside dln-explorer.html: its frame shows that single file. */
export function singleLab(wasmBytes, root = REPO) {
  const frame = 'src="../../index.html#';
  return singleFile(wasmBytes, {
    page: 'www/examples/lab.html',
    root,
    edit: (html) => {
      if (!html.includes(frame)) throw new Error('examples: the lab page no longer frames ../../index.html#…');
      return html.replace(frame, 'src="dln-explorer.html#');
    },
  });
}

function sizeOf(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0);
}

/** Writes the offline builds into `out`; returns their sizes. */
/**
 * Writes `FILE.gz` (gzip -9) and `FILE.br` (brotli, quality 11) beside every text and wasm file,
 * for servers that send a precompressed copy with `Content-Encoding` (scripts/serve.mjs does).
 */
export function precompress(list) {
  for (const f of list.filter((p) => /\.(html|js|css|wasm|json|svg|csv|txt)$/.test(p))) {
    const raw = readFileSync(f);
    writeFileSync(`${f}.gz`, gzipSync(raw, { level: 9 }));
    writeFileSync(`${f}.br`, brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
  }
}

export function buildDist(out = join(REPO, 'dist'), log = () => {}) {
  for (const need of [GLUE, WASM]) {
    try {
      statSync(join(REPO, need));
    } catch {
      throw new Error(`${need} is missing: run \`make build\` first`);
    }
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const put = (name, text) => {
    checkFile(name, text);
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), text);
  };
  put('index.html', readFileSync(join(REPO, 'index.html'), 'utf8'));
  for (const dir of ['www', 'www/chapters']) {
    for (const f of readdirSync(join(REPO, dir))) {
      if (/\.(js|css)$/.test(f)) put(`${dir}/${f}`, readFileSync(join(REPO, dir, f), 'utf8'));
    }
  }
  put(GLUE, patchGlue(readFileSync(join(REPO, GLUE), 'utf8')));
  const wasm = optimisedWasm(log);
  writeFileSync(join(out, WASM), wasm);
  for (const f of files(join(REPO, 'www/examples'))) {
    const name = posix.join('examples', relative(join(REPO, 'www/examples'), f).split('\\').join('/'));
    const text = readFileSync(f, 'utf8');
    put(name, name.endsWith('.html') ? relocateExample(text) : text);
  }
  const single = singleFile(wasm);
  writeFileSync(join(out, 'dln-explorer.html'), single);
  const lab = singleLab(wasm);
  writeFileSync(join(out, 'lab.html'), lab);
  const gz = (buf) => gzipSync(buf, { level: 9 }).length;
  const singles = new Set([join(out, 'dln-explorer.html'), join(out, 'lab.html')]);
  const folderFiles = files(out).filter((f) => !singles.has(f));
  precompress(files(out));
  return {
    folder: folderFiles.reduce((n, f) => n + sizeOf(f), 0),
    folderGzip: folderFiles.reduce((n, f) => n + gz(readFileSync(f)), 0),
    wasm: wasm.length,
    single: Buffer.byteLength(single),
    singleGzip: gz(Buffer.from(single)),
    lab: Buffer.byteLength(lab),
    labGzip: gz(Buffer.from(lab)),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] || join(REPO, 'dist'));
  try {
    const s = buildDist(out, (m) => console.log(m));
    const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(`wasm: ${kb(s.wasm)}`);
    console.log(`${relative(process.cwd(), out) || '.'}/: ${kb(s.folder)} (${kb(s.folderGzip)} gzipped, file by file)`);
    console.log(`${relative(process.cwd(), join(out, 'dln-explorer.html'))}: ${kb(s.single)} (${kb(s.singleGzip)} gzipped)`);
    console.log(`${relative(process.cwd(), join(out, 'lab.html'))}: ${kb(s.lab)} (${kb(s.labGzip)} gzipped)`);
  } catch (e) {
    console.error(`dist: ${e.message}`);
    process.exit(1);
  }
}
