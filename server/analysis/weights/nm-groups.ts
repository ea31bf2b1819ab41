// N:M compliance (2:4, 4:8, ...) of a weight on its GEMM view: which groups a sparse tensor core
// accepts, and whether the whole layer is ready for one.
import type { GemmView } from '../layers/gemm-view';
import { countBits, popcount } from './bitmap';

/**
 * For each N:M pattern, how many groups of M consecutive K elements (per row; a row's last group
 * may be short) hold at most N nonzeros. One pass over the bitmap serves every pattern whose M is
 * 4, 8 or 16 and divides K: groups then start at multiples of M in the unpadded bitmap and never
 * straddle a word, so each word's M-bit fields are counted at once (bits past the end are zero).
 */
export function nmGroupShares(bm: Uint32Array, v: GemmView, patterns: readonly { n: number; m: number }[]): { compliant: number; groups: number }[] {
  const fast = patterns.map((p) => v.k % p.m === 0 && (p.m === 4 || p.m === 8 || p.m === 16));
  const over = patterns.map(() => 0);
  if (fast.some(Boolean)) {
    const words = Math.ceil((v.rows * v.k) / 32);
    for (let w = 0; w < words; w++) {
      const x = bm[w];
      if (x !== 0) for (let i = 0; i < patterns.length; i++) if (fast[i]) over[i] += fieldsOver(x, patterns[i].n, patterns[i].m);
    }
  }
  return patterns.map((p, i) => {
    const groups = v.rows * Math.ceil(v.k / p.m);
    if (fast[i]) return { compliant: groups - over[i], groups };
    let compliant = 0;
    for (let r = 0; r < v.rows; r++)
      for (let k = 0; k < v.k; k += p.m) compliant += countBits(bm, r * v.k + k, Math.min(p.m, v.k - k)) <= p.n ? 1 : 0;
    return { compliant, groups };
  });
}

/** How many M-bit fields of x (M = 4, 8 or 16) have more than n bits set: SWAR field popcounts, then a carry into each field's top bit. */
export function fieldsOver(x: number, n: number, m: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  if (m === 4) return popcount((x + Math.imul(7 - n, 0x11111111)) & 0x88888888);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  if (m === 8) return popcount((x + Math.imul(127 - n, 0x01010101)) & 0x80808080);
  x = (x + (x >>> 8)) & 0x00ff00ff;
  return popcount((x + Math.imul(0x7fff - n, 0x00010001)) & 0x80008000);
}

/**
 * N:M-ready: what hardware needs to run the layer sparse, i.e. every group complies and K is a
 * multiple of M (a short last group has no slot in the compressed format).
 */
export function nmReady(share: { compliant: number; groups: number }, k: number, m: number): boolean {
  return share.groups > 0 && share.compliant === share.groups && k % m === 0;
}
