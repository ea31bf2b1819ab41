import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimate } from '../server/estimate/estimate';
import { ProfileError, validateProfile, type CurveProfile } from '../server/estimate/profile';
import { builtinProfiles } from '../server/estimate/profiles';
import type { WorkLayer, Workload } from '../server/estimate/workload';

/** A compute-bound layer (a large GEMM) with the given sparsity. */
function gemm(over: Partial<WorkLayer> = {}): WorkLayer {
  const m = 2048, n = 4096, k = 4096;
  return {
    name: 'gemm', macs: m * n * k, weightBytes: n * k * 2, activationBytes: (m * k + m * n) * 2, dtype: 'float16',
    weightDensity: 1, rowsKept: 1, kKept: 1, nmReady: [], blockDensity: {}, activationDensity: 1, ...over,
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
      assert.ok(e.speedup > 1 && e.speedupRange[1] <= 2 + 1e-9, `${p.id}: ${e.speedup} ${e.speedupRange}`);
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
    const p = profiles.find((x) => x.id === 'h100-2:4')!;
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
