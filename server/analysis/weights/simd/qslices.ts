// The slice loops of the integer pass over 8-bit codes quantized per axis: a conv weight
// quantized per output channel is thousands of slices of a few thousand codes, and looping over
// them in JavaScript (a kernel call, a fold and a flush per slice) cost more than the kernels
// did on a cold start, mostly in optimizing compiles of that JavaScript on the second core. Here
// the loop, the fold and the per-slice scaling run next to the kernels, and JavaScript reads one
// state per weight (server/analysis/weights/quantized-stats.ts, quantized-kept.ts).
import { qmagBits, qrun } from './qstats';
import { qkeep4, qkeep8 } from './qkept';

// Magnitude state (st), kept for one weight across its chunks: f64 sum (0) and sum of squares (8)
// of the slices flushed, the pending slice's integer sums of d and d^2 (16, 24), counts of zeros
// (32) and near-zeros (40), the pending slice (i32 at 48, -1: none), the largest magnitude's
// float32 bits (u32 at 52), the smallest nonzero's minus one (u32 at 56), exponent bins (f64 x
// 272 from 64): QSTATE in server/analysis/weights/simd-layout.ts.

/** Scales the pending slice's integer sums by its |scale| (f64 at sc) into the flushed sums. */
export function qflush(st: usize, sc: usize): void {
  const a = load<i32>(st, 48);
  if (a < 0) return;
  const s = load<f64>(sc + (<usize>a << 3));
  store<f64>(st, load<f64>(st) + s * load<f64>(st, 16));
  store<f64>(st, load<f64>(st, 8) + s * s * load<f64>(st, 24), 8);
  store<f64>(st, 0, 16);
  store<f64>(st, 0, 24);
  store<i32>(st, -1, 48);
}

/**
 * n codes at inp (n and the slice length `inner` multiples of 16, the chunk starting on a
 * vector), from code r0 of slice a0: each slice's run through qrun against its table row (16
 * bytes a slice at tab), the bitmap fields from byte bm on, and folded into st as the float pass
 * folds magnitudes: |scale| per slice f64 at sc, its exponent base i32 at bases (-1: no nonzero
 * magnitude). qrun's results pass through res.
 */
export function qslices(inp: usize, n: i32, a0: i32, r0: i32, signed: i32, tab: usize, sc: usize, bases: usize, inner: i32, axisLen: i32, bm: usize, res: usize, st: usize): void {
  let a = a0;
  let r = r0;
  let zeros: f64 = 0, near: f64 = 0;
  let maxBits = load<u32>(st, 52), minBits = load<u32>(st, 56);
  const bins = st + 64;
  for (let i = 0; i < n;) {
    const len = min(inner - r, n - i);
    if (load<i32>(st, 48) !== a) {
      qflush(st, sc);
      store<i32>(st, a, 48);
    }
    qrun(inp + <usize>i, len >> 4, signed, tab + (<usize>a << 4), 0, 0, bm + (<usize>i >> 3), res);
    store<f64>(st, load<f64>(st, 16) + load<f64>(res), 16);
    store<f64>(st, load<f64>(st, 24) + load<f64>(res, 8), 24);
    const nonzero = load<i32>(res, 16);
    zeros += <f64>(len - nonzero);
    near += <f64>(len - load<i32>(res, 20));
    store<f64>(bins, load<f64>(bins) + <f64>(len - nonzero));
    if (nonzero) {
      const s = load<f64>(sc + (<usize>a << 3));
      const hi = qmagBits(load<i32>(res, 24), s);
      if (hi > maxBits) maxBits = hi;
      const lo = qmagBits(load<i32>(res, 28), s) - 1;
      if (lo < minBits) minBits = lo;
      // Bin E + k holds the codes above T_k and not above T_(k+1); T_0 is d0.
      let above = nonzero;
      const e = load<i32>(bases + (<usize>a << 2));
      for (let k = 0; k < 8; k++) {
        const c = load<i32>(res + 32 + (<usize>k << 2));
        const at = bins + (<usize>(e + k) << 3);
        store<f64>(at, load<f64>(at) + <f64>(above - c));
        above = c;
      }
      const at = bins + (<usize>(e + 8) << 3);
      store<f64>(at, load<f64>(at) + <f64>above);
    }
    i += len;
    r = 0;
    if (++a === axisLen) a = 0;
  }
  store<f64>(st, load<f64>(st, 32) + zeros, 32);
  store<f64>(st, load<f64>(st, 40) + near, 40);
  store<u32>(st, maxBits, 52);
  store<u32>(st, minBits, 56);
}

// Kept state (kt), for one view of one weight: the pending slice (i32 at 0, -1: none), its rank
// sums of d (f64 x 8 from 8) and d^2 (8 more), its groups of 4's (f64 x 4 and 4 from 136), and
// the same sums scaled by each flushed slice's |scale| (from 200 and 328): QKEPT_STATE there.
const PEND = 8;
const PEND4 = 136;
const DONE = 200;
const DONE4 = 328;

/** Scales the pending slice's rank sums (d by |scale|, d^2 by its square) into the flushed ones. */
export function qkeepFlush(kt: usize, sc: usize): void {
  const a = load<i32>(kt);
  if (a < 0) return;
  const s = load<f64>(sc + (<usize>a << 3));
  scaleInto(kt + PEND, kt + DONE, 8, s);
  scaleInto(kt + PEND4, kt + DONE4, 4, s);
  store<i32>(kt, -1);
}

function scaleInto(from: usize, to: usize, m: i32, s: f64): void {
  for (let r = 0; r < 2 * m; r++) {
    const f = from + (<usize>r << 3);
    const t = to + (<usize>r << 3);
    store<f64>(t, load<f64>(t) + (r < m ? s : s * s) * load<f64>(f));
    store<f64>(f, 0);
  }
}

/**
 * Rank sums of `count` codes at inp (whole groups or bands) from code r0 of slice a0, a slice
 * being `run` codes (0: the chunk is all of slice a0): per slice one qkeep8 (m 8,
 * with the groups of 4 when fused) or qkeep4 call, zero points at tab + zstride x slice, the
 * slice's sums scaled once it ends (kt; |scale| per slice f64 at sc). q: qkeep's band width.
 */
export function qkeepSlices(m: i32, fused: i32, inp: usize, count: i32, a0: i32, r0: i32, run: i32, axisLen: i32, q: i32, signed: i32, tab: usize, zstride: i32, perLane: i32, ranks: i32, ranks4: i32, sc: usize, kt: usize): void {
  let a = a0;
  let r = r0;
  for (let i = 0; i < count;) {
    const len = run ? min(run - r, count - i) : count - i;
    if (load<i32>(kt) !== a) {
      qkeepFlush(kt, sc);
      store<i32>(kt, a);
    }
    const zpt = tab + <usize>(zstride * a);
    const p = inp + <usize>i;
    if (m === 8) qkeep8(p, q ? len / (8 * q) : len >> 3, q, signed, zpt, perLane, ranks, fused ? ranks4 : 4, kt + PEND, fused ? kt + PEND4 : 0);
    else qkeep4(p, q ? len / (4 * q) : len >> 2, q, signed, zpt, perLane, ranks, kt + PEND4);
    i += len;
    r = 0;
    if (++a === axisLen) a = 0;
  }
}
