// The magnitude pass over 8-bit quantized codes, on the codes themselves: the magnitude
// |q - zp| x scale is a non-decreasing function of d = |q - zp| within a quantization slice, so
// every count the float pass takes (zero, near-zero, exponent bins) is a count of d above a
// per-slice threshold the JS side derives from the exact float32 magnitudes
// (server/analysis/weights/quantized.ts), and the sums are integer sums of d and d^2, scaled once
// per slice. int8 codes are flipped to uint8 order (xor 0x80, zero point + 128) so one unsigned
// distance serves both.

// @ts-ignore: decorator
@inline function dist(raw: v128, zp: v128, flip: v128): v128 {
  const q = v128.xor(raw, flip);
  return v128.or(i8x16.sub_sat_u(q, zp), i8x16.sub_sat_u(zp, q));
}

/** Unsigned order as signed: x86 compares bytes signed only (an unsigned > costs three instructions). */
const BIAS = i8x16.splat(-128);

// @ts-ignore: decorator
@inline function gt(biased: v128, t: v128): v128 {
  return i8x16.gt_s(biased, t);
}

// @ts-ignore: decorator
@inline function flipOf(signed: i32): v128 {
  return i8x16.splat(signed ? -128 : 0);
}

/** Sum of the 16 u8 lanes. */
// @ts-ignore: decorator
@inline function sumU8(x: v128): i32 {
  const s = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(x));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

// @ts-ignore: decorator
@inline function sumI32(x: v128): f64 {
  return <f64>i32x4.extract_lane(x, 0) + <f64>i32x4.extract_lane(x, 1) + <f64>i32x4.extract_lane(x, 2) + <f64>i32x4.extract_lane(x, 3);
}

// @ts-ignore: decorator
@inline function maxU8(x: v128): i32 {
  let m = i8x16.max_u(x, v128.shuffle<u8>(x, x, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  m = i8x16.max_u(m, v128.shuffle<u8>(m, m, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  m = i8x16.max_u(m, v128.shuffle<u8>(m, m, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1));
  m = i8x16.max_u(m, v128.shuffle<u8>(m, m, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0));
  return i8x16.extract_lane_u(m, 0);
}

// @ts-ignore: decorator
@inline function minU8(x: v128): i32 {
  let m = i8x16.min_u(x, v128.shuffle<u8>(x, x, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  m = i8x16.min_u(m, v128.shuffle<u8>(m, m, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  m = i8x16.min_u(m, v128.shuffle<u8>(m, m, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1));
  m = i8x16.min_u(m, v128.shuffle<u8>(m, m, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0));
  return i8x16.extract_lane_u(m, 0);
}

/**
 * A run of `vecs` x 16 codes at inp with their thresholds: zero is d <= d0, near-zero d <= dt,
 * exponent bin E + r starts above T_r. The table at tab has rows zp (uint8 order), T1..T8, d0, dt
 * (all but zp xor 0x80): with stride 0 each row is one byte (one slice's run), else each row is
 * `stride` bytes, one per column, the lane of a code being its column (col0 + 16 v modulo
 * stride). Writes one 16-bit bitmap field per vector at bm (bit set = nonzero) and, at out: sum
 * of d and of d^2 (f64 at 0 and 8), count of d > d0 (i32 at 16), of d > dt (at 20), the largest
 * d (at 24), the smallest d > d0 (at 28; any value when there is none) and the counts of
 * d > T1..T8 (at 32..60).
 */
export function qrun(inp: usize, vecs: i32, signed: i32, tab: usize, stride: i32, col0: i32, bm: usize, out: usize): void {
  if (stride === 0) {
    if (signed) runOf(inp, vecs, tab, 0, 0, bm, out, true, true);
    else runOf(inp, vecs, tab, 0, 0, bm, out, false, true);
  } else if (signed) runOf(inp, vecs, tab, stride, col0, bm, out, true, false);
  else runOf(inp, vecs, tab, stride, col0, bm, out, false, false);
}

// @ts-ignore: decorator
@inline function runOf(inp: usize, vecs: i32, tab: usize, stride: i32, col0: i32, bm: usize, out: usize, signed: bool, splat: bool): void {
  const f = i8x16.splat(signed ? -128 : 0);
  const st = <usize>stride;
  const ONE = i8x16.splat(1);
  let col = <usize>col0;
  let mx = i8x16.splat(0);
  let mn = i8x16.splat(-1);
  let s1: f64 = 0, s2: f64 = 0;
  let nonzero: i32 = 0, over: i32 = 0;
  let e0 = 0, e1 = 0, e2 = 0, e3 = 0, e4 = 0, e5 = 0, e6 = 0, e7 = 0;
  // One slice's thresholds splat once: the loop's store to the bitmap may alias the table, so
  // the compiler reloads and splats them every vector unless they are hoisted here.
  const Z = splat ? row(tab, 0, 0, 0, true) : i8x16.splat(0);
  const Z0 = splat ? row(tab, 0, 0, 9, true) : i8x16.splat(0);
  const ZT = splat ? row(tab, 0, 0, 10, true) : i8x16.splat(0);
  const T1 = splat ? row(tab, 0, 0, 1, true) : i8x16.splat(0), T2 = splat ? row(tab, 0, 0, 2, true) : i8x16.splat(0);
  const T3 = splat ? row(tab, 0, 0, 3, true) : i8x16.splat(0), T4 = splat ? row(tab, 0, 0, 4, true) : i8x16.splat(0);
  const T5 = splat ? row(tab, 0, 0, 5, true) : i8x16.splat(0), T6 = splat ? row(tab, 0, 0, 6, true) : i8x16.splat(0);
  const T7 = splat ? row(tab, 0, 0, 7, true) : i8x16.splat(0), T8 = splat ? row(tab, 0, 0, 8, true) : i8x16.splat(0);
  const MN = splat ? i8x16.add(v128.xor(Z0, BIAS), ONE) : i8x16.splat(0);
  let v = 0;
  while (v < vecs) {
    // u8 lane counters hold 255 vectors, u16 sums of d 128.
    const end = min(vecs, v + 128);
    let cOver = i8x16.splat(0);
    let c0 = i8x16.splat(0), c1 = i8x16.splat(0), c2 = i8x16.splat(0), c3 = i8x16.splat(0);
    let c4 = i8x16.splat(0), c5 = i8x16.splat(0), c6 = i8x16.splat(0), c7 = i8x16.splat(0);
    let a1 = i16x8.splat(0), a2 = i32x4.splat(0);
    for (; v < end; v++) {
      const raw = v128.load(inp + (<usize>v << 4));
      const q = signed ? v128.xor(raw, f) : raw;
      const z = splat ? Z : row(tab, st, col, 0, false);
      const d = v128.or(i8x16.sub_sat_u(q, z), i8x16.sub_sat_u(z, q));
      const db = v128.xor(d, BIAS);
      const zero = splat ? Z0 : row(tab, st, col, 9, false);
      const nz = gt(db, zero);
      const bits = i8x16.bitmask(nz);
      store<u16>(bm + (<usize>v << 1), <u16>bits);
      nonzero += popcnt(bits);
      cOver = i8x16.sub(cOver, gt(db, splat ? ZT : row(tab, st, col, 10, false)));
      mx = i8x16.max_u(mx, d);
      // d - (d0 + 1) wraps for d <= d0: its unsigned minimum is the smallest nonzero d's, less d0 + 1.
      mn = i8x16.min_u(mn, i8x16.sub(d, splat ? MN : i8x16.add(v128.xor(zero, BIAS), ONE)));
      a1 = i16x8.add(a1, i16x8.extadd_pairwise_i8x16_u(d));
      const lo = i16x8.extend_low_i8x16_u(d);
      const hi = i16x8.extend_high_i8x16_u(d);
      a2 = i32x4.add(a2, i32x4.add(i32x4.dot_i16x8_s(lo, lo), i32x4.dot_i16x8_s(hi, hi)));
      c0 = i8x16.sub(c0, gt(db, splat ? T1 : row(tab, st, col, 1, false)));
      c1 = i8x16.sub(c1, gt(db, splat ? T2 : row(tab, st, col, 2, false)));
      c2 = i8x16.sub(c2, gt(db, splat ? T3 : row(tab, st, col, 3, false)));
      c3 = i8x16.sub(c3, gt(db, splat ? T4 : row(tab, st, col, 4, false)));
      c4 = i8x16.sub(c4, gt(db, splat ? T5 : row(tab, st, col, 5, false)));
      c5 = i8x16.sub(c5, gt(db, splat ? T6 : row(tab, st, col, 6, false)));
      c6 = i8x16.sub(c6, gt(db, splat ? T7 : row(tab, st, col, 7, false)));
      c7 = i8x16.sub(c7, gt(db, splat ? T8 : row(tab, st, col, 8, false)));
      if (!splat) {
        col += 16;
        if (col >= st) col = 0;
      }
    }
    over += sumU8(cOver);
    e0 += sumU8(c0); e1 += sumU8(c1); e2 += sumU8(c2); e3 += sumU8(c3);
    e4 += sumU8(c4); e5 += sumU8(c5); e6 += sumU8(c6); e7 += sumU8(c7);
    s1 += sumI32(i32x4.extadd_pairwise_i16x8_u(a1));
    s2 += sumI32(a2);
  }
  store<f64>(out, s1);
  store<f64>(out, s2, 8);
  store<i32>(out, nonzero, 16);
  store<i32>(out, over, 20);
  store<i32>(out, maxU8(mx), 24);
  // In table mode the minimum is taken against each column's own d0: the caller reads it only with one d0 for all.
  store<i32>(out, (minU8(mn) + (load<u8>(tab + (splat ? 9 : 9 * st)) ^ 0x80) + 1) & 0xff, 28);
  store<i32>(out, e0, 32); store<i32>(out, e1, 36); store<i32>(out, e2, 40); store<i32>(out, e3, 44);
  store<i32>(out, e4, 48); store<i32>(out, e5, 52); store<i32>(out, e6, 56); store<i32>(out, e7, 60);
}

// @ts-ignore: decorator
@inline function row(tab: usize, st: usize, col: usize, r: usize, splat: bool): v128 {
  return splat ? i8x16.splat(load<u8>(tab + r)) : v128.load(tab + r * st + col);
}

/**
 * The sums and extremes of a chunk of `rows` rows of n columns (n a multiple of 16) quantized per
 * column with a scale each (qrun counts and writes the bitmap): column blocks outermost so each
 * lane keeps one column's sums. Rows at tab (stride n): the zero points, then d0 (xor 0x80);
 * `sct` the f64 scale per column. Adds into out: sum of |x| and of x^2 (f64 at 0 and 8, each
 * column's scaled by its scale), and keeps the largest magnitude's float32 bits (u32 at 24) and
 * the smallest nonzero one's minus one (at 28, unsigned).
 */
export function qcols(inp: usize, rows: i32, n: i32, signed: i32, tab: usize, sct: usize, out: usize): void {
  const f = flipOf(signed);
  const st = <usize>n;
  let s1: f64 = 0, s2: f64 = 0;
  let maxBits = load<u32>(out, 24), minBits = load<u32>(out, 28);
  for (let c: usize = 0; c < st; c += 16) {
    const z = v128.load(tab + c);
    const zero = v128.load(tab + st + c);
    let mx = i8x16.splat(0), mn = i8x16.splat(-1), any = i8x16.splat(0);
    let q0 = i32x4.splat(0), q1 = i32x4.splat(0), q2 = i32x4.splat(0), q3 = i32x4.splat(0);
    let a = i32x4.splat(0), b = i32x4.splat(0), e = i32x4.splat(0), g = i32x4.splat(0);
    let r = 0;
    while (r < rows) {
      // u16 lane sums of d hold 257 rows.
      const end = min(rows, r + 256);
      let a0 = i16x8.splat(0), a1 = i16x8.splat(0);
      for (; r < end; r++) {
        const d = dist(v128.load(inp + <usize>r * st + c), z, f);
        const nz = gt(v128.xor(d, BIAS), zero);
        any = v128.or(any, nz);
        mx = i8x16.max_u(mx, d);
        mn = i8x16.min_u(mn, v128.or(d, v128.not(nz)));
        a0 = i16x8.add(a0, i16x8.extend_low_i8x16_u(d));
        a1 = i16x8.add(a1, i16x8.extend_high_i8x16_u(d));
        const l = i16x8.extmul_low_i8x16_u(d, d);
        const h = i16x8.extmul_high_i8x16_u(d, d);
        q0 = i32x4.add(q0, i32x4.extend_low_i16x8_u(l));
        q1 = i32x4.add(q1, i32x4.extend_high_i16x8_u(l));
        q2 = i32x4.add(q2, i32x4.extend_low_i16x8_u(h));
        q3 = i32x4.add(q3, i32x4.extend_high_i16x8_u(h));
      }
      a = i32x4.add(a, i32x4.extend_low_i16x8_u(a0));
      b = i32x4.add(b, i32x4.extend_high_i16x8_u(a0));
      e = i32x4.add(e, i32x4.extend_low_i16x8_u(a1));
      g = i32x4.add(g, i32x4.extend_high_i16x8_u(a1));
    }
    v128.store(LANES, a);
    v128.store(LANES, b, 16);
    v128.store(LANES, e, 32);
    v128.store(LANES, g, 48);
    v128.store(LANES, q0, 64);
    v128.store(LANES, q1, 80);
    v128.store(LANES, q2, 96);
    v128.store(LANES, q3, 112);
    v128.store(LANES, mx, 128);
    v128.store(LANES, mn, 144);
    v128.store(LANES, any, 160);
    // Each lane is one column: scale its sums and extremes by that column's scale.
    for (let j: usize = 0; j < 16; j++) {
      const s = Math.abs(load<f64>(sct + ((c + j) << 3)));
      s1 += <f64>load<u32>(LANES + (j << 2)) * s;
      s2 += <f64>load<u32>(LANES + 64 + (j << 2)) * (s * s);
      const hi = reinterpret<u32>(<f32>(<f64>load<u8>(LANES + 128 + j) * s));
      if (hi > maxBits) maxBits = hi;
      if (load<u8>(LANES + 160 + j)) {
        const lo = reinterpret<u32>(<f32>(<f64>load<u8>(LANES + 144 + j) * s)) - 1;
        if (lo < minBits) minBits = lo;
      }
    }
  }
  store<f64>(out, load<f64>(out) + s1);
  store<f64>(out, load<f64>(out, 8) + s2, 8);
  store<u32>(out, maxBits, 24);
  store<u32>(out, minBits, 28);
}

const LANES = memory.data(176, 16);

/**
 * The exact path for codes a vector cannot take (a run's ends): n codes at inp of one slice (zero
 * point zp in uint8 order, |scale| s), each magnitude computed as the scalar reference does,
 * f32(d x s), and folded as the float pass folds it: bit `bit` onward of bm set where nonzero,
 * a 256-bin exponent histogram at hist, and at out (the layout of stats' result): near-zero count
 * (i32 at 0), max bits (at 16), min bits - 1 (at 32), nonzero count (at 80), all added to; and
 * this run's sums of d and d^2 (f64 at 48 and 64, written), which the caller scales per slice.
 */
export function qscalar(inp: usize, n: i32, signed: i32, zp: i32, s: f64, near: u32, bm: usize, bit: u32, hist: usize, out: usize): void {
  let nearCount = load<i32>(out), nonzero = load<i32>(out, 80);
  let maxBits = load<u32>(out, 16), minBits = load<u32>(out, 32);
  let s1: f64 = 0, s2: f64 = 0;
  for (let i = 0; i < n; i++) {
    const q: i32 = signed ? <i32>load<i8>(inp + <usize>i) + 128 : <i32>load<u8>(inp + <usize>i);
    const d = abs<i32>(q - zp);
    const x = reinterpret<u32>(<f32>(<f64>d * s));
    const at = hist + (<usize>(x >>> 23) << 2);
    store<i32>(at, load<i32>(at) + 1);
    s1 += <f64>d;
    s2 += <f64>(d * d);
    if (x <= near) nearCount++;
    if (x === 0) continue;
    const b = bit + <u32>i;
    const w = bm + (<usize>(b >>> 5) << 2);
    store<u32>(w, load<u32>(w) | (<u32>1 << (b & 31)));
    nonzero++;
    if (x > maxBits) maxBits = x;
    if (x - 1 < minBits) minBits = x - 1;
  }
  store<i32>(out, nearCount);
  store<i32>(out, nonzero, 80);
  store<u32>(out, maxBits, 16);
  store<u32>(out, minBits, 32);
  store<f64>(out, s1, 48);
  store<f64>(out, s2, 64);
}

// The slices' thresholds for the integer pass (server/analysis/weights/quantized-stats.ts
// writeTables): per slice, from |scale| alone, the largest code distance d whose magnitude
// f32(d x |scale|) is zero (d0), is at most the near-zero threshold (dt), and the first code
// distance of each exponent bin. In JavaScript this was ~10 searches a slice in cold code, and
// the hottest JavaScript of an 8-bit model's pass (its optimizing compiles ran on the second core).

// @ts-ignore: decorator
@inline export function qmagBits(d: i32, s: f64): u32 {
  return reinterpret<u32>(<f32>(<f64>d * s));
}

/** Smallest d in [lo, 255] whose magnitude bits are >= target, or 256: estimated from target / s, then stepped. */
function firstAtLeast(lo: i32, target: u32, s: f64): i32 {
  const est: f64 = s > 0 ? Math.ceil(<f64>reinterpret<f32>(target) / s) : 256;
  // lo <= 256: a non-finite estimate is 256, as min(256, max(lo, 256)) is.
  let c: i32 = isFinite<f64>(est) ? <i32>Math.min(256, Math.max(<f64>lo, est)) : 256;
  while (c > lo && qmagBits(c - 1, s) >= target) c--;
  while (c <= 255 && qmagBits(c, s) < target) c++;
  return c;
}

/**
 * n slices, |scale| as f64 at sc: d0 (u8 at out), dt (u8 at out + n), the exponent of the first
 * nonzero magnitude or -1 (i32 at out + e), the exponent of code distance 255's magnitude (i32 at
 * out + e + 4n), with e the first multiple of 4 from 2n.
 */
export function qplan(sc: usize, n: i32, nearBits: u32, out: usize): void {
  const eAt = out + ((<usize>(2 * n) + 3) & ~3);
  for (let a = 0; a < n; a++) {
    const s = load<f64>(sc + (<usize>a << 3));
    const d0 = firstAtLeast(0, 1, s) - 1;
    store<u8>(out + <usize>a, <u8>d0);
    store<u8>(out + <usize>(n + a), <u8>min(255, firstAtLeast(0, nearBits + 1, s) - 1));
    store<i32>(eAt + (<usize>a << 2), d0 < 255 ? <i32>(qmagBits(d0 + 1, s) >>> 23) : -1);
    store<i32>(eAt + (<usize>(n + a) << 2), <i32>(qmagBits(255, s) >>> 23));
  }
}

/** T for exponent e in a slice of |scale| s and zero distance d0: nonzero codes above it have exponent >= e (255: none can). */
function qthreshold(d0: i32, e: i32, s: f64): i32 {
  if (e > 254) return 255;
  return max(d0, firstAtLeast(d0 + 1, <u32>e << 23, s) - 1);
}

/**
 * Threshold bytes (xor 0x80, the kernels' signed order) of n slices into the table at tab. With
 * frame < 0 (slices): row r = 1..8 of slice a at tab + 16a + r, from the slice's own base
 * (bases i32 at `bases`; -1: none can be nonzero). Otherwise (columns) row r = 1..16 at
 * tab + (r <= 8 ? r : r + 3) x n + a, from the shared base `frame`, rows past `rows` 255.
 */
export function qthresholds(sc: usize, n: i32, d0s: usize, bases: usize, frame: i32, rows: i32, tab: usize): void {
  for (let a = 0; a < n; a++) {
    const s = load<f64>(sc + (<usize>a << 3));
    const d0 = <i32>load<u8>(d0s + <usize>a);
    const e = load<i32>(bases + (<usize>a << 2));
    if (frame < 0) {
      for (let r = 1; r <= 8; r++) store<u8>(tab + <usize>(16 * a + r), <u8>((e < 0 ? 255 : qthreshold(d0, e + r, s)) ^ 0x80));
    } else {
      for (let r = 1; r <= 16; r++) store<u8>(tab + <usize>((r <= 8 ? r : r + 3) * n + a), <u8>((e < 0 || r > rows ? 255 : qthreshold(d0, frame + r, s)) ^ 0x80));
    }
  }
}
