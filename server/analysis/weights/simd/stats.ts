// The magnitude pass: one read of a chunk's float32 magnitudes gives every per-weight statistic
// and the nonzero bitmap the pattern metrics read instead of the data.

const SIGN_OFF = i32x4.splat(0x7fffffff);
const ONE = i32x4.splat(1);
const BIN = i32x4.splat(0x3fc);
// Eight interleaved histograms of 256 i32: lane j of a step's first vector bumps histogram j, of its
// second 4 + j. Neighbouring values often share an exponent; separate counters keep those bumps
// from waiting on each other's stores.
const LANES_A = i32x4(0, 1024, 2048, 3072);
const LANES_B = i32x4(4096, 5120, 6144, 7168);

/** Bytes of histogram workspace `stats` needs at `hist`. */
export const HIST_BYTES: i32 = 8192;

/**
 * The magnitude pass over n float32 values (n a multiple of 32) at `inp`, sign bits ignored:
 * one bitmap word per 32 values at `bm` (bit set = nonzero), an exponent histogram at `hist`
 * (HIST_BYTES, cleared here, summed into its first 256 i32 at the end), and at `res`: per-lane
 * counts of |x| <= near (i32x4), max |x| bits (i32x4), min of (|x| bits - 1) (i32x4, unsigned),
 * sum of |x| and of x^2 (f64x2 each), the nonzero count (i32 at +80).
 * Non-finite values land in bin 255; the caller redoes such chunks.
 */
export function stats(inp: usize, n: i32, bm: usize, near: i32, hist: usize, res: usize): void {
  memory.fill(hist, 0, HIST_BYTES);
  const nearV = i32x4.splat(near);
  let over = i32x4.splat(0);
  let mx = i32x4.splat(0);
  let mn = i32x4.splat(-1);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let q0 = f64x2.splat(0), q1 = f64x2.splat(0), q2 = f64x2.splat(0), q3 = f64x2.splat(0);
  let nonzero: i32 = 0;
  const end = inp + (<usize>n << 2);
  let p = inp;
  while (p < end) {
    let w: i32 = 0;
    for (let j = 0; j < 32; j += 8, p += 32) {
      const x = v128.and(v128.load(p), SIGN_OFF);
      const y = v128.and(v128.load(p, 16), SIGN_OFF);
      const zx = i32x4.bitmask(i32x4.eq(x, i32x4.splat(0)));
      const zy = i32x4.bitmask(i32x4.eq(y, i32x4.splat(0)));
      w |= ((zx | (zy << 4)) ^ 0xff) << j;
      // Magnitude bits and the threshold are non-negative as i32: a signed compare is one instruction.
      over = i32x4.sub(i32x4.sub(over, i32x4.gt_s(x, nearV)), i32x4.gt_s(y, nearV));
      mx = i32x4.max_u(mx, i32x4.max_u(x, y));
      mn = i32x4.min_u(mn, i32x4.min_u(i32x4.sub(x, ONE), i32x4.sub(y, ONE)));
      const xl = f64x2.promote_low_f32x4(x);
      const xh = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
      const yl = f64x2.promote_low_f32x4(y);
      const yh = f64x2.promote_low_f32x4(v128.shuffle<f32>(y, y, 2, 3, 0, 1));
      s0 = f64x2.add(s0, xl);
      s1 = f64x2.add(s1, xh);
      s2 = f64x2.add(s2, yl);
      s3 = f64x2.add(s3, yh);
      q0 = f64x2.add(q0, f64x2.mul(xl, xl));
      q1 = f64x2.add(q1, f64x2.mul(xh, xh));
      q2 = f64x2.add(q2, f64x2.mul(yl, yl));
      q3 = f64x2.add(q3, f64x2.mul(yh, yh));
      // (|x| bits >> 23) << 2: the exponent's byte offset in a histogram, plus the histogram's base.
      const ex = v128.or(v128.and(i32x4.shr_u(x, 21), BIN), LANES_A);
      const ey = v128.or(v128.and(i32x4.shr_u(y, 21), BIN), LANES_B);
      bump(hist + <usize>i32x4.extract_lane(ex, 0));
      bump(hist + <usize>i32x4.extract_lane(ex, 1));
      bump(hist + <usize>i32x4.extract_lane(ex, 2));
      bump(hist + <usize>i32x4.extract_lane(ex, 3));
      bump(hist + <usize>i32x4.extract_lane(ey, 0));
      bump(hist + <usize>i32x4.extract_lane(ey, 1));
      bump(hist + <usize>i32x4.extract_lane(ey, 2));
      bump(hist + <usize>i32x4.extract_lane(ey, 3));
    }
    store<i32>(bm, w);
    bm += 4;
    nonzero += popcnt(w);
  }
  // Fold the eight histograms into the first: hist[e] is then the count for exponent e.
  for (let e: usize = 0; e < 1024; e += 16) {
    const at = hist + e;
    const a = i32x4.add(i32x4.add(v128.load(at), v128.load(at, 1024)), i32x4.add(v128.load(at, 2048), v128.load(at, 3072)));
    const b = i32x4.add(i32x4.add(v128.load(at, 4096), v128.load(at, 5120)), i32x4.add(v128.load(at, 6144), v128.load(at, 7168)));
    v128.store(at, i32x4.add(a, b));
  }
  store<i32>(res, nonzero, 80);
  // Per-lane counts of |x| <= near: each lane saw n / 4 values.
  v128.store(res, i32x4.sub(i32x4.splat(n >> 2), over));
  v128.store(res, mx, 16);
  v128.store(res, mn, 32);
  v128.store(res, f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)), 48);
  v128.store(res, f64x2.add(f64x2.add(q0, q1), f64x2.add(q2, q3)), 64);
}

// @ts-ignore: decorator
@inline function bump(at: usize): void {
  store<i32>(at, load<i32>(at) + 1);
}
