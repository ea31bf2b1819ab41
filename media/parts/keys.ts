/**
 * Arrow keys on a focused chart or table move a selection through `n` items: arrows by one,
 * Page keys by `page`, Home/End to the ends. Returns the new position, or undefined for keys
 * that are not ours (so Tab and the rest keep working).
 */
export function stepKey(key: string, current: number | null, n: number, page = 10): number | undefined {
  if (n === 0) return undefined;
  const at = current ?? -1;
  const clamp = (i: number): number => Math.max(0, Math.min(n - 1, i));
  switch (key) {
    case 'ArrowRight': case 'ArrowDown': return clamp(current === null ? 0 : at + 1);
    case 'ArrowLeft': case 'ArrowUp': return clamp(current === null ? 0 : at - 1);
    case 'PageDown': return clamp(at + page);
    case 'PageUp': return clamp(at - page);
    case 'Home': return 0;
    case 'End': return n - 1;
    default: return undefined;
  }
}

/** Wires stepKey to an element: the handler gets the new position; the page does not scroll. */
export function onStepKeys(target: HTMLElement | SVGElement, n: () => number, current: () => number | null, go: (i: number) => void, page = 10): void {
  target.addEventListener('keydown', (ev: Event) => {
    const k = ev as KeyboardEvent;
    if (k.altKey || k.ctrlKey || k.metaKey) return;
    const next = stepKey(k.key, current(), n(), page);
    if (next === undefined) return;
    k.preventDefault();
    go(next);
  });
}
