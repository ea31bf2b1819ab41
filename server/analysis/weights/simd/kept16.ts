// Kept magnitude under N:M on binary16 codes: a magnitude's bits (sign cleared) order like its
// value, so groups sort as u16 lanes, eight groups per vector (twice the float32 kernels' width),
// by the same sorting networks (kept.ts). Only the values at the ranks summed are decoded, exactly
// (a binary16 value and its square are exact in float64), and summed in f64. A call that meets
// Inf or NaN returns a code above 0x7bff: its sums are to be discarded and the chunk redone by
// the float kernels, as the magnitude pass does. Nothing past the call's codes is read: columns
// that do not fill a block are gathered across bands instead of masked.

const H_MASK = i16x8.splat(0x7fff);
/** 2^112: scales a binary16 magnitude shifted into float32's exponent field to its value, subnormals included. */
const MAGIC = f32x4.splat(5.192296858534828e33);
/** Running sums per rank (32 bytes per slot: sum f64x2, squares f64x2): ranks of M at 0-7, of the halves at 8-11. */
const ACC = memory.data(384, 16);
/** The halves' sorted ranks of the current step, summed once the merge is done. */
const HALVES = memory.data(128, 16);
const LANE_IDS = memory.data<u16>([0, 1, 2, 3, 4, 5, 6, 7], 16);
/** Lanes 0-3 (the first of the two groups of 4 in a vector). */
const LOW4 = memory.data<u16>([0xffff, 0xffff, 0xffff, 0xffff, 0, 0, 0, 0], 16);

// @ts-ignore: decorator
@inline function ld(p: usize): v128 {
  return v128.and(v128.load(p), H_MASK);
}

/** Adds the values of x's eight codes to slot `slot`, and their squares. */
// @ts-ignore: decorator
@inline function acc(slot: i32, x: v128): void {
  const a = f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(x), 13), MAGIC);
  const b = f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(x), 13), MAGIC);
  const al = f64x2.promote_low_f32x4(a), ah = f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 2, 3, 0, 1));
  const bl = f64x2.promote_low_f32x4(b), bh = f64x2.promote_low_f32x4(v128.shuffle<f32>(b, b, 2, 3, 0, 1));
  const at = ACC + (<usize>slot << 5);
  v128.store(at, f64x2.add(v128.load(at), f64x2.add(f64x2.add(al, ah), f64x2.add(bl, bh))));
  const sq = f64x2.add(f64x2.add(f64x2.mul(al, al), f64x2.mul(ah, ah)), f64x2.add(f64x2.mul(bl, bl), f64x2.mul(bh, bh)));
  v128.store(at, f64x2.add(v128.load(at, 16), sq), 16);
}

/** Adds slots [from, from + n) to f64 outputs out[r] and out[m + r], r = slot - from. */
function drain(from: i32, n: i32, m: i32, out: usize): void {
  for (let r = 0; r < n; r++) {
    const at = ACC + (<usize>(from + r) << 5);
    const a = out + (<usize>r << 3);
    const b = out + (<usize>(m + r) << 3);
    const s = v128.load(at);
    const q = v128.load(at, 16);
    store<f64>(a, load<f64>(a) + f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1));
    store<f64>(b, load<f64>(b) + f64x2.extract_lane(q, 0) + f64x2.extract_lane(q, 1));
  }
}

/**
 * One code of each of `lanes` rows `rs` bytes apart (zero for absent rows, and for all when the
 * code is past the row's end: zero adds nothing to any rank sum, and a short group has no low ranks).
 */
function gather(p: usize, rs: usize, lanes: i32, valid: bool): v128 {
  let x = i16x8.splat(0);
  if (!valid) return x;
  x = i16x8.replace_lane(x, 0, load<u16>(p));
  if (lanes > 1) x = i16x8.replace_lane(x, 1, load<u16>(p + rs));
  if (lanes > 2) x = i16x8.replace_lane(x, 2, load<u16>(p + 2 * rs));
  if (lanes > 3) x = i16x8.replace_lane(x, 3, load<u16>(p + 3 * rs));
  if (lanes > 4) x = i16x8.replace_lane(x, 4, load<u16>(p + 4 * rs));
  if (lanes > 5) x = i16x8.replace_lane(x, 5, load<u16>(p + 5 * rs));
  if (lanes > 6) x = i16x8.replace_lane(x, 6, load<u16>(p + 6 * rs));
  if (lanes > 7) x = i16x8.replace_lane(x, 7, load<u16>(p + 7 * rs));
  return v128.and(x, H_MASK);
}

/** Lane addresses (u32 each) of the leftover columns' groups, gathered across bands. */
const ADDR = memory.data(32, 16);

/**
 * Addresses of leftover groups [t, t + n) (n <= 8) of bands whose last r columns (from column c0)
 * do not fill a block: group u is column c0 + u % r of band u / r (`bandBytes` apart). Lanes past
 * n repeat lane 0's address: they are masked.
 */
function leftoverAddresses(inp: usize, t: i32, n: i32, r: i32, c0: i32, bandBytes: usize): void {
  let band = t / r;
  let col = t % r;
  for (let l = 0; l < 8; l++) {
    if (l < n) {
      store<u32>(ADDR + (<usize>l << 2), <u32>(inp + <usize>band * bandBytes + (<usize>(c0 + col) << 1)));
      if (++col === r) {
        col = 0;
        band++;
      }
    } else store<u32>(ADDR + (<usize>l << 2), load<u32>(ADDR));
  }
}

/** The code `off` bytes past each lane's address. */
function gatherAt(off: usize, keep: v128): v128 {
  let x = i16x8.splat(0);
  x = i16x8.replace_lane(x, 0, load<u16>(<usize>load<u32>(ADDR) + off));
  x = i16x8.replace_lane(x, 1, load<u16>(<usize>load<u32>(ADDR, 4) + off));
  x = i16x8.replace_lane(x, 2, load<u16>(<usize>load<u32>(ADDR, 8) + off));
  x = i16x8.replace_lane(x, 3, load<u16>(<usize>load<u32>(ADDR, 12) + off));
  x = i16x8.replace_lane(x, 4, load<u16>(<usize>load<u32>(ADDR, 16) + off));
  x = i16x8.replace_lane(x, 5, load<u16>(<usize>load<u32>(ADDR, 20) + off));
  x = i16x8.replace_lane(x, 6, load<u16>(<usize>load<u32>(ADDR, 24) + off));
  x = i16x8.replace_lane(x, 7, load<u16>(<usize>load<u32>(ADDR, 28) + off));
  return v128.and(v128.and(x, H_MASK), keep);
}

// @ts-ignore: decorator
@inline function laneMask(valid: i32): v128 {
  return valid >= 8 ? i16x8.splat(-1) : i16x8.lt_s(v128.load(LANE_IDS), i16x8.splat(<i16>valid));
}

// @ts-ignore: decorator
@inline function maxAll(x: v128): i32 {
  let m = i16x8.max_u(x, v128.shuffle<u16>(x, x, 4, 5, 6, 7, 0, 1, 2, 3));
  m = i16x8.max_u(m, v128.shuffle<u16>(m, m, 2, 3, 0, 1, 2, 3, 0, 1));
  m = i16x8.max_u(m, v128.shuffle<u16>(m, m, 1, 0, 1, 0, 1, 0, 1, 0));
  return <i32>i16x8.extract_lane_u(m, 0);
}

/**
 * Blocks of eight lanes and steps per block: contiguous groups (q = 0, k = 0), eight groups a
 * block; bands of m x q codes (q > 0), eight columns a block, a step per band, and the columns
 * past the last whole block (a 3x3 convolution's ninth) in one more block, eight of them a step
 * gathered across bands; rows of k codes (k > 0) grouped along the row, eight rows a block, a
 * step per group of the row.
 */
// @ts-ignore: decorator
@inline function blocksOf(count: i32, q: i32): i32 {
  return q > 0 ? (q + 7) >> 3 : (count + 7) >> 3;
}

// @ts-ignore: decorator
@inline function stepsOf(count: i32, q: i32, k: i32, m: i32, c: i32): i32 {
  if (k > 0) return (k + m - 1) / m;
  if (q === 0) return 1;
  return c < q >> 3 ? count : (count * (q & 7) + 7) >> 3;
}

/**
 * Groups of 8 codes at inp (any alignment), laid out as above. Adds, for r < ranks, the sum of
 * the rank-r values to out[r] and of their squares to out[8 + r] (f64); with out4 not 0, those of
 * the two groups of 4 inside each group of 8, for r < ranks4, to out4[r] and out4[4 + r]. Returns
 * the largest code met (above 0x7bff: Inf or NaN, the sums are not valid).
 */
export function hkeep8(inp: usize, count: i32, q: i32, k: i32, ranks: i32, ranks4: i32, out: usize, out4: usize): i32 {
  memory.fill(ACC, 0, 384);
  const r4 = out4 ? ranks4 : 0;
  const rowsLayout = k > 0;
  const contiguous = q === 0 && !rowsLayout;
  const st = <usize>q << 1;
  const rs = <usize>k << 1;
  const blocks = blocksOf(count, q);
  const full = q >> 3;
  const zero = i16x8.splat(0);
  let top = zero;
  for (let c = 0; c < blocks; c++) {
    const steps = stepsOf(count, q, k, 8, c);
    const gathered = q > 0 && c === full;
    const valid = q > 0 ? 8 : count - (c << 3);
    for (let b = 0; b < steps; b++) {
      let x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, x6: v128, x7: v128;
      if (rowsLayout) {
        const e = b << 3;
        const lanes = min(8, valid);
        const p = inp + ((<usize>(c << 3) * <usize>k + <usize>e) << 1);
        x0 = gather(p, rs, lanes, e < k); x1 = gather(p + 2, rs, lanes, e + 1 < k);
        x2 = gather(p + 4, rs, lanes, e + 2 < k); x3 = gather(p + 6, rs, lanes, e + 3 < k);
        x4 = gather(p + 8, rs, lanes, e + 4 < k); x5 = gather(p + 10, rs, lanes, e + 5 < k);
        x6 = gather(p + 12, rs, lanes, e + 6 < k); x7 = gather(p + 14, rs, lanes, e + 7 < k);
      } else if (contiguous) {
        // Vector v is group v of the block; groups past the last are zero (and never read).
        const p = inp + (<usize>c << 7);
        const v0 = ld(p), v1 = valid > 1 ? ld(p + 16) : zero, v2 = valid > 2 ? ld(p + 32) : zero, v3 = valid > 3 ? ld(p + 48) : zero;
        const v4 = valid > 4 ? ld(p + 64) : zero, v5 = valid > 5 ? ld(p + 80) : zero, v6 = valid > 6 ? ld(p + 96) : zero, v7 = valid > 7 ? ld(p + 112) : zero;
        // An 8 x 8 transpose of 16-bit lanes: pairs of groups, then fours, then all eight per element.
        const t0 = v128.shuffle<u16>(v0, v1, 0, 8, 1, 9, 2, 10, 3, 11), t1 = v128.shuffle<u16>(v0, v1, 4, 12, 5, 13, 6, 14, 7, 15);
        const t2 = v128.shuffle<u16>(v2, v3, 0, 8, 1, 9, 2, 10, 3, 11), t3 = v128.shuffle<u16>(v2, v3, 4, 12, 5, 13, 6, 14, 7, 15);
        const t4 = v128.shuffle<u16>(v4, v5, 0, 8, 1, 9, 2, 10, 3, 11), t5 = v128.shuffle<u16>(v4, v5, 4, 12, 5, 13, 6, 14, 7, 15);
        const t6 = v128.shuffle<u16>(v6, v7, 0, 8, 1, 9, 2, 10, 3, 11), t7 = v128.shuffle<u16>(v6, v7, 4, 12, 5, 13, 6, 14, 7, 15);
        const u0 = v128.shuffle<u32>(t0, t2, 0, 4, 1, 5), u1 = v128.shuffle<u32>(t0, t2, 2, 6, 3, 7);
        const u2 = v128.shuffle<u32>(t1, t3, 0, 4, 1, 5), u3 = v128.shuffle<u32>(t1, t3, 2, 6, 3, 7);
        const w0 = v128.shuffle<u32>(t4, t6, 0, 4, 1, 5), w1 = v128.shuffle<u32>(t4, t6, 2, 6, 3, 7);
        const w2 = v128.shuffle<u32>(t5, t7, 0, 4, 1, 5), w3 = v128.shuffle<u32>(t5, t7, 2, 6, 3, 7);
        x0 = v128.shuffle<u64>(u0, w0, 0, 2); x1 = v128.shuffle<u64>(u0, w0, 1, 3);
        x2 = v128.shuffle<u64>(u1, w1, 0, 2); x3 = v128.shuffle<u64>(u1, w1, 1, 3);
        x4 = v128.shuffle<u64>(u2, w2, 0, 2); x5 = v128.shuffle<u64>(u2, w2, 1, 3);
        x6 = v128.shuffle<u64>(u3, w3, 0, 2); x7 = v128.shuffle<u64>(u3, w3, 1, 3);
      } else if (gathered && (q & 7) === 1) {
        // One column left per band (3x3, 5x5, 7x7 kernels): eight bands a step, `st << 3` bytes apart.
        const lanes = min(8, count - (b << 3));
        const p = inp + <usize>(b << 3) * (st << 3) + (<usize>full << 4);
        x0 = gather(p, st << 3, lanes, true); x1 = gather(p + st, st << 3, lanes, true);
        x2 = gather(p + 2 * st, st << 3, lanes, true); x3 = gather(p + 3 * st, st << 3, lanes, true);
        x4 = gather(p + 4 * st, st << 3, lanes, true); x5 = gather(p + 5 * st, st << 3, lanes, true);
        x6 = gather(p + 6 * st, st << 3, lanes, true); x7 = gather(p + 7 * st, st << 3, lanes, true);
      } else if (gathered) {
        const n = min(8, count * (q & 7) - (b << 3));
        leftoverAddresses(inp, b << 3, n, q & 7, full << 3, st << 3);
        const g = laneMask(n);
        x0 = gatherAt(0, g); x1 = gatherAt(st, g); x2 = gatherAt(2 * st, g); x3 = gatherAt(3 * st, g);
        x4 = gatherAt(4 * st, g); x5 = gatherAt(5 * st, g); x6 = gatherAt(6 * st, g); x7 = gatherAt(7 * st, g);
      } else {
        // Lanes are eight columns of the band.
        const p = inp + <usize>b * (st << 3) + (<usize>c << 4);
        x0 = ld(p); x1 = ld(p + st); x2 = ld(p + 2 * st); x3 = ld(p + 3 * st);
        x4 = ld(p + 4 * st); x5 = ld(p + 5 * st); x6 = ld(p + 6 * st); x7 = ld(p + 7 * st);
      }
      // Batcher's odd-even merge sort network for 8, lane-wise, ascending.
      let t: v128;
      t = i16x8.min_u(x0, x1); x1 = i16x8.max_u(x0, x1); x0 = t;
      t = i16x8.min_u(x2, x3); x3 = i16x8.max_u(x2, x3); x2 = t;
      t = i16x8.min_u(x4, x5); x5 = i16x8.max_u(x4, x5); x4 = t;
      t = i16x8.min_u(x6, x7); x7 = i16x8.max_u(x6, x7); x6 = t;
      t = i16x8.min_u(x0, x2); x2 = i16x8.max_u(x0, x2); x0 = t;
      t = i16x8.min_u(x1, x3); x3 = i16x8.max_u(x1, x3); x1 = t;
      t = i16x8.min_u(x4, x6); x6 = i16x8.max_u(x4, x6); x4 = t;
      t = i16x8.min_u(x5, x7); x7 = i16x8.max_u(x5, x7); x5 = t;
      t = i16x8.min_u(x1, x2); x2 = i16x8.max_u(x1, x2); x1 = t;
      t = i16x8.min_u(x5, x6); x6 = i16x8.max_u(x5, x6); x5 = t;
      // Both halves are sorted: the two groups of 4 inside this group of 8 (slots 8-11), summed
      // after the merge (fewer vectors live at once).
      if (r4) {
        v128.store(HALVES, x3); v128.store(HALVES, x7, 16);
        v128.store(HALVES, x2, 32); v128.store(HALVES, x6, 48);
        v128.store(HALVES, x1, 64); v128.store(HALVES, x5, 80);
        v128.store(HALVES, x0, 96); v128.store(HALVES, x4, 112);
      }
      t = i16x8.min_u(x0, x4); x4 = i16x8.max_u(x0, x4); x0 = t;
      t = i16x8.min_u(x1, x5); x5 = i16x8.max_u(x1, x5); x1 = t;
      t = i16x8.min_u(x2, x6); x6 = i16x8.max_u(x2, x6); x2 = t;
      t = i16x8.min_u(x3, x7); x7 = i16x8.max_u(x3, x7); x3 = t;
      t = i16x8.min_u(x2, x4); x4 = i16x8.max_u(x2, x4); x2 = t;
      t = i16x8.min_u(x3, x5); x5 = i16x8.max_u(x3, x5); x3 = t;
      t = i16x8.min_u(x1, x2); x2 = i16x8.max_u(x1, x2); x1 = t;
      t = i16x8.min_u(x3, x4); x4 = i16x8.max_u(x3, x4); x3 = t;
      t = i16x8.min_u(x5, x6); x6 = i16x8.max_u(x5, x6); x5 = t;
      top = i16x8.max_u(top, x7);
      acc(0, x7);
      if (ranks > 1) acc(1, x6);
      if (ranks > 2) acc(2, x5);
      if (ranks > 3) acc(3, x4);
      if (ranks > 4) acc(4, x3);
      if (ranks > 5) acc(5, x2);
      if (ranks > 6) acc(6, x1);
      if (ranks > 7) acc(7, x0);
      if (r4) {
        acc(8, v128.load(HALVES)); acc(8, v128.load(HALVES, 16));
        if (r4 > 1) { acc(9, v128.load(HALVES, 32)); acc(9, v128.load(HALVES, 48)); }
        if (r4 > 2) { acc(10, v128.load(HALVES, 64)); acc(10, v128.load(HALVES, 80)); }
        if (r4 > 3) { acc(11, v128.load(HALVES, 96)); acc(11, v128.load(HALVES, 112)); }
      }
    }
  }
  drain(0, ranks, 8, out);
  if (r4) drain(8, r4, 4, out4);
  return maxAll(top);
}

/** Groups of 4, laid out as hkeep8's. Adds rank sums for r < ranks to out[r] and out[4 + r]; returns the largest code met. */
export function hkeep4(inp: usize, count: i32, q: i32, k: i32, ranks: i32, out: usize): i32 {
  memory.fill(ACC, 0, 384);
  const rowsLayout = k > 0;
  const contiguous = q === 0 && !rowsLayout;
  const st = <usize>q << 1;
  const rs = <usize>k << 1;
  const blocks = blocksOf(count, q);
  const full = q >> 3;
  const zero = i16x8.splat(0);
  const low4 = v128.load(LOW4);
  let top = zero;
  for (let c = 0; c < blocks; c++) {
    const steps = stepsOf(count, q, k, 4, c);
    const gathered = q > 0 && c === full;
    const valid = q > 0 ? 8 : count - (c << 3);
    for (let b = 0; b < steps; b++) {
      let x0: v128, x1: v128, x2: v128, x3: v128;
      if (rowsLayout) {
        const e = b << 2;
        const lanes = min(8, valid);
        const p = inp + ((<usize>(c << 3) * <usize>k + <usize>e) << 1);
        x0 = gather(p, rs, lanes, e < k); x1 = gather(p + 2, rs, lanes, e + 1 < k);
        x2 = gather(p + 4, rs, lanes, e + 2 < k); x3 = gather(p + 6, rs, lanes, e + 3 < k);
      } else if (contiguous) {
        // Vector v holds groups 2v and 2v + 1; a group past the last is zero (and never read).
        const p = inp + (<usize>c << 6);
        const v0 = valid > 1 ? ld(p) : v128.and(ld(p), low4);
        const v1 = valid > 3 ? ld(p + 16) : valid > 2 ? v128.and(ld(p + 16), low4) : zero;
        const v2 = valid > 5 ? ld(p + 32) : valid > 4 ? v128.and(ld(p + 32), low4) : zero;
        const v3 = valid > 7 ? ld(p + 48) : valid > 6 ? v128.and(ld(p + 48), low4) : zero;
        // Lanes end up as groups 0, 2, 1, 3, 4, 6, 5, 7: any order serves, the same for every element.
        const t0 = v128.shuffle<u16>(v0, v1, 0, 8, 1, 9, 2, 10, 3, 11), t1 = v128.shuffle<u16>(v0, v1, 4, 12, 5, 13, 6, 14, 7, 15);
        const t2 = v128.shuffle<u16>(v2, v3, 0, 8, 1, 9, 2, 10, 3, 11), t3 = v128.shuffle<u16>(v2, v3, 4, 12, 5, 13, 6, 14, 7, 15);
        const u0 = v128.shuffle<u32>(t0, t1, 0, 4, 1, 5), u1 = v128.shuffle<u32>(t0, t1, 2, 6, 3, 7);
        const u2 = v128.shuffle<u32>(t2, t3, 0, 4, 1, 5), u3 = v128.shuffle<u32>(t2, t3, 2, 6, 3, 7);
        x0 = v128.shuffle<u64>(u0, u2, 0, 2); x1 = v128.shuffle<u64>(u0, u2, 1, 3);
        x2 = v128.shuffle<u64>(u1, u3, 0, 2); x3 = v128.shuffle<u64>(u1, u3, 1, 3);
      } else if (gathered && (q & 7) === 1) {
        const lanes = min(8, count - (b << 3));
        const p = inp + <usize>(b << 3) * (st << 2) + (<usize>full << 4);
        x0 = gather(p, st << 2, lanes, true); x1 = gather(p + st, st << 2, lanes, true);
        x2 = gather(p + 2 * st, st << 2, lanes, true); x3 = gather(p + 3 * st, st << 2, lanes, true);
      } else if (gathered) {
        const n = min(8, count * (q & 7) - (b << 3));
        leftoverAddresses(inp, b << 3, n, q & 7, full << 3, st << 2);
        const g = laneMask(n);
        x0 = gatherAt(0, g); x1 = gatherAt(st, g); x2 = gatherAt(2 * st, g); x3 = gatherAt(3 * st, g);
      } else {
        const p = inp + <usize>b * (st << 2) + (<usize>c << 4);
        x0 = ld(p); x1 = ld(p + st); x2 = ld(p + 2 * st); x3 = ld(p + 3 * st);
      }
      const lo1 = i16x8.min_u(x0, x1), hi1 = i16x8.max_u(x0, x1);
      const lo2 = i16x8.min_u(x2, x3), hi2 = i16x8.max_u(x2, x3);
      const r0 = i16x8.max_u(hi1, hi2);
      top = i16x8.max_u(top, r0);
      acc(0, r0);
      if (ranks > 1) {
        const m1 = i16x8.max_u(lo1, lo2), m2 = i16x8.min_u(hi1, hi2);
        acc(1, i16x8.max_u(m1, m2));
        if (ranks > 2) acc(2, i16x8.min_u(m1, m2));
      }
      if (ranks > 3) acc(3, i16x8.min_u(lo1, lo2));
    }
  }
  drain(0, ranks, 4, out);
  return maxAll(top);
}
