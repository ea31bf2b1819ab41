/**
 * The exact ranking of the plan's block and row sums (server/advise/magnitude-pass.ts): the sum
 * of the k smallest of n non-negative values, by radix select over their bit patterns. The sums
 * themselves are made in magsums.ts.
 */

/** Most buckets of one select level: counts (u32) then sums (f64); two levels' worth, SELECT_BYTES in all. */
const LEVEL = 65536;
const LEVEL_BYTES: usize = LEVEL * 12;
export const SELECT_BYTES = 2 * LEVEL * 12;

// @ts-ignore: decorator
@inline function keyAt<T>(inp: usize, j: i32): u64 {
  return sizeof<T>() === 8 ? load<u64>(inp + (<usize>j << 3)) : <u64>load<u32>(inp + (<usize>j << 2));
}

// @ts-ignore: decorator
@inline function valueAt<T>(inp: usize, j: i32): f64 {
  return sizeof<T>() === 8 ? load<f64>(inp + (<usize>j << 3)) : <f64>load<f32>(inp + (<usize>j << 2));
}

// @ts-ignore: decorator
@inline function valueOfKey<T>(k: u64): f64 {
  return sizeof<T>() === 8 ? reinterpret<f64>(k) : <f64>reinterpret<f32>(<u32>k);
}

/** The shift of the last histogram. */
let lastShift: u64 = 0;

/**
 * A level of `spare` + the fewest buckets of (pattern - lo) >> shift that cover lo..hi within
 * `width`, cleared at `at` (u32 counts, then f64 sums from LEVEL << 2); its shift in lastShift;
 * the number of buckets covering lo..hi.
 */
// @ts-ignore: decorator
@inline function level(lo: u64, hi: u64, width: u64, at: usize, spare: i32): i32 {
  let shift: u64 = 0;
  while ((hi - lo) >> shift >= width) shift++;
  const used = <i32>((hi - lo) >> shift) + 1;
  memory.fill(at, 0, <usize>(used + spare) << 2);
  memory.fill(at + (<usize>LEVEL << 2), 0, <usize>(used + spare) << 3);
  lastShift = shift;
  return used;
}

/** One more value j in bucket b of the level at `at`. */
// @ts-ignore: decorator
@inline function bump<T>(at: usize, b: usize, inp: usize, j: i32): void {
  const sums = at + (<usize>LEVEL << 2);
  store<u32>(at + (b << 2), load<u32>(at + (b << 2)) + 1);
  store<f64>(sums + (b << 3), load<f64>(sums + (b << 3)) + valueAt<T>(inp, j));
}

/**
 * Counts and sums (at `at`) of the values whose patterns lie in lo..hi, by (pattern - lo) >>
 * shift, shift (lastShift) the least that fits `width` buckets; the number of buckets used.
 */
// @ts-ignore: decorator
@inline function histogram<T>(inp: usize, n: i32, lo: u64, hi: u64, width: u64, at: usize): i32 {
  const used = level(lo, hi, width, at, 0);
  const shift = lastShift;
  for (let j = 0; j < n; j++) {
    const k = keyAt<T>(inp, j);
    if (k < lo || k > hi) continue;
    bump<T>(at, <usize>((k - lo) >> shift), inp, j);
  }
  return used;
}

/**
 * The first level: histogram() over every value, without its branch: the values below lo (the
 * zeros, in no bucket) are counted in one more bucket past the last, so a weight whose sums are
 * zeros and nonzeros in no order costs no mispredicted branch per value. At most LEVEL - 1 buckets.
 */
// @ts-ignore: decorator
@inline function firstHistogram<T>(inp: usize, n: i32, lo: u64, hi: u64, width: u64, at: usize): i32 {
  const used = level(lo, hi, min<u64>(width, <u64>LEVEL - 1), at, 1);
  const shift = lastShift;
  const spill = <u64>used;
  for (let j = 0; j < n; j++) {
    const k = keyAt<T>(inp, j);
    bump<T>(at, <usize>select<u64>((k - lo) >> shift, spill, k >= lo), inp, j);
  }
  return used;
}

let walkLeft: u32 = 0;
let walkTotal: f64 = 0;

/**
 * Takes whole buckets of a histogram at `at` from the first while they hold no more than
 * walkLeft values, adding their sums to walkTotal; the bucket it stopped at (`used`: all taken).
 */
// @ts-ignore: decorator
@inline function walk(at: usize, used: i32): i32 {
  let b = 0;
  for (; b < used; b++) {
    const c = load<u32>(at + (<usize>b << 2));
    if (c > walkLeft) break;
    walkLeft -= c;
    walkTotal += load<f64>(at + (<usize>LEVEL << 2) + (<usize>b << 3));
  }
  return b;
}

/** Per take, while the first level is walked: its bucket (i32, -1 when done), count left (u32), total (f64). */
const STATE_BYTES: usize = 16 * 16;

/**
 * The sum of the take[i] smallest of n non-negative values at inp (T: f32 or f64), for each of
 * nTakes takes (at most 16; f64 at takes), into out (f64), exactly, by radix select: a
 * non-negative float's bit pattern orders it, so buckets of (pattern - lowest) >> shift are
 * ordered too. One histogram of every value serves all takes: each takes the whole buckets below
 * the one its count ends in, then goes on inside that bucket alone (a second histogram, then a
 * third...) until the values left are all one pattern, so one value. Buckets: about one per
 * value, at most 65,536. The values of the buckets the takes end in are first gathered at
 * `gather` (`gatherBytes`) in one pass, so the deeper levels walk those alone; where they do not
 * fit, each deeper level is a pass over all n again (11 M block sums, three takes: 5 passes -> 3).
 * `at`: SELECT_BYTES of scratch.
 */
function smallestSums<T>(inp: usize, n: i32, takes: usize, nTakes: i32, out: usize, at: usize, gather: usize, gatherBytes: i32): void {
  // Zeros apart (a pruned weight's block sums are mostly zeros): every take spends them first, at
  // no cost to its sum, and the buckets span the nonzero patterns alone (zeros lie below them).
  let mn: u64 = 0xffffffffffffffff;
  let mx: u64 = 0;
  let zeros: u32 = 0;
  let j = 0;
  if (sizeof<T>() === 4) {
    // float32 sums: four patterns a step (a zero lane is all ones for the minimum, so it never wins).
    let zv = i32x4.splat(0);
    let mnv = i32x4.splat(-1);
    let mxv = i32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const v = v128.load(inp + (<usize>j << 2));
      const z = i32x4.eq(v, i32x4.splat(0));
      zv = i32x4.sub(zv, z);
      mnv = i32x4.min_u(mnv, v128.or(v, z));
      mxv = i32x4.max_u(mxv, v);
    }
    zeros = <u32>(i32x4.extract_lane(zv, 0) + i32x4.extract_lane(zv, 1) + i32x4.extract_lane(zv, 2) + i32x4.extract_lane(zv, 3));
    const lo = min<u32>(min<u32>(<u32>i32x4.extract_lane(mnv, 0), <u32>i32x4.extract_lane(mnv, 1)), min<u32>(<u32>i32x4.extract_lane(mnv, 2), <u32>i32x4.extract_lane(mnv, 3)));
    const hi = max<u32>(max<u32>(<u32>i32x4.extract_lane(mxv, 0), <u32>i32x4.extract_lane(mxv, 1)), max<u32>(<u32>i32x4.extract_lane(mxv, 2), <u32>i32x4.extract_lane(mxv, 3)));
    if (lo !== 0xffffffff) mn = <u64>lo;
    mx = <u64>hi;
  }
  for (; j < n; j++) {
    const k = keyAt<T>(inp, j);
    zeros += <u32>(k === 0);
    mn = select<u64>(mn, min<u64>(mn, k), k === 0);
    mx = max<u64>(mx, k);
  }
  const nonzero = <u32>n - zeros;
  const width = <u64>min<u32>(LEVEL, max<u32>(16, <u32>1 << (32 - clz<u32>(<u32>n))));
  const first = nonzero > 0 && mn < mx ? firstHistogram<T>(inp, n, mn, mx, width, at) : 0;
  const shift1 = lastShift;
  const deeper = at + LEVEL_BYTES;
  // The first level, shared: every take's walk, and the buckets they end in (marked in a bitmap over the deeper level's space).
  const marks = deeper;
  memory.fill(marks, 0, <usize>LEVEL >> 3);
  let boundary: u64 = 0;
  for (let t = 0; t < nTakes; t++) {
    const st = gather + (<usize>t << 4);
    let left = <u32>load<f64>(takes + (<usize>t << 3));
    left -= min<u32>(left, zeros);
    let total: f64 = 0;
    let b: i32 = -1;
    if (nonzero > 0 && mn === mx) {
      total = <f64>min<u32>(left, nonzero) * valueOfKey<T>(mn);
      left = 0;
    } else if (nonzero > 0 && left > 0) {
      walkLeft = left;
      walkTotal = 0;
      const d = walk(at, first);
      left = walkLeft;
      total = walkTotal;
      if (d < first && left > 0) {
        b = d;
        const word = marks + (<usize>(d >> 5) << 2);
        const bit: u32 = 1 << (<u32>d & 31);
        if (!(load<u32>(word) & bit)) {
          store<u32>(word, load<u32>(word) | bit);
          boundary += load<u32>(at + (<usize>d << 2));
        }
      }
    }
    store<i32>(st, b);
    store<u32>(st, left, 4);
    store<f64>(st, total, 8);
  }
  // Gather the boundary buckets' values where they fit.
  let src = inp;
  let len = n;
  const room = (<u64>max<i32>(0, gatherBytes - <i32>STATE_BYTES)) / <u64>sizeof<T>();
  if (boundary > 0 && boundary <= room) {
    const into = gather + STATE_BYTES;
    let g = 0;
    for (let j = 0; j < n; j++) {
      const k = keyAt<T>(inp, j);
      // Zeros read the first level's spill bucket, never marked.
      const d = <u32>select<u64>((k - mn) >> shift1, <u64>first, k >= mn);
      if (load<u32>(marks + (<usize>(d >> 5) << 2)) & (1 << (d & 31))) {
        store<T>(into + (<usize>g * sizeof<T>()), load<T>(inp + (<usize>j * sizeof<T>())));
        g++;
      }
    }
    src = into;
    len = g;
  }
  for (let t = 0; t < nTakes; t++) {
    const st = gather + (<usize>t << 4);
    const b = load<i32>(st);
    let left = load<u32>(st, 4);
    let total = load<f64>(st, 8);
    if (b >= 0) {
      let lo = mn + (<u64>b << shift1);
      let hi = min<u64>(mx, lo + ((<u64>1 << shift1) - 1));
      while (left > 0) {
        if (lo === hi) {
          total += <f64>left * valueOfKey<T>(lo);
          break;
        }
        const used = histogram<T>(src, len, lo, hi, width, deeper);
        const shift = lastShift;
        walkLeft = left;
        walkTotal = total;
        const d = walk(deeper, used);
        left = walkLeft;
        total = walkTotal;
        if (d === used) break;
        lo = lo + (<u64>d << shift);
        hi = min<u64>(hi, lo + ((<u64>1 << shift) - 1));
      }
    }
    store<f64>(out + (<usize>t << 3), total);
  }
}

export function smallestSums32(inp: usize, n: i32, takes: usize, nTakes: i32, out: usize, at: usize, gather: usize, gatherBytes: i32): void {
  smallestSums<f32>(inp, n, takes, nTakes, out, at, gather, gatherBytes);
}

export function smallestSums64(inp: usize, n: i32, takes: usize, nTakes: i32, out: usize, at: usize, gather: usize, gatherBytes: i32): void {
  smallestSums<f64>(inp, n, takes, nTakes, out, at, gather, gatherBytes);
}
