import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeModel } from '../server/pipeline/analyze';
import { findLayers } from '../server/analysis/layers/layers';
import { measureCrossover } from '../server/bench/crossover';
import { crossoverSparsity, latencyStats } from '../server/bench/latency-stats';
import { benchmarkModel } from '../server/pipeline/bench';
import { pruneModel, parsePrune } from '../server/bench/prune';
import { buildDemoModel } from '../server/demo/demo-model';
import { CancelledError, UsageError } from '../server/errors';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { loadModel } from '../server/onnx/load';
import { reluOnly, runCli, tempDir } from './helpers';

describe('latency statistics', () => {
  it('interpolates percentiles between ranks', () => {
    assert.deepEqual(latencyStats([4, 1, 3, 2]), { min: 1, p50: 2.5, p90: 3.7, p99: 3.9699999999999998, max: 4, mean: 2.5 });
    const hundred = Array.from({ length: 101 }, (_, i) => i);
    const s = latencyStats(hundred);
    assert.deepEqual([s.p50, s.p90, s.p99], [50, 90, 99]);
  });

  it('finds the crossover as the lowest level from which sparse wins at every higher level', () => {
    const table = (wins: boolean[]) => wins.map((w, i) => ({ sparsity: [0.5, 0.8, 0.9, 0.95, 0.99][i], denseMs: 10, bestSparseMs: w ? 5 : 20 }));
    assert.equal(crossoverSparsity(table([false, false, false, true, true])), 0.95);
    assert.equal(crossoverSparsity(table([false, true, false, true, true])), 0.95, 'a lucky level below does not count');
    assert.equal(crossoverSparsity(table([false, false, false, false, false])), null);
    assert.equal(crossoverSparsity(table([true, true, true, true, true])), 0.5);
    assert.equal(crossoverSparsity([{ sparsity: 0.99, denseMs: 1, bestSparseMs: null }]), null);
  });
});

describe('benchmarks', () => {
  it('times a tiny model: sane percentiles, iterations counted, a pruned copy measured', async () => {
    const file = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    const analysis = await analyzeModel({ file });
    const b = await benchmarkModel(file, { iterations: 30, warmup: 2, prune: '2:4', analyze: async () => analysis });
    assert.equal(b.iterations, 30);
    const l = b.latencyMs;
    assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max && l.min > 0);
    assert.equal(b.ep, 'cpu');
    assert.ok(b.pruned && b.pruned.measuredSpeedup > 0 && b.pruned.estimatedSpeedup !== null);
    assert.ok(b.pruned.sparsity >= 0.5);
  });

  it('prunes a copy to 2:4 that the weight analysis finds 2:4-ready, and to 90% unstructured', async () => {
    const dir = tempDir();
    const file = await writeModel(buildDemoModel(), dir, 'demo.onnx');
    const model = await loadModel(file);
    for (const [target, check] of [['2:4', 'ready'], ['90%', 'sparse']] as const) {
      const pruned = pruneModel(model, findLayers(model.nodes), parsePrune(target));
      const out = `${dir}/pruned-${target.replace(/[:%]/g, '_')}.onnx`;
      (await import('node:fs')).writeFileSync(out, pruned.bytes);
      const r = await analyzeModel({ file: out, run: false, estimate: false });
      // The layers a 2:4 copy cannot have are named, with why; 90% prunes every float weight.
      const notMultiple = r.layers.filter((l) => l.gemm!.k % 4 !== 0).map((l) => `${l.weight} (K not a multiple of 4)`);
      assert.deepEqual(pruned.skipped, check === 'ready' ? notMultiple : []);
      for (const l of r.layers) {
        if (check === 'ready') assert.equal(l.nm['2:4'].ready, l.gemm!.k % 4 === 0, `${l.name} k=${l.gemm!.k}`);
        else assert.ok(l.sparsity >= 0.9 - 1 / l.params, `${l.name} ${l.sparsity}`);
      }
    }
  });

  it('measures a small crossover and checks every sparse product against the dense one', async () => {
    const c = await measureCrossover({ shape: [64, 64, 16], ep: 'cpu', strictEp: false, threads: 1, memoryBudget: 1 << 30, levels: [0, 0.9, 0.99] });
    assert.deepEqual(c.levels.map((l) => l.sparsity), [0, 0.9, 0.99]);
    for (const l of c.levels) assert.ok(l.maxError < 1e-4 && l.denseMs > 0 && l.sparseMs.csrTypeScript > 0);
  });

  it('stops a benchmark when cancelled', async () => {
    const file = await writeModel(reluOnly([256, 256]), tempDir(), 'm.onnx');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    await assert.rejects(benchmarkModel(file, { seconds: 60, signal: abort.signal }), CancelledError);
  });

  it('rejects bad settings and inputs with clear errors', async () => {
    const file = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    await assert.rejects(benchmarkModel(file, { iterations: 0 }), (e: Error) => e instanceof UsageError && /--iterations must be an integer > 0/.test(e.message));
    await assert.rejects(benchmarkModel(file, { run: { ep: 'cuda', strictEp: true }, iterations: 1 }), /execution provider 'cuda' could not start/);
    await assert.rejects(measureCrossover({ shape: [100000, 100000, 1000], ep: 'cpu', strictEp: false, threads: 1, memoryBudget: 1 << 30 }), /needs .* bytes, more than the memory budget/);
    const cli = runCli(['bench', file, '--iterations', '-3']);
    assert.equal(cli.code, 2);
    // A bad --prune is a usage error, found before the analysis a pruned benchmark runs first.
    let analysed = false;
    for (const prune of ['3', '4:2', '100%', '32x32-75%', 'as-is']) {
      await assert.rejects(benchmarkModel(file, { prune, iterations: 1, analyze: async () => { analysed = true; return analyzeModel({ file }); } }),
        (e: Error) => e instanceof UsageError && e.message === `--prune must be N:M (e.g. 2:4) or X% (e.g. 90%), not '${prune}'`);
    }
    assert.equal(analysed, false);
    assert.equal(runCli(['bench', file, '--prune', '3']).code, 2);
    const broken = new ModelBuilder();
    broken.main.input('x', 'float32', [2]).output('y', 'float32', [2]);
    broken.main.node('NoSuchOp', ['x'], ['y'], {}, 'bad');
    const bad = await writeModel(broken, tempDir(), 'bad.onnx');
    const r = runCli(['bench', bad, '--iterations', '1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.onnx: onnxruntime cannot load the model/);
  });
});
