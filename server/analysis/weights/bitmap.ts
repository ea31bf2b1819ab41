/**
 * Nonzero bitmaps: bit i of a tensor (or of its GEMM view) is bit i%32 of word i>>5. Rows are not
 * padded, so any run of up to 32 bits is read with two word loads.
 */

export function newBitmap(bits: number): Uint32Array {
  return new Uint32Array(Math.ceil(bits / 32));
}

/** Bits [off, off+len) as the low `len` bits of a number; len in 1..32. */
export function getBits(bm: Uint32Array, off: number, len: number): number {
  const w = off >>> 5;
  const s = off & 31;
  let v = bm[w] >>> s;
  if (s + len > 32) v |= bm[w + 1] << (32 - s);
  return len === 32 ? v >>> 0 : v & ((1 << len) - 1);
}

/** ORs the low `len` bits of v into bits [off, off+len); len in 1..32. */
export function orBits(bm: Uint32Array, off: number, v: number, len: number): void {
  if (len < 32) v &= (1 << len) - 1;
  if (v === 0) return;
  const w = off >>> 5;
  const s = off & 31;
  bm[w] |= v << s;
  if (s + len > 32) bm[w + 1] |= v >>> (32 - s);
}

export function countBits(bm: Uint32Array, off: number, len: number): number {
  let n = 0;
  for (let k = 0; k < len; k += 32) n += popcount(getBits(bm, off + k, Math.min(32, len - k)));
  return n;
}

export function anyBits(bm: Uint32Array, off: number, len: number): boolean {
  for (let k = 0; k < len; k += 32) if (getBits(bm, off + k, Math.min(32, len - k)) !== 0) return true;
  return false;
}

/** In-place transpose of a 32x32 bit matrix: bit j of a[i] swaps with bit i of a[j]. */
export function transpose32(a: Uint32Array): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m ^= m << j) {
    for (let k = 0; k < 32; k = ((k | j) + 1) & ~j) {
      const t = ((a[k] >>> j) ^ a[k | j]) & m;
      a[k] ^= t << j;
      a[k | j] ^= t;
    }
  }
}

const block = new Uint32Array(32);

/**
 * Writes the transpose of the P x Q bit matrix at src[srcOff..] to dst[dstOff..] (Q x P), 32x32
 * blocks at a time. dst must be zero there (bits are OR-ed).
 */
export function transposeBits(src: Uint32Array, srcOff: number, P: number, Q: number, dst: Uint32Array, dstOff: number): void {
  if (((srcOff | dstOff | P | Q) & 31) === 0) return transposeAligned(src, srcOff >>> 5, P, Q, dst, dstOff >>> 5);
  for (let p0 = 0; p0 < P; p0 += 32) {
    const ph = Math.min(32, P - p0);
    for (let q0 = 0; q0 < Q; q0 += 32) {
      const qw = Math.min(32, Q - q0);
      for (let k = 0; k < 32; k++) block[k] = k < ph ? getBits(src, srcOff + (p0 + k) * Q + q0, qw) : 0;
      transpose32(block);
      for (let k = 0; k < qw; k++) orBits(dst, dstOff + (q0 + k) * P + p0, block[k], ph);
    }
  }
}

/** Whole 32x32 blocks on word boundaries: plain word loads and stores. */
function transposeAligned(src: Uint32Array, s0: number, P: number, Q: number, dst: Uint32Array, d0: number): void {
  const qw = Q >>> 5;
  const pw = P >>> 5;
  for (let pb = 0; pb < pw; pb++)
    for (let qb = 0; qb < qw; qb++) {
      for (let k = 0; k < 32; k++) block[k] = src[s0 + (pb * 32 + k) * qw + qb];
      transpose32(block);
      for (let k = 0; k < 32; k++) dst[d0 + (qb * 32 + k) * pw + pb] = block[k];
    }
}

/** Set bits of a 32-bit word (SWAR). */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
