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
  const bytes = new Uint8Array(gr * gc);
  if (gr * gc === 0) return { rows: gr, cols: gc, density: '' };
  const counts = k.heatCounts(at, v.rows, v.k, gr, gc);
  // Rows per grid row as the kernel splits them (row r to floor(r * gr / rows)): those with r * gr >= cr * rows, counted without a walk.
  const firstRow = (cr: number): number => Math.ceil((cr * v.rows) / gr);
  const rowsIn = Array.from({ length: gr }, (_, cr) => firstRow(cr + 1) - firstRow(cr));
  for (let c = 0; c < gc; c++) {
    const width = Math.floor(((c + 1) * v.k) / gc) - Math.floor((c * v.k) / gc);
    for (let r = 0; r < gr; r++) {
      const size = rowsIn[r] * width;
      bytes[r * gc + c] = size ? Math.round((255 * counts[r * gc + c]) / size) : 0;
    }
  }
  return { rows: gr, cols: gc, density: Buffer.from(bytes).toString('base64') };
}
