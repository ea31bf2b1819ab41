import type { Estimate, EstimateSupport } from '../../common/protocol';
import { zeroChannelEstimates } from '../../common/report/advice';
import { costSourceText, supportLabel, targetSummaries } from '../../common/report/estimate-summary';
import { GENERATED_NOTE } from '../../common/report/activation-figures';
import type { ReportContext } from '../parts/context';
import { el, note, section } from '../parts/dom';
import { pct, times } from '../parts/format';
import { lazy } from '../parts/lazy';
import { batchSweepChart } from '../charts/batch-sweep';
import { rooflineChart } from '../charts/roofline';
import { speedupChart } from '../charts/speedup-chart';
import { timeSplitChart } from '../charts/time-split';

/**
 * Targets (chip + runtime) as rows, scenarios as columns: speedup over the same target running
 * the model dense, with the runtime's support today; below, per target, the batch rule and the
 * support in words; then, drawn when scrolled to, the same as charts: speedups, the batch sweep,
 * where the time goes, and the roofline.
 */
export function estimates(ctx: ReportContext): HTMLElement {
  const r = ctx.report;
  if (r.estimates.length === 0) return section('estimates', 'Estimated speedups', note('No estimates in this report (run with estimates enabled to get them).'));
  const { scenarios } = ctx;
  const summaries = targetSummaries(r);

  const head = el('tr', null, el('th', { attrs: { scope: 'col' } }, 'Target'), el('th', { attrs: { scope: 'col' } }, 'Sparsity it uses'),
    el('th', { attrs: { scope: 'col' } }, 'Runtime support today'),
    ...scenarios.map((s) => el('th', { cls: 'num', attrs: { scope: 'col' } }, s)));
  const rows = summaries.map((t) => el('tr', null,
    el('th', { attrs: { scope: 'row' } }, t.accelerator.name),
    el('td', null, el('span', { cls: 'kind', title: t.accelerator.kind }, t.pattern)),
    supportCell(t.support),
    ...scenarios.map((scenario) => speedupCell(ctx.estimate({ accelerator: t.accelerator.id, scenario })))));
  // The magnitude a scenario's pruning keeps is a property of the weights, the same on every chip.
  const kept = el('tr', { cls: 'kept' },
    el('th', { attrs: { scope: 'row' }, title: 'Share of the layers\u2019 sum |w| the scenario keeps: what the pruning would cost' }, 'L1 magnitude kept'),
    el('td', null), el('td', null),
    ...scenarios.map((s) => el('td', { cls: 'num' }, pct(r.estimates.find((e) => e.scenario === s)?.l1Kept))));
  const costs = costSourceText(r);
  const zeros = zeroChannelEstimates(r);

  return section('estimates', 'Estimated speedups',
    el('div', { cls: 'table-wrap' }, el('table', { cls: 'data estimates' }, el('thead', null, head), el('tbody', null, ...rows, kept))),
    note('Speedup = the model on the same target dense / with the sparsity its runtime uses. The range samples every ranged number of the profile jointly (fixed-seed Monte Carlo), the dense baseline under the same draw; it is never clamped.',
      costs ? ` ${costs}` : '', ' Formulas and sources: docs/estimator.md.'),
    zeros && el('p', { cls: 'note warn zero-channels' }, `As-is figures above 1x on dense targets rest on the ${zeros.rows} all-zero output channels and ${zeros.cols} all-zero K columns (the layer table\u2019s "Dead channels"), which the estimator counts removed: runtimes compute them unless the model is exported without them (docs/advisor.md#compactable).`),
    el('ul', { cls: 'target-rules' }, ...summaries.map((t) => el('li', null,
      el('strong', null, t.accelerator.name), t.lead.batchRule ? ` (${t.lead.scenario}): ${t.lead.batchRule.text}.` : '',
      ...(t.support ? [el('br', null), el('span', { cls: `support-${t.support.usable ? 'usable' : 'blocked'}` }, `${t.support.pattern} at ${t.support.dtype}: ${t.support.status} (${t.support.date})`), `: ${t.support.reason} (${t.support.source}).`] : [])))),
    assumptions(r.estimates, summaries.map((t) => t.accelerator.id), scenarios),
    lazy(() => speedupChart(ctx), 320),
    lazy(() => batchSweepChart(ctx), 340),
    lazy(() => timeSplitChart(ctx), 260),
    lazy(() => rooflineChart(ctx), 400));
}

function supportCell(s: EstimateSupport | undefined): HTMLElement {
  return el('td', { cls: s ? `support-${s.usable ? 'usable' : 'blocked'}` : '', title: s ? `${s.reason} (${s.source})` : 'your own profile: no support entry' }, supportLabel(s));
}

function speedupCell(e: Estimate | undefined): HTMLElement {
  if (!e) return el('td', { cls: 'num' }, '-');
  const [lo, hi] = e.speedupRange.map((x) => x.toFixed(2));
  const strong = e.speedup >= 1.1 ? 'gain' : '';
  // A target that skips zero activations priced on generated ones says so in its cell.
  const generated = e.activationInputs?.kind === 'generated';
  return el('td', { cls: `num ${strong}`, title: `${e.accelerator.name}, ${e.scenario}: ${e.timeMs.toPrecision(3)} ms vs ${e.denseTimeMs.toPrecision(3)} ms dense; ${pct(e.layerShare)} of dense time in layers it can speed up${generated ? `; activation densities from ${GENERATED_NOTE}` : ''}` },
    el('span', { cls: 'speedup' }, times(e.speedup)), el('span', { cls: 'range' }, lo === hi ? '' : `${lo}\u2013${hi}`),
    generated && el('span', { cls: 'generated-flag' }, 'generated inputs'));
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
