import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keptUnstructuredAt, newBins } from '../server/advise/kept';
import { measureKept, type KeptChoices } from '../server/advise/magnitude-pass';
import type { GemmView } from '../server/analysis/layers/gemm-view';
import type { Layer } from '../server/analysis/layers/layers';
import { pruneKey } from '../server/bench/prune-kind';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import type { DTypeName } from '../server/onnx/dtypes';
import { ExternalFiles } from '../server/onnx/external';
import { loadModel, type LoadedModel } from '../server/onnx/load';
import { rng } from '../server/random';
import { tempDir } from './helpers';

/**
 * The pruning plan's magnitude figures (server/advise/magnitude-pass.ts over simd/magsums.ts)
 * against sums made here element by element from the values as written: every view walk
 * (rows of K; MatMul B [K, N]; a convolution read channel-last; a transpose whose rows split
 * a batch), float32 inline, float16 in external data and bfloat16, weights past one chunk
 * (2^20 values) with rows and 4x1 blocks cut by the chunk (K and N not multiples of 4), and
 * several block shapes at once, in runs along memory (C or R of 8 and more) and walked one by one.
 */

/** Values exact in float32, float16 and bfloat16 (8 significant bits, exponents -14..7), a third of them zero. */
function values(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => (r() < 0.3 ? 0 : (r() < 0.5 ? -1 : 1) * (1 + Math.floor(r() * 255)) * 2 ** -Math.floor(r() * 15)));
}

interface Case { name: string; dtype: DTypeName; dims: number[]; view: GemmView; external?: boolean }
const gemm = (rows: number, k: number, transpose?: GemmView['transpose']): GemmView => ({ rows, k, groups: 1, channels: k, kernelPositions: 1, ...(transpose ? { transpose } : {}) });
const cases: Case[] = [
  { name: 'rows', dtype: 'float32', dims: [1100, 1003], view: gemm(1100, 1003) },
  { name: 'matmul', dtype: 'float16', dims: [1000, 1103], view: gemm(1103, 1000, { batches: 1, p: 1000, q: 1103 }), external: true },
  { name: 'conv', dtype: 'bfloat16', dims: [16, 8, 3, 3], view: { rows: 16, k: 72, groups: 1, channels: 8, kernelPositions: 9, transpose: { batches: 16, p: 8, q: 9 } } },
  { name: 'split', dtype: 'float32', dims: [2, 6, 4], view: gemm(4, 12, { batches: 2, p: 6, q: 4 }) },
  // Channel-last past one chunk: the chunk cuts a view row (K = 900 does not divide 2^20).
  { name: 'conv-cut', dtype: 'float32', dims: [1200, 100, 3, 3], view: { rows: 1200, k: 900, groups: 1, channels: 100, kernelPositions: 9, transpose: { batches: 1200, p: 100, q: 9 } } },
];
const choices: KeptChoices = {
  // 2x8 and 16x16 (runs of C along a row-major view), 16x2 and 16x16 (runs of R along a MatMul B), 1x3 (the scalar walk).
  unstructured: [0.5, 0.9], blocks: [{ r: 4, c: 1 }, { r: 2, c: 8 }, { r: 1, c: 3 }, { r: 16, c: 2 }, { r: 16, c: 16 }], blockLevels: [0.5, 0.75, 0.9], rows: [0.125, 0.25, 0.5], nm: [],
};

/** The view (row, col) of memory element i, from the definition of a GemmView. */
function position(v: GemmView, i: number): [number, number] {
  const t = v.transpose;
  if (!t) return [Math.floor(i / v.k), i % v.k];
  const per = t.p * t.q;
  const b = Math.floor(i / per);
  const rem = i % per;
  const within = (rem % t.q) * t.p + Math.floor(rem / t.q);
  return [b * (per / v.k) + Math.floor(within / v.k), within % v.k];
}

/** 1 - (sum of the floor(share x n) smallest sums) / total. */
function keptBySorting(sums: Float64Array, total: number, share: number): number {
  const sorted = [...sums].sort((a, b) => a - b);
  return 1 - sorted.slice(0, Math.floor(share * sums.length)).reduce((a, b) => a + b, 0) / total;
}

function expected(c: Case, w: Float64Array): Record<string, number> {
  const v = c.view;
  const mags = w.map(Math.abs);
  const total = mags.reduce((a, b) => a + b, 0);
  const out: Record<string, number> = {};
  // The unstructured figure's own definition (kept.ts): bins by the top 12 bits of the float32 pattern.
  const bins = newBins();
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (const x of mags) {
    f[0] = x;
    bins.counts[u[0] >>> 19]++;
    bins.sums[u[0] >>> 19] += x;
  }
  for (const s of choices.unstructured) out[pruneKey({ kind: 'unstructured', sparsity: s })] = keptUnstructuredAt(bins, w.length, total, [s])[0];
  for (const b of choices.blocks) {
    const cols = Math.ceil(v.k / b.c);
    const sums = new Float64Array(Math.ceil(v.rows / b.r) * cols);
    mags.forEach((x, i) => {
      const [row, col] = position(v, i);
      sums[Math.floor(row / b.r) * cols + Math.floor(col / b.c)] += x;
    });
    for (const s of choices.blockLevels) out[pruneKey({ kind: 'block', ...b, sparsity: s })] = keptBySorting(sums, total, s);
  }
  const rows = new Float64Array(v.rows);
  mags.forEach((x, i) => (rows[position(v, i)[0]] += x));
  for (const share of choices.rows) if (Math.floor(share * v.rows) > 0) out[pruneKey({ kind: 'rows', share })] = keptBySorting(rows, total, share);
  return out;
}

describe('the plan\u2019s magnitude figures match sums made element by element on each GEMM view', () => {
  let model: LoadedModel;
  let external: ExternalFiles;
  const written = new Map<string, Float64Array>();
  before(async () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [1]).output('y', 'float32', [1]).node('Identity', ['x'], ['y']);
    cases.forEach((c, j) => {
      const w = values(c.dims.reduce((a, d) => a * d, 1), 11 + j);
      written.set(c.name, w);
      b.main.initializer(c.name, { dtype: c.dtype, dims: c.dims, values: w, encoding: c.external ? { external: 'weights.bin' } : 'raw' });
    });
    const file = await writeModel(b, tempDir(), 'model.onnx');
    model = await loadModel(file);
    external = new ExternalFiles(model.dir, model.path);
  });
  after(() => external.close());

  it('every view walk, dtype and chunk cut; several block shapes at once', async () => {
    const found: Layer[] = cases.map((c) => ({ node: model.nodes[0], weight: model.tensors.find((t) => t.name === c.name)!, view: c.view }));
    const kept = await measureKept(model, found, [], choices, external);
    cases.forEach((c, i) => {
      const got = kept[i];
      assert.equal(typeof got, 'object', `${c.name}: ${String(got)}`);
      const want = expected(c, written.get(c.name)!);
      assert.deepEqual(Object.keys(got as Record<string, number>).sort(), Object.keys(want).sort(), c.name);
      // Block sums are float32 accumulators (as in the pruned copy's own arithmetic): 1e-6 of the total.
      for (const [key, share] of Object.entries(want)) assert.ok(Math.abs((got as Record<string, number>)[key] - share) < 1e-6, `${c.name} ${key}: ${(got as Record<string, number>)[key]} vs ${share}`);
    });
  });
});
