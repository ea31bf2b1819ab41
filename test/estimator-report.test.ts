import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../common/protocol';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { runCli, tempDir } from './helpers';
import { clean, count, renderAll, ReportBrowser } from './report-page';

/**
 * The estimator end to end on a model that is not run: MACs from static shape inference at the
 * user's dims, targets chosen by id, the batch rule and the runtime's support in the JSON, the
 * Markdown and the report page.
 */

const D = 512;
const F = 2048;

/** x [batch, seq, 512] float16 -> MatMul 512x2048 -> Relu -> MatMul 2048x512, both weights exactly 2:4. */
function mlp(): ModelBuilder {
  const b = new ModelBuilder();
  // Two zeros in every 4 consecutive K at each output, shifted per output: no K column is all zero.
  const twoOfFour = (k: number, n: number): number[] => Array.from({ length: k * n }, (_, i) => ((Math.floor(i / n) + (i % n)) % 4 < 2 ? 0 : 0.5 + (i % 7) / 8));
  b.main.input('x', 'float16', ['batch', 'seq', D]).output('y', 'float16', ['batch', 'seq', D])
    .initializer('w1', { dtype: 'float16', dims: [D, F], values: twoOfFour(D, F) })
    .initializer('w2', { dtype: 'float16', dims: [F, D], values: twoOfFour(F, D) })
    .node('MatMul', ['x', 'w1'], ['h'], {}, 'fc1').node('Relu', ['h'], ['r'], {}, 'relu').node('MatMul', ['r', 'w2'], ['y'], {}, 'fc2');
  return b;
}

const TARGETS = ['h100+tensorrt', 'a100+pytorch', 'h100+vllm', 'h100+onnxruntime'];

describe('estimates without a run, per target', { timeout: 120_000 }, () => {
  let file: string;
  let report: Report;
  const browser = new ReportBrowser();
  before(async () => {
    file = await writeModel(mlp(), tempDir(), 'mlp.onnx');
    report = await analyzeModel({ file, run: false, estimate: { dims: { seq: 128 }, targets: TARGETS, scenarios: ['as-is', 'pruned-2:4'] } });
    await browser.start();
  });
  after(() => browser.stop());

  it('takes each layer\u2019s MACs from static shape inference at the user\u2019s dims, and says so', () => {
    assert.deepEqual(report.inferred?.inputs, [{ name: 'x', dtype: 'float16', shape: [1, 128, D] }]);
    const fc1 = report.inferred!.ops.find((o) => o.name === 'fc1')!;
    assert.equal(fc1.macs, 128 * D * F);
    assert.equal(fc1.bytes, (128 * D + D * F + 128 * F) * 2);
    for (const e of report.estimates) {
      assert.deepEqual(e.costs, { run: 0, inference: 2, params: 0 }, e.accelerator.id);
      assert.deepEqual(e.layers.map((l) => [l.name, l.macs, l.costSource]), [['fc1', 128 * D * F, 'inference'], ['fc2', 128 * F * D, 'inference']]);
      assert.ok(e.assumptions.some((a) => a.startsWith('the model was not run: MACs and bytes of 2 layer(s) and of the other ops come from static shape inference at inputs x [1, 128, 512]')));
    }
  });

  it('says which dim is missing when inference cannot start, and falls back to parameters', async () => {
    const r = await analyzeModel({ file, run: false, estimate: { targets: ['h100+tensorrt'], scenarios: ['as-is'] } });
    assert.match(r.inferred?.error ?? '', /input 'x' dim 1 'seq' has no size/);
    assert.deepEqual(r.estimates[0].costs, { run: 0, inference: 0, params: 2 });
    assert.ok(r.estimates[0].assumptions.some((a) => a.includes('static shape inference could not start')));
  });

  it('estimates the targets asked for, in order, with the batch rule and the runtime\u2019s support', () => {
    assert.deepEqual([...new Set(report.estimates.map((e) => e.accelerator.id))], TARGETS);
    const at = (id: string, s = 'as-is') => report.estimates.find((e) => e.accelerator.id === id && e.scenario === s)!;
    const trt = at('h100+tensorrt');
    assert.deepEqual(trt.target, { chip: { id: 'h100', name: 'NVIDIA H100 SXM' }, runtime: { id: 'tensorrt', name: 'TensorRT' } });
    assert.equal(trt.sweep![0].rows, 1, 'from decode: one row per GEMM');
    assert.ok(trt.sweep!.some((p) => p.rows === 128 && p.scale === 1), 'the analysed size is a sweep point');
    assert.match(trt.batchRule!.text, /^2:4 pays on NVIDIA H100 SXM \+ TensorRT from [\d,]+ rows per GEMM/);
    assert.ok(trt.support!.some((s) => s.pattern === '2:4' && s.dtype === 'float16' && s.status === 'supported' && s.layers === 2));
    const vllm = at('h100+vllm');
    assert.deepEqual([vllm.speedup, ...vllm.speedupRange], [1, 1, 1]);
    assert.ok(vllm.support!.some((s) => s.status === 'removed' && s.layers === 2));
    assert.equal(vllm.batchRule!.text, 'no layer here uses 2:4 on NVIDIA H100 SXM + vLLM: no batch size changes that');
    assert.ok(at('a100+pytorch').sweep![0].speedup < 1, 'PyTorch loses at one row per GEMM');
  });

  it('prints per target the speedup, its range, the rule and the support in Markdown; refuses an unknown target', () => {
    const r = runCli(['analyze', file, '--no-run', '--dim', 'seq=128', '--target', 'h100+tensorrt,h100+vllm', '--scenario', 'as-is', '--format', 'md']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| Target \| Sparsity it uses \| Runtime support today \| as-is \|/);
    assert.match(r.stdout, /\| NVIDIA H100 SXM \+ vLLM \| 2:4 \| removed \(2:4 at float16, 2026-05-18\) \| 1\.00x \(1\.00-1\.00\) \|/);
    assert.match(r.stdout, /- \*\*NVIDIA H100 SXM \+ TensorRT\*\* \(as-is\): 2:4 pays on NVIDIA H100 SXM \+ TensorRT from/);
    assert.match(r.stdout, /Support: 2:4 at float16: removed \(2026-05-18\): vLLM dropped 2:4 \(Sparse24\) models/);
    // Markdown escapes the brackets.
    assert.match(r.stdout, /Layer MACs and bytes: 2 from static shape inference at x \\\[1, 128, 512\\\] \(the model was not run\)/);
    const bad = runCli(['analyze', file, '--no-run', '--target', 'h100+magic']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /target 'h100\+magic' is not known; known targets: default, all, this-machine, .*h100\+tensorrt/);
    const old = runCli(['analyze', file, '--no-run', '--dim', 'seq=16', '--target', 'h100-2:4', '--scenario', 'as-is', '--format', 'json']);
    assert.equal(old.code, 0, old.stderr);
    assert.deepEqual([...new Set((JSON.parse(old.stdout) as Report).estimates.map((e) => e.accelerator.id))], ['h100+tensorrt'], 'old ids still select');
  });

  it('shows the support, the rules and a batch-sweep chart on the report page', async () => {
    const o = await browser.open({ type: 'report', report }, 'estimator-targets');
    await renderAll(o.page);
    const heads = await o.page.$$eval('table.estimates thead th', (ths) => ths.map((t) => t.textContent));
    assert.deepEqual(heads, ['Target', 'Sparsity it uses', 'Runtime support today', 'as-is', 'pruned-2:4']);
    assert.equal(await o.page.textContent('table.estimates tbody tr:nth-child(3) td.support-blocked'), 'removed (2:4 at float16, 2026-05-18)');
    assert.equal(await count(o, '.target-rules li'), TARGETS.length);
    assert.equal(await count(o, '#chart-batch-sweep path.sweep-other'), TARGETS.length - 1, 'the other targets, thin');
    assert.equal(await count(o, '#chart-batch-sweep circle.point'), report.estimates[0].sweep!.length, 'the chosen one, point by point');
    assert.match(await o.page.textContent('#chart-batch-sweep .readout') ?? '', /^NVIDIA H100 SXM \+ TensorRT, as-is: 2:4 pays on/);
    await o.page.focus('#chart-batch-sweep svg');
    await o.page.keyboard.press('ArrowDown');
    assert.match(await o.page.textContent('#chart-batch-sweep .readout') ?? '', /^NVIDIA A100 SXM 80GB \+ PyTorch .*: 2:4 pays on .* below that dense is faster/);
    clean(o);
    await o.context.close();
  });
});
