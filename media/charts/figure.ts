import { button, el, type Child } from '../parts/dom';
import { download } from './download';
import { svgText, svgToPng } from './svg-export';

export interface FigureSpec {
  /** Element id, also the exported files' suffix. */
  id: string;
  title: string;
  /** Stem of exported file names (the model's, made safe). */
  stem: string;
  body: Child;
  /** Selects, legends: shown next to the title. */
  controls?: Child[];
  /** A self-contained SVG of what the chart shows now; PNG is rasterised from it. */
  exportSvg(): SVGSVGElement;
  note?: Child;
}

export interface Figure {
  root: HTMLElement;
  /** The line under the chart that reads out the selected or hovered item for screen readers too. */
  readout(text: string): void;
}

/**
 * A chart with its title, controls, SVG and PNG download buttons and a live text readout. Both
 * downloads are made in the page (no message to the host): see download.ts.
 */
export function figure(spec: FigureSpec): Figure {
  const readout = el('p', { cls: 'readout', attrs: { 'aria-live': 'polite' } });
  const problem = el('span', { cls: 'export-error', attrs: { role: 'status' } });
  const name = (ext: string): string => `${spec.stem}-${spec.id}.${ext}`;
  const fail = (e: unknown): void => {
    problem.textContent = `Export failed: ${e instanceof Error ? e.message : String(e)}`;
  };
  const svgButton = button('SVG', () => {
    problem.textContent = '';
    try {
      download(new Blob([svgText(spec.exportSvg())], { type: 'image/svg+xml' }), name('svg'));
    } catch (e) {
      fail(e);
    }
  }, { cls: 'secondary small', title: `Download "${spec.title}" as SVG` });
  const pngButton = button('PNG', () => {
    problem.textContent = '';
    svgToPng(spec.exportSvg()).then((b) => download(b, name('png')), fail);
  }, { cls: 'secondary small', title: `Download "${spec.title}" as PNG` });
  const head = el('div', { cls: 'chart-head' },
    el('h3', null, spec.title),
    ...(spec.controls ?? []),
    el('span', { cls: 'chart-actions' }, svgButton, pngButton, problem));
  const root = el('figure', { cls: 'chart', attrs: { id: spec.id, 'aria-label': spec.title } }, head, spec.body, readout, spec.note);
  return { root, readout: (t) => (readout.textContent = t) };
}
