import type { GemmView } from '../layers/gemm-view';
import type { KeptSums } from './nm-kept';
import type { QuantPlan } from './quantized-stats';
import type { SimdKernels } from './simd-kernels';
import { QKEPT_STATE } from './simd-layout';

/**
 * Kept magnitude of an 8-bit weight on its integer codes (simd/qkept.ts): groups sort by
 * d = |q - zp| inside one quantization slice, so each call covers codes of one slice (or of
 * columns sharing one scale) and its integer rank sums are scaled once, per slice as the
 * magnitude pass scales its sums (a 2:4-compliant slice keeps exactly its whole sum).
 */
export interface QuantKeptLayout {
  /** Bands of m x q codes (q > 0), or groups back to back (q = 0). */
  readonly q: number;
  /** Codes per slice run (a conv output channel, a row), or 0: a chunk is one call. */
  readonly run: number;
  /** One zero point per column of the bands (per-column quantization sharing one scale). */
  readonly perLane: boolean;
}

/** The integer layout for this view and these group sizes, or undefined (the float kernels take it). */
export function quantKeptLayout(p: QuantPlan, v: GemmView, ms: readonly number[]): QuantKeptLayout | undefined {
  if (!ms.every((m) => m === 4 || m === 8)) return undefined;
  const perTensor = p.axisLen === 1;
  const t = v.transpose;
  if (t) {
    if (!ms.every((m) => t.p % m === 0)) return undefined;
    if (perTensor) return { q: t.q, run: 0, perLane: false };
    if (p.mode === 'slices' && p.inner === t.p * t.q && p.axisLen === t.batches) return { q: t.q, run: p.inner, perLane: false };
    if (p.mode === 'columns' && t.batches === 1 && p.axisLen === t.q && p.uniform) return { q: t.q, run: 0, perLane: true };
    return undefined;
  }
  if (!ms.every((m) => v.k % m === 0)) return undefined;
  if (perTensor) return { q: 0, run: 0, perLane: false };
  if (p.mode === 'slices' && p.inner === v.k) return { q: 0, run: v.k, perLane: false };
  return undefined;
}

/** Which of the kept sums have M = 4 and M = 8 (-1: none), and the ranks each needs; their rank sums live in the plan's kept state. */
export interface KeptPending {
  readonly four: number;
  readonly eight: number;
  readonly ranksOf: number[];
}

/** Starts the kept sums of one view: the kept state empty, nothing pending. */
export function newKeptPending(sums: readonly KeptSums[], p: QuantPlan, k: SimdKernels): KeptPending {
  k.f64(p.at.kept, QKEPT_STATE.bytes / 8).fill(0);
  k.i32(p.at.kept, 1)[0] = -1;
  return {
    four: sums.findIndex((s) => s.m === 4), eight: sums.findIndex((s) => s.m === 8),
    ranksOf: sums.map((s) => Math.max(1, ...s.ns.map((n) => Math.min(n, s.m)))),
  };
}

/**
 * Folds the groups of chunk [first, first + count) (whole bands, codes at ptr) into the kept
 * state: the kernels loop over the chunk's slices (simd/qslices.ts qkeepSlices), one qkeep8 (with
 * the groups of 4 when both M are asked) or qkeep4 call per slice.
 */
export function foldQuantizedKept(p: QuantPlan, lay: QuantKeptLayout, pend: KeptPending, k: SimdKernels, ptr: number, first: number, count: number): void {
  const { four, eight, ranksOf } = pend;
  const run = lay.run;
  const a0 = run ? Math.floor(first / run) % p.axisLen : 0;
  const r0 = run ? first % run : 0;
  // Slices: a 16-byte table row each, zero point first; columns: one row of zero points for all.
  const zstride = p.mode === 'slices' ? 16 : 0;
  const m = eight >= 0 ? 8 : 4;
  const fused = eight >= 0 && four >= 0;
  k.qkeepSlices(m, fused, ptr, count, a0, r0, run, p.axisLen, lay.q, p.signed, k.qtabAt, zstride, lay.perLane,
    ranksOf[eight >= 0 ? eight : four], fused ? ranksOf[four] : 4, p.at.sc, p.at.kept);
}

/** Scales the last slice's rank sums and adds each pattern's kept magnitude to `sums`: call once after the view's last chunk. */
export function flushKept(p: QuantPlan, sums: readonly KeptSums[], pend: KeptPending, k: SimdKernels): void {
  k.qkeepFlush(p.at.kept, p.at.sc);
  // Flushed rank sums: d then d^2, 8 ranks each for M = 8, 4 for M = 4.
  const byM = { 8: k.f64(p.at.kept + QKEPT_STATE.done8, 16), 4: k.f64(p.at.kept + QKEPT_STATE.done4, 8) };
  sums.forEach((acc, j) => {
    if (j !== pend.four && j !== pend.eight) return;
    const m = acc.m;
    const ranks = m === 8 ? byM[8] : byM[4];
    for (let i = 0; i < acc.ns.length; i++) {
      let l1 = 0;
      let l2 = 0;
      for (let r = 0; r < Math.min(acc.ns[i], m); r++) {
        l1 += ranks[r];
        l2 += ranks[m + r];
      }
      acc.l1[i] += l1;
      acc.l2[i] += l2;
    }
  });
}
