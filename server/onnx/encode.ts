import { float16Bits } from './float16';
import { float4Magnitudes, float8Magnitudes, type Float8Name } from './float-tables';
import { rawByteLength, type DType } from './dtypes';

/**
 * Element values to a dtype's raw_data bytes (little-endian; 4-bit types two per byte, low nibble
 * first). Narrow floats round to the nearest representable value. Used to build models in code:
 * tests, the demo and the benchmark.
 */
export function encodeValues(d: DType, values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(rawByteLength(d, n) + 8).subarray(0, rawByteLength(d, n));
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    switch (d.name) {
      case 'float32': dv.setFloat32(4 * i, v, true); break;
      case 'float64': dv.setFloat64(8 * i, v, true); break;
      case 'int8': dv.setInt8(i, v); break;
      case 'uint8': dv.setUint8(i, v); break;
      case 'bool': dv.setUint8(i, v ? 1 : 0); break;
      case 'int16': dv.setInt16(2 * i, v, true); break;
      case 'uint16': dv.setUint16(2 * i, v, true); break;
      case 'int32': dv.setInt32(4 * i, v, true); break;
      case 'uint32': dv.setUint32(4 * i, v, true); break;
      case 'int64': dv.setBigInt64(8 * i, BigInt(v), true); break;
      case 'uint64': dv.setBigUint64(8 * i, BigInt(v), true); break;
      case 'float16': dv.setUint16(2 * i, float16Bits(v), true); break;
      case 'bfloat16': dv.setUint16(2 * i, bfloat16Bits(v), true); break;
      case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz':
        out[i] = float8Code(d.name as Float8Name, v);
        break;
      case 'int4': case 'uint4': case 'float4e2m1': {
        const code = d.name === 'float4e2m1' ? nearestCode(float4Magnitudes.subarray(0, 8), v, 3) : v & 15;
        out[i >> 1] |= code << ((i & 1) << 2);
        break;
      }
      default: throw new Error(`cannot encode dtype ${d.name}`);
    }
  }
  return out;
}

/** Code of the magnitude nearest |v| in a table indexed by magnitude code, with the sign at bit `signBit`. */
function nearestCode(table: Float32Array, v: number, signBit: number): number {
  const a = Math.abs(v);
  let best = 0;
  for (let c = 1; c < table.length; c++) if (Math.abs(table[c] - a) < Math.abs(table[best] - a)) best = c;
  return v < 0 || Object.is(v, -0) ? best | (1 << signBit) : best;
}

function float8Code(name: Float8Name, v: number): number {
  const t = float8Magnitudes(name);
  const fnuz = name.endsWith('fnuz');
  let best = 0;
  for (let c = 1; c < 128; c++) if (Math.abs(t[c] - Math.abs(v)) < Math.abs(t[best] - Math.abs(v))) best = c;
  // FNUZ formats have no negative zero (0x80 is NaN).
  return v < 0 && !(fnuz && best === 0) ? best | 0x80 : best;
}

function bfloat16Bits(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}
