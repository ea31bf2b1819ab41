import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LayerReport, Report } from '../common/protocol';
import { diffReports } from '../common/report/diff';
import { demoReport, evilReport, EVIL_IMG, EVIL_SCRIPT, prunedCopy } from './report-fixtures';
import { ARTIFACTS, clean, clickSettled, count, renderAll, ReportBrowser, tableNames, type Opened } from './report-page';

const browser = new ReportBrowser();
let demo: Report;

const heatCells = (l: LayerReport): number[] => [...Buffer.from(l.heatmap!.density, 'base64')];

describe('the standalone HTML report in Chromium', { timeout: 120_000 }, () => {
  before(async () => {
    await browser.start();
    demo = await demoReport();
  });
  after(() => browser.stop());

  it('shows the report\u2019s summary figures', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'demo-summary');
    const tiles = await o.page.$$eval('.tile', (ts) => Object.fromEntries(ts.map((t) => [t.querySelector('.tile-label')?.textContent, t.querySelector('.tile-value')?.textContent])));
    const t = demo.totals;
    assert.equal(tiles['Weight sparsity'], `${(t.sparsity * 100).toFixed(2)}%`);
    assert.equal(tiles['Near-zero'], `${((t.nearZeros / t.params) * 100).toFixed(2)}%`);
    assert.equal(tiles['Layer weights'], `${(t.layerWeights.sparsity * 100).toFixed(2)}%`);
    assert.equal(tiles['Parameters'], `${(t.params / 1e3).toFixed(2)} k`);
    assert.equal(tiles['2:4-ready layers'], `${demo.layers.filter((l) => l.nm['2:4'].ready).length} of ${demo.layers.length}`);
    assert.equal(tiles['MACs'], `${(t.macs! / 1e6).toFixed(2)} M`);
    // The headline is the model as it is on the focus targets (the default pair here), never the best exotic figure.
    const focus = demo.estimates.find((e) => e.accelerator.id === demo.advice!.focus.targets[0] && e.scenario === 'as-is')!;
    assert.equal(tiles['Speedup as-is (default targets)'], `${focus.speedup.toFixed(2)}x`);
    assert.equal(tiles['Best estimated speedup'], undefined);
    assert.equal(await o.page.textContent('h1'), demo.model.name);
    assert.equal(await o.page.textContent('#layers h2'), `Layers (${demo.layers.length})`);
    clean(o);
    await o.context.close();
  });

  it('lists every layer in graph order, sorts by a column and filters', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'demo-table');
    assert.deepEqual(await tableNames(o.page), demo.layers.map((l) => l.name));
    const bySparsity = (dir: number): string[] => demo.layers.map((l, i) => ({ l, i })).sort((a, b) => (a.l.sparsity - b.l.sparsity) * dir || a.i - b.i).map((x) => x.l.name);
    await clickSettled(o.page, 'button.sort:text-is("Weight zeros")');
    assert.deepEqual(await tableNames(o.page), bySparsity(-1));
    assert.equal(await o.page.getAttribute('th:has(button:text-is("Weight zeros"))', 'aria-sort'), 'descending');
    await clickSettled(o.page, 'button.sort:text-is("Weight zeros")');
    assert.deepEqual(await tableNames(o.page), bySparsity(1));
    await clickSettled(o.page, 'button.sort:text-is("#")');

    await o.page.selectOption('.filters select', 'Conv');
    assert.deepEqual(await tableNames(o.page), demo.layers.filter((l) => l.opType === 'Conv').map((l) => l.name));
    await o.page.selectOption('.filters select', '');
    await o.page.fill('.filters input[type=search]', 'FC');
    assert.deepEqual(await tableNames(o.page), ['fc1', 'fc2']);
    await o.page.fill('.filters input[type=search]', '');
    await o.page.fill('input[aria-label^="Minimum weight zeros"]', '50');
    assert.deepEqual(await tableNames(o.page), demo.layers.filter((l) => l.sparsity >= 0.5).map((l) => l.name));
    await o.page.fill('input[aria-label^="Minimum weight zeros"]', '');
    await o.page.fill('input[aria-label^="Maximum input density"]', '60');
    assert.deepEqual(await tableNames(o.page), demo.layers.filter((l) => (l.activation?.inputDensity ?? 1) <= 0.6).map((l) => l.name));
    assert.match(await o.page.textContent('.filter-count') ?? '', /of 5 layers/);
    clean(o);
    await o.context.close();
  });

  it('draws each chart\u2019s marks', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'demo-charts');
    await renderAll(o.page);
    const measured = demo.layers.filter((l) => typeof l.activation?.inputDensity === 'number').length;
    assert.equal(await count(o, '#chart-sparsity rect.bar-weight'), demo.layers.length, 'one weight bar per layer');
    assert.equal(await count(o, '#chart-sparsity rect.bar-activation'), measured, 'one activation bar per measured layer');
    const first = demo.layers[0];
    assert.deepEqual(await heatmapPixels(o), { rows: first.heatmap!.rows, cols: first.heatmap!.cols, zero: heatCells(first).map((d) => d === 0) });
    const w = demo.weights.find((x) => x.name === first.weight)!;
    assert.equal(await count(o, '#chart-histogram rect.bin'), w.histogram.counts.filter((c) => c > 0).length, 'one bar per nonempty bin');
    assert.equal(await count(o, '#chart-speedups rect.speedup-bar'), demo.estimates.length, 'one bar per estimate');
    const chips = new Set(demo.estimates.map((e) => e.accelerator.id)).size;
    assert.equal(await count(o, '#chart-time-split rect.split-layers'), 2 * chips, 'dense and scenario per accelerator');
    const dots = await o.page.$$eval('#chart-roofline path.dots', (ps) => ps.map((p) => (p.getAttribute('d')?.match(/M/g) ?? []).length).reduce((a, b) => a + b, 0));
    assert.equal(dots, demo.layers.filter((l) => l.macs && l.bytes).length, 'one roofline point per layer with MACs and bytes');
    assert.equal(await count(o, '#chart-roofline path.roof'), Object.keys(demo.estimates[0].roofline!.macsPerSecond).length);
    assert.equal(await count(o, '#chart-bench circle.stat'), 12, 'min, p50, p90, p99, max, mean for the model and its pruned copy');
    assert.equal(await count(o, '#chart-crossover circle.point'), demo.crossover!.levels.length * 2 + demo.crossover!.levels.filter((l) => l.sparseMs.ortComposite !== null).length);
    clean(o);
    await o.context.close();
  });

  it('selects a layer everywhere from the table, a chart or the keyboard', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'demo-select');
    await renderAll(o.page);
    const selected = (): Promise<string[]> => o.page.$$eval('table.vt tr[aria-selected=true]', (trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''));
    const fc2 = demo.layers.findIndex((l) => l.name === 'fc2');
    await o.page.click(`table.vt tr[data-id="${fc2}"]`);
    assert.deepEqual(await selected(), [String(fc2)]);
    const heat = await heatmapPixels(o);
    assert.deepEqual(heat, { rows: demo.layers[fc2].heatmap!.rows, cols: demo.layers[fc2].heatmap!.cols, zero: heatCells(demo.layers[fc2]).map((d) => d === 0) });
    assert.ok(heat.zero.includes(true) && heat.zero.includes(false), 'fc2 has zero and nonzero 4x4 blocks');
    assert.match(await o.page.getAttribute('#chart-heatmap canvas', 'aria-label') ?? '', /of fc2:/);
    const w = demo.weights.find((x) => x.name === 'fc2.weight')!;
    assert.equal(await count(o, '#chart-histogram rect.bin'), w.histogram.counts.filter((c) => c > 0).length);
    assert.match(await o.page.textContent('#chart-histogram .readout') ?? '', /^fc2\.weight:/);
    assert.equal(await o.page.textContent('.detail-head h3'), `#${fc2 + 1} fc2`);
    assert.equal(await count(o, '#chart-sparsity rect.sel'), 1);

    // A bar in the chart selects its layer in the table and the heatmap; the highlight moves to
    // it without the bars being drawn again.
    await o.page.evaluate(`document.querySelector('#chart-sparsity rect.bar-weight[data-index="1"]').dataset.probe = 'kept'`);
    await o.page.click('#chart-sparsity rect.bar-weight[data-index="1"]');
    assert.deepEqual(await selected(), ['1']);
    const box = (sel: string): Promise<[number, number]> => o.page.$eval(sel, (r) => { const b = r.getBoundingClientRect(); return [b.left, b.right] as [number, number]; });
    const [hl, bar] = [await box('#chart-sparsity rect.sel'), await box('#chart-sparsity rect.bar-weight[data-index="1"]')];
    assert.ok(hl[0] <= bar[0] && bar[1] <= hl[1], `highlight ${hl} around the selected bar ${bar}`);
    assert.equal(await o.page.getAttribute('#chart-sparsity rect.bar-weight[data-index="1"]', 'data-probe'), 'kept');
    assert.match(await o.page.getAttribute('#chart-heatmap canvas', 'aria-label') ?? '', /of conv2:/);
    // Arrow keys on a chart and on the table move the one selection.
    await o.page.focus('#chart-heatmap canvas');
    await o.page.keyboard.press('ArrowRight');
    assert.deepEqual(await selected(), ['2']);
    await o.page.focus('.vt-wrap');
    await o.page.keyboard.press('ArrowDown');
    assert.deepEqual(await selected(), ['3']);
    await o.page.focus('#chart-roofline svg');
    await o.page.keyboard.press('Home');
    assert.deepEqual(await selected(), ['0']);
    assert.match(await o.page.textContent('#chart-roofline .readout') ?? '', /conv1/);
    clean(o);
    await o.context.close();
  });

  it('downloads a chart as SVG and as PNG, made in the page', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'demo-export');
    await renderAll(o.page);
    const fc2 = demo.layers.find((l) => l.name === 'fc2')!;
    await o.page.click(`table.vt tr[data-id="${demo.layers.indexOf(fc2)}"]`);
    for (const [chart, cells] of [['chart-heatmap', fc2.heatmap!.rows * fc2.heatmap!.cols], ['chart-speedups', demo.estimates.length]] as const) {
      const [svg] = await Promise.all([o.page.waitForEvent('download'), o.page.click(`#${chart} button:text-is("SVG")`)]);
      const svgFile = path.join(ARTIFACTS, svg.suggestedFilename());
      await svg.saveAs(svgFile);
      const text = readFileSync(svgFile, 'utf8');
      assert.match(text, /^<\?xml[^>]*>\n<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.ok((text.match(/<rect/g) ?? []).length >= cells, `${chart}: ${cells} marks in the SVG`);
      assert.doesNotMatch(text, /var\(--/, 'colours are inlined, not theme variables');
      const [png] = await Promise.all([o.page.waitForEvent('download'), o.page.click(`#${chart} button:text-is("PNG")`)]);
      const pngFile = path.join(ARTIFACTS, png.suggestedFilename());
      await png.saveAs(pngFile);
      assert.deepEqual([...readFileSync(pngFile).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.equal(svg.suggestedFilename(), `demo-cnn-mlp-${chart}.svg`.replace('demo-cnn-mlp', demo.model.name.replace(/\.onnx$/, '')));
    }
    clean(o);
    await o.context.close();
  });

  it('keeps markup from the model as text and runs none of it', async () => {
    const evil = await evilReport();
    const o = await browser.open({ type: 'report', report: evil }, 'evil');
    await renderAll(o.page);
    await o.page.click('table.vt tr[data-id="1"]');
    await o.page.hover('#chart-sparsity rect.bar-weight[data-index="0"]');
    assert.equal(await o.page.evaluate('window.__pwned'), undefined, 'no payload ran');
    assert.equal(await count(o, 'img'), 0, 'no element came from model strings');
    assert.equal(await count(o, 'script'), 3, 'the data block, the host stand-in and the app: nothing more');
    assert.equal(await o.page.textContent('h1'), evil.model.name);
    assert.deepEqual(await tableNames(o.page), evil.layers.map((l) => l.name));
    assert.ok((await o.page.textContent('.layer-detail') ?? '').includes(`${EVIL_SCRIPT} matmul`));
    assert.ok((await o.page.textContent('#warnings') ?? '').includes(EVIL_IMG));
    assert.ok((await o.page.textContent('.tooltip') ?? '').includes(EVIL_IMG), 'tooltips are text too');
    assert.ok((await o.page.textContent('.facts') ?? '').includes(EVIL_SCRIPT), 'producer shown literally');
    clean(o);
    await o.context.close();
  });

  it('compares two reports with a per-layer delta chart', async () => {
    const b = prunedCopy(demo);
    const diff = diffReports(demo, b);
    const o = await browser.open({ type: 'compare', a: demo, b, diff }, 'compare');
    await renderAll(o.page);
    assert.equal(await count(o, '#chart-deltas rect.bar-weight'), diff.layers.length);
    assert.equal(await count(o, '#chart-deltas rect.bar-activation'), diff.layers.filter((d) => d.inputDensity !== null).length);
    // Every estimate of either side, and a row per measured N:M pattern in the totals.
    assert.equal(await count(o, '#compare-estimates tbody tr'), diff.estimates.length);
    assert.ok(diff.estimates.length > 0);
    for (const p of diff.patterns) assert.ok((await o.page.textContent('#compare-totals') ?? '').includes(`${p.pattern}-ready layers`), p.pattern);
    const moved = diff.patterns.filter((p) => p.lost.length || p.gained.length || p.missing.length);
    assert.equal(await count(o, '#compare-readiness details'), moved.reduce((n, p) => n + Number(p.lost.length > 0) + Number(p.gained.length > 0) + Number(p.missing.length > 0), 0));
    // Named A-vs-B, as the comparison's own export is, without the models' .onnx in the middle.
    const [svg] = await Promise.all([o.page.waitForEvent('download'), o.page.click('#chart-deltas button:text-is("SVG")')]);
    assert.equal(svg.suggestedFilename(), `${demo.model.name.replace(/\.onnx$/, '')}-vs-demo-pruned-chart-deltas.svg`);
    clean(o);
    await o.context.close();
  });

  it('keeps the drawn report when the host says a re-analysis was cancelled', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'cancelled-reanalysis');
    await o.page.evaluate(`(() => { document.querySelector('.report').dataset.probe = 'first draw'; })()`);
    await o.page.evaluate(`window.postMessage({ type: 'busy', message: 'Analyzing demo.onnx: instrumented run 2', fraction: 0.4 }, '*')`);
    await o.page.waitForSelector('.busy:not([hidden])');
    await o.page.evaluate(`window.postMessage({ type: 'idle' }, '*')`);
    await o.page.waitForSelector('.busy', { state: 'hidden' });
    assert.equal(await o.page.getAttribute('.report', 'data-probe'), 'first draw', 'the report was not drawn again');
    assert.equal(await o.page.isVisible('.error-box'), false, 'a cancel is not an error');
    clean(o);
    await o.context.close();
  });
});

/** The heatmap canvas read back: its grid, and which cells are painted in the all-zero colour. */
async function heatmapPixels(o: Opened): Promise<{ rows: number; cols: number; zero: boolean[] }> {
  const px = await o.page.evaluate<{ rows: number; cols: number; cells: number[][] }>(`(() => {
    const c = document.querySelector('#chart-heatmap canvas');
    const rows = Number(c.dataset.rows), cols = Number(c.dataset.cols);
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const cells = [];
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) {
      const at = 4 * (Math.floor((r + 0.4) * c.height / rows) * c.width + Math.floor((k + 0.4) * c.width / cols));
      cells.push([...data.subarray(at, at + 4)]);
    }
    return { rows, cols, cells };
  })()`);
  const zeroColour = await o.page.evaluate<number[]>(`(() => {
    const c = document.createElement('canvas').getContext('2d');
    c.fillStyle = getComputedStyle(document.body).getPropertyValue('--heat-zero').trim();
    c.fillRect(0, 0, 1, 1);
    return [...c.getImageData(0, 0, 1, 1).data];
  })()`);
  assert.ok(px.cells.every((c) => c[3] === 255), 'every cell painted opaque');
  return { rows: px.rows, cols: px.cols, zero: px.cells.map((c) => c.every((v, i) => v === zeroColour[i])) };
}
