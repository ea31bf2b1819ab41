import type { LatencyStats } from '../../common/protocol';

/**
 * min/p50/p90/p99/max/mean of latencies. Percentiles interpolate linearly between the two
 * closest ranks (numpy's default), so p50 of [1, 2, 3, 4] is 2.5.
 */
export function latencyStats(samples: readonly number[]): LatencyStats {
  if (!samples.length) throw new RangeError('no latency samples');
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => {
    const x = (p / 100) * (s.length - 1);
    const lo = Math.floor(x);
    const hi = Math.min(s.length - 1, lo + 1);
    return s[lo] + (s[hi] - s[lo]) * (x - lo);
  };
  return { min: s[0], p50: at(50), p90: at(90), p99: at(99), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/**
 * The crossover: the lowest sparsity from which the fastest sparse variant beats dense at that
 * level and at every higher one (a single lucky level in the middle does not count). Null when
 * sparse never wins at the top level.
 */
export function crossoverSparsity(levels: readonly { sparsity: number; denseMs: number; bestSparseMs: number | null }[]): number | null {
  const sorted = [...levels].sort((a, b) => a.sparsity - b.sparsity);
  let from: number | null = null;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const l = sorted[i];
    if (l.bestSparseMs !== null && l.bestSparseMs < l.denseMs) from = l.sparsity;
    else break;
  }
  return from;
}

/** A p99 this far above the p50 means run-to-run noise the size of the effects being compared. */
export const SPREAD_LIMIT = 1.5;

export function spreadWarnings(a: { p50: number; p99: number }, b: { p50: number; p99: number }): string[] {
  const sa = a.p99 / a.p50;
  const sb = b.p99 / b.p50;
  if (Math.max(sa, sb) <= SPREAD_LIMIT) return [];
  return [`latency spread p99/p50 is ${sa.toFixed(2)} for the model and ${sb.toFixed(2)} for the copy (over ${SPREAD_LIMIT}): run-to-run noise is as large as the difference measured, so the ratio says little; time again with more iterations, fixed --threads, on a quiet machine`];
}
