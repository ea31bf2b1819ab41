import { el } from './dom';

/** Which direction of change is an improvement for sparsity: more zeros, fewer MACs, less time. */
export type Better = 'up' | 'down' | null;

/**
 * A change against the previous analysis (b - a) as a small tagged span. Colour says better or
 * worse where the direction is clear; the sign and arrow carry it too, for colour-blind readers
 * and high contrast themes. No change gives nothing unless `showZero`: in a table of a hundred
 * unchanged layers, the few that changed must stand out.
 */
export function deltaEl(d: number | null | undefined, label: string, better: Better, showZero = false): HTMLElement | null {
  if (d === null || d === undefined || Number.isNaN(d) || (d === 0 && !showZero)) return null;
  const tone = d === 0 || better === null ? 'same' : (d > 0) === (better === 'up') ? 'good' : 'bad';
  const arrow = d > 0 ? '\u25b2 ' : d < 0 ? '\u25bc ' : '';
  return el('span', { cls: `delta ${tone}` }, `${arrow}${label}`);
}
