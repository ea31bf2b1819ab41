import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newBitmap } from '../server/analysis/bitmap';
import type { GemmView } from '../server/analysis/gemm-view';
import { foldMagnitudes, foldScalar, newMagnitudeStats, thresholdBits } from '../server/analysis/magnitude-stats';
import { foldKept, newKeptSums } from '../server/analysis/nm-kept';
import { simdKernels } from '../server/analysis/simd-kernels';
import { gaussian, rng } from '../server/demo/random';

const simd = simdKernels();

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
  for (const [n, first] of [[1024, 0], [1000, 5], [4096 + 17, 40], [33, 31]]) {
    it(`magnitude pass over ${n} values starting at element ${first}`, () => {
      const v = sample(n, n + first);
      const t = thresholdBits(0.01);
      const ref = newMagnitudeStats();
      const refBm = newBitmap(first + n);
      foldScalar(ref, new Uint32Array(v.buffer), v, 0, n, first, refBm, t);
      const s = newMagnitudeStats();
      const bm = newBitmap(first + n);
      simd.input(n).set(v);
      foldMagnitudes(s, simd, n, first, bm, t);
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
      simd.input(v1.length).set(v1);
      const acc1 = newKeptSums(m, [1, 2, m / 2]);
      foldKept(contiguous, acc1, simd, 0, v1.length);
      const g1: number[][] = [];
      for (let r = 0; r < rows; r++) for (let k = 0; k < 24; k += m) g1.push(Array.from({ length: m }, (_, j) => r * 24 + k + j));

      const strided: GemmView = { ...dense(7, 16), transpose: { batches: 1, p: 16, q: 7 } };
      const v2 = sample(16 * 7, 100 + m);
      simd.input(v2.length).set(v2);
      const acc2 = newKeptSums(m, [1, 2, m / 2]);
      foldKept(strided, acc2, simd, 0, v2.length);
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
});
