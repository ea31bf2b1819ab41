import type { SimdKernels, SimdStats } from './simd-kernels';

/**
 * The one pass every weight gets: over float32 magnitude bits (sign ignored) it counts exact zeros,
 * near-zeros and non-finite values, sums |x| and x^2, tracks the extremes, bins every value by its
 * binary exponent (a log2 histogram for free) and sets one bit per nonzero element in `bitmap`,
 * which the pattern metrics then read instead of the data (1/32 of the bytes).
 */
export interface MagnitudeStats {
  zeros: number;
  nearZeros: number;
  nonFinite: number;
  sum: number;
  sumSq: number;
  /** Largest finite magnitude, as float32 bits. */
  maxBits: number;
  /** Smallest nonzero magnitude, as float32 bits minus one (0xffffffff while none seen). */
  minNonzeroBitsM1: number;
  /** Counts by biased float32 exponent: bin e holds [2^(e-127), 2^(e-126)); bin 0 holds subnormals and zeros. */
  readonly exponentBins: Float64Array;
}

export function newMagnitudeStats(): MagnitudeStats {
  return {
    zeros: 0, nearZeros: 0, nonFinite: 0, sum: 0, sumSq: 0, maxBits: 0, minNonzeroBitsM1: 0xffffffff,
    exponentBins: new Float64Array(256),
  };
}

const SIGN_OFF = 0x7fffffff;
const INF_BITS = 0x7f800000;

/**
 * Folds n magnitudes at `ptr` in the kernels' memory (elements first..first+n-1 of the tensor)
 * into `s`, and their nonzero bits into `bitmap` (bit i of the tensor is bit i%32 of word i>>5).
 * `nearBits` is the near-zero threshold as float32 bits: |x| <= t compares as integers.
 * Whole bitmap words go through the SIMD kernel; the partial words at either end, and any stretch
 * holding Inf or NaN, through the scalar loop.
 */
export function foldMagnitudes(
  s: MagnitudeStats, k: SimdKernels, ptr: number, n: number, first: number, bitmap: Uint32Array, nearBits: number,
): void {
  const head = Math.min(n, (32 - (first & 31)) & 31);
  const body = (n - head) & ~31;
  const scalar = (a: number, b: number): void => {
    const { values, bits } = k.views(ptr + 4 * a, b - a);
    foldScalar(s, bits, values, 0, b - a, first + a, bitmap, nearBits);
  };
  if (head) scalar(0, head);
  if (body) {
    const word = (first + head) >>> 5;
    // A bitmap in the kernels' memory takes the words where they belong; any other gets a copy.
    const inPlace = k.addressOf(bitmap);
    const r = k.stats(ptr + 4 * head, body, nearBits, inPlace === undefined ? undefined : inPlace + 4 * word);
    if (r.bins[255] > 0) {
      if (inPlace !== undefined) bitmap.fill(0, word, word + (body >>> 5));
      scalar(head, head + body);
    } else {
      if (inPlace === undefined) bitmap.set(k.words(body), word);
      addKernelStats(s, r, body);
    }
  }
  if (head + body < n) scalar(head + body, n);
}

/** Adds a kernel's result over `n` finite values into s. */
export function addKernelStats(s: MagnitudeStats, r: SimdStats, n: number): void {
  s.zeros += n - r.nonzero;
  s.nearZeros += r.near;
  s.sum += r.sum;
  s.sumSq += r.sumSq;
  if (r.maxBits > s.maxBits) s.maxBits = r.maxBits;
  if (r.minBitsM1 < s.minNonzeroBitsM1) s.minNonzeroBitsM1 = r.minBitsM1;
  const bins = r.bins;
  const out = s.exponentBins;
  for (let e = 0; e < 255; e++) out[e] += bins[e];
}

/** The scalar loop, also the path for Inf/NaN: those count as nonzero and non-finite, and stay out of sums and extremes. */
export function foldScalar(
  s: MagnitudeStats, bits: Uint32Array, values: Float32Array, a: number, b: number, first: number,
  bitmap: Uint32Array, t: number,
): void {
  for (let i = a; i < b; i++) {
    const x = bits[i] & SIGN_OFF;
    const g = first + i;
    if (x === 0) {
      s.zeros++;
      s.nearZeros++;
      s.exponentBins[0]++;
      continue;
    }
    bitmap[g >>> 5] |= 1 << (g & 31);
    if (x >= INF_BITS) {
      s.nonFinite++;
      s.exponentBins[255]++;
      continue;
    }
    if (x <= t) s.nearZeros++;
    s.exponentBins[x >>> 23]++;
    if (x > s.maxBits) s.maxBits = x;
    if (x - 1 < s.minNonzeroBitsM1) s.minNonzeroBitsM1 = x - 1;
    const v = Math.abs(values[i]);
    s.sum += v;
    s.sumSq += v * v;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bitsToFloat(b: number): number {
  u32[0] = b;
  return f32[0];
}

/** float32 bits of the largest float32 <= t, so `bits <= result` is exactly `|x| <= t`. */
export function thresholdBits(t: number): number {
  if (!(t >= 0)) return 0;
  f32[0] = t;
  let b = u32[0];
  if (f32[0] > t) b -= 1;
  return Math.min(b, INF_BITS - 1);
}
