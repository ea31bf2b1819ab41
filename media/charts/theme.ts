/**
 * Canvas drawing cannot use CSS variables, so canvas charts read the colours here, from the same
 * custom properties report.css defines (VS Code's theme, or the standalone palettes), and redraw
 * when the theme changes: VS Code swaps body classes, a browser flips prefers-color-scheme.
 */

export function cssVar(name: string, fallback = '#888888'): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

type Redraw = () => void;
const redraws = new Map<Element, Redraw>();
let watching = false;

function redrawAll(): void {
  for (const [node, redraw] of [...redraws]) {
    if (node.isConnected) redraw();
    else redraws.delete(node);
  }
}

/** Calls `redraw` after each theme change while `node` is in the document. */
export function onThemeChange(node: Element, redraw: Redraw): void {
  redraws.set(node, redraw);
  if (watching) return;
  watching = true;
  new MutationObserver(redrawAll).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redrawAll);
}
