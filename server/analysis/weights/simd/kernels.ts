// AssemblyScript: the hot loops of the weight pass as WebAssembly SIMD, built by
// scripts/build-wasm.mjs into server/analysis/weights/simd-module.generated.ts. JS decides what to run
// (server/analysis/weights/simd-kernels.ts); these functions only loop. Pointers are byte offsets into
// the module's memory, laid out by the JS side.

const SIGN_OFF = i32x4.splat(0x7fffffff);
const ONE = i32x4.splat(1);
const LANE_BASE = i32x4(0, 1024, 2048, 3072);

/**
 * The magnitude pass over n float32 values (n a multiple of 32) at `inp`, sign bits ignored:
 * one bitmap word per 32 values at `bm` (bit set = nonzero), an exponent histogram in four
 * interleaved lanes of 256 i32 at `hist` (cleared here, summed into the first lane at the end), and
 * at `res`: per-lane counts of |x| <= near (i32x4), max |x| bits (i32x4), min of (|x| bits - 1)
 * (i32x4, unsigned), sum of |x| and of x^2 (f64x2 each), the nonzero count (i32 at +80).
 * Non-finite values land in bin 255; the caller redoes such chunks.
 */
export function stats(inp: usize, n: i32, bm: usize, near: i32, hist: usize, res: usize): void {
  memory.fill(hist, 0, 4096);
  const nearV = i32x4.splat(near);
  let cnt = i32x4.splat(0);
  let mx = i32x4.splat(0);
  let mn = i32x4.splat(-1);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), q0 = f64x2.splat(0), q1 = f64x2.splat(0);
  let nonzero: i32 = 0;
  const end = inp + (<usize>n << 2);
  let p = inp;
  while (p < end) {
    let w: i32 = 0;
    for (let j = 0; j < 32; j += 4, p += 16) {
      const x = v128.and(v128.load(p), SIGN_OFF);
      w |= (i32x4.bitmask(i32x4.eq(x, i32x4.splat(0))) ^ 15) << j;
      cnt = i32x4.sub(cnt, i32x4.le_u(x, nearV));
      mx = i32x4.max_u(mx, x);
      mn = i32x4.min_u(mn, i32x4.sub(x, ONE));
      const lo = f64x2.promote_low_f32x4(x);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
      s0 = f64x2.add(s0, lo);
      s1 = f64x2.add(s1, hi);
      q0 = f64x2.add(q0, f64x2.mul(lo, lo));
      q1 = f64x2.add(q1, f64x2.mul(hi, hi));
      const e = i32x4.add(i32x4.shl(i32x4.shr_u(x, 23), 2), LANE_BASE);
      bump(hist + <usize>i32x4.extract_lane(e, 0));
      bump(hist + <usize>i32x4.extract_lane(e, 1));
      bump(hist + <usize>i32x4.extract_lane(e, 2));
      bump(hist + <usize>i32x4.extract_lane(e, 3));
    }
    store<i32>(bm, w);
    bm += 4;
    nonzero += popcnt(w);
  }
  // Fold the four lanes into lane 0: hist[e] is then the count for exponent e.
  for (let e: usize = 0; e < 1024; e += 16) {
    const at = hist + e;
    v128.store(at, i32x4.add(i32x4.add(v128.load(at), v128.load(at, 1024)), i32x4.add(v128.load(at, 2048), v128.load(at, 3072))));
  }
  store<i32>(res, nonzero, 80);
  v128.store(res, cnt);
  v128.store(res, mx, 16);
  v128.store(res, mn, 32);
  v128.store(res, f64x2.add(s0, s1), 48);
  v128.store(res, f64x2.add(q0, q1), 64);
}

// @ts-ignore: decorator
@inline function bump(at: usize): void {
  store<i32>(at, load<i32>(at) + 1);
}

// Kept magnitude under N:M. Four groups are sorted at once, one per lane; `out` receives, for
// rank r = 0 (largest) .. M-1, the sum of the rank-r values and of their squares (f64):
// out[r] and out[M + r]. `groups` is a multiple of 4.

/** Adds the rank-r lane values of four groups (promoted to f64) to out[r] and their squares to out[m + r]. */
// @ts-ignore: decorator
@inline function accumulate(out: usize, m: i32, r: i32, x: v128): void {
  const lo = f64x2.promote_low_f32x4(x);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
  add(out, m, r, f64x2.add(lo, hi), f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
}

/** As accumulate, for rank r of two sets of four groups (x and y), summed in f64. */
// @ts-ignore: decorator
@inline function accumulate2(out: usize, m: i32, r: i32, x: v128, y: v128): void {
  const xl = f64x2.promote_low_f32x4(x);
  const xh = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
  const yl = f64x2.promote_low_f32x4(y);
  const yh = f64x2.promote_low_f32x4(v128.shuffle<f32>(y, y, 2, 3, 0, 1));
  const s = f64x2.add(f64x2.add(xl, xh), f64x2.add(yl, yh));
  const q = f64x2.add(f64x2.add(f64x2.mul(xl, xl), f64x2.mul(xh, xh)), f64x2.add(f64x2.mul(yl, yl), f64x2.mul(yh, yh)));
  add(out, m, r, s, q);
}

// @ts-ignore: decorator
@inline function add(out: usize, m: i32, r: i32, s: v128, q: v128): void {
  const a = out + (<usize>r << 3);
  const b = out + (<usize>(m + r) << 3);
  store<f64>(a, load<f64>(a) + f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1));
  store<f64>(b, load<f64>(b) + f64x2.extract_lane(q, 0) + f64x2.extract_lane(q, 1));
}

/**
 * Groups of 4 in `bands` bands of 4 x q floats: band b's group j (j < q) has its elements at
 * floats j, j + q, j + 2q, j + 3q of the band (M consecutive K of a [K, N] operand, column j).
 */
export function keep4Bands(inp: usize, bands: i32, q: i32, out: usize): void {
  const st = <usize>q << 2;
  const wide = q & ~3;
  for (let b = 0; b < bands; b++, inp += st << 2) {
    for (let j = 0; j < wide; j += 4) {
      const p = inp + (<usize>j << 2);
      sort4(out, f32x4.abs(v128.load(p)), f32x4.abs(v128.load(p + st)), f32x4.abs(v128.load(p + 2 * st)), f32x4.abs(v128.load(p + 3 * st)));
    }
    for (let j = wide; j < q; j++) tail(inp + (<usize>j << 2), 4, st, out);
  }
}

/** `groups` groups of 4 back to back: four groups are 16 consecutive floats, transposed into lanes. */
export function keep4Contiguous(inp: usize, groups: i32, out: usize): void {
  const wide = groups & ~3;
  for (let g = 0; g < wide; g += 4) {
    const p = inp + (<usize>g << 4);
    const a = f32x4.abs(v128.load(p)), b = f32x4.abs(v128.load(p, 16)), c = f32x4.abs(v128.load(p, 32)), d = f32x4.abs(v128.load(p, 48));
    const t0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
    const t2 = v128.shuffle<f32>(c, d, 0, 4, 1, 5), t3 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
    sort4(out, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7),
      v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
  }
  for (let g = wide; g < groups; g++) tail(inp + (<usize>g << 4), 4, 4, out);
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

// @ts-ignore: decorator
@inline function sort4(out: usize, a: v128, b: v128, c: v128, d: v128): void {
  const lo1 = f32x4.min(a, b), hi1 = f32x4.max(a, b);
  const lo2 = f32x4.min(c, d), hi2 = f32x4.max(c, d);
  const m1 = f32x4.max(lo1, lo2), m2 = f32x4.min(hi1, hi2);
  accumulate(out, 4, 0, f32x4.max(hi1, hi2));
  accumulate(out, 4, 1, f32x4.max(m1, m2));
  accumulate(out, 4, 2, f32x4.min(m1, m2));
  accumulate(out, 4, 3, f32x4.min(lo1, lo2));
}

/**
 * Groups of 8 in `bands` bands of 8 x q floats, as keep4Bands. When out4 is not 0 it also receives
 * the rank sums of the two groups of 4 in each group of 8 (2:4 and 4:8 in one pass).
 */
export function keep8Bands(inp: usize, bands: i32, q: i32, out: usize, out4: usize): void {
  const st = <usize>q << 2;
  const wide = q & ~3;
  for (let b = 0; b < bands; b++, inp += st << 3) {
    for (let j = 0; j < wide; j += 4) {
      const p = inp + (<usize>j << 2);
      sort8(out, out4,
        f32x4.abs(v128.load(p)), f32x4.abs(v128.load(p + st)), f32x4.abs(v128.load(p + 2 * st)), f32x4.abs(v128.load(p + 3 * st)),
        f32x4.abs(v128.load(p + 4 * st)), f32x4.abs(v128.load(p + 5 * st)), f32x4.abs(v128.load(p + 6 * st)), f32x4.abs(v128.load(p + 7 * st)));
    }
    for (let j = wide; j < q; j++) tail8(inp + (<usize>j << 2), st, out, out4);
  }
}

/** `groups` groups of 8 back to back: four groups are 32 consecutive floats, transposed into lanes; out4 as keep8Bands. */
export function keep8Contiguous(inp: usize, groups: i32, out: usize, out4: usize): void {
  const wide = groups & ~3;
  for (let g = 0; g < wide; g += 4) {
    const p = inp + (<usize>g << 5);
    // Group k occupies floats 8k..8k+7: its halves are vectors 2k and 2k+1.
    const a0 = f32x4.abs(v128.load(p)), a1 = f32x4.abs(v128.load(p, 16));
    const b0 = f32x4.abs(v128.load(p, 32)), b1 = f32x4.abs(v128.load(p, 48));
    const c0 = f32x4.abs(v128.load(p, 64)), c1 = f32x4.abs(v128.load(p, 80));
    const d0 = f32x4.abs(v128.load(p, 96)), d1 = f32x4.abs(v128.load(p, 112));
    const t0 = v128.shuffle<f32>(a0, b0, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a0, b0, 2, 6, 3, 7);
    const t2 = v128.shuffle<f32>(c0, d0, 0, 4, 1, 5), t3 = v128.shuffle<f32>(c0, d0, 2, 6, 3, 7);
    const u0 = v128.shuffle<f32>(a1, b1, 0, 4, 1, 5), u1 = v128.shuffle<f32>(a1, b1, 2, 6, 3, 7);
    const u2 = v128.shuffle<f32>(c1, d1, 0, 4, 1, 5), u3 = v128.shuffle<f32>(c1, d1, 2, 6, 3, 7);
    sort8(out, out4,
      v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7),
      v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), v128.shuffle<f32>(t1, t3, 2, 3, 6, 7),
      v128.shuffle<f32>(u0, u2, 0, 1, 4, 5), v128.shuffle<f32>(u0, u2, 2, 3, 6, 7),
      v128.shuffle<f32>(u1, u3, 0, 1, 4, 5), v128.shuffle<f32>(u1, u3, 2, 3, 6, 7));
  }
  for (let g = wide; g < groups; g++) tail8(inp + (<usize>g << 5), 4, out, out4);
}

/** Batcher's odd-even merge sort network for 8 (19 comparators), lane-wise. */
// @ts-ignore: decorator
@inline function sort8(out: usize, out4: usize, x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, x6: v128, x7: v128): void {
  let t: v128;
  t = f32x4.min(x0, x1); x1 = f32x4.max(x0, x1); x0 = t;
  t = f32x4.min(x2, x3); x3 = f32x4.max(x2, x3); x2 = t;
  t = f32x4.min(x4, x5); x5 = f32x4.max(x4, x5); x4 = t;
  t = f32x4.min(x6, x7); x7 = f32x4.max(x6, x7); x6 = t;
  t = f32x4.min(x0, x2); x2 = f32x4.max(x0, x2); x0 = t;
  t = f32x4.min(x1, x3); x3 = f32x4.max(x1, x3); x1 = t;
  t = f32x4.min(x4, x6); x6 = f32x4.max(x4, x6); x4 = t;
  t = f32x4.min(x5, x7); x7 = f32x4.max(x5, x7); x5 = t;
  t = f32x4.min(x1, x2); x2 = f32x4.max(x1, x2); x1 = t;
  t = f32x4.min(x5, x6); x6 = f32x4.max(x5, x6); x5 = t;
  if (out4) {
    // Both halves are sorted now: they are the two groups of 4 inside this group of 8.
    accumulate2(out4, 4, 0, x3, x7);
    accumulate2(out4, 4, 1, x2, x6);
    accumulate2(out4, 4, 2, x1, x5);
    accumulate2(out4, 4, 3, x0, x4);
  }
  t = f32x4.min(x0, x4); x4 = f32x4.max(x0, x4); x0 = t;
  t = f32x4.min(x1, x5); x5 = f32x4.max(x1, x5); x1 = t;
  t = f32x4.min(x2, x6); x6 = f32x4.max(x2, x6); x2 = t;
  t = f32x4.min(x3, x7); x7 = f32x4.max(x3, x7); x3 = t;
  t = f32x4.min(x2, x4); x4 = f32x4.max(x2, x4); x2 = t;
  t = f32x4.min(x3, x5); x5 = f32x4.max(x3, x5); x3 = t;
  t = f32x4.min(x1, x2); x2 = f32x4.max(x1, x2); x1 = t;
  t = f32x4.min(x3, x4); x4 = f32x4.max(x3, x4); x3 = t;
  t = f32x4.min(x5, x6); x6 = f32x4.max(x5, x6); x5 = t;
  accumulate(out, 8, 0, x7);
  accumulate(out, 8, 1, x6);
  accumulate(out, 8, 2, x5);
  accumulate(out, 8, 3, x4);
  accumulate(out, 8, 4, x3);
  accumulate(out, 8, 5, x2);
  accumulate(out, 8, 6, x1);
  accumulate(out, 8, 7, x0);
}
