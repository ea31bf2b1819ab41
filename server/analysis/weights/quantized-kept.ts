import type { GemmView } from '../layers/gemm-view';
import type { KeptSums } from './nm-kept';
import type { QuantPlan } from './quantized-stats';
import type { SimdKernels } from './simd-kernels';

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

/** Integer rank sums of one slice not yet scaled (per KeptSums: 2m values). */
export interface KeptPending {
  slice: number;
  readonly ranks: Float64Array[];
  /** Which of the sums have M = 4 and M = 8 (-1: none), and the ranks each needs. */
  readonly four: number;
  readonly eight: number;
  readonly ranksOf: number[];
}

export function newKeptPending(sums: readonly KeptSums[]): KeptPending {
  return {
    slice: -1, ranks: sums.map((s) => new Float64Array(2 * s.m)), four: sums.findIndex((s) => s.m === 4), eight: sums.findIndex((s) => s.m === 8),
    ranksOf: sums.map((s) => Math.max(1, ...s.ns.map((n) => Math.min(n, s.m)))),
  };
}

/** Folds the groups of chunk [first, first + count) (whole bands, codes at ptr) into `sums`. */
export function foldQuantizedKept(
  p: QuantPlan, lay: QuantKeptLayout, sums: readonly KeptSums[], pend: KeptPending, k: SimdKernels, ptr: number, first: number, count: number,
): void {
  if (lay.run === 0) {
    call(p, lay, sums, pend, k, ptr, count, 0);
    // Columns share one scale per chunk, as the magnitude pass scales them.
    if (p.mode === 'columns') flushKept(p, sums, pend);
    return;
  }
  for (let i = 0; i < count;) {
    const g = first + i;
    const a = Math.floor(g / lay.run) % p.axisLen;
    const len = Math.min(lay.run - (g % lay.run), count - i);
    if (pend.slice !== a) flushKept(p, sums, pend);
    call(p, lay, sums, pend, k, ptr + i, len, a);
    i += len;
  }
}

function call(p: QuantPlan, lay: QuantKeptLayout, sums: readonly KeptSums[], pend: KeptPending, k: SimdKernels, ptr: number, count: number, a: number): void {
  pend.slice = a;
  const { four, eight } = pend;
  const zpt = lay.perLane ? k.qtabAt : p.mode === 'slices' ? k.qtabAt + 16 * a : k.qtabAt;
  if (eight >= 0) {
    const fused = four >= 0;
    const r = k.qkeep(8, ptr, lay.q ? count / (8 * lay.q) : count / 8, lay.q, p.signed, zpt, lay.perLane, fused, pend.ranksOf[eight], fused ? pend.ranksOf[four] : 4);
    add(pend.ranks[eight], r.sums);
    if (fused && r.halves) add(pend.ranks[four], r.halves);
  } else if (four >= 0) {
    const r = k.qkeep(4, ptr, lay.q ? count / (4 * lay.q) : count / 4, lay.q, p.signed, zpt, lay.perLane, false, pend.ranksOf[four], 4);
    add(pend.ranks[four], r.sums);
  }
}

function add(to: Float64Array, from: Float64Array): void {
  for (let i = 0; i < to.length; i++) to[i] += from[i];
}

/** Scales the pending slice's rank sums into the kept sums: call when the slice changes and after the last chunk. */
export function flushKept(p: QuantPlan, sums: readonly KeptSums[], pend: KeptPending): void {
  if (pend.slice < 0) return;
  const s = p.mode === 'columns' ? p.scale[0] : p.scale[pend.slice];
  sums.forEach((acc, j) => {
    const ranks = pend.ranks[j];
    const m = acc.m;
    for (let i = 0; i < acc.ns.length; i++) {
      let l1 = 0;
      let l2 = 0;
      for (let r = 0; r < Math.min(acc.ns[i], m); r++) {
        l1 += ranks[r];
        l2 += ranks[m + r];
      }
      acc.l1[i] += s * l1;
      acc.l2[i] += s * s * l2;
    }
    ranks.fill(0);
  });
  pend.slice = -1;
}
