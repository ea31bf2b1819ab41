import { axisBottom } from 'd3-axis';
import { scaleLog } from 'd3-scale';
import type { BenchReport, LatencyStats } from '../../common/protocol';
import { plotSvg } from './chart-parts';
import type { ReportContext } from '../parts/context';
import { logTicks } from './axes';
import { el } from '../parts/dom';
import { figure } from './figure';
import { count, duration, times } from '../parts/format';
import { onStepKeys } from '../parts/keys';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

const WIDTH = 760;
const ROW = 44;
const M = { top: 12, right: 30, bottom: 40, left: 150 };
const STATS = ['min', 'p50', 'p90', 'p99', 'max'] as const;

interface Mark {
  row: string;
  stat: (typeof STATS)[number] | 'mean';
  ms: number;
}

/**
 * The model's measured latency here (`bench`): per variant (as is, and the pruned copy when
 * timed) a whisker from min to max, a box from p50 to p90, and a mark at each percentile, on a
 * log axis because a few slow iterations sit orders of magnitude above the median.
 */
export function benchChart(ctx: ReportContext, b: BenchReport): HTMLElement {
  const rows: [string, LatencyStats][] = [['this model', b.latencyMs]];
  if (b.pruned) rows.push([`pruned to ${b.pruned.to}`, b.pruned.latencyMs]);
  const all = rows.flatMap(([, s]) => STATS.map((k) => s[k])).filter((v) => v > 0);
  const x = scaleLog().domain([Math.min(...all) / 1.5, Math.max(...all) * 1.5]).range([M.left, WIDTH - M.right]);
  const height = M.top + rows.length * ROW + M.bottom;
  const marks: Mark[] = rows.flatMap(([row, s]) => [...STATS.map((stat) => ({ row, stat, ms: s[stat] })), { row, stat: 'mean' as const, ms: s.mean }]);
  const svg = plotSvg('bench', { width: WIDTH, height },
    `Latency percentiles of ${rows.map(([r]) => r).join(' and ')}; the table below lists them. Arrow keys step through the figures.`);
  const g = svg.append('g').selectAll('g').data(rows).join('g').attr('transform', (_, k) => `translate(0,${M.top + k * ROW})`);
  const pos = (v: number): number => x(Math.max(v, x.domain()[0]));
  g.append('text').attr('class', 'row-label').attr('x', M.left - 10).attr('y', ROW / 2).attr('text-anchor', 'end').attr('dominant-baseline', 'middle').text(([r]) => r);
  g.append('line').attr('class', 'whisker').attr('x1', ([, s]) => pos(s.min)).attr('x2', ([, s]) => pos(s.max)).attr('y1', ROW / 2).attr('y2', ROW / 2);
  g.append('rect').attr('class', 'box').attr('x', ([, s]) => pos(s.p50)).attr('width', ([, s]) => Math.max(2, pos(s.p90) - pos(s.p50))).attr('y', ROW / 2 - 8).attr('height', 16);
  const dots = svg.append('g').selectAll('circle').data(marks).join('circle')
    .attr('class', (m) => `stat stat-${m.stat}`).attr('data-stat', (m) => m.stat)
    .attr('cx', (m) => pos(m.ms)).attr('cy', (m) => M.top + rows.findIndex(([r]) => r === m.row) * ROW + ROW / 2).attr('r', (m) => (m.stat === 'mean' ? 3 : 4.5))
    .on('pointermove', (ev: PointerEvent, m) => showTip(`${m.row}: ${m.stat} ${duration(m.ms)}`, ev.clientX, ev.clientY))
    .on('pointerleave', hideTip);
  svg.append('g').selectAll('text').data(marks.filter((m) => m.stat === 'p50' || m.stat === 'p99')).join('text').attr('class', 'value')
    .attr('x', (m) => pos(m.ms)).attr('y', (m) => M.top + rows.findIndex(([r]) => r === m.row) * ROW + ROW / 2 - 11).attr('text-anchor', 'middle').text((m) => m.stat);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - M.bottom})`).call(axisBottom(x).ticks(6).tickFormat(logTicks(x, 6)));
  svg.append('text').attr('class', 'axis-title').attr('x', (M.left + WIDTH - M.right) / 2).attr('y', height - 4).attr('text-anchor', 'middle').text('latency per inference, ms (log scale)');

  const th = (t: string): HTMLElement => el('th', { cls: 'num', attrs: { scope: 'col' } }, t);
  const table = el('table', { cls: 'data compact' },
    el('thead', null, el('tr', null, el('th', { attrs: { scope: 'col' } }, 'Latency'), ...STATS.map(th), th('mean'))),
    el('tbody', null, ...rows.map(([r, s]) => el('tr', null, el('th', { attrs: { scope: 'row' } }, r), ...[...STATS, 'mean' as const].map((k) => el('td', { cls: 'num' }, duration(s[k])))))));
  const fig = figure({
    id: 'chart-bench', title: 'Measured latency on this machine', stem: ctx.stem,
    body: el('div', { cls: 'plot-wrap' }, svg.node()!, table),
    exportSvg: () => standaloneSvg(svg.node()!, 'Measured latency on this machine'),
    note: el('p', { cls: 'note' }, `${count(b.iterations)} iterations after ${b.warmup} warm-up on ${b.ep}${b.fallback ? ` (asked for ${b.requestedEp}: ${b.fallback})` : ''}, ${b.machine.cpu}, ${b.machine.cores} cores, onnxruntime ${b.ortVersion}; ${b.throughputPerSecond.toFixed(0)} inferences/s.`,
      b.pruned ? ` Pruned copy: ${times(b.pruned.measuredSpeedup)} measured (as-is p50 over pruned p50), ${b.pruned.estimatedSpeedup === null ? 'no estimate' : `${times(b.pruned.estimatedSpeedup)} estimated for the same ratio here`}.` : '',
      ...(b.warnings ?? []).map((w) => el('span', { cls: 'warn sub' }, w))),
  });
  let at: number | null = null;
  onStepKeys(svg.node()!, () => marks.length, () => at, (k) => {
    at = k;
    dots.classed('current', (_, j) => j === k);
    fig.readout(`${marks[k].row}: ${marks[k].stat} ${duration(marks[k].ms)}`);
  });
  return fig.root;
}
