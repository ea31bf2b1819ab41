import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../common/protocol';
import type { PruneResult } from '../common/requests';
import { verdictDoc } from '../common/report/advice';
import { sig } from '../common/report/format';
import { demoReport } from './report-fixtures';
import { editedPlan, pruneFile, prunableModel, writePlan } from './prune-fixtures';
import { clean, count, renderAll, ReportBrowser } from './report-page';
import { tempDir } from './helpers';

const browser = new ReportBrowser();
let demo: Report;
let pruned: PruneResult;

const pct1 = (x: number): string => `${(x * 100).toFixed(1)}%`;

describe('the advice in the report page, in Chromium', { timeout: 240_000 }, () => {
  before(async () => {
    await browser.start();
    demo = await demoReport();
    const dir = tempDir();
    const file = await prunableModel(dir, 'model.onnx');
    const { plan } = await editedPlan(file);
    pruned = await pruneFile(file, writePlan(dir, plan), path.join(dir, 'model.pruned.onnx'));
  });
  after(() => browser.stop());

  it('puts the action list at the top and a verdict column in the layer table that follows the chosen accelerator', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'advice-actions');
    const a = demo.advice!;
    assert.equal(await o.page.textContent('#actions h2'), 'What to do');
    assert.equal(await count(o, '#actions > ol.actions > li'), a.actions.length);
    const gains = await o.page.$$eval('#actions > ol.actions > li .action-gain', (xs) => xs.map((x) => x.textContent));
    assert.deepEqual(gains, a.actions.map((x) => `${x.speedup.toFixed(2)}x`));
    // The section comes before the layer chart: the first thing after the summary and the jump links.
    const order = await o.page.$$eval('.report > section', (ss) => ss.map((s) => s.id));
    assert.equal(order[0], 'actions');

    const header = (): Promise<string[]> => o.page.$$eval('table.vt thead th', (ths) => ths.map((t) => t.textContent ?? ''));
    const column = async (): Promise<string[]> => {
      const i = (await header()).findIndex((h) => h.startsWith('Verdict'));
      return o.page.$$eval('table.vt tbody tr[data-id]', (trs, k) => trs.map((tr) => tr.children[k as number].textContent ?? ''), i);
    };
    const first = demo.estimates[0].accelerator.id;
    assert.ok((await header()).includes(`Verdict (${first})`));
    assert.deepEqual(await column(), a.verdicts.map((v) => v.targets[first][0].label));
    // Another accelerator: the header and every cell follow it.
    const other = 'ryzen-7950x+deepsparse';
    await o.page.selectOption('.layer-table select[aria-label="Accelerator"]', other);
    assert.ok((await header()).includes(`Verdict (${other})`));
    assert.deepEqual(await column(), a.verdicts.map((v) => v.targets[other][0].label));
    // A cell's tooltip gives every verdict with its figures and where the docs explain it.
    const i = (await header()).findIndex((h) => h.startsWith('Verdict'));
    const tip = await o.page.$eval(`table.vt tbody tr[data-id="0"]`, (tr, k) => tr.children[k as number].getAttribute('title') ?? '', i);
    assert.ok(tip.includes(verdictDoc(a.verdicts[0].targets[other][0].code)), tip);
    clean(o);
    await o.context.close();
  });

  it('draws the plan\u2019s Pareto front, picks a point, and offers to apply it', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'advice-plan');
    await renderAll(o.page);
    const plan = demo.advice!.plan!;
    assert.equal(await count(o, '#chart-pareto circle.front-point'), plan.front.length);
    assert.equal(await count(o, '#plan table.data tbody tr'), plan.layers.length);
    const rows = await o.page.$$eval('#plan table.data tbody tr', (trs) => trs.map((tr) => [tr.children[0].textContent, tr.children[2].textContent]));
    assert.deepEqual(rows, plan.layers.map((l) => [l.name, l.prune]));
    // The plan's own point is picked at first; the last point is the most pruned.
    assert.equal(await count(o, '#chart-pareto circle.picked'), 1);
    const last = plan.front[plan.front.length - 1];
    await o.page.focus('#chart-pareto svg');
    await o.page.keyboard.press('End');
    assert.match(await o.page.textContent('#chart-pareto .readout') ?? '', new RegExp(`^picked: ${pct1(last.l1Kept).replace('.', '\\.')} of L1 kept: ${last.speedup.toFixed(2)}x`));
    assert.ok((await o.page.textContent('.plan-cli') ?? '').includes(`--target ${plan.target.id} --keep ${Number(last.l1Kept.toFixed(4))}`));
    // In a browser there is no editor to write the copy: the page says so.
    await o.page.click('button.apply-plan');
    await o.page.waitForSelector('.outcome.fail');
    assert.match(await o.page.textContent('.outcome') ?? '', /^Apply plan failed: This is an exported report/);
    clean(o);
    await o.context.close();
  });

  it('shows the headline on the focus targets, with the zero channels it rests on', async () => {
    const o = await browser.open({ type: 'report', report: demo }, 'advice-headline');
    const tile = await o.page.$eval('.tile:has(.headline-action), .tile:has-text("Speedup as-is")', (t) => t.textContent ?? '');
    for (const id of demo.advice!.focus.targets) assert.ok(tile.includes(id), `${id} in "${tile}"`);
    clean(o);
    await o.context.close();
  });

  it('shows a pruned copy\u2019s drift, latency, patterns and estimates in the comparison view', async () => {
    const p = pruned.prune;
    const o = await browser.open({ type: 'compare', a: pruned.a, b: pruned.b, diff: pruned.diff, prune: p }, 'advice-prune-compare');
    const cells = (sel: string): Promise<string[][]> => o.page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
    const drift = await cells('#prune table.drift');
    assert.deepEqual(drift, p.drift.outputs.map((d) => [d.name, `[${d.shape.join(', ')}] ${d.dtype}`, sig(d.maxAbs), sig(d.relL2), sig(d.cosine), d.top1 ? `${pct1(d.top1.agreement)} of ${d.top1.rows}` : '-']));
    const latency = await cells('#prune table.latency');
    assert.deepEqual(latency.map((r) => r.slice(0, 2)), [['A, original', p.latency.original.p50.toFixed(3)], ['B, pruned copy', p.latency.pruned.p50.toFixed(3)]]);
    assert.match(await o.page.textContent('#prune') ?? '', new RegExp(`Latency here: ${p.latency.measuredSpeedup.toFixed(2)}x measured`));
    assert.deepEqual(await cells('#prune table.prune-layers'), p.layers.map((l) => [l.name, l.prune, l.measured, l.ok ? 'yes' : 'no']));
    assert.equal(await count(o, '#prune table.prune-estimates tbody tr'), p.estimates.length);
    clean(o);
    await o.context.close();
  });
});
