import assert from 'node:assert/strict';
import { copyFileSync, truncateSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { measureKept, type KeptChoices } from '../server/advise/magnitude-pass';
import { resolveOptions } from '../server/analysis/weights/options';
import { measureWeights, type MeasuredWeights } from '../server/analysis/weights/measure-model';
import { splitOff } from '../server/analysis/weights/split-pass';
import { CancelledError } from '../server/errors';
import { recordingReads } from '../server/files/read-log';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { ExternalFiles } from '../server/onnx/external';
import { loadModel } from '../server/onnx/load';
import { rng } from '../server/random';
import { tempDir } from './helpers';

/**
 * The weight pass and the plan's magnitude pass on two threads (server/analysis/weights/
 * split-pass.ts): a worker measures part of the external weights of a model it loads itself.
 * Whatever the split, every figure equals the one-thread pass; a worker that fails leaves its
 * weights to the main thread; an error in the model surfaces as it does on one thread.
 */

const two = availableParallelism() >= 2;
const K = 512;

/**
 * Six MatMuls of 1 MiB weights in two external files (the even ones, which a worker takes, in
 * b.bin), float32 [512, 512] and float16 [512, 1024], one 2:4 along K, one half zeros; two small inline ones.
 */
async function model(dir: string): Promise<string> {
  const b = new ModelBuilder();
  const g = b.main.input('x', 'float32', [1, K]).output('y', 'float32', [1, K]);
  for (let i = 0; i < 6; i++) {
    const r = rng(i + 1);
    const dtype = i % 3 === 2 ? 'float16' : 'float32';
    const n = dtype === 'float16' ? 2 * K : K;
    const values = Float64Array.from({ length: K * n }, (_, j) => (i === 1 && Math.floor(j / n) % 4 < 2) || (i === 4 && r() < 0.5) ? 0 : Math.round((r() - 0.5) * 1024) / 256);
    g.initializer(`w${i}`, { dtype, dims: [K, n], values, encoding: { external: i % 2 === 0 ? 'b.bin' : 'a.bin' } });
    const w = dtype === 'float16' ? `w${i}f` : `w${i}`;
    if (dtype === 'float16') g.node('Cast', [`w${i}`], [w], { to: 1 });
    g.node('MatMul', ['x', w], [`h${i}`]);
  }
  g.initializer('small', { dtype: 'float32', dims: [K, 4], values: Float64Array.from({ length: K * 4 }, (_, j) => j % 3) });
  g.node('MatMul', ['h0', 'small'], ['s']);
  g.initializer('back', { dtype: 'float32', dims: [4, K], values: Float64Array.from({ length: 4 * K }, (_, j) => (j % 5) - 2) });
  g.node('MatMul', ['s', 'back'], ['y']);
  return writeModel(b, dir, 'model.onnx');
}

async function weights(file: string, split: 'auto' | 'off'): Promise<MeasuredWeights> {
  const m = await loadModel(file);
  const ext = new ExternalFiles(m.dir, m.path);
  try {
    return await measureWeights(m, resolveOptions(), ext, { split, splitFromBytes: 0 });
  } finally {
    await ext.close();
  }
}

const plain = (m: MeasuredWeights): unknown => ({ weights: m.weights, layers: m.layers, warnings: m.warnings });
const choices: KeptChoices = { unstructured: [0.5, 0.9], blocks: [{ r: 4, c: 1 }, { r: 1, c: 8 }], blockLevels: [0.5, 0.75], rows: [0.25, 0.5], nm: [] };

describe('the weight pass on two threads', () => {
  it('gives every weight, layer and warning the one-thread pass gives, the worker measuring half the external weights', { skip: !two && 'one core' }, async () => {
    const file = await model(tempDir());
    const one = await weights(file, 'off');
    const split = await weights(file, 'auto');
    assert.equal(one.split, 0);
    assert.equal(split.split, 3, 'w0, w2 and w4: each goes to whichever thread has less to do');
    assert.equal((await loadModel(file)).tensors.filter((t) => t.data.kind === 'external').length, 6);
    assert.deepEqual(plain(split), plain(one));
    assert.ok(one.layers.some((l) => l.nm['2:4']?.ready), 'a 2:4 layer among them');
  });

  it('gives the plan\u2019s magnitude figures the one-thread pass gives', { skip: !two && 'one core' }, async () => {
    const file = await model(tempDir());
    const m = await loadModel(file);
    const ext = new ExternalFiles(m.dir, m.path);
    try {
      const w = await measureWeights(m, resolveOptions(), ext, { split: 'off' });
      const one = await measureKept(m, w.found, w.layers, choices, ext, undefined, { split: 'off' });
      const split = await measureKept(m, w.found, w.layers, choices, ext, undefined, { split: 'auto', splitFromBytes: 0 });
      assert.deepEqual(split, one);
      assert.equal(one.filter((x) => typeof x !== 'string').length, 8, JSON.stringify(one.filter((x) => typeof x === 'string')));
    } finally {
      await ext.close();
    }
  });

  it('notes the files the worker read as read by the command (an output may not replace them)', { skip: !two && 'one core' }, async () => {
    const file = await model(tempDir());
    const m = await loadModel(file);
    const ext = new ExternalFiles(m.dir, m.path);
    try {
      const { read } = await recordingReads(() => measureWeights(m, resolveOptions(), ext, { split: 'auto', splitFromBytes: 0 }));
      assert.ok(read.some((f) => path.basename(f) === 'b.bin'), `read: ${read.join(', ')}`);
    } finally {
      await ext.close();
    }
  });

  it('measures on this thread what a failed worker left, with the same figures (the model file changed under it)', { skip: !two && 'one core' }, async () => {
    const dir = tempDir();
    const file = await model(dir);
    const want = await weights(file, 'off');
    const m = await loadModel(file);
    // The worker loads the file again and finds other weights there: it stops at once.
    const other = new ModelBuilder();
    other.main.input('x', 'float32', [1]).output('y', 'float32', [1]).node('Identity', ['x'], ['y']);
    const changed = await writeModel(other, tempDir(), 'other.onnx');
    copyFileSync(changed, file);
    const ext = new ExternalFiles(m.dir, m.path);
    try {
      const got = await measureWeights(m, resolveOptions(), ext, { split: 'auto', splitFromBytes: 0 });
      assert.equal(got.split, 0, 'nothing from the worker');
      assert.deepEqual(plain(got), plain(want));
    } finally {
      await ext.close();
    }
  });

  it('fails as the one-thread pass fails on a truncated external file, with the same message', async () => {
    const dir = tempDir();
    const file = await model(dir);
    truncateSync(path.join(dir, 'b.bin'), 3 * 4096);
    const one = await weights(file, 'off').then(() => undefined, (e: unknown) => e as Error);
    const split = await weights(file, 'auto').then(() => undefined, (e: unknown) => e as Error);
    assert.ok(one && split, 'both fail');
    assert.equal(split.name, one.name);
    assert.equal(split.message, one.message);
    assert.match(one.message, /b\.bin/);
  });

  it('stops when cancelled', async () => {
    const file = await model(tempDir());
    const m = await loadModel(file);
    const ext = new ExternalFiles(m.dir, m.path);
    const abort = new AbortController();
    abort.abort();
    try {
      await assert.rejects(measureWeights(m, resolveOptions(), ext, { signal: abort.signal, split: 'auto', splitFromBytes: 0 }), CancelledError);
    } finally {
      await ext.close();
    }
  });
});

describe('the split of a pass', () => {
  const mib = 1 << 20;
  const ext = (mb: number) => ({ bytes: mb * mib, external: true });
  it('gives a worker nothing below the threshold, on one core, or for a large .onnx file', () => {
    assert.deepEqual(splitOff([ext(100), ext(100)], 1000, 256 * mib), []);
    assert.deepEqual(splitOff([ext(200), ext(200)], 1000, 256 * mib, 1), []);
    assert.deepEqual(splitOff([ext(200), ext(200)], 100 * mib, 256 * mib), []);
  });
  it('gives each large external weight to the thread with less to do, this one starting with its inline weights and the worker with its start-up', () => {
    // The worker's start-up counts 96 MiB at 256: the first goes here (0 < 96), the next there (96 < 200), and so on.
    assert.deepEqual(splitOff([ext(200), ext(200), ext(200), ext(200)], 1000, 256 * mib, 2), [1, 3]);
    // 300 MiB inline here: the first two external ones go to the worker (96, then 296 < 300.5), the third here; inline and small ones never move.
    assert.deepEqual(splitOff([{ bytes: 300 * mib, external: false }, ext(200), { bytes: mib / 2, external: true }, ext(200), ext(200)], 1000, 256 * mib, 2), [1, 3]);
  });
});
