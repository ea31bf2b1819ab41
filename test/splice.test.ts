import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { ModelBuilder } from '../server/onnx/builder';
import { spliceMainGraph } from '../server/onnx/splice';
import { ort } from '../server/analysis/run/session';
import { tempDir } from './helpers';

/** x [batch, 3] and s [n]: Relu(x) -> y, Neg(s) -> t. */
function model(): Uint8Array {
  const b = new ModelBuilder();
  b.main.input('x', 'float32', ['batch', 3]).input('s', 'float32', ['n']).output('y', 'float32', ['batch', 3]).output('t', 'float32', ['n']);
  b.main.node('Relu', ['x'], ['y'], {}, 'relu').node('Neg', ['s'], ['t'], {}, 'neg');
  return b.toBytes();
}

const dims = (v: onnx.IValueInfoProto): (number | string)[] =>
  v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));

describe('splicing a copy of the model', () => {
  it('fixes the dims of the inputs named, leaves every other input and field as it was, and onnxruntime runs it', async () => {
    const bytes = model();
    const before = onnx.ModelProto.decode(bytes);
    const copy = spliceMainGraph(bytes, {
      head: [], outputs: ['a', 'b'],
      after: new Map([[0, [{ opType: 'Abs', input: ['y'], output: ['a'], name: 'abs0' }]], [1, [{ opType: 'Abs', input: ['t'], output: ['b'], name: 'abs1' }]]]),
      inputDims: new Map([['x', [2, 3]], ['missing', [1]]]),
    });
    const after = onnx.ModelProto.decode(copy);
    const [x, s] = after.graph!.input!;
    assert.equal(x.name, 'x');
    assert.equal(x.type!.tensorType!.elemType, onnx.TensorProto.DataType.FLOAT);
    assert.deepEqual(dims(x), [2, 3]);
    assert.deepEqual(dims(s), ['n'], 'an input not named keeps its symbolic dim');
    assert.deepEqual(dims(before.graph!.input![0]), ['batch', 3], 'the model given is not changed');
    assert.deepEqual(after.graph!.node!.map((n) => n.name), ['relu', 'abs0', 'neg', 'abs1'], 'each group right after the node it reads');
    assert.deepEqual(after.graph!.output!.map((o) => o.name), ['a', 'b', 'y', 't']);
    const session = await ort().InferenceSession.create(copy);
    try {
      const feeds = { x: new (ort().Tensor)('float32', Float32Array.from([-1, 2, -3, 4, 0, -6]), [2, 3]), s: new (ort().Tensor)('float32', Float32Array.from([1]), [1]) };
      const out = await session.run(feeds);
      assert.deepEqual(Array.from(out.a.data as Float32Array), [0, 2, 0, 4, 0, 0]);
    } finally {
      await session.release();
    }
  });

  it('with freeEarly, has onnxruntime run each group right after the node it reads (without, after the whole model)', async () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [1, 4]).output('v2', 'float32', [1, 4]);
    for (let i = 0; i < 3; i++) b.main.node(i % 2 ? 'Neg' : 'Relu', [i ? `v${i - 1}` : 'x'], [`v${i}`], {}, `m${i}`);
    const probe = (i: number): onnx.INodeProto[] => [
      { opType: 'Abs', input: [`v${i}`], output: [`a${i}`], name: `abs${i}` },
      { opType: 'ReduceMax', input: [`a${i}`], output: [`r${i}`], name: `p${i}`, attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
    ];
    const order = async (freeEarly: boolean | ReadonlySet<number>): Promise<{ placed: string[]; ran: string[] }> => {
      const copy = spliceMainGraph(b.toBytes(), { head: [], after: new Map([0, 1, 2].map((i) => [i, probe(i)])), outputs: ['r0', 'r1', 'r2'], freeEarly });
      const dir = tempDir();
      const session = await ort().InferenceSession.create(copy, { enableProfiling: true, profileFilePrefix: path.join(dir, 'order'), graphOptimizationLevel: 'disabled' });
      try {
        await session.run({ x: new (ort().Tensor)('float32', Float32Array.from([1, -2, 3, -4]), [1, 4]) });
        session.endProfiling();
      } finally {
        await session.release();
      }
      const file = readdirSync(dir).find((f) => f.startsWith('order_'))!;
      const events = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { cat: string; name: string }[];
      return {
        placed: onnx.ModelProto.decode(copy).graph!.node!.map((n) => n.name!),
        ran: events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time')).map((e) => e.name.replace(/_kernel_time$/, '')),
      };
    };
    const early = await order(true);
    assert.deepEqual(early.placed, ['m0', 'm1', 'm2', 'abs2', 'p2', 'abs1', 'p1', 'abs0', 'p0'], "after the model's nodes, the last node's group first");
    assert.deepEqual(early.ran, ['m0', 'abs0', 'p0', 'm1', 'abs1', 'p1', 'm2', 'abs2', 'p2']);
    // What freeEarly is for: placed right after their nodes, the groups run after the whole model.
    assert.deepEqual((await order(false)).ran.slice(0, 3), ['m0', 'm1', 'm2']);
    // A set places those nodes' groups so (the largest values, probe-run.ts), the rest as without.
    const some = await order(new Set([1]));
    assert.deepEqual(some.placed, ['m0', 'abs0', 'p0', 'm1', 'm2', 'abs2', 'p2', 'abs1', 'p1']);
    assert.deepEqual(some.ran.slice(0, 4), ['m0', 'm1', 'abs1', 'p1'], "node 1's group right after it");
    assert.ok(some.ran.indexOf('abs0') > some.ran.indexOf('m2'), `node 0's group after the whole model: ${some.ran.join(' ')}`);
  });

  it('keeps a dim given as null as the model has it', () => {
    const copy = spliceMainGraph(model(), { head: [], after: new Map(), outputs: [], inputDims: new Map([['x', [null, 3]], ['s', [4]]]) });
    const [x, s] = onnx.ModelProto.decode(copy).graph!.input!;
    assert.deepEqual(dims(x), ['batch', 3]);
    assert.deepEqual(dims(s), [4]);
  });

  it('keeps an input whose rank differs from the dims given as it is', () => {
    const copy = spliceMainGraph(model(), { head: [], after: new Map(), outputs: [], inputDims: new Map([['x', [1, 3, 1]]]) });
    assert.deepEqual(dims(onnx.ModelProto.decode(copy).graph!.input![0]), ['batch', 3]);
  });
});
