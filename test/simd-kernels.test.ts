import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newBitmap } from '../server/analysis/weights/bitmap';
import type { GemmView } from '../server/analysis/layers/gemm-view';
import { foldMagnitudes, foldScalar, newMagnitudeStats, thresholdBits } from '../server/analysis/weights/magnitude-stats';
import { foldKept, newKeptSums } from '../server/analysis/weights/nm-kept';
import { SimdKernels } from '../server/analysis/weights/simd-kernels';
import { ModelMemory } from '../server/onnx/model-memory';
import { gaussian, rng } from '../server/random';

/** A model memory with room for 64 KiB of "file": data placed there at odd offsets is read in place. */
const mem = new ModelMemory(1 << 16);
const simd = new SimdKernels(mem);

/** Puts values into the file region at a byte offset that is not a multiple of 4 (as raw_data often is). */
function unaligned(v: Float32Array, skew: number): number {
  mem.file.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), skew);
  return mem.file.byteOffset + skew;
}

/** Gaussian values with a share of exact zeros, some subnormal, some -0. */
function sample(n: number, seed: number): Float32Array {
  const rand = rng(seed);
  const v = gaussian(n, 0.05, rand);
  for (let i = 0; i < n; i++) {
    const u = rand();
    if (u < 0.4) v[i] = u < 0.05 ? -0 : 0;
    else if (u < 0.42) v[i] = 1e-40;
  }
  return v;
}

const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('the SIMD kernels agree with the scalar reference', () => {
  for (const [n, first, skew] of [[1024, 0, 0], [1000, 5, 1], [4096 + 17, 40, 2], [33, 31, 3]]) {
    it(`magnitude pass over ${n} values starting at element ${first}, ${skew} bytes off alignment`, () => {
      const v = sample(n, n + first);
      const t = thresholdBits(0.01);
      const ref = newMagnitudeStats();
      const refBm = newBitmap(first + n);
      foldScalar(ref, new Uint32Array(v.buffer), v, 0, n, first, refBm, t);
      const s = newMagnitudeStats();
      const bm = newBitmap(first + n);
      foldMagnitudes(s, simd, unaligned(v, skew), n, first, bm, t);
      assert.deepEqual(Array.from(bm), Array.from(refBm));
      for (const k of ['zeros', 'nearZeros', 'nonFinite', 'maxBits', 'minNonzeroBitsM1'] as const) assert.equal(s[k], ref[k], k);
      close(s.sum, ref.sum, 'sum');
      close(s.sumSq, ref.sumSq, 'sumSq');
      assert.deepEqual(Array.from(s.exponentBins), Array.from(ref.exponentBins));
    });
  }

  /** Kept sums by brute force: per group (elements given by memory index), sort and take the top n. */
  function bruteKept(values: Float32Array, groups: number[][], n: number): [number, number] {
    let l1 = 0;
    let l2 = 0;
    for (const g of groups) {
      const mags = g.map((i) => Math.abs(values[i])).sort((a, b) => b - a).slice(0, n);
      for (const x of mags) {
        l1 += x;
        l2 += x * x;
      }
    }
    return [l1, l2];
  }

  const dense = (rows: number, k: number): GemmView => ({ rows, k, groups: 1, channels: k, kernelPositions: 1 });
  for (const m of [4, 8]) {
    it(`kept magnitude for groups of ${m}, contiguous rows (K = 24) and strided columns (MatMul [K=16, N=7])`, () => {
      const rows = 9;
      const contiguous = dense(rows, 24);
      const v1 = sample(rows * 24, m);
      const acc1 = newKeptSums(m, [1, 2, m / 2]);
      foldKept(contiguous, [acc1], simd, unaligned(v1, 1), 0, v1.length);
      const g1: number[][] = [];
      for (let r = 0; r < rows; r++) for (let k = 0; k < 24; k += m) g1.push(Array.from({ length: m }, (_, j) => r * 24 + k + j));

      const strided: GemmView = { ...dense(7, 16), transpose: { batches: 1, p: 16, q: 7 } };
      const v2 = sample(16 * 7, 100 + m);
      const acc2 = newKeptSums(m, [1, 2, m / 2]);
      const input = simd.input(v2.length);
      input.set(v2);
      foldKept(strided, [acc2], simd, input.byteOffset, 0, v2.length);
      const g2: number[][] = [];
      for (let n = 0; n < 7; n++) for (let k = 0; k < 16; k += m) g2.push(Array.from({ length: m }, (_, j) => (k + j) * 7 + n));

      for (const [acc, v, groups] of [[acc1, v1, g1], [acc2, v2, g2]] as const)
        acc.ns.forEach((n, i) => {
          const [l1, l2] = bruteKept(v, groups, n);
          close(acc.l1[i], l1, `l1 ${n}:${m}`);
          close(acc.l2[i], l2, `l2 ${n}:${m}`);
        });
    });
  }

  it('kept magnitude for 2:4 and 4:8 together comes from one pass and matches each alone', () => {
    const view: GemmView = { ...dense(5, 16), transpose: { batches: 1, p: 16, q: 5 } };
    const v = sample(16 * 5, 77);
    const ptr = unaligned(v, 2);
    const four = newKeptSums(4, [1, 2]);
    const eight = newKeptSums(8, [4]);
    foldKept(view, [four, eight], simd, ptr, 0, v.length);
    const groups = (m: number): number[][] => {
      const out: number[][] = [];
      for (let n = 0; n < 5; n++) for (let k = 0; k < 16; k += m) out.push(Array.from({ length: m }, (_, j) => (k + j) * 5 + n));
      return out;
    };
    for (const [acc, m] of [[four, 4], [eight, 8]] as const)
      acc.ns.forEach((n, i) => {
        const [l1, l2] = bruteKept(v, groups(m), n);
        close(acc.l1[i], l1, `l1 ${n}:${m}`);
        close(acc.l2[i], l2, `l2 ${n}:${m}`);
      });
  });
});

