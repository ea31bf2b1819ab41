// The fold of float32 activation values on our side (tensors copied out of onnxruntime, and the
// inputs we feed it): server/analysis/run/value-fold.ts copies a chunk here and calls these. Same
// definitions as the JavaScript reference (server/analysis/run/activation-stats.ts tensorStats,
// channel-stats.ts channelZeros and nmGroups), and the sums in the same order, element by
// element in double, so every figure is bit-for-bit the reference's. That order is why `vstats`
// is scalar: the two sums are dependency chains, and the compares beside them are free.

/**
 * One chunk of n values at `inp` added to the accumulators at `acc` (f64, carried from chunk to
 * chunk): +0 sum, +8 sum of squares, +16 min, +24 max, +32 max |x|, +40 zeros, +48 count of
 * |x| < near, +56.. six counts of |x| < thr[k] (thresholds as f64 at `thr`; -Infinity counts none).
 * NaN is no zero, no extreme and below nothing, and makes the sums NaN, as in the reference.
 */
export function vstats(inp: usize, n: i32, acc: usize, near: f64, thr: usize): void {
  let sum = load<f64>(acc);
  let sq = load<f64>(acc, 8);
  let mn = load<f64>(acc, 16);
  let mx = load<f64>(acc, 24);
  let ma = load<f64>(acc, 32);
  const t0 = load<f64>(thr), t1 = load<f64>(thr, 8), t2 = load<f64>(thr, 16);
  const t3 = load<f64>(thr, 24), t4 = load<f64>(thr, 32), t5 = load<f64>(thr, 40);
  let zeros: i32 = 0, nears: i32 = 0;
  let c0: i32 = 0, c1: i32 = 0, c2: i32 = 0, c3: i32 = 0, c4: i32 = 0, c5: i32 = 0;
  const end = inp + (<usize>n << 2);
  for (let p = inp; p < end; p += 4) {
    const v = <f64>load<f32>(p);
    zeros += i32(v == 0);
    mn = select<f64>(v, mn, v < mn);
    mx = select<f64>(v, mx, v > mx);
    sum += v;
    sq += v * v;
    const a = abs<f64>(v);
    ma = select<f64>(a, ma, a > ma);
    nears += i32(a < near);
    c0 += i32(a < t0);
    c1 += i32(a < t1);
    c2 += i32(a < t2);
    c3 += i32(a < t3);
    c4 += i32(a < t4);
    c5 += i32(a < t5);
  }
  store<f64>(acc, sum);
  store<f64>(acc, sq, 8);
  store<f64>(acc, mn, 16);
  store<f64>(acc, mx, 24);
  store<f64>(acc, ma, 32);
  store<f64>(acc, load<f64>(acc, 40) + <f64>zeros, 40);
  store<f64>(acc, load<f64>(acc, 48) + <f64>nears, 48);
  store<f64>(acc, load<f64>(acc, 56) + <f64>c0, 56);
  store<f64>(acc, load<f64>(acc, 64) + <f64>c1, 64);
  store<f64>(acc, load<f64>(acc, 72) + <f64>c2, 72);
  store<f64>(acc, load<f64>(acc, 80) + <f64>c3, 80);
  store<f64>(acc, load<f64>(acc, 88) + <f64>c4, 88);
  store<f64>(acc, load<f64>(acc, 96) + <f64>c5, 96);
}

/** Count of |x| < below over n values at `inp` (the relative near-zero rule's second pass). */
export function vbelow(inp: usize, n: i32, below: f32): i32 {
  const b = f32x4.splat(below);
  let c = i32x4.splat(0);
  const body = inp + (<usize>(n & ~3) << 2);
  let p = inp;
  for (; p < body; p += 16) c = i32x4.sub(c, f32x4.lt(f32x4.abs(v128.load(p)), b));
  let count = lanes(c);
  for (const end = inp + (<usize>n << 2); p < end; p += 4) count += i32(abs<f32>(load<f32>(p)) < below);
  return count;
}

/** Zeros (+0 and -0) in each of `rows` rows of `inner` values at `inp`, as i32 at out[r]. */
export function rowZeros(inp: usize, rows: i32, inner: i32, out: usize): void {
  const zero = f32x4.splat(0);
  const whole = inner & ~3;
  let p = inp;
  for (let r = 0; r < rows; r++) {
    let c = i32x4.splat(0);
    const body = p + (<usize>whole << 2);
    for (; p < body; p += 16) c = i32x4.sub(c, f32x4.eq(v128.load(p), zero));
    let z = lanes(c);
    for (const end = p + (<usize>(inner - whole) << 2); p < end; p += 4) z += i32(load<f32>(p) == 0);
    store<i32>(out + (<usize>r << 2), z);
  }
}

/**
 * N:M groups: `groups` runs of m rows of `inner` values at `inp`; at each position of a run, the
 * m values form one group. For each of the np (<= 3) limits at `ns` (i32), the number of groups
 * with at most that many nonzeros is written to out[j] (i32; the caller sums calls). NaN counts as nonzero, as in the reference.
 */
export function nmRows(inp: usize, groups: i32, m: i32, inner: i32, ns: usize, np: i32, out: usize): void {
  const zero = f32x4.splat(0);
  const whole = inner & ~3;
  const stride = <usize>inner << 2;
  const l0 = i32x4.splat(np > 0 ? load<i32>(ns) : 0);
  const l1 = i32x4.splat(np > 1 ? load<i32>(ns, 4) : 0);
  const l2 = i32x4.splat(np > 2 ? load<i32>(ns, 8) : 0);
  let o0 = i32x4.splat(0), o1 = i32x4.splat(0), o2 = i32x4.splat(0);
  let s0: i32 = 0, s1: i32 = 0, s2: i32 = 0;
  const n0 = np > 0 ? load<i32>(ns) : 0, n1 = np > 1 ? load<i32>(ns, 4) : 0, n2 = np > 2 ? load<i32>(ns, 8) : 0;
  for (let g = 0; g < groups; g++) {
    const run = inp + <usize>g * <usize>m * stride;
    let i = 0;
    for (; i < whole; i += 4) {
      let cnt = i32x4.splat(0);
      let p = run + (<usize>i << 2);
      for (let k = 0; k < m; k++, p += stride) cnt = i32x4.sub(cnt, f32x4.ne(v128.load(p), zero));
      o0 = i32x4.sub(o0, i32x4.le_s(cnt, l0));
      o1 = i32x4.sub(o1, i32x4.le_s(cnt, l1));
      o2 = i32x4.sub(o2, i32x4.le_s(cnt, l2));
    }
    for (; i < inner; i++) {
      let cnt: i32 = 0;
      let p = run + (<usize>i << 2);
      for (let k = 0; k < m; k++, p += stride) cnt += i32(load<f32>(p) != 0);
      s0 += i32(cnt <= n0);
      s1 += i32(cnt <= n1);
      s2 += i32(cnt <= n2);
    }
  }
  store<i32>(out, lanes(o0) + s0);
  store<i32>(out, lanes(o1) + s1, 4);
  store<i32>(out, lanes(o2) + s2, 8);
}

// @ts-ignore: decorator
@inline function lanes(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}
