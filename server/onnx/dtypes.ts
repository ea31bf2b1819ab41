/**
 * The one dtype table: every ONNX TensorProto.DataType we read, how wide it is in raw_data,
 * and which typed repeated field may carry it instead (onnx.proto, "TensorProto").
 * onnx-proto's enum stops at BFLOAT16 (16); 17..23 are handled here by number.
 */

import type { DTypeName } from '../../common/protocol';

export type { DTypeName };

/** Which repeated field of TensorProto holds the values when raw_data is absent. */
export type TypedField = 'float_data' | 'int32_data' | 'int64_data' | 'double_data' | 'uint64_data' | 'string_data';

export interface DType {
  readonly id: number;
  readonly name: DTypeName;
  /** Bits per element in raw_data (4 for the packed 4-bit types). */
  readonly bits: number;
  readonly field: TypedField;
  /** Integer types may carry a quantization zero point. */
  readonly integer: boolean;
  /** Types whose magnitude we can measure (strings and complex numbers are listed, not analysed). */
  readonly numeric: boolean;
}

const table: DType[] = [
  { id: 1, name: 'float32', bits: 32, field: 'float_data', integer: false, numeric: true },
  { id: 2, name: 'uint8', bits: 8, field: 'int32_data', integer: true, numeric: true },
  { id: 3, name: 'int8', bits: 8, field: 'int32_data', integer: true, numeric: true },
  { id: 4, name: 'uint16', bits: 16, field: 'int32_data', integer: true, numeric: true },
  { id: 5, name: 'int16', bits: 16, field: 'int32_data', integer: true, numeric: true },
  { id: 6, name: 'int32', bits: 32, field: 'int32_data', integer: true, numeric: true },
  { id: 7, name: 'int64', bits: 64, field: 'int64_data', integer: true, numeric: true },
  { id: 8, name: 'string', bits: 0, field: 'string_data', integer: false, numeric: false },
  { id: 9, name: 'bool', bits: 8, field: 'int32_data', integer: false, numeric: true },
  { id: 10, name: 'float16', bits: 16, field: 'int32_data', integer: false, numeric: true },
  { id: 11, name: 'float64', bits: 64, field: 'double_data', integer: false, numeric: true },
  { id: 12, name: 'uint32', bits: 32, field: 'uint64_data', integer: true, numeric: true },
  { id: 13, name: 'uint64', bits: 64, field: 'uint64_data', integer: true, numeric: true },
  { id: 14, name: 'complex64', bits: 64, field: 'float_data', integer: false, numeric: false },
  { id: 15, name: 'complex128', bits: 128, field: 'double_data', integer: false, numeric: false },
  { id: 16, name: 'bfloat16', bits: 16, field: 'int32_data', integer: false, numeric: true },
  { id: 17, name: 'float8e4m3fn', bits: 8, field: 'int32_data', integer: false, numeric: true },
  { id: 18, name: 'float8e4m3fnuz', bits: 8, field: 'int32_data', integer: false, numeric: true },
  { id: 19, name: 'float8e5m2', bits: 8, field: 'int32_data', integer: false, numeric: true },
  { id: 20, name: 'float8e5m2fnuz', bits: 8, field: 'int32_data', integer: false, numeric: true },
  { id: 21, name: 'uint4', bits: 4, field: 'int32_data', integer: true, numeric: true },
  { id: 22, name: 'int4', bits: 4, field: 'int32_data', integer: true, numeric: true },
  { id: 23, name: 'float4e2m1', bits: 4, field: 'int32_data', integer: false, numeric: true },
];

const byId = new Map(table.map((d) => [d.id, d]));
const byName = new Map(table.map((d) => [d.name, d]));

export function dtypeById(id: number): DType | undefined {
  return byId.get(id);
}

export function dtypeByName(name: DTypeName): DType {
  const d = byName.get(name);
  if (!d) throw new Error(`unknown dtype name ${name}`);
  return d;
}

/** Bytes that `elements` values of `d` occupy in raw_data (4-bit types pack two per byte). */
export function rawByteLength(d: DType, elements: number): number {
  return Math.ceil((elements * d.bits) / 8);
}

/** Bytes per addressable unit in raw_data: the alignment a typed-array view needs. */
export function unitBytes(d: DType): number {
  return Math.max(1, d.bits >> 3);
}

/** Bytes per entry of the typed fields in native layout: a 4-bit type packs two values in each. */
export function entryBytes(d: DType): number {
  return d.bits === 4 ? 1 : unitBytes(d);
}
