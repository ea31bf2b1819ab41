// The magnitude pass over binary16 values read as they are (no float32 decode first): a
// magnitude's bits (sign cleared) order like its value, so zero, near-zero, extremes and the
// bitmap are compares on eight u16 lanes. The exponent histogram counts codes above exponent
// boundaries, sixteen top bytes at a time, over a window of WINDOW exponents below the chunk's
// largest; values outside it (the rare very small ones, subnormals included) take an exact
// per-value path. Sums are of the exact float64 values (a binary16 value is exact there, and so
// are the sums of them that stay under 2^29).

const H_MASK = i16x8.splat(0x7fff);
const MAGIC = f32x4.splat(5.192296858534828e33);
/** Exponent boundaries counted by compares: bins [top - WINDOW + 1, top] of the chunk. */
const WINDOW = 12;

// @ts-ignore: decorator
@inline function toF32Low(h: v128): v128 {
  return f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(h), 13), MAGIC);
}

// @ts-ignore: decorator
@inline function toF32High(h: v128): v128 {
  return f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(h), 13), MAGIC);
}

/** Sum (f64x2 at s) and sum of squares (at q) of a float32x4's lanes. */
// @ts-ignore: decorator
@inline function lo64(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

// @ts-ignore: decorator
@inline function hi64(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
}

/** float32 bits of the binary16 magnitude h (finite). */
// @ts-ignore: decorator
@inline function f32Bits(h: u32): u32 {
  return reinterpret<u32>(reinterpret<f32>(h << 13) * <f32>5.192296858534828e33);
}

/**
 * The magnitude pass over n binary16 values at inp (n a multiple of 32, any alignment), with the
 * result layout of `stats`: bitmap words at bm, histogram at hist (256 i32 bins, then counters), and at res the near-zero count (its four i32 lanes summed into lane 0), max and min-1
 * as float32 bits, sums (f64x2, lane 1 zero) and the nonzero count. `near` is the threshold as
 * binary16 bits (|x| <= t exactly when bits <= near). A chunk holding Inf or NaN sets bin 255
 * and is left for the caller to redo.
 */
export function stats16(inp: usize, n: i32, bm: usize, near: i32, hist: usize, res: usize): void {
  memory.fill(hist, 0, 1024);
  const end = inp + (<usize>n << 1);
  // The chunk's largest magnitude sets the window.
  let top = i16x8.splat(0);
  for (let p = inp; p < end; p += 16) top = i16x8.max_u(top, v128.and(v128.load(p), H_MASK));
  const mx = maxAll(top);
  if (mx > 0x7bff) {
    store<i32>(hist + 1020, 1);
    return;
  }
  const eTop = max<i32>(1, <i32>(mx >> 10));
  const eLo = max<i32>(1, eTop - WINDOW + 1);
  // Top bytes (exponent << 2 | two mantissa bits) below eLo << 2, other than zero: the exact path
  // (nothing is above the window: it ends at the chunk's largest exponent).
  const loB = i8x16.splat(<i8>(eLo << 2));
  const nearV = i16x8.splat(<i16>near);
  const ONE = i16x8.splat(1);
  let mn = i16x8.splat(-1);
  let over: i32 = 0, nonzero: i32 = 0;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), q0 = f64x2.splat(0), q1 = f64x2.splat(0);
  const counts = hist + 1024;
  memory.fill(counts, 0, WINDOW << 2);
  let p = inp;
  while (p < end) {
    // u8 lane counters hold 255 steps of 16 values: 127 words of 32 values.
    const stop = min(end, p + 127 * 64);
    let cOver = i16x8.splat(0);
    let c0 = i8x16.splat(0), c1 = i8x16.splat(0), c2 = i8x16.splat(0), c3 = i8x16.splat(0), c4 = i8x16.splat(0), c5 = i8x16.splat(0);
    let c6 = i8x16.splat(0), c7 = i8x16.splat(0), c8 = i8x16.splat(0), c9 = i8x16.splat(0), c10 = i8x16.splat(0);
    while (p < stop) {
      let w: u32 = 0;
      for (let j: u32 = 0; j < 32; j += 16, p += 32) {
        const h0 = v128.and(v128.load(p), H_MASK);
        const h1 = v128.and(v128.load(p, 16), H_MASK);
        const zero = i8x16.narrow_i16x8_s(i16x8.eq(h0, i16x8.splat(0)), i16x8.eq(h1, i16x8.splat(0)));
        w |= (<u32>(i8x16.bitmask(zero) ^ 0xffff)) << j;
        cOver = i16x8.sub(i16x8.sub(cOver, i16x8.gt_s(h0, nearV)), i16x8.gt_s(h1, nearV));
        mn = i16x8.min_u(mn, i16x8.min_u(i16x8.sub(h0, ONE), i16x8.sub(h1, ONE)));
        const tb = i8x16.narrow_i16x8_u(i16x8.shr_u(h0, 8), i16x8.shr_u(h1, 8));
        // Codes outside the window and not zero go one by one.
        const odd = v128.andnot(i8x16.gt_s(loB, tb), zero);
        if (v128.any_true(odd)) outside(p, i8x16.bitmask(odd), hist);
        c0 = i8x16.sub(c0, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 1) << 2) - 1))));
        c1 = i8x16.sub(c1, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 2) << 2) - 1))));
        c2 = i8x16.sub(c2, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 3) << 2) - 1))));
        c3 = i8x16.sub(c3, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 4) << 2) - 1))));
        c4 = i8x16.sub(c4, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 5) << 2) - 1))));
        c5 = i8x16.sub(c5, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 6) << 2) - 1))));
        c6 = i8x16.sub(c6, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 7) << 2) - 1))));
        c7 = i8x16.sub(c7, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 8) << 2) - 1))));
        c8 = i8x16.sub(c8, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 9) << 2) - 1))));
        c9 = i8x16.sub(c9, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 10) << 2) - 1))));
        c10 = i8x16.sub(c10, i8x16.gt_s(tb, i8x16.splat(<i8>(((eLo + 11) << 2) - 1))));
        const a = toF32Low(h0), b = toF32High(h0), c = toF32Low(h1), d = toF32High(h1);
        const al = lo64(a), ah = hi64(a), bl = lo64(b), bh = hi64(b);
        const cl = lo64(c), ch = hi64(c), dl = lo64(d), dh = hi64(d);
        s0 = f64x2.add(s0, f64x2.add(f64x2.add(al, ah), f64x2.add(bl, bh)));
        s1 = f64x2.add(s1, f64x2.add(f64x2.add(cl, ch), f64x2.add(dl, dh)));
        q0 = f64x2.add(q0, f64x2.add(f64x2.add(f64x2.mul(al, al), f64x2.mul(ah, ah)), f64x2.add(f64x2.mul(bl, bl), f64x2.mul(bh, bh))));
        q1 = f64x2.add(q1, f64x2.add(f64x2.add(f64x2.mul(cl, cl), f64x2.mul(ch, ch)), f64x2.add(f64x2.mul(dl, dl), f64x2.mul(dh, dh))));
      }
      store<u32>(bm, w);
      bm += 4;
      nonzero += popcnt(w);
    }
    over += sum16(cOver);
    add(counts, 0, c0); add(counts, 1, c1); add(counts, 2, c2); add(counts, 3, c3); add(counts, 4, c4); add(counts, 5, c5);
    add(counts, 6, c6); add(counts, 7, c7); add(counts, 8, c8); add(counts, 9, c9); add(counts, 10, c10);
  }
  // In-window nonzero codes: those at eLo or above (the rest went one by one); bin e holds codes of exponent e exactly.
  let outsideCount: i32 = 0;
  for (let e = 0; e < 256; e++) outsideCount += load<i32>(hist + (<usize>e << 2));
  let above = nonzero - outsideCount;
  for (let k = 0; k < WINDOW - 1; k++) {
    const c = load<i32>(counts + (<usize>k << 2));
    bump(hist, eLo + 112 + k, above - c);
    above = c;
  }
  bump(hist, eLo + 112 + WINDOW - 1, above);
  bump(hist, 0, n - nonzero);
  store<i32>(res, n - over);
  store<i32>(res, 0, 4);
  store<i32>(res, 0, 8);
  store<i32>(res, 0, 12);
  v128.store(res, i32x4(f32Bits(mx), 0, 0, 0), 16);
  const m = minAll(mn);
  v128.store(res, i32x4(m === 0xffff ? -1 : f32Bits(m + 1) - 1, -1, -1, -1), 32);
  v128.store(res, f64x2.add(s0, s1), 48);
  v128.store(res, f64x2.add(q0, q1), 64);
  store<i32>(res, nonzero, 80);
}

// @ts-ignore: decorator
@inline function bump(hist: usize, e: i32, by: i32): void {
  const at = hist + (<usize>e << 2);
  store<i32>(at, load<i32>(at) + by);
}

// @ts-ignore: decorator
@inline function add(counts: usize, k: usize, c: v128): void {
  const s = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(c));
  const at = counts + (k << 2);
  store<i32>(at, load<i32>(at) + i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3));
}

// @ts-ignore: decorator
@inline function sum16(x: v128): i32 {
  const s = i32x4.extadd_pairwise_i16x8_s(x);
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

// @ts-ignore: decorator
@inline function maxAll(x: v128): u32 {
  let m = i16x8.max_u(x, v128.shuffle<u16>(x, x, 4, 5, 6, 7, 0, 1, 2, 3));
  m = i16x8.max_u(m, v128.shuffle<u16>(m, m, 2, 3, 0, 1, 2, 3, 0, 1));
  m = i16x8.max_u(m, v128.shuffle<u16>(m, m, 1, 0, 1, 0, 1, 0, 1, 0));
  return <u32>i16x8.extract_lane_u(m, 0);
}

// @ts-ignore: decorator
@inline function minAll(x: v128): u32 {
  let m = i16x8.min_u(x, v128.shuffle<u16>(x, x, 4, 5, 6, 7, 0, 1, 2, 3));
  m = i16x8.min_u(m, v128.shuffle<u16>(m, m, 2, 3, 0, 1, 2, 3, 0, 1));
  m = i16x8.min_u(m, v128.shuffle<u16>(m, m, 1, 0, 1, 0, 1, 0, 1, 0));
  return <u32>i16x8.extract_lane_u(m, 0);
}

/** The values of a step (16 codes from p) flagged in `mask`, binned one by one by their float32 exponent. */
function outside(base: usize, mask: i32, hist: usize): void {
  let m = mask;
  while (m) {
    const i = ctz(m);
    m &= m - 1;
    const h = <u32>load<u16>(base + (<usize>i << 1)) & 0x7fff;
    bump(hist, <i32>(f32Bits(h) >>> 23), 1);
  }
}
