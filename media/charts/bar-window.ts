import { axisBottom, axisLeft } from 'd3-axis';
import { scaleBand, scaleLinear, type ScaleBand } from 'd3-scale';
import { pointer } from 'd3-selection';
import { legend, plotSvg } from './chart-parts';
import { el, type Child } from '../parts/dom';
import { figure } from './figure';
import { onStepKeys } from '../parts/keys';
import { overview } from './overview';
import { listen, type Store } from '../parts/store';
import { standaloneSvg } from './svg-export';
import { hideTip, showTip } from './tooltip';

export interface BarSeries {
  key: string;
  label: string;
  /** CSS class of its bars, and the custom property of its colour (for the canvas overview). */
  cls: string;
  color: string;
  value(i: number): number | null;
}

export interface BarWindowSpec {
  id: string;
  title: string;
  stem: string;
  n: number;
  series: BarSeries[];
  domain: [number, number];
  tickFormat(v: number): string;
  /** Exact figures of item i, for the tooltip and the readout. */
  describe(i: number): string;
  ariaLabel: string;
  selected: Store<number | null>;
  note?: Child;
}

const HEIGHT = 230;
const M = { top: 10, right: 12, bottom: 26, left: 48 };

/**
 * Bars per item in graph order, a window of them at a time: at most about one item per three
 * pixels is drawn as SVG bars (one <rect> per item and series), and past that an overview
 * strip with a brush picks the window. The selected item is highlighted; arrow keys move it and
 * the window follows.
 */
export function barWindow(spec: BarWindowSpec): HTMLElement {
  const { n, series, selected } = spec;
  const svg = plotSvg('bar-plot', { height: HEIGHT }, spec.ariaLabel);
  const plot = el('div', { cls: 'plot-wrap' }, svg.node()!);
  let width = 0;
  let lo = 0;
  let hi = 0;
  const cap = (): number => Math.max(20, Math.floor((width - M.left - M.right) / 3));
  const setWindow = (a: number, b: number): void => {
    const span = Math.max(1, Math.min(cap(), b - a, n));
    lo = Math.max(0, Math.min(n - span, a));
    hi = lo + span;
    draw();
  };
  const ov = overview(n, series, spec.domain, setWindow);
  /** The drawn window's item positions; a selection inside the window only moves the highlight. */
  let x: ScaleBand<number> | undefined;

  function draw(): void {
    if (!width) return;
    x = scaleBand<number>().domain(Array.from({ length: hi - lo }, (_, k) => lo + k)).range([M.left, width - M.right]).paddingInner(0.2).paddingOuter(0.1);
    const y = scaleLinear().domain(spec.domain).range([HEIGHT - M.bottom, M.top]);
    const sub = scaleBand<string>().domain(series.map((s) => s.key)).range([0, x.bandwidth()]).paddingInner(series.length > 1 && x.bandwidth() >= 6 ? 0.1 : 0);
    const base = y(Math.min(spec.domain[1], Math.max(spec.domain[0], 0)));
    svg.attr('width', width).selectAll('*').remove();
    svg.append('g').attr('class', 'grid').selectAll('line').data(y.ticks(4)).join('line')
      .attr('x1', M.left).attr('x2', width - M.right).attr('y1', (v) => y(v)).attr('y2', (v) => y(v));
    // Under the bars; placed (or hidden) by highlight().
    svg.append('rect').attr('class', 'sel').attr('width', x.step()).attr('y', M.top).attr('height', HEIGHT - M.top - M.bottom);
    for (const s of series) {
      const items = x.domain().filter((i) => s.value(i) !== null);
      svg.append('g').selectAll('rect').data(items).join('rect')
        .attr('class', `bar ${s.cls}`).attr('data-index', (i) => i)
        .attr('x', (i) => (x!(i) ?? 0) + (sub(s.key) ?? 0)).attr('width', Math.max(0.5, sub.bandwidth()))
        .attr('y', (i) => Math.min(y(s.value(i)!), base)).attr('height', (i) => Math.abs(y(s.value(i)!) - base));
    }
    svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(4).tickFormat((v) => spec.tickFormat(Number(v))));
    const every = Math.max(1, Math.ceil(40 / x.step()));
    svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - M.bottom})`)
      .call(axisBottom(x).tickValues(x.domain().filter((i) => i % every === 0)).tickFormat((i) => String(i + 1)));
    ov.root.hidden = n <= hi - lo;
    highlight();
  }

  /** Marks the selected item in the drawn window and in the overview. */
  function highlight(): void {
    const sel = selected.get();
    const shown = x !== undefined && sel !== null && sel >= lo && sel < hi;
    const rect = svg.select('rect.sel').attr('hidden', shown ? null : '');
    if (shown) rect.attr('x', (x!(sel) ?? 0) - (x!.step() - x!.bandwidth()) / 2);
    if (!ov.root.hidden) ov.draw(width, lo, hi, sel);
  }

  /** The item under the pointer: the nearest band. */
  const at = (ev: Event): number | null => {
    const [mx] = pointer(ev, svg.node());
    const step = (width - M.left - M.right) / Math.max(1, hi - lo);
    const k = Math.floor((mx - M.left) / step);
    return k >= 0 && k < hi - lo ? lo + k : null;
  };
  svg.on('pointermove', (ev: PointerEvent) => {
    const i = at(ev);
    if (i === null) hideTip();
    else showTip(spec.describe(i), ev.clientX, ev.clientY);
  }).on('pointerleave', hideTip).on('click', (ev: MouseEvent) => {
    const i = at(ev);
    if (i !== null) selected.set(i);
  });
  onStepKeys(svg.node()!, () => n, () => selected.get(), (i) => selected.set(i));

  const fig = figure({
    id: spec.id, title: spec.title, stem: spec.stem,
    controls: [legend(series.map((s) => [s.cls, s.label]))],
    body: el('div', { cls: 'bar-window' }, plot, ov.root),
    exportSvg: () => standaloneSvg(svg.node()!, `${spec.title}: items ${lo + 1}\u2013${hi} of ${n}`),
    note: spec.note,
  });
  const follow = (i: number | null): void => {
    if (i !== null && (i < lo || i >= hi)) setWindow(i - Math.floor((hi - lo) / 2), i - Math.floor((hi - lo) / 2) + (hi - lo));
    else highlight();
    fig.readout(i === null ? '' : spec.describe(i).replace(/\n/g, '; '));
  };
  listen(selected, fig.root, follow);
  new ResizeObserver(() => {
    const w = Math.max(320, Math.floor(plot.clientWidth));
    if (w === width) return;
    width = w;
    // On first layout, open the window on the selected item.
    if (hi === 0) setWindow((selected.get() ?? 0) - Math.floor(cap() / 2), (selected.get() ?? 0) + cap());
    else setWindow(lo, lo + Math.max(hi - lo, cap()));
    fig.readout(selected.get() === null ? '' : spec.describe(selected.get()!).replace(/\n/g, '; '));
  }).observe(plot);
  return fig.root;
}


