import { memoryIndex, type GemmView } from './gemm-view';
import type { SimdKernels } from './simd-kernels';

/**
 * Magnitude kept if a weight were pruned to N:M by keeping the N largest |x| of every group of M
 * consecutive K elements (per row of the GEMM view): sums of kept |x| and x^2, to divide by the
 * whole weight's. Runs on chunks that hold whole bands (see keptBand), in memory order.
 */
export interface KeptSums {
  readonly m: number;
  /** The N of each pattern sharing this M. */
  readonly ns: readonly number[];
  readonly l1: Float64Array;
  readonly l2: Float64Array;
}

export function newKeptSums(m: number, ns: readonly number[]): KeptSums {
  return { m, ns, l1: new Float64Array(ns.length), l2: new Float64Array(ns.length) };
}

/** Memory elements a chunk must hold whole multiples of, so every group of M lies inside one chunk. */
export function keptBand(v: GemmView, m: number): number {
  const t = v.transpose;
  if (!t) return v.k;
  return fastM(m) && t.p % m === 0 ? m * t.q : t.p * t.q;
}

/** Group sizes with a SIMD kernel; others take the generic path, a batch at a time. */
function fastM(m: number): boolean {
  return m === 4 || m === 8;
}

/**
 * Sums of the top-j values over all groups, j = 0..M: what keeping j per group retains.
 * Filled by the kernels, then read per pattern.
 */
const top1 = new Float64Array(33);
const top2 = new Float64Array(33);

/**
 * Folds the groups of chunk [first, first+count) (whole bands, held in the SIMD input area) into
 * `acc`. Groups of 4 and 8 go through the SIMD kernels (one call per chunk); anything else,
 * including short groups at row ends and groups crossing kernel positions, through the generic path.
 */
export function foldKept(v: GemmView, acc: KeptSums, k: SimdKernels, first: number, count: number): void {
  const m = acc.m;
  const t = v.transpose;
  top1.fill(0);
  top2.fill(0);
  if (!t && v.k % m === 0 && fastM(m)) {
    // Memory is the view and rows split into whole groups: contiguous groups back to back.
    addRanks(k.keep(m as 4 | 8, 0, { groups: count / m }), m);
  } else if (t && t.p % m === 0 && fastM(m)) {
    // M consecutive p at one (batch, q): stride-q gathers from M memory rows, q groups per band.
    addRanks(k.keep(m as 4 | 8, 0, { bands: count / (m * t.q), q: t.q }), m);
  } else {
    generic(v, m, k.input(count), first, count);
  }
  const ns = acc.ns;
  for (let i = 0; i < ns.length; i++) {
    acc.l1[i] += top1[Math.min(ns[i], m)];
    acc.l2[i] += top2[Math.min(ns[i], m)];
  }
}

/** Rank sums from a SIMD kernel (largest first, then squares) into the top-j sums. */
function addRanks(r: Float64Array, m: number): void {
  let a = 0;
  let b = 0;
  for (let j = 0; j < m; j++) {
    a += r[j];
    b += r[m + j];
    top1[j + 1] += a;
    top2[j + 1] += b;
  }
}

const g = new Float64Array(64);

/** Any M and layout, including short groups at row ends and groups crossing kernel positions. */
function generic(v: GemmView, m: number, values: Float32Array, first: number, count: number): void {
  const rowsPer = v.transpose ? (v.transpose.p * v.transpose.q) / v.k : 1;
  const unit = v.transpose ? v.transpose.p * v.transpose.q : v.k;
  for (let b = 0; b < count; b += unit) {
    const row0 = ((first + b) / unit) * rowsPer;
    for (let r = 0; r < rowsPer; r++)
      for (let k = 0; k < v.k; k += m) {
        const len = Math.min(m, v.k - k);
        for (let j = 0; j < len; j++) g[j] = Math.abs(values[memoryIndex(v, row0 + r, k + j) - first]);
        sortedTop(len, m);
      }
  }
}

/** Sorts g[0..len) ascending and adds its top-j sums; a short group keeps everything past its length. */
function sortedTop(len: number, m: number): void {
  for (let i = 1; i < len; i++) {
    const x = g[i];
    let j = i - 1;
    while (j >= 0 && g[j] > x) {
      g[j + 1] = g[j];
      j--;
    }
    g[j + 1] = x;
  }
  let a = 0;
  let b = 0;
  for (let j = 1; j <= m; j++) {
    if (j <= len) {
      const x = g[len - j];
      a += x;
      b += x * x;
    }
    top1[j] += a;
    top2[j] += b;
  }
}
