import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimate } from '../server/estimate/estimate';
import { ProfileError, validateProfile, type CurveProfile } from '../server/estimate/profile';
import { builtinProfiles } from '../server/estimate/profiles';
import type { WorkLayer, Workload } from '../server/estimate/workload';
import { applyScenario, parseScenario } from '../server/estimate/scenarios';
import type { Report } from '../common/protocol';

/** A compute-bound layer (a large GEMM) with the given sparsity. */
function gemm(over: Partial<WorkLayer> = {}): WorkLayer {
  const m = 2048, n = 4096, k = 4096;
  return {
    name: 'gemm', macs: m * n * k, weightBytes: n * k * 2, activationBytes: (m * k + m * n) * 2, dtype: 'float16',
    weightDensity: 1, rowsKept: 1, kKept: 1, nmReady: [], blockDensity: {}, activationDensity: 1, gemm: { m, n, k, groups: 1 }, ...over,
  };
}
const work = (...layers: WorkLayer[]): Workload => ({ layers, others: [], assumptions: [] });

const sparseKinds = [
  validateProfile({
    id: 'cpu', name: 'sparse CPU', kind: 'unstructured-weights',
    peakMacsPerSecond: { float16: { value: 1e12, source: 't' } }, memoryBandwidth: { value: 1e11, source: 't' }, utilization: { value: 0.5, source: 't' },
    sparsity: { curve: { value: [[0, 0.05], [0.3, 0.5], [0.6, 1.2], [1, 1.5]], range: [0.8, 1.25], source: 't' }, indexOverhead: { value: 0.5, source: 't' } },
  }, 'test'),
  validateProfile({
    id: 'dual', name: 'dual', kind: 'dual',
    peakMacsPerSecond: { float16: { value: 1e12, source: 't' } }, memoryBandwidth: { value: 1e11, source: 't' }, utilization: { value: 0.5, source: 't' },
    sparsity: { curve: { value: [[0, 0.1], [1, 1.2]], source: 't' }, indexOverhead: { value: 0.25, source: 't' } },
  }, 'test'),
  validateProfile({
    id: 'block', name: 'block', kind: 'block',
    peakMacsPerSecond: { float16: { value: 1e12, source: 't' } }, memoryBandwidth: { value: 1e11, source: 't' }, utilization: { value: 0.5, source: 't' },
    sparsity: { block: [32, 32], curve: { value: [[0, 0.02], [1, 1.1]], source: 't' }, indexOverhead: { value: 0.01, source: 't' } },
  }, 'test'),
] as CurveProfile[];

describe('the estimator, as properties', () => {
  const profiles = builtinProfiles();

  it('shows no speedup from unstructured zeros on a dense chip, at any density', () => {
    for (const p of profiles.filter((x) => x.kind === 'none'))
      for (const d of [1, 0.5, 0.1, 0.01]) assert.equal(estimate(work(gemm({ weightDensity: d, activationDensity: d })), p, 't').speedup, 1, `${p.id} at ${d}`);
  });

  it('lets removed channels help every kind of chip', () => {
    for (const p of [...profiles, ...sparseKinds]) {
      const e = estimate(work(gemm({ rowsKept: 0.5, weightDensity: 0.5 })), p, 't');
      assert.ok(e.speedup > 1.5, `${p.id}: ${e.speedup}`);
    }
  });

  it('never exceeds a kind\u2019s ceiling: M/N for N:M, 1 / the curve\u2019s floor for the others', () => {
    for (const p of profiles.filter((x) => x.kind === 'n:m')) {
      const e = estimate(work(gemm({ weightDensity: 0.5, nmReady: ['2:4'] })), p, 't');
      assert.ok(e.speedupRange[1] <= 2 + 1e-9, `${p.id}: ${e.speedup} ${e.speedupRange}`);
      if (['a100+pytorch', 'a100+tensorrt', 'h100+tensorrt', 'mi300x+hipsparselt', 'rtx4090+tensorrt'].includes(p.id)) assert.ok(e.speedup > 1, `${p.id}: ${e.speedup}`);
      assert.equal(estimate(work(gemm({ weightDensity: 0.5 })), p, 't').speedup, 1, 'not ready: dense');
    }
    for (const p of sparseKinds) {
      const floor = Math.min(...p.sparsity!.curve!.value.map(([, t]) => t)) * (p.sparsity!.curve!.range?.[0] ?? 1);
      const e = estimate(work(gemm({ weightDensity: 0.001, activationDensity: 0.001, blockDensity: { '32x32': 0.001 } })), p, 't');
      assert.ok(e.speedupRange[1] <= 1 / floor + 1e-9, `${p.id}: ${e.speedupRange[1]} > ${1 / floor}`);
    }
  });

  it('is monotone in density and never slower than dense', () => {
    for (const p of sparseKinds) {
      let last = 0;
      for (const d of [1, 0.9, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.01]) {
        const e = estimate(work(gemm({ weightDensity: d, activationDensity: p.kind === 'dual' ? d : 1, blockDensity: { '32x32': d } })), p, 't');
        assert.ok(e.speedup >= last - 1e-12, `${p.id} at ${d}: ${e.speedup} < ${last}`);
        assert.ok(e.speedup >= 1 - 1e-12, `${p.id} at ${d}: slower than dense`);
        assert.ok(e.speedupRange[0] <= e.speedup && e.speedup <= e.speedupRange[1]);
        last = e.speedup;
      }
    }
  });

  it('keeps other ops at their dense cost (Amdahl)', () => {
    const p = profiles.find((x) => x.id === 'h100+tensorrt')!;
    const alone = estimate(work(gemm({ weightDensity: 0.5, nmReady: ['2:4'] })), p, 't');
    const withOther = estimate({ layers: [gemm({ weightDensity: 0.5, nmReady: ['2:4'] })], others: [{ name: 'softmax', bytes: 4e9, macs: 0 }], assumptions: [] }, p, 't');
    assert.ok(withOther.speedup < alone.speedup && withOther.speedup > 1);
    assert.ok(withOther.layerShare < 1);
  });
});

describe('accelerator profiles', () => {
  it('ship valid, each number with a source', () => {
    for (const p of builtinProfiles()) {
      for (const v of [...Object.values(p.peakMacsPerSecond), p.memoryBandwidth, p.utilization]) assert.ok(v!.source.length > 10, p.id);
    }
  });

  const good = { id: 'x', name: 'X', kind: 'none', peakMacsPerSecond: { float16: { value: 1e12, source: 's' } }, memoryBandwidth: { value: 1e12, source: 's' }, utilization: { value: 0.5, source: 's' } };
  const cases: [string, unknown, RegExp][] = [
    ['a missing source', { ...good, utilization: { value: 0.5 } }, /my.json: utilization.source must be a non-empty string/],
    ['an unknown kind', { ...good, kind: 'magic' }, /kind must be one of/],
    ['a utilization above 1', { ...good, utilization: { value: 1.5, source: 's' } }, /utilization.value must be a number in \[0.01, 1\]/],
    ['a range not holding its value', { ...good, memoryBandwidth: { value: 5, range: [6, 7], source: 's' } }, /memoryBandwidth.range must contain value 5/],
    ['an unknown dtype', { ...good, peakMacsPerSecond: { float13: { value: 1, source: 's' } } }, /peakMacsPerSecond.float13 is not a dtype/],
    ['a 2:4 speedup above 2', { ...good, kind: 'n:m', sparsity: { n: 2, m: 4, mathSpeedup: { value: 3, source: 's' }, metadataBitsPerNonzero: { value: 2, source: 's' } } }, /sparsity.mathSpeedup.value must be a number in \[1, 2\]/],
    ['a curve not spanning 0..1', { ...good, kind: 'unstructured-weights', sparsity: { curve: { value: [[0.1, 1], [1, 1]], source: 's' }, indexOverhead: { value: 0, source: 's' } } }, /sparsity.curve.value must span density 0 to 1/],
  ];
  for (const [what, raw, message] of cases)
    it(`rejects ${what}, naming the field`, () => assert.throws(() => validateProfile(raw, 'my.json'), (e: Error) => e instanceof ProfileError && message.test(e.message)));
});

describe('the estimator, as the issue asks', () => {
  const profiles = builtinProfiles();
  const byId = new Map(profiles.map((p) => [p.id, p]));
  const all = [...profiles, ...sparseKinds];
  const shapes: [number, number, number][] = [[1, 4096, 4096], [8, 1024, 4096], [512, 768, 3072], [8192, 8192, 8192]];
  const sized = (m: number, n: number, k: number, over: Partial<WorkLayer> = {}): WorkLayer => ({
    ...gemm(over), macs: m * n * k, weightBytes: n * k * 2, activationBytes: (m * k + m * n) * 2, gemm: { m, n, k, groups: 1 },
  });

  it('gives a dense model exactly [1.00, 1.00] on every target, at every size, in the sweep too', () => {
    for (const p of all)
      for (const [m, n, k] of shapes) {
        const e = estimate({ layers: [sized(m, n, k)], others: [{ name: 'softmax', opType: 'Softmax', bytes: 1e6, macs: 0 }], assumptions: [] }, p, 'as-is');
        assert.equal(e.speedup, 1, `${p.id} ${m}x${n}x${k}`);
        assert.deepEqual(e.speedupRange, [1, 1], `${p.id} ${m}x${n}x${k}`);
        assert.ok(e.sweep!.every((x) => x.speedup === 1 && x.speedupRange[0] === 1 && x.speedupRange[1] === 1), p.id);
      }
  });

  it('buys nothing from unstructured zeros on dense and 2:4 targets, at any density', () => {
    for (const p of profiles.filter((x) => x.kind === 'none' || x.kind === 'n:m'))
      for (const d of [0.9, 0.5, 0.1, 0.01]) {
        const e = estimate(work(gemm({ weightDensity: d, activationDensity: d, blockDensity: { '32x32': d } })), p, 't');
        assert.deepEqual([e.speedup, ...e.speedupRange], [1, 1, 1], `${p.id} at ${d}`);
      }
  });

  it('keeps every optimistic end under the physical cap: M/N for N:M, 1 / density for skipped zeros', () => {
    for (const p of all)
      for (const d of [0.5, 0.2, 0.05, 0.001]) {
        const e = estimate(work(gemm({ weightDensity: d, activationDensity: p.kind === 'dual' ? 1 : null, nmReady: d <= 0.5 ? ['2:4', '4:8'] : [], blockDensity: { '32x32': d, '4x1': d, '16x16': d, '64x64': d } })), p, 't');
        const cap = p.kind === 'n:m' ? 2 : p.kind === 'none' ? 1 : 1 / d;
        assert.ok(e.speedupRange[1] <= cap * (1 + 1e-9), `${p.id} at ${d}: ${e.speedupRange[1]} > ${cap}`);
      }
  });

  it('gives a fully dense layer no optimistic gain on sparse-CPU, wafer-scale and dual-sparse targets', () => {
    for (const id of ['ryzen-7950x+deepsparse', 'cerebras-cs2+cerebras', 'scnn+scnn', 'alveo-u250+numenta', 'm4-ane+coreml', 'xeon-spr+sparselib', 'a100+pytorch-bsr'])
      assert.deepEqual(estimate(work(gemm()), byId.get(id)!, 't').speedupRange, [1, 1], id);
  });

  it('times the dense baseline under the same draw: a ranged peak alone does not move a compute-bound speedup', () => {
    const p = validateProfile({
      id: 'x', name: 'X', kind: 'n:m', peakMacsPerSecond: { float16: { value: 1e14, range: [5e13, 2e14], source: 't' } },
      memoryBandwidth: { value: 1e13, source: 't' }, utilization: { value: 0.5, range: [0.3, 0.9], source: 't' },
      sparsity: { n: 2, m: 4, mathSpeedup: { value: 1.5, source: 't' }, metadataBitsPerNonzero: { value: 2, source: 't' } },
    }, 'test');
    const e = estimate(work(gemm({ weightDensity: 0.5, nmReady: ['2:4'] })), p, 't');
    assert.ok(Math.abs(e.speedup - 1.5) < 1e-9 && Math.abs(e.speedupRange[0] - 1.5) < 1e-9 && Math.abs(e.speedupRange[1] - 1.5) < 1e-9, `${e.speedupRange}`);
  });

  it('samples the range jointly from a fixed seed: the same model gives the same range, and no end is clamped', () => {
    const p = byId.get('a100+pytorch')!;
    const w = work(sized(2048, 3072, 3072, { weightDensity: 0.5, nmReady: ['2:4'] }));
    const a = estimate(w, p, 't');
    const b = estimate(w, p, 't');
    assert.deepEqual(a.speedupRange, b.speedupRange);
    assert.equal(a.range?.method, 'monte-carlo');
    assert.ok(a.range!.draws >= 16);
    assert.ok(a.speedupRange[0] < a.speedup && a.speedup < a.speedupRange[1], `${a.speedupRange} around ${a.speedup}`);
  });

  it('lets small GEMMs lose through PyTorch, while TensorRT keeps the dense kernel', () => {
    const ready = { weightDensity: 0.5, nmReady: ['2:4'] };
    const small = work(sized(1, 4096, 4096, ready));
    assert.ok(estimate(small, byId.get('a100+pytorch')!, 't').speedup < 0.5, 'PyTorch at batch 1');
    assert.equal(estimate(small, byId.get('a100+tensorrt')!, 't').speedup, 1, 'TensorRT at batch 1');
    assert.ok(estimate(work(sized(8192, 8192, 8192, ready)), byId.get('a100+pytorch')!, 't').speedup > 1.3, 'large GEMM');
    for (const [m, n, k] of shapes) assert.ok(estimate(work(sized(m, n, k, ready)), byId.get('h100+tensorrt')!, 't').speedupRange[0] >= 1 - 1e-12, `TensorRT never slower ${m}`);
  });

  it('states the batch rule: 2:4 on H100 + TensorRT pays only from some rows per GEMM', () => {
    const e = estimate(work(sized(16, 8192, 8192, { weightDensity: 0.5, nmReady: ['2:4'] })), byId.get('h100+tensorrt')!, 'pruned-2:4');
    const rule = e.batchRule!;
    assert.ok(rule.paysFromRows !== null && rule.paysFromRows > 1 && rule.below === 'dense', rule.text);
    assert.match(rule.text, /^2:4 pays on NVIDIA H100 SXM \+ TensorRT from [\d,]+ rows per GEMM .*below that it gains under 1% \(dense kernels/);
    const rows = e.sweep!.map((x) => x.rows);
    assert.equal(rows[0], 1, 'the sweep reaches decode (one row)');
    assert.ok(rows.every((r, i) => i === 0 || r === rows[i - 1] * 2));
    const pt = estimate(work(sized(16, 8192, 8192, { weightDensity: 0.5, nmReady: ['2:4'] })), byId.get('a100+pytorch')!, 'pruned-2:4');
    assert.equal(pt.batchRule!.below, 'slower', pt.batchRule!.text);
    assert.match(pt.batchRule!.text, /below that dense is faster/);
  });

  it('says in words when a valid pattern is not used by the runtime today', () => {
    const w = work(gemm({ weightDensity: 0.5, nmReady: ['2:4'] }));
    const vllm = estimate(w, byId.get('h100+vllm')!, 't');
    assert.equal(vllm.speedup, 1);
    assert.ok(vllm.support!.some((s) => s.pattern === '2:4' && s.status === 'removed' && /Sparse24/.test(s.reason)), JSON.stringify(vllm.support));
    assert.ok(vllm.assumptions.some((a) => /valid in this model, but vLLM does not use it today \(removed/.test(a)));
    const ort = estimate(w, byId.get('h100+onnxruntime')!, 't');
    assert.ok(ort.support!.some((s) => s.status === 'unsupported' && /dense at load/.test(s.reason)));
    const fp8 = estimate(work(gemm({ dtype: 'float8e4m3fn', weightDensity: 0.5, nmReady: ['2:4'] })), byId.get('mi300x+hipsparselt')!, 't');
    assert.equal(fp8.speedup, 1);
    assert.ok(fp8.support!.some((s) => s.status === 'not-enabled' && /gfx950/.test(s.reason)));
    const deepsparse = estimate(work(gemm({ dtype: 'float32', weightDensity: 0.05 })), byId.get('ryzen-7950x+deepsparse')!, 't');
    assert.ok(deepsparse.speedup > 1 && deepsparse.support!.some((s) => s.status === 'end-of-life' && /June 2, 2025/.test(s.reason)));
    for (const p of profiles) assert.ok(estimate(w, p, 't').support!.length > 0, `${p.id} states its support`);
  });

  it('prices by dtype: INT8 at the INT8 peak on CPUs, other ops at the model dtype, shape-only ops free', () => {
    const xeon = byId.get('xeon-spr+onednn')!;
    const i8 = estimate(work(gemm({ dtype: 'int8', weightBytes: 4096 * 4096 })), xeon, 't');
    const f32 = estimate(work(gemm({ dtype: 'float32', weightBytes: 4096 * 4096 * 4 })), xeon, 't');
    assert.ok(f32.denseTimeMs / i8.denseTimeMs > 10, `${f32.denseTimeMs} vs ${i8.denseTimeMs}`);
    const h100 = byId.get('h100+onnxruntime')!;
    const reshape = estimate({ layers: [gemm()], others: [{ name: 'r', opType: 'Reshape', bytes: 1e12, macs: 0 }], assumptions: [] }, h100, 't');
    assert.equal(reshape.layerShare, 1, 'a Reshape moves nothing');
    const bmm = (dtype: 'float16' | 'float32') => estimate({ layers: [gemm({ dtype })], others: [{ name: 'qk', opType: 'MatMul', bytes: 1, macs: 1e12 }], assumptions: [], dtype }, h100, 't');
    const ratio = (bmm('float32').denseTimeMs - bmm('float32').layers[0].denseTimeMs) / (bmm('float16').denseTimeMs - bmm('float16').layers[0].denseTimeMs);
    assert.ok(Math.abs(ratio - 2) < 1e-6, `float32 other ops at TF32, half the float16 rate: ${ratio}`);
  });

  it('makes only the layer kinds a runtime takes sparse: PyTorch leaves convolutions dense, TensorRT does not', () => {
    const conv = work(sized(3136, 256, 2304, { kind: 'conv', weightDensity: 0.5, nmReady: ['2:4'] }));
    const pt = estimate(conv, byId.get('a100+pytorch')!, 't');
    assert.equal(pt.speedup, 1);
    assert.match(pt.layers[0].exploited, /makes only gemm layers sparse/);
    assert.ok(estimate(conv, byId.get('a100+tensorrt')!, 't').speedup > 1);
  });

  it('prices a scenario at another precision, and points an FP32 model to it', () => {
    const s = parseScenario('pruned-2:4@float16');
    assert.equal(s.kind, 'nm');
    assert.equal(s.dtype, 'float16');
    assert.throws(() => parseScenario('pruned-2:4@float13'), /each optionally @float16/);
    const f32 = { ...gemm({ dtype: 'float32', weightBytes: 4096 * 4096 * 4, activationBytes: 2048 * 8192 * 4, weightDensity: 0.5, nmReady: ['2:4'] }), name: 'fc' };
    const w: Workload = { layers: [f32], others: [{ name: 'add', opType: 'Add', macs: 0, bytes: 1e6 }], assumptions: [], dtype: 'float32' };
    const half = applyScenario(w, s, { layers: [], weights: [] } as unknown as Report).workload;
    assert.deepEqual([half.layers[0].dtype, half.layers[0].weightBytes, half.layers[0].activationBytes, half.others[0].bytes], ['float16', 4096 * 4096 * 2, 2048 * 8192 * 2, 5e5]);
    const trt = byId.get('h100+tensorrt')!;
    const at32 = estimate(w, trt, 'pruned-2:4');
    assert.equal(at32.speedup, 1);
    assert.ok(at32.assumptions.some((a) => /at tfloat32 is valid in this model, but TensorRT does not use it today.*@float16/.test(a)));
    assert.ok(estimate(half, trt, 'pruned-2:4@float16').speedup > 1);
  });
});

