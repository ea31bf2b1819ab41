import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear } from 'd3-scale';
import type { PlanPoint, PruningPlan } from '../../common/protocol';
import { plotSvg } from './chart-parts';
import { el } from '../parts/dom';
import { figure } from './figure';
import { pct, times } from '../parts/format';
import { onStepKeys } from '../parts/keys';
import type { Store } from '../parts/store';
import { listen } from '../parts/store';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

const WIDTH = 760;
const HEIGHT = 300;
const M = { top: 14, right: 20, bottom: 42, left: 56 };

export const describePoint = (p: PlanPoint): string => `${pct(p.l1Kept)} of L1 kept: ${times(p.speedup)}, ${p.pruned} weight${p.pruned === 1 ? '' : 's'} pruned`;

/**
 * The plan's Pareto front: estimated model speedup against the L1 magnitude kept, one point per
 * budget the search stepped through. A click or the arrow keys pick a point; the plan at that
 * budget is what Apply Plan writes.
 */
export function paretoChart(plan: PruningPlan, picked: Store<number>, stem: string): HTMLElement {
  const pts = plan.front;
  const svg = plotSvg('pareto', { width: WIDTH, height: HEIGHT },
    `Estimated speedup on ${plan.target.name} against the share of L1 magnitude kept, ${pts.length} points; arrow keys pick a budget.`);
  const x = scaleLinear().domain([1, Math.min(...pts.map((p) => p.l1Kept), 0.999)]).range([M.left, WIDTH - M.right]);
  const y = scaleLinear().domain([Math.min(1, ...pts.map((p) => p.speedup)), Math.max(1.05, ...pts.map((p) => p.speedup)) * 1.05]).range([HEIGHT - M.bottom, M.top]);
  svg.append('line').attr('class', 'ref').attr('x1', x(plan.budget.keep)).attr('x2', x(plan.budget.keep)).attr('y1', M.top).attr('y2', HEIGHT - M.bottom);
  svg.append('path').attr('class', 'series line-dense').attr('d', pts.map((p, k) => `${k ? 'L' : 'M'}${x(p.l1Kept)},${y(p.speedup)}`).join(''));
  const dots = svg.append('g').selectAll('circle').data(pts).join('circle').attr('class', 'point line-dense front-point').attr('r', 4)
    .attr('cx', (p) => x(p.l1Kept)).attr('cy', (p) => y(p.speedup)).attr('data-kept', (p) => p.l1Kept.toFixed(6))
    .on('pointermove', (ev: PointerEvent, p) => showTip(describePoint(p), ev.clientX, ev.clientY))
    .on('pointerleave', hideTip)
    .on('click', (_ev, p) => picked.set(pts.indexOf(p)));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - M.bottom})`).call(axisBottom(x).ticks(8).tickFormat((v) => pct(Number(v), 0)));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(5).tickFormat((v) => `${Number(v).toFixed(2)}x`));
  svg.append('text').attr('class', 'axis-title').attr('x', (M.left + WIDTH - M.right) / 2).attr('y', HEIGHT - 8).attr('text-anchor', 'middle').text('share of the layers\u2019 L1 magnitude kept (more pruning to the right)');
  const fig = figure({
    id: 'chart-pareto', title: `Speedup against magnitude kept on ${plan.target.name}`, stem,
    body: el('div', { cls: 'plot-wrap' }, svg.node()!),
    exportSvg: () => standaloneSvg(svg.node()!, `Speedup against magnitude kept on ${plan.target.name}`),
  });
  const show = (): void => {
    const i = picked.get();
    dots.attr('class', (_p, k) => `point line-dense front-point${k === i ? ' picked' : ''}`);
    fig.readout(pts[i] ? `picked: ${describePoint(pts[i])}` : '');
  };
  onStepKeys(svg.node()!, () => pts.length, () => picked.get(), (k) => picked.set(k));
  listen(picked, fig.root, show);
  show();
  return fig.root;
}
