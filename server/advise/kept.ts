/**
 * Share of a weight's L1 magnitude (sum |w|) a pruning keeps, from the sums one pass gathered:
 * per magnitude bin (every float32 bit pattern with the same exponent and top 4 mantissa bits, so
 * a bin spans 1/16 of a binade), per output channel and per block. These are the removals the
 * pruned copy makes (server/bench/prune.ts): smallest first, ties by position.
 */

/** Bins by the top 12 bits of |x|'s float32 pattern; bins at and past BIN_NONFINITE are Inf and NaN. */
export const BINS = 4096;
export const BIN_NONFINITE = 0xff << 4;

export interface MagnitudeBins {
  counts: Float64Array;
  sums: Float64Array;
}

export const newBins = (): MagnitudeBins => ({ counts: new Float64Array(BINS), sums: new Float64Array(BINS) });

/**
 * Kept share, for each sparsity, when the floor(sparsity x n) smallest |w| go: whole bins from
 * the smallest, then part of one bin at its mean (exact when the bin's values are equal;
 * otherwise within the bin's 1/16-binade width). One walk of the bins serves every sparsity.
 */
export function keptUnstructuredAt(b: MagnitudeBins, n: number, total: number, sparsities: readonly number[]): number[] {
  if (total <= 0) return sparsities.map(() => 1);
  const out = new Array<number>(sparsities.length);
  const order = sparsities.map((_, i) => i).sort((i, j) => sparsities[i] - sparsities[j]);
  let bin = 0;
  let below = 0;
  let removed = 0;
  for (const i of order) {
    const want = Math.floor(sparsities[i] * n);
    for (; bin < BIN_NONFINITE && below + b.counts[bin] <= want; bin++) {
      below += b.counts[bin];
      removed += b.sums[bin];
    }
    // Part of the next nonempty bin at its mean.
    let part = 0;
    if (want > below) {
      let j = bin;
      while (j < BIN_NONFINITE && !b.counts[j]) j++;
      if (j < BIN_NONFINITE) part = (b.sums[j] * (want - below)) / b.counts[j];
    }
    out[i] = Math.max(0, 1 - (removed + part) / total);
  }
  return out;
}

/**
 * Kept shares when the floor(share x n) parts with the smallest sums go (rows, blocks), one per
 * share; `smallest` sums the smallest k for each k (the kernels' exact select).
 */
export function keptSmallest(n: number, total: number, shares: readonly number[], smallest: (take: number[]) => number[]): number[] {
  if (total <= 0) return shares.map(() => 1);
  return smallest(shares.map((share) => Math.floor(share * n))).map((r) => Math.max(0, 1 - r / total));
}
