import type { GemmView } from '../layers/gemm-view';
import { anyBits } from './bitmap';
import type { SimdKernels } from './simd-kernels';

/**
 * Share of all-zero r x c blocks on the GEMM view (bitmap at `at`) for each shape; edge blocks
 * count as blocks. Each block row of r rows is reduced to the OR of its rows once (in the arena's
 * block-row area) and serves every shape with that r; a c-wide block is then a c-bit field of it.
 */
export function zeroBlockShares(k: SimdKernels, at: number, v: GemmView, shapes: readonly { r: number; c: number }[]): number[] {
  const kw = Math.ceil(v.k / 32);
  const shares = shapes.map(() => 0);
  // An empty view has no blocks (and its row loops would walk rows of nothing).
  if (v.rows * v.k === 0) return shares;
  const bandsAt = k.areas.bands;
  for (const r of new Set(shapes.map((s) => s.r))) {
    // Rows on word boundaries are their own block rows of height 1: no copy.
    const direct = r === 1 && v.k % 32 === 0;
    const nb = direct ? v.rows : k.orBands(at, v.rows, v.k, r, bandsAt);
    const bands = direct ? at : bandsAt;
    shapes.forEach((s, i) => {
      if (s.r !== r) return;
      const colBlocks = Math.ceil(v.k / s.c);
      const nonzero = s.c <= 32 && (s.c & (s.c - 1)) === 0
        ? k.nonzeroFields(bands, nb * kw, s.c)
        : walkBlocks(k.u32(bands, nb * kw + 1), nb, kw, v.k, s.c);
      shares[i] = nb * colBlocks ? (nb * colBlocks - nonzero) / (nb * colBlocks) : 0;
    });
  }
  return shares;
}

/** Nonzero c-wide blocks over nb block rows of kw words each, for widths the kernel does not fold. */
function walkBlocks(words: Uint32Array, nb: number, kw: number, k: number, c: number): number {
  let n = 0;
  for (let b = 0; b < nb; b++) for (let k0 = 0; k0 < k; k0 += c) n += anyBits(words, b * kw * 32 + k0, Math.min(c, k - k0)) ? 1 : 0;
  return n;
}
