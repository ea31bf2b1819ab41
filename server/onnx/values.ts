import { float16Magnitudes, float4Magnitudes, float8Magnitudes, type Float8Name } from './float-tables';
import { writeInMemory } from './chunks';
import { rawByteLength, type DType } from './dtypes';
import type { TensorRef } from './tensor';

/** Small tensors only: shapes, axes, zero points, scales. Bigger ones are never turned into numbers. */
export const SMALL_TENSOR_LIMIT = 1 << 20;

/**
 * The signed values of a small in-memory constant (shape inputs, zero points, scales), or
 * undefined when it is large, external, or not numeric. int64 values past 2^53 round.
 */
export function smallValues(t: TensorRef): Float64Array | undefined {
  if (t.elements > SMALL_TENSOR_LIMIT || !t.dtype.numeric) return undefined;
  // 8 spare bytes: nativeToValues reads whole 64-bit words.
  const native = new Uint8Array(rawByteLength(t.dtype, t.elements) + 8);
  return writeInMemory(t, native) ? nativeToValues(t.dtype, native, t.elements) : undefined;
}

/** Values from native-layout bytes at any alignment (a chunk of an external tensor, say). */
export function unalignedToValues(d: DType, bytes: Uint8Array, n: number): Float64Array {
  const aligned = new Uint8Array(bytes.length + 8);
  aligned.set(bytes);
  return nativeToValues(d, aligned, n);
}

/** Native little-endian layout (8-byte aligned buffer) to signed values. */
export function nativeToValues(d: DType, b: Uint8Array, n: number): Float64Array {
  const out = new Float64Array(n);
  const buf = b.buffer;
  const o = b.byteOffset;
  const sign16 = (u: number, mag: number): number => (u & 0x8000 ? -mag : mag);
  switch (d.name) {
    case 'float32': out.set(new Float32Array(buf, o, n)); break;
    case 'float64': out.set(new Float64Array(buf, o, n)); break;
    case 'int8': out.set(new Int8Array(buf, o, n)); break;
    case 'uint8': case 'bool': out.set(b.subarray(0, n)); break;
    case 'int16': out.set(new Int16Array(buf, o, n)); break;
    case 'uint16': out.set(new Uint16Array(buf, o, n)); break;
    case 'int32': out.set(new Int32Array(buf, o, n)); break;
    case 'uint32': out.set(new Uint32Array(buf, o, n)); break;
    case 'int64': case 'uint64': {
      const u = new Uint32Array(buf, o, 2 * n);
      for (let i = 0; i < n; i++) out[i] = (d.name === 'int64' ? u[2 * i + 1] | 0 : u[2 * i + 1]) * 4294967296 + u[2 * i];
      break;
    }
    case 'float16': {
      const u = new Uint16Array(buf, o, n);
      const t = float16Magnitudes();
      for (let i = 0; i < n; i++) out[i] = sign16(u[i], t[u[i] & 0x7fff]);
      break;
    }
    case 'bfloat16': {
      const u = new Uint16Array(buf, o, n);
      const f = new Float32Array(1);
      const w = new Uint32Array(f.buffer);
      for (let i = 0; i < n; i++) {
        w[0] = u[i] << 16;
        out[i] = f[0];
      }
      break;
    }
    case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz': {
      const t = float8Magnitudes(d.name as Float8Name);
      // The table already maps the FNUZ NaN code 0x80 to NaN; elsewhere the top bit is the sign.
      for (let i = 0; i < n; i++) out[i] = b[i] & 0x80 ? -t[b[i]] : t[b[i]];
      break;
    }
    case 'int4': case 'uint4': case 'float4e2m1':
      for (let i = 0; i < n; i++) {
        const v = (b[i >> 1] >> ((i & 1) << 2)) & 15;
        out[i] = d.name === 'uint4' ? v : d.name === 'int4' ? (v > 7 ? v - 16 : v) : v & 8 ? -float4Magnitudes[v] : float4Magnitudes[v];
      }
      break;
    default:
      throw new Error(`no values for dtype ${d.name}`);
  }
  return out;
}
