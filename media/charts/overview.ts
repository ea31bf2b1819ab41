import { brushX, type BrushBehavior, type D3BrushEvent } from 'd3-brush';
import { pointer, select } from 'd3-selection';
import { el } from '../parts/dom';
import { svgEl } from './svg-export';
import { cssVar, onThemeChange } from './theme';

export interface OverviewSeries {
  /** CSS custom property holding the series colour. */
  color: string;
  value(i: number): number | null;
}

export interface Overview {
  root: HTMLElement;
  /** Redraws at a width for the shown window [lo, hi) and the selected item. */
  draw(width: number, lo: number, hi: number, selected: number | null): void;
}

const HEIGHT = 44;

/**
 * The whole series at a glance, one pixel column per bucket of items (their mean), on a
 * canvas, with a d3 brush choosing the window the detail chart shows. Thousands of layers cost
 * one canvas, not thousands of elements.
 */
export function overview(n: number, series: OverviewSeries[], domain: [number, number], onWindow: (lo: number, hi: number) => void): Overview {
  const canvas = el('canvas', { cls: 'overview-canvas', attrs: { 'aria-hidden': 'true' } });
  const brushSvg = svgEl('svg', { class: 'overview-brush', height: HEIGHT, 'aria-hidden': 'true' });
  const root = el('div', { cls: 'overview', title: 'Drag to choose the layers shown above; click to centre the window there' }, canvas, brushSvg);
  let last: [number, number, number, number | null] = [0, 0, 0, null];
  let brush: BrushBehavior<unknown> | null = null;
  const group = select(brushSvg).append('g');
  let width = 0;

  const paint = (): void => {
    const [w, lo, hi, selected] = last;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${HEIGHT}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx || !w) return;
    ctx.scale(dpr, dpr);
    const y = (v: number): number => 2 + (HEIGHT - 4) * (1 - (Math.min(domain[1], Math.max(domain[0], v)) - domain[0]) / (domain[1] - domain[0]));
    const zero = y(0);
    // Per pixel column, the mean of its bucket: the first series as a filled area, the others as
    // lines over it, so both stay readable when thousands of layers share a few hundred pixels.
    series.forEach((s, k) => {
      ctx.fillStyle = ctx.strokeStyle = cssVar(s.color);
      ctx.globalAlpha = k === 0 ? 0.55 : 1;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let pen = false;
      for (let px = 0; px < w; px++) {
        const a = Math.floor((px * n) / w);
        const b = Math.min(n, Math.max(a + 1, Math.floor(((px + 1) * n) / w)));
        let sum = 0;
        let m = 0;
        for (let i = a; i < b; i++) {
          const v = s.value(i);
          if (v !== null) { sum += v; m++; }
        }
        if (!m) { pen = false; continue; }
        const v = y(sum / m);
        if (k === 0) ctx.fillRect(px, Math.min(v, zero), 1, Math.abs(zero - v));
        else if (pen) ctx.lineTo(px + 0.5, v);
        else { ctx.moveTo(px + 0.5, v); pen = true; }
      }
      if (k > 0) ctx.stroke();
    });
    ctx.globalAlpha = 1;
    if (selected !== null) {
      ctx.fillStyle = cssVar('--fg');
      ctx.fillRect(Math.floor(((selected + 0.5) * w) / n), 0, 1, HEIGHT);
    }
    // The brush follows the window; moves made here carry no sourceEvent, so they do not echo back.
    if (brush) group.call(brush.move, [(lo * w) / n, (hi * w) / n]);
  };

  const ended = (ev: D3BrushEvent<unknown>): void => {
    if (!ev.sourceEvent) return;
    const w = last[0];
    if (ev.selection) {
      const [x0, x1] = ev.selection as [number, number];
      onWindow(Math.floor((x0 / w) * n), Math.ceil((x1 / w) * n));
    } else {
      const [x] = pointer(ev.sourceEvent, brushSvg);
      const span = last[2] - last[1];
      const mid = Math.floor((x / w) * n);
      onWindow(mid - Math.floor(span / 2), mid - Math.floor(span / 2) + span);
    }
  };

  onThemeChange(canvas, paint);
  return {
    root,
    draw(w, lo, hi, selected) {
      last = [w, lo, hi, selected];
      if (w !== width) {
        width = w;
        brushSvg.setAttribute('width', String(w));
        brush = brushX<unknown>().extent([[0, 0], [w, HEIGHT]]).on('end', ended);
        group.call(brush);
      }
      paint();
    },
  };
}
