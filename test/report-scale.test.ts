import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeModel } from '../server/pipeline/analyze';
import type { Report } from '../common/protocol';
import { demoReport } from './report-fixtures';
import { ARTIFACTS, clean, clickSettled, count, renderAll, ReportBrowser, tableNames } from './report-page';
import { syntheticReport } from './synthetic-report';

const PPOCR_DET = path.join(__dirname, '..', '..', 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');
const browser = new ReportBrowser();
let demo: Report;

describe('large reports in Chromium', { timeout: 120_000 }, () => {
  before(async () => {
    await browser.start();
    demo = await demoReport();
  });
  after(() => browser.stop());

  it('paints a 1,000-layer report quickly (time printed, not asserted)', async () => {
    const big = syntheticReport(demo, 1000);
    const times: string[] = [];
    for (let k = 0; k < 3; k++) {
      const o = await browser.open({ type: 'report', report: big }, 'layers-1000');
      const t = await o.firstPaint();
      times.push(`${t.paint.toFixed(0)} ms (drawn at ${t.drawn.toFixed(0)} ms)`);
      assert.ok((await count(o, 'table.vt tbody tr[data-id]')) < 100, 'only the visible rows are in the DOM');
      clean(o);
      await o.context.close();
    }
    console.log(`first paint, 1,000 layers: ${times.join(', ')}`);
  });

  it('scrolls a 10,000-layer report with only the visible rows in the DOM', async () => {
    const big = syntheticReport(demo, 10_000);
    const o = await browser.open({ type: 'report', report: big }, 'layers-10000');
    const t = await o.firstPaint();
    console.log(`first paint, 10,000 layers: ${t.paint.toFixed(0)} ms (drawn at ${t.drawn.toFixed(0)} ms)`);
    const rows = (): Promise<number> => count(o, 'table.vt tbody tr[data-id]');
    assert.ok((await rows()) < 100, `${await rows()} rows in the DOM`);
    await o.page.$eval('.vt-wrap', (w) => w.scrollTo(0, w.scrollHeight));
    await o.page.waitForSelector('table.vt tr[data-id="9999"]');
    const names = await tableNames(o.page);
    assert.equal(names[names.length - 1], big.layers[9999].name, 'the last layer is shown at the end');
    assert.ok((await rows()) < 100);
    // Halfway, by the scrollbar: the rows there are the ones drawn.
    await o.page.$eval('.vt-wrap', (w) => w.scrollTo(0, w.scrollHeight / 2));
    await o.page.waitForSelector('table.vt tr[data-id="5000"]');

    const start = Date.now();
    await clickSettled(o.page, 'button.sort:text-is("Layer")');
    await o.page.$eval('.vt-wrap', (w) => w.scrollTo(0, 0));
    const firstByName = big.layers.map((l) => l.name).sort(new Intl.Collator(undefined, { numeric: true }).compare)[0];
    await o.page.locator('table.vt tbody tr[data-id]').first().locator('td:nth-child(2)', { hasText: firstByName }).waitFor();
    console.log(`sorting 10,000 layers by name and showing the top: ${Date.now() - start} ms`);

    await o.page.locator('#chart').scrollIntoViewIfNeeded();
    await o.page.waitForSelector('#chart-sparsity rect.bar-weight');
    const bars = await count(o, '#chart-sparsity rect.bar-weight');
    assert.ok(bars > 50 && bars < 1000, `a window of ${bars} bars, not 10,000`);
    assert.equal(await o.page.isVisible('#chart-sparsity .overview'), true, 'the overview strip moves the window');
    await o.page.focus('#chart-sparsity svg.bar-plot');
    await o.page.keyboard.press('End');
    assert.equal(await count(o, '#chart-sparsity rect.bar-weight[data-index="9999"]'), 1, 'the window follows the selection');
    assert.equal(await o.page.getAttribute('table.vt tr[data-id="9999"]', 'aria-selected'), 'true', 'and the table shows it');
    clean(o);
    await o.context.close();
  });
});

describe('screenshots, light and dark', { timeout: 120_000 }, () => {
  before(() => browser.start());
  after(() => browser.stop());

  it(`saves full-page screenshots under ${ARTIFACTS}`, async () => {
    const reports: [string, Report][] = [['demo', demo]];
    if (existsSync(PPOCR_DET)) reports.push(['ppocr-det', await analyzeModel({ file: PPOCR_DET, run: { dims: { 'p2o.DynamicDimension.1': 320, 'p2o.DynamicDimension.2': 320 } } })]);
    for (const [name, report] of reports) {
      for (const scheme of ['light', 'dark'] as const) {
        const o = await browser.open({ type: 'report', report }, `${name}-${scheme}`, scheme);
        await renderAll(o.page);
        const file = path.join(ARTIFACTS, `${name}-${scheme}.png`);
        await o.page.screenshot({ path: file, fullPage: true });
        console.log(`screenshot: ${file}`);
        clean(o);
        await o.context.close();
      }
    }
  });
});
