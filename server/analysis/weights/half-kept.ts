import type { GemmView } from '../layers/gemm-view';
import { addRanks, foldKept, ranksOf, type KeptSums } from './nm-kept';
import type { SimdKernels } from './simd-kernels';

/**
 * Kept magnitude of a float16 weight on its binary16 codes (simd/kept16.ts): groups sort as u16
 * lanes and only the values at the ranks summed are decoded, so the chunk is never decoded to
 * float32 first. Takes the layouts the float kernels take with groups of 4 and 8 (rows in memory
 * order, short last groups included, and stride-q bands); a chunk holding Inf or NaN is redone
 * by the float kernels, whose sums are what such a chunk reports.
 */
export function halfKeptTakes(v: GemmView, ms: readonly number[]): boolean {
  const t = v.transpose;
  return ms.every((m) => (m === 4 || m === 8) && (!t || t.p % m === 0));
}

/** Folds the groups of chunk [first, first + count) (whole bands, binary16 codes at ptr) into `sums`: one kernel call. */
export function foldHalfKept(v: GemmView, sums: readonly KeptSums[], k: SimdKernels, ptr: number, first: number, count: number): void {
  const four = sums.find((s) => s.m === 4);
  const eight = sums.find((s) => s.m === 8);
  const acc = eight ?? four;
  if (!acc) return;
  const m = acc.m as 4 | 8;
  const t = v.transpose;
  const shape = t ? { bands: count / (m * t.q), q: t.q } : v.k % m === 0 ? { groups: count / m } : { rows: count / v.k, k: v.k };
  const fused = acc === eight && four !== undefined;
  const r = k.keepHalves(m, ptr, shape, fused, ranksOf(acc), four ? ranksOf(four) : 4);
  if (r.top > 0x7bff) {
    foldKept(v, sums, k, k.decode16(ptr, count, false), first, count);
    return;
  }
  addRanks(acc, r.sums);
  if (fused && r.halves) addRanks(four, r.halves);
}
