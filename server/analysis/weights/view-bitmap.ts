import type { GemmView } from '../layers/gemm-view';
import { getBits, newBitmap, transposeBits } from './bitmap';

/** The nonzero bitmap of a weight rearranged into its GEMM view [rows][k] (a view of the input when no move is needed). */
export function viewBitmap(memory: Uint32Array, v: GemmView): Uint32Array {
  const t = v.transpose;
  if (!t) return memory;
  const out = newBitmap(v.rows * v.k);
  const per = t.p * t.q;
  for (let b = 0; b < t.batches; b++) transposeBits(memory, b * per, t.p, t.q, out, b * per);
  return out;
}

/**
 * OR of rows [r0, r1) of the view: bit k is set when any of those rows has a nonzero at k.
 * The building block of block, column and input-channel metrics.
 */
export function orRows(bm: Uint32Array, v: GemmView, r0: number, r1: number, out: Uint32Array): Uint32Array {
  out.fill(0);
  if (v.k % 32 === 0) {
    // Rows start on word boundaries: OR whole words.
    const kw = v.k >>> 5;
    for (let r = r0; r < r1; r++) for (let w = 0, at = r * kw; w < kw; w++) out[w] |= bm[at + w];
    return out;
  }
  for (let r = r0; r < r1; r++)
    for (let k = 0; k < v.k; k += 32) {
      const len = Math.min(32, v.k - k);
      out[k >>> 5] |= getBits(bm, r * v.k + k, len);
    }
  return out;
}
