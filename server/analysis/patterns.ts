import { anyBits, countBits, getBits, newBitmap, orBits, transposeBits } from './bitmap';
import type { GemmView } from './gemm-view';
import { popcount } from './magnitude-stats';

/** The nonzero bitmap of a weight rearranged into its GEMM view [rows][k] (a view of the input when no move is needed). */
export function viewBitmap(memory: Uint32Array, v: GemmView): Uint32Array {
  const t = v.transpose;
  if (!t) return memory;
  const out = newBitmap(v.rows * v.k);
  const per = t.p * t.q;
  for (let b = 0; b < t.batches; b++) transposeBits(memory, b * per, t.p, t.q, out, b * per);
  return out;
}

/** Share of groups of M consecutive K elements (per row; a row's last group may be short) with at most N nonzeros. */
export function nmGroupShare(bm: Uint32Array, v: GemmView, n: number, m: number): { compliant: number; groups: number } {
  const perRow = Math.ceil(v.k / m);
  if (v.k % m === 0 && (m === 4 || m === 8 || m === 16)) {
    // Groups then start at multiples of M in the unpadded bitmap and never straddle a word:
    // count, per word, the M-bit fields whose popcount exceeds N (bits past the end are zero).
    let over = 0;
    const words = Math.ceil((v.rows * v.k) / 32);
    for (let w = 0; w < words; w++) if (bm[w] !== 0) over += fieldsOver(bm[w], n, m);
    return { compliant: v.rows * perRow - over, groups: v.rows * perRow };
  }
  let compliant = 0;
  for (let r = 0; r < v.rows; r++) {
    const base = r * v.k;
    for (let k = 0; k < v.k; k += m) compliant += countBits(bm, base + k, Math.min(m, v.k - k)) <= n ? 1 : 0;
  }
  return { compliant, groups: v.rows * perRow };
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

/** Share of all-zero r x c blocks on the GEMM view; edge blocks count as blocks. */
export function zeroBlockShare(bm: Uint32Array, v: GemmView, r: number, c: number): number {
  const bandRows = Math.ceil(v.rows / r);
  const colBlocks = Math.ceil(v.k / c);
  if (bandRows * colBlocks === 0) return 0;
  const band = newBitmap(v.k);
  let zero = 0;
  for (let b = 0; b < bandRows; b++) {
    orRows(bm, v, b * r, Math.min(v.rows, (b + 1) * r), band);
    zero += colBlocks - nonzeroBlocks(band, v.k, c);
  }
  return zero / (bandRows * colBlocks);
}

/** Number of c-wide column blocks of a k-bit row with any bit set. */
function nonzeroBlocks(row: Uint32Array, k: number, c: number): number {
  if (c <= 32 && (c & (c - 1)) === 0) {
    // Fold each c-bit field onto its lowest bit, then count those bits (bits past k are zero).
    let mask = 0;
    for (let i = 0; i < 32; i += c) mask |= 1 << i;
    let n = 0;
    for (let w = 0; w < row.length; w++) {
      let x = row[w];
      for (let s = 1; s < c; s <<= 1) x |= x >>> s;
      n += popcount(x & mask);
    }
    return n;
  }
  let n = 0;
  for (let k0 = 0; k0 < k; k0 += c) n += anyBits(row, k0, Math.min(c, k - k0)) ? 1 : 0;
  return n;
}

export interface StructureCounts {
  zeroRows: number;
  zeroCols: number;
  /** Input channels (per group, over all kernel positions and the group's rows) that are all zero. */
  zeroInputChannels: number;
  inputChannels: number;
}

export function structure(bm: Uint32Array, v: GemmView): StructureCounts {
  let zeroRows = 0;
  for (let r = 0; r < v.rows; r++) if (!anyBits(bm, r * v.k, v.k)) zeroRows++;
  const col = newBitmap(v.k);
  const all = newBitmap(v.k);
  const rowsPerGroup = v.rows / v.groups;
  let zeroInputChannels = 0;
  for (let g = 0; g < v.groups; g++) {
    orRows(bm, v, g * rowsPerGroup, (g + 1) * rowsPerGroup, col);
    for (let w = 0; w < col.length; w++) all[w] |= col[w];
    // Channel c of this group is zero when no kernel position s has a nonzero at k = s*channels + c.
    const chan = newBitmap(v.channels);
    for (let s = 0; s < v.kernelPositions; s++)
      for (let c = 0; c < v.channels; c += 32) {
        const len = Math.min(32, v.channels - c);
        orBits(chan, c, getBits(col, s * v.channels + c, len), len);
      }
    zeroInputChannels += v.channels - countBits(chan, 0, v.channels);
  }
  return {
    zeroRows,
    zeroCols: v.k - countBits(all, 0, v.k),
    zeroInputChannels,
    inputChannels: v.channels * v.groups,
  };
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
