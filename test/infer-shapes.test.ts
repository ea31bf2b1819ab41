import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { inferShapes, type Dim, type InferredValue, type ShapeInference } from '../server/analysis/cost/infer-shapes';
import { nodeAttrs } from '../server/analysis/cost/node-attrs';
import type { ShapeContext } from '../server/analysis/cost/shape-dims';
import { ruleFor } from '../server/analysis/cost/shape-rules';
import { largestValues, staticCosts } from '../server/analysis/cost/static-costs';
import { ort } from '../server/analysis/run/session';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import type { DTypeName } from '../server/onnx/dtypes';
import type { GraphScope, NodeRef } from '../server/onnx/graph';
import { loadModel, parseModel, type LoadedModel } from '../server/onnx/load';
import { ModelMemory } from '../server/onnx/model-memory';
import { analyzeModel } from '../server/pipeline/analyze';
import { rng } from '../server/random';
import type { Report } from '../common/protocol';
import { tempDir } from './helpers';
import { ELEMENTWISE, LAYERS, MALFORMED, TENSOR_OPS, type In, type OpCase } from './shape-cases';

type Feed = { dtype: DTypeName; dims: number[]; int?: number };

/** Where built models claim to live: parseModel reads nothing there unless a model has external data. */
const BUILT = path.join(tempDir(), 'built.onnx');

/** A model from bytes in memory: the loader's own parse, without a file. */
function parseBytes(bytes: Uint8Array): LoadedModel {
  const memory = new ModelMemory(bytes.length);
  memory.file.set(bytes);
  return parseModel(BUILT, memory);
}

/** A one-node model for a case: inputs in0.., outputs out0.. declared by name only (no shape to lean on). */
function buildCase(c: OpCase): { bytes: Uint8Array; feeds: Map<string, Feed> } {
  const b = new ModelBuilder({ opset: c.opset ?? 17 });
  const g = b.main;
  const feeds = new Map<string, Feed>();
  const names = c.inputs.map((spec: In, k) => {
    const name = `in${k}`;
    if (spec === null) return '';
    if (Array.isArray(spec)) feeds.set(name, { dtype: 'float32', dims: spec });
    else if ('input' in spec) feeds.set(name, { dtype: spec.input, dims: spec.dims });
    else {
      const [dtype, values] = 'i64' in spec ? ['int64', spec.i64] as const : 'f32' in spec ? ['float32', spec.f32] as const : ['uint8', spec.u8] as const;
      g.initializer(name, { dtype, dims: spec.dims ?? [values.length], values });
      return name;
    }
    const f = feeds.get(name)!;
    g.input(name, f.dtype, f.dims);
    return name;
  });
  const outs = c.out.map((_, j) => `out${j}`);
  g.node(c.op, names, outs, c.attrs ?? {}, 'node', c.domain ?? '');
  for (const o of outs) g.graph.output!.push({ name: o });
  return { bytes: b.toBytes(), feeds };
}

function infer(model: LoadedModel, feeds: ReadonlyMap<string, Feed>): ShapeInference {
  return inferShapes(model, new Map([...feeds].map(([k, f]) => [k, f.dims])));
}

function feedTensors(feeds: ReadonlyMap<string, Feed>): Record<string, import('onnxruntime-node').Tensor> {
  const T = ort().Tensor;
  const out: Record<string, import('onnxruntime-node').Tensor> = {};
  for (const [name, f] of feeds) {
    const n = f.dims.reduce((a, b) => a * b, 1);
    const data = f.dtype === 'float32' ? Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1))
      : f.dtype === 'int64' ? new BigInt64Array(n).fill(BigInt(f.int ?? 0))
        : f.dtype === 'bool' ? Uint8Array.from({ length: n }, (_, i) => i % 2)
          : Uint8Array.from({ length: n }, (_, i) => (i * 7) % 251);
    out[name] = new T(f.dtype as 'float32', data as Float32Array, f.dims);
  }
  return out;
}

/** onnxruntime's output dims and dtypes, by output name. */
async function ortOutputs(bytes: Uint8Array, feeds: ReadonlyMap<string, Feed>): Promise<Map<string, { dims: number[]; dtype: string }>> {
  const session = await ort().InferenceSession.create(bytes);
  try {
    const r = await session.run(feedTensors(feeds));
    return new Map(Object.entries(r).map(([k, t]) => [k, { dims: [...t.dims].map(Number), dtype: t.type }]));
  } finally {
    await session.release();
  }
}

/** A hand-computed expectation with unknown sizes matches any size there. */
const fits = (expected: Dim[], actual: number[]): boolean => expected.length === actual.length && expected.every((d, i) => d === null || d === actual[i]);

function opTable(title: string, cases: OpCase[]): void {
  describe(title, () => {
    for (const c of cases)
      it(`${c.name}${c.opset && !c.name.includes('opset') ? ` (opset ${c.opset})` : ''}`, async () => {
        const { bytes, feeds } = buildCase(c);
        const inf = infer(parseBytes(bytes), feeds);
        c.out.forEach((dims, j) => assert.deepEqual(inf.values.get(`out${j}`)?.dims, dims, `out${j}`));
        c.dtypes?.forEach((d, j) => assert.equal(inf.values.get(`out${j}`)?.dtype, d, `dtype of out${j}`));
        if (c.values) assert.deepEqual(inf.values.get('out0')?.values, c.values);
        if (c.noOrt) return;
        // The hand figures are onnxruntime's too, dtypes included.
        const got = await ortOutputs(bytes, feeds);
        c.out.forEach((dims, j) => {
          const o = got.get(`out${j}`)!;
          assert.ok(dims && fits(dims, o.dims), `onnxruntime gives out${j} [${o.dims}]`);
          assert.equal(inf.values.get(`out${j}`)?.dtype, o.dtype, `onnxruntime's dtype of out${j}`);
        });
      });
  });
}

opTable('shape rules: elementwise, activations, normalisations, quantization', ELEMENTWISE);
opTable('shape rules: convolutions, pools, Gemm, MatMul, Einsum, recurrent layers', LAYERS);
opTable('shape rules: data movement and shape computation', TENSOR_OPS);
opTable('malformed nodes give unknown outputs and never throw', MALFORMED);

describe('every rule, on random inputs and attributes', () => {
  // Shapes of every rank up to 4 with unknown, zero and huge sizes; small values, negative ones too.
  const rand = rng(20240611);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const sizes: Dim[] = [null, 0, 1, 2, 3, 4, 7, 2 ** 40, 2 ** 60];
  const randomValue = (): InferredValue | undefined => {
    const r = rand();
    if (r < 0.05) return undefined;
    if (r < 0.1) return { dims: null, dtype: pick(['float32', 'int64', null] as const) };
    const dims = Array.from({ length: int(0, 4) }, () => pick(sizes));
    const n = dims.every((d) => d !== null && d <= 8) ? dims.reduce<number>((a, d) => a * d!, 1) : -1;
    const values = n >= 0 && n <= 64 && rand() < 0.6 ? Array.from({ length: n }, () => int(-3, 9)) : undefined;
    return values ? { dims, dtype: 'int64', values } : { dims, dtype: pick(['float32', 'int64', 'bool', 'uint8'] as const) };
  };
  const T = onnx.AttributeProto.AttributeType;
  const randomAttrs = (): onnx.IAttributeProto[] => {
    const ints = (): number[] => Array.from({ length: int(0, 8) }, () => int(-4, 5));
    const pool: onnx.IAttributeProto[] = [
      ...['axis', 'keepdims', 'group', 'transA', 'transB', 'to', 'blocksize', 'num_outputs', 'hidden_size', 'allowzero', 'ceil_mode', 'start', 'end', 'k', 'layout', 'noop_with_empty_axes']
        .map((name) => ({ name, type: T.INT, i: int(-3, 8) })),
      ...['axes', 'perm', 'kernel_shape', 'strides', 'pads', 'dilations', 'starts', 'ends', 'split', 'output_shape', 'output_padding', 'shape']
        .map((name) => ({ name, type: T.INTS, ints: ints() })),
      ...[['equation', pick(['ij,jk', 'bij,bjk->bik', 'i', '->', 'ij,,k', 'aa'])], ['auto_pad', pick(['SAME_UPPER', 'VALID', 'NOTSET', 'BAD'])],
        ['direction', 'bidirectional'], ['keep_aspect_ratio_policy', pick(['stretch', 'not_larger', 'not_smaller'])]]
        .map(([name, v]) => ({ name, type: T.STRING, s: new TextEncoder().encode(v) })),
      { name: 'scales', type: T.FLOATS, floats: [1, 2, 0.5, -1].slice(0, int(0, 4)) },
    ];
    return pool.filter(() => rand() < 0.3);
  };
  const scope: GraphScope = { path: 'main', kind: 'main', constants: new Map(), producers: new Map(), nodes: [] };
  const ops = [...new Set([...ELEMENTWISE, ...LAYERS, ...TENSOR_OPS].map((c) => `${c.domain ?? ''}|${c.op}`))];

  it(`never throw and always answer at once, ${ops.length} op types x 300 draws`, () => {
    // Sizes up to 2^60: a rule that looped over a shape's elements would not finish.
    const t0 = performance.now();
    for (const key of ops) {
      const [domain, opType] = key.split('|');
      const rule = ruleFor(domain, opType);
      if (!rule) continue;
      for (let draw = 0; draw < 300; draw++) {
        const inputs = Array.from({ length: int(0, 8) }, randomValue);
        const proto: onnx.INodeProto = { opType, attribute: randomAttrs() };
        const node: NodeRef = { proto, name: 'n', opType, domain, inputs: inputs.map((v, i) => (v ? `i${i}` : '')), outputs: ['o0', 'o1', 'o2'].slice(0, int(1, 3)), scope };
        const ctx: ShapeContext = {
          node, opset: pick([7, 9, 11, 13, 18, 21]), attrs: nodeAttrs(node),
          input: (i) => inputs[i] ?? undefined, floats: () => undefined, tensorAttr: () => undefined,
        };
        let out: readonly (InferredValue | undefined)[] = [];
        assert.doesNotThrow(() => (out = rule(ctx)), `${opType} on ${JSON.stringify(inputs)} ${JSON.stringify(proto.attribute)}`);
        assert.ok(Array.isArray(out), opType);
      }
    }
    assert.ok(performance.now() - t0 < 5000);
  });
});

describe('op types without a rule', () => {
  it('are listed once, other domains by domain:OpType, and their outputs are unknown', () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [2, 3])
      .node('Foo', ['x'], ['a'], {}, 'f1', 'com.example')
      .node('Foo', ['a'], ['b'], {}, 'f2', 'com.example')
      .node('Bernoulli', ['x'], ['c'])
      .node('Relu', ['b'], ['d']);
    const inf = inferShapes(parseBytes(b.toBytes()), new Map([['x', [2, 3]]]));
    assert.deepEqual(inf.unknownOps, ['com.example:Foo', 'Bernoulli']);
    assert.deepEqual(inf.values.get('d'), { dims: null, dtype: null });
  });

  it("take the shapes the model declares, a symbolic dim at the size its input gave; a rule's own result wins", () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', ['batch', 3])
      .node('Foo', ['x'], ['a'], {}, 'f', 'com.example')
      .node('Relu', ['a'], ['y'])
      .node('Relu', ['x'], ['z'])
      .output('y', 'float32', ['batch', 'n', 4])
      .output('z', 'float32', [7, 7]);
    b.main.graph.valueInfo!.push({ name: 'a', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'n' }, {}] } } } });
    const inf = inferShapes(parseBytes(b.toBytes()), new Map([['x', [5, 3]]]));
    assert.deepEqual(inf.values.get('a'), { dims: [5, null, null], dtype: 'float32' });
    // The output's declared 4 fills the dim the rule could not know.
    assert.deepEqual(inf.values.get('y'), { dims: [5, null, 4], dtype: 'float32' });
    assert.deepEqual(inf.values.get('z'), { dims: [5, 3], dtype: 'float32' });
  });
});

describe('hostile sizes are inferred without being allocated', () => {
  it('an Expand of a scalar to [2^30] floats, from a model of under 100 bytes', async () => {
    const b = new ModelBuilder({ graphName: 'g', producer: '' });
    b.main.initializer('s', { dtype: 'float32', dims: [], values: [1] }).initializer('t', { dtype: 'int64', dims: [1], values: [2 ** 30] })
      .node('Expand', ['s', 't'], ['y']);
    b.main.graph.output!.push({ name: 'y' });
    const bytes = b.toBytes();
    const file = await writeModel(b, tempDir(), 'expand.onnx');
    const inf = inferShapes(await loadModel(file), new Map());
    assert.ok(bytes.length < 100, `${bytes.length} bytes`);
    assert.deepEqual(inf.values.get('y'), { dims: [2 ** 30], dtype: 'float32' });
    assert.deepEqual(largestValues(inf, 1), [{ name: 'y', bytes: 2 ** 32, dims: [2 ** 30], dtype: 'float32' }]);
  });

  it('a ConstantOfShape of [2^20, 2^20]: 2^40 floats, 4 TiB', () => {
    const b = new ModelBuilder();
    b.main.initializer('shape', { dtype: 'int64', dims: [2], values: [2 ** 20, 2 ** 20] }).node('ConstantOfShape', ['shape'], ['y'])
      .node('Relu', ['y'], ['z']);
    const inf = inferShapes(parseBytes(b.toBytes()), new Map());
    assert.deepEqual(inf.values.get('z'), { dims: [2 ** 20, 2 ** 20], dtype: 'float32' });
    assert.deepEqual(largestValues(inf, 3).map((v) => [v.name, v.bytes]), [['y', 2 ** 42], ['z', 2 ** 42], ['shape', 16]]);
  });

  it('sizes past 2^53 stay numbers; non-finite ones become unknown', () => {
    const b = new ModelBuilder();
    b.main.initializer('t', { dtype: 'int64', dims: [3], values: [2 ** 40, 2 ** 40, 2 ** 40] }).node('ConstantOfShape', ['t'], ['y'])
      .node('Flatten', ['y'], ['f'], { axis: 0 });
    const inf = inferShapes(parseBytes(b.toBytes()), new Map());
    assert.deepEqual(inf.values.get('f')?.dims, [1, 2 ** 120]);
    assert.equal(largestValues(inf, 1)[0].bytes, 2 ** 122);
  });
});

/** Every main-graph node output added as a graph output (by name, as ORT accepts), run once. */
async function exposedRun(bytes: Uint8Array, feeds: ReadonlyMap<string, Feed>): Promise<Map<string, { dims: number[]; dtype: string }>> {
  const proto = onnx.ModelProto.decode(bytes);
  const g = proto.graph!;
  const have = new Set((g.output ?? []).map((o) => o.name));
  for (const n of g.node ?? []) for (const o of n.output ?? []) if (o && !have.has(o)) {
    g.output!.push({ name: o });
    have.add(o);
  }
  return ortOutputs(onnx.ModelProto.encode(proto).finish(), feeds);
}

/** Every value onnxruntime computes is inferred, at its shape and dtype. */
async function assertEveryValueAsOrt(bytes: Uint8Array, feeds: ReadonlyMap<string, Feed>, inf: ShapeInference): Promise<void> {
  const run = await exposedRun(bytes, feeds);
  assert.ok(run.size > 0);
  for (const [name, v] of run) assert.deepEqual(inf.values.get(name) && { dims: inf.values.get(name)!.dims, dtype: inf.values.get(name)!.dtype }, v, name);
}

const i64 = (values: number[], dims = [values.length]) => ({ dtype: 'int64' as const, dims, values });

describe('constant folding of shape computations', () => {
  // x [2,3,4,5]: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [3], Unsqueeze(Gather(s, 2) * Gather(s, 3)))) = [2, 3, 20]
  const b = new ModelBuilder({ opset: 13 });
  b.main.input('x', 'float32', ['n', 3, 4, 5])
    .initializer('i0', i64([0], [])).initializer('i1', i64([1], [])).initializer('i2', i64([2], [])).initializer('i3', i64([3], []))
    .initializer('axes', i64([0])).initializer('three', i64([3])).initializer('minus7', i64([-7], []))
    .node('Shape', ['x'], ['s'])
    .node('Gather', ['s', 'i0'], ['b'])
    .node('Gather', ['s', 'i2'], ['h'])
    .node('Gather', ['s', 'i3'], ['w'])
    .node('Mul', ['h', 'w'], ['hw'])
    .node('Unsqueeze', ['b', 'axes'], ['b1'])
    .node('Unsqueeze', ['hw', 'axes'], ['hw1'])
    .node('Concat', ['b1', 'three', 'hw1'], ['target'], { axis: 0 })
    .node('Reshape', ['x', 'target'], ['y'])
    // Paddle's way: Slice the shape, multiply it out, Cast, Concat with -1.
    .initializer('st', i64([1])).initializer('en', i64([3])).initializer('minus1', i64([-1]))
    .node('Slice', ['s', 'st', 'en'], ['mid'])
    .node('ReduceProd', ['mid'], ['p'], { keepdims: 1 })
    .node('Cast', ['p'], ['p32'], { to: 6 })
    .node('Cast', ['p32'], ['p64'], { to: 7 })
    .node('Concat', ['minus1', 'p64'], ['target2'], { axis: 0 })
    .node('Reshape', ['x', 'target2'], ['z'])
    // PyTorch's -1 handling: Where(Equal(t, -1), 1, t) over a ConstantOfShape of ones.
    .node('Shape', ['target2'], ['tn'])
    .node('ConstantOfShape', ['tn'], ['ones'], { value: i64([1], [1]) })
    .node('Mul', ['ones', 'minus1'], ['m1'])
    .node('Equal', ['target2', 'm1'], ['eq'])
    .node('Where', ['eq', 'ones', 'target2'], ['fixed'])
    .initializer('col', { dtype: 'float32', dims: [3, 1], values: [1, 2, 3] })
    .node('Expand', ['col', 'fixed'], ['ex'])
    // Integer arithmetic: Div truncates toward zero; Add, Sub, Max, Min, Range, Squeeze.
    .node('Div', ['minus7', 'i2'], ['q'])
    .node('Sub', ['hw', 'b'], ['diff'])
    .node('Add', ['q', 'diff'], ['sum'])
    .node('Max', ['h', 'w', 'b'], ['mx'])
    .node('Min', ['h', 'w', 'b'], ['mn'])
    .node('Range', ['i0', 'mx', 'i2'], ['rg'])
    .node('Squeeze', ['b1', 'axes'], ['b0'])
    .node('Gather', ['rg', 'i1'], ['rg1']);
  for (const o of ['y', 'z', 'ex']) b.main.graph.output!.push({ name: o });
  const bytes = b.toBytes();
  const feeds = new Map<string, Feed>([['x', { dtype: 'float32', dims: [2, 3, 4, 5] }]]);
  let inf: ShapeInference;
  before(() => {
    inf = infer(parseBytes(bytes), feeds);
  });

  const expected: [string, number[], number[], DTypeName?][] = [
    ['s', [4], [2, 3, 4, 5]], ['b', [], [2]], ['hw', [], [20]], ['b1', [1], [2]], ['target', [3], [2, 3, 20]],
    ['mid', [2], [3, 4]], ['p', [1], [12]], ['p32', [1], [12], 'int32'], ['p64', [1], [12]], ['target2', [2], [-1, 12]],
    ['ones', [2], [1, 1]], ['m1', [2], [-1, -1]], ['eq', [2], [1, 0], 'bool'], ['fixed', [2], [1, 12]],
    ['q', [], [-3]], ['diff', [], [18]], ['sum', [], [15]], ['mx', [], [5]], ['mn', [], [2]],
    ['rg', [3], [0, 2, 4]], ['b0', [], [2]], ['rg1', [], [2]],
  ];
  for (const [name, dims, values, dtype] of expected)
    it(`folds ${name} to [${values}]`, () => assert.deepEqual(inf.values.get(name), { dims, dtype: dtype ?? 'int64', values }));

  it('resolves the Reshapes and the Expand as onnxruntime runs them ([2,3,20], [10,12], [3,12]), and every other value', async () => {
    assert.deepEqual(inf.values.get('y')?.dims, [2, 3, 20]);
    assert.deepEqual(inf.values.get('z')?.dims, [10, 12]);
    assert.deepEqual(inf.values.get('ex')?.dims, [3, 12]);
    await assertEveryValueAsOrt(bytes, feeds, inf);
  });

  it('folds nothing past 1,024 elements, and nothing from a shape with an unknown dim', () => {
    const c = new ModelBuilder();
    c.main.input('x', 'float32', ['n', 3]).initializer('big', i64(new Array(1025).fill(1)))
      .node('Identity', ['big'], ['big2']).node('Shape', ['x'], ['s']).node('Relu', ['x'], ['r']);
    const r = inferShapes(parseBytes(c.toBytes()), new Map());
    assert.deepEqual(r.values.get('big2'), { dims: [1025], dtype: 'int64' });
    assert.deepEqual(r.values.get('s'), { dims: [2], dtype: 'int64' });
    assert.deepEqual(r.values.get('r'), { dims: [null, 3], dtype: 'float32' });
  });
});

describe('a self-attention block as PyTorch exports it', () => {
  // x [B, S, 64] -> q, k, v [B, 4, S, 16] through Shape/Gather/Concat/Reshape/Transpose; softmax(q k^T / 4) v -> [B, S, 64]
  const b = new ModelBuilder({ opset: 13 });
  const w = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i) / 8);
  b.main.input('x', 'float32', ['batch', 'seq', 64])
    .initializer('Wq', { dtype: 'float32', dims: [64, 64], values: w(4096) })
    .initializer('Wk', { dtype: 'float32', dims: [64, 64], values: w(4096) })
    .initializer('Wv', { dtype: 'float32', dims: [64, 64], values: w(4096) })
    .initializer('i0', i64([0], [])).initializer('i1', i64([1], [])).initializer('ax0', i64([0]))
    .initializer('heads', i64([4])).initializer('dh', i64([16])).initializer('dm', i64([64]))
    .initializer('scale', { dtype: 'float32', dims: [], values: [4] })
    .node('Shape', ['x'], ['s'])
    .node('Gather', ['s', 'i0'], ['bsz']).node('Gather', ['s', 'i1'], ['len'])
    .node('Unsqueeze', ['bsz', 'ax0'], ['bsz1']).node('Unsqueeze', ['len', 'ax0'], ['len1'])
    .node('Concat', ['bsz1', 'len1', 'heads', 'dh'], ['split_shape'], { axis: 0 })
    .node('Concat', ['bsz1', 'len1', 'dm'], ['merge_shape'], { axis: 0 });
  for (const t of ['q', 'k', 'v'])
    b.main.node('MatMul', ['x', `W${t}`], [`${t}_`]).node('Reshape', [`${t}_`, 'split_shape'], [`${t}4`])
      .node('Transpose', [`${t}4`], [`${t}h`], { perm: t === 'k' ? [0, 2, 3, 1] : [0, 2, 1, 3] });
  b.main.node('MatMul', ['qh', 'kh'], ['scores']).node('Div', ['scores', 'scale'], ['scaled'])
    .node('Softmax', ['scaled'], ['attn'], { axis: -1 }).node('MatMul', ['attn', 'vh'], ['ctx'])
    .node('Transpose', ['ctx'], ['ctx_t'], { perm: [0, 2, 1, 3] }).node('Reshape', ['ctx_t', 'merge_shape'], ['out']);
  b.main.graph.output!.push({ name: 'out' });
  const bytes = b.toBytes();
  const feeds = new Map<string, Feed>([['x', { dtype: 'float32', dims: [2, 7, 64] }]]);

  it('infers every value, [2,4,7,7] scores and a [2,7,64] output among them, as onnxruntime runs it', async () => {
    const inf = infer(parseBytes(bytes), feeds);
    assert.deepEqual(inf.values.get('scores')?.dims, [2, 4, 7, 7]);
    assert.deepEqual(inf.values.get('out')?.dims, [2, 7, 64]);
    await assertEveryValueAsOrt(bytes, feeds, inf);
  });
});

describe('a 100,000-node graph', () => {
  // Its speed is a goal of `npm run bench` (bench-graph-size.ts), not a timed test.
  it('is inferred in one pass to the last value', () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [1, 64]).initializer('c', { dtype: 'float32', dims: [64], values: new Float32Array(64) });
    let prev = 'x';
    for (let i = 0; i < 50_000; i++) {
      b.main.node('Add', [prev, 'c'], [`a${i}`]).node('Relu', [`a${i}`], [`r${i}`]);
      prev = `r${i}`;
    }
    const model = parseBytes(b.toBytes());
    const inf = inferShapes(model, new Map([['x', [1, 64]]]));
    assert.deepEqual(inf.values.get(prev)?.dims, [1, 64]);
    assert.equal(inf.values.size, 100_002);
  });
});

describe('static costs equal the run-based costs', () => {
  it("on a Conv -> Relu -> Flatten -> Gemm -> MatMul model, node by node: opReports' MACs and bytes", async () => {
    const b = new ModelBuilder();
    const w = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    b.main.input('x', 'float32', ['batch', 3, 16, 16])
      .initializer('W', { dtype: 'float32', dims: [8, 3, 3, 3], values: w(216) })
      .initializer('G', { dtype: 'float32', dims: [10, 2048], values: w(20480) })
      .initializer('gb', { dtype: 'float32', dims: [10], values: w(10) })
      .initializer('M', { dtype: 'float32', dims: [10, 4], values: w(40) })
      .node('Conv', ['x', 'W'], ['c'], { pads: [1, 1, 1, 1] }, 'conv')
      .node('Relu', ['c'], ['r'], {}, 'relu')
      .node('Flatten', ['r'], ['f'], {}, 'flatten')
      .node('Gemm', ['f', 'G', 'gb'], ['g'], { transB: 1 }, 'gemm')
      .node('MatMul', ['g', 'M'], ['y'], {}, 'matmul')
      .output('y', 'float32', ['batch', 4]);
    const file = await writeModel(b, tempDir(), 'layers.onnx');
    const report = await analyzeModel({ file, run: { dims: { batch: 2 } }, estimate: false });
    assert.equal(report.run?.ok, true, report.run?.error);
    const costs = staticCosts(await loadModel(file), inferShapes(await loadModel(file), new Map([['x', [2, 3, 16, 16]]])));
    assert.deepEqual(costs.map((s) => ({ name: s.node.name, opType: s.node.opType, ...s.cost })), report.ops!.map(({ timeMs: _t, ...o }) => o));
    assert.ok(costs.every((s) => s.complete));
    // conv: 2 x 8 x 256 x 27; gemm: 2 x 10 x 2048; matmul: 2 x 4 x 10
    assert.deepEqual(costs.map((s) => s.cost.macs), [110_592, 0, 0, 40_960, 80]);
  });

  it('are marked incomplete where a shape is unknown', () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [2, 3]).node('Foo', ['x'], ['a'], {}, 'foo', 'com.example').node('Relu', ['a'], ['b'], {}, 'relu');
    const model = parseBytes(b.toBytes());
    const costs = staticCosts(model, inferShapes(model, new Map([['x', [2, 3]]])));
    assert.deepEqual(costs.map((s) => [s.node.name, s.complete, s.cost.bytes]), [['foo', false, 24], ['relu', false, 0]]);
  });
});

const ROOT = path.join(__dirname, '..', '..');

function onnxFiles(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? onnxFiles(path.join(dir, e.name)) : e.name.endsWith('.onnx') ? [path.join(dir, e.name)] : []));
}

interface RealModel {
  /** Input dims (and int64 fill values) of the run. */
  feeds: Record<string, Feed>;
  /** Run through our pipeline with these --dim values; otherwise a plain ORT session with every main-graph value exposed. */
  pipeline?: Record<string, number>;
  /** The share of the run's values inferred fully, as measured (asserted as a floor). */
  share: number;
  why?: string;
}

const f32 = (...dims: number[]): Feed => ({ dtype: 'float32', dims });
const SR: Feed = { dtype: 'int64', dims: [], int: 16000 };
const SILERO_V5: RealModel = {
  feeds: { input: f32(1, 512), state: f32(2, 1, 128), sr: SR }, share: 2 / 6,
  why: 'its If node (a subgraph per sample rate) has no rule: main-graph inference only; output [?, 1] is declared, stateN is not',
};

const REAL: Record<string, RealModel> = {
  'ch_PP-OCRv4_det_infer.onnx': { feeds: { x: f32(1, 3, 320, 320) }, pipeline: { 'p2o.DynamicDimension.1': 320, 'p2o.DynamicDimension.2': 320 }, share: 1 },
  // Opset 9: our instrumented run cannot add its Slice probes yet (issue 12), so a plain session exposes every value.
  'ch_PP-OCRv4_rec_infer.onnx': { feeds: { x: f32(1, 3, 48, 320) }, share: 1 },
  'ch_ppocr_mobile_v2.0_cls_infer.onnx': { feeds: { x: f32(1, 3, 48, 192) }, share: 1 },
  // The If node has no rule, but its outputs are the graph's, declared with the input's 'batch'.
  'silero_vad_legacy.onnx': { feeds: { input: f32(1, 512), sr: SR, h: f32(2, 1, 64), c: f32(2, 1, 64) }, pipeline: { sequence: 512 }, share: 1 },
  // An unnamed dynamic dim (issue 12): no --dim can size it for our pipeline.
  'silero_vad_v5.onnx': SILERO_V5,
  'silero_vad_v6.onnx': SILERO_V5,
};

const models = [
  ...onnxFiles(path.join(ROOT, 'node_modules', '@gutenye', 'ocr-models')),
  ...onnxFiles(path.join(ROOT, 'node_modules', '@ricky0123', 'vad-web')),
];

describe('real models: inferred shapes are exactly the run\'s', () => {
  it('ships models to check', () => assert.ok(models.length >= 3, models.join(', ')));

  for (const file of models) {
    const base = path.basename(file);
    describe(base, () => {
      const setting = REAL[base];
      let run: Map<string, { dims: number[]; dtype: string }>;
      let inf: ShapeInference;
      let model: LoadedModel;
      let report: Report | undefined;

      before(async () => {
        assert.ok(setting, `no run settings for ${base}: add them to REAL`);
        model = await loadModel(file);
        const feeds = new Map(Object.entries(setting.feeds));
        if (setting.pipeline) {
          report = await analyzeModel({ file, run: { dims: setting.pipeline }, estimate: false });
          assert.equal(report.run?.ok, true, report.run?.error);
          run = new Map(report.values!.map((v) => [v.name, { dims: v.shape, dtype: v.dtype }]));
          for (const i of report.run!.inputs) feeds.set(i.name, { dtype: i.dtype as DTypeName, dims: i.shape });
        } else run = await exposedRun(readFileSync(file), feeds);
        inf = infer(model, feeds);
      });

      it('every value it infers fully has the shape and dtype the run gives', () => {
        let full = 0;
        for (const [name, v] of run) {
          const i = inf.values.get(name);
          if (!i?.dims || i.dims.includes(null)) continue;
          full++;
          assert.deepEqual(i.dims, v.dims, name);
          assert.equal(i.dtype, v.dtype, `dtype of ${name}`);
        }
        const share = full / run.size;
        console.log(`${base}: ${full} of ${run.size} values inferred fully (${(100 * share).toFixed(1)}%)${setting.why ? `; ${setting.why}` : ''}; unknown ops: ${inf.unknownOps.join(', ') || 'none'}`);
        assert.ok(share >= setting.share, `${(100 * share).toFixed(1)}%`);
      });

      if (setting?.pipeline && base.includes('det'))
        it("gives every node the run's MACs and bytes, and the same total MACs", () => {
          const costs = staticCosts(model, inf);
          const ops = new Map(report!.ops!.map((o) => [o.name, o]));
          for (const s of costs) {
            const o = ops.get(s.node.name)!;
            assert.deepEqual([s.cost.macs, s.cost.bytes, s.cost.outputElements], [o.macs, o.bytes, o.outputElements], s.node.name);
          }
          const total = costs.reduce((n, s) => n + s.cost.macs, 0);
          assert.ok(total > 1e8);
          assert.equal(total, report!.totals.macs);
        });
    });
  }
});
