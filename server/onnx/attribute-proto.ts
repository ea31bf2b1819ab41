import { onnx } from 'onnx-proto';
import { Reader } from 'protobufjs/minimal';
import { int64ToNumber, type Int64Like } from './long';

/**
 * Our decoder for onnx.AttributeProto, swapped in while a model decodes (as TensorProto's is).
 * The generated one makes an object per element of `ints` (a Long each), `floats` and `strings`,
 * and protobufjs allocates empty byte strings with the deprecated Buffer(): a 10 MB attribute of
 * 5 M empty strings became 1.9 GiB. Here numbers become plain numbers, lists past LIST_LIMIT
 * stay views of the file decoded only if asked for, strings are counted and skipped (no op we
 * read takes them), and doc strings are skipped. Field numbers are from onnx.proto.
 */
export interface LazyAttributeProto extends onnx.IAttributeProto {
  /** How many `strings` entries the attribute holds; their bytes are not kept. */
  stringCount: number;
}

/** Longer lists are kept as byte ranges and decoded on first access. */
const LIST_LIMIT = 1 << 16;

const F = { name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, floats: 7, ints: 8, strings: 9, tensors: 10, graphs: 11, type: 20, refAttrName: 21 } as const;

/** Same signature as onnx.AttributeProto.decode, so the generated NodeProto decoder can call it. */
export function decodeAttribute(r: Reader | Uint8Array, length?: number): LazyAttributeProto {
  const reader = r instanceof Reader ? r : Reader.create(r);
  const end = length === undefined ? reader.len : reader.pos + length;
  const a: LazyAttributeProto = { name: '', stringCount: 0 };
  const floats = new Lists(reader, 'float');
  const ints = new Lists(reader, 'int64');
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case F.name: a.name = reader.string(); break;
      case F.refAttrName: a.refAttrName = reader.string(); break;
      case F.type: a.type = reader.int32(); break;
      case F.f: a.f = reader.float(); break;
      case F.i: a.i = int64ToNumber(reader.int64() as Int64Like); break;
      case F.s: a.s = reader.bytes(); break;
      case F.t: a.t = onnx.TensorProto.decode(reader, reader.uint32()); break;
      case F.g: a.g = onnx.GraphProto.decode(reader, reader.uint32()); break;
      case F.tensors: (a.tensors ??= []).push(onnx.TensorProto.decode(reader, reader.uint32())); break;
      case F.graphs: (a.graphs ??= []).push(onnx.GraphProto.decode(reader, reader.uint32())); break;
      case F.floats: floats.add(wire); break;
      case F.ints: ints.add(wire); break;
      case F.strings: a.stringCount++; reader.skipType(wire); break;
      default: reader.skipType(wire);
    }
  }
  if (reader.pos > end) throw new RangeError('attribute message overruns its length');
  floats.attach(a, 'floats');
  ints.attach(a, 'ints');
  return a;
}

/** A repeated numeric field: values while few, else the packed byte ranges to decode later. */
class Lists {
  private values: number[] = [];
  private readonly packed: Uint8Array[] = [];
  private count = 0;

  constructor(private readonly reader: Reader, private readonly kind: 'float' | 'int64') {}

  add(wire: number): void {
    if (wire !== 2) {
      this.values.push(this.one(this.reader));
      this.count++;
      return;
    }
    const len = this.reader.uint32();
    const start = this.reader.pos;
    this.reader.skip(len);
    const bytes = this.reader.buf.subarray(start, start + len);
    // Floats are 4 bytes each; a varint at least 1, so this bounds the count before decoding.
    this.count += this.kind === 'float' ? len >>> 2 : len;
    if (this.count <= LIST_LIMIT && !this.packed.length) this.values.push(...decodePacked(bytes, this.kind));
    else this.packed.push(bytes);
  }

  attach(a: LazyAttributeProto, key: 'floats' | 'ints'): void {
    if (!this.count) return;
    if (!this.packed.length) {
      a[key] = this.values;
      return;
    }
    const { values, packed, kind } = this;
    let decoded: number[] | undefined;
    Object.defineProperty(a, key, {
      enumerable: true,
      get: () => (decoded ??= [...values, ...packed.flatMap((b) => decodePacked(b, kind))]),
    });
  }

  private one(r: Reader): number {
    return this.kind === 'float' ? r.float() : int64ToNumber(r.int64() as Int64Like);
  }
}

function decodePacked(bytes: Uint8Array, kind: 'float' | 'int64'): number[] {
  const r = Reader.create(bytes);
  const out: number[] = [];
  while (r.pos < r.len) out.push(kind === 'float' ? r.float() : int64ToNumber(r.int64() as Int64Like));
  return out;
}
