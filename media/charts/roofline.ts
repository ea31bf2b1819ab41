import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLog } from 'd3-scale';
import { pointer } from 'd3-selection';
import { legend, plotSvg } from './chart-parts';
import type { ReportContext } from '../parts/context';
import { logTicks } from './axes';
import { el } from '../parts/dom';
import { estimatePick } from '../parts/estimate-pick';
import { figure } from './figure';
import { duration, si } from '../parts/format';
import { onStepKeys } from '../parts/keys';
import { listen } from '../parts/store';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

const WIDTH = 640;
const HEIGHT = 360;
const M = { top: 14, right: 110, bottom: 40, left: 64 };

interface Point {
  i: number;
  x: number;
  y: number;
  bound: 'compute' | 'memory';
  text: string;
}

/**
 * A roofline of the layers on the chosen accelerator: arithmetic intensity (MACs per byte moved)
 * against the MAC rate the estimate implies (dense MACs / estimated time). The roofs are the
 * estimate's own: attainable MAC/s per dtype and memory bandwidth. A layer above the dense roof
 * is one whose sparsity the chip turns into speed. Points are two SVG paths, not one element per
 * layer, so ten thousand layers stay light; hover finds the nearest point.
 */
export function rooflineChart(ctx: ReportContext): HTMLElement {
  const svg = plotSvg('roofline', { width: WIDTH, height: HEIGHT });
  const message = el('p', { cls: 'note' });
  let points: Point[] = [];
  let px: Point[] = [];
  const fig = figure({
    id: 'chart-roofline', title: 'Roofline of the layers', stem: ctx.stem,
    controls: [estimatePick(ctx), legend([['dot-compute', 'compute-bound'], ['dot-memory', 'memory-bound']])],
    body: el('div', { cls: 'plot-wrap' }, svg.node()!, message),
    exportSvg: () => standaloneSvg(svg.node()!, `Roofline: ${ctx.estimate()?.accelerator.name ?? ''}, ${ctx.estimate()?.scenario ?? ''}`),
  });

  const draw = (): void => {
    svg.selectAll('*').remove();
    const e = ctx.estimate();
    points = [];
    ctx.report.layers.forEach((l, i) => {
      const row = e && ctx.layerEstimate(e, l.name);
      if (!row || !l.macs || !l.bytes || !(row.timeMs > 0)) return;
      const y = l.macs / (row.timeMs / 1e3);
      points.push({ i, x: l.macs / l.bytes, y, bound: row.bound, text: `#${i + 1} ${l.name} (${l.opType})\n${(l.macs / l.bytes).toPrecision(3)} MAC/byte, ${si(y)}MAC/s\n${duration(row.timeMs)} estimated (${row.speedup.toFixed(2)}x over dense), ${row.bound}-bound` });
    });
    message.textContent = !e ? 'No estimates in this report.' : points.length ? ''
      : 'No layer has measured MACs and bytes: the roofline needs a run of the model.';
    svg.attr('hidden', points.length ? null : '');
    if (!e || !points.length) return fig.readout(message.textContent);
    const roofs = e.roofline;
    const peaks = Object.entries(roofs?.macsPerSecond ?? {});
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const ridge = roofs ? Math.max(...peaks.map(([, v]) => v)) / roofs.bytesPerSecond : Math.max(...xs);
    const x = scaleLog().domain([Math.min(...xs, ridge) / 2, Math.max(...xs, ridge) * 2]).range([M.left, WIDTH - M.right]);
    const top = Math.max(...ys, ...peaks.map(([, v]) => v));
    const y = scaleLog().domain([Math.min(...ys, roofs ? roofs.bytesPerSecond * x.domain()[0] : Infinity) / 2, top * 2]).range([HEIGHT - M.bottom, M.top]);
    svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - M.bottom})`).call(axisBottom(x).ticks(6).tickFormat(logTicks(x, 6)));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(6).tickFormat(logTicks(y, 6, '', '~s')));
    svg.append('text').attr('class', 'axis-title').attr('x', (M.left + WIDTH - M.right) / 2).attr('y', HEIGHT - 6).attr('text-anchor', 'middle').text('arithmetic intensity, MACs per byte');
    svg.append('text').attr('class', 'axis-title').attr('transform', `translate(14,${(M.top + HEIGHT - M.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text('MAC/s (dense MACs / estimated time)');
    for (const [dtype, peak] of peaks) {
      const [x0, x1] = x.domain();
      const knee = peak / roofs!.bytesPerSecond;
      const line = knee > x0 ? `M${x(x0)},${y(roofs!.bytesPerSecond * x0)}L${x(knee)},${y(peak)}L${x(x1)},${y(peak)}` : `M${x(x0)},${y(peak)}L${x(x1)},${y(peak)}`;
      svg.append('path').attr('class', 'roof').attr('d', line);
      svg.append('text').attr('class', 'roof-label').attr('x', x(x1) + 4).attr('y', y(peak)).attr('dominant-baseline', 'middle').text(`${dtype} ${si(peak)}MAC/s`);
    }
    px = points.map((p) => ({ ...p, x: x(p.x), y: y(p.y) }));
    for (const bound of ['memory', 'compute'] as const) {
      svg.append('path').attr('class', `dots dot-${bound}`).attr('d', px.filter((p) => p.bound === bound).map((p) => `M${p.x.toFixed(1)},${p.y.toFixed(1)}h0`).join(''));
    }
    svg.append('circle').attr('class', 'ring').attr('r', 7).attr('hidden', '');
    svg.attr('aria-label', `Roofline for ${e.accelerator.name}, ${e.scenario}: ${points.length} layers by arithmetic intensity and estimated MAC rate. Arrow keys move the selected layer.`);
    mark(ctx.selected.get());
  };

  const mark = (i: number | null): void => {
    const p = px.find((q) => q.i === i);
    svg.select('circle.ring').attr('cx', p?.x ?? 0).attr('cy', p?.y ?? 0).attr('hidden', p ? null : '');
    const l = i === null ? undefined : ctx.report.layers[i];
    fig.readout(p ? p.text.replace(/\n/g, '; ') : l ? `${l.name}: not on this roofline (no estimate, MACs or bytes for it)` : '');
  };
  const nearest = (ev: Event): Point | undefined => {
    const [mx, my] = pointer(ev, svg.node());
    let best: Point | undefined;
    let d = 100;
    for (const p of px) {
      const dd = (p.x - mx) ** 2 + (p.y - my) ** 2;
      if (dd < d) [best, d] = [p, dd];
    }
    return best;
  };
  svg.on('pointermove', (ev: PointerEvent) => {
    const p = nearest(ev);
    if (p) showTip(p.text, ev.clientX, ev.clientY);
    else hideTip();
  }).on('pointerleave', hideTip).on('click', (ev: MouseEvent) => {
    const p = nearest(ev);
    if (p) ctx.selected.set(p.i);
  });
  onStepKeys(svg.node()!, () => ctx.report.layers.length, () => ctx.selected.get(), (i) => ctx.selected.set(i));
  listen(ctx.pick, fig.root, draw);
  listen(ctx.selected, fig.root, mark);
  draw();
  return fig.root;
}
