#!/usr/bin/env node
// A small static file server for the page (no dependencies).
//   node scripts/serve.mjs [--root DIR] [--port 8000] [--csp "policy"]
// Serves DIR (default: the repository) on http://127.0.0.1:PORT with correct MIME types
// (application/wasm for .wasm). Used by `make serve` and by the browser tests.
//
// Compression: a text or wasm file is sent with `Content-Encoding: br` or `gzip` when the browser
// accepts it. A precompressed sibling (`FILE.br`, `FILE.gz`, as `make dist` writes) is sent as it
// is; otherwise the file is compressed once and kept in memory until it changes (the served
// build). `Vary: Accept-Encoding` tells caches the body depends on that header.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Extensions worth compressing (images here are already compressed or tiny). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg', '.csv', '.txt']);
const ENCODINGS = [
  ['br', '.br', (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } })],
  ['gzip', '.gz', (b) => gzipSync(b, { level: 9 })],
];
const compressed = new Map();

/** The body to send for `path` and its encoding, for a request accepting `accept`. */
async function body(path, info, accept) {
  const ext = extname(path);
  const wanted = ENCODINGS.filter(([name]) => new RegExp(`(^|[\\s,])${name}($|[\\s;,])`).test(accept || ''));
  if (!COMPRESSIBLE.has(ext)) return { data: await readFile(path), encoding: null };
  for (const [name, suffix] of wanted) {
    const pre = await stat(path + suffix).catch(() => null);
    if (pre && pre.mtimeMs >= info.mtimeMs) return { data: await readFile(path + suffix), encoding: name };
  }
  const raw = await readFile(path);
  if (!wanted.length || raw.length < 1024) return { data: raw, encoding: null };
  const [name, , compress] = wanted[0];
  const key = `${name}:${path}`;
  const hit = compressed.get(key);
  if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return { data: hit.data, encoding: name };
  const data = compress(raw);
  compressed.set(key, { mtimeMs: info.mtimeMs, size: info.size, data });
  return { data, encoding: name };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Starts a server; resolves to {server, url}. port 0 picks a free port. */
export function serve({ root, port = 8000, host = '127.0.0.1', csp = null } = {}) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      let path = normalize(join(base, decodeURIComponent(url.pathname)));
      if (path !== base && !path.startsWith(base + sep)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let info = await stat(path).catch(() => null);
      if (info && info.isDirectory()) {
        path = join(path, 'index.html');
        info = await stat(path).catch(() => null);
      }
      if (!info) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const headers = {
        'content-type': TYPES[extname(path)] || 'application/octet-stream',
        'cache-control': 'no-cache',
      };
      if (csp) headers['content-security-policy'] = csp;
      const { data, encoding } = await body(path, info, req.headers['accept-encoding']);
      if (COMPRESSIBLE.has(extname(path))) headers.vary = 'Accept-Encoding';
      if (encoding) headers['content-encoding'] = encoding;
      headers['content-length'] = data.length;
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : data);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      ok({ server, url: `http://${host}:${p}/` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const here = fileURLToPath(new URL('..', import.meta.url));
  const { url } = await serve({
    root: opt('--root', here),
    port: Number(opt('--port', 8000)),
    csp: opt('--csp', null),
  });
  console.log(`Serving dln-explorer at ${url}  (Ctrl-C to stop)`);
}
