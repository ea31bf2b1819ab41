import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Report, Verdict } from '../common/protocol';
import { VERDICT_CODES, verdictDoc } from '../common/report/advice';
import { toMarkdown } from '../common/report/markdown';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { tempDir } from './helpers';

/**
 * One verdict code per built model (or layer), each from a layer whose figures make the code
 * certain: the support matrix, the runtime's layer kinds and minimum size, K against the pattern,
 * the kernel table's coverage, a dense target, zero channels, a zero point, no weight.
 */

/** fp16 weight [k, n] (MatMul B: K x N), every value distinct from zero, seeded by position. */
const f16 = (k: number, n: number) => ({ dtype: 'float16' as const, dims: [k, n], values: Float32Array.from({ length: k * n }, (_, i) => 0.01 + ((i * 7919) % 1000) / 1000) });
const f32 = (dims: number[], values: ArrayLike<number>) => ({ dtype: 'float32' as const, dims, values });

let gemms: Report;
let small: Report;
let mixed: Report;

const verdicts = (r: Report, layer: string, target: string): Verdict[] => {
  const v = r.advice!.verdicts.find((x) => x.layer === layer);
  assert.ok(v, `no verdicts for ${layer}`);
  const list = v.targets[target];
  assert.ok(list, `no verdicts for ${layer} on ${target} (has ${Object.keys(v.targets).join(', ')})`);
  return list;
};

describe('verdicts', { timeout: 120_000 }, () => {
  before(async () => {
    const dir = tempDir();
    // One fp16 weight [K 3072, N 768] used at M = 3072 and at M = 1: a100-cusparselt measured
    // exactly 3072 x 768 x 3072 (1.48x); M = 1 is more than 8x below its smallest M (256).
    const b = new ModelBuilder();
    b.main.input('big', 'float16', [3072, 3072]).input('one', 'float16', [1, 3072])
      .output('y_big', 'float16', [3072, 768]).output('y_one', 'float16', [1, 768])
      .initializer('w', f16(3072, 768))
      .node('MatMul', ['big', 'w'], ['y_big'], {}, 'batched')
      .node('MatMul', ['one', 'w'], ['y_one'], {}, 'decode');
    gemms = await analyzeModel({ file: await writeModel(b, dir, 'gemms.onnx'), run: false, estimate: { targets: ['a100+tensorrt', 'h100+tensorrt', 'h100+onnxruntime'] } });

    // A fp16 weight [K 64, N 8]: under PyTorch's 16 x 16 minimum and far under every TensorRT table GEMM.
    const s = new ModelBuilder();
    s.main.input('x', 'float16', [256, 64]).output('y', 'float16', [256, 8]).initializer('w', f16(64, 8)).node('MatMul', ['x', 'w'], ['y'], {}, 'narrow');
    small = await analyzeModel({ file: await writeModel(s, dir, 'small.onnx'), run: false, estimate: { targets: ['a100+pytorch', 'a100+tensorrt'] } });

    const m = new ModelBuilder();
    // Conv with 6 input channels and a 1x1 kernel: K = 6.
    const conv = Float32Array.from({ length: 8 * 6 }, (_, i) => 0.1 + (i % 5) / 10);
    // MatMul B [K 8, N 4] whose output channel (view row) 1 is all zero.
    const dead = Float32Array.from({ length: 8 * 4 }, (_, i) => (i % 4 === 1 ? 0 : 0.5 + (i % 3) / 10));
    // MatMulInteger with a uint8 weight and zero point 128.
    const q = Uint8Array.from({ length: 16 * 8 }, (_, i) => (i % 2 ? 128 : 100 + (i % 50)));
    m.main.input('img', 'float32', [1, 6, 8, 8]).input('x', 'float32', [1, 8]).input('xq', 'uint8', [4, 16]).input('a', 'float32', [4, 8]).input('bt', 'float32', [8, 4])
      .output('c', 'float32', [1, 8, 8, 8]).output('d', 'float32', [1, 4]).output('qy', 'int32', [4, 8]).output('ab', 'float32', [4, 4])
      .initializer('conv.w', f32([8, 6, 1, 1], conv))
      .initializer('dead.w', f32([8, 4], dead))
      .initializer('q.w', { dtype: 'uint8', dims: [16, 8], values: q })
      .initializer('q.zp', { dtype: 'uint8', dims: [], values: [128] })
      .initializer('x.zp', { dtype: 'uint8', dims: [], values: [0] })
      .node('Conv', ['img', 'conv.w'], ['c'], {}, 'conv6')
      .node('MatMul', ['x', 'dead.w'], ['d'], {}, 'deadcol')
      .node('MatMulInteger', ['xq', 'q.w', 'x.zp', 'q.zp'], ['qy'], {}, 'qmm')
      .node('MatMul', ['a', 'bt'], ['ab'], {}, 'act_x_act');
    mixed = await analyzeModel({ file: await writeModel(m, dir, 'mixed.onnx'), run: false, estimate: { targets: ['h100+tensorrt', 'a100+tensorrt', 'a100+pytorch', 'h100+onnxruntime'] } });
  });

  it('eligible-2:4: a GEMM the kernel table measured at 1.48x, pruned to 2:4', () => {
    const [v] = verdicts(gemms, 'batched', 'a100+tensorrt');
    assert.equal(v.code, 'eligible');
    assert.equal(v.label, 'eligible-2:4');
    // The table's point is exact: pruned, the layer runs 1.48x its dense time.
    assert.match(v.text, /^pruned to 2:4 \(keeps \d+\.\d% of its L1\) it would run 1\.48x at M x N x K = 3072 x 768 x 3072$/);
  });

  it('eligible-but-slower-at-this-batch: the same weight at M = 1 (decode)', () => {
    const [v] = verdicts(gemms, 'decode', 'a100+tensorrt');
    assert.equal(v.code, 'slower-at-this-batch');
    assert.equal(v.label, 'eligible-but-slower-at-this-batch');
    assert.match(v.text, /no gain claimed/);
  });

  it('zeros-ignored-by-dense-hardware: any layer on a dense runtime', () => {
    const [v] = verdicts(gemms, 'batched', 'h100+onnxruntime');
    assert.equal(v.code, 'zeros-ignored');
    assert.equal(v.label, 'zeros-ignored-by-dense-hardware');
  });

  it("not-eligible: below the runtime's minimum size, from a runtime's minShape and from the kernel table's coverage", () => {
    const [pt] = verdicts(small, 'narrow', 'a100+pytorch');
    assert.equal(pt.code, 'below-minimum');
    assert.equal(pt.label, "not-eligible: below the runtime's minimum size");
    assert.match(pt.text, /8 x 64 per group\) is below the 16 x 16/);
    const [trt] = verdicts(small, 'narrow', 'a100+tensorrt');
    assert.equal(trt.code, 'below-minimum');
    assert.match(trt.text, /\(8 x 64 per group\) is more than 8x smaller than every 2:4 GEMM measured for TensorRT \(smallest N 768, K 768\)/);
  });

  it('not-eligible: K % 4 != 0 for a Conv with 6 input channels', () => {
    const [v] = verdicts(mixed, 'conv6', 'h100+tensorrt');
    assert.equal(v.code, 'not-eligible-k');
    assert.equal(v.label, 'not-eligible: K % 4 != 0');
    assert.match(v.text, /^K = 6 is not a multiple of 4/);
  });

  it('not-eligible: a runtime that makes only linear layers sparse, for a Conv', () => {
    const [v] = verdicts(mixed, 'conv6', 'a100+pytorch');
    assert.equal(v.code, 'not-eligible-op');
    assert.equal(v.label, 'not-eligible: PyTorch (to_sparse_semi_structured) makes only gemm layers sparse');
  });

  it('no runtime exploits this pattern today: 2:4 at TF32, which no target of the report runs', () => {
    const [v] = verdicts(mixed, 'deadcol', 'h100+tensorrt');
    assert.equal(v.code, 'no-runtime');
    assert.equal(v.label, 'no runtime exploits this pattern today');
    assert.match(v.text, /^TensorRT: 2:4 at tfloat32 is unknown .*; it runs 2:4 at float16 \(an FP16 build\)$/);
  });

  it('compactable: N all-zero output channels, on a sparse target and first on a dense one', () => {
    const sparse = verdicts(mixed, 'deadcol', 'h100+tensorrt');
    const c = sparse.find((v) => v.code === 'compactable');
    assert.equal(c?.label, 'compactable: 1 all-zero output channels');
    assert.match(c!.text, /keeps 75\.0% of its work/);
    assert.deepEqual(verdicts(mixed, 'deadcol', 'h100+onnxruntime').map((v) => v.code), ['compactable', 'zeros-ignored']);
  });

  it('quantized: a zero point of 128 makes a pruned weight a stored 128', () => {
    const list = verdicts(mixed, 'qmm', 'a100+tensorrt');
    const v = list.find((x) => x.code === 'quantized-zero-point');
    assert.equal(v?.label, 'quantized: zero point 128 makes a pruned weight a stored 128, not 0');
    // A dense target has nothing to skip, so the zero point does not matter there.
    assert.ok(!verdicts(mixed, 'qmm', 'h100+onnxruntime').some((x) => x.code === 'quantized-zero-point'));
  });

  it('no-weight: a MatMul of two activations', () => {
    const [v] = verdicts(mixed, 'act_x_act', 'h100+tensorrt');
    assert.equal(v.code, 'no-weight');
    assert.match(v.text, /computed at run time/);
  });

  it('every code has its paragraph in docs/advisor.md, and the Markdown links each verdict to it', () => {
    const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'advisor.md'), 'utf8');
    for (const code of VERDICT_CODES) assert.match(doc, new RegExp(`^### ${code}$`, 'm'), `docs/advisor.md has no "### ${code}"`);
    const md = toMarkdown(mixed);
    assert.match(md, /^## Why not faster$/m);
    assert.ok(md.includes(`[not-eligible: K % 4 != 0](${verdictDoc('not-eligible-k')})`));
    assert.ok(md.includes(`[compactable: 1 all-zero output channels](${verdictDoc('compactable')})`));
  });
});
