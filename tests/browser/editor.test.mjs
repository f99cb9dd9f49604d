// The dataset editor in headless Chromium: edits reach the SVD and the config at once, CSV goes
// in by paste or file and out by download, and bad input is refused without losing anything.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openPage, showCanvas, useBrowser } from './harness.mjs';

const site = useBrowser();

const config = (page) => page.evaluate(() => window.dln.config());
const singularValues = (page) => page.evaluate(() => window.dln.state().singular_values);
/** Waits for two animation frames, so the explorer has redrawn its canvases. */
const frames = (page) => page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
const svdPixels = async (page) => {
  await showCanvas(page, 'canvas[data-chart="svd"]');
  return page.$eval('canvas[data-chart="svd"]', (c) => c.toDataURL());
};
const cell = (item, feature, value) => `[data-panel="editor"] button.cell[aria-label="${item}, ${feature}: ${value}"]`;
const errorText = (page) => page.textContent('[data-role="error"]');

/** Sets a small custom matrix through the API and waits for the editor to show it. */
async function smallMatrix(page) {
  const err = await page.evaluate(() => window.dln.setConfig({
    dataset: { kind: 'matrix', items: ['a', 'b'], features: ['x', 'y'], values: [[1, 0], [0, 1]] },
  }));
  assert.equal(err, null);
  await page.waitForSelector(cell('b', 'y', 1));
}

describe('the dataset editor', () => {
  test('with “continue from these weights” an edit is held, and Continue trains it as task B from the main run\'s weights in Prior knowledge', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.step(1000));
    await page.waitForFunction(() => window.dln.status().step === 1000);
    const before = await config(page);
    const loss = await page.evaluate(() => window.dln.state().loss);
    await page.check('[data-edit="continue"]');
    assert.equal(await page.isVisible('[data-edit="continue-run"]'), true);
    assert.equal(await page.isDisabled('[data-edit="continue-run"]'), true, 'nothing held yet');
    // Switching a cell is held in the grid; the main run keeps its data and its step.
    await page.click(cell('pine', 'leaves', 0));
    await page.waitForSelector(cell('pine', 'leaves', 1));
    assert.deepEqual((await config(page)).dataset, before.dataset);
    assert.equal(await page.evaluate(() => window.dln.status().step), 1000);
    assert.match(await page.textContent('[data-role="editor-size"]'), /held as task B/);
    await page.click('[data-edit="continue-run"]');
    const st = await page.evaluate(() => document.querySelector('[data-chapter="prior"]').prior.state());
    assert.equal(st.preset, 'continued');
    assert.equal(st.phases[0].steps, 1000, 'task A is the main run to its step');
    // The chapter plays at once; its first record is the switch.
    const first = (await page.evaluate(() => window.dln.table('prior-tasks'))).rows[0];
    assert.equal(first[0], 1000);
    assert.ok(Math.abs(first[2] - loss) <= 1e-9 * loss, `the loss on A at the switch is the main run's: ${first[2]} vs ${loss}`);
    assert.equal(await page.inputValue('[data-prior-preset]'), 'continued');
    assert.match(await page.textContent('[data-role="notice"]'), /Continuing from the weights at step 1,000/);
    // The main run is unchanged, and the editor shows its data again.
    assert.equal(await page.evaluate(() => window.dln.status().step), 1000);
    await page.waitForSelector(cell('pine', 'leaves', 0));
    // Unticking goes back to edits that restart the main run.
    await page.uncheck('[data-edit="continue"]');
    assert.equal(await page.isVisible('[data-edit="continue-run"]'), false);
    await page.click(cell('pine', 'leaves', 0));
    await page.waitForFunction(() => window.dln.status().step === 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('shows the current dataset as a grid of items by features', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    assert.equal(await page.locator('[data-panel="editor"] button.cell').count(), 8 * 36);
    assert.equal(await page.inputValue('[aria-label="Name of item 1"]'), 'pine');
    assert.equal(await page.inputValue('[aria-label="Name of feature 26"]'), 'leaves');
    assert.equal(await page.isVisible(cell('oak', 'leaves', 1)), true);
    assert.equal(await page.isVisible(cell('pine', 'leaves', 0)), true);
    const [on, off] = await Promise.all([cell('oak', 'leaves', 1), cell('pine', 'leaves', 0)]
      .map((s) => page.$eval(s, (b) => getComputedStyle(b).backgroundColor)));
    assert.equal(on, 'rgb(178, 24, 43)');
    assert.equal(off, 'rgb(247, 247, 247)');
    assert.match(await page.textContent('[data-role="editor-size"]'), /8 items × 36 features/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('editing a cell changes the SVD chart, and toggling it back restores the singular values', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await frames(page);
    const sv0 = await singularValues(page);
    const pixels0 = await svdPixels(page);
    await page.click(cell('pine', 'leaves', 0));
    await frames(page);
    const sv1 = await singularValues(page);
    // Charts off screen wait to be redrawn: bring the SVD chart back into view first.
    await page.$eval('canvas[data-chart="svd"]', (c) => c.scrollIntoView());
    await frames(page);
    const pixels1 = await svdPixels(page);
    assert.notDeepEqual(sv1, sv0);
    assert.ok(Math.abs(sv1[0] - sv0[0]) > 1e-3, `s1 ${sv0[0]} -> ${sv1[0]}`);
    assert.notEqual(pixels1, pixels0, 'the SVD canvas is redrawn with the new data');
    const cfg = await config(page);
    assert.equal(cfg.dataset.kind, 'matrix');
    assert.equal(cfg.dataset.values[0][cfg.dataset.feature_names.indexOf('leaves')], 1);
    assert.equal(await page.inputValue('[data-param="dataset"]'), 'matrix');
    assert.equal(await page.isVisible(cell('pine', 'leaves', 1)), true);
    // The predictions follow before any training.
    const s = await page.evaluate(() => window.dln.state());
    assert.equal(s.step, 0);
    assert.equal(s.theory_modes.length, sv1.length);
    await page.click(cell('pine', 'leaves', 1));
    await frames(page);
    const sv2 = await singularValues(page);
    assert.equal(sv2.length, sv0.length);
    sv2.forEach((v, k) => assert.ok(Math.abs(v - sv0[k]) < 1e-9, `mode ${k + 1}: ${v} vs ${sv0[k]}`));
    assert.equal(await svdPixels(page), pixels0, 'the SVD chart is drawn as it was');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('cells toggle from the keyboard and the arrow keys move between them', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.focus(cell('pine', 'plant', 1));
    await page.keyboard.press('Space');
    assert.equal((await config(page)).dataset.values[0][0], 0);
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'pine, plant: 0');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'oak, animal: 0');
    await page.keyboard.press('Enter');
    assert.equal((await config(page)).dataset.values[1][1], 1);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a value that is neither 0 nor 1 becomes 0 when clicked', async () => {
    const { page } = await openPage(site.context, site.url);
    await page.evaluate(() => window.dln.setConfig({
      dataset: { kind: 'matrix', items: ['a'], features: ['x', 'y'], values: [[0.25, -2]] },
    }));
    assert.equal(await page.isVisible(cell('a', 'y', -2)), true);
    assert.equal(await page.$eval(cell('a', 'y', -2), (b) => getComputedStyle(b).backgroundColor), 'rgb(33, 102, 172)');
    await page.click(cell('a', 'x', 0.25));
    assert.deepEqual((await config(page)).dataset.values, [[0, -2]]);
    await page.close();
  });

  test('renaming an item or a feature shows in the config and the charts', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.fill('[aria-label="Name of item 1"]', 'scots pine');
    await page.press('[aria-label="Name of item 1"]', 'Enter');
    let cfg = await config(page);
    assert.equal(cfg.dataset.kind, 'matrix');
    assert.equal(cfg.dataset.items[0], 'scots pine');
    assert.equal(await page.isVisible(cell('scots pine', 'plant', 1)), true);
    assert.match(await page.evaluate(() => window.dln.svg('svd')), /scots pine/);
    await page.fill('[aria-label="Name of feature 3"]', 'woody');
    await page.press('[aria-label="Name of feature 3"]', 'Tab');
    cfg = await config(page);
    assert.equal(cfg.dataset.feature_names[2], 'woody');
    assert.equal(await page.getAttribute('[aria-label="Name of feature 3"]', 'aria-invalid'), null);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a rejected rename stays in its field, marked invalid, and the dataset is unchanged', async () => {
    const { page } = await openPage(site.context, site.url);
    const before = await config(page);
    await page.fill('[aria-label="Name of item 2"]', 'pine');
    await page.press('[aria-label="Name of item 2"]', 'Enter');
    assert.match(await errorText(page), /Renaming item “oak” to “pine”: the name "pine" appears twice/);
    assert.equal(await page.isVisible('[data-role="error"]'), true);
    assert.equal(await page.inputValue('[aria-label="Name of item 2"]'), 'pine');
    assert.equal(await page.getAttribute('[aria-label="Name of item 2"]', 'aria-invalid'), 'true');
    assert.deepEqual(await config(page), before);
    // Another edit keeps the rejected text in its field.
    await page.click(cell('rose', 'red', 1));
    assert.equal(await page.inputValue('[aria-label="Name of item 2"]'), 'pine');
    // Escape puts the current name back.
    await page.focus('[aria-label="Name of item 2"]');
    await page.keyboard.press('Escape');
    assert.equal(await page.inputValue('[aria-label="Name of item 2"]'), 'oak');
    assert.equal(await page.getAttribute('[aria-label="Name of item 2"]', 'aria-invalid'), null);
    await page.close();
  });

  test('adding and removing items and features changes the dataset, down to one of each', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.click('[data-edit="add-item"]');
    let d = (await config(page)).dataset;
    assert.equal(d.items.length, 9);
    assert.equal(d.items[8], 'item 9');
    assert.deepEqual(d.values[8], Array(36).fill(0));
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Name of item 9');
    await page.keyboard.type('bat');
    await page.keyboard.press('Enter');
    await page.click('[data-edit="add-feature"]');
    d = (await config(page)).dataset;
    assert.deepEqual(d.items.slice(-1), ['bat']);
    assert.equal(d.feature_names.length, 37);
    assert.equal(d.feature_names[36], 'feature 37');
    assert.ok(d.values.every((row) => row.length === 37 && row[36] === 0));
    assert.equal(await page.locator('[data-panel="editor"] button.cell').count(), 9 * 37);
    await page.click('[aria-label="Remove item robin"]');
    await page.click('[aria-label="Remove feature leaves"]');
    d = (await config(page)).dataset;
    assert.equal(d.items.length, 8);
    assert.ok(!d.items.includes('robin'));
    assert.equal(d.feature_names.length, 36);
    assert.ok(!d.feature_names.includes('leaves'));
    assert.equal((await singularValues(page)).length, 8);
    // One item and one feature are the least a dataset can have.
    await smallMatrix(page);
    await page.click('[aria-label="Remove item b"]');
    await page.click('[aria-label="Remove feature y"]');
    assert.deepEqual((await config(page)).dataset.values, [[1]]);
    assert.equal(await page.isDisabled('[aria-label="Remove item a"]'), true);
    assert.equal(await page.isDisabled('[aria-label="Remove feature x"]'), true);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('choosing Custom matrix in the dataset menu starts from the current dataset', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.selectOption('[data-param="dataset"]', 'tree');
    const sv = await singularValues(page);
    await page.selectOption('[data-param="dataset"]', 'matrix');
    const d = (await config(page)).dataset;
    assert.equal(d.kind, 'matrix');
    assert.equal(d.items.length, 8);
    assert.equal(d.feature_names.length, 15);
    assert.equal(d.items[0], 'aaa');
    assert.equal(await page.isVisible('[data-role="error"]'), false);
    (await singularValues(page)).forEach((v, k) => assert.ok(Math.abs(v - sv[k]) < 1e-9));
    assert.match(await page.textContent('[data-role="editor-size"]'), /8 items × 15 features \(custom matrix\)/);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('CSV in and out', () => {
  test('pasting valid CSV replaces the dataset', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    const text = 'animal;grow;move;"roots, deep"\ncanary;1;1;0\nsalmon;1;1;0\noak;1;0;1\n';
    await page.fill('[data-edit="paste-text"]', text);
    await page.click('[data-edit="paste"]');
    const d = (await config(page)).dataset;
    assert.deepEqual(d, {
      kind: 'matrix', items: ['canary', 'salmon', 'oak'], feature_names: ['grow', 'move', 'roots, deep'],
      values: [[1, 1, 0], [1, 1, 0], [1, 0, 1]],
    });
    assert.equal(await page.locator('[data-panel="editor"] button.cell').count(), 9);
    assert.equal(await page.isVisible(cell('oak', 'roots, deep', 1)), true);
    assert.equal((await singularValues(page)).length, 3);
    assert.match(await page.textContent('[data-role="notice"]'), /Pasted CSV: 3 items × 3 features/);
    assert.equal(await page.isVisible('[data-role="error"]'), false);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('pasting ragged CSV names the row, keeps the pasted text and the previous dataset', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.click(cell('pine', 'leaves', 0));
    const before = await config(page);
    const sv = await singularValues(page);
    const text = 'item,a,b,c\nx,1,0,1\ny,1\nz,0,0,0\n';
    await page.fill('[data-edit="paste-text"]', text);
    await page.click('[data-edit="paste"]');
    assert.match(await errorText(page), /Pasted CSV: row 3 has 2 cells; the header has 4/);
    assert.equal(await page.isVisible('[data-role="error"]'), true);
    assert.match(await page.textContent('[data-role="editor-error"]'), /row 3 has 2 cells/);
    assert.equal(await page.inputValue('[data-edit="paste-text"]'), text);
    assert.equal(await page.getAttribute('[data-edit="paste-text"]', 'aria-invalid'), 'true');
    assert.deepEqual(await config(page), before);
    assert.deepEqual(await singularValues(page), sv);
    assert.equal(await page.isVisible(cell('pine', 'leaves', 1)), true);
    // Fixing the text and pasting again works and clears the mark.
    await page.fill('[data-edit="paste-text"]', text.replace('y,1\n', 'y,1,1,1\n'));
    await page.click('[data-edit="paste"]');
    assert.deepEqual((await config(page)).dataset.items, ['x', 'y', 'z']);
    assert.equal(await page.getAttribute('[data-edit="paste-text"]', 'aria-invalid'), null);
    assert.equal(await page.isVisible('[data-role="error"]'), false);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a non-number in pasted CSV is refused naming its row and column', async () => {
    const { page } = await openPage(site.context, site.url);
    await page.fill('[data-edit="paste-text"]', 'item,a,b,c,d\nx,1,0,1,0\ny,0,1,0,abc\n');
    await page.click('[data-edit="paste"]');
    assert.match(await errorText(page), /row 3, column 5: "abc" is not a number/);
    assert.equal((await config(page)).dataset.kind, 'rm8');
    await page.close();
  });

  test('loading a CSV file replaces the dataset, and a bad file is refused with its name', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.setInputFiles('[data-edit="file"]', {
      name: 'tiny.csv', mimeType: 'text/csv', buffer: Buffer.from('item,x,y\r\na,1,0\r\nb,0,1\r\n'),
    });
    await page.waitForFunction(() => window.dln.config().dataset.kind === 'matrix');
    assert.deepEqual((await config(page)).dataset.values, [[1, 0], [0, 1]]);
    assert.match(await page.textContent('[data-role="notice"]'), /tiny\.csv: 2 items × 2 features/);
    await page.setInputFiles('[data-edit="file"]', {
      name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('item,x,y\na,1,"0\n'),
    });
    await page.waitForFunction(() => /bad\.csv/.test(document.querySelector('[data-role="error"]').textContent));
    assert.match(await errorText(page), /bad\.csv: row 2, column 3: a quoted field is never closed/);
    assert.deepEqual((await config(page)).dataset.items, ['a', 'b']);
    await page.setInputFiles('[data-edit="file"]', {
      name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.alloc(1.5 * 2 ** 20, 'a'),
    });
    await page.waitForFunction(() => /huge\.csv/.test(document.querySelector('[data-role="error"]').textContent));
    assert.match(await errorText(page), /huge\.csv: the file has 1,572,864 bytes; the limit is 1 MB/);
    assert.deepEqual((await config(page)).dataset.items, ['a', 'b']);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a Latin-1 CSV file loads with a warning naming the first byte that is not UTF-8', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    // "café" and "crème" in Latin-1: 0xE9 at byte offset 12, 0xE8 later.
    const latin1 = Buffer.concat([
      Buffer.from('item,x,y\ncaf'), Buffer.from([0xe9]), Buffer.from(',1,0\ncr'), Buffer.from([0xe8]), Buffer.from('me,0,1\n'),
    ]);
    await page.setInputFiles('[data-edit="file"]', { name: 'latin1.csv', mimeType: 'text/csv', buffer: latin1 });
    await page.waitForFunction(() => window.dln.config().dataset.kind === 'matrix');
    assert.deepEqual((await config(page)).dataset.items, ['caf\uFFFD', 'cr\uFFFDme']);
    const warning = page.locator('[data-role="editor-warning"]');
    assert.ok(await warning.isVisible());
    assert.match(await warning.textContent(), /latin1\.csv: the file is not UTF-8 text: from the byte at offset 12 \(0xE9\) on, 2 characters were replaced by “\uFFFD” \(U\+FFFD\)/);
    // A UTF-8 file clears it.
    await page.setInputFiles('[data-edit="file"]', {
      name: 'utf8.csv', mimeType: 'text/csv', buffer: Buffer.from('item,x,y\ncafé,1,0\ncrème,0,1\n'),
    });
    await page.waitForFunction(() => window.dln.config().dataset.items[0] === 'café');
    assert.ok(await warning.isHidden());
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the UTF-8 check finds the first bad byte as Rust does', async () => {
    const { page } = await openPage(site.context, site.url);
    const cases = await page.evaluate(async () => {
      const { utf8ValidUpTo } = await import('./www/editor.js');
      const at = (bytes) => utf8ValidUpTo(new Uint8Array(bytes));
      return [
        at([0x61, 0x62]), at([0x61, 0xff]), at([0xc3, 0xa9, 0x61]), at([0xc3]), at([0xe0, 0x80, 0x80]),
        at([0xed, 0xa0, 0x80]), at([0xf4, 0x90, 0x80, 0x80]), at([0xf0, 0x9f, 0x98, 0x80, 0x41]), at([0x41, 0xe2, 0x82]),
      ];
    });
    // Plain, a bad byte, é, a cut é, an overlong form, a surrogate, past U+10FFFF, an emoji, a cut €.
    assert.deepEqual(cases, [2, 1, 3, 0, 0, 0, 0, 5, 1]);
    await page.close();
  });

  test('download produces the CSV of the current dataset, and it reads back the same', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    await page.click(cell('pine', 'leaves', 0));
    await page.fill('[aria-label="Name of item 8"]', 'salmon, Atlantic');
    await page.press('[aria-label="Name of item 8"]', 'Enter');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-edit="download"]'),
    ]);
    assert.equal(download.suggestedFilename(), 'dataset.csv');
    const text = await readFile(await download.path(), 'utf8');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 9);
    assert.ok(lines[0].startsWith('item,plant,animal,tree,flower,'), lines[0]);
    assert.equal(lines[1], 'pine,1,0,1,0,0,0,1,0,0,0,0,0,0,0,0,0,1,1,0,0,1,0,0,0,0,1,1,0,0,1,1,0,0,0,0,0');
    assert.ok(lines[8].startsWith('"salmon, Atlantic",0,1,'), lines[8]);
    const before = await config(page);
    await page.fill('[data-edit="paste-text"]', text);
    await page.click('[data-edit="paste"]');
    assert.deepEqual(await config(page), before);
    // A built-in dataset downloads under its own name.
    await page.selectOption('[data-param="dataset"]', 'toy4');
    const [toy] = await Promise.all([page.waitForEvent('download'), page.click('[data-edit="download"]')]);
    assert.equal(toy.suggestedFilename(), 'toy4.csv');
    assert.equal((await readFile(await toy.path(), 'utf8')).split('\n')[0], 'item,grow,move,roots,fly,swim,leaves,petals');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a dataset too large for the grid says so and still downloads', async () => {
    const { page, problems } = await openPage(site.context, site.url);
    assert.equal(await page.evaluate(() => window.dln.setConfig({
      dataset: { kind: 'diffusion', branching: 2, levels: 6, features: 1000 },
    })), null);
    assert.match(await page.textContent('[data-role="editor-grid"]'), /64,000 values; the grid shows up to 12,000/);
    assert.equal(await page.locator('[data-panel="editor"] button.cell').count(), 0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-edit="download"]')]);
    const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 65);
    assert.equal(lines[0].split(',').length, 1001);
    await page.evaluate(() => window.dln.setConfig({ dataset: { kind: 'toy4' } }));
    assert.equal(await page.locator('[data-panel="editor"] button.cell').count(), 4 * 7);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
