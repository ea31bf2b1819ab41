import type { GemmView } from '../layers/gemm-view';
import type { SimdKernels } from './simd-kernels';
import { bitmapBytes } from './simd-layout';

/**
 * Where the nonzero bitmap of a weight sits rearranged into its GEMM view [rows][k]: the memory
 * bitmap itself when no move is needed, else its per-batch bit transpose in the arena's view area.
 */
export function viewBitmap(k: SimdKernels, memoryAt: number, v: GemmView): number {
  const t = v.transpose;
  if (!t || v.rows * v.k === 0) return memoryAt;
  const at = k.areas.view;
  k.transposeBits(memoryAt, t.batches, t.p, t.q, at, bitmapBytes(v.rows * v.k));
  return at;
}

/** Bytes the arena needs for a view's bitmap, block rows and channel scratch. */
export function viewAreas(v: GemmView): { view: number; bands: number; channels: number } {
  return {
    view: v.transpose ? bitmapBytes(v.rows * v.k) : 0,
    bands: bitmapBytes(v.rows * Math.ceil(v.k / 32) * 32),
    channels: bitmapBytes(v.channels),
  };
}
