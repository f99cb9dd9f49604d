// The benchmark page in headless Chromium: it runs every case in its worker, fills the table
// with finite figures, and refuses a bad duration with a message naming the field. Speeds are
// printed by `make bench`, never asserted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useBrowser } from './harness.mjs';

const site = useBrowser();

const finished = (page) => page.waitForFunction(() => window.benchResults || window.benchError, null, { timeout: 60000 });

describe('the benchmark page', () => {
  test('times the three cases of dln bench and shows each in the table', async () => {
    const { page, problems } = await openPage(site.context, `${site.url}www/bench.html?seconds=0.1`, { waitReady: false });
    await finished(page);
    const figures = await page.evaluate(() => window.benchResults);
    assert.deepEqual(figures.map((f) => f.case), ['rm8', 'wide', 'deep']);
    for (const f of figures) {
      assert.ok(f.steps >= 5 && f.batches >= 1, `${f.case}: ${f.steps} steps`);
      assert.ok(f.best > 0 && f.steps_per_second > 0 && f.best >= f.steps_per_second * 0.999, `${f.case}: best ${f.best}, mean ${f.steps_per_second}`);
      assert.ok(Number.isFinite(f.loss), `${f.case}: loss ${f.loss}`);
    }
    const rows = await page.$$eval('[data-role="table"] tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.equal(rows.length, 3);
    for (const r of rows) assert.match(r[2], /^[\d,]+$/, `row ${r[0]} shows a number of steps per second`);
    assert.deepEqual(problems, []);
  });

  test('refuses a duration that is not a number of seconds from 0.1 to 60', async () => {
    const { page } = await openPage(site.context, `${site.url}www/bench.html?seconds=abc`, { waitReady: false });
    await finished(page);
    const error = await page.evaluate(() => window.benchError);
    assert.match(error, /Seconds per case/);
    assert.equal(await page.$eval('[data-role="error"]', (e) => e.hidden), false);
  });
});
