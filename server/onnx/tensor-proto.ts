import { Reader } from 'protobufjs/minimal';
import { int64ToNumber, type Int64Like } from './long';

/**
 * Our decoder for onnx.TensorProto. onnx-proto's generated one pushes every float_data/int32_data
 * element into a JS array (a 100M-element weight becomes a 100M-entry array); this one records
 * where the values are and leaves them in the file buffer. Field numbers are from onnx.proto.
 */
export interface LazyTensorProto {
  readonly lazy: true;
  name: string;
  dataType: number;
  /** As decoded; toTensorRef rejects any that is not a safe non-negative integer, naming the tensor. */
  dims: number[];
  docString: string;
  dataLocation: number;
  externalData: { key: string; value: string }[];
  hasSegment: boolean;
  raw?: Uint8Array;
  /** Packed runs of the typed fields, by field number, as views of the buffer. */
  packed: Map<number, Uint8Array>;
  /** Unpacked (or split) typed fields, decoded one value at a time. */
  unpacked: Map<number, GrowableF64>;
  stringCount: number;
}

export const FIELD = { float: 4, int32: 5, string: 6, int64: 7, double: 10, uint64: 11 } as const;

export class GrowableF64 {
  private buf = new Float64Array(16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

export function isLazyTensor(t: unknown): t is LazyTensorProto {
  return typeof t === 'object' && t !== null && (t as { lazy?: unknown }).lazy === true;
}

/** Same signature as onnx.TensorProto.decode, so generated parent decoders can call it. */
export function decodeLazyTensor(r: Reader | Uint8Array, length?: number): LazyTensorProto {
  const reader = r instanceof Reader ? r : Reader.create(r);
  const end = length === undefined ? reader.len : reader.pos + length;
  const t: LazyTensorProto = {
    lazy: true, name: '', dataType: 0, dims: [], docString: '', dataLocation: 0, externalData: [],
    hasSegment: false, packed: new Map(), unpacked: new Map(), stringCount: 0,
  };
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (field) {
      case 1:
        if (wire === 2) {
          const e = reader.uint32() + reader.pos;
          while (reader.pos < e) t.dims.push(int64ToNumber(reader.int64() as Int64Like));
        } else t.dims.push(int64ToNumber(reader.int64() as Int64Like));
        break;
      case 2: t.dataType = reader.int32(); break;
      case 3: t.hasSegment = true; reader.skipType(wire); break;
      case 6: t.stringCount++; reader.skipType(wire); break;
      case 8: t.name = reader.string(); break;
      case 9: t.raw = viewBytes(reader); break;
      case 12: t.docString = reader.string(); break;
      case 13: t.externalData.push(decodeEntry(reader, reader.uint32())); break;
      case 14: t.dataLocation = reader.int32(); break;
      case FIELD.float: case FIELD.int32: case FIELD.int64: case FIELD.double: case FIELD.uint64:
        readTypedField(reader, t, field, wire);
        break;
      default: reader.skipType(wire);
    }
  }
  if (reader.pos > end) throw new RangeError('tensor message overruns its length');
  return t;
}

function viewBytes(reader: Reader): Uint8Array {
  const len = reader.uint32();
  const start = reader.pos;
  reader.skip(len);
  return reader.buf.subarray(start, start + len);
}

function decodeEntry(reader: Reader, length: number): { key: string; value: string } {
  const end = reader.pos + length;
  let key = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) key = reader.string();
    else if (tag >>> 3 === 2) value = reader.string();
    else reader.skipType(tag & 7);
  }
  return { key, value };
}

function readTypedField(reader: Reader, t: LazyTensorProto, field: number, wire: number): void {
  if (wire === 2 && !t.packed.has(field) && !t.unpacked.has(field)) {
    t.packed.set(field, viewBytes(reader));
    return;
  }
  // Unpacked values, or a second packed run: rare encodings, decoded into a typed list.
  let list = t.unpacked.get(field);
  if (!list) {
    list = new GrowableF64();
    t.unpacked.set(field, list);
    const first = t.packed.get(field);
    if (first) {
      appendPacked(first, field, list);
      t.packed.delete(field);
    }
  }
  if (wire === 2) appendPacked(viewBytes(reader), field, list);
  else list.push(readOne(reader, field));
}

function readOne(reader: Reader, field: number): number {
  if (field === FIELD.float) return reader.float();
  if (field === FIELD.double) return reader.double();
  if (field === FIELD.int32) return reader.int32();
  return int64ToNumber((field === FIELD.uint64 ? reader.uint64() : reader.int64()) as Int64Like);
}

function appendPacked(bytes: Uint8Array, field: number, list: GrowableF64): void {
  const r = Reader.create(bytes);
  while (r.pos < r.len) list.push(readOne(r, field));
}
