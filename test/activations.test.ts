import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeModel } from '../server/pipeline/analyze';
import { tensorStats } from '../server/analysis/run/activation-stats';
import { latencyLine } from '../common/report/figures';
import { histogramStride, HISTOGRAM_THRESHOLDS } from '../server/analysis/run/instrument';
import { CancelledError } from '../server/errors';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { ort } from '../server/analysis/run/session';
import type { Report, RunOptions, ValueReport } from '../common/protocol';
import { layer, npyFile, reluOnly, tempDir } from './helpers';

const value = (r: Report, name: string): ValueReport => {
  const v = r.values?.find((x) => x.name === name);
  if (!v) throw new Error(`no value ${name}: ${r.run?.error ?? ''}`);
  return v;
};

/** x [1, 8] -> Add(x, b) -> Relu -> y -> MatMul (so y is a layer input) and Shape: pre-activations chosen by the test. */
function reluModel(): ModelBuilder {
  const b = new ModelBuilder();
  b.main.input('x', 'float32', [1, 8]).output('z', 'float32', [1, 2]).output('shape', 'int64', [2]);
  b.main.initializer('b', { dtype: 'float32', dims: [8], values: [0, 0, 0, 0, 1, 1, 1, 1] });
  b.main.initializer('w', { dtype: 'float32', dims: [8, 2], values: Array.from({ length: 16 }, () => 1) });
  b.main.node('Add', ['x', 'b'], ['pre'], {}, 'add').node('Relu', ['pre'], ['y'], {}, 'relu').node('Shape', ['y'], ['shape'], {}, 'shape');
  b.main.node('MatMul', ['y', 'w'], ['z'], {}, 'head');
  return b;
}

async function runBuilt(b: ModelBuilder, run: Partial<RunOptions>, files: Record<string, Buffer> = {}): Promise<{ report: Report; dir: string }> {
  const dir = tempDir();
  const file = await writeModel(b, dir, 'model.onnx');
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
  const resolved = { ...run, inputs: (run.inputs ?? []).map((i) => path.join(dir, i)) };
  return { report: await analyzeModel({ file, run: resolved }), dir };
}

const f32npy = (shape: number[], values: number[]): Buffer => npyFile('<f4', shape, new Uint8Array(new Float32Array(values).buffer));

describe('running the model', () => {
  it("counts exactly the activations a ReLU zeroes, from the user's .npy input", async () => {
    // pre = x + b: negative at 0, 1, 2 and 5 (-2 + 1), zero at 3 (0 + 0) -> Relu zeroes 5 of 8.
    const x = [-1, -2, -3, 0, 2, -2, 3, 4];
    const { report } = await runBuilt(reluModel(), { inputs: ['x.npy'] }, { 'x.npy': f32npy([1, 8], x) });
    assert.equal(report.run?.ok, true, report.run?.error);
    assert.equal(report.run?.instrumentedRuns, 1);
    assert.match(latencyLine(report.run!), /ms with activation statistics \(one run, the session\u2019s first/, 'a cold figure says it is one');
    const y = value(report, 'y');
    assert.deepEqual(y.shape, [1, 8]);
    assert.equal(y.zeros, 5);
    assert.equal(y.density, 3 / 8);
    assert.equal(y.min, 0);
    assert.equal(y.max, 5);
    assert.equal(y.mean, (3 + 4 + 5) / 8);
    assert.equal(y.method, 'in-graph');
    const pre = value(report, 'pre');
    assert.equal(pre.zeros, 1);
    assert.equal(pre.min, -3);
    const input = value(report, 'x');
    assert.equal(input.method, 'input');
    assert.equal(input.zeros, 1);
    // The int64 Shape output cannot be reduced in the graph: it is copied out.
    const shape = value(report, 'shape');
    assert.equal(shape.method, 'copied');
    assert.deepEqual([shape.min, shape.max, shape.zeros], [1, 8, 0]);
  });

  it('counts copied-out near-zeros by an absolute or a relative rule, and the histogram, in float32 and float64', () => {
    const x = [0, 0.05, -0.15, 1, -2, 0.5e-6];
    for (const [data, wide] of [[Float32Array.from(x), false], [Float64Array.from(x), true]] as const) {
      // |x| <= 0.1: 0, 0.05, 0.5e-6.
      assert.equal(tensorStats(data, { value: 0.1, relative: false }, false, wide).nearZeros, 3);
      // |x| <= 0.1 x max|x| = 0.2: the same three and -0.15.
      const rel = tensorStats(data, { value: 0.1, relative: true }, true, wide);
      assert.equal(rel.nearZeros, 4);
      assert.deepEqual([rel.zeros, rel.min, rel.max, rel.elements], [1, -2, 1, 6]);
      const below = HISTOGRAM_THRESHOLDS.map((t) => x.filter((v) => Math.abs(v) < t).length);
      assert.deepEqual(rel.hist, { below, elements: 6, stride: 1 });
    }
  });

  it('gives the same statistics in the graph as from the copied-out tensor', async () => {
    const x = [-1.5, 0, 0, 2.25, -0.5, 8, 0.125, -4];
    const { report } = await runBuilt(reluModel(), { inputs: ['x.npy'] }, { 'x.npy': f32npy([1, 8], x) });
    const exposed = reluModel();
    exposed.main.output('y', 'float32', [1, 8]);
    const session = await ort().InferenceSession.create(exposed.toBytes());
    const out = await session.run({ x: new (ort().Tensor)('float32', Float32Array.from(x), [1, 8]) });
    // y = Relu(x + b) = [0, 0, 0, 2.25, 0.5, 9, 1.125, 0]: half zeros.
    assert.equal(layer(report, 'head').activation?.inputDensity, 0.5);
    const near = report.options.nearZero;
    for (const name of ['y'] as const) {
      const copied = tensorStats(out[name].data as Float32Array, near, true, false);
      const g = value(report, name);
      assert.equal(g.method, 'in-graph');
      assert.equal(g.zeros, copied.zeros);
      assert.equal(g.nearZeros, copied.nearZeros);
      assert.equal(g.min, copied.min);
      assert.equal(g.max, copied.max);
      assert.equal(g.mean, copied.sum / copied.elements);
      assert.deepEqual(g.histogram?.below, copied.hist?.below);
      assert.deepEqual([g.histogram?.elements, g.histogram?.stride], [8, 1], 'a small value: every element');
    }
  });

  it('takes the histogram of a large value over every stride-th element, zeros and near-zeros over all of them', async () => {
    // y = Relu(x + b) over [1, 4, 97, 101] (39,188 elements: past HISTOGRAM_ALL_BELOW; 13 divides neither 97 nor 101).
    const dims = [1, 4, 97, 101];
    const n = dims.reduce((a, b) => a * b, 1);
    const x = Array.from({ length: n }, (_, i) => ((i * 7919) % 2003) / 100 - 10 + (i % 5 === 0 ? -20 : 0));
    const b = new ModelBuilder();
    b.main.input('x', 'float32', dims).output('z', 'float32', [1, 2, 97, 101]);
    b.main.initializer('b', { dtype: 'float32', dims: [1], values: [0.003] });
    b.main.initializer('w', { dtype: 'float32', dims: [2, 4, 1, 1], values: [1, 1, 1, 1, 1, 1, 1, 1] });
    b.main.node('Add', ['x', 'b'], ['pre'], {}, 'add').node('Relu', ['pre'], ['y'], {}, 'relu').node('Conv', ['y', 'w'], ['z'], {}, 'conv');
    const { report } = await runBuilt(b, { inputs: ['x.npy'] }, { 'x.npy': f32npy(dims, x) });
    const y = value(report, 'y');
    assert.equal(y.method, 'in-graph');
    assert.equal(histogramStride(dims), 13);
    const exposed = new ModelBuilder();
    exposed.main.input('x', 'float32', dims).output('y', 'float32', dims);
    exposed.main.initializer('b', { dtype: 'float32', dims: [1], values: [0.003] });
    exposed.main.node('Add', ['x', 'b'], ['pre']).node('Relu', ['pre'], ['y']);
    const out = await (await ort().InferenceSession.create(exposed.toBytes())).run({ x: new (ort().Tensor)('float32', Float32Array.from(x), dims) });
    const got = out.y.data as Float32Array;
    const all = tensorStats(got, report.options.nearZero, true, false);
    assert.deepEqual([y.zeros, y.nearZeros], [all.zeros, all.nearZeros], 'every element');
    const taken = got.filter((_, i) => i % 13 === 0);
    assert.deepEqual(y.histogram, { thresholds: HISTOGRAM_THRESHOLDS, below: HISTOGRAM_THRESHOLDS.map((t) => taken.filter((v) => Math.abs(v) < Math.fround(t)).length), elements: taken.length, stride: 13 });
    // The sample's shares stay close to the whole value's.
    all.hist!.below.forEach((c, k) => assert.ok(Math.abs(c / n - y.histogram!.below[k] / taken.length) < 0.01, `threshold ${HISTOGRAM_THRESHOLDS[k]}`));
  });

  it('chooses a histogram stride that divides neither of the last two dims, and every element for small or unknown values', () => {
    assert.equal(histogramStride(undefined), 1);
    assert.equal(histogramStride([1, 8, 32, 32]), 1, '8,192 elements');
    assert.equal(histogramStride([1, 64, 160, 160]), 13);
    assert.equal(histogramStride([1, 16, 13 * 20, 17 * 9]), 19);
  });

  it("measures MACs from the run's shapes: grouped, strided, dilated, padded convs, Gemm and broadcast MatMul", async () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [1, 4, 9, 9]).input('m', 'float32', [2, 1, 3, 5]);
    b.main.output('c2', 'float32', [1, 6, 3, 3]).output('g', 'float32', [1, 5]).output('mm', 'float32', [2, 4, 3, 6]);
    const ones = (n: number): number[] => Array.from({ length: n }, () => 1);
    b.main.initializer('w1', { dtype: 'float32', dims: [8, 2, 3, 3], values: ones(144) });
    b.main.initializer('w2', { dtype: 'float32', dims: [6, 8, 3, 3], values: ones(432) });
    b.main.initializer('gw', { dtype: 'float32', dims: [5, 54], values: ones(270) });
    b.main.initializer('shape', { dtype: 'int64', dims: [2], values: [1, 54] });
    b.main.initializer('bw', { dtype: 'float32', dims: [4, 5, 6], values: ones(120) });
    // conv1: group 2, pads 1, stride 2: 9x9 -> 5x5; MACs = 8 x 25 x (2 x 9) = 3600.
    b.main.node('Conv', ['x', 'w1'], ['c1'], { group: 2, pads: [1, 1, 1, 1], strides: [2, 2] }, 'conv1');
    // conv2: dilation 2 (effective kernel 5), no pads: 5x5 -> 1x1... use pads 2: 5 + 4 - 5 + 1 = 5; stride 2 -> 3x3.
    // MACs = 6 x 9 x (8 x 9) = 3888.
    b.main.node('Conv', ['c1', 'w2'], ['c2'], { dilations: [2, 2], pads: [2, 2, 2, 2], strides: [2, 2] }, 'conv2');
    // Gemm on the flattened conv2 output [1, 54] x gw^T [54, 5]: 1 x 5 x 54 = 270.
    b.main.node('Reshape', ['c2', 'shape'], ['flat'], {}, 'flatten').node('Gemm', ['flat', 'gw'], ['g'], { transB: 1 }, 'fc');
    // MatMul [2,1,3,5] x [4,5,6] -> [2,4,3,6]: 8 batches x 3 x 6 x 5 = 720.
    b.main.node('MatMul', ['m', 'bw'], ['mm'], {}, 'bmm');
    const { report } = await runBuilt(b, {});
    assert.equal(report.run?.ok, true, report.run?.error);
    assert.deepEqual(value(report, 'c1').shape, [1, 8, 5, 5]);
    assert.deepEqual(value(report, 'c2').shape, [1, 6, 3, 3]);
    assert.equal(layer(report, 'conv1').macs, 3600);
    assert.equal(layer(report, 'conv2').macs, 3888);
    assert.equal(layer(report, 'fc').macs, 270);
    assert.equal(layer(report, 'bmm').macs, 720);
    assert.equal(report.totals.layerMacs, 3600 + 3888 + 270 + 720);
    // Layer densities: conv2 reads conv1's output (all ones x ones: no zeros).
    assert.equal(layer(report, 'conv2').activation?.input, 'c1');
  });

  it('copies integer values out in batches no larger than the budget, with the same result as one batch', async () => {
    const b = new ModelBuilder();
    b.main.input('ids', 'int64', [1, 64]).output('o1', 'int64', [1, 64]).output('o2', 'int64', [1, 64]).output('o3', 'int64', [1, 64]);
    b.main.initializer('k', { dtype: 'int64', dims: [], values: [3] });
    b.main.node('Mul', ['ids', 'k'], ['o1']).node('Sub', ['o1', 'ids'], ['o2']).node('Add', ['o2', 'k'], ['o3']);
    const one = await runBuilt(b, { intRange: [0, 5] });
    const tiny = await runBuilt(b, { intRange: [0, 5], memoryBudget: 64 * 8 + 10 });
    assert.equal(one.report.run?.batches, 1);
    assert.equal(tiny.report.run?.batches, 3);
    for (const name of ['o1', 'o2', 'o3']) assert.deepEqual(value(tiny.report, name), value(one.report, name));
    assert.equal(value(one.report, 'o1').zeros, value(one.report, 'ids').zeros);
  });

  it('aggregates several generated samples and sizes symbolic dims from --dim', async () => {
    const b = reluOnly(['batch', 'seq']);
    const missing = await runBuilt(b, {});
    assert.equal(missing.report.run?.ok, false);
    // The engine names the dim (the editor shows this too); the CLI adds its flag (test/cli.test.ts).
    assert.match(missing.report.run?.error ?? '', /dim 1 'seq' has no size/);
    assert.deepEqual(missing.report.run?.missingSizes?.map((m) => [m.input, m.dim, m.name]), [['x', 1, 'seq']]);
    assert.ok(missing.report.weights, 'the weight analysis is still reported');
    const { report } = await runBuilt(b, { dims: { seq: 1000 }, samples: 3 });
    assert.equal(report.run?.ok, true, report.run?.error);
    assert.equal(report.run?.samples, 3);
    assert.deepEqual(value(report, 'y').shape, [1, 1000]);
    // Relu of N(0, 1): about half zeros over 3000 values.
    const d = value(report, 'y').density!;
    assert.ok(d > 0.45 && d < 0.55, `density ${d}`);
    assert.equal(value(report, 'y').zeros + Math.round(d * 3000), 3000);
  });

  it("measures samples of different sizes exactly: probes opened for the first size, then over the model's own dims", async () => {
    const dir = tempDir();
    const file = await writeModel(reluOnly([1, 'seq']), dir, 'model.onnx');
    mkdirSync(path.join(dir, 'samples'));
    // The second sample's size differs from the first (the session is reopened), the third's from the second.
    const samples = [[-1, 2, 0], [3, -4, 5, -6, 0], [-7, -8, 9]];
    samples.forEach((x, k) => writeFileSync(path.join(dir, 'samples', `s${k}.npy`), f32npy([1, x.length], x)));
    const report = await analyzeModel({ file, run: { inputs: [path.join(dir, 'samples')] } });
    assert.equal(report.run?.ok, true, report.run?.error);
    assert.equal(report.run?.strategy, 'probes');
    assert.equal(report.run?.samples, 3);
    assert.equal(report.run?.instrumentedRuns, 3, 'one run per sample: batch 1 is fixed');
    assert.doesNotMatch(latencyLine(report.run!), /first/);
    const relu = samples.map((x) => x.map((v) => Math.max(0, v)));
    const y = value(report, 'y');
    assert.equal(y.method, 'in-graph');
    assert.equal(y.zeros, relu.flat().filter((v) => v === 0).length);
    assert.deepEqual(y.spread?.series, relu.map((x) => 1 - x.filter((v) => v === 0).length / x.length));
    assert.equal(y.min, 0);
    assert.equal(y.max, 9);
    const x = value(report, 'x');
    assert.equal(x.zeros, 2);
    assert.equal(x.min, -8);
  });

  it('gives the same figures stacking samples two to a run (the last run holds one) as one per run', async () => {
    const b = reluOnly(['batch', 1000]);
    // y is 4,000 bytes a sample: a budget of 16,000 stacks two (twice the values must fit), 7,999 none.
    const two = await runBuilt(b, { samples: 3, memoryBudget: 16_000 });
    const one = await runBuilt(b, { samples: 3, memoryBudget: 7_999 });
    assert.equal(two.report.run?.batch, 2);
    assert.equal(two.report.run?.instrumentedRuns, 2, 'samples 1-2, then 3 on the same session');
    assert.equal(one.report.run?.batch, 1);
    assert.equal(one.report.run?.instrumentedRuns, 3);
    const figures = (r: Report): unknown => r.values!.map((v) => [v.name, v.shape, v.zeros, v.nearZeros, v.min, v.max, v.spread?.series, v.histogram?.below]);
    assert.deepEqual(figures(two.report), figures(one.report));
    // Sums are onnxruntime's float32 ReduceSum, over [2, 1000] or [1, 1000]: the same to float32 rounding.
    for (const v of one.report.values!) {
      const w = value(two.report, v.name);
      for (const k of ['mean', 'std'] as const) assert.ok(Math.abs(w[k]! - v[k]!) <= 1e-6 * Math.max(1, Math.abs(v[k]!)), `${v.name} ${k}: ${w[k]} vs ${v[k]}`);
    }
  });

  it('gives the same figures when the measured values exceed the memory budget (each freed once measured)', async () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [1, 1000]).output('v3', 'float32', [1, 1000]);
    ['Relu', 'Neg', 'Sigmoid', 'Relu'].forEach((op, i) => b.main.node(op, [i ? `v${i - 1}` : 'x'], [`v${i}`], {}, `n${i}`));
    // 4,000 bytes of input within each budget; the four values (16,000 bytes) within the first only.
    const all = await runBuilt(b, { samples: 2 });
    const lean = await runBuilt(b, { samples: 2, memoryBudget: 6000 });
    for (const r of [all, lean]) assert.equal(r.report.run?.ok, true, r.report.run?.error);
    const figures = (r: Report): unknown => r.values!.map((v) => [v.name, v.zeros, v.nearZeros, v.min, v.max, v.mean, v.std, v.spread?.series]);
    assert.deepEqual(figures(lean.report), figures(all.report));
    assert.equal(value(all.report, 'v1').zeros, value(all.report, 'v0').zeros, 'Neg keeps every zero of the Relu');
    assert.equal(value(all.report, 'v2').zeros, 0, 'the Sigmoid of a finite value is never zero');
  });

  it('rejects inputs whose shape or dtype does not match, naming the input and file', async () => {
    const shape = await runBuilt(reluModel(), { inputs: ['x.npy'] }, { 'x.npy': f32npy([1, 7], [1, 2, 3, 4, 5, 6, 7]) });
    assert.match(shape.report.run?.error ?? '', /input 'x' from .*x\.npy has shape \[1, 7\], the model expects \[1, 8\]/);
    const dtype = await runBuilt(reluModel(), { inputs: ['x.npy'] }, { 'x.npy': npyFile('<i4', [1, 8], new Uint8Array(32)) });
    assert.match(dtype.report.run?.error ?? '', /has dtype int32, the model expects float32/);
  });

  it('falls back to CPU when a provider cannot start, and says so; --strict-ep fails instead', async () => {
    const loose = await runBuilt(reluModel(), { ep: 'cuda' });
    assert.equal(loose.report.run?.ok, true, loose.report.run?.error);
    if (loose.report.run?.ep === 'cpu') {
      assert.match(loose.report.run.fallback ?? '', /'cuda' could not start.*ran on CPU instead/);
      assert.ok(loose.report.warnings.some((w) => w.includes('ran on CPU instead')));
      const strict = await runBuilt(reluModel(), { ep: 'cuda', strictEp: true });
      assert.equal(strict.report.run?.ok, false);
      assert.match(strict.report.run?.error ?? '', /execution provider 'cuda' could not start/);
    }
  });

  it('stops a run when cancelled', async () => {
    const file = await writeModel(reluOnly([64, 4096]), tempDir(), 'model.onnx');
    const abort = new AbortController();
    const run = analyzeModel({
      file, run: { samples: 200 }, signal: abort.signal,
      onProgress: (p) => p.phase === 'run' && p.message.startsWith('instrumented run 2') && abort.abort(),
    });
    await assert.rejects(run, CancelledError);
  });
});

describe('running a model with awkward node names', () => {
  it('still runs when node names hold quotes and backslashes (ORT writes them into its profile unescaped)', async () => {
    const dir = tempDir();
    const file = await writeModel(reluOnly([1, 8], 'relu "quoted" \\ back'), dir, 'model.onnx');
    const r = await analyzeModel({ file, run: {} });
    assert.equal(r.run?.ok, true, r.run?.error);
    assert.equal(r.values?.find((v) => v.name === 'y')?.shape.join(','), '1,8');
    // Per-op time comes from the profile: either it was read, or a warning says why it is missing.
    assert.ok(r.ops?.some((o) => o.timeMs !== undefined) || r.warnings.some((w) => w.includes('profile could not be read')), r.warnings.join('\n'));
  });
});
