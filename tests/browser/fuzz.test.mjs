// Fuzzing the page as a user would: a few hundred random links (the field table's keys, the
// page's keys, repeated keys and junk) opened through the address, and random setConfig patches,
// from a fixed seed. No call may panic the simulation (a `dln-panic` event) or throw, and the page
// must still answer at the end.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useBrowser } from './harness.mjs';

const site = useBrowser();

const SEED = 1717;
const HASHES = 300;
const PATCHES = 200;

describe('fuzzing the page', () => {
  test('random links and setConfig patches never panic the simulation', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const result = await page.evaluate(async ({ seed, hashes, patches }) => {
      // mulberry32: a small seeded generator, so a failure reproduces.
      let s = seed >>> 0;
      const rand = () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const pick = (xs) => xs[Math.floor(rand() * xs.length)];
      const panics = [];
      window.addEventListener('dln-panic', (e) => panics.push(String(e.detail)));
      const schema = window.dln.schema();
      const keys = [...schema.map((f) => f.key), 't', 'ill', 'cat', 'proj', 'proj_item', 'proj_feature', 'flow',
        'twin', 'twin_hidden', 'twin_seed', 'panels', 'embed', 'preset', 'allow_origin', 'lr_hide', 'zz', '%E9', ''];
      const junk = ['', '-1', '0', '1', '1e999', 'NaN', '%', '%zz', 'a;b', '1;2,3', 'pine,leaves', 'x'.repeat(300),
        'https://lab.example', '*', 'rm8', 'toy4', 'tree', 'matrix', 'relu', 'illusion', 'loss,modes', '%3Cimg%3E'];
      // A value of a field: mostly inside its range (kept small, so every link opens quickly).
      const value = (f) => {
        if (!f || rand() < 0.25) return pick(junk);
        if (f.options?.length) return pick(f.options).value;
        const lo = f.min ?? 0;
        const hi = Math.min(f.max ?? 10, lo + 6);
        const x = lo + (hi - lo) * rand() ** 2;
        const one = f.kind === 'integer' || f.item === 'integer' ? String(Math.round(x)) : String(Number(x.toPrecision(3)));
        return f.kind === 'list' ? Array.from({ length: 1 + Math.floor(rand() * 3) }, () => one).join(',') : one;
      };
      const byKey = new Map(schema.map((f) => [f.key, f]));
      const errors = [];
      for (let i = 0; i < hashes; i += 1) {
        const n = Math.floor(rand() * 6);
        const parts = [];
        for (let k = 0; k < n; k += 1) {
          const key = pick(keys);
          parts.push(`${key}=${key === 't' ? String(Math.floor(rand() * 3000)) : value(byKey.get(key))}`);
        }
        if (parts.length && rand() < 0.3) parts.push(pick(parts));
        window.location.hash = parts.join('&');
        // hashchange fires as a task: let the page apply it.
        await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
        if (!window.dln.state()) errors.push(`no state after #${parts.join('&')}`);
      }
      const sections = { dataset: [], network: [], init: [], train: [], sweep: [] };
      for (const f of schema) sections[f.path.split('.')[0]]?.push(f);
      for (let i = 0; i < patches; i += 1) {
        const patch = {};
        for (let k = 0; k < 1 + Math.floor(rand() * 3); k += 1) {
          const f = pick(schema);
          const [sec, name] = f.path.split('.');
          let v = value(f);
          if (f.kind === 'list') v = String(v).split(',').map((x) => (Number.isFinite(Number(x)) && x !== '' ? Number(x) : x));
          else if (f.kind !== 'enum' && Number.isFinite(Number(v)) && v !== '') v = Number(v);
          patch[sec] = { ...(patch[sec] || {}), [name]: v };
        }
        if (rand() < 0.1) patch[pick(['zz', 'train', 'dataset'])] = pick([null, 3, 'x', [], { kind: 'nope' }]);
        let res;
        try {
          res = window.dln.setConfig(patch);
        } catch (e) {
          errors.push(`setConfig(${JSON.stringify(patch)}) threw ${e.message}`);
          continue;
        }
        if (res !== null && !/^[a-z_][a-z_0-9]*(\.[a-z_0-9]+|\[\d+\])*:/.test(res)) errors.push(`setConfig(${JSON.stringify(patch)}) gave ${res}`);
        if (rand() < 0.3) window.dln.step(1 + Math.floor(rand() * 50));
      }
      const last = window.dln.state();
      return { panics, errors, alive: Boolean(last), finite: last ? Number.isFinite(last.loss) || last.diverged : false };
    }, { seed: SEED, hashes: HASHES, patches: PATCHES });
    console.log(`browser fuzz: ${HASHES} links and ${PATCHES} setConfig patches, ${result.panics.length} panics, ${result.errors.length} failures`);
    assert.deepEqual(result.panics, []);
    assert.deepEqual(result.errors, []);
    assert.ok(result.alive && result.finite);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
