import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLog } from 'd3-scale';
import type { CrossoverLevel, CrossoverReport } from '../../common/protocol';
import { legend, plotSvg } from './chart-parts';
import type { ReportContext } from '../parts/context';
import { logTicks } from './axes';
import { el } from '../parts/dom';
import { figure } from './figure';
import { duration, pct } from '../parts/format';
import { onStepKeys } from '../parts/keys';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

const WIDTH = 640;
const HEIGHT = 300;
const M = { top: 14, right: 20, bottom: 40, left: 64 };

const VARIANTS: { key: string; label: string; ms(l: CrossoverLevel): number | null }[] = [
  { key: 'dense', label: 'dense MatMul', ms: (l) => l.denseMs },
  { key: 'ort', label: 'sparse, onnxruntime ops', ms: (l) => l.sparseMs.ortComposite },
  { key: 'csr', label: 'sparse, CSR in TypeScript', ms: (l) => l.sparseMs.csrTypeScript },
];

/** Where sparse matmuls beat dense here (`crossover`): time by weight sparsity, one line per variant, log time axis. */
export function crossoverChart(ctx: ReportContext, c: CrossoverReport): HTMLElement {
  const levels = c.levels;
  const times = levels.flatMap((l) => VARIANTS.map((v) => v.ms(l))).filter((v): v is number => v !== null && v > 0);
  // Density (1 - sparsity) on a log axis: the levels that matter, 90% to 99.9%, get room instead of
  // crowding the right edge of a linear sparsity axis.
  const density = (s: number): number => Math.max(1 - s, 1e-4);
  const dx = scaleLog().domain([density(Math.min(...levels.map((l) => l.sparsity))), density(Math.max(...levels.map((l) => l.sparsity)))]).range([M.left, WIDTH - M.right]);
  const x = (s: number): number => dx(density(s));
  const y = scaleLog().domain([Math.min(...times) / 1.5, Math.max(...times) * 1.5]).range([HEIGHT - M.bottom, M.top]);
  const svg = plotSvg('crossover', { width: WIDTH, height: HEIGHT },
    `Time of a ${c.shape.join(' by ')} matmul by weight sparsity for dense and sparse variants; crossover at ${c.crossoverSparsity === null ? 'none' : pct(c.crossoverSparsity)}. Arrow keys step through the sparsity levels.`);
  if (c.crossoverSparsity !== null) {
    svg.append('line').attr('class', 'ref').attr('x1', x(c.crossoverSparsity)).attr('x2', x(c.crossoverSparsity)).attr('y1', M.top).attr('y2', HEIGHT - M.bottom);
    svg.append('text').attr('class', 'value').attr('x', x(c.crossoverSparsity) - 4).attr('y', M.top + 10).attr('text-anchor', 'end').text(`crossover ${pct(c.crossoverSparsity)}`);
  }
  const cursor = svg.append('line').attr('class', 'cursor').attr('y1', M.top).attr('y2', HEIGHT - M.bottom).attr('hidden', '');
  for (const v of VARIANTS) {
    const pts = levels.filter((l) => (v.ms(l) ?? 0) > 0);
    svg.append('path').attr('class', `series line-${v.key}`).attr('d', pts.map((l, k) => `${k ? 'L' : 'M'}${x(l.sparsity)},${y(v.ms(l)!)}`).join(''));
    svg.append('g').selectAll('circle').data(pts).join('circle').attr('class', `point line-${v.key}`).attr('r', 3.5)
      .attr('cx', (l) => x(l.sparsity)).attr('cy', (l) => y(v.ms(l)!))
      .on('pointermove', (ev: PointerEvent, l) => showTip(`${v.label} at ${pct(l.sparsity)} sparsity: ${duration(v.ms(l))}`, ev.clientX, ev.clientY))
      .on('pointerleave', hideTip);
  }
  const marks = [0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999].filter((s) => density(s) <= dx.domain()[0] && density(s) >= dx.domain()[1]);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - M.bottom})`)
    .call(axisBottom(dx).tickValues(marks.map(density)).tickFormat((d) => pct(1 - Number(d), Number(d) < 0.01 ? 1 : 0)));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(5).tickFormat(logTicks(y, 5)));
  svg.append('text').attr('class', 'axis-title').attr('x', (M.left + WIDTH - M.right) / 2).attr('y', HEIGHT - 6).attr('text-anchor', 'middle').text('weight sparsity (log scale of density)');
  svg.append('text').attr('class', 'axis-title').attr('transform', `translate(14,${(M.top + HEIGHT - M.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text('ms per product');

  const fig = figure({
    id: 'chart-crossover', title: 'Sparse vs dense matmul on this machine', stem: ctx.stem, controls: [legend(VARIANTS.map((v) => [`line-${v.key}`, v.label]))],
    body: el('div', { cls: 'plot-wrap' }, svg.node()!),
    exportSvg: () => standaloneSvg(svg.node()!, 'Sparse vs dense matmul on this machine'),
    note: el('p', { cls: 'note' }, `Weight [${c.shape[0]}, ${c.shape[1]}] times activations [${c.shape[1]}, ${c.shape[2]}] on ${c.ep}, ${c.machine.cpu}; `,
      c.crossoverSparsity === null ? 'no sparse variant won at any tested level.' : `a sparse variant wins from ${pct(c.crossoverSparsity)} sparsity up.`),
  });
  let at: number | null = null;
  onStepKeys(svg.node()!, () => levels.length, () => at, (k) => {
    at = k;
    const l = levels[k];
    cursor.attr('x1', x(l.sparsity)).attr('x2', x(l.sparsity)).attr('hidden', null);
    fig.readout(`${pct(l.sparsity)} sparsity: ${VARIANTS.map((v) => `${v.label} ${duration(v.ms(l))}`).join(', ')}`);
  });
  return fig.root;
}
