import { axisBottom, axisLeft } from 'd3-axis';
import { scaleBand, scaleLinear } from 'd3-scale';
import { create } from 'd3-selection';
import type { LayerReport } from '../server/protocol';
import { el, note } from './dom';
import { count, pct } from './format';

const HEIGHT = 220;
const MARGIN = { top: 8, bottom: 28 };
const AXIS_WIDTH = 44;

interface Bar {
  layer: LayerReport;
  index: number;
  kind: 'weight' | 'activation';
  value: number;
  title: string;
}

/**
 * Weight sparsity and input-activation sparsity (1 - input density) per layer, as grouped bars
 * in graph order. The plot scrolls horizontally and the y axis stays put in its own SVG: a
 * 1,000-layer model keeps bars wide enough to hover instead of averaging layers away.
 */
export function sparsityChart(layers: LayerReport[]): HTMLElement {
  const measured = layers.some((l) => typeof l.activation?.inputDensity === 'number');
  const step = layers.length <= 40 ? 28 : layers.length <= 300 ? 14 : 8;
  const width = Math.max(360, layers.length * step);
  const x = scaleBand<number>().domain(layers.map((_, i) => i)).range([0, width]).paddingInner(0.25).paddingOuter(0.1);
  const y = scaleLinear().domain([0, 1]).range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const sub = scaleBand<Bar['kind']>().domain(['weight', 'activation']).range([0, x.bandwidth()]).padding(0.05);

  const yAxis = create('svg').attr('class', 'chart-axis').attr('width', AXIS_WIDTH).attr('height', HEIGHT);
  yAxis.append('g').attr('transform', `translate(${AXIS_WIDTH - 1},0)`).call(axisLeft(y).ticks(4).tickFormat((v) => `${Math.round(Number(v) * 100)}%`));

  const svg = create('svg').attr('class', 'chart-plot').attr('width', width).attr('height', HEIGHT)
    .attr('role', 'img').attr('aria-label', 'Per-layer weight and input activation sparsity');
  svg.append('g').attr('class', 'grid').selectAll('line').data(y.ticks(4)).join('line')
    .attr('x1', 0).attr('x2', width).attr('y1', (v) => y(v)).attr('y2', (v) => y(v));

  // One transparent full-height band per layer: a layer whose bars are 0 tall can still be hovered.
  svg.append('g').selectAll('rect').data(layers).join('rect').attr('class', 'hit')
    .attr('x', (_, i) => x(i) ?? 0).attr('width', x.bandwidth()).attr('y', MARGIN.top).attr('height', HEIGHT - MARGIN.top - MARGIN.bottom)
    .append('title').text((l, i) => layerTitle(l, i));

  svg.append('g').selectAll('rect').data(bars(layers)).join('rect')
    .attr('class', (b) => `bar bar-${b.kind}`)
    .attr('x', (b) => (x(b.index) ?? 0) + (sub(b.kind) ?? 0)).attr('width', sub.bandwidth())
    .attr('y', (b) => y(b.value)).attr('height', (b) => y(0) - y(b.value))
    .append('title').text((b) => b.title);

  // Index labels, not names: names are long; the tooltip carries them.
  const every = Math.max(1, Math.ceil(40 / x.step()));
  svg.append('g').attr('transform', `translate(0,${y(0)})`)
    .call(axisBottom(x).tickValues(layers.map((_, i) => i).filter((i) => i % every === 0)).tickFormat((i) => String(i + 1)));

  const legend = el('div', { cls: 'legend' },
    el('span', { cls: 'swatch swatch-weight' }), 'weight sparsity (exact zeros)',
    el('span', { cls: 'swatch swatch-activation' }), measured ? 'input activation sparsity (1 \u2212 density)' : 'input activation sparsity: not measured (the model did not run)');
  return el('figure', { cls: 'chart' },
    legend,
    el('div', { cls: 'chart-body' }, yAxis.node() as SVGSVGElement, el('div', { cls: 'chart-scroll', attrs: { tabindex: '0', 'aria-label': 'Chart, scrolls sideways' } }, svg.node() as SVGSVGElement)),
    note(`Layers in graph order, numbered as in the table below (${layers.length}); hover a bar for exact figures.`));
}

function bars(layers: LayerReport[]): Bar[] {
  const out: Bar[] = [];
  layers.forEach((l, index) => {
    out.push({ layer: l, index, kind: 'weight', value: l.sparsity, title: `${l.name} (${l.opType})\nweight sparsity ${pct(l.sparsity, 2)}: ${count(l.zeros)} of ${count(l.params)} weights exactly zero` });
    const d = l.activation?.inputDensity;
    if (typeof d === 'number') {
      out.push({ layer: l, index, kind: 'activation', value: 1 - d, title: `${l.name} (${l.opType})\ninput activation sparsity ${pct(1 - d, 2)} (density ${pct(d, 2)})\ninput: ${l.activation?.input ?? '-'}` });
    }
  });
  return out;
}

function layerTitle(l: LayerReport, i: number): string {
  const d = l.activation?.inputDensity;
  return `#${i + 1} ${l.name} (${l.opType})\nweight sparsity ${pct(l.sparsity, 2)}\ninput activation sparsity ${typeof d === 'number' ? pct(1 - d, 2) : 'not measured'}`;
}
