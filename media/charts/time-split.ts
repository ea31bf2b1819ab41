import { axisBottom } from 'd3-axis';
import { scaleLinear } from 'd3-scale';
import type { Estimate } from '../../common/protocol';
import { legend, plotSvg } from './chart-parts';
import type { ReportContext } from '../parts/context';
import { el } from '../parts/dom';
import { figure } from './figure';
import { duration, pct } from '../parts/format';
import { stepTargets } from '../parts/estimate-pick';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

const WIDTH = 760;
const ROW = 14;
/** Each accelerator's name on a line of its own above its two bars. */
const HEAD = 18;
const M = { top: 4, right: 20, bottom: 30, left: 130 };

interface Part {
  e: Estimate;
  which: 'dense' | 'sparse';
  layers: number;
  other: number;
}

/**
 * Where the time goes (Amdahl): per accelerator, the dense model's time split into layers the
 * chip's sparsity can touch and other ops, and below it the chosen scenario's time, on the same
 * scale (dense = 100%). The other ops do not shrink, which caps every speedup.
 */
export function timeSplitChart(ctx: ReportContext): HTMLElement {
  const svg = plotSvg('time-split', { width: WIDTH });
  const fig = figure({
    id: 'chart-time-split', title: 'Where the time goes: layers vs other ops', stem: ctx.stem,
    controls: [legend([['split-layers', 'layers'], ['split-other', 'other ops (not sped up)']])],
    body: el('div', { cls: 'plot-wrap' }, svg.node()!),
    exportSvg: () => standaloneSvg(svg.node()!, 'Where the time goes: layers vs other ops'),
  });
  const draw = (): void => {
    const scenario = ctx.pick.get()?.scenario ?? ctx.scenarios[0];
    const parts: Part[] = ctx.accelerators.flatMap((a) => {
      const e = ctx.estimate({ accelerator: a.id, scenario });
      if (!e) return [];
      const other = e.denseTimeMs * (1 - e.layerShare);
      return [{ e, which: 'dense', layers: e.denseTimeMs - other, other }, { e, which: 'sparse', layers: Math.max(0, e.timeMs - other), other }];
    });
    const height = M.top + parts.length * ROW + (parts.length / 2) * HEAD + M.bottom;
    svg.attr('height', height).attr('viewBox', `0 0 ${WIDTH} ${height}`).selectAll('*').remove();
    svg.attr('aria-label', `Share of each accelerator's estimated time in layers and in other ops, dense and ${scenario}. Arrow keys choose the accelerator the layer table and roofline show.`);
    const x = scaleLinear().domain([0, 1]).range([M.left, WIDTH - M.right]);
    const y = (k: number): number => M.top + k * ROW + (Math.floor(k / 2) + 1) * HEAD;
    const picked = parts.findIndex((p) => p.e.accelerator.id === ctx.pick.get()?.accelerator);
    if (picked >= 0) svg.append('rect').attr('class', 'sel').attr('x', 0).attr('width', WIDTH).attr('y', y(picked) - HEAD + 2).attr('height', HEAD + 2 * ROW);
    const g = svg.append('g').selectAll('g').data(parts).join('g').attr('transform', (_, k) => `translate(0,${y(k)})`);
    g.filter((p) => p.which === 'dense').append('text').attr('class', 'group-label').attr('x', 4).attr('y', -5).text((p) => p.e.accelerator.name);
    g.append('text').attr('class', 'row-label').attr('x', M.left - 8).attr('y', ROW / 2).attr('text-anchor', 'end').attr('dominant-baseline', 'middle')
      .text((p) => (p.which === 'dense' ? 'dense' : scenario));
    const frac = (p: Part, v: number): number => (p.e.denseTimeMs > 0 ? v / p.e.denseTimeMs : 0);
    g.append('rect').attr('class', 'split-layers').attr('x', x(0)).attr('y', 2).attr('height', ROW - 4).attr('width', (p) => x(frac(p, p.layers)) - x(0));
    g.append('rect').attr('class', 'split-other').attr('x', (p) => x(frac(p, p.layers))).attr('y', 2).attr('height', ROW - 4).attr('width', (p) => x(frac(p, p.other)) - x(0));
    g.append('rect').attr('class', 'hit').attr('x', 0).attr('width', WIDTH).attr('height', ROW)
      .on('pointermove', (ev: PointerEvent, p) => showTip(`${p.e.accelerator.name}, ${p.which === 'dense' ? 'dense' : scenario}\nlayers ${duration(p.layers)}, other ops ${duration(p.other)}\ntotal ${pct(frac(p, p.layers + p.other))} of the dense time`, ev.clientX, ev.clientY))
      .on('pointerleave', hideTip)
      .on('click', (_ev, p) => ctx.pick.set({ accelerator: p.e.accelerator.id, scenario }));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - M.bottom})`).call(axisBottom(x).ticks(5).tickFormat((v) => `${Math.round(Number(v) * 100)}%`));
    fig.readout(`Scenario ${scenario}: bars are shares of each chip's dense time; hover for milliseconds.`);
  };
  // Up and down pick the target (the scenario stays): the table and the roofline follow.
  return stepTargets(ctx, svg.node()!, fig.root, draw);
}
