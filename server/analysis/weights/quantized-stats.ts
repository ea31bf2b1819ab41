import type { MagnitudeStats } from './magnitude-stats';
import type { Quantization } from './magnitudes';
import type { SimdKernels } from './simd-kernels';
import { align16, QKEPT_STATE, QSTATE } from './simd-layout';

/**
 * The magnitude pass of an 8-bit weight on its integer codes (simd/qstats.ts), without
 * dequantizing: within one quantization slice the magnitude f32(|q - zp| x |scale|) is a
 * non-decreasing function of d = |q - zp| in 0..255, so each count of the float pass is a count
 * of d above a threshold found here from the exact float32 magnitudes (zero: d > d0 is nonzero;
 * near-zero: d <= dt; exponent bin E + k starts above T_k). Counts, extremes and histogram are
 * therefore exactly the float pass's; sums are integer sums of d and d^2 per slice, scaled once
 * per slice (the float pass sums the float32-rounded products instead: they differ by float32
 * rounding, under 1e-7 relative).
 *
 * Two layouts: runs of one slice (per tensor, or per axis with slices of MIN_RUN codes or more),
 * vectors with the slice's thresholds splat and the ends of a run on the exact path; and a zero
 * point per column of rows of n codes (per-column quantization of a [K, N] operand, n a multiple
 * of 16), thresholds as tables read a vector per column block, exponent bins in one frame for all
 * columns. Slices of whole vectors are looped over by the kernels (simd/qslices.ts), which fold
 * each slice into a state the weight's tables hold, read once by finishQuantized.
 */
export interface QuantPlan {
  readonly signed: boolean;
  readonly mode: 'slices' | 'columns';
  readonly axisLen: number;
  readonly inner: number;
  /** |scale| per slice (1 without scales). */
  readonly scale: Float64Array;
  /** Whether every slice has the same scale (sums are then scaled once per chunk in columns mode). */
  readonly uniform: boolean;
  readonly hasScale: boolean;
  /** Per slice: zero point in uint8 order, d0, dt; in slices mode, the exponent base E per slice (-1: no nonzero magnitude). */
  readonly zp: Uint8Array;
  readonly d0: Uint8Array;
  readonly dt: Uint8Array;
  readonly frame: Int32Array;
  /** Columns mode: the shared exponent base and the number of threshold rows in use (<= 16). */
  globalFrame: number;
  rows: number;
  /** The slice whose integer sums are pending, and those sums (flushed when the slice changes). */
  pending: { slice: number; d: number; d2: number };
  /** Slices of whole vectors: a chunk that starts and ends on a vector takes the kernels' slice loop whole (any other, slice by slice). */
  readonly whole: boolean;
  /** Set by writeTables, in the kernels' memory: |scale| per slice (f64), exponent bases (i32), the magnitude and kept states (simd/qslices.ts). */
  at: { sc: number; bases: number; state: number; kept: number };
}

/** Slices shorter than this take the float path: a run's two ends go through the exact path. */
const MIN_RUN = 64;
/** Exponent thresholds of a columns plan: two frames of 8 table rows. */
const MAX_ROWS = 16;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** float32 bits of f32(d x s), as the kernels and the scalar reference compute it. */
function magBits(d: number, s: number): number {
  f32[0] = d * s;
  return u32[0];
}

/**
 * Bytes of table the plan needs in the kernels' arena: the kernels' table, the thresholds' working
 * area (scales in, per-slice figures out), then the slice loops' states.
 */
export function planBytes(axisLen: number): number {
  return statesAt(axisLen) + QSTATE.bytes + QKEPT_STATE.bytes;
}

const tableBytes = (n: number): number => 24 * n + 64;
const statesAt = (n: number): number => align16(tableBytes(n) + 20 * n + 16);

/**
 * Whether (and how) an 8-bit weight's codes can be measured as integers: zero points that are
 * integers in the code range, finite scales whose largest magnitude stays finite, and a layout
 * the kernels take. Undefined sends it to the float path.
 */
export function planQuantized(dtype: string, elements: number, q: Quantization | undefined): QuantPlan | undefined {
  if (dtype !== 'uint8' && dtype !== 'int8') return undefined;
  const signed = dtype === 'int8';
  const axisLen = q?.axisLen ?? 1;
  const inner = q?.inner ?? Math.max(1, elements);
  const columns = axisLen > 1 && inner === 1;
  if (columns ? axisLen % 16 !== 0 : axisLen > 1 && inner < MIN_RUN) return undefined;
  const zp = new Uint8Array(axisLen);
  const scale = new Float64Array(axisLen).fill(1);
  for (let a = 0; a < axisLen; a++) {
    const z = (q?.zeroPoint[a] ?? 0) + (signed ? 128 : 0);
    if (!Number.isInteger(z) || z < 0 || z > 255) return undefined;
    zp[a] = z;
    if (q?.scale) {
      const s = Math.abs(q.scale[a]);
      if (!Number.isFinite(s) || !Number.isFinite(Math.fround(255 * s))) return undefined;
      scale[a] = s;
    }
  }
  const uniform = scale.every((s) => s === scale[0]);
  return {
    signed, mode: columns ? 'columns' : 'slices', axisLen, inner, scale, uniform, hasScale: q?.scale !== undefined, zp,
    d0: new Uint8Array(axisLen), dt: new Uint8Array(axisLen), frame: new Int32Array(axisLen),
    globalFrame: 0, rows: 0, pending: { slice: -1, d: 0, d2: 0 },
    whole: !columns && inner % 16 === 0, at: { sc: 0, bases: 0, state: 0, kept: 0 },
  };
}

/**
 * Writes the plan's thresholds for near-zero threshold `nearBits` (float32 bits) into the
 * kernels' table area (sized with planBytes); false when the exponent span of a columns plan is
 * too wide for the kernels (the float path then takes it). Slices: 16 bytes per slice (zp,
 * T1..T8, d0, dt). Columns: rows of n bytes: zp, T1..T8, d0, dt, then zp, T9..T16, d0, dt (the
 * second frame's counts), then zp, d0 (qcols). Thresholds are stored xor 0x80, the kernels' signed
 * byte order. Each slice's searches (d0, dt, the exponent bases, every threshold: ~10 searches a
 * slice) run in the kernels (simd/qstats.ts qplan, qthresholds): in JavaScript they were the
 * hottest code of an 8-bit model's pass, and V8 compiled them on the second core.
 */
export function writeTables(p: QuantPlan, k: SimdKernels, nearBits: number): boolean {
  const n = p.axisLen;
  const tab = k.qtab(planBytes(n));
  const sc = k.qtabAt + tableBytes(n);
  const out = sc + 8 * n;
  const eAt = out + ((2 * n + 3) & ~3);
  k.qplan(p.scale, sc, n, nearBits, out);
  const rel = out - k.qtabAt;
  p.d0.set(tab.subarray(rel, rel + n));
  p.dt.set(tab.subarray(rel + n, rel + 2 * n));
  const bases = k.i32(eAt, n);
  p.pending = { slice: -1, d: 0, d2: 0 };
  p.at = { sc, bases: eAt, state: k.qtabAt + statesAt(n), kept: k.qtabAt + statesAt(n) + QSTATE.bytes };
  resetState(p, k);
  if (p.mode === 'slices') {
    p.frame.set(bases);
    for (let a = 0; a < n; a++) {
      tab[16 * a] = p.zp[a];
      tab[16 * a + 9] = p.d0[a] ^ 0x80;
      tab[16 * a + 10] = p.dt[a] ^ 0x80;
    }
    k.qthresholds(sc, n, out, eAt, -1, 0, k.qtabAt);
    return true;
  }
  const highest = k.i32(eAt + 4 * n, n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let a = 0; a < n; a++) {
    if (bases[a] < 0) continue;
    lo = Math.min(lo, bases[a]);
    hi = Math.max(hi, highest[a]);
  }
  const rows = lo === Infinity ? 0 : hi - lo;
  if (rows > MAX_ROWS) return false;
  p.globalFrame = lo === Infinity ? 0 : lo;
  p.rows = rows;
  const row = (r: number): Uint8Array => tab.subarray(r * n, (r + 1) * n);
  for (const r of [0, 11, 22]) row(r).set(p.zp);
  for (const r of [9, 20, 23]) row(r).set(p.d0.map((x) => x ^ 0x80));
  for (const r of [10, 21]) row(r).set(p.dt.map((x) => x ^ 0x80));
  k.qthresholds(sc, n, out, eAt, p.globalFrame, rows, k.qtabAt);
  return true;
}

/**
 * Folds n codes at ptr (elements first..first+n-1) into s and their nonzero bits into the bitmap
 * at `bitmapAt` (zeroed before the weight's first chunk). Columns mode needs chunks of whole rows.
 */
export function foldQuantized(p: QuantPlan, s: MagnitudeStats, k: SimdKernels, ptr: number, n: number, first: number, bitmapAt: number, nearBits: number): void {
  if (p.mode === 'columns') return foldColumns(p, s, k, ptr, n, first, bitmapAt);
  if (p.whole && first % 16 === 0 && n % 16 === 0) {
    k.qslices(ptr, n, Math.floor(first / p.inner) % p.axisLen, first % p.inner, p.signed, k.qtabAt, p.at.sc, p.at.bases, p.inner, p.axisLen, bitmapAt + first / 8, p.at.state);
    return;
  }
  const exact = k.q.exact;
  let usedExact = false;
  let a = Math.floor(first / p.inner) % p.axisLen;
  let r = first % p.inner;
  for (let i = 0; i < n;) {
    const len = Math.min(p.inner - r, n - i);
    const g = first + i;
    const head = Math.min(len, (16 - (g & 15)) & 15);
    const body = (len - head) & ~15;
    const tail = len - head - body;
    if (p.pending.slice !== a) flush(p, s);
    p.pending.slice = a;
    if (head || tail) {
      if (!usedExact) {
        usedExact = true;
        exact.i32.fill(0);
        exact.u32[8] = 0xffffffff;
        k.q.hist.fill(0);
      }
      if (head) runExact(p, k, a, ptr + i, head, g, bitmapAt, nearBits);
      if (tail) runExact(p, k, a, ptr + i + head + body, tail, g + head + body, bitmapAt, nearBits);
    }
    // The vectors of this slice's run: the kernels' slice loop over one slice, folded into its state.
    if (body) k.qslices(ptr + i + head, body, a, r + head, p.signed, k.qtabAt, p.at.sc, p.at.bases, p.inner, p.axisLen, bitmapAt + ((g + head) >>> 3), p.at.state);
    i += len;
    r = 0;
    if (++a === p.axisLen) a = 0;
  }
  if (usedExact) {
    const bins = k.q.hist;
    const nonzero = exact.i32[20];
    let count = 0;
    for (let e = 0; e < 256; e++) {
      count += bins[e];
      s.exponentBins[e] += bins[e];
    }
    s.zeros += count - nonzero;
    s.nearZeros += exact.i32[0];
    if (exact.u32[4] > s.maxBits) s.maxBits = exact.u32[4];
    if (exact.u32[8] < s.minNonzeroBitsM1) s.minNonzeroBitsM1 = exact.u32[8];
  }
}

/** The weight's last slice sums, and what the kernels' slice loop folded: call once after the last chunk. */
export function finishQuantized(p: QuantPlan, s: MagnitudeStats, k: SimdKernels): void {
  flush(p, s);
  k.qflush(p.at.state, p.at.sc);
  const [sum, sumSq, , , zeros, nearZeros] = k.f64(p.at.state, 6);
  s.sum += sum;
  s.sumSq += sumSq;
  s.zeros += zeros;
  s.nearZeros += nearZeros;
  const [maxBits, minBitsM1] = k.u32(p.at.state + QSTATE.maxBits, 2);
  if (maxBits > s.maxBits) s.maxBits = maxBits;
  if (minBitsM1 < s.minNonzeroBitsM1) s.minNonzeroBitsM1 = minBitsM1;
  // Bins past 255 are only ever added zero counts (thresholds there are 255).
  const bins = k.f64(p.at.state + QSTATE.bins, 256);
  for (let e = 0; e < 256; e++) s.exponentBins[e] += bins[e];
}

/** An empty magnitude state: nothing pending, no nonzero seen. */
function resetState(p: QuantPlan, k: SimdKernels): void {
  k.f64(p.at.state, QSTATE.bytes / 8).fill(0);
  k.i32(p.at.state + QSTATE.pending, 1)[0] = -1;
  k.u32(p.at.state + QSTATE.minBitsM1, 1)[0] = 0xffffffff;
}

function flush(p: QuantPlan, s: MagnitudeStats): void {
  const { slice, d, d2 } = p.pending;
  if (slice < 0) return;
  const sc = p.scale[slice];
  s.sum += sc * d;
  s.sumSq += sc * sc * d2;
  p.pending.slice = -1;
  p.pending.d = 0;
  p.pending.d2 = 0;
}

function runExact(p: QuantPlan, k: SimdKernels, a: number, ptr: number, n: number, bit: number, bitmapAt: number, nearBits: number): void {
  k.qscalar(ptr, n, p.signed, p.zp[a], p.scale[a], nearBits, bitmapAt, bit);
  p.pending.d += k.q.exact.f64[0];
  p.pending.d2 += k.q.exact.f64[2];
}

/** Bins e..e+rows from counts above thresholds: C0 = nonzero, C_r = c[r - 1]. */
function addBins(bins: Float64Array, e: number, nonzero: number, c: Int32Array, rows: number): void {
  let above = nonzero;
  for (let r = 0; r < rows; r++) {
    bins[e + r] += above - c[r];
    above = c[r];
  }
  bins[e + rows] += above;
}

function foldColumns(p: QuantPlan, s: MagnitudeStats, k: SimdKernels, ptr: number, n: number, first: number, bitmapAt: number): void {
  const cols = p.axisLen;
  if (first % cols || n % cols) throw new Error(`a per-column chunk must hold whole rows of ${cols}`);
  const res = k.q.res.i32;
  const tab = k.qtabAt;
  const bm = bitmapAt + (first >>> 3);
  // Counts, the bitmap and (with one scale for all columns) sums and extremes in one row-major pass.
  k.qrunColumns(ptr, n >>> 4, p.signed, tab, cols, bm);
  const nonzero = res[4];
  s.zeros += n - nonzero;
  s.nearZeros += n - res[5];
  const bins = s.exponentBins;
  bins[0] += n - nonzero;
  if (p.uniform) {
    const sc = p.scale[0];
    s.sum += sc * k.q.res.f64[0];
    s.sumSq += sc * sc * k.q.res.f64[1];
    if (nonzero) {
      const hi = magBits(res[6], sc);
      if (hi > s.maxBits) s.maxBits = hi;
      const lo = magBits(res[7], sc) - 1;
      if (lo < s.minNonzeroBitsM1) s.minNonzeroBitsM1 = lo;
    }
  } else {
    const c = k.q.cols;
    c.f64.fill(0);
    c.u32[6] = 0;
    c.u32[7] = 0xffffffff;
    k.qcols(ptr, n / cols, cols, p.signed, tab + 22 * cols);
    s.sum += c.f64[0];
    s.sumSq += c.f64[1];
    if (c.u32[6] > s.maxBits) s.maxBits = c.u32[6];
    if (c.u32[7] < s.minNonzeroBitsM1) s.minNonzeroBitsM1 = c.u32[7];
  }
  if (nonzero === 0) return;
  const counts = COUNTS.fill(0);
  for (let r = 0; r < 8; r++) counts[r] = res[8 + r];
  // A second frame of thresholds: the counts of the same pass over the table's second half.
  if (p.rows > 8) {
    k.qrunColumns(ptr, n >>> 4, p.signed, tab + 11 * cols, cols, bm);
    for (let r = 0; r < 8; r++) counts[8 + r] = res[8 + r];
  }
  addBins(bins, p.globalFrame, nonzero, counts, p.rows);
}

const COUNTS = new Int32Array(16);
