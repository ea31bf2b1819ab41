import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { dtypeByName, type DTypeName } from './dtypes';
import { encodeValues } from './encode';

/** How a built tensor stores its values. */
export type Encoding = 'raw' | 'typed' | { external: string };

export interface TensorSpec {
  dtype: DTypeName;
  dims: number[];
  values: ArrayLike<number>;
  encoding?: Encoding;
}

export type AttrValue = number | number[] | string | { floats: number[] } | { float: number } | GraphBuilder | TensorSpec;

/**
 * Builds ONNX models in code over onnx-proto: tests, the demo model and the benchmark models are
 * made with it, so every fixture states its own expected values.
 */
export class GraphBuilder {
  readonly graph: onnx.IGraphProto;
  constructor(private readonly model: ModelBuilder, name: string) {
    this.graph = { name, node: [], initializer: [], input: [], output: [], valueInfo: [] };
  }

  input(name: string, dtype: DTypeName, dims: (number | string)[]): this {
    this.graph.input!.push(valueInfo(name, dtype, dims));
    return this;
  }

  output(name: string, dtype: DTypeName, dims: (number | string)[]): this {
    this.graph.output!.push(valueInfo(name, dtype, dims));
    return this;
  }

  initializer(name: string, spec: TensorSpec): this {
    this.graph.initializer!.push(this.model.tensor(name, spec));
    return this;
  }

  /** A Constant node whose output is `name`. */
  constant(name: string, spec: TensorSpec): this {
    return this.node('Constant', [], [name], { value: spec }, `const_${name}`);
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name = '', domain = ''): this {
    this.graph.node!.push({
      opType, input: inputs, output: outputs, name, domain,
      attribute: Object.entries(attrs).map(([k, v]) => this.attribute(k, v)),
    });
    return this;
  }

  private attribute(name: string, v: AttrValue): onnx.IAttributeProto {
    const T = onnx.AttributeProto.AttributeType;
    if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
    if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
    if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
    if (v instanceof GraphBuilder) return { name, type: T.GRAPH, g: v.graph };
    if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
    if ('float' in v) return { name, type: T.FLOAT, f: v.float };
    return { name, type: T.TENSOR, t: this.model.tensor('', v) };
  }
}

export class ModelBuilder {
  readonly main: GraphBuilder;
  private readonly functions: onnx.IFunctionProto[] = [];
  /** Contents of external-data files, by location. */
  readonly externalFiles = new Map<string, Uint8Array[]>();
  private readonly externalSizes = new Map<string, number>();

  constructor(readonly opts: { opset?: number; irVersion?: number; producer?: string; graphName?: string } = {}) {
    this.main = new GraphBuilder(this, opts.graphName ?? 'main');
  }

  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(this, name);
  }

  /** A local function (domain "local") whose body is `body`'s nodes. */
  function(name: string, inputs: string[], outputs: string[], body: GraphBuilder): this {
    this.functions.push({
      name, domain: 'local', input: inputs, output: outputs, node: body.graph.node,
      opsetImport: [{ domain: '', version: this.opts.opset ?? 17 }],
    });
    return this;
  }

  tensor(name: string, spec: TensorSpec): onnx.ITensorProto {
    const d = dtypeByName(spec.dtype);
    const t: onnx.ITensorProto = { name, dataType: d.id, dims: spec.dims };
    const raw = encodeValues(d, spec.values);
    const enc = spec.encoding ?? 'raw';
    if (enc === 'raw') t.rawData = raw;
    else if (enc === 'typed') Object.assign(t, typedField(spec.dtype, spec.values, raw));
    else {
      const file = enc.external;
      const offset = this.externalSizes.get(file) ?? 0;
      // Pad to 4096 like onnx.save_model(..., all_tensors_to_one_file=True, ...) aligns large tensors.
      const pad = (4096 - (offset % 4096)) % 4096;
      const parts = this.externalFiles.get(file) ?? [];
      parts.push(new Uint8Array(pad), raw);
      this.externalFiles.set(file, parts);
      this.externalSizes.set(file, offset + pad + raw.length);
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [
        { key: 'location', value: file },
        { key: 'offset', value: String(offset + pad) },
        { key: 'length', value: String(raw.length) },
      ];
    }
    return t;
  }

  toBytes(): Uint8Array {
    const opsets = [{ domain: '', version: this.opts.opset ?? 17 }];
    if (this.functions.length) opsets.push({ domain: 'local', version: 1 });
    return onnx.ModelProto.encode({
      irVersion: this.opts.irVersion ?? 8,
      producerName: this.opts.producer ?? 'onnx-sparsity builder',
      producerVersion: '1',
      opsetImport: opsets,
      graph: this.main.graph,
      functions: this.functions,
    }).finish();
  }
}

/** The typed repeated field onnx.proto assigns each dtype, holding what helper.make_tensor would put there. */
function typedField(dtype: DTypeName, values: ArrayLike<number>, raw: Uint8Array): Partial<onnx.ITensorProto> {
  const v = Array.from(values);
  const u16 = (): number[] => Array.from(new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2));
  switch (dtype) {
    case 'float32': return { floatData: v };
    case 'float64': return { doubleData: v };
    case 'int64': return { int64Data: v };
    case 'uint32': case 'uint64': return { uint64Data: v };
    case 'float16': case 'bfloat16': return { int32Data: u16() };
    case 'int8': case 'uint8': case 'int16': case 'uint16': case 'int32': return { int32Data: v };
    case 'bool': return { int32Data: v.map((x) => (x ? 1 : 0)) };
    // float8 codes and packed 4-bit pairs: one byte per entry.
    default: return { int32Data: Array.from(raw) };
  }
}

function valueInfo(name: string, dtype: DTypeName, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: dtypeByName(dtype).id,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Writes the model and its external-data files into `dir`; returns the model's path. */
export async function writeModel(b: ModelBuilder, dir: string, fileName: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [location, parts] of b.externalFiles) await writeFile(join(dir, location), Buffer.concat(parts));
  const file = join(dir, fileName);
  await writeFile(file, b.toBytes());
  return file;
}
