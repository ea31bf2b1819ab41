import type { Estimate, Report, Verdict, VerdictCode } from '../protocol';

/**
 * What the text reports and the report page both say about the advice: where each verdict code
 * is explained, the headline figures on the focus targets, and which figures rest on all-zero
 * channels the estimates count removed.
 */

/** Every verdict code, in the order docs/advisor.md explains them. */
export const VERDICT_CODES: readonly VerdictCode[] = [
  'eligible', 'not-eligible-k', 'not-eligible-op', 'below-minimum', 'slower-at-this-batch', 'zeros-ignored', 'compactable', 'quantized-zero-point', 'no-runtime', 'no-weight',
];

/** The page of docs/advisor.md that explains a code: its heading is the code itself. */
export function verdictDoc(code: VerdictCode): string {
  return `docs/advisor.md#${code}`;
}

/** The decisive verdict of a layer on a target, if the report has verdicts. */
export function verdictOf(r: Report, index: number, target: string): Verdict | undefined {
  return r.advice?.verdicts[index]?.targets[target]?.[0];
}

export interface Headline {
  target: Estimate['accelerator'];
  asIs: Estimate;
  /** All-zero output channels and K columns of the layers whose removal the as-is figure counts. */
  zeroRows: number;
  zeroCols: number;
}

/** The as-is estimate on each focus target, in the focus order, with the zero channels it counts removed. */
export function headline(r: Report): Headline[] {
  const focus = r.advice?.focus.targets ?? [];
  const zeroRows = r.layers.reduce((s, l) => s + (l.gemm ? l.zeroRows : 0), 0);
  const zeroCols = r.layers.reduce((s, l) => s + (l.gemm ? l.zeroCols : 0), 0);
  return focus.flatMap((id) => {
    const e = r.estimates.find((x) => x.accelerator.id === id && x.scenario === 'as-is');
    return e ? [{ target: e.accelerator, asIs: e, zeroRows, zeroCols }] : [];
  });
}

/** "assumes the 6 all-zero output channels and 2 K columns removed", when the figure rests on them. */
export function zeroChannelsNote(h: Headline): string {
  if (h.asIs.speedup < 1.005 || (!h.zeroRows && !h.zeroCols)) return '';
  const parts = [h.zeroRows ? `${h.zeroRows} all-zero output channels` : '', h.zeroCols ? `${h.zeroCols} all-zero K columns` : ''].filter(Boolean);
  return `assumes the ${parts.join(' and ')} removed`;
}

/** Count of each decisive verdict on a target: what the "why not faster" summary leads with. */
export function verdictCounts(r: Report, target: string): [string, number][] {
  const by = new Map<string, number>();
  for (const v of r.advice?.verdicts ?? []) {
    const first = v.targets[target]?.[0];
    if (first) by.set(first.label, (by.get(first.label) ?? 0) + 1);
  }
  return [...by].sort((a, b) => b[1] - a[1]);
}

/**
 * When an as-is figure on a dense target is above 1x, what it rests on: the all-zero output
 * channels and K columns the estimator counts removed (undefined when none drive it).
 */
export function zeroChannelEstimates(r: Report): { rows: number; cols: number } | undefined {
  const rows = r.layers.reduce((s, l) => s + (l.gemm ? l.zeroRows : 0), 0);
  const cols = r.layers.reduce((s, l) => s + (l.gemm ? l.zeroCols : 0), 0);
  const dense = r.estimates.some((e) => e.accelerator.kind === 'none' && e.scenario === 'as-is' && e.speedup > 1.005);
  return dense && (rows || cols) ? { rows, cols } : undefined;
}
