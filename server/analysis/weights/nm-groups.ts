// N:M compliance (2:4, 4:8, ...) of a weight on its GEMM view: which groups a sparse tensor core
// accepts, and whether the whole layer is ready for one.
import type { GemmView } from '../layers/gemm-view';
import { countBits, popcount } from './bitmap';
import type { SimdKernels } from './simd-kernels';

/**
 * For each N:M pattern, how many groups of M consecutive K elements (per row; a row's last group
 * may be short) hold at most N nonzeros, from the view bitmap at `at`. Where M is 4, 8 or 16 and
 * divides K, groups start at multiples of M in the unpadded bitmap and never straddle a word, so
 * the kernel counts each word's M-bit fields at once (bits past the end are zero); other
 * patterns walk the groups.
 */
export function nmGroupShares(k: SimdKernels, at: number, v: GemmView, patterns: readonly { n: number; m: number }[]): { compliant: number; groups: number }[] {
  const words = Math.ceil((v.rows * v.k) / 32);
  return patterns.map((p) => {
    const groups = v.rows * Math.ceil(v.k / p.m);
    if (groups === 0) return { compliant: 0, groups };
    if (v.k % p.m === 0 && (p.m === 4 || p.m === 8 || p.m === 16)) return { compliant: groups - k.fieldsOver(at, words, p.n, p.m), groups };
    const bm = k.u32(at, words + 1);
    let compliant = 0;
    for (let r = 0; r < v.rows; r++)
      for (let kk = 0; kk < v.k; kk += p.m) compliant += countBits(bm, r * v.k + kk, Math.min(p.m, v.k - kk)) <= p.n ? 1 : 0;
    return { compliant, groups };
  });
}

/**
 * How many M-bit fields of x (M = 4, 8 or 16) have more than n bits set: SWAR field popcounts,
 * then a carry into each field's top bit. The scalar reference of the kernel's fieldsOver.
 */
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
