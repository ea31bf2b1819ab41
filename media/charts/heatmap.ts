import type { LayerReport } from '../../common/protocol';
import { legend } from './chart-parts';
import type { ReportContext } from '../parts/context';
import { el } from '../parts/dom';
import { figure } from './figure';
import { count, pct } from '../parts/format';
import { onStepKeys } from '../parts/keys';
import { listen } from '../parts/store';
import { finish, svgEl } from './svg-export';
import { cssVar, onThemeChange } from './theme';
import { hideTip, showTip } from './tooltip';

/** A layer's heatmap decoded: rows x cols bytes, 0 = all zero, 255 = dense. */
interface Grid {
  layer: LayerReport;
  rows: number;
  cols: number;
  cells: Uint8Array;
}

/** Longest side of the drawn matrix, CSS pixels. */
const SIDE = 320;

export function decodeHeatmap(l: LayerReport): Grid | string {
  const h = l.heatmap;
  if (!l.gemm) return l.note ?? 'This layer has no weight on a GEMM view to map.';
  // Reports written before heatmaps existed, and a reloaded panel still waiting for the host's full report.
  if (!h) return 'This report carries no heatmap for this layer.';
  const bin = atob(h.density);
  if (bin.length !== h.rows * h.cols) return `The heatmap data is malformed (${bin.length} bytes for ${h.rows} x ${h.cols} cells).`;
  const cells = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) cells[i] = bin.charCodeAt(i);
  return { layer: l, rows: h.rows, cols: h.cols, cells };
}

/** Weight rows and K columns a cell covers, as the server's downsampling assigned them (patterns.ts). */
function span(g: Grid, r: number, c: number): { r0: number; r1: number; c0: number; c1: number } {
  const R = g.layer.gemm!.rows;
  const K = g.layer.gemm!.k;
  return { r0: Math.ceil((r * R) / g.rows), r1: Math.ceil(((r + 1) * R) / g.rows), c0: Math.floor((c * K) / g.cols), c1: Math.floor(((c + 1) * K) / g.cols) };
}

/** Any nonzero cell is at least this opaque, so a nearly empty block never looks like an all-zero one. */
const alpha = (d: number): number => 0.25 + (0.75 * d) / 255;

/**
 * The selected layer's sparsity pattern on its GEMM view (rows = output channels, K = reduction,
 * channel-last for convolutions): a canvas cell per heatmap cell, all-zero cells in their own
 * colour so zero blocks, dead rows and dead columns stand out.
 */
export function heatmapFigure(ctx: ReportContext): HTMLElement {
  const canvas = el('canvas', { cls: 'heatmap-canvas', attrs: { tabindex: '0', role: 'img' } });
  const kAxis = el('div', { cls: 'axis-k' });
  const rowAxis = el('div', { cls: 'axis-rows' });
  const message = el('p', { cls: 'note' });
  const grid = el('div', { cls: 'heatmap-grid' }, el('span', null), kAxis, rowAxis, canvas);
  let g: Grid | null = null;
  let cell = 8;

  const paint = (): void => {
    if (!g) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(g.cols * cell * dpr);
    canvas.height = Math.round(g.rows * cell * dpr);
    canvas.style.width = `${g.cols * cell}px`;
    canvas.style.height = `${g.rows * cell}px`;
    const c2 = canvas.getContext('2d');
    if (!c2) return;
    c2.scale(dpr, dpr);
    const zero = cssVar('--heat-zero');
    const dense = cssVar('--weight');
    c2.fillStyle = cssVar('--bg', '#ffffff');
    c2.fillRect(0, 0, g.cols * cell, g.rows * cell);
    const gap = cell >= 8 ? 1 : 0;
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.cols; c++) {
        const d = g.cells[r * g.cols + c];
        c2.globalAlpha = d === 0 ? 1 : alpha(d);
        c2.fillStyle = d === 0 ? zero : dense;
        c2.fillRect(c * cell, r * cell, cell - gap, cell - gap);
      }
    }
    c2.globalAlpha = 1;
  };

  const fig = figure({
    id: 'chart-heatmap', title: 'Sparsity pattern of the weight', stem: ctx.stem,
    controls: [legend([['heat-zero', 'all zero'], ['heat-sparse', 'few nonzeros'], ['bar-weight', 'dense']])],
    body: el('div', null, grid, message),
    exportSvg: () => exportSvg(g, cell),
  });

  const update = (i: number | null): void => {
    const l = i === null ? undefined : ctx.report.layers[i];
    const decoded = l ? decodeHeatmap(l) : 'Select a layer in the chart or the table.';
    g = typeof decoded === 'string' ? null : decoded;
    grid.hidden = g === null;
    message.textContent = typeof decoded === 'string' ? decoded : '';
    if (!g || !l?.gemm) return fig.readout(message.textContent);
    cell = Math.max(3, Math.min(24, Math.floor(SIDE / Math.max(g.rows, g.cols))));
    kAxis.textContent = `K = reduction: ${count(l.gemm.k)} columns${l.gemm.kernelPositions > 1 ? ' (channel-last: kernel position, then input channel)' : ''} \u2192`;
    rowAxis.textContent = `rows = output channels: ${count(l.gemm.rows)} \u2192`;
    canvas.setAttribute('data-rows', String(g.rows));
    canvas.setAttribute('data-cols', String(g.cols));
    const zeros = g.cells.reduce((s, d) => s + (d === 0 ? 1 : 0), 0);
    canvas.setAttribute('aria-label', `Sparsity heatmap of ${l.name}: ${g.rows} by ${g.cols} cells over its ${l.gemm.rows} by ${l.gemm.k} GEMM view, ${zeros} cells all zero. Arrow keys select the previous or next layer.`);
    const per = (a: number, b: number, unit: string): string => `${Math.ceil(a / b)} ${unit}${Math.ceil(a / b) === 1 ? '' : 's'}`;
    fig.readout(`${l.name}: ${g.rows} \u00d7 ${g.cols} cells, each up to ${per(l.gemm.rows, g.rows, 'row')} \u00d7 ${per(l.gemm.k, g.cols, 'K column')}; ${zeros} of ${g.rows * g.cols} cells all zero`);
    paint();
  };

  canvas.addEventListener('pointermove', (ev) => {
    if (!g) return;
    const r = Math.floor(ev.offsetY / cell);
    const c = Math.floor(ev.offsetX / cell);
    if (r < 0 || c < 0 || r >= g.rows || c >= g.cols) return hideTip();
    const s = span(g, r, c);
    const d = g.cells[r * g.cols + c];
    showTip(`rows ${s.r0}\u2013${s.r1 - 1}, K ${s.c0}\u2013${s.c1 - 1}\n${d === 0 ? 'all zero' : `${pct(d / 255)} nonzero`}`, ev.clientX, ev.clientY);
  });
  canvas.addEventListener('pointerleave', hideTip);
  onStepKeys(canvas, () => ctx.report.layers.length, () => ctx.selected.get(), (i) => ctx.selected.set(i));
  onThemeChange(canvas, paint);
  listen(ctx.selected, fig.root, update);
  update(ctx.selected.get());
  return fig.root;
}

/** The heatmap as vector cells with its axis labels, for the SVG and PNG downloads. */
function exportSvg(g: Grid | null, cell: number): SVGSVGElement {
  const left = 22;
  const top = 40;
  const rowLabel = g ? `rows = output channels (${g.layer.gemm!.rows}) \u2192` : '';
  const w = left + (g?.cols ?? 0) * cell + 10;
  // Tall enough for the vertical row label (about 6.5px a character at 11px) as well as the grid.
  const h = top + Math.max((g?.rows ?? 0) * cell, rowLabel.length * 6.5) + 10;
  const svg = svgEl('svg');
  const fg = cssVar('--fg', '#000000');
  if (g) {
    const zero = cssVar('--heat-zero');
    const dense = cssVar('--weight');
    const name = svgEl('text', { x: 4, y: 14, fill: fg, 'font-size': 12, 'font-family': 'sans-serif' });
    name.textContent = g.layer.name;
    const k = svgEl('text', { x: left, y: top - 8, fill: fg, 'font-size': 11, 'font-family': 'sans-serif' });
    k.textContent = `K = reduction (${g.layer.gemm!.k}) \u2192`;
    const rows = svgEl('text', { x: 14, y: top, fill: fg, 'font-size': 11, 'font-family': 'sans-serif', transform: `rotate(90 14 ${top})` });
    rows.textContent = rowLabel;
    svg.append(name, k, rows);
    for (let r = 0; r < g.rows; r++) {
      for (let c = 0; c < g.cols; c++) {
        const d = g.cells[r * g.cols + c];
        svg.append(svgEl('rect', {
          x: left + c * cell, y: top + r * cell, width: cell, height: cell,
          fill: d === 0 ? zero : dense, 'fill-opacity': d === 0 ? 1 : alpha(d).toFixed(3),
        }));
      }
    }
  }
  return finish(svg, w, h, g ? `Sparsity pattern of ${g.layer.name}` : 'Sparsity pattern');
}
