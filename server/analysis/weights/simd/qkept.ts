// Kept magnitude under N:M on 8-bit quantized codes: within one quantization slice the magnitude
// is a non-decreasing function of d = |q - zp|, so groups sort by d. Sixteen groups are sorted at
// once, one per u8 lane, by the same sorting network as the float kernels (kept.ts), and the rank
// sums of d and d^2 are exact integers: the caller scales them once per call by the slice's scale
// (every group of a call shares it).

// @ts-ignore: decorator
@inline function dist(raw: v128, zp: v128, flip: v128): v128 {
  const q = v128.xor(raw, flip);
  return v128.or(i8x16.sub_sat_u(q, zp), i8x16.sub_sat_u(zp, q));
}

/** Sum of the u8 lanes as i32x4 lanes. */
// @ts-ignore: decorator
@inline function s1(x: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(x));
}

/** Sum of the squares of the u8 lanes as i32x4 lanes. */
// @ts-ignore: decorator
@inline function s2(x: v128): v128 {
  const lo = i16x8.extend_low_i8x16_u(x);
  const hi = i16x8.extend_high_i8x16_u(x);
  return i32x4.add(i32x4.dot_i16x8_s(lo, lo), i32x4.dot_i16x8_s(hi, hi));
}

// @ts-ignore: decorator
@inline function hsum(x: v128): f64 {
  return <f64>i32x4.extract_lane(x, 0) + <f64>i32x4.extract_lane(x, 1) + <f64>i32x4.extract_lane(x, 2) + <f64>i32x4.extract_lane(x, 3);
}

/** Running i32 sums per rank at ACC (32 bytes per rank: d, then d^2), added to f64 outputs by `drain`. */
const ACC = memory.data(512, 16);
const LANE_IDS = memory.data<u8>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], 16);

// @ts-ignore: decorator
@inline function acc(slot: i32, x: v128): void {
  const at = ACC + (<usize>slot << 5);
  v128.store(at, i32x4.add(v128.load(at), s1(x)));
  v128.store(at, i32x4.add(v128.load(at, 16), s2(x)), 16);
}

/** Adds slots [from, from + n) to f64 outputs out[r] (d) and out[m + r] (d^2), r = slot - from, and clears them. */
function drain(from: i32, n: i32, m: i32, out: usize): void {
  for (let r = 0; r < n; r++) {
    const at = ACC + (<usize>(from + r) << 5);
    const a = out + (<usize>r << 3);
    const b = out + (<usize>(m + r) << 3);
    store<f64>(a, load<f64>(a) + hsum(v128.load(at)));
    store<f64>(b, load<f64>(b) + hsum(v128.load(at, 16)));
    v128.store(at, i32x4.splat(0));
    v128.store(at, i32x4.splat(0), 16);
  }
}

/** Blocks of 16 lanes: groups back to back (q = 0), or columns of the bands. */
// @ts-ignore: decorator
@inline function blocksOf(count: i32, q: i32): i32 {
  return q === 0 ? (count + 15) >> 4 : (q + 15) >> 4;
}

// @ts-ignore: decorator
@inline function zeroPoints(zpt: usize, perLane: i32, col: usize): v128 {
  return perLane ? v128.load(zpt + col) : i8x16.splat(load<u8>(zpt));
}

/** Lanes of block c holding a group (or column): the rest are zeroed, and a zero group adds nothing to any rank sum. */
// @ts-ignore: decorator
@inline function validLanes(count: i32, q: i32, c: i32): i32 {
  return (q === 0 ? count : q) - (c << 4);
}

// @ts-ignore: decorator
@inline function keepMask(valid: i32): v128 {
  return valid >= 16 ? i8x16.splat(-1) : i8x16.lt_u(v128.load(LANE_IDS), i8x16.splat(<i8>valid));
}

/**
 * Groups of 8 codes, as d, with the ranks of their two groups of 4 on the way (out4, when not 0,
 * for ranks below ranks4): with q = 0, `count` groups back to back; otherwise `count` bands of
 * 8 x q codes whose group j takes codes j, j + q, ..., j + 7q (lanes past q are zeroed). Zero
 * points: one for all (perLane 0, the u8 at zpt) or one per column j (the u8 table at zpt).
 * Adds, for r < ranks, the sum of rank-r d to out[r] and of its square to out[8 + r] (f64), and
 * the halves' to out4[r] and out4[4 + r].
 */
export function qkeep8(inp: usize, count: i32, q: i32, signed: i32, zpt: usize, perLane: i32, ranks: i32, ranks4: i32, out: usize, out4: usize): void {
  const f = i8x16.splat(signed ? -128 : 0);
  const r4 = out4 ? ranks4 : 0;
  const contiguous = q === 0;
  const st = <usize>q;
  const bands = contiguous ? 1 : count;
  const blocks = blocksOf(count, q);
  let done = 0;
  for (let c = 0; c < blocks; c++) {
    const col = <usize>c << 4;
    const z = zeroPoints(zpt, perLane, col);
    const valid = validLanes(count, q, c);
    const keep = keepMask(valid);
    for (let b = 0; b < bands; b++) {
      let x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, x6: v128, x7: v128;
      if (contiguous) {
        // Sixteen groups of 8 (128 codes) to lanes: vector v holds groups 2v and 2v + 1; a byte
        // shuffle pairs their columns, 16-bit unpacks gather four groups per column pair, then
        // 32- and 64-bit unpacks finish the transpose.
        const p = inp + (col << 3);
        const e0 = pairs(dist(v128.load(p), z, f)), e1 = pairs(dist(v128.load(p, 16), z, f));
        const e2 = pairs(dist(v128.load(p, 32), z, f)), e3 = pairs(dist(v128.load(p, 48), z, f));
        const e4 = pairs(dist(v128.load(p, 64), z, f)), e5 = pairs(dist(v128.load(p, 80), z, f));
        const e6 = pairs(dist(v128.load(p, 96), z, f)), e7 = pairs(dist(v128.load(p, 112), z, f));
        // Groups 0-3, columns 0-3 and 4-7 (4 bytes per column), and so on.
        const a0 = v128.shuffle<u16>(e0, e1, 0, 8, 1, 9, 2, 10, 3, 11), a1 = v128.shuffle<u16>(e0, e1, 4, 12, 5, 13, 6, 14, 7, 15);
        const b0 = v128.shuffle<u16>(e2, e3, 0, 8, 1, 9, 2, 10, 3, 11), b1 = v128.shuffle<u16>(e2, e3, 4, 12, 5, 13, 6, 14, 7, 15);
        const c0 = v128.shuffle<u16>(e4, e5, 0, 8, 1, 9, 2, 10, 3, 11), c1 = v128.shuffle<u16>(e4, e5, 4, 12, 5, 13, 6, 14, 7, 15);
        const d0 = v128.shuffle<u16>(e6, e7, 0, 8, 1, 9, 2, 10, 3, 11), d1 = v128.shuffle<u16>(e6, e7, 4, 12, 5, 13, 6, 14, 7, 15);
        // Groups 0-7, two columns per vector (8 bytes each).
        const g0 = v128.shuffle<u32>(a0, b0, 0, 4, 1, 5), g1 = v128.shuffle<u32>(a0, b0, 2, 6, 3, 7);
        const g2 = v128.shuffle<u32>(a1, b1, 0, 4, 1, 5), g3 = v128.shuffle<u32>(a1, b1, 2, 6, 3, 7);
        const h0 = v128.shuffle<u32>(c0, d0, 0, 4, 1, 5), h1 = v128.shuffle<u32>(c0, d0, 2, 6, 3, 7);
        const h2 = v128.shuffle<u32>(c1, d1, 0, 4, 1, 5), h3 = v128.shuffle<u32>(c1, d1, 2, 6, 3, 7);
        x0 = v128.shuffle<u64>(g0, h0, 0, 2); x1 = v128.shuffle<u64>(g0, h0, 1, 3);
        x2 = v128.shuffle<u64>(g1, h1, 0, 2); x3 = v128.shuffle<u64>(g1, h1, 1, 3);
        x4 = v128.shuffle<u64>(g2, h2, 0, 2); x5 = v128.shuffle<u64>(g2, h2, 1, 3);
        x6 = v128.shuffle<u64>(g3, h3, 0, 2); x7 = v128.shuffle<u64>(g3, h3, 1, 3);
      } else {
        const p = inp + <usize>b * (st << 3) + col;
        x0 = dist(v128.load(p), z, f); x1 = dist(v128.load(p + st), z, f);
        x2 = dist(v128.load(p + 2 * st), z, f); x3 = dist(v128.load(p + 3 * st), z, f);
        x4 = dist(v128.load(p + 4 * st), z, f); x5 = dist(v128.load(p + 5 * st), z, f);
        x6 = dist(v128.load(p + 6 * st), z, f); x7 = dist(v128.load(p + 7 * st), z, f);
      }
      if (valid < 16) {
        x0 = v128.and(x0, keep); x1 = v128.and(x1, keep); x2 = v128.and(x2, keep); x3 = v128.and(x3, keep);
        x4 = v128.and(x4, keep); x5 = v128.and(x5, keep); x6 = v128.and(x6, keep); x7 = v128.and(x7, keep);
      }
      // Batcher's odd-even merge sort network for 8, lane-wise, ascending.
      let t: v128;
      t = i8x16.min_u(x0, x1); x1 = i8x16.max_u(x0, x1); x0 = t;
      t = i8x16.min_u(x2, x3); x3 = i8x16.max_u(x2, x3); x2 = t;
      t = i8x16.min_u(x4, x5); x5 = i8x16.max_u(x4, x5); x4 = t;
      t = i8x16.min_u(x6, x7); x7 = i8x16.max_u(x6, x7); x6 = t;
      t = i8x16.min_u(x0, x2); x2 = i8x16.max_u(x0, x2); x0 = t;
      t = i8x16.min_u(x1, x3); x3 = i8x16.max_u(x1, x3); x1 = t;
      t = i8x16.min_u(x4, x6); x6 = i8x16.max_u(x4, x6); x4 = t;
      t = i8x16.min_u(x5, x7); x7 = i8x16.max_u(x5, x7); x5 = t;
      t = i8x16.min_u(x1, x2); x2 = i8x16.max_u(x1, x2); x1 = t;
      t = i8x16.min_u(x5, x6); x6 = i8x16.max_u(x5, x6); x5 = t;
      // Both halves are sorted: the two groups of 4 inside this group of 8 (slots 8-11).
      if (r4) {
        acc(8, x3); acc(8, x7);
        if (r4 > 1) { acc(9, x2); acc(9, x6); }
        if (r4 > 2) { acc(10, x1); acc(10, x5); }
        if (r4 > 3) { acc(11, x0); acc(11, x4); }
      }
      t = i8x16.min_u(x0, x4); x4 = i8x16.max_u(x0, x4); x0 = t;
      t = i8x16.min_u(x1, x5); x5 = i8x16.max_u(x1, x5); x1 = t;
      t = i8x16.min_u(x2, x6); x6 = i8x16.max_u(x2, x6); x2 = t;
      t = i8x16.min_u(x3, x7); x7 = i8x16.max_u(x3, x7); x3 = t;
      t = i8x16.min_u(x2, x4); x4 = i8x16.max_u(x2, x4); x2 = t;
      t = i8x16.min_u(x3, x5); x5 = i8x16.max_u(x3, x5); x3 = t;
      t = i8x16.min_u(x1, x2); x2 = i8x16.max_u(x1, x2); x1 = t;
      t = i8x16.min_u(x3, x4); x4 = i8x16.max_u(x3, x4); x3 = t;
      t = i8x16.min_u(x5, x6); x6 = i8x16.max_u(x5, x6); x5 = t;
      acc(0, x7);
      if (ranks > 1) acc(1, x6);
      if (ranks > 2) acc(2, x5);
      if (ranks > 3) acc(3, x4);
      if (ranks > 4) acc(4, x3);
      if (ranks > 5) acc(5, x2);
      if (ranks > 6) acc(6, x1);
      if (ranks > 7) acc(7, x0);
      // An i32 lane gains at most 4 x 2 x 255^2 per step: drain well before 2^31.
      if (++done === 512) {
        done = 0;
        drain(0, ranks, 8, out);
        if (r4) drain(8, r4, 4, out4);
      }
    }
  }
  drain(0, ranks, 8, out);
  if (r4) drain(8, r4, 4, out4);
}

/** Bytes (0, 8, 1, 9, ..., 7, 15): the two groups of 8 in a vector, column by column. */
// @ts-ignore: decorator
@inline function pairs(x: v128): v128 {
  return v128.shuffle<u8>(x, x, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
}

/**
 * Groups of 4, laid out as qkeep8's (bands of 4 x q codes). Adds rank sums for r < ranks to
 * out[r] and out[4 + r].
 */
export function qkeep4(inp: usize, count: i32, q: i32, signed: i32, zpt: usize, perLane: i32, ranks: i32, out: usize): void {
  const f = i8x16.splat(signed ? -128 : 0);
  const contiguous = q === 0;
  const st = <usize>q;
  const bands = contiguous ? 1 : count;
  const blocks = blocksOf(count, q);
  let done = 0;
  for (let c = 0; c < blocks; c++) {
    const col = <usize>c << 4;
    const z = zeroPoints(zpt, perLane, col);
    const valid = validLanes(count, q, c);
    const keep = keepMask(valid);
    for (let b = 0; b < bands; b++) {
      let x0: v128, x1: v128, x2: v128, x3: v128;
      if (contiguous) {
        // Sixteen groups of 4 (64 codes): vector v holds groups 4v..4v+3.
        const p = inp + (col << 2);
        const e0 = quads(dist(v128.load(p), z, f)), e1 = quads(dist(v128.load(p, 16), z, f));
        const e2 = quads(dist(v128.load(p, 32), z, f)), e3 = quads(dist(v128.load(p, 48), z, f));
        // e_v: column j of its four groups at bytes 4j..4j+3.
        const a0 = v128.shuffle<u32>(e0, e1, 0, 4, 1, 5), a1 = v128.shuffle<u32>(e0, e1, 2, 6, 3, 7);
        const b0 = v128.shuffle<u32>(e2, e3, 0, 4, 1, 5), b1 = v128.shuffle<u32>(e2, e3, 2, 6, 3, 7);
        x0 = v128.shuffle<u64>(a0, b0, 0, 2); x1 = v128.shuffle<u64>(a0, b0, 1, 3);
        x2 = v128.shuffle<u64>(a1, b1, 0, 2); x3 = v128.shuffle<u64>(a1, b1, 1, 3);
      } else {
        const p = inp + <usize>b * (st << 2) + col;
        x0 = dist(v128.load(p), z, f); x1 = dist(v128.load(p + st), z, f);
        x2 = dist(v128.load(p + 2 * st), z, f); x3 = dist(v128.load(p + 3 * st), z, f);
      }
      if (valid < 16) {
        x0 = v128.and(x0, keep); x1 = v128.and(x1, keep); x2 = v128.and(x2, keep); x3 = v128.and(x3, keep);
      }
      const lo1 = i8x16.min_u(x0, x1), hi1 = i8x16.max_u(x0, x1);
      const lo2 = i8x16.min_u(x2, x3), hi2 = i8x16.max_u(x2, x3);
      acc(0, i8x16.max_u(hi1, hi2));
      if (ranks > 1) {
        const m1 = i8x16.max_u(lo1, lo2), m2 = i8x16.min_u(hi1, hi2);
        acc(1, i8x16.max_u(m1, m2));
        if (ranks > 2) acc(2, i8x16.min_u(m1, m2));
      }
      if (ranks > 3) acc(3, i8x16.min_u(lo1, lo2));
      if (++done === 1024) {
        done = 0;
        drain(0, ranks, 4, out);
      }
    }
  }
  drain(0, ranks, 4, out);
}

/** Bytes (0, 4, 8, 12, 1, 5, ...): the four groups of 4 in a vector, column by column. */
// @ts-ignore: decorator
@inline function quads(x: v128): v128 {
  return v128.shuffle<u8>(x, x, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
}
