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
 * Kept share when the floor(sparsity x n) smallest |w| go: whole bins from the smallest, then
 * part of one bin at its mean (exact when the bin's values are equal; otherwise within the bin's
 * 1/16-binade width).
 */
export function keptUnstructured(b: MagnitudeBins, n: number, total: number, sparsity: number): number {
  if (total <= 0) return 1;
  let left = Math.floor(sparsity * n);
  let removed = 0;
  for (let i = 0; i < BIN_NONFINITE && left > 0; i++) {
    const c = b.counts[i];
    if (!c) continue;
    const take = Math.min(c, left);
    removed += take === c ? b.sums[i] : (b.sums[i] * take) / c;
    left -= take;
  }
  return Math.max(0, 1 - removed / total);
}

/** Kept shares when the floor(share x count) parts with the smallest sums go (rows, blocks), one per share: one sort for all. */
export function keptSmallest(sums: Float64Array | Float32Array, total: number, shares: readonly number[]): number[] {
  if (total <= 0) return shares.map(() => 1);
  const sorted = sums.slice().sort();
  const prefix = new Float64Array(sorted.length + 1);
  for (let i = 0; i < sorted.length; i++) prefix[i + 1] = prefix[i] + sorted[i];
  return shares.map((share) => Math.max(0, 1 - prefix[Math.floor(share * sorted.length)] / total));
}
