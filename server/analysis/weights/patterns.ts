import type { GemmView } from '../layers/gemm-view';
import { anyBits, countBits, getBits, newBitmap, orBits, popcount, transposeBits } from './bitmap';

/** The nonzero bitmap of a weight rearranged into its GEMM view [rows][k] (a view of the input when no move is needed). */
export function viewBitmap(memory: Uint32Array, v: GemmView): Uint32Array {
  const t = v.transpose;
  if (!t) return memory;
  const out = newBitmap(v.rows * v.k);
  const per = t.p * t.q;
  for (let b = 0; b < t.batches; b++) transposeBits(memory, b * per, t.p, t.q, out, b * per);
  return out;
}

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
