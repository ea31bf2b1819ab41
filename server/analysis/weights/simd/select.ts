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
 * Counts and sums (at `at`) of the values whose patterns lie in lo..hi, by (pattern - lo) >>
 * shift, shift (lastShift) the least that fits `width` buckets; the number of buckets used.
 */
// @ts-ignore: decorator
@inline function histogram<T>(inp: usize, n: i32, lo: u64, hi: u64, width: u64, at: usize): i32 {
  let shift: u64 = 0;
  while ((hi - lo) >> shift >= width) shift++;
  const used = <i32>((hi - lo) >> shift) + 1;
  const sums = at + (<usize>LEVEL << 2);
  memory.fill(at, 0, <usize>used << 2);
  memory.fill(sums, 0, <usize>used << 3);
  for (let j = 0; j < n; j++) {
    const k = keyAt<T>(inp, j);
    if (k < lo || k > hi) continue;
    const b = <usize>((k - lo) >> shift);
    store<u32>(at + (b << 2), load<u32>(at + (b << 2)) + 1);
    store<f64>(sums + (b << 3), load<f64>(sums + (b << 3)) + valueAt<T>(inp, j));
  }
  lastShift = shift;
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

/**
 * The sum of the take[i] smallest of n non-negative values at inp (T: f32 or f64), for each of
 * nTakes takes (f64 at takes), into out (f64), exactly, by radix select: a non-negative float's
 * bit pattern orders it, so buckets of (pattern - lowest) >> shift are ordered too. One histogram
 * of every value serves all takes: each takes the whole buckets below the one its count ends in,
 * then goes on inside that bucket alone (a second histogram, then a third...) until the values
 * left are all one pattern, so one value. Buckets: about one per value, at most 65,536, since
 * each level is a pass over all n values either way; from 65,536 values on, float32 needs one
 * level per take after the first. `at`: SELECT_BYTES of scratch.
 */
function smallestSums<T>(inp: usize, n: i32, takes: usize, nTakes: i32, out: usize, at: usize): void {
  let mn: u64 = 0xffffffffffffffff;
  let mx: u64 = 0;
  for (let j = 0; j < n; j++) {
    const k = keyAt<T>(inp, j);
    if (k < mn) mn = k;
    if (k > mx) mx = k;
  }
  const width = <u64>min<u32>(LEVEL, max<u32>(16, <u32>1 << (32 - clz<u32>(<u32>n))));
  const first = n > 0 && mn < mx ? histogram<T>(inp, n, mn, mx, width, at) : 0;
  const shift1 = lastShift;
  const deeper = at + LEVEL_BYTES;
  for (let t = 0; t < nTakes; t++) {
    let left = <u32>load<f64>(takes + (<usize>t << 3));
    let total: f64 = 0;
    if (n > 0 && mn === mx) total = <f64>min<u32>(left, <u32>n) * valueOfKey<T>(mn);
    else if (n > 0 && left > 0) {
      // The first level, shared.
      walkLeft = left;
      walkTotal = 0;
      const b = walk(at, first);
      left = walkLeft;
      total = walkTotal;
      if (b < first && left > 0) {
        let lo = mn + (<u64>b << shift1);
        let hi = min<u64>(mx, lo + ((<u64>1 << shift1) - 1));
        while (left > 0) {
          if (lo === hi) {
            total += <f64>left * valueOfKey<T>(lo);
            break;
          }
          const used = histogram<T>(inp, n, lo, hi, width, deeper);
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
    }
    store<f64>(out + (<usize>t << 3), total);
  }
}

export function smallestSums32(inp: usize, n: i32, takes: usize, nTakes: i32, out: usize, at: usize): void {
  smallestSums<f32>(inp, n, takes, nTakes, out, at);
}

export function smallestSums64(inp: usize, n: i32, takes: usize, nTakes: i32, out: usize, at: usize): void {
  smallestSums<f64>(inp, n, takes, nTakes, out, at);
}
