import type { Estimate } from '../../common/protocol';
import type { ReportContext } from '../parts/context';
import { el, note, section } from '../parts/dom';
import { pct, times } from '../parts/format';
import { lazy } from '../parts/lazy';
import { rooflineChart } from '../charts/roofline';
import { speedupChart } from '../charts/speedup-chart';
import { timeSplitChart } from '../charts/time-split';

/**
 * Accelerators as rows, scenarios as columns: speedup over the same chip running the model dense;
 * then, drawn when scrolled to, the same as a chart, where the time goes, and the roofline.
 */
export function estimates(ctx: ReportContext): HTMLElement {
  const r = ctx.report;
  if (r.estimates.length === 0) return section('estimates', 'Estimated speedups', note('No estimates in this report (run with estimates enabled to get them).'));
  const { scenarios, accelerators: chips } = ctx;

  const head = el('tr', null, el('th', { attrs: { scope: 'col' } }, 'Accelerator'), el('th', { attrs: { scope: 'col' } }, 'Sparsity it uses'),
    ...scenarios.map((s) => el('th', { cls: 'num', attrs: { scope: 'col' } }, s)));
  const rows = chips.map((c) => el('tr', null,
    el('th', { attrs: { scope: 'row' } }, c.name),
    el('td', null, el('span', { cls: 'kind' }, c.kind)),
    ...scenarios.map((scenario) => speedupCell(ctx.estimate({ accelerator: c.id, scenario })))));
  // The magnitude a scenario's pruning keeps is a property of the weights, the same on every chip.
  const kept = el('tr', { cls: 'kept' },
    el('th', { attrs: { scope: 'row' }, title: 'Share of the layers\u2019 sum |w| the scenario keeps: what the pruning would cost' }, 'L1 magnitude kept'),
    el('td', null),
    ...scenarios.map((s) => el('td', { cls: 'num' }, pct(r.estimates.find((e) => e.scenario === s)?.l1Kept))));

  return section('estimates', 'Estimated speedups',
    el('div', { cls: 'table-wrap' }, el('table', { cls: 'data estimates' }, el('thead', null, head), el('tbody', null, ...rows, kept))),
    note('Speedup = the model on the same chip dense / with the sparsity it can use; the range comes from each profile\u2019s stated ranges. Formulas and sources: docs/estimator.md.'),
    assumptions(r.estimates, chips.map((c) => c.id), scenarios),
    lazy(() => speedupChart(ctx), 320),
    lazy(() => timeSplitChart(ctx), 260),
    lazy(() => rooflineChart(ctx), 400));
}

function speedupCell(e: Estimate | undefined): HTMLElement {
  if (!e) return el('td', { cls: 'num' }, '-');
  const [lo, hi] = e.speedupRange.map((x) => x.toFixed(2));
  const strong = e.speedup >= 1.1 ? 'gain' : '';
  return el('td', { cls: `num ${strong}`, title: `${e.accelerator.name}, ${e.scenario}: ${e.timeMs.toPrecision(3)} ms vs ${e.denseTimeMs.toPrecision(3)} ms dense; ${pct(e.layerShare)} of dense time in layers it can speed up` },
    el('span', { cls: 'speedup' }, times(e.speedup)), el('span', { cls: 'range' }, lo === hi ? '' : `${lo}\u2013${hi}`));
}

/**
 * Each estimate's assumptions, grouped by accelerator: what holds for every scenario of a chip
 * (its peaks, bandwidth, roofline) is listed once, then what each scenario adds.
 */
function assumptions(all: Estimate[], chips: string[], scenarios: string[]): HTMLElement {
  const body = el('div', { cls: 'assumptions' });
  for (const id of chips) {
    const mine = all.filter((e) => e.accelerator.id === id);
    const common = mine[0].assumptions.filter((a) => mine.every((e) => e.assumptions.includes(a)));
    const group = el('div', { cls: 'assumption-group' }, el('h3', null, mine[0].accelerator.name), el('ul', null, ...common.map((a) => el('li', null, a))));
    for (const s of scenarios) {
      const e = mine.find((x) => x.scenario === s);
      const extra = e?.assumptions.filter((a) => !common.includes(a)) ?? [];
      if (extra.length) group.append(el('p', { cls: 'scenario-label' }, s), el('ul', null, ...extra.map((a) => el('li', null, a))));
    }
    body.append(group);
  }
  return el('details', null, el('summary', null, `Assumptions behind each estimate (${all.length})`), body);
}
