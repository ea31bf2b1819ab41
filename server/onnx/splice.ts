import { Reader } from 'protobufjs/minimal';
import { onnx } from 'onnx-proto';

/** Field numbers of onnx.proto used here. */
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;

export interface Splice {
  /** Nodes placed before the main graph's first node (constants). */
  head: onnx.INodeProto[];
  /** Nodes reading the main graph's i-th node's outputs (where they go: `freeEarly`). */
  after: Map<number, onnx.INodeProto[]>;
  /**
   * Place the nodes read from node i so that onnxruntime runs them right after node i and frees
   * what they read (after the graph's own nodes, node i's group before node i - 1's); otherwise
   * right after node i, where onnxruntime runs them all after the whole model, holding every value
   * they read, but opens the session several times faster (see spliceMainGraph). `true` places
   * every group so; a set, the groups of those node indices only.
   */
  freeEarly?: boolean | ReadonlySet<number>;
  /** Graph outputs placed before the model's own outputs. */
  outputs: string[];
  /**
   * Graph inputs whose dims are fixed, by name, to the run's shapes (a tensor input of the same
   * rank only; a null dim stays as the model has it). onnxruntime opens a graph of probes over
   * concrete shapes several times faster than over symbolic ones (PP-OCRv4 det with every value
   * probed, 640x640: 0.9-1.55 s -> 0.27-0.62 s).
   */
  inputDims?: ReadonlyMap<string, readonly (number | null)[]>;
}

/**
 * A copy of the model with nodes inserted at given places of the main graph and outputs put first.
 * Every other byte is copied as it is, fields unknown to onnx-proto's older schema included: only
 * the main graph's length prefix, the inserted fields and the inputs given fixed dims are new.
 *
 * Position matters to onnxruntime. Its default execution order is a depth-first walk back from
 * the graph's leaves, taken in descending node index. With each group of nodes right after the
 * node it reads, the walk from the last group runs the whole model first and every group after
 * it: every value read stays alive to the end (PP-OCRv4 det, every value probed at 640x640: 890
 * MiB resident instead of 300; at 1280x1280 the run passed its 3 GiB limit). With the groups after
 * the graph's nodes, the last node's first, the walk meets them from node 0 on and runs each right
 * after its node. onnxruntime then opens the session 2-4x slower (its planner has many more freed
 * buffers to search: 0.6 -> 1.8-2.3 s there), hence the choice (`freeEarly`).
 */
export function spliceMainGraph(model: Uint8Array, s: Splice): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields(model)) {
    if (f.field === MODEL_GRAPH && f.wire === 2) parts.push(...delimited(MODEL_GRAPH, Buffer.concat(spliceGraph(f.payload, s))));
    else parts.push(f.whole);
  }
  return Buffer.concat(parts);
}

function spliceGraph(graph: Uint8Array, s: Splice): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const nodes = (list: readonly onnx.INodeProto[]): void => {
    for (const n of list) parts.push(...delimited(GRAPH_NODE, onnx.NodeProto.encode(n).finish()));
  };
  const outputs = (): void => {
    for (const name of s.outputs) parts.push(...delimited(GRAPH_OUTPUT, onnx.ValueInfoProto.encode({ name }).finish()));
  };
  const all = [...fields(graph)];
  let count = 0;
  for (const f of all) if (f.field === GRAPH_NODE) count++;
  const early = (i: number): boolean => s.freeEarly === true || (s.freeEarly instanceof Set && s.freeEarly.has(i));
  let nodeIndex = 0;
  let headDone = false;
  let outputsDone = false;
  for (const f of all) {
    if (f.field === GRAPH_NODE && !headDone) {
      nodes(s.head);
      headDone = true;
    }
    if (f.field === GRAPH_OUTPUT && !outputsDone) {
      outputs();
      outputsDone = true;
    }
    if (f.field === GRAPH_INPUT && f.wire === 2 && s.inputDims?.size) parts.push(...fixedInput(f, s.inputDims));
    else parts.push(f.whole);
    if (f.field !== GRAPH_NODE) continue;
    const i = nodeIndex++;
    if (!early(i)) nodes(s.after.get(i) ?? []);
    if (nodeIndex === count) for (let j = count - 1; j >= 0; j--) if (early(j)) nodes(s.after.get(j) ?? []);
  }
  if (!headDone) nodes(s.head);
  if (!outputsDone) outputs();
  return parts;
}

/** A graph input re-encoded with the dims given for its name; as it was when none are, or they do not fit. */
function fixedInput(f: Field, dims: ReadonlyMap<string, readonly (number | null)[]>): Uint8Array[] {
  const v = onnx.ValueInfoProto.decode(f.payload);
  const want = dims.get(v.name);
  const shape = v.type?.tensorType?.shape;
  if (!want || !shape?.dim || shape.dim.length !== want.length) return [f.whole];
  const own = shape.dim;
  shape.dim = want.map((d, i) => (d === null ? own[i] : onnx.TensorShapeProto.Dimension.create({ dimValue: d })));
  return delimited(GRAPH_INPUT, onnx.ValueInfoProto.encode(v).finish());
}

/** Tag and length prefix of a length-delimited field, then its bytes. */
export function delimited(field: number, payload: Uint8Array): Uint8Array[] {
  return [varint((field << 3) | 2), varint(payload.length), payload];
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

export interface Field {
  field: number;
  wire: number;
  /** Tag and value, as in the input. */
  whole: Uint8Array;
  /** The value of a length-delimited field. */
  payload: Uint8Array;
}

/** The top-level fields of a message, in order, as views of its bytes. */
export function* fields(bytes: Uint8Array): Generator<Field> {
  const r = Reader.create(bytes);
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const wire = tag & 7;
    let payload = bytes.subarray(r.pos, r.pos);
    if (wire === 2) {
      const len = r.uint32();
      payload = bytes.subarray(r.pos, r.pos + len);
      r.skip(len);
    } else r.skipType(wire);
    yield { field: tag >>> 3, wire, whole: bytes.subarray(start, r.pos), payload };
  }
}
