import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { ModelBuilder } from '../server/onnx/builder';
import { spliceMainGraph } from '../server/onnx/splice';
import { ort } from '../server/analysis/run/session';

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
      head: [], after: new Map([[0, [{ opType: 'Abs', input: ['y'], output: ['a'], name: 'abs' }]]]), outputs: ['a'],
      inputDims: new Map([['x', [2, 3]], ['missing', [1]]]),
    });
    const after = onnx.ModelProto.decode(copy);
    const [x, s] = after.graph!.input!;
    assert.equal(x.name, 'x');
    assert.equal(x.type!.tensorType!.elemType, onnx.TensorProto.DataType.FLOAT);
    assert.deepEqual(dims(x), [2, 3]);
    assert.deepEqual(dims(s), ['n'], 'an input not named keeps its symbolic dim');
    assert.deepEqual(dims(before.graph!.input![0]), ['batch', 3], 'the model given is not changed');
    assert.deepEqual(after.graph!.node!.map((n) => n.opType), ['Relu', 'Abs', 'Neg']);
    assert.deepEqual(after.graph!.output!.map((o) => o.name), ['a', 'y', 't']);
    const session = await ort().InferenceSession.create(copy);
    try {
      const feeds = { x: new (ort().Tensor)('float32', Float32Array.from([-1, 2, -3, 4, 0, -6]), [2, 3]), s: new (ort().Tensor)('float32', Float32Array.from([1]), [1]) };
      const out = await session.run(feeds);
      assert.deepEqual(Array.from(out.a.data as Float32Array), [0, 2, 0, 4, 0, 0]);
    } finally {
      await session.release();
    }
  });

  it('keeps an input whose rank differs from the dims given as it is', () => {
    const copy = spliceMainGraph(model(), { head: [], after: new Map(), outputs: [], inputDims: new Map([['x', [1, 3, 1]]]) });
    assert.deepEqual(dims(onnx.ModelProto.decode(copy).graph!.input![0]), ['batch', 3]);
  });
});
