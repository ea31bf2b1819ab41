import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getBits, newBitmap, orBits, popcount, transpose32, transposeBits } from '../server/analysis/weights/bitmap';
import { foldMagnitudes, newMagnitudeStats, thresholdBits } from '../server/analysis/weights/magnitude-stats';
import { fieldsOver } from '../server/analysis/weights/nm-groups';
import { rng } from '../server/random';
import { SimdKernels } from '../server/analysis/weights/simd-kernels';
import { ModelMemory } from '../server/onnx/model-memory';

function bitsOf(bm: Uint32Array, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (bm[i >>> 5] >>> (i & 31)) & 1);
}

describe('bitmaps', () => {
  it('getBits reads runs that straddle words', () => {
    const bm = new Uint32Array([0x80000000, 0x00000003]);
    assert.equal(getBits(bm, 31, 3), 0b111);
    assert.equal(getBits(bm, 30, 4), 0b1110);
    assert.equal(getBits(bm, 0, 32), 0x80000000);
  });

  it('orBits writes runs that straddle words', () => {
    const bm = newBitmap(64);
    orBits(bm, 30, 0b1011, 4);
    assert.deepEqual(bitsOf(bm, 64).map((b, i) => (b ? i : -1)).filter((i) => i >= 0), [30, 31, 33]);
  });

  it('transpose32 swaps bit j of word i with bit i of word j', () => {
    const rand = rng(1);
    const a = Uint32Array.from({ length: 32 }, () => (rand() * 2 ** 32) >>> 0);
    const t = a.slice();
    transpose32(t);
    for (let i = 0; i < 32; i++) for (let j = 0; j < 32; j++) assert.equal((t[j] >>> i) & 1, (a[i] >>> j) & 1);
  });

  for (const [p, q] of [[1, 1], [3, 5], [32, 32], [33, 70], [100, 7], [4, 64]]) {
    it(`transposeBits matches the definition for ${p} x ${q} at an odd offset`, () => {
      const rand = rng(p * 1000 + q);
      const off = 13;
      const src = newBitmap(off + p * q);
      const truth: number[] = [];
      for (let i = 0; i < p * q; i++) {
        const b = rand() < 0.4 ? 1 : 0;
        truth.push(b);
        if (b) orBits(src, off + i, 1, 1);
      }
      const dst = newBitmap(7 + p * q);
      transposeBits(src, off, p, q, dst, 7);
      for (let r = 0; r < p; r++) for (let c = 0; c < q; c++) assert.equal(getBits(dst, 7 + c * p + r, 1), truth[r * q + c]);
    });
  }

  it('fieldsOver counts the M-bit fields holding more than N set bits', () => {
    const rand = rng(7);
    for (let t = 0; t < 2000; t++) {
      const x = (rand() * 2 ** 32) >>> 0;
      for (const m of [4, 8, 16]) {
        for (let n = 0; n <= m; n++) {
          let expected = 0;
          for (let f = 0; f < 32; f += m) expected += popcount(m === 32 ? x : (x >>> f) & ((1 << m) - 1)) > n ? 1 : 0;
          assert.equal(fieldsOver(x, n, m), expected, `x=${x.toString(16)} n=${n} m=${m}`);
        }
      }
    }
  });
});

describe('the magnitude pass', () => {
  const simd = new SimdKernels(new ModelMemory(0));
  it('counts zeros, near-zeros, non-finite values and sets one bit per nonzero, whatever the chunking', () => {
    const values = new Float32Array([0, -0, 1e-7, -1e-6, 2, NaN, -Infinity, 0.5, 0, 3]);
    const n = 300;
    const big = new Float32Array(n);
    for (let i = 0; i < n; i++) big[i] = values[i % values.length];
    for (const chunk of [1, 7, 32, 64, 300]) {
      const s = newMagnitudeStats();
      const bm = newBitmap(n);
      for (let a = 0; a < n; a += chunk) {
        const c = big.subarray(a, Math.min(n, a + chunk));
        const input = simd.input(c.length);
        input.set(c);
        foldMagnitudes(s, simd, input.byteOffset, c.length, a, bm, thresholdBits(1e-6));
      }
      assert.equal(s.zeros, 90, `chunk ${chunk}`);
      assert.equal(s.nearZeros, 150);
      assert.equal(s.nonFinite, 60);
      assert.ok(Math.abs(s.sum - 30 * (1e-7 + 1e-6 + 2 + 0.5 + 3)) < 1e-6);
      for (let i = 0; i < n; i++) assert.equal((bm[i >>> 5] >>> (i & 31)) & 1, big[i] === 0 ? 0 : 1);
    }
  });

  it('thresholdBits makes the integer compare exactly |x| <= t', () => {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (const t of [0, 1e-6, 0.1, 1 / 3, 1e-45, 3.4e38]) {
      const tb = thresholdBits(t);
      for (const x of [t, Math.fround(t), t * (1 + 1e-7), t * (1 - 1e-7), 0]) {
        f[0] = x;
        assert.equal(u[0] <= tb, Math.abs(f[0]) <= t, `t=${t} x=${x}`);
      }
    }
  });
});
