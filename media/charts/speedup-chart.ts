import { axisBottom } from 'd3-axis';
import { scaleLog, scaleOrdinal } from 'd3-scale';
import type { Estimate } from '../../common/protocol';
import { legend, plotSvg } from './chart-parts';
import type { ReportContext } from '../parts/context';
import { logTicks } from './axes';
import { el } from '../parts/dom';
import { figure } from './figure';
import { duration, pct, times } from '../parts/format';
import { onStepKeys } from '../parts/keys';
import { listen } from '../parts/store';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

const WIDTH = 760;
const ROW = 16;
/** Each accelerator's name gets a line of its own above its bars: profile names run to 60 characters. */
const HEAD = 18;
const M = { top: 4, right: 60, bottom: 30, left: 130 };

/** Scenario colours: classes whose fill report.css takes from the theme's chart palette. */
const SCENARIO_CLASSES = ['s0', 's1', 's2', 's3', 's4', 's5'];

export function describeEstimate(e: Estimate): string {
  return `${e.accelerator.name}, ${e.scenario}\nspeedup ${times(e.speedup)} (range ${e.speedupRange.map((x) => x.toFixed(2)).join('\u2013')})\n`
    + `${duration(e.timeMs)} vs ${duration(e.denseTimeMs)} dense; ${pct(e.layerShare)} of dense time in layers it can speed up`;
}

/**
 * Estimated speedup per accelerator and scenario on a log axis (1x = the same chip dense): a bar
 * to the nominal estimate and a whisker over the pessimistic-optimistic range. A click (or the
 * arrow keys) picks the estimate the table and the roofline show.
 */
export function speedupChart(ctx: ReportContext): HTMLElement {
  const rows = ctx.accelerators.flatMap((a) => ctx.scenarios.map((s) => ctx.estimate({ accelerator: a.id, scenario: s })).filter((e): e is Estimate => !!e));
  const colour = scaleOrdinal<string, string>().domain(ctx.scenarios).range(SCENARIO_CLASSES);
  const groups = ctx.accelerators.length;
  const height = M.top + rows.length * ROW + groups * HEAD + M.bottom;
  const yOf = new Map<Estimate, number>();
  const heads: [string, number][] = [];
  let yy = M.top;
  let chip = '';
  for (const e of rows) {
    if (e.accelerator.id !== chip) {
      chip = e.accelerator.id;
      heads.push([e.accelerator.name, yy + HEAD - 5]);
      yy += HEAD;
    }
    yOf.set(e, yy);
    yy += ROW;
  }
  const lows = rows.map((e) => e.speedupRange[0]);
  const highs = rows.map((e) => e.speedupRange[1]);
  const x = scaleLog().domain([Math.min(0.9, ...lows), Math.max(1.2, ...highs) * 1.15]).range([M.left, WIDTH - M.right]);
  const svg = plotSvg('speedups', { width: WIDTH, height },
    `Estimated speedups for ${ctx.accelerators.length} accelerators and ${ctx.scenarios.length} scenarios; the table above lists the same figures. Arrow keys choose the estimate the layer table and roofline show.`);
  const selBand = svg.append('rect').attr('class', 'sel').attr('x', 0).attr('width', WIDTH).attr('height', ROW);
  svg.append('line').attr('class', 'ref').attr('x1', x(1)).attr('x2', x(1)).attr('y1', M.top - 4).attr('y2', height - M.bottom);
  const g = svg.append('g').selectAll('g').data(rows).join('g').attr('transform', (e) => `translate(0,${yOf.get(e)})`);
  svg.append('g').selectAll('text').data(heads).join('text').attr('class', 'group-label').attr('x', 4).attr('y', ([, y]) => y).text(([name]) => name);
  g.append('text').attr('class', 'row-label').attr('x', M.left - 8).attr('y', ROW / 2).attr('text-anchor', 'end').attr('dominant-baseline', 'middle').text((e) => e.scenario);
  g.append('rect').attr('class', (e) => `speedup-bar ${colour(e.scenario)}`)
    .attr('x', (e) => Math.min(x(1), x(e.speedup))).attr('width', (e) => Math.max(1, Math.abs(x(e.speedup) - x(1)))).attr('y', 3).attr('height', ROW - 6);
  g.append('line').attr('class', 'whisker').attr('x1', (e) => x(e.speedupRange[0])).attr('x2', (e) => x(e.speedupRange[1])).attr('y1', ROW / 2).attr('y2', ROW / 2);
  for (const end of [0, 1] as const) {
    g.append('line').attr('class', 'whisker').attr('x1', (e) => x(e.speedupRange[end])).attr('x2', (e) => x(e.speedupRange[end])).attr('y1', 4).attr('y2', ROW - 4);
  }
  g.append('text').attr('class', 'value').attr('x', (e) => x(Math.max(e.speedup, e.speedupRange[1], 1)) + 4).attr('y', ROW / 2).attr('dominant-baseline', 'middle').text((e) => times(e.speedup));
  g.append('rect').attr('class', 'hit').attr('x', 0).attr('width', WIDTH).attr('height', ROW)
    .on('pointermove', (ev: PointerEvent, e) => showTip(describeEstimate(e), ev.clientX, ev.clientY))
    .on('pointerleave', hideTip)
    .on('click', (_ev, e) => ctx.pick.set({ accelerator: e.accelerator.id, scenario: e.scenario }));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - M.bottom})`)
    .call(axisBottom(x).ticks(6).tickFormat(logTicks(x, 6, 'x')));

  const fig = figure({
    id: 'chart-speedups', title: 'Estimated speedup per accelerator and scenario', stem: ctx.stem, controls: [legend([...ctx.scenarios.map((s) => [colour(s), s] as const), ['whisker-swatch', 'range']])],
    body: el('div', { cls: 'plot-wrap' }, svg.node()!),
    exportSvg: () => standaloneSvg(svg.node()!, 'Estimated speedup per accelerator and scenario'),
  });
  const show = (): void => {
    const e = ctx.estimate();
    const y = e ? yOf.get(e) : undefined;
    selBand.attr('y', y ?? -ROW).attr('hidden', y === undefined ? '' : null);
    fig.readout(e ? describeEstimate(e).replace(/\n/g, '; ') : '');
  };
  const current = (): number | null => { const e = ctx.estimate(); return e ? rows.indexOf(e) : null; };
  onStepKeys(svg.node()!, () => rows.length, current, (k) => ctx.pick.set({ accelerator: rows[k].accelerator.id, scenario: rows[k].scenario }));
  listen(ctx.pick, fig.root, show);
  show();
  return fig.root;
}
