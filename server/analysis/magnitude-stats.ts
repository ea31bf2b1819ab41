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
// Two interleaved bin sets: consecutive equal exponents would otherwise serialise on one counter.
const lanes = new Int32Array(512);

/**
 * Folds n magnitudes (elements first..first+n-1 of the tensor) into `s`, and their nonzero bits
 * into `bitmap` (bit i of the tensor is bit i%32 of word i>>5; words are OR-ed, so chunks may start
 * anywhere). `nearBits` is the near-zero threshold as float32 bits: |x| <= t compares as integers.
 * Whole aligned words take the fast loop, which assumes finite values and is redone carefully
 * for the chunk in the rare case it met Inf or NaN.
 */
export function foldMagnitudes(
  s: MagnitudeStats, bits: Uint32Array, values: Float32Array, n: number, first: number,
  bitmap: Uint32Array, nearBits: number,
): void {
  const head = Math.min(n, (32 - (first & 31)) & 31);
  const body = (n - head) & ~31;
  if (head) foldCareful(s, bits, values, 0, head, first, bitmap, nearBits);
  if (body && !foldFast(s, bits, values, head, head + body, first, bitmap, nearBits))
    foldCareful(s, bits, values, head, head + body, first, bitmap, nearBits);
  if (head + body < n) foldCareful(s, bits, values, head + body, n, first, bitmap, nearBits);
}

/** Elements [a, b) of the chunk; a+first and b+first are multiples of 32. False if a value was not finite. */
function foldFast(
  s: MagnitudeStats, bits: Uint32Array, values: Float32Array, a: number, b: number, first: number,
  bitmap: Uint32Array, t: number,
): boolean {
  lanes.fill(0);
  let above = 0;
  let nonzero = 0;
  let maxBits = s.maxBits;
  let minM1 = s.minNonzeroBitsM1;
  let s0 = 0, s1 = 0, q0 = 0, q1 = 0;
  let word = (first + a) >>> 5;
  for (let i = a; i < b; i += 32) {
    let w = 0;
    for (let j = 0; j < 32; j += 2) {
      const x0 = bits[i + j] & SIGN_OFF;
      const x1 = bits[i + j + 1] & SIGN_OFF;
      w |= ((-x0 >>> 31) << j) | ((-x1 >>> 31) << (j + 1));
      above += ((t - x0) >>> 31) + ((t - x1) >>> 31);
      lanes[x0 >>> 23]++;
      lanes[256 + (x1 >>> 23)]++;
      maxBits = x0 > maxBits ? x0 : maxBits;
      maxBits = x1 > maxBits ? x1 : maxBits;
      const m0 = (x0 - 1) >>> 0;
      const m1 = (x1 - 1) >>> 0;
      minM1 = m0 < minM1 ? m0 : minM1;
      minM1 = m1 < minM1 ? m1 : minM1;
      const v0 = Math.abs(values[i + j]);
      const v1 = Math.abs(values[i + j + 1]);
      s0 += v0;
      q0 += v0 * v0;
      s1 += v1;
      q1 += v1 * v1;
    }
    bitmap[word++] |= w;
    nonzero += popcount(w);
  }
  if (lanes[255] + lanes[511] > 0) return false;
  const n = b - a;
  s.zeros += n - nonzero;
  s.nearZeros += n - above;
  s.sum += s0 + s1;
  s.sumSq += q0 + q1;
  s.maxBits = maxBits;
  s.minNonzeroBitsM1 = minM1;
  for (let e = 0; e < 255; e++) s.exponentBins[e] += lanes[e] + lanes[256 + e];
  return true;
}

/** Reference loop, also the path for Inf/NaN: those count as nonzero and non-finite, and stay out of sums and extremes. */
function foldCareful(
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

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
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
