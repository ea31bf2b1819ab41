import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ort } from '../server/analysis/run/session';
import { spreadWarnings } from '../server/bench/latency-stats';
import { thisMachine } from '../server/bench/this-machine';
import { buildDemoModel } from '../server/demo/demo-model';
import { estimateReport } from '../server/estimate/estimate';
import { addTop1, looksLikeScores } from '../server/gates/drift-stats';
import { writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { benchmarkModel } from '../server/pipeline/bench';
import { editedPlan, pruneFile, prunableModel, writePlan } from './prune-fixtures';
import { npyFile, tempDir } from './helpers';

/** Both models on the same input, in onnxruntime here: the outputs the drift figures are of. */
async function logits(file: string, x: Float32Array): Promise<Float64Array> {
  const s = await ort().InferenceSession.create(file);
  const out = await s.run({ x: new (ort().Tensor)('float32', x, [1, 8, 6, 6]) });
  await s.release();
  return Float64Array.from(out.logits.data as Float32Array);
}

describe('drift of a pruned copy', { timeout: 180_000 }, () => {
  it('equals max |diff|, relative L2, cosine and top-1 computed here from both models\u2019 outputs on the user\u2019s input', async () => {
    const dir = tempDir();
    const file = await prunableModel(dir, 'model.onnx');
    const { plan } = await editedPlan(file, { conv: '2:4', fc: '75%', out: 'rows-50%' });
    const x = Float32Array.from({ length: 288 }, (_, i) => Math.sin(i * 0.37) + 0.2);
    const input = path.join(dir, 'x.npy');
    writeFileSync(input, npyFile('<f4', [1, 8, 6, 6], new Uint8Array(x.buffer)));
    const copy = path.join(dir, 'copy.onnx');
    const r = await pruneFile(file, writePlan(dir, plan), copy, [input]);
    const [d] = r.prune.drift.outputs;
    assert.deepEqual(r.prune.drift.inputs.map((i) => i.source.endsWith('x.npy')), [true], 'the user\u2019s input, not generated');

    const [a, b] = [await logits(file, x), await logits(copy, x)];
    let maxAbs = 0;
    let diff = 0;
    let na = 0;
    let nb = 0;
    let dot = 0;
    for (let i = 0; i < a.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(b[i] - a[i]));
      diff += (b[i] - a[i]) ** 2;
      na += a[i] ** 2;
      nb += b[i] ** 2;
      dot += a[i] * b[i];
    }
    assert.ok(maxAbs > 0, 'the pruning moved the outputs');
    const close = (got: number, want: number, what: string): void => assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
    close(d.maxAbs, maxAbs, 'max |diff|');
    close(d.relL2, Math.sqrt(diff) / Math.sqrt(na), 'relative L2 (the original is the reference)');
    close(d.cosine, dot / Math.sqrt(na * nb), 'cosine');
    const argmax = (v: Float64Array): number => v.indexOf(Math.max(...v));
    assert.deepEqual(d.top1, { agreement: argmax(a) === argmax(b) ? 1 : 0, rows: 1, classes: 12 });
  });

  it('reads class scores from the last axis of [classes], [batch, classes] and [batch, seq, vocab], not feature maps', () => {
    assert.equal(looksLikeScores([1000], 'float32'), true);
    assert.equal(looksLikeScores([8, 1000], 'float16'), true);
    assert.equal(looksLikeScores([1, 16, 32000], 'float32'), true);
    assert.equal(looksLikeScores([1, 64, 56], 'float32'), false, 'seq 64 longer than 56 "classes"');
    assert.equal(looksLikeScores([1, 64, 56, 56], 'float32'), false);
    assert.equal(looksLikeScores([4, 1], 'float32'), false);
    assert.equal(looksLikeScores([4, 10], 'int64'), false);
    const s = { agree: 0, rows: 0, classes: 0 };
    // Three rows of four classes: arg max 2 vs 2, 0 vs 3, 1 vs 1 (first of equal maxima).
    addTop1(s, [0, 1, 5, 2, 9, 0, 0, 1, 3, 7, 7, 0], [0, 1, 6, 2, 0, 0, 0, 4, 1, 8, 8, 0], 4);
    assert.deepEqual(s, { agree: 2, rows: 3, classes: 4 });
  });
});

describe('bench --prune compares like with like', { timeout: 120_000 }, () => {
  it('puts the estimator\u2019s as-is over pruned time on this machine beside the measured ratio', async () => {
    const file = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    const analysis = await analyzeModel({ file, estimate: false });
    const b = await benchmarkModel(file, { iterations: 40, warmup: 2, prune: '2:4', analyze: async () => analysis });
    const here = thisMachine(analysis)!;
    const [asIs, pruned] = estimateReport(analysis, [here], ['as-is', 'pruned-2:4'], { sweep: false });
    assert.equal(b.pruned!.estimatedSpeedup, asIs.timeMs / pruned.timeMs);
    // This machine runs dense kernels (no crossover measured in this test's cache): 2:4 zeros change nothing,
    // and the zero channels the model already has are in both sides.
    assert.ok(Math.abs(b.pruned!.estimatedSpeedup! - 1) < 1e-12, String(b.pruned!.estimatedSpeedup));
    assert.ok(pruned.speedup > 1, 'against dense the same estimate says more: that was the old, unlike comparison');
    const [s0, s1] = b.pruned!.spread!;
    assert.equal(s0, b.latencyMs.p99 / b.latencyMs.p50);
    assert.equal(s1, b.pruned!.latencyMs.p99 / b.pruned!.latencyMs.p50);
    assert.deepEqual(b.warnings ?? [], spreadWarnings(b.latencyMs, b.pruned!.latencyMs));
  });

  it('warns when p99/p50 of either run is over 1.5', () => {
    assert.deepEqual(spreadWarnings({ p50: 1, p99: 1.4 }, { p50: 2, p99: 2.9 }), []);
    const [w] = spreadWarnings({ p50: 1, p99: 1.2 }, { p50: 1, p99: 4 });
    assert.match(w, /^latency spread p99\/p50 is 1\.20 for the model and 4\.00 for the copy \(over 1\.5\)/);
  });
});
