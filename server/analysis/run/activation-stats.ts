import type { NearZeroRule } from '../../../common/protocol';
import type { ChannelFold } from './channel-stats';
import { HISTOGRAM_THRESHOLDS, nextUp } from './instrument';
import { emptySpread, type SampleSpread } from './sample-spread';

/**
 * Statistics of one value over all samples. The same definitions whether onnxruntime computed them
 * in the graph or they were folded here from a copied-out tensor (instrument.ts): counts compare
 * |x| with `<` against the next representable number above each threshold.
 */
export interface ValueStats {
  elements: number;
  zeros: number;
  nearZeros: number;
  min: number;
  max: number;
  sum: number;
  sumSq: number;
  /**
   * When measured: counts of |x| below each of HISTOGRAM_THRESHOLDS among `elements` values,
   * every stride-th of the value in memory order (instrument.ts histogramStride; 1: every one).
   */
  hist?: { below: number[]; elements: number; stride: number };
  samples: number;
  /** Density sample by sample. */
  spread: SampleSpread;
  /** Per channel, for layer inputs and outputs. */
  channels?: ChannelFold;
  /** N:M groups of activations along the channel axis, for layer data inputs. */
  nm?: Record<string, { complying: number; groups: number }>;
}

/** What one run (one sample, or several stacked) adds to a value's statistics. */
export type RunStats = Omit<ValueStats, 'samples' | 'spread' | 'channels' | 'nm'>;

export function emptyStats(): ValueStats {
  return { elements: 0, zeros: 0, nearZeros: 0, min: Infinity, max: -Infinity, sum: 0, sumSq: 0, samples: 0, spread: emptySpread() };
}

/** Folds one run's statistics (over `samples` samples) into the running ones. */
export function mergeStats(into: ValueStats, s: RunStats, samples = 1): void {
  into.elements += s.elements;
  into.zeros += s.zeros;
  into.nearZeros += s.nearZeros;
  into.min = Math.min(into.min, s.min);
  into.max = Math.max(into.max, s.max);
  into.sum += s.sum;
  into.sumSq += s.sumSq;
  if (s.hist) {
    const h = s.hist;
    into.hist = into.hist ? { below: into.hist.below.map((c, i) => c + h.below[i]), elements: into.hist.elements + h.elements, stride: h.stride } : { below: [...h.below], elements: h.elements, stride: h.stride };
  }
  into.samples += samples;
}

type Numeric = ArrayLike<number> | BigInt64Array | BigUint64Array;

/**
 * The copied-out path: statistics of a tensor's values (float32 `float16` data arrive as bit
 * patterns and are decoded by the caller). One pass, two with a relative near-zero rule (it needs
 * max|x| first); sums in double.
 */
export function tensorStats(data: Numeric, near: NearZeroRule, histogram: boolean, wide: boolean): RunStats {
  const n = data.length;
  // Read in place, not through a function per element (several times slower in a process's first run), and with no copy.
  const big = typeof data[0] === 'bigint';
  const ints = data as BigInt64Array;
  const values = data as ArrayLike<number>;
  const thresholds = HISTOGRAM_THRESHOLDS.map((t) => (wide ? t : Math.fround(t)));
  const histBelow = histogram ? thresholds.map(() => 0) : undefined;
  // An absolute rule counts in the first pass; a relative one (nothing is below -Infinity) in a second.
  const absoluteBelow = near.relative ? -Infinity : nextUp(near.value, wide);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let zeros = 0;
  let maxAbs = 0;
  let nearZeros = 0;
  for (let i = 0; i < n; i++) {
    const v = big ? Number(ints[i]) : values[i];
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a < absoluteBelow) nearZeros++;
    if (histBelow) for (let k = 0; k < thresholds.length; k++) if (a < thresholds[k]) histBelow[k]++;
  }
  if (near.relative) {
    // As in the graph: t x max|x| computed at the value's precision, compared with <.
    const below = wide ? near.value * maxAbs : Math.fround(Math.fround(near.value) * maxAbs);
    for (let i = 0; i < n; i++) if (Math.abs(big ? Number(ints[i]) : values[i]) < below) nearZeros++;
  }
  return { elements: n, zeros, nearZeros, min, max, sum, sumSq, ...(histBelow ? { hist: { below: histBelow, elements: n, stride: 1 } } : {}) };
}
