import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelBuilder, type Encoding } from '../server/onnx/builder';
import type { DTypeName } from '../server/onnx/dtypes';
import { analyzeBuilt, weight } from './helpers';

/**
 * Every dtype, from raw_data and from its typed field: 8 values whose zeros, near-zeros (|x| <= 0.6)
 * and largest magnitude are known by construction.
 */
const floats = [0, -0, 1.5, -2, 0.5, 0, 3, -0.5];
const signed = [0, -3, 5, 0, 7, -1, 0, 2];
const unsigned = [0, 3, 5, 0, 7, 1, 0, 2];

interface Case { dtype: DTypeName; values: number[]; zeros: number; near: number; max: number; sum: number; bytes: number }

const cases: Case[] = [
  ...(['float32', 'float64', 'float16', 'bfloat16', 'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz'] as const)
    .map((dtype) => ({ dtype, values: floats, zeros: 3, near: 5, max: 3, sum: 7.5, bytes: { float32: 32, float64: 64, float16: 16, bfloat16: 16 }[dtype as string] ?? 8 })),
  { dtype: 'float4e2m1', values: floats, zeros: 3, near: 5, max: 3, sum: 7.5, bytes: 4 },
  ...(['int8', 'int16', 'int32', 'int64'] as const).map((dtype) => ({ dtype, values: signed, zeros: 3, near: 3, max: 7, sum: 18, bytes: { int8: 8, int16: 16, int32: 32, int64: 64 }[dtype] })),
  ...(['uint8', 'uint16', 'uint32', 'uint64'] as const).map((dtype) => ({ dtype, values: unsigned, zeros: 3, near: 3, max: 7, sum: 18, bytes: { uint8: 8, uint16: 16, uint32: 32, uint64: 64 }[dtype] })),
  { dtype: 'int4', values: signed, zeros: 3, near: 3, max: 7, sum: 18, bytes: 4 },
  { dtype: 'uint4', values: unsigned, zeros: 3, near: 3, max: 7, sum: 18, bytes: 4 },
  { dtype: 'bool', values: [0, 1, 1, 0, 1, 0, 0, 1], zeros: 4, near: 4, max: 1, sum: 4, bytes: 8 },
];

describe('every dtype', () => {
  for (const encoding of ['raw', 'typed'] as Encoding[]) {
    for (const c of cases) {
      it(`${c.dtype} from ${encoding === 'raw' ? 'raw_data' : 'its typed field'}: zeros, near-zeros, magnitude and bytes`, async () => {
        const b = new ModelBuilder();
        b.main.initializer('w', { dtype: c.dtype, dims: [2, 4], values: c.values, encoding });
        const r = await analyzeBuilt(b, { nearZero: { value: 0.6, relative: false } });
        const w = weight(r, 'w');
        assert.equal(w.dtype, c.dtype);
        assert.deepEqual(w.dims, [2, 4]);
        assert.equal(w.elements, 8);
        assert.equal(w.bytes, c.bytes);
        assert.equal(w.zeros, c.zeros);
        assert.equal(w.nearZeros, c.near);
        assert.equal(w.sparsity, c.zeros / 8);
        assert.equal(w.magnitude.max, c.max);
        assert.equal(w.magnitude.minNonzero, c.dtype === 'bool' ? 1 : 0.5 * (c.values === floats ? 1 : 2));
        assert.ok(Math.abs(w.magnitude.mean - c.sum / 8) < 1e-12, `mean ${w.magnitude.mean}`);
        assert.equal(w.histogram.counts.reduce((a, x) => a + x, 0), 8 - c.zeros);
      });
    }
  }

  it('an odd number of 4-bit values packs into ceil(n/2) bytes and keeps the last nibble', async () => {
    const b = new ModelBuilder();
    b.main.initializer('w', { dtype: 'int4', dims: [5], values: [0, 1, 0, -8, 7] });
    b.main.initializer('t', { dtype: 'uint4', dims: [5], values: [0, 1, 0, 15, 0], encoding: 'typed' });
    const r = await analyzeBuilt(b);
    assert.equal(weight(r, 'w').bytes, 3);
    assert.equal(weight(r, 'w').zeros, 2);
    assert.equal(weight(r, 'w').magnitude.max, 8);
    assert.equal(weight(r, 't').zeros, 3);
    assert.equal(weight(r, 't').magnitude.max, 15);
  });

  it('float64 values below float32 range still count as nonzero', async () => {
    const b = new ModelBuilder();
    b.main.initializer('w', { dtype: 'float64', dims: [3], values: [1e-300, 0, -1e-320] });
    const w = weight(await analyzeBuilt(b), 'w');
    assert.equal(w.zeros, 1);
  });

  it('NaN and infinities are nonzero, counted apart, and kept out of the magnitude statistics', async () => {
    const b = new ModelBuilder();
    b.main.initializer('w', { dtype: 'float32', dims: [6], values: [NaN, Infinity, -Infinity, 0, 2, -4] });
    const w = weight(await analyzeBuilt(b), 'w');
    assert.equal(w.zeros, 1);
    assert.equal(w.magnitude.nonFinite, 3);
    assert.equal(w.magnitude.max, 4);
    assert.equal(w.magnitude.mean, 2); // (0 + 2 + 4) / 3 finite values
  });

  it('strings and complex numbers are listed and marked as not analysed', async () => {
    const b = new ModelBuilder();
    b.main.graph.initializer!.push({ name: 's', dataType: 8, dims: [2], stringData: [new Uint8Array([104]), new Uint8Array([105])] });
    b.main.graph.initializer!.push({ name: 'c', dataType: 14, dims: [1], floatData: [1, 0] });
    const r = await analyzeBuilt(b);
    assert.match(weight(r, 's').skipped ?? '', /string/);
    assert.match(weight(r, 'c').skipped ?? '', /complex64/);
    assert.equal(r.totals.byDtype.string.params, 2);
  });

  it('a relative near-zero threshold is taken against each tensor\'s own max |x|', async () => {
    const b = new ModelBuilder();
    b.main.initializer('a', { dtype: 'float32', dims: [4], values: [100, 0.5, 1, -2] });
    b.main.initializer('b', { dtype: 'float32', dims: [4], values: [1, 0.005, 0.01, -0.02] });
    const r = await analyzeBuilt(b, { nearZero: { value: 0.01, relative: true } });
    assert.equal(weight(r, 'a').nearZeros, 2); // 0.5 and 1 are <= 1
    assert.equal(weight(r, 'b').nearZeros, 2); // |x| <= 0.01
  });
});
