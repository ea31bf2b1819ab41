import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLog } from 'd3-scale';
import type { Estimate, SweepPoint } from '../../common/protocol';
import { legend, plotSvg } from './chart-parts';
import type { ReportContext } from '../parts/context';
import { logTicks, pow2 } from './axes';
import { el } from '../parts/dom';
import { figure } from './figure';
import { times } from '../parts/format';
import { stepTargets } from '../parts/estimate-pick';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

const WIDTH = 760;
const HEIGHT = 320;
const M = { top: 14, right: 20, bottom: 42, left: 56 };

/**
 * The estimate as the rows per GEMM grow (batch x seq, or batch x output pixels), for the chosen
 * scenario: every target as a thin line, the chosen one bold with its sampled range as a band,
 * 1x dashed. Arrow keys choose the target; the table, roofline and layer column follow.
 */
export function batchSweepChart(ctx: ReportContext): HTMLElement {
  const svg = plotSvg('batch-sweep', { width: WIDTH, height: HEIGHT });
  const fig = figure({
    id: 'chart-batch-sweep', title: 'Speedup by batch size (rows per GEMM)', stem: ctx.stem,
    controls: [legend([['line-dense', 'chosen target'], ['sweep-band-swatch', 'its range'], ['sweep-other-swatch', 'other targets']])],
    body: el('div', { cls: 'plot-wrap' }, svg.node()!),
    exportSvg: () => standaloneSvg(svg.node()!, 'Speedup by batch size (rows per GEMM)'),
  });
  const draw = (): void => {
    const scenario = ctx.pick.get()?.scenario ?? ctx.scenarios[0];
    const lines = ctx.accelerators.map((a) => ctx.estimate({ accelerator: a.id, scenario })).filter((e): e is Estimate => !!e && (e.sweep?.length ?? 0) > 1);
    svg.selectAll('*').remove();
    if (!lines.length) {
      fig.readout('No batch sweep in this report (the model\u2019s shapes are unknown, or the estimates predate sweeps).');
      return;
    }
    const pts = lines.flatMap((e) => e.sweep!);
    const x = scaleLog().base(2).domain([Math.min(...pts.map((p) => p.rows)), Math.max(...pts.map((p) => p.rows))]).range([M.left, WIDTH - M.right]);
    const lo = Math.min(0.9, ...pts.map((p) => p.speedupRange[0]));
    const hi = Math.max(1.2, ...pts.map((p) => p.speedupRange[1])) * 1.1;
    const y = scaleLog().domain([Math.max(lo, 1e-3), hi]).range([HEIGHT - M.bottom, M.top]).clamp(true);
    const path = (s: readonly SweepPoint[], v: (p: SweepPoint) => number): string => s.map((p, k) => `${k ? 'L' : 'M'}${x(p.rows)},${y(v(p))}`).join('');
    const chosen = lines.find((e) => e.accelerator.id === ctx.pick.get()?.accelerator) ?? lines[0];
    svg.attr('aria-label', `Estimated speedup by rows per GEMM for ${lines.length} targets, ${scenario}; ${chosen.accelerator.name} chosen. ${chosen.batchRule?.text ?? ''}`);
    svg.append('line').attr('class', 'ref').attr('x1', M.left).attr('x2', WIDTH - M.right).attr('y1', y(1)).attr('y2', y(1));
    svg.append('g').selectAll('path').data(lines.filter((e) => e !== chosen)).join('path').attr('class', 'series sweep-other').attr('d', (e) => path(e.sweep!, (p) => p.speedup))
      .on('pointermove', (ev: PointerEvent, e) => showTip(`${e.accelerator.name}\n${e.batchRule?.text ?? ''}`, ev.clientX, ev.clientY))
      .on('pointerleave', hideTip)
      .on('click', (_ev, e) => ctx.pick.set({ accelerator: e.accelerator.id, scenario }));
    const s = chosen.sweep!;
    svg.append('path').attr('class', 'sweep-band').attr('d', `${path(s, (p) => p.speedupRange[1])}${[...s].reverse().map((p) => `L${x(p.rows)},${y(p.speedupRange[0])}`).join('')}Z`);
    svg.append('path').attr('class', 'series line-dense').attr('d', path(s, (p) => p.speedup));
    const from = chosen.batchRule?.paysFromRows;
    if (from) {
      svg.append('line').attr('class', 'cursor').attr('x1', x(from)).attr('x2', x(from)).attr('y1', M.top).attr('y2', HEIGHT - M.bottom);
      svg.append('text').attr('class', 'value').attr('x', x(from) + 4).attr('y', M.top + 10).text(`pays from ${Math.round(from)} rows`);
    }
    svg.append('g').selectAll('circle').data(s).join('circle').attr('class', 'point line-dense').attr('r', 3).attr('cx', (p) => x(p.rows)).attr('cy', (p) => y(p.speedup))
      .on('pointermove', (ev: PointerEvent, p) => showTip(`${chosen.accelerator.name}, ${scenario}\n${Math.round(p.rows)} rows per GEMM (x${p.scale} the analysed size)\n${times(p.speedup)} (range ${p.speedupRange.map((v) => v.toFixed(2)).join('\u2013')})`, ev.clientX, ev.clientY))
      .on('pointerleave', hideTip);
    const ticks = x.ticks().filter((v) => Number.isInteger(Math.log2(v)));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - M.bottom})`)
      .call(axisBottom(x).tickValues(ticks.filter((_, k) => k % Math.ceil(ticks.length / 11) === 0)).tickFormat((v) => pow2(Math.round(Math.log2(Number(v))))));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(5).tickFormat(logTicks(y, 5, 'x')));
    svg.append('text').attr('class', 'axis-title').attr('x', (M.left + WIDTH - M.right) / 2).attr('y', HEIGHT - 8).attr('text-anchor', 'middle').text('rows per GEMM of the largest layer (batch x seq, batch x output pixels)');
    fig.readout(`${chosen.accelerator.name}, ${scenario}: ${chosen.batchRule?.text ?? 'no rule'}`);
  };
  // Up and down pick the target (the scenario stays): the table and the roofline follow.
  return stepTargets(ctx, svg.node()!, fig.root, draw);
}
