import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from 'protobufjs/minimal';
import { onnx } from 'onnx-proto';
import { ModelBuilder } from '../server/onnx/builder';
import { analyzeBuilt, layer, weight } from './helpers';

const f32 = (dims: number[], values: number[]) => ({ dtype: 'float32' as const, dims, values });

describe('where weights live', () => {
  it('finds initializers, Constant nodes, If-branch weights and local-function weights, with their locations', async () => {
    const b = new ModelBuilder();
    const then = b.subgraph('then_body');
    then.initializer('then_w', f32([2, 2], [0, 1, 2, 3])).constant('then_c', f32([3], [0, 0, 5]));
    then.node('MatMul', ['x', 'then_w'], ['t_out'], {}, 'then_mm').output('t_out', 'float32', [1, 2]);
    const els = b.subgraph('else_body');
    els.constant('else_c', f32([2, 2], [1, 0, 0, 0]));
    els.node('MatMul', ['x', 'else_c'], ['e_out'], {}, 'else_mm').output('e_out', 'float32', [1, 2]);
    const fn = b.subgraph('fn_body');
    fn.constant('fn_w', f32([2, 2], [0, 0, 0, 7])).node('MatMul', ['a', 'fn_w'], ['b'], {}, 'fn_mm');
    b.function('Lin', ['a'], ['b'], fn);
    b.main.initializer('init_w', f32([4], [1, 2, 3, 0])).constant('main_c', f32([2], [0, 1]));
    b.main.node('If', ['cond'], ['y'], { then_branch: then, else_branch: els }, 'branch');
    b.main.node('Lin', ['x'], ['z'], {}, 'call', 'local');
    const r = await analyzeBuilt(b);
    const where = Object.fromEntries(r.weights.map((w) => [w.name, [w.location, w.graph, w.zeros]]));
    assert.deepEqual(where, {
      init_w: ['initializer', 'main', 1],
      main_c: ['constant', 'main', 1],
      then_w: ['subgraph', 'main/branch.then_branch', 1],
      then_c: ['subgraph', 'main/branch.then_branch', 2],
      else_c: ['subgraph', 'main/branch.else_branch', 3],
      fn_w: ['function', 'function:local.Lin', 3],
    });
    assert.equal(layer(r, 'then_mm').weight, 'then_w');
    assert.equal(layer(r, 'else_mm').weight, 'else_c');
    assert.equal(layer(r, 'fn_mm').weight, 'fn_w');
    assert.equal(r.totals.params, 4 + 2 + 4 + 3 + 4 + 4);
    assert.equal(r.totals.zeros, 1 + 1 + 1 + 2 + 3 + 3);
  });

  it('a subgraph layer finds a weight defined in the enclosing graph', async () => {
    const b = new ModelBuilder();
    const body = b.subgraph('body');
    body.node('MatMul', ['x', 'outer_w'], ['y'], {}, 'inner_mm').output('y', 'float32', [1, 2]);
    b.main.initializer('outer_w', f32([2, 2], [0, 1, 0, 1]));
    b.main.node('Loop', ['', 'cond'], ['out'], { body }, 'loop');
    const r = await analyzeBuilt(b);
    const l = layer(r, 'inner_mm');
    assert.equal(l.weight, 'outer_w');
    assert.deepEqual([l.graph, l.weightGraph], ['main/loop.body', 'main']);
    assert.equal(l.zeros, 2);
    // Everything keyed by the weight finds it: the layer-weight totals and the estimator's workload.
    assert.deepEqual([r.totals.layerWeights.params, r.totals.layerWeights.zeros], [4, 2]);
    assert.ok(r.estimates.length > 0);
    for (const e of r.estimates) assert.deepEqual(e.layers.map((x) => x.name), ['inner_mm'], `${e.accelerator.id} ${e.scenario}`);
  });

  it('Constant value_float(s) and value_int(s) are weights too', async () => {
    const b = new ModelBuilder();
    b.main.node('Constant', [], ['vf'], { value_floats: { floats: [0, 1.5, 0] } }, 'c1');
    b.main.node('Constant', [], ['vi'], { value_ints: [0, 4, 5, 0] }, 'c2');
    b.main.node('Constant', [], ['one'], { value_float: { float: 0 } }, 'c3');
    const r = await analyzeBuilt(b);
    assert.deepEqual([weight(r, 'vf').dtype, weight(r, 'vf').dims, weight(r, 'vf').zeros], ['float32', [3], 2]);
    assert.deepEqual([weight(r, 'vi').dtype, weight(r, 'vi').dims, weight(r, 'vi').zeros], ['int64', [4], 2]);
    assert.deepEqual([weight(r, 'one').dims, weight(r, 'one').zeros], [[], 1]);
  });

  it('follows a weight through Cast, Reshape and Identity to its layer, and names the real consumer', async () => {
    const b = new ModelBuilder();
    b.main.initializer('w16', { dtype: 'float16', dims: [32], values: Array.from({ length: 32 }, (_, i) => (i % 4 < 2 ? 0 : 1)) });
    b.main.initializer('shape', { dtype: 'int64', dims: [2], values: [4, 8] });
    b.main.node('Cast', ['w16'], ['w32'], { to: 1 }, 'cast')
      .node('Reshape', ['w32', 'shape'], ['w2d'], {}, 'reshape')
      .node('Identity', ['w2d'], ['w'], {}, 'id')
      .node('Gemm', ['x', 'w'], ['y'], { transB: 1 }, 'fc');
    const r = await analyzeBuilt(b);
    const l = layer(r, 'fc');
    assert.equal(l.weight, 'w16');
    assert.deepEqual(l.gemm, { rows: 4, k: 8, groups: 1, kernelPositions: 1 });
    assert.equal(l.nm['2:4'].ready, true);
    assert.deepEqual(weight(r, 'w16').usedBy, ['Gemm']);
    assert.deepEqual(weight(r, 'shape').usedBy, ['Reshape']);
    assert.equal(r.totals.byOpType.Gemm.params, 32);
  });

  it('reports a layer whose operand is computed at run time without a weight', async () => {
    const b = new ModelBuilder();
    b.main.node('MatMul', ['a', 'b'], ['c'], {}, 'attention_scores');
    const l = layer(await analyzeBuilt(b), 'attention_scores');
    assert.equal(l.weight, null);
    assert.equal(l.gemm, null);
  });

  it('names nodes that have no name by op type and index', async () => {
    const b = new ModelBuilder();
    b.main.initializer('w', f32([2, 2], [1, 0, 0, 1]));
    b.main.node('Relu', ['x'], ['r']).node('MatMul', ['r', 'w'], ['y']);
    assert.equal((await analyzeBuilt(b)).layers[0].name, 'MatMul_1');
  });

  it('reads float_data written unpacked (one tag per value), as protobuf parsers must', async () => {
    const b = new ModelBuilder();
    const w = Writer.create();
    w.uint32((1 << 3) | 0).int64(4); // dims
    w.uint32((2 << 3) | 0).int32(1); // FLOAT
    for (const v of [0, 2, 0, -1]) w.uint32((4 << 3) | 5).float(v); // float_data, unpacked
    w.uint32((8 << 3) | 2).string('unpacked');
    b.main.graph.initializer!.push(onnx.TensorProto.decode(w.finish()));
    const r = await analyzeBuilt(b);
    assert.equal(weight(r, 'unpacked').zeros, 2);
    assert.equal(weight(r, 'unpacked').magnitude.max, 2);
  });
});
