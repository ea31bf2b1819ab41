import { select, type Selection } from 'd3-selection';
import { el } from '../parts/dom';
import { svgEl } from './svg-export';

/**
 * A chart's plot: focusable (arrow keys step through its items) and an image to screen readers,
 * with a viewBox when its size is fixed so it scales down in a narrow panel. Charts whose height
 * depends on the data set it when they draw.
 */
export function plotSvg(cls: string, size: { width?: number; height?: number }, label?: string): Selection<SVGSVGElement, unknown, null, undefined> {
  const attrs: Record<string, string | number> = { class: `chart-plot ${cls}`, tabindex: 0, role: 'img' };
  if (size.width !== undefined) attrs.width = size.width;
  if (size.height !== undefined) attrs.height = size.height;
  if (size.width !== undefined && size.height !== undefined) attrs.viewBox = `0 0 ${size.width} ${size.height}`;
  if (label !== undefined) attrs['aria-label'] = label;
  return select(svgEl('svg', attrs));
}

/** Swatches and their labels; each class colours its swatch as the chart colours its marks. */
export function legend(items: readonly (readonly [cls: string, label: string])[]): HTMLElement {
  return el('span', { cls: 'legend' }, ...items.flatMap(([cls, label]) => [el('span', { cls: `swatch ${cls}` }), label]));
}
