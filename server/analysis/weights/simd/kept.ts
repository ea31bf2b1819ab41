// Kept magnitude under N:M. Four groups are sorted at once, one per lane, by a sorting network;
// for each rank r below `ranks` (0 = largest) the rank-r values are summed, and their squares, in
// f64. Results are added to `out` as out[r] and out[M + r]. The ranks the usual patterns need
// (2:4, 1:4, 4:8) are summed in locals, which stay in registers; rarer ranks go through a
// scratch block at `acc` (32 bytes per rank: sum f64x2, squares f64x2).
//
// Magnitudes are non-negative (sign cleared), so pmin/pmax (one instruction each) order them as
// min/max would; NaN only arises where the caller discards kept sums anyway.

/** Sums of x's lanes in f64 (two lanes each) and of their squares. */
// @ts-ignore: decorator
@inline function lo(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

// @ts-ignore: decorator
@inline function hi(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
}

// @ts-ignore: decorator
@inline function sum2(x: v128): v128 {
  return f64x2.add(lo(x), hi(x));
}

// @ts-ignore: decorator
@inline function sq2(x: v128): v128 {
  const l = lo(x);
  const h = hi(x);
  return f64x2.add(f64x2.mul(l, l), f64x2.mul(h, h));
}

// @ts-ignore: decorator
@inline function accumulate(at: usize, x: v128): void {
  v128.store(at, f64x2.add(v128.load(at), sum2(x)));
  v128.store(at, f64x2.add(v128.load(at, 16), sq2(x)), 16);
}

// @ts-ignore: decorator
@inline function lanes(x: v128): f64 {
  return f64x2.extract_lane(x, 0) + f64x2.extract_lane(x, 1);
}

/** Adds the running sums at `acc` for ranks [from, to) into out[r] and out[m + r]. */
function flush(acc: usize, from: i32, to: i32, m: i32, out: usize): void {
  for (let r = from; r < to; r++) {
    const at = acc + (<usize>r << 5);
    const a = out + (<usize>r << 3);
    const b = out + (<usize>(m + r) << 3);
    store<f64>(a, load<f64>(a) + lanes(v128.load(at)));
    store<f64>(b, load<f64>(b) + lanes(v128.load(at, 16)));
  }
}

// @ts-ignore: decorator
@inline function addOut(out: usize, m: i32, r: i32, s: v128, q: v128): void {
  const a = out + (<usize>r << 3);
  const b = out + (<usize>(m + r) << 3);
  store<f64>(a, load<f64>(a) + lanes(s));
  store<f64>(b, load<f64>(b) + lanes(q));
}

/** |x| of the i-th vector of a column run, `st` bytes apart. */
// @ts-ignore: decorator
@inline function at(p: usize, st: usize, i: usize): v128 {
  return f32x4.abs(v128.load(p + i * st));
}

/**
 * |x| of one element in each of `lanes` rows `rs` bytes apart; zero for absent rows, and for all
 * when the element is past the row's end (zero adds nothing to any rank sum, and a short group's
 * missing ranks are zero).
 */
function gather(p: usize, rs: usize, lanes: i32, valid: bool): v128 {
  let x = f32x4.splat(0);
  if (!valid) return x;
  x = f32x4.replace_lane(x, 0, Mathf.abs(load<f32>(p)));
  if (lanes > 1) x = f32x4.replace_lane(x, 1, Mathf.abs(load<f32>(p + rs)));
  if (lanes > 2) x = f32x4.replace_lane(x, 2, Mathf.abs(load<f32>(p + 2 * rs)));
  if (lanes > 3) x = f32x4.replace_lane(x, 3, Mathf.abs(load<f32>(p + 3 * rs)));
  return x;
}

/**
 * Steps of four lanes over `units` groups (or columns): the whole steps, then, when some are left
 * and there are four at least, one more over the last four with the lanes already done zeroed
 * (an all-zero group adds nothing to any rank sum). Fewer than four take the scalar tail.
 */
// @ts-ignore: decorator
@inline function lastStep(units: i32): i32 {
  return (units & 3) && units >= 4 ? (units >> 2) + 1 : units >> 2;
}

/** The lane mask of that last step: the lanes of the (units & 3) groups not yet done. */
// @ts-ignore: decorator
@inline function keepLanes(units: i32): v128 {
  const r = units & 3;
  return r === 1 ? i32x4(0, 0, 0, -1) : r === 2 ? i32x4(0, 0, -1, -1) : i32x4(0, -1, -1, -1);
}

/**
 * Groups of 4: with q = 0, `count` groups back to back (four groups are 16 consecutive floats,
 * transposed into lanes); otherwise `count` bands of 4 x q floats whose group j takes floats j,
 * j + q, j + 2q, j + 3q (M consecutive K of a [K, N] operand, column j). With k > 0, `count`
 * rows of k floats whose groups run along the row, the last one short when 4 does not divide k
 * (a depthwise convolution's K of 9): four rows per step, one lane each.
 */
export function keep4(inp: usize, count: i32, q: i32, k: i32, ranks: i32, acc: usize, out: usize): void {
  memory.fill(acc, 0, 128);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), q0 = f64x2.splat(0), q1 = f64x2.splat(0);
  const rowsLayout = k > 0;
  const contiguous = q === 0;
  const st: usize = contiguous ? 0 : <usize>q << 2;
  const bands = rowsLayout ? (count + 3) >> 2 : contiguous ? 1 : count;
  const units = contiguous ? count : q;
  const steps = rowsLayout ? (k + 3) >> 2 : units >> 2;
  const last = rowsLayout ? steps : lastStep(units);
  const rs: usize = <usize>k << 2;
  let band = inp;
  for (let b = 0; b < bands; b++, band += st << 2) {
    for (let i = 0; i < last; i++) {
      const u = i < steps ? i << 2 : units - 4;
      let x0: v128, x1: v128, x2: v128, x3: v128;
      if (rowsLayout) {
        const lanes = min(4, count - (b << 2));
        const e = i << 2;
        const p = inp + ((<usize>(b << 2) * <usize>k + <usize>e) << 2);
        x0 = gather(p, rs, lanes, e < k); x1 = gather(p + 4, rs, lanes, e + 1 < k);
        x2 = gather(p + 8, rs, lanes, e + 2 < k); x3 = gather(p + 12, rs, lanes, e + 3 < k);
      } else if (contiguous) {
        const p = inp + (<usize>u << 4);
        const a = f32x4.abs(v128.load(p)), bb = f32x4.abs(v128.load(p, 16)), c = f32x4.abs(v128.load(p, 32)), d = f32x4.abs(v128.load(p, 48));
        const t0 = v128.shuffle<f32>(a, bb, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a, bb, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(c, d, 0, 4, 1, 5), t3 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
        x0 = v128.shuffle<f32>(t0, t2, 0, 1, 4, 5);
        x1 = v128.shuffle<f32>(t0, t2, 2, 3, 6, 7);
        x2 = v128.shuffle<f32>(t1, t3, 0, 1, 4, 5);
        x3 = v128.shuffle<f32>(t1, t3, 2, 3, 6, 7);
      } else {
        const p = band + (<usize>u << 2);
        x0 = at(p, st, 0); x1 = at(p, st, 1); x2 = at(p, st, 2); x3 = at(p, st, 3);
      }
      if (i === steps && !rowsLayout) {
        const k = keepLanes(units);
        x0 = v128.and(x0, k); x1 = v128.and(x1, k); x2 = v128.and(x2, k); x3 = v128.and(x3, k);
      }
      const lo1 = f32x4.pmin(x0, x1), hi1 = f32x4.pmax(x0, x1);
      const lo2 = f32x4.pmin(x2, x3), hi2 = f32x4.pmax(x2, x3);
      const r0 = f32x4.pmax(hi1, hi2);
      s0 = f64x2.add(s0, sum2(r0));
      q0 = f64x2.add(q0, sq2(r0));
      if (ranks > 1) {
        const m1 = f32x4.pmax(lo1, lo2), m2 = f32x4.pmin(hi1, hi2);
        const r1 = f32x4.pmax(m1, m2);
        s1 = f64x2.add(s1, sum2(r1));
        q1 = f64x2.add(q1, sq2(r1));
        if (ranks > 2) {
          accumulate(acc + 64, f32x4.pmin(m1, m2));
          if (ranks > 3) accumulate(acc + 96, f32x4.pmin(lo1, lo2));
        }
      }
    }
    if (rowsLayout || last > steps) continue;
    if (contiguous) for (let g = count & ~3; g < count; g++) tail(inp + (<usize>g << 4), 4, 4, out);
    else for (let j = q & ~3; j < q; j++) tail(band + (<usize>j << 2), 4, st, out);
  }
  addOut(out, 4, 0, s0, q0);
  addOut(out, 4, 1, s1, q1);
  flush(acc, 2, ranks, 4, out);
}

/** One group of m (4 or 8) whose elements lie `st` bytes apart, sorted by insertion: the odd ones out. */
function tail(p: usize, m: i32, st: usize, out: usize): void {
  const x = TAIL;
  for (let i = 0; i < m; i++) {
    const v = Mathf.abs(load<f32>(p + <usize>i * st));
    let j = i - 1;
    while (j >= 0 && load<f32>(x + (<usize>j << 2)) < v) {
      store<f32>(x + (<usize>(j + 1) << 2), load<f32>(x + (<usize>j << 2)));
      j--;
    }
    store<f32>(x + (<usize>(j + 1) << 2), v);
  }
  for (let r = 0; r < m; r++) {
    const v = <f64>load<f32>(x + (<usize>r << 2));
    const a = out + (<usize>r << 3);
    const b = out + (<usize>(m + r) << 3);
    store<f64>(a, load<f64>(a) + v);
    store<f64>(b, load<f64>(b) + v * v);
  }
}

const TAIL = memory.data(32, 16);

function tail8(p: usize, st: usize, out: usize, out4: usize): void {
  tail(p, 8, st, out);
  if (out4) {
    tail(p, 4, st, out4);
    tail(p + 4 * st, 4, st, out4);
  }
}

/**
 * Groups of 8, laid out as keep4's. When out4 is not 0 it also receives the rank sums of the two
 * groups of 4 in each group of 8 (2:4 and 4:8 in one pass), for ranks below `ranks4`; the
 * running sums of its rarer ranks sit at acc + 256.
 */
export function keep8(inp: usize, count: i32, q: i32, k: i32, ranks: i32, ranks4: i32, acc: usize, out: usize, out4: usize): void {
  memory.fill(acc, 0, 384);
  const h = acc + 256;
  const r4 = out4 ? ranks4 : 0;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let q0 = f64x2.splat(0), q1 = f64x2.splat(0), q2 = f64x2.splat(0), q3 = f64x2.splat(0);
  let hs0 = f64x2.splat(0), hs1 = f64x2.splat(0), hq0 = f64x2.splat(0), hq1 = f64x2.splat(0);
  const rowsLayout = k > 0;
  const contiguous = q === 0;
  const st: usize = contiguous ? 0 : <usize>q << 2;
  const bands = rowsLayout ? (count + 3) >> 2 : contiguous ? 1 : count;
  const units = contiguous ? count : q;
  const steps = rowsLayout ? (k + 7) >> 3 : units >> 2;
  const last = rowsLayout ? steps : lastStep(units);
  const rs: usize = <usize>k << 2;
  let band = inp;
  for (let b = 0; b < bands; b++, band += st << 3) {
    for (let i = 0; i < last; i++) {
      const u = i < steps ? i << 2 : units - 4;
      let x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, x6: v128, x7: v128;
      if (rowsLayout) {
        const lanes = min(4, count - (b << 2));
        const e = i << 3;
        const p = inp + ((<usize>(b << 2) * <usize>k + <usize>e) << 2);
        x0 = gather(p, rs, lanes, e < k); x1 = gather(p + 4, rs, lanes, e + 1 < k);
        x2 = gather(p + 8, rs, lanes, e + 2 < k); x3 = gather(p + 12, rs, lanes, e + 3 < k);
        x4 = gather(p + 16, rs, lanes, e + 4 < k); x5 = gather(p + 20, rs, lanes, e + 5 < k);
        x6 = gather(p + 24, rs, lanes, e + 6 < k); x7 = gather(p + 28, rs, lanes, e + 7 < k);
      } else if (contiguous) {
        const p = inp + (<usize>u << 5);
        // Group k occupies floats 8k..8k+7: its halves are vectors 2k and 2k+1.
        const a0 = f32x4.abs(v128.load(p)), a1 = f32x4.abs(v128.load(p, 16));
        const b0 = f32x4.abs(v128.load(p, 32)), b1 = f32x4.abs(v128.load(p, 48));
        const c0 = f32x4.abs(v128.load(p, 64)), c1 = f32x4.abs(v128.load(p, 80));
        const d0 = f32x4.abs(v128.load(p, 96)), d1 = f32x4.abs(v128.load(p, 112));
        const t0 = v128.shuffle<f32>(a0, b0, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a0, b0, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(c0, d0, 0, 4, 1, 5), t3 = v128.shuffle<f32>(c0, d0, 2, 6, 3, 7);
        const u0 = v128.shuffle<f32>(a1, b1, 0, 4, 1, 5), u1 = v128.shuffle<f32>(a1, b1, 2, 6, 3, 7);
        const u2 = v128.shuffle<f32>(c1, d1, 0, 4, 1, 5), u3 = v128.shuffle<f32>(c1, d1, 2, 6, 3, 7);
        x0 = v128.shuffle<f32>(t0, t2, 0, 1, 4, 5);
        x1 = v128.shuffle<f32>(t0, t2, 2, 3, 6, 7);
        x2 = v128.shuffle<f32>(t1, t3, 0, 1, 4, 5);
        x3 = v128.shuffle<f32>(t1, t3, 2, 3, 6, 7);
        x4 = v128.shuffle<f32>(u0, u2, 0, 1, 4, 5);
        x5 = v128.shuffle<f32>(u0, u2, 2, 3, 6, 7);
        x6 = v128.shuffle<f32>(u1, u3, 0, 1, 4, 5);
        x7 = v128.shuffle<f32>(u1, u3, 2, 3, 6, 7);
      } else {
        const p = band + (<usize>u << 2);
        x0 = at(p, st, 0); x1 = at(p, st, 1); x2 = at(p, st, 2); x3 = at(p, st, 3);
        x4 = at(p, st, 4); x5 = at(p, st, 5); x6 = at(p, st, 6); x7 = at(p, st, 7);
      }
      if (i === steps && !rowsLayout) {
        const k = keepLanes(units);
        x0 = v128.and(x0, k); x1 = v128.and(x1, k); x2 = v128.and(x2, k); x3 = v128.and(x3, k);
        x4 = v128.and(x4, k); x5 = v128.and(x5, k); x6 = v128.and(x6, k); x7 = v128.and(x7, k);
      }
      // Batcher's odd-even merge sort network for 8 (19 comparators), lane-wise, ascending.
      let t: v128;
      t = f32x4.pmin(x0, x1); x1 = f32x4.pmax(x0, x1); x0 = t;
      t = f32x4.pmin(x2, x3); x3 = f32x4.pmax(x2, x3); x2 = t;
      t = f32x4.pmin(x4, x5); x5 = f32x4.pmax(x4, x5); x4 = t;
      t = f32x4.pmin(x6, x7); x7 = f32x4.pmax(x6, x7); x6 = t;
      t = f32x4.pmin(x0, x2); x2 = f32x4.pmax(x0, x2); x0 = t;
      t = f32x4.pmin(x1, x3); x3 = f32x4.pmax(x1, x3); x1 = t;
      t = f32x4.pmin(x4, x6); x6 = f32x4.pmax(x4, x6); x4 = t;
      t = f32x4.pmin(x5, x7); x7 = f32x4.pmax(x5, x7); x5 = t;
      t = f32x4.pmin(x1, x2); x2 = f32x4.pmax(x1, x2); x1 = t;
      t = f32x4.pmin(x5, x6); x6 = f32x4.pmax(x5, x6); x5 = t;
      if (r4) {
        // Both halves are sorted now: they are the two groups of 4 inside this group of 8.
        hs0 = f64x2.add(hs0, f64x2.add(sum2(x3), sum2(x7)));
        hq0 = f64x2.add(hq0, f64x2.add(sq2(x3), sq2(x7)));
        if (r4 > 1) {
          hs1 = f64x2.add(hs1, f64x2.add(sum2(x2), sum2(x6)));
          hq1 = f64x2.add(hq1, f64x2.add(sq2(x2), sq2(x6)));
          if (r4 > 2) {
            accumulate(h + 64, x1);
            accumulate(h + 64, x5);
            if (r4 > 3) {
              accumulate(h + 96, x0);
              accumulate(h + 96, x4);
            }
          }
        }
      }
      t = f32x4.pmin(x0, x4); x4 = f32x4.pmax(x0, x4); x0 = t;
      t = f32x4.pmin(x1, x5); x5 = f32x4.pmax(x1, x5); x1 = t;
      t = f32x4.pmin(x2, x6); x6 = f32x4.pmax(x2, x6); x2 = t;
      t = f32x4.pmin(x3, x7); x7 = f32x4.pmax(x3, x7); x3 = t;
      t = f32x4.pmin(x2, x4); x4 = f32x4.pmax(x2, x4); x2 = t;
      t = f32x4.pmin(x3, x5); x5 = f32x4.pmax(x3, x5); x3 = t;
      t = f32x4.pmin(x1, x2); x2 = f32x4.pmax(x1, x2); x1 = t;
      t = f32x4.pmin(x3, x4); x4 = f32x4.pmax(x3, x4); x3 = t;
      t = f32x4.pmin(x5, x6); x6 = f32x4.pmax(x5, x6); x5 = t;
      s0 = f64x2.add(s0, sum2(x7));
      q0 = f64x2.add(q0, sq2(x7));
      if (ranks > 1) {
        s1 = f64x2.add(s1, sum2(x6));
        q1 = f64x2.add(q1, sq2(x6));
        if (ranks > 2) {
          s2 = f64x2.add(s2, sum2(x5));
          q2 = f64x2.add(q2, sq2(x5));
          if (ranks > 3) {
            s3 = f64x2.add(s3, sum2(x4));
            q3 = f64x2.add(q3, sq2(x4));
            if (ranks > 4) {
              accumulate(acc + 128, x3);
              if (ranks > 5) accumulate(acc + 160, x2);
              if (ranks > 6) accumulate(acc + 192, x1);
              if (ranks > 7) accumulate(acc + 224, x0);
            }
          }
        }
      }
    }
    if (rowsLayout || last > steps) continue;
    if (contiguous) for (let g = count & ~3; g < count; g++) tail8(inp + (<usize>g << 5), 4, out, out4);
    else for (let j = q & ~3; j < q; j++) tail8(band + (<usize>j << 2), st, out, out4);
  }
  addOut(out, 8, 0, s0, q0);
  addOut(out, 8, 1, s1, q1);
  addOut(out, 8, 2, s2, q2);
  addOut(out, 8, 3, s3, q3);
  flush(acc, 4, ranks, 8, out);
  if (out4) {
    addOut(out4, 4, 0, hs0, hq0);
    addOut(out4, 4, 1, hs1, hq1);
    flush(h, 2, r4, 4, out4);
  }
}
