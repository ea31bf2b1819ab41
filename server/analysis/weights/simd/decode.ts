// Decoding into float32 magnitudes, so the magnitude pass and the N:M kernels run over one
// representation. Each result equals what server/analysis/weights/magnitudes.ts (the scalar
// reference) writes, bit for bit.

const H_MASK = i16x8.splat(0x7fff);
/** 2^112: scales a binary16 magnitude shifted into float32's exponent field to its value, subnormals included. */
const MAGIC: f32 = 5.192296858534828e33;
const MAGIC_V = f32x4.splat(MAGIC);
const H_FINITE = i32x4.splat(0x7bff);
/** Moves a shifted binary16 Inf/NaN exponent (31) to float32's (255). */
const H_NONFINITE = i32x4.splat(0x70000000);

// @ts-ignore: decorator
@inline function half4(m: v128): v128 {
  const b = i32x4.shl(m, 13);
  return v128.bitselect(i32x4.add(b, H_NONFINITE), f32x4.mul(b, MAGIC_V), i32x4.gt_s(m, H_FINITE));
}

// @ts-ignore: decorator
@inline function half1(h: u32): f32 {
  const m = h & 0x7fff;
  const b = m << 13;
  return m > 0x7bff ? reinterpret<f32>(b + 0x70000000) : reinterpret<f32>(b) * MAGIC;
}

/** |x| of n binary16 values at inp (any alignment) as float32 at out. */
export function decodeHalf(inp: usize, n: i32, out: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const h = v128.and(v128.load(inp + (<usize>i << 1)), H_MASK);
    const o = out + (<usize>i << 2);
    v128.store(o, half4(i32x4.extend_low_i16x8_u(h)));
    v128.store(o, half4(i32x4.extend_high_i16x8_u(h)), 16);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), half1(load<u16>(inp + (<usize>i << 1))));
}

/** |x| of n bfloat16 values at inp as float32 at out: the top half of a float32. */
export function decodeBf16(inp: usize, n: i32, out: usize): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const h = v128.and(v128.load(inp + (<usize>i << 1)), H_MASK);
    const o = out + (<usize>i << 2);
    v128.store(o, i32x4.shl(i32x4.extend_low_i16x8_u(h), 16));
    v128.store(o, i32x4.shl(i32x4.extend_high_i16x8_u(h), 16), 16);
  }
  for (; i < n; i++) store<u32>(out + (<usize>i << 2), (<u32>load<u16>(inp + (<usize>i << 1)) & 0x7fff) << 16);
}

/**
 * |q - zero point| x scale of n 8-bit integers at inp as float32 at out, computed in f64 and
 * rounded once, as the scalar reference does. Zero points are an i16 table at `zpt` and scales an
 * f64 table at `sct` (0: no scale), one entry per slice of the quantization axis; element i of
 * the chunk is in slice a and at position r inside it, starting from (a0, r0). Slices of 16 or
 * more elements run with their zero point and scale splat; slices of one element (per-column
 * quantization of a [K, N] operand) read the tables as vectors.
 */
export function dequant8(inp: usize, n: i32, out: usize, signed: i32, zpt: usize, sct: usize, axisLen: i32, inner: i32, a0: i32, r0: i32): void {
  let a = a0;
  let r = r0;
  let i = 0;
  while (i < n) {
    if (inner === 1) {
      const len = min(axisLen - a, n - i);
      tableRun(inp + <usize>i, len, out + (<usize>i << 2), signed, zpt + (<usize>a << 1), sct ? sct + (<usize>a << 3) : 0);
      i += len;
      a += len;
      if (a === axisLen) a = 0;
    } else {
      const len = min(inner - r, n - i);
      splatRun(inp + <usize>i, len, out + (<usize>i << 2), signed, load<i16>(zpt + (<usize>a << 1)), sct ? load<f64>(sct + (<usize>a << 3)) : 1, sct !== 0);
      i += len;
      r += len;
      if (r === inner) {
        r = 0;
        if (++a === axisLen) a = 0;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function widenLow(raw: v128, signed: i32): v128 {
  return signed ? i16x8.extend_low_i8x16_s(raw) : i16x8.extend_low_i8x16_u(raw);
}

// @ts-ignore: decorator
@inline function widenHigh(raw: v128, signed: i32): v128 {
  return signed ? i16x8.extend_high_i8x16_s(raw) : i16x8.extend_high_i8x16_u(raw);
}

/** Four |q - zp| (u32 lanes) times two f64x2 scales, rounded to float32 once. */
// @ts-ignore: decorator
@inline function scaled4(d: v128, s0: v128, s1: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.convert_low_i32x4_u(d), s0));
  const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.convert_low_i32x4_u(v128.shuffle<i32>(d, d, 2, 3, 0, 1)), s1));
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

/** Stores 8 magnitudes from |q - zp| as i16x8 `d`: converted, or scaled by s (four f64x2) when `scaled`. */
// @ts-ignore: decorator
@inline function store8(o: usize, d: v128, scaled: bool, s0: v128, s1: v128, s2: v128, s3: v128): void {
  const lo = i32x4.extend_low_i16x8_u(d);
  const hi = i32x4.extend_high_i16x8_u(d);
  if (scaled) {
    v128.store(o, scaled4(lo, s0, s1));
    v128.store(o, scaled4(hi, s2, s3), 16);
  } else {
    v128.store(o, f32x4.convert_i32x4_u(lo));
    v128.store(o, f32x4.convert_i32x4_u(hi), 16);
  }
}

function splatRun(inp: usize, n: i32, out: usize, signed: i32, zp: i16, scale: f64, scaled: bool): void {
  const z = i16x8.splat(zp);
  const s = f64x2.splat(scale);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const raw = v128.load(inp + <usize>i);
    const o = out + (<usize>i << 2);
    store8(o, i16x8.abs(i16x8.sub(widenLow(raw, signed), z)), scaled, s, s, s, s);
    store8(o + 32, i16x8.abs(i16x8.sub(widenHigh(raw, signed), z)), scaled, s, s, s, s);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), one(inp + <usize>i, signed, zp, scale));
}

function tableRun(inp: usize, n: i32, out: usize, signed: i32, zpt: usize, sct: usize): void {
  const scaled = sct !== 0;
  const one1 = f64x2.splat(1);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const raw = v128.load(inp + <usize>i);
    const o = out + (<usize>i << 2);
    const z = zpt + (<usize>i << 1);
    const sp = sct + (<usize>i << 3);
    const dl = i16x8.abs(i16x8.sub(widenLow(raw, signed), v128.load(z)));
    const dh = i16x8.abs(i16x8.sub(widenHigh(raw, signed), v128.load(z, 16)));
    if (scaled) {
      store8(o, dl, true, v128.load(sp), v128.load(sp, 16), v128.load(sp, 32), v128.load(sp, 48));
      store8(o + 32, dh, true, v128.load(sp, 64), v128.load(sp, 80), v128.load(sp, 96), v128.load(sp, 112));
    } else {
      store8(o, dl, false, one1, one1, one1, one1);
      store8(o + 32, dh, false, one1, one1, one1, one1);
    }
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), one(inp + <usize>i, signed, load<i16>(zpt + (<usize>i << 1)), scaled ? load<f64>(sct + (<usize>i << 3)) : 1));
}

// @ts-ignore: decorator
@inline function one(p: usize, signed: i32, zp: i16, scale: f64): f32 {
  const q: i32 = signed ? <i32>load<i8>(p) : <i32>load<u8>(p);
  return <f32>(<f64>abs<i32>(q - <i32>zp) * scale);
}
