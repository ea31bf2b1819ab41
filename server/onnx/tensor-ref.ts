import { AnalysisError } from '../errors';
import { dtypeById, rawByteLength, type DType } from './dtypes';
import { FIELD, type LazyTensorProto } from './tensor-proto';
import { product, type TensorData, type TensorRef, type VarintField, type WeightLocation } from './tensor';

export interface TensorPlace {
  file: string;
  location: WeightLocation;
  graph: string;
  /** Name to use when the proto has none (a Constant node's output). */
  name?: string;
}

const fieldNumber: Record<DType['field'], number> = {
  float_data: FIELD.float, int32_data: FIELD.int32, int64_data: FIELD.int64,
  double_data: FIELD.double, uint64_data: FIELD.uint64, string_data: FIELD.string,
};

/**
 * Validates a decoded TensorProto and says where its values are. Every size is checked against
 * the shape here, before anything is allocated from it.
 */
export function toTensorRef(t: LazyTensorProto, place: TensorPlace): TensorRef {
  const name = place.name ?? t.name;
  const fail = (msg: string): never => {
    throw new AnalysisError(msg, { file: place.file, tensor: name });
  };
  const dtype = dtypeById(t.dataType);
  if (!dtype) return fail(`unknown data type ${t.dataType}`);
  if (t.hasSegment) fail('segmented tensors (TensorProto.segment) are not supported');
  for (const d of t.dims) {
    if (d < 0) fail(`negative dimension in shape [${t.dims.join(', ')}]`);
    if (!Number.isSafeInteger(d)) fail(`dimension ${d} in shape [${t.dims.join(', ')}] is past 2^53`);
  }
  const elements = product(t.dims);
  if (!Number.isSafeInteger(elements)) fail(`shape [${t.dims.join(', ')}] has too many elements`);
  const data = locateData(t, dtype, elements, fail);
  return { name, dtype, dims: t.dims, elements, location: place.location, graph: place.graph, data };
}

function locateData(t: LazyTensorProto, dtype: DType, elements: number, fail: (m: string) => never): TensorData {
  const shape = `[${t.dims.join(', ')}] ${dtype.name}`;
  if (t.dataLocation === 1) return externalData(t, fail);
  if (dtype.name === 'string') {
    if (t.stringCount !== elements) fail(`string_data holds ${t.stringCount} values, shape ${shape} needs ${elements}`);
    return { kind: 'none' };
  }
  const expectedBytes = rawByteLength(dtype, elements);
  if (t.raw) {
    if (t.raw.length !== expectedBytes)
      fail(`raw_data holds ${t.raw.length} bytes, shape ${shape} needs ${expectedBytes}`);
    return { kind: 'bytes', bytes: t.raw };
  }
  const field = fieldNumber[dtype.field];
  for (const f of [...t.packed.keys(), ...t.unpacked.keys()])
    if (f !== field) fail(`values are in field ${f}, but dtype ${dtype.name} keeps them in ${dtype.field}`);
  // The typed fields hold one entry per element, except: complex numbers take two, 4-bit types pack two per entry.
  const entries = dtype.name.startsWith('complex') ? elements * 2 : dtype.bits === 4 ? Math.ceil(elements / 2) : elements;
  const packed = t.packed.get(field);
  const unpacked = t.unpacked.get(field);
  if (packed) {
    if (field === FIELD.float || field === FIELD.double) {
      if (packed.length !== expectedBytes)
        fail(`${dtype.field} holds ${packed.length} bytes, shape ${shape} needs ${expectedBytes}`);
      return { kind: 'bytes', bytes: packed };
    }
    const count = countVarints(packed);
    if (count !== entries) fail(`${dtype.field} holds ${count} values, shape ${shape} needs ${entries}`);
    return { kind: 'varints', bytes: packed, count, field: dtype.field as VarintField };
  }
  if (unpacked) {
    if (unpacked.length !== entries) fail(`${dtype.field} holds ${unpacked.length} values, shape ${shape} needs ${entries}`);
    return { kind: 'numbers', values: unpacked.view() };
  }
  if (elements > 0) fail(`no data: neither raw_data, ${dtype.field} nor external data is set`);
  return { kind: 'none' };
}

function externalData(t: LazyTensorProto, fail: (m: string) => never): TensorData {
  let location = '';
  let offset = 0;
  let length: number | undefined;
  const integer = (key: string, v: string): number => {
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) fail(`external data ${key} '${v}' is not a byte count`);
    return Number(v);
  };
  for (const { key, value } of t.externalData) {
    if (key === 'location') location = value;
    else if (key === 'offset') offset = integer(key, value);
    else if (key === 'length') length = integer(key, value);
  }
  if (!location) fail('data_location is EXTERNAL but external_data has no location');
  return { kind: 'external', location, offset, length };
}

/** Packed varints end where a byte has its high bit clear. */
export function countVarints(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) n += (bytes[i] >>> 7) ^ 1;
  if (bytes.length > 0 && bytes[bytes.length - 1] & 0x80) return -1;
  return n;
}
