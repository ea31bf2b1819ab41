import { axisBottom, axisLeft } from 'd3-axis';
import { scaleBand, scaleLog } from 'd3-scale';
import type { WeightReport } from '../../common/protocol';
import { plotSvg } from './chart-parts';
import type { ReportContext } from '../parts/context';
import { logTicks, pow2 } from './axes';
import { el } from '../parts/dom';
import { figure } from './figure';
import { count } from '../parts/format';
import { onStepKeys } from '../parts/keys';
import { listen } from '../parts/store';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

const WIDTH = 420;
const HEIGHT = 220;
const M = { top: 10, right: 10, bottom: 34, left: 52 };

/**
 * The selected layer's weight magnitudes by power of two (|x| in [2^k, 2^(k+1))), counts on a
 * log scale so a bin of 3 values is as visible as one of 3 million. Zeros are not binned; the
 * readout gives their count.
 */
export function histogramFigure(ctx: ReportContext): HTMLElement {
  const svg = plotSvg('histogram', { width: WIDTH, height: HEIGHT });
  const message = el('p', { cls: 'note' });
  let w: WeightReport | undefined;

  const fig = figure({
    id: 'chart-histogram', title: 'Weight magnitudes (log\u2082 bins)', stem: ctx.stem,
    body: el('div', null, svg.node()!, message),
    exportSvg: () => standaloneSvg(svg.node()!, `Weight magnitudes of ${w?.name ?? 'no weight'}`),
  });

  const update = (i: number | null): void => {
    const l = i === null ? undefined : ctx.report.layers[i];
    w = l ? ctx.weightOf(l) : undefined;
    svg.selectAll('*').remove();
    const counts = w?.histogram.counts ?? [];
    const why = !l ? 'Select a layer in the chart or the table.'
      : !w ? (l.weight ? `No statistics for weight ${l.weight} in this report.` : 'This layer\u2019s weight is computed at run time: no magnitudes to show.')
      : w.skipped ? `Not analysed: ${w.skipped}` : !counts.some((c) => c > 0) ? 'Every value of this weight is zero or not finite.' : '';
    message.textContent = why;
    svg.attr('hidden', why ? '' : null);
    if (why || !w) return fig.readout(why);
    const start = w.histogram.log2Start;
    const bins = counts.map((c, k) => ({ k: start + k, c }));
    const x = scaleBand<number>().domain(bins.map((b) => b.k)).range([M.left, WIDTH - M.right]).paddingInner(0.1);
    const top = Math.max(...counts);
    // Baseline below 1, so a bin holding one value still shows a bar on the log scale.
    const y = scaleLog().domain([0.5, top * 1.5]).range([HEIGHT - M.bottom, M.top]);
    svg.append('g').selectAll('rect').data(bins.filter((b) => b.c > 0)).join('rect')
      .attr('class', 'bar bin').attr('data-k', (b) => b.k)
      .attr('x', (b) => x(b.k) ?? 0).attr('width', x.bandwidth()).attr('y', (b) => y(b.c)).attr('height', (b) => y(0.5) - y(b.c))
      .on('pointermove', (ev: PointerEvent, b) => showTip(`|x| in [${pow2(b.k)}, ${pow2(b.k + 1)}): ${count(b.c)} values`, ev.clientX, ev.clientY))
      .on('pointerleave', hideTip);
    const every = Math.max(1, Math.ceil(bins.length / 8));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - M.bottom})`)
      .call(axisBottom(x).tickValues(x.domain().filter((_, k) => k % every === 0)).tickFormat((k) => pow2(k)));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(4).tickFormat(logTicks(y, 4)));
    svg.append('text').attr('class', 'axis-title').attr('x', (WIDTH + M.left) / 2).attr('y', HEIGHT - 2).attr('text-anchor', 'middle').text('|x|, lower edge of the bin');
    const m = w.magnitude;
    svg.attr('aria-label', `Histogram of |x| for weight ${w.name}: ${bins.filter((b) => b.c > 0).length} nonempty power-of-two bins, count on a log scale. Arrow keys select the previous or next layer.`);
    fig.readout(`${w.name}: ${count(w.zeros)} zeros (not binned); |x| from ${m.minNonzero === null ? '-' : m.minNonzero.toPrecision(3)} to ${m.max.toPrecision(3)}, mean ${m.mean.toPrecision(3)}, std ${m.std.toPrecision(3)}`);
  };
  onStepKeys(svg.node()!, () => ctx.report.layers.length, () => ctx.selected.get(), (i) => ctx.selected.set(i));
  listen(ctx.selected, fig.root, update);
  update(ctx.selected.get());
  return fig.root;
}
