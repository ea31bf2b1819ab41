/**
 * Magnitude lookup tables for the narrow float formats: index by the bit pattern without its sign
 * (or the whole byte for the *fnuz types, whose 0x80 is NaN, not -0). NaN codes map to NaN.
 * Formats: IEEE 754 binary16; OCP 8-bit floats (E4M3FN, E5M2) and the FNUZ variants as ONNX defines
 * them (onnx/docs/Float8.md); OCP MX FP4 E2M1.
 */

function minifloat(exp: number, mant: number, bias: number, mantBits: number): number {
  const m = mant / (1 << mantBits);
  return exp === 0 ? m * 2 ** (1 - bias) : (1 + m) * 2 ** (exp - bias);
}

function build(size: number, value: (code: number) => number): Float32Array {
  const t = new Float32Array(size);
  for (let c = 0; c < size; c++) t[c] = value(c);
  return t;
}

let f16: Float32Array | undefined;
/** |x| for the 15 low bits of a binary16 value. */
export function float16Magnitudes(): Float32Array {
  return (f16 ??= build(1 << 15, (c) => {
    const e = c >> 10;
    const m = c & 0x3ff;
    if (e === 31) return m ? NaN : Infinity;
    return minifloat(e, m, 15, 10);
  }));
}

export type Float8Name = 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz';

const f8 = new Map<Float8Name, Float32Array>();
/** |x| for every byte of an 8-bit float (sign included in the index). */
export function float8Magnitudes(name: Float8Name): Float32Array {
  let t = f8.get(name);
  if (!t) {
    t = build(256, (code) => {
      const c = code & 0x7f;
      switch (name) {
        case 'float8e4m3fn':
          return c === 0x7f ? NaN : minifloat(c >> 3, c & 7, 7, 3);
        case 'float8e4m3fnuz':
          return code === 0x80 ? NaN : minifloat(c >> 3, c & 7, 8, 3);
        case 'float8e5m2':
          if (c >> 2 === 31) return c & 3 ? NaN : Infinity;
          return minifloat(c >> 2, c & 3, 15, 2);
        case 'float8e5m2fnuz':
          return code === 0x80 ? NaN : minifloat(c >> 2, c & 3, 16, 2);
      }
    });
    f8.set(name, t);
  }
  return t;
}

/** |x| for the 16 codes of FP4 E2M1: 0, 0.5, 1, 1.5, 2, 3, 4, 6 (and their negatives). */
export const float4Magnitudes: Float32Array = build(16, (c) => minifloat((c >> 1) & 3, c & 1, 1, 1));
