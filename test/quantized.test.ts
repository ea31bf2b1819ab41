import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelBuilder } from '../server/onnx/builder';
import { analyzeBuilt, layer, weight } from './helpers';

describe('quantized weights', () => {
  it('a per-tensor zero point behind DequantizeLinear: zero means equal to the zero point', async () => {
    const b = new ModelBuilder();
    b.main.initializer('q', { dtype: 'int8', dims: [4, 4], values: [3, 3, 5, 1, 3, 3, 0, 9, 3, 3, 3, 3, 7, 2, 3, 3] });
    b.main.initializer('scale', { dtype: 'float32', dims: [], values: [0.5] });
    b.main.initializer('zp', { dtype: 'int8', dims: [], values: [3] });
    b.main.node('DequantizeLinear', ['q', 'scale', 'zp'], ['w'], {}, 'dq').node('MatMul', ['x', 'w'], ['y'], {}, 'mm');
    const r = await analyzeBuilt(b, { nearZero: { value: 1, relative: false } });
    const w = weight(r, 'q');
    assert.equal(w.zeros, 10);
    // |q - 3| x 0.5 <= 1: q in 1..5 -> the ten 3s and 5, 1, 2.
    assert.equal(w.nearZeros, 13);
    assert.equal(w.magnitude.max, 3); // (9 - 3) x 0.5
    assert.deepEqual(w.zeroPoint, { axis: null, values: [3] });
    assert.deepEqual(w.scale, { axis: null, values: [0.5] });
    assert.equal(layer(r, 'mm').weight, 'q');
    assert.equal(layer(r, 'mm').zeros, 10);
  });

  it('per-axis zero points along axis 0 (output channels) of a uint8 Conv weight', async () => {
    // W [2, 1, 2, 2]: channel 0 zero point 128, channel 1 zero point 100.
    const b = new ModelBuilder();
    b.main.initializer('q', { dtype: 'uint8', dims: [2, 1, 2, 2], values: [128, 128, 0, 100, 100, 100, 100, 128] });
    b.main.initializer('s', { dtype: 'float32', dims: [2], values: [1, 1] });
    b.main.initializer('zp', { dtype: 'uint8', dims: [2], values: [128, 100] });
    b.main.node('DequantizeLinear', ['q', 's', 'zp'], ['w'], { axis: 0 }, 'dq').node('Conv', ['x', 'w'], ['y'], {}, 'conv');
    const r = await analyzeBuilt(b);
    assert.equal(weight(r, 'q').zeros, 5);
    assert.equal(layer(r, 'conv').zeroRows, 0);
    assert.deepEqual(weight(r, 'q').zeroPoint, { axis: 0, values: [128, 100] });
  });

  it('QLinearConv and ConvInteger take the weight zero point from their own inputs', async () => {
    const b = new ModelBuilder();
    b.main.initializer('w', { dtype: 'int8', dims: [2, 2, 1, 1], values: [-5, -5, 4, 0] });
    b.main.initializer('w_zp', { dtype: 'int8', dims: [2], values: [-5, 4] });
    b.main.initializer('w_s', { dtype: 'float32', dims: [2], values: [0.1, 0.1] });
    b.main.node('QLinearConv', ['x', 'xs', 'xz', 'w', 'w_s', 'w_zp', 'ys', 'yz'], ['y'], {}, 'qconv');
    b.main.initializer('w2', { dtype: 'uint8', dims: [2, 4, 1, 1], values: [7, 7, 7, 7, 7, 1, 7, 7] });
    b.main.initializer('w2_zp', { dtype: 'uint8', dims: [], values: [7] });
    b.main.node('ConvInteger', ['x', 'w2', '', 'w2_zp'], ['y2'], {}, 'iconv');
    const r = await analyzeBuilt(b);
    const q = layer(r, 'qconv');
    assert.equal(q.zeros, 3);
    assert.equal(q.zeroRows, 1); // output channel 0: both values equal its zero point -5
    assert.equal(layer(r, 'iconv').zeros, 7);
    assert.equal(layer(r, 'iconv').zeroRows, 1);
  });

  it('MatMulInteger takes a per-column zero point of B [K, N] along its last axis', async () => {
    const b = new ModelBuilder();
    // B [K=4, N=2]: column 0 zero point 10, column 1 zero point 0.
    b.main.initializer('B', { dtype: 'uint8', dims: [4, 2], values: [10, 0, 10, 3, 1, 0, 10, 0] });
    b.main.initializer('B_zp', { dtype: 'uint8', dims: [2], values: [10, 0] });
    b.main.node('MatMulInteger', ['A', 'B', '', 'B_zp'], ['Y'], {}, 'imm');
    const l = layer(await analyzeBuilt(b), 'imm');
    assert.equal(l.zeros, 6);
    assert.deepEqual(l.gemm, { rows: 2, k: 4, groups: 1, kernelPositions: 1 });
    assert.equal(l.nm['1:4'].groupShare, 1); // column 0 keeps only 1, column 1 only 3
  });

  it('a zero point whose size matches no axis is reported, and zeros are counted against 0', async () => {
    const b = new ModelBuilder();
    b.main.initializer('q', { dtype: 'int8', dims: [2, 3], values: [0, 1, 1, 0, 1, 1] });
    b.main.initializer('s', { dtype: 'float32', dims: [5], values: [1, 1, 1, 1, 1] });
    b.main.initializer('zp', { dtype: 'int8', dims: [5], values: [1, 1, 1, 1, 1] });
    b.main.node('DequantizeLinear', ['q', 's', 'zp'], ['w'], { axis: 1 }, 'dq');
    const r = await analyzeBuilt(b);
    assert.equal(weight(r, 'q').zeros, 2);
    assert.ok(r.warnings.some((w) => w.includes('q') && /zero point/.test(w)), r.warnings.join('\n'));
  });
});
