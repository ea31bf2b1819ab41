import { barWindow } from './bar-window';
import type { ReportContext } from '../parts/context';
import { note } from '../parts/dom';
import { count, pct } from '../parts/format';

/**
 * Weight sparsity and input-activation sparsity (1 - input density) per layer, as grouped bars
 * in graph order, numbered as in the table. A model with thousands of layers shows a window of
 * them with an overview strip to move it (bar-window.ts).
 */
export function sparsityChart(ctx: ReportContext): HTMLElement {
  const layers = ctx.report.layers;
  const measured = layers.some((l) => typeof l.activation?.inputDensity === 'number');
  const activation = (i: number): number | null => {
    const d = layers[i].activation?.inputDensity;
    return typeof d === 'number' ? 1 - d : null;
  };
  return barWindow({
    id: 'chart-sparsity', title: 'Weight vs activation sparsity per layer', stem: ctx.stem,
    n: layers.length,
    series: [
      { key: 'weight', label: 'weight sparsity (exact zeros)', cls: 'bar-weight', color: '--weight', value: (i) => layers[i].sparsity },
      { key: 'activation', label: measured ? 'input activation sparsity (1 \u2212 density)' : 'input activation sparsity: not measured (the model did not run)', cls: 'bar-activation', color: '--activation', value: activation },
    ],
    domain: [0, 1],
    tickFormat: (v) => `${Math.round(v * 100)}%`,
    describe: (i) => {
      const l = layers[i];
      const a = activation(i);
      return `#${i + 1} ${l.name} (${l.opType})\nweight sparsity ${pct(l.sparsity, 2)}: ${count(l.zeros)} of ${count(l.params)} weights exactly zero\n`
        + `input activation sparsity ${a === null ? 'not measured' : `${pct(a, 2)} (density ${pct(1 - a, 2)})`}`;
    },
    ariaLabel: `Bar chart of weight and input activation sparsity for ${layers.length} layers in graph order. The layer table below lists the same figures. Arrow keys move the selected layer.`,
    selected: ctx.selected,
    note: note(`Layers in graph order, numbered as in the table (${count(layers.length)}); hover a bar for exact figures, click to select.`),
  });
}
