import { svgEl } from './svg-export';

/**
 * A density spread as a small inline bar on a fixed 0-100% scale, so bars of every layer line
 * up: the track, the span from the lowest to the highest per-sample density, a tick at the mean.
 * An image to screen readers, with the figures in words.
 */
export const BAR_WIDTH = 140;
const HEIGHT = 12;

export function rangeBarSvg(min: number, mean: number, max: number, label: string): SVGSVGElement {
  const x = (v: number): number => 1 + Math.max(0, Math.min(1, v)) * (BAR_WIDTH - 2);
  const svg = svgEl('svg', { class: 'range-bar', width: BAR_WIDTH, height: HEIGHT, viewBox: `0 0 ${BAR_WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label });
  svg.append(
    svgEl('rect', { class: 'range-track', x: 0, y: HEIGHT / 2 - 1, width: BAR_WIDTH, height: 2 }),
    svgEl('rect', { class: 'range-span', x: x(min), y: 2, width: Math.max(2, x(max) - x(min)), height: HEIGHT - 4, rx: 2 }),
    svgEl('rect', { class: 'range-mean', x: x(mean) - 1, y: 0, width: 2, height: HEIGHT }),
  );
  return svg;
}
