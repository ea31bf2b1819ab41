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
