import { Reader } from 'protobufjs/minimal';
import { onnx } from 'onnx-proto';
import { rawByteLength, dtypeById } from './dtypes';
import { delimited, fields } from './splice';
import { int64ToNumber, type Int64Like } from './long';
import { product } from './tensor';

/**
 * Where every external-data tensor of a model is, wherever it sits (graphs, subgraphs, Constant
 * attributes, functions, training info), and a copy of the model bytes that points them
 * elsewhere. As with the probe splice, only the bytes on the path to a changed tensor are
 * rebuilt: every other field, those unknown to onnx-proto's older schema included, is copied as it is.
 */

/** Field numbers of onnx.proto on the way to a TensorProto. */
const F = {
  model: { graph: 7, trainingInfo: 20, functions: 25 },
  training: { initialization: 1, algorithm: 2 },
  graph: { node: 1, initializer: 5, sparseInitializer: 15 },
  node: { attribute: 5 },
  attribute: { t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 },
  sparse: { values: 1, indices: 2 },
  function: { node: 7 },
  tensor: { dims: 1, dataType: 2, name: 8, externalData: 13, dataLocation: 14 },
} as const;

export interface ExternalTensor {
  name: string;
  location: string;
  offset: number;
  /** The entry's own length, else the byte length its dtype and shape need. */
  length: number;
}

export interface Placement {
  location: string;
  offset: number;
  length: number;
}

type Kind = 'model' | 'training' | 'graph' | 'node' | 'attribute' | 'sparse' | 'function' | 'tensor';

/** Which fields of a message of each kind hold messages worth descending into, and their kind. */
const CHILDREN: Record<Exclude<Kind, 'tensor'>, Record<number, Kind>> = {
  model: { [F.model.graph]: 'graph', [F.model.trainingInfo]: 'training', [F.model.functions]: 'function' },
  training: { [F.training.initialization]: 'graph', [F.training.algorithm]: 'graph' },
  graph: { [F.graph.node]: 'node', [F.graph.initializer]: 'tensor', [F.graph.sparseInitializer]: 'sparse' },
  node: { [F.node.attribute]: 'attribute' },
  attribute: {
    [F.attribute.t]: 'tensor', [F.attribute.g]: 'graph', [F.attribute.tensors]: 'tensor', [F.attribute.graphs]: 'graph',
    [F.attribute.sparseTensor]: 'sparse', [F.attribute.sparseTensors]: 'sparse',
  },
  sparse: { [F.sparse.values]: 'tensor', [F.sparse.indices]: 'tensor' },
  function: { [F.function.node]: 'node' },
};

/** Every external tensor of the model, in file order. */
export function externalTensors(model: Uint8Array): ExternalTensor[] {
  const out: ExternalTensor[] = [];
  walk(model, 'model', (t) => {
    out.push(t);
    return undefined;
  });
  return out;
}

/** The model's bytes with each external tensor's location, offset and length replaced by `place`'s. */
export function relocateExternal(model: Uint8Array, place: (t: ExternalTensor) => Placement): Uint8Array {
  return walk(model, 'model', place) ?? model;
}

/** The message rebuilt when something under it changed, else undefined (the caller keeps its bytes). */
function walk(bytes: Uint8Array, kind: Kind, place: (t: ExternalTensor) => Placement | undefined): Uint8Array | undefined {
  if (kind === 'tensor') return relocatedTensor(bytes, place);
  const children = CHILDREN[kind];
  let parts: Uint8Array[] | undefined;
  const kept: Uint8Array[] = [];
  for (const f of fields(bytes)) {
    const child = f.wire === 2 ? children[f.field] : undefined;
    const changed = child ? walk(f.payload, child, place) : undefined;
    if (changed) {
      parts ??= [...kept];
      parts.push(...delimited(f.field, changed));
    } else (parts ?? kept).push(f.whole);
  }
  return parts ? Buffer.concat(parts) : undefined;
}

function relocatedTensor(bytes: Uint8Array, place: (t: ExternalTensor) => Placement | undefined): Uint8Array | undefined {
  let external = false;
  let name = '';
  let dataType = 0;
  const dims: number[] = [];
  const entries: { key: string; value: string }[] = [];
  for (const f of fields(bytes)) {
    if (f.field === F.tensor.dataLocation && f.wire === 0) external = Number(varintAfterTag(f.whole)) === 1;
    else if (f.field === F.tensor.dataType && f.wire === 0) dataType = Number(varintAfterTag(f.whole));
    else if (f.field === F.tensor.name && f.wire === 2) name = Buffer.from(f.payload).toString('utf8');
    else if (f.field === F.tensor.externalData && f.wire === 2) {
      const e = onnx.StringStringEntryProto.decode(f.payload);
      entries.push({ key: e.key ?? '', value: e.value ?? '' });
    } else if (f.field === F.tensor.dims) {
      if (f.wire === 0) dims.push(Number(varintAfterTag(f.whole)));
      else if (f.wire === 2) {
        const rd = Reader.create(f.payload);
        while (rd.pos < rd.len) dims.push(int64ToNumber(rd.int64() as unknown as Int64Like));
      }
    }
  }
  if (!external) return undefined;
  const get = (k: string): string | undefined => entries.find((e) => e.key === k)?.value;
  const dtype = dtypeById(dataType);
  const length = get('length') !== undefined ? Number(get('length')) : dtype ? rawByteLength(dtype, product(dims)) : 0;
  const to = place({ name, location: get('location') ?? '', offset: Number(get('offset') ?? 0), length });
  if (!to) return undefined;
  const parts: Uint8Array[] = [];
  for (const f of fields(bytes)) {
    if (f.field === F.tensor.externalData && f.wire === 2) {
      const key = onnx.StringStringEntryProto.decode(f.payload).key ?? '';
      // The data moved: its old place, and a checksum of bytes that may have changed, no longer hold.
      if (key === 'location' || key === 'offset' || key === 'length' || key === 'checksum') continue;
    }
    parts.push(f.whole);
  }
  for (const [key, value] of [['location', to.location], ['offset', String(to.offset)], ['length', String(to.length)]])
    parts.push(...delimited(F.tensor.externalData, onnx.StringStringEntryProto.encode({ key, value }).finish()));
  return Buffer.concat(parts);
}

function tagLength(whole: Uint8Array): number {
  let i = 0;
  while (whole[i] & 0x80) i++;
  return i + 1;
}

/** The varint value of a wire-type-0 field, read after its tag. */
function varintAfterTag(whole: Uint8Array): number {
  return int64ToNumber(Reader.create(whole.subarray(tagLength(whole))).int64() as unknown as Int64Like);
}
