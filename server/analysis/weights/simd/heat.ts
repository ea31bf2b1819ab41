// The layer heatmap's grid (server/analysis/weights/heatmap.ts): nonzero counts of a downsampled
// grid over a weight's bitmap, then each cell's density as one byte.
import { countBits } from './bits';

/**
 * Nonzero counts of a gr x gc grid over a rows x k bitmap into i32 cells at `cells` (zeroed here):
 * row r falls in grid row floor(r*gr/rows), column c of the grid covers bits
 * [floor(c*k/gc), floor((c+1)*k/gc)) of a row.
 */
export function heatCounts(bm: usize, rows: i32, k: i32, gr: i32, gc: i32, cells: usize): void {
  memory.fill(cells, 0, <usize>gr * <usize>gc * 4);
  for (let r = 0; r < rows; r++) {
    const cr = <i32>(<i64>r * <i64>gr / <i64>rows);
    const base = <u64>r * <u64>k;
    for (let c = 0; c < gc; c++) {
      const a = <i32>(<i64>c * <i64>k / <i64>gc);
      const b = <i32>(<i64>(c + 1) * <i64>k / <i64>gc);
      const at = cells + (<usize>(cr * gc + c) << 2);
      store<i32>(at, load<i32>(at) + countBits(bm, base + <u64>a, <u64>(b - a)));
    }
  }
}

/**
 * heatCounts' cells (i32 at `cells`) as densities in place, one byte per cell from `cells` on:
 * round(255 x count / size) with halves up, as Math.round, in exact integers; 0 for an empty
 * cell. Byte i lands in cell i / 4, already read. In JavaScript this 32 x 32 loop per layer was
 * hot enough to be compiled by TurboFan on every fresh process.
 */
export function heatDensity(rows: i32, k: i32, gr: i32, gc: i32, cells: usize): void {
  for (let cr = 0; cr < gr; cr++) {
    // Rows r with floor(r x gr / rows) = cr: from ceil(cr x rows / gr) to the next grid row's first.
    const h = ceilDiv(<i64>(cr + 1) * <i64>rows, <i64>gr) - ceilDiv(<i64>cr * <i64>rows, <i64>gr);
    for (let c = 0; c < gc; c++) {
      const w = <i64>c * <i64>k / <i64>gc;
      const size = h * (<i64>(c + 1) * <i64>k / <i64>gc - w);
      const i = <usize>(cr * gc + c);
      const count = <i64>load<i32>(cells + (i << 2));
      store<u8>(cells + i, size ? <u8>((510 * count + size) / (2 * size)) : 0);
    }
  }
}

// @ts-ignore: decorator
@inline function ceilDiv(a: i64, b: i64): i64 {
  return (a + b - 1) / b;
}
