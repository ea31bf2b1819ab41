import type { GemmView } from '../layers/gemm-view';
import { anyBits, newBitmap, popcount } from './bitmap';
import { orRows } from './view-bitmap';

/**
 * Share of all-zero r x c blocks on the GEMM view for each shape; edge blocks count as blocks.
 * Each block row of r rows is reduced to the OR of its rows once and serves every shape with that
 * r; a larger r that is a multiple of the last is built from the last one's block rows.
 */
export function zeroBlockShares(bm: Uint32Array, v: GemmView, shapes: readonly { r: number; c: number }[]): number[] {
  const kw = Math.ceil(v.k / 32);
  const shares = shapes.map(() => 0);
  let prev: { r: number; bands: Uint32Array } | undefined;
  for (const r of [...new Set(shapes.map((s) => s.r))].sort((a, b) => a - b)) {
    const nb = Math.ceil(v.rows / r);
    // Rows on word boundaries are their own block rows of height 1: no copy.
    const aligned = r === 1 && v.k % 32 === 0;
    const bands = aligned ? bm : new Uint32Array(nb * kw);
    const row = newBitmap(v.k);
    for (let b = 0; b < nb && !aligned; b++) {
      const band = bands.subarray(b * kw, (b + 1) * kw);
      if (prev && r % prev.r === 0) {
        const per = r / prev.r;
        const from = b * per;
        const to = Math.min(prev.bands.length / kw, from + per);
        for (let i = from; i < to; i++) for (let w = 0; w < kw; w++) band[w] |= prev.bands[i * kw + w];
      } else band.set(orRows(bm, v, b * r, Math.min(v.rows, (b + 1) * r), row));
    }
    shapes.forEach((s, i) => {
      if (s.r !== r) return;
      const colBlocks = Math.ceil(v.k / s.c);
      let zero = 0;
      for (let b = 0; b < nb; b++) zero += colBlocks - nonzeroBlocks(bands, b * kw, v.k, s.c);
      shares[i] = nb * colBlocks ? zero / (nb * colBlocks) : 0;
    });
    prev = { r, bands };
  }
  return shares;
}

/** Number of c-wide column blocks with any bit set in the k-bit row starting at word `at`. */
function nonzeroBlocks(words: Uint32Array, at: number, k: number, c: number): number {
  const kw = Math.ceil(k / 32);
  if (c <= 32 && (c & (c - 1)) === 0) {
    // Fold each c-bit field onto its lowest bit, then count those bits (bits past k are zero).
    let mask = 0;
    for (let i = 0; i < 32; i += c) mask |= 1 << i;
    let n = 0;
    for (let w = at; w < at + kw; w++) {
      let x = words[w];
      if (x === 0) continue;
      for (let s = 1; s < c; s <<= 1) x |= x >>> s;
      n += popcount(x & mask);
    }
    return n;
  }
  let n = 0;
  for (let k0 = 0; k0 < k; k0 += c) n += anyBits(words, at * 32 + k0, Math.min(c, k - k0)) ? 1 : 0;
  return n;
}
