import type { GemmView } from '../layers/gemm-view';
import { countBits } from './bitmap';

/** Cells per side of a layer's sparsity heatmap, at most. */
export const HEATMAP_CELLS = 32;

/**
 * The nonzero density of a downsampled grid over the GEMM view: at most HEATMAP_CELLS x
 * HEATMAP_CELLS cells, each the share of nonzeros among the weights it covers, as one byte
 * (0 = all zero, 255 = dense) in base64, row-major. Enough to see zero rows, columns and blocks.
 */
export function heatmap(bm: Uint32Array, v: GemmView): { rows: number; cols: number; density: string } {
  const gr = Math.min(HEATMAP_CELLS, v.rows);
  const gc = Math.min(HEATMAP_CELLS, v.k);
  const counts = new Float64Array(gr * gc);
  const sizes = new Float64Array(gr * gc);
  const colEdge = (c: number): number => Math.floor((c * v.k) / gc);
  for (let r = 0; r < v.rows; r++) {
    const cr = Math.floor((r * gr) / v.rows);
    for (let c = 0; c < gc; c++) {
      const a = colEdge(c);
      const b = colEdge(c + 1);
      counts[cr * gc + c] += countBits(bm, r * v.k + a, b - a);
      sizes[cr * gc + c] += b - a;
    }
  }
  const bytes = Uint8Array.from(counts, (n, i) => (sizes[i] ? Math.round((255 * n) / sizes[i]) : 0));
  return { rows: gr, cols: gc, density: Buffer.from(bytes).toString('base64') };
}
