import type { Report, ReportDiff } from '../server/protocol';
import { button, el, note, section } from './dom';
import { estimates } from './estimates';
import { layerTable } from './layer-table';
import { sparsityChart } from './sparsity-chart';
import { summary } from './summary';
import type { SortState } from './vscode';

/** Sort orders by table id, kept in the webview state so a restored panel sorts the same way. */
export interface SortPrefs {
  get(table: string): SortState | undefined;
  set(table: string, s: SortState): void;
}

/** One report: summary, chart, layer table, estimates; with a diff, changes since the previous analysis. */
export function reportView(r: Report, diff: ReportDiff | undefined, sorts: SortPrefs): HTMLElement {
  const n = r.layers.length;
  const parts: [string, string, () => HTMLElement][] = [
    ['chart', 'Sparsity by layer', () => (n ? sparsityChart(r.layers) : note('No Conv, Gemm or MatMul layers in this model.'))],
    ['layers', `Layers (${n})`, () => (n ? layerTable(r, diff, sorts.get('layers'), (s) => sorts.set('layers', s)) : note('Nothing to list.'))],
  ];
  // Anchors would need href attributes; buttons that scroll keep the page free of navigable URLs.
  const nav = el('nav', { cls: 'jump', attrs: { 'aria-label': 'Sections' } },
    ...[['chart', 'Chart'], ['layers', 'Layers'], ['estimates', 'Estimates'], ['warnings', 'Warnings']]
      .filter(([id]) => id !== 'warnings' || r.warnings.length > 0)
      .map(([id, label]) => button(label, () => document.getElementById(id)?.scrollIntoView({ behavior: 'smooth' }), { cls: 'link' })));
  return el('div', { cls: 'report' },
    summary(r, diff),
    nav,
    ...parts.map(([id, heading, make]) => section(id, heading, make())),
    estimates(r),
    note('Zeros are bit-exact (+0 and -0), or equal to the zero point for quantized weights. N:M groups run along K of each layer\u2019s GEMM view (rows = output channels; K channel-last for convolutions). Input density = nonzero share of the layer\u2019s data input in the run.'));
}
