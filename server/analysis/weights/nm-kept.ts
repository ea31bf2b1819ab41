import { memoryIndex, type GemmView } from '../layers/gemm-view';
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
  return simdM(m) && t.p % m === 0 ? m * t.q : t.p * t.q;
}

/** Group sizes with a SIMD kernel; others take the generic path, a batch at a time. */
function simdM(m: number): m is 4 | 8 {
  return m === 4 || m === 8;
}

/** Whether groups of m in this view can go to the SIMD kernels: rows in memory order (any K), or stride-q bands. */
function simdLayout(v: GemmView, m: number): boolean {
  return simdM(m) && (v.transpose ? v.transpose.p % m === 0 : true);
}

/**
 * Folds the groups of chunk [first, first+count) (whole bands, at `ptr` in the kernels' memory)
 * into each of `sums` (one per M). Groups of 4 and 8 go through the SIMD kernels, one call per
 * chunk, and when both are asked for, one pass serves both (a group of 8 holds two groups of 4),
 * short groups at row ends included. Other M, and groups crossing kernel positions, take the
 * generic path.
 */
export function foldKept(v: GemmView, sums: readonly KeptSums[], k: SimdKernels, ptr: number, first: number, count: number): void {
  const four = sums.find((s) => s.m === 4);
  const eight = sums.find((s) => s.m === 8);
  const fused = four && eight && simdLayout(v, 8);
  for (const acc of sums) {
    if (fused && acc === four) continue;
    if (!simdLayout(v, acc.m)) {
      generic(v, acc, k.views(ptr, count).values, first, count);
      continue;
    }
    const m = acc.m as 4 | 8;
    const t = v.transpose;
    const shape = t ? { bands: count / (m * t.q), q: t.q } : v.k % m === 0 ? { groups: count / m } : { rows: count / v.k, k: v.k };
    const r = k.keep(m, ptr, shape, fused && acc === eight, ranksOf(acc), four ? ranksOf(four) : 4);
    addRanks(acc, r.sums);
    if (r.halves && four) addRanks(four, r.halves);
  }
}

/** Ranks the kernels must sum for these patterns: up to the largest N (every kept value's rank is below it). */
export function ranksOf(acc: KeptSums): number {
  let r = 1;
  for (const n of acc.ns) r = Math.max(r, Math.min(n, acc.m));
  return r;
}

/** Rank sums (largest first, then their squares) into the kept sums of each N. */
export function addRanks(acc: KeptSums, ranks: Float64Array): void {
  const m = acc.m;
  for (let i = 0; i < acc.ns.length; i++) {
    const n = Math.min(acc.ns[i], m);
    for (let r = 0; r < n; r++) {
      acc.l1[i] += ranks[r];
      acc.l2[i] += ranks[m + r];
    }
  }
}

const g = new Float64Array(64);
const ranks = new Float64Array(64);

/** Any M and layout, including short groups at row ends and groups crossing kernel positions. */
function generic(v: GemmView, acc: KeptSums, values: Float32Array, first: number, count: number): void {
  const m = acc.m;
  const rowsPer = v.transpose ? (v.transpose.p * v.transpose.q) / v.k : 1;
  const unit = v.transpose ? v.transpose.p * v.transpose.q : v.k;
  ranks.fill(0, 0, 2 * m);
  for (let b = 0; b < count; b += unit) {
    const row0 = ((first + b) / unit) * rowsPer;
    for (let r = 0; r < rowsPer; r++)
      for (let kk = 0; kk < v.k; kk += m) {
        const len = Math.min(m, v.k - kk);
        for (let j = 0; j < len; j++) g[j] = Math.abs(values[memoryIndex(v, row0 + r, kk + j) - first]);
        sortedRanks(len, m);
      }
  }
  addRanks(acc, ranks);
}

/** Sorts g[0..len) descending and adds rank r's value to ranks[r], its square to ranks[m + r]; a short group has no low ranks. */
function sortedRanks(len: number, m: number): void {
  for (let i = 1; i < len; i++) {
    const x = g[i];
    let j = i - 1;
    while (j >= 0 && g[j] < x) {
      g[j + 1] = g[j];
      j--;
    }
    g[j + 1] = x;
  }
  for (let r = 0; r < len; r++) {
    ranks[r] += g[r];
    ranks[m + r] += g[r] * g[r];
  }
}
