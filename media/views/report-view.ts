import type { Report, ReportDiff } from '../../common/protocol';
import { activationSection } from './activations';
import { benchChart } from '../charts/bench-chart';
import { createContext, type UiPrefs } from '../parts/context';
import { crossoverChart } from '../charts/crossover-chart';
import { button, el, note, section } from '../parts/dom';
import { estimates } from '../tables/estimates';
import { lazy } from '../parts/lazy';
import { layerDetail } from './layer-detail';
import { layerTable } from '../tables/layer-table';
import { sparsityChart } from '../charts/sparsity-chart';
import { summary, type Act } from './summary';
import { actionsSection } from './actions';
import { planSection, type Apply } from './plan';
import type { SortState } from '../host/vscode';

/** Sort orders by table id, kept in the webview state so a restored panel sorts the same way. */
export interface SortPrefs {
  get(table: string): SortState | undefined;
  set(table: string, s: SortState): void;
}

/**
 * One report: summary, then the layer chart, the selected layer, the layer table, estimates and
 * this machine's measurements. The summary and the table (virtualised) are built at once; every
 * chart is built when it scrolls into view, so first paint does not wait on any of them. The
 * heights reserved for the chart and the selected layer are what they draw on the demo model
 * (298 and 361 px in Chromium), so the table below them barely moves as they appear.
 */
export function reportView(r: Report, diff: ReportDiff | undefined, sorts: SortPrefs, prefs: UiPrefs, savePrefs: (p: UiPrefs) => void, act?: Act, apply?: Apply): HTMLElement {
  const ctx = createContext(r, diff, prefs, savePrefs);
  const n = r.layers.length;
  const machine = r.bench || r.crossover;
  const parts: [string, string, boolean][] = [
    ['actions', 'What to do', !!r.advice], ['chart', 'Chart', true], ['layer', 'Selected layer', n > 0], ['layers', 'Layers', true], ['activations', 'Activations', r.run?.ok === true], ['estimates', 'Estimates', true],
    ['plan', 'Pruning plan', !!r.advice?.plan],
    ['machine', 'This machine', !!machine], ['warnings', 'Warnings', r.warnings.length > 0],
  ];
  // Anchors would need href attributes; buttons that scroll keep the page free of navigable URLs.
  const nav = el('nav', { cls: 'jump', attrs: { 'aria-label': 'Sections' } },
    ...parts.filter(([, , shown]) => shown).map(([id, label]) => button(label, () => document.getElementById(id)?.scrollIntoView({ behavior: 'smooth' }), { cls: 'link' })));
  return el('div', { cls: 'report' },
    summary(r, diff, act),
    nav,
    actionsSection(r),
    section('chart', 'Sparsity by layer', n ? lazy(() => sparsityChart(ctx), 300) : note('No Conv, Gemm or MatMul layers in this model.')),
    n > 0 && section('layer', 'Selected layer', lazy(() => layerDetail(ctx), 360)),
    section('layers', `Layers (${n})`, n ? layerTable(ctx, sorts.get('layers'), (s) => sorts.set('layers', s)) : note('Nothing to list.')),
    activationSection(ctx, act),
    estimates(ctx),
    planSection(r.advice?.plan, ctx.stem, sorts.get('plan'), (s) => sorts.set('plan', s), apply),
    machine && section('machine', 'This machine',
      r.bench ? lazy(() => benchChart(ctx, r.bench!), 200) : note('No latency measured for this model here: run `onnx-sparsity bench MODEL`.'),
      r.crossover ? lazy(() => crossoverChart(ctx, r.crossover!), 340) : note('No crossover measured here: run `onnx-sparsity crossover`.')),
    note('Zeros are bit-exact (+0 and -0), or equal to the zero point for quantized weights. N:M groups run along K of each layer\u2019s GEMM view (rows = output channels; K channel-last for convolutions). Input density = nonzero share of the layer\u2019s data input in the run.'));
}
