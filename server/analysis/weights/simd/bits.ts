// Pattern metrics over nonzero bitmaps: bit i is bit i%32 of word i>>5 (little-endian, so also bit
// i%8 of byte i>>3). Rows are not padded; every bitmap the JS side lays out is followed by 16
// zero bytes, so a run of 32 bits is read with one unaligned 64-bit load and vector loops may read
// a vector past the last word.

/** Bits [off, off + 32) as a u32 (bits past the bitmap read as zero). */
// @ts-ignore: decorator
@inline function bits32(bm: usize, off: u64): u32 {
  return <u32>(load<u64>(bm + <usize>((off >> 5) << 2)) >> (off & 31));
}

// @ts-ignore: decorator
@inline function mask(len: u32): u32 {
  return len >= 32 ? 0xffffffff : (<u32>1 << len) - 1;
}

/** Bits [off, off + len) as the low len bits; len in 1..32. */
// @ts-ignore: decorator
@inline function bitsAt(bm: usize, off: u64, len: u32): u32 {
  return bits32(bm, off) & mask(len);
}

/** ORs the low len bits of v into bits [off, off + len). */
// @ts-ignore: decorator
@inline function orBits(bm: usize, off: u64, v: u32, len: u32): void {
  const x = <u64>(v & mask(len)) << (off & 31);
  const at = bm + <usize>((off >> 5) << 2);
  store<u64>(at, load<u64>(at) | x);
}

/** Set bits in [off, off + len): whole 64-bit words where the run starts on a word, 32-bit runs otherwise. */
export function countBits(bm: usize, off: u64, len: u64): i32 {
  let n: i32 = 0;
  let k: u64 = 0;
  if ((off & 31) === 0) {
    const at = bm + <usize>((off >> 5) << 2);
    for (; k + 64 <= len; k += 64) n += <i32>popcnt<u64>(load<u64>(at + <usize>(k >> 3)));
  }
  for (; k < len; k += 32) n += popcnt<i32>(bitsAt(bm, off + k, <u32>min<u64>(32, len - k)));
  return n;
}

const BLOCK = memory.data(128, 16);

/** One exchange round of the transpose between vectors a and b (words k and k + j): bits j apart under mask m. */
// @ts-ignore: decorator
@inline function swapAcross(pa: usize, pb: usize, j: i32, m: v128): void {
  const a = v128.load(pa);
  const b = v128.load(pb);
  const t = v128.and(v128.xor(i32x4.shr_u(a, j), b), m);
  v128.store(pa, v128.xor(a, i32x4.shl(t, j)));
  v128.store(pb, v128.xor(b, t));
}

const LANES_02 = i32x4(-1, -1, 0, 0);
const LANES_0 = i32x4(-1, 0, -1, 0);

/**
 * In-place transpose of the 32x32 bit matrix at BLOCK (bit j of word i swaps with bit i of word
 * j), four words per vector: the rounds 16, 8 and 4 words apart pair whole vectors, the rounds 2
 * and 1 apart pair lanes inside one.
 */
function transpose32(): void {
  const a = BLOCK;
  const m16 = i32x4.splat(0x0000ffff), m8 = i32x4.splat(0x00ff00ff), m4 = i32x4.splat(0x0f0f0f0f);
  const m2 = i32x4.splat(0x33333333), m1 = i32x4.splat(0x55555555);
  for (let v: usize = 0; v < 4; v++) swapAcross(a + (v << 4), a + ((v + 4) << 4), 16, m16);
  for (let v: usize = 0; v < 8; v += 4) {
    swapAcross(a + (v << 4), a + ((v + 2) << 4), 8, m8);
    swapAcross(a + ((v + 1) << 4), a + ((v + 3) << 4), 8, m8);
  }
  for (let v: usize = 0; v < 8; v += 2) swapAcross(a + (v << 4), a + ((v + 1) << 4), 4, m4);
  for (let v: usize = 0; v < 8; v++) {
    const at = a + (v << 4);
    let x = v128.load(at);
    // Words 2 apart: lanes (0, 2) and (1, 3).
    let t = v128.and(v128.and(v128.xor(i32x4.shr_u(x, 2), v128.shuffle<i32>(x, x, 2, 3, 0, 1)), m2), LANES_02);
    x = v128.xor(v128.xor(x, i32x4.shl(t, 2)), v128.shuffle<i32>(t, t, 2, 3, 0, 1));
    // Words 1 apart: lanes (0, 1) and (2, 3).
    t = v128.and(v128.and(v128.xor(i32x4.shr_u(x, 1), v128.shuffle<i32>(x, x, 1, 0, 3, 2)), m1), LANES_0);
    x = v128.xor(v128.xor(x, i32x4.shl(t, 1)), v128.shuffle<i32>(t, t, 1, 0, 3, 2));
    v128.store(at, x);
  }
}

/**
 * ORs the transpose of each of `batches` P x Q bit matrices (batch b at bit b*P*Q of src) into
 * dst at the same bit offset (Q x P), 32x32 blocks at a time. dst must be zero there.
 */
export function transposeBits(src: usize, batches: i32, P: i32, Q: i32, dst: usize): void {
  const per = <u64>P * <u64>Q;
  if (((P | Q) & 31) === 0) return transposeAligned(src, batches, P, Q, dst);
  // Few columns (a 3x3 convolution's 9 kernel positions): 128 rows at a time by bytes, the rest below.
  const fast = Q >= 2 && Q <= 15 && (P & 7) === 0 ? P & ~127 : 0;
  for (let b = 0; b < batches; b++) {
    const off = <u64>b * per;
    if (fast) transposeNarrow(src + <usize>(off >> 3), P, Q, fast, dst + <usize>(off >> 3));
    for (let p0 = fast; p0 < P; p0 += 32) {
      const ph = <u32>min(32, P - p0);
      for (let q0 = 0; q0 < Q; q0 += 32) {
        const qw = <u32>min(32, Q - q0);
        for (let k: u32 = 0; k < 32; k++)
          store<u32>(BLOCK + (<usize>k << 2), k < ph ? bitsAt(src, off + <u64>(p0 + k) * <u64>Q + <u64>q0, qw) : 0);
        transpose32();
        for (let k: u32 = 0; k < qw; k++) orBits(dst, off + <u64>(q0 + k) * <u64>P + <u64>p0, load<u32>(BLOCK + (<usize>k << 2)), ph);
      }
    }
  }
}

const PLANES = memory.data(256, 16);

/** Byte shifts (x86 shifts 16-bit lanes at least: shift those, then mask what crossed over). */
// @ts-ignore: decorator
@inline function shr8(x: v128, s: i32): v128 {
  return v128.and(i16x8.shr_u(x, s), i8x16.splat(<i8>(0xff >> s)));
}

// @ts-ignore: decorator
@inline function shl8(x: v128, s: i32): v128 {
  return v128.and(i16x8.shl(x, s), i8x16.splat(<i8>((0xff << s) & 0xff)));
}

/** lo/hi byte interleaves of a and b (punpcklbw / punpckhbw). */
// @ts-ignore: decorator
@inline function lo8(a: v128, b: v128): v128 {
  return v128.shuffle<u8>(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

// @ts-ignore: decorator
@inline function hi8(a: v128, b: v128): v128 {
  return v128.shuffle<u8>(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

/**
 * One 16 x 16 byte transpose round at PLANES: vector 2i + h takes the h half of vectors i and
 * i + 8 interleaved. Four rounds transpose (each rotates the 8 bits of vector and lane index by one).
 */
function interleaveRound(): void {
  const a = PLANES;
  const x0 = v128.load(a), x1 = v128.load(a, 16), x2 = v128.load(a, 32), x3 = v128.load(a, 48);
  const x4 = v128.load(a, 64), x5 = v128.load(a, 80), x6 = v128.load(a, 96), x7 = v128.load(a, 112);
  const x8 = v128.load(a, 128), x9 = v128.load(a, 144), x10 = v128.load(a, 160), x11 = v128.load(a, 176);
  const x12 = v128.load(a, 192), x13 = v128.load(a, 208), x14 = v128.load(a, 224), x15 = v128.load(a, 240);
  v128.store(a, lo8(x0, x8)); v128.store(a, hi8(x0, x8), 16);
  v128.store(a, lo8(x1, x9), 32); v128.store(a, hi8(x1, x9), 48);
  v128.store(a, lo8(x2, x10), 64); v128.store(a, hi8(x2, x10), 80);
  v128.store(a, lo8(x3, x11), 96); v128.store(a, hi8(x3, x11), 112);
  v128.store(a, lo8(x4, x12), 128); v128.store(a, hi8(x4, x12), 144);
  v128.store(a, lo8(x5, x13), 160); v128.store(a, hi8(x5, x13), 176);
  v128.store(a, lo8(x6, x14), 192); v128.store(a, hi8(x6, x14), 208);
  v128.store(a, lo8(x7, x15), 224); v128.store(a, hi8(x7, x15), 240);
}

/** One delta swap of an 8 x 8 bit transpose over byte lanes: bits j apart under mask m, rows at x and x + 16d. */
// @ts-ignore: decorator
@inline function swapBits(at: usize, d: usize, j: i32, m: v128): void {
  const a = v128.load(at);
  const b = v128.load(at + (d << 4));
  const t = v128.and(v128.xor(i16x8.shr_u(a, j), b), m);
  v128.store(at + (d << 4), v128.xor(b, t));
  v128.store(at, v128.xor(a, i16x8.shl(t, j)));
}

const ROWS = memory.data(256, 16);

/** 8 x 8 bit transpose in each byte lane of the 8 vectors at `at` (row i bit c becomes row c bit i). */
function transpose8(at: usize): void {
  const m4 = i8x16.splat(0x0f), m2 = i8x16.splat(0x33), m1 = i8x16.splat(0x55);
  for (let i: usize = 0; i < 4; i++) swapBits(at + (i << 4), 4, 4, m4);
  for (let i: usize = 0; i < 8; i += 4) {
    swapBits(at + (i << 4), 2, 2, m2);
    swapBits(at + ((i + 1) << 4), 2, 2, m2);
  }
  for (let i: usize = 0; i < 8; i += 2) swapBits(at + (i << 4), 1, 1, m1);
}

/**
 * Rows [0, rows) (a multiple of 128) of one P x Q bit matrix (2 <= Q <= 15, P a multiple of 8,
 * starting on a byte) into its Q x P transpose, 16 bands of 8 rows at a time: a band's 8 rows of
 * Q bits are Q bytes; a byte transpose makes plane j (byte j of 16 bands), shifts cut each row's
 * Q bits out of the planes (as bytes: bits 0-7 and 8-14), and 8 x 8 bit transposes turn those
 * into output byte per column per band, 16 bands stored at once.
 */
function transposeNarrow(src: usize, P: i32, Q: i32, rows: i32, dst: usize): void {
  const q = <usize>Q;
  const rowBytes = <usize>(P >> 3);
  const lm: i32 = Q >= 8 ? 0xff : (1 << Q) - 1;
  const hm: i32 = Q > 8 ? (1 << (Q - 8)) - 1 : 0;
  const loMask = i8x16.splat(<i8>lm);
  const hiMask = i8x16.splat(<i8>hm);
  for (let p0 = 0; p0 < rows; p0 += 128) {
    const band0 = src + <usize>(p0 >> 3) * q;
    for (let l: usize = 0; l < 16; l++) v128.store(PLANES + (l << 4), v128.load(band0 + l * q));
    interleaveRound();
    interleaveRound();
    interleaveRound();
    interleaveRound();
    for (let i = 0; i < 8; i++) {
      const o = Q * i;
      const b = <usize>(o >> 3);
      const s = o & 7;
      const p = v128.load(PLANES + (b << 4));
      const n = v128.load(PLANES + ((b + 1) << 4));
      const lo = s ? v128.or(shr8(p, s), shl8(n, 8 - s)) : p;
      v128.store(ROWS + (<usize>i << 4), v128.and(lo, loMask));
      if (Q > 8) {
        const n2 = v128.load(PLANES + ((b + 2) << 4));
        const hi = s ? v128.or(shr8(n, s), shl8(n2, 8 - s)) : n;
        v128.store(ROWS + 128 + (<usize>i << 4), v128.and(hi, hiMask));
      }
    }
    transpose8(ROWS);
    if (Q > 8) transpose8(ROWS + 128);
    const out = dst + <usize>(p0 >> 3);
    for (let c: usize = 0; c < q; c++) v128.store(out + c * rowBytes, v128.load(ROWS + (c << 4)));
  }
}

/** Whole 32x32 blocks on word boundaries: plain word loads and stores. */
function transposeAligned(src: usize, batches: i32, P: i32, Q: i32, dst: usize): void {
  const qw = <usize>(Q >>> 5);
  const pw = <usize>(P >>> 5);
  const per = qw * pw * 128;
  for (let b = 0; b < batches; b++) {
    const s0 = src + <usize>b * per;
    const d0 = dst + <usize>b * per;
    for (let pb: usize = 0; pb < pw; pb++)
      for (let qb: usize = 0; qb < qw; qb++) {
        for (let k: usize = 0; k < 32; k++) store<u32>(BLOCK + (k << 2), load<u32>(s0 + (((pb << 5) + k) * qw + qb) * 4));
        transpose32();
        for (let k: usize = 0; k < 32; k++) store<u32>(d0 + (((qb << 5) + k) * pw + pb) * 4, load<u32>(BLOCK + (k << 2)));
      }
  }
}

/**
 * How many M-bit fields (M = 4, 8 or 16) of `words` words at bm hold more than n set bits.
 * Byte (and nibble) population counts, a compare, and a bitmask per vector; bits past the end are
 * zero, so a vector reaching past the last word counts nothing extra.
 */
export function fieldsOver(bm: usize, words: i32, n: i32, m: i32): i32 {
  const nv = i8x16.splat(<i8>n);
  const nw = i16x8.splat(<i16>n);
  const low = i8x16.splat(0x0f);
  let over: i32 = 0;
  const end = bm + (<usize>words << 2);
  for (let p = bm; p < end; p += 16) {
    const x = v128.load(p);
    if (!v128.any_true(x)) continue;
    if (m === 4) {
      const lo = i8x16.popcnt(v128.and(x, low));
      const hi = i8x16.popcnt(v128.and(i16x8.shr_u(x, 4), low));
      over += popcnt(i8x16.bitmask(i8x16.gt_u(lo, nv))) + popcnt(i8x16.bitmask(i8x16.gt_u(hi, nv)));
    } else if (m === 8) {
      over += popcnt(i8x16.bitmask(i8x16.gt_u(i8x16.popcnt(x), nv)));
    } else {
      over += popcnt(i16x8.bitmask(i16x8.gt_u(i16x8.extadd_pairwise_i8x16_u(i8x16.popcnt(x)), nw)));
    }
  }
  return over;
}

/**
 * Block rows: for each band b of r rows of a rows x k bitmap, the OR of its rows, as kw =
 * ceil(k/32) words at out + b*kw*4 (bits past k zero). Returns the number of bands.
 */
export function orBands(bm: usize, rows: i32, k: i32, r: i32, out: usize): i32 {
  const kw = (k + 31) >>> 5;
  const bands = (rows + r - 1) / r;
  memory.fill(out, 0, <usize>bands * <usize>kw * 4 + 16);
  const aligned = (k & 31) === 0;
  for (let row = 0; row < rows; row++) {
    const o = out + <usize>(row / r) * <usize>kw * 4;
    if (aligned) {
      const s = bm + <usize>row * <usize>kw * 4;
      let w = 0;
      for (; w + 4 <= kw; w += 4) v128.store(o + (<usize>w << 2), v128.or(v128.load(o + (<usize>w << 2)), v128.load(s + (<usize>w << 2))));
      for (; w < kw; w++) store<u32>(o + (<usize>w << 2), load<u32>(o + (<usize>w << 2)) | load<u32>(s + (<usize>w << 2)));
    } else {
      const base = <u64>row * <u64>k;
      for (let w = 0; w < kw; w++) {
        const len = <u32>min(32, k - (w << 5));
        store<u32>(o + (<usize>w << 2), load<u32>(o + (<usize>w << 2)) | bitsAt(bm, base + (<u64>w << 5), len));
      }
    }
  }
  return bands;
}

/**
 * c-wide column blocks (c a power of two <= 32) with any bit set over `words` words at bm whose
 * rows start on word boundaries: each c-bit field is folded onto its lowest bit, then counted.
 */
export function nonzeroFields(bm: usize, words: i32, c: i32): i32 {
  let m: u32 = 0;
  for (let i = 0; i < 32; i += c) m |= <u32>1 << i;
  const mv = i32x4.splat(m);
  let n: i32 = 0;
  const end = bm + (<usize>words << 2);
  let p = bm;
  for (; p + 16 <= end; p += 16) {
    let x = v128.load(p);
    for (let s = 1; s < c; s <<= 1) x = v128.or(x, i32x4.shr_u(x, s));
    const f = v128.and(x, mv);
    if (v128.any_true(f)) n += bytesSum(i8x16.popcnt(f));
  }
  for (; p < end; p += 4) {
    let x = load<u32>(p);
    for (let s = 1; s < c; s <<= 1) x |= x >> s;
    n += popcnt(x & m);
  }
  return n;
}

// @ts-ignore: decorator
@inline function bytesSum(f: v128): i32 {
  const s = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(f));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

/** Set bits over `words` words. */
export function popcount(bm: usize, words: i32): i32 {
  let n: i32 = 0;
  for (let w = 0; w < words; w++) n += popcnt(load<u32>(bm + (<usize>w << 2)));
  return n;
}

/** Rows of a rows x k bitmap with no bit set. */
export function zeroRows(bm: usize, rows: i32, k: i32): i32 {
  let zero: i32 = 0;
  for (let r = 0; r < rows; r++) {
    const base = <u64>r * <u64>k;
    let any: u32 = 0;
    for (let c = 0; c < k && !any; c += 32) any = bitsAt(bm, base + <u64>c, <u32>min(32, k - c));
    if (!any) zero++;
  }
  return zero;
}

/**
 * Input channels with no bit set, over `groups` bands of kw words at `bands` (each the OR of a
 * group's rows, k = positions x channels bits, channel-last): channel c of a band is set when any
 * kernel position s has bit s*channels + c set. `chan` is scratch for ceil(channels/32) words + 16 bytes.
 */
export function zeroChannels(bands: usize, groups: i32, positions: i32, channels: i32, chan: usize): i32 {
  const kw = ((positions * channels + 31) >>> 5);
  const cw = (channels + 31) >>> 5;
  let zero: i32 = 0;
  for (let g = 0; g < groups; g++) {
    const band = bands + <usize>g * <usize>kw * 4;
    memory.fill(chan, 0, <usize>cw * 4 + 16);
    for (let s = 0; s < positions; s++)
      for (let c = 0; c < channels; c += 32) {
        const len = <u32>min(32, channels - c);
        orBits(chan, <u64>c, bitsAt(band, <u64>s * <u64>channels + <u64>c, len), len);
      }
    zero += channels - popcount(chan, cw);
  }
  return zero;
}
