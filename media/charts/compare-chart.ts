import type { ReportDiff } from '../../common/protocol';
import { barWindow } from './bar-window';
import { note } from '../parts/dom';
import { fileStem } from './download';
import { deltaPp } from '../parts/format';
import { createStore } from '../parts/store';

/**
 * Per-layer changes between two models (b - a, layers matched by name, in the diff's order):
 * change of weight sparsity and of input density as bars either side of zero.
 */
export function compareChart(diff: ReportDiff, stem: string): HTMLElement {
  const d = diff.layers;
  let m = 0.01;
  for (const x of d) m = Math.max(m, Math.abs(x.sparsity), Math.abs(x.inputDensity ?? 0));
  return barWindow({
    id: 'chart-deltas', title: 'Per-layer changes, B \u2212 A', stem: fileStem(stem),
    n: d.length,
    series: [
      { key: 'sparsity', label: '\u0394 weight sparsity', cls: 'bar-weight', color: '--weight', value: (i) => d[i].sparsity },
      { key: 'density', label: '\u0394 input density', cls: 'bar-activation', color: '--activation', value: (i) => d[i].inputDensity },
    ],
    domain: [-m, m],
    tickFormat: (v) => `${v > 0 ? '+' : ''}${Math.round(v * 100)} pp`,
    describe: (i) => `${d[i].name} (${d[i].opType})\nweight sparsity ${deltaPp(d[i].sparsity, 2)}\ninput density ${deltaPp(d[i].inputDensity, 2)}\n2:4 ready: ${d[i].ready24[0] ? 'yes' : 'no'} \u2192 ${d[i].ready24[1] ? 'yes' : 'no'}`,
    ariaLabel: `Bar chart of the change in weight sparsity and input density for ${d.length} layers present in both models; the table below lists the same figures. Arrow keys move through the layers.`,
    selected: createStore<number | null>(d.length ? 0 : null),
    note: note('Bars above zero: B has more zeros (weight) or denser inputs (activation) than A.'),
  });
}
