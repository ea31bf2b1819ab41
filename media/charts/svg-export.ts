import { cssVar } from './theme';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Presentation properties copied from the live chart's computed style into attributes of the
 * copy: an exported SVG is opened without report.css and without the theme's variables, so
 * everything the stylesheet decided has to be written into the file.
 */
const PROPS = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray', 'stroke-linecap',
  'opacity', 'font-family', 'font-size', 'font-weight', 'text-anchor', 'dominant-baseline', 'display',
];

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** A self-contained copy of a chart drawn with d3 in the page: styles inlined, background and title added. */
export function standaloneSvg(live: SVGSVGElement, title: string): SVGSVGElement {
  const copy = live.cloneNode(true) as SVGSVGElement;
  const from = [live, ...live.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((node, i) => {
    const cs = getComputedStyle(node);
    for (const p of PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) to[i].setAttribute(p, v);
    }
    to[i].removeAttribute('class');
    to[i].removeAttribute('tabindex');
  });
  const box = live.getBoundingClientRect();
  const width = live.getAttribute('width') ?? String(Math.round(box.width));
  const height = live.getAttribute('height') ?? String(Math.round(box.height));
  return finish(copy, width, height, title);
}

/** Gives an exported SVG its namespace, size, a background (viewers default to transparent) and a title. */
export function finish(svg: SVGSVGElement, width: string | number, height: string | number, title: string): SVGSVGElement {
  svg.setAttribute('xmlns', SVG_NS);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const t = svgEl('title');
  t.textContent = title;
  const bg = svgEl('rect', { width: '100%', height: '100%', fill: cssVar('--bg', '#ffffff') });
  svg.prepend(t, bg);
  return svg;
}

export function svgText(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}`;
}

/**
 * Rasterises an exported SVG: it is loaded as an image from a data: URL (the CSP allows data:
 * images, not blob: ones), drawn on a canvas at `scale` and encoded as PNG. An SVG without
 * foreignObject does not taint the canvas, so toBlob is allowed.
 */
export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const width = Number(svg.getAttribute('width'));
  const height = Number(svg.getAttribute('height'));
  const img = new Image();
  await new Promise<void>((resolve, reject) => {
    img.addEventListener('load', () => resolve(), { once: true });
    img.addEventListener('error', () => reject(new Error('the browser could not draw the chart as an image')), { once: true });
    // A property, not setAttribute: dom.ts refuses src on principle; this URL is our own serialised chart.
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText(svg))}`;
  });
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas in this browser');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}
