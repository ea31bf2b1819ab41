// The kernel module's exports as the weight pass calls them, and where things sit in its
// workspace: the memory map simd-kernels.ts (the typed calls) and the kernels (simd/*.ts) share.

/** The weight kernels' exports (simd/kernels.ts) as the JS side calls them: addresses are byte offsets. */
export interface KernelExports {
  zero(at: number, bytes: number): void;
  stats(inp: number, n: number, bm: number, near: number, hist: number, res: number): void;
  stats16(inp: number, n: number, bm: number, near: number, hist: number, res: number): void;
  decodeHalf(inp: number, n: number, out: number): void;
  decodeBf16(inp: number, n: number, out: number): void;
  dequant8(inp: number, n: number, out: number, signed: number, zpt: number, sct: number, axisLen: number, inner: number, a0: number, r0: number): void;
  keep4(inp: number, count: number, q: number, k: number, ranks: number, acc: number, out: number): void;
  keep8(inp: number, count: number, q: number, k: number, ranks: number, ranks4: number, acc: number, out: number, out4: number): void;
  hkeep4(inp: number, count: number, q: number, k: number, ranks: number, out: number): number;
  hkeep8(inp: number, count: number, q: number, k: number, ranks: number, ranks4: number, out: number, out4: number): number;
  transposeBits(src: number, batches: number, p: number, q: number, dst: number): void;
  fieldsOver(bm: number, words: number, n: number, m: number): number;
  orBands(bm: number, rows: number, k: number, r: number, out: number): number;
  nonzeroFields(bm: number, words: number, c: number): number;
  popcount(bm: number, words: number): number;
  zeroRows(bm: number, rows: number, k: number): number;
  zeroChannels(bands: number, groups: number, positions: number, channels: number, chan: number): number;
  heatCounts(bm: number, rows: number, k: number, gr: number, gc: number, cells: number): void;
  heatDensity(rows: number, k: number, gr: number, gc: number, cells: number): void;
  qrun(inp: number, vecs: number, signed: number, tab: number, stride: number, col0: number, bm: number, out: number): void;
  qcols(inp: number, rows: number, n: number, signed: number, tab: number, sct: number, out: number): void;
  qscalar(inp: number, n: number, signed: number, zp: number, s: number, near: number, bm: number, bit: number, hist: number, out: number): void;
  qplan(sc: number, n: number, nearBits: number, out: number): void;
  qthresholds(sc: number, n: number, d0s: number, bases: number, frame: number, rows: number, tab: number): void;
  qkeep8(inp: number, count: number, q: number, signed: number, zpt: number, perLane: number, ranks: number, ranks4: number, out: number, out4: number): void;
  qkeep4(inp: number, count: number, q: number, signed: number, zpt: number, perLane: number, ranks: number, out: number): void;
  qslices(inp: number, n: number, a0: number, r0: number, signed: number, tab: number, sc: number, bases: number, inner: number, axisLen: number, bm: number, res: number, st: number): void;
  qflush(st: number, sc: number): void;
  qkeepSlices(m: number, fused: number, inp: number, count: number, a0: number, r0: number, run: number, axisLen: number, q: number, signed: number, tab: number, zstride: number, perLane: number, ranks: number, ranks4: number, sc: number, kt: number): void;
  qkeepFlush(kt: number, sc: number): void;
}

/**
 * Workspace layout (after the file): a fixed area (histograms, results, kept sums, scratch), the
 * arena of the weight being measured (its nonzero bitmap, its GEMM-view bitmap, block rows,
 * channel scratch, zero point and scale tables), the chunk's bitmap words, the decoded input
 * floats, and two raw chunk slots (reads of one overlap the kernels on the other). The arena is
 * sized before a weight's stream starts and never moves during it; chunk areas only grow.
 */
export const HIST = 0;
export const RES = 8192;
export const KEPT = RES + 128;
export const KEPT4 = KEPT + 128;
export const ACC = KEPT4 + 64;
export const SMALL = ACC + 384;
export const HEAT = SMALL + 128;
/** Results of the integer kernels: qrun (64 bytes), qcols (32), the exact path's result (RES layout) and histogram. */
export const QRES = HEAT + 4096;
export const QCOLS = QRES + 64;
export const QSC = QCOLS + 32;
export const QHIST = QSC + 96;
export const ARENA = QHIST + 1024;
/**
 * The integer pass's per-weight states (simd/qslices.ts), in the plan's tables: the magnitude
 * state (f64 sum, sum of squares, pending d, d^2, zeros, near-zeros; i32 pending slice at 48;
 * u32 max bits at 52, min nonzero bits - 1 at 56; f64 exponent bins x 272 from 64) and the kept
 * state (i32 pending slice at 0; pending rank sums from 8 and 136; flushed ones: M = 8 from
 * 200, d then d^2, and M = 4 from 328).
 */
export const QSTATE = { pending: 48, maxBits: 52, minBitsM1: 56, bins: 64, bytes: 64 + 8 * 272 } as const;
export const QKEPT_STATE = { done8: 200, done4: 328, bytes: 392 } as const;
/** Bytes read past the end of a chunk by the integer kept kernels (lanes past the last group, masked). */
export const OVERREAD = 256;
/** Zero bytes after every bitmap: the kernels read up to a vector past the last word. */
export const PAD = 16;

/** x rounded up to the 16 bytes the kernels' vectors load from. */
export const align16 = (x: number): number => Math.ceil(x / 16) * 16;
/** Bytes of a bitmap of `bits` bits with its padding. */
export const bitmapBytes = (bits: number): number => align16(Math.ceil(bits / 32) * 4 + PAD);
