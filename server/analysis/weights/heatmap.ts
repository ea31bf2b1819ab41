import type { GemmView } from '../layers/gemm-view';
import type { SimdKernels } from './simd-kernels';

/** Cells per side of a layer's sparsity heatmap, at most. */
export const HEATMAP_CELLS = 32;

/**
 * The nonzero density of a downsampled grid over the GEMM view (bitmap at `at`): at most
 * HEATMAP_CELLS x HEATMAP_CELLS cells, each the share of nonzeros among the weights it covers, as
 * one byte (0 = all zero, 255 = dense) in base64, row-major. Enough to see zero rows, columns and blocks.
 */
export function heatmap(k: SimdKernels, at: number, v: GemmView): { rows: number; cols: number; density: string } {
  const gr = Math.min(HEATMAP_CELLS, v.rows);
  const gc = Math.min(HEATMAP_CELLS, v.k);
  if (gr * gc === 0) return { rows: gr, cols: gc, density: '' };
  // Densities computed by the kernels (simd/bits.ts heatDensity): each cell's share of the rows
  // and columns the counts split them by.
  const bytes = k.heatDensity(at, v.rows, v.k, gr, gc);
  return { rows: gr, cols: gc, density: Buffer.from(bytes).toString('base64') };
}
