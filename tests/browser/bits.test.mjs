// Native and wasm compute the same bits. The native binary (`dln`, built by `cargo build --bin
// dln` or `make test-native`; DLN_BIN overrides the path) trains the benchmark cases and the
// configs of fixtures/bits-configs.json; the page's wasm, loaded in headless Chromium, trains the
// same ones; the weights' hash, the losses and mode strengths at every recorded step, the
// singular values and the similarity matrices must be equal to the bit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, launch, startServer } from './harness.mjs';

const CONFIGS = JSON.parse(readFileSync(new URL('./fixtures/bits-configs.json', import.meta.url), 'utf8'));
const STEPS = 300;

function dlnBinary() {
  const candidates = [process.env.DLN_BIN, join(REPO, 'target/debug/dln'), join(REPO, 'target/release/dln')].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no native dln binary (looked for ${candidates.join(', ')}): run cargo build --bin dln`);
  return found;
}

let server;
let url;
let browser;
let page;
let dir;

before(async () => {
  ({ server, url } = await startServer());
  browser = await launch();
  page = await browser.context.newPage();
  await page.goto(`${url}www/bench.html?seconds=0.1`);
  await page.evaluate(async () => {
    const m = await import('./pkg/dln_explorer.js');
    await m.default();
    window.__wasm = m;
  });
  dir = mkdtempSync(join(tmpdir(), 'dln-bits-'));
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Element-wise equality to the bit of two arrays (nested), with the first difference named. */
function sameBits(a, b, what) {
  assert.equal(Array.isArray(a), Array.isArray(b), `${what}: one is an array, the other not`);
  if (!Array.isArray(a)) {
    assert.ok(Object.is(a, b), `${what}: native ${a} vs wasm ${b}`);
    return;
  }
  assert.equal(a.length, b.length, `${what}: ${a.length} native values vs ${b.length} in wasm`);
  a.forEach((x, i) => sameBits(x, b[i], `${what}[${i}]`));
}

describe('native and wasm', () => {
  test('train every benchmark case to the same weights and loss, to the bit', async () => {
    const native = JSON.parse(execFileSync(dlnBinary(), ['bench', '--bits', String(STEPS)], { encoding: 'utf8' }));
    assert.deepEqual(native.map((b) => b.case), ['rm8', 'wide', 'deep']);
    const wasm = await page.evaluate((steps) => ['rm8', 'wide', 'deep'].map((c) => JSON.parse(window.__wasm.benchBits(c, steps)).result), STEPS);
    assert.deepEqual(wasm, native);
  });

  for (const [name, cfg] of Object.entries(CONFIGS)) {
    test(`record the same losses, mode strengths and similarities for the ${name} config, to the bit`, async () => {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify(cfg));
      const native = JSON.parse(execFileSync(dlnBinary(), ['run', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      const wasm = await page.evaluate((c) => {
        const app = new window.__wasm.App(JSON.stringify(c));
        let left = c.train.steps;
        while (left > 0) {
          const took = app.advance(Math.min(left, 1000));
          if (took === 0) break;
          left -= took;
        }
        const out = JSON.parse(JSON.parse(app.exportRun('json')).result);
        app.free();
        return out;
      }, cfg);
      assert.ok(native.steps.length > 100, `${name}: ${native.steps.length} records`);
      sameBits(native.steps, wasm.steps, `${name} steps`);
      sameBits(native.loss, wasm.loss, `${name} loss`);
      sameBits(native.modes, wasm.modes, `${name} modes`);
      sameBits(native.singular_values, wasm.singular_values, `${name} singular values`);
      assert.equal(native.rsm?.step, wasm.rsm?.step, `${name}: similarity matrices of the same step`);
      sameBits(native.rsm?.sim ?? null, wasm.rsm?.sim ?? null, `${name} similarity matrix`);
    });
  }
});
