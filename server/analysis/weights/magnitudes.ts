import type { DType } from '../../onnx/dtypes';
import type { Chunk } from '../../onnx/chunks';
import { float16Magnitudes, float4Magnitudes, float8Magnitudes, type Float8Name } from '../../onnx/float-tables';

/**
 * Zero point and scale of a quantized weight: one value (per-tensor) or one per slice of `axis`.
 * Element i belongs to slice floor(i / inner) % axisLen.
 */
export interface Quantization {
  readonly zeroPoint: Float64Array;
  /** Dequantization scale; when absent, magnitudes are in integer steps. */
  readonly scale?: Float64Array;
  readonly axisLen: number;
  readonly inner: number;
}

/**
 * Writes a chunk of any numeric dtype into `out` as float32 magnitudes |x - zero point| x scale, so
 * the metric kernels run over one representation. float32 bytes are copied as they are (the
 * kernels ignore sign bits), so they may sit at any alignment. Exact zeros stay exactly zero for
 * every dtype.
 */
export function toMagnitudes(d: DType, c: Chunk, q: Quantization | undefined, out: Float32Array): Float32Array {
  const { bytes, count: n } = c;
  const buf = bytes.buffer;
  const off = bytes.byteOffset;
  switch (d.name) {
    case 'float32':
      new Uint8Array(out.buffer, out.byteOffset, 4 * n).set(bytes.subarray(0, 4 * n));
      return out;
    case 'float64': {
      const src = new Float64Array(buf, off, n);
      for (let i = 0; i < n; i++) {
        const v = Math.abs(src[i]);
        const f = Math.fround(v);
        // Values below float32's range would read as zero; keep them nonzero (smallest subnormal).
        out[i] = f === 0 && v !== 0 ? 1.401298464324817e-45 : f;
      }
      return out;
    }
    case 'float16': {
      const src = new Uint16Array(buf, off, n);
      const t = float16Magnitudes();
      for (let i = 0; i < n; i++) out[i] = t[src[i] & 0x7fff];
      return out;
    }
    case 'bfloat16': {
      const src = new Uint16Array(buf, off, n);
      const o = new Uint32Array(out.buffer, out.byteOffset, n);
      for (let i = 0; i < n; i++) o[i] = (src[i] & 0x7fff) << 16;
      return out;
    }
    case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz': {
      const t = float8Magnitudes(d.name as Float8Name);
      for (let i = 0; i < n; i++) out[i] = t[bytes[i]];
      return out;
    }
    case 'float4e2m1':
      for (let i = 0; i < n; i++) out[i] = float4Magnitudes[(bytes[i >> 1] >> ((i & 1) << 2)) & 15];
      return out;
    case 'bool':
      for (let i = 0; i < n; i++) out[i] = bytes[i] ? 1 : 0;
      return out;
    case 'int4': case 'uint4':
      return nibbles(bytes, n, d.name === 'int4', c.first, q, out);
    case 'int64': case 'uint64':
      return wide(new Uint32Array(buf, off, 2 * n), n, d.name === 'int64', c.first, q, out);
    default:
      return integers(integerView(d, bytes, n), n, c.first, q, out);
  }
}

function integerView(d: DType, b: Uint8Array, n: number): ArrayLike<number> {
  switch (d.name) {
    case 'uint8': return b.subarray(0, n);
    case 'int8': return new Int8Array(b.buffer, b.byteOffset, n);
    case 'uint16': return new Uint16Array(b.buffer, b.byteOffset, n);
    case 'int16': return new Int16Array(b.buffer, b.byteOffset, n);
    case 'int32': return new Int32Array(b.buffer, b.byteOffset, n);
    case 'uint32': return new Uint32Array(b.buffer, b.byteOffset, n);
    default: throw new Error(`no integer view for ${d.name}`);
  }
}

/** Walks slice indexes for per-axis quantization without a division per element. */
class AxisCursor {
  a: number;
  r: number;
  constructor(private readonly q: Quantization, first: number) {
    this.a = Math.floor(first / q.inner) % q.axisLen;
    this.r = first % q.inner;
  }
  next(): void {
    if (++this.r === this.q.inner) {
      this.r = 0;
      if (++this.a === this.q.axisLen) this.a = 0;
    }
  }
}

function integers(src: ArrayLike<number>, n: number, first: number, q: Quantization | undefined, out: Float32Array): Float32Array {
  if (!q) {
    for (let i = 0; i < n; i++) out[i] = Math.abs(src[i]);
    return out;
  }
  const cur = new AxisCursor(q, first);
  const { zeroPoint: zp, scale } = q;
  for (let i = 0; i < n; i++, cur.next()) {
    const a = cur.a;
    out[i] = Math.abs(src[i] - zp[a]) * (scale ? scale[a] : 1);
  }
  return out;
}

function nibbles(b: Uint8Array, n: number, signed: boolean, first: number, q: Quantization | undefined, out: Float32Array): Float32Array {
  const cur = q ? new AxisCursor(q, first) : undefined;
  for (let i = 0; i < n; i++) {
    let v = (b[i >> 1] >> ((i & 1) << 2)) & 15;
    if (signed && v > 7) v -= 16;
    if (cur && q) {
      out[i] = Math.abs(v - q.zeroPoint[cur.a]) * (q.scale ? q.scale[cur.a] : 1);
      cur.next();
    } else out[i] = Math.abs(v);
  }
  return out;
}

function wide(u: Uint32Array, n: number, signed: boolean, first: number, q: Quantization | undefined, out: Float32Array): Float32Array {
  const cur = q ? new AxisCursor(q, first) : undefined;
  for (let i = 0; i < n; i++) {
    const lo = u[2 * i];
    const hi = signed ? u[2 * i + 1] | 0 : u[2 * i + 1];
    let v = hi * 4294967296 + lo;
    if (cur && q) {
      v = Math.abs(v - q.zeroPoint[cur.a]) * (q.scale ? q.scale[cur.a] : 1);
      cur.next();
    }
    const m = Math.abs(v);
    out[i] = m !== 0 && Math.fround(m) === 0 ? 1.401298464324817e-45 : m;
  }
  return out;
}
