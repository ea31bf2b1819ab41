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

/** Kept shares when the floor(share x count) parts with the smallest sums go (rows, blocks), one per share. */
export function keptSmallest(sums: Float64Array | Float32Array, total: number, shares: readonly number[]): number[] {
  return keptShares(sums.length, total, shares, (take) => smallestSums(sums, take));
}

/** keptSmallest over n parts whose histogram was made elsewhere. */
export function keptSmallestOf(h: Buckets, n: number, total: number, shares: readonly number[]): number[] {
  return keptShares(n, total, shares, (take) => smallestFromBuckets(h, take));
}

function keptShares(n: number, total: number, shares: readonly number[], smallest: (take: number[]) => number[]): number[] {
  if (total <= 0) return shares.map(() => 1);
  return smallest(shares.map((share) => Math.floor(share * n))).map((r) => Math.max(0, 1 - r / total));
}

/** Up to this many values are simply sorted; typed-array sort costs about 100 ns a value here. */
const SORT_LIMIT = 1 << 11;
const BUCKETS = 1 << 16;
/** Reused: a model has hundreds of weights, each asking a few times. */
const bucketCounts = new Float64Array(BUCKETS);
const bucketSums = new Float64Array(BUCKETS);

/** A 65,536-bucket histogram of non-negative values by their float32 pattern's top 16 bits (which orders them), and each bucket's values. */
export interface Buckets {
  counts: Float64Array;
  sums: Float64Array;
  /** The sum of the `left` smallest values of bucket b. */
  smallest(b: number, left: number): number;
}

/**
 * The sum of the `take[i]` smallest of `values` (non-negative), for each i, exactly: whole
 * buckets of a 65,536-bucket histogram by the float32 bit pattern's top 16 bits (which orders
 * non-negative floats), then the values of the bucket each count ends in, sorted on their own.
 */
export function smallestSums(values: Float64Array | Float32Array, take: readonly number[]): number[] {
  if (values.length <= SORT_LIMIT) {
    const sorted = values.slice().sort();
    const prefix = new Float64Array(sorted.length + 1);
    for (let i = 0; i < sorted.length; i++) prefix[i + 1] = prefix[i] + sorted[i];
    return take.map((n) => prefix[n]);
  }
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const bucket = (x: number): number => {
    f[0] = x;
    return u[0] >>> 16;
  };
  const counts = bucketCounts.fill(0);
  const sums = bucketSums.fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = bucket(values[i]);
    counts[b]++;
    sums[b] += values[i];
  }
  return smallestFromBuckets({
    counts, sums,
    smallest: (b, left) => {
      const inBucket = new Float64Array(counts[b]);
      let k = 0;
      for (let i = 0; i < values.length; i++) if (bucket(values[i]) === b) inBucket[k++] = values[i];
      inBucket.sort();
      let total = 0;
      for (let i = 0; i < left; i++) total += inBucket[i];
      return total;
    },
  }, take);
}

/** smallestSums over a histogram made elsewhere (the kernels make one of float32 block sums). */
export function smallestFromBuckets(h: Buckets, take: readonly number[]): number[] {
  const { counts, sums } = h;
  // Per take: the whole buckets below the one its count ends in, and how many of that one it
  // needs; one walk over the buckets serves every take, smallest first.
  const ends = take.map(() => ({ b: 0, left: 0, total: 0 }));
  const order = take.map((_, i) => i).sort((i, j) => take[i] - take[j]);
  let b = 0;
  let below = 0;
  let sum = 0;
  for (const i of order) {
    for (; b < counts.length && take[i] - below >= counts[b]; b++) {
      below += counts[b];
      sum += sums[b];
    }
    ends[i] = { b, left: take[i] - below, total: sum };
  }
  for (const e of ends) if (e.left > 0 && e.b < BUCKETS) e.total += h.smallest(e.b, e.left);
  return ends.map((e) => e.total);
}
