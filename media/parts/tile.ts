import { el, type Child } from './dom';

/** One key figure of the summary: its label, the value, what changed since last time, and a line (or parts) of context. */
export function tile(label: string, value: string, sub: Child | Child[], delta?: HTMLElement | null): HTMLElement {
  return el('div', { cls: 'tile' }, el('div', { cls: 'tile-label' }, label), el('div', { cls: 'tile-value' }, value), delta,
    el('div', { cls: 'tile-sub' }, ...(Array.isArray(sub) ? sub : [sub])));
}
