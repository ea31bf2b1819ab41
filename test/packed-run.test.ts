import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawnParams, nominalParams } from '../server/estimate/draws';
import { plan, run } from '../server/estimate/evaluate';
import { layerTime, othersTime } from '../server/estimate/layer-time';
import { validateProfile, type AcceleratorProfile } from '../server/estimate/profile';
import { builtinProfiles } from '../server/estimate/profiles';
import type { WorkLayer, WorkOther, Workload } from '../server/estimate/workload';

/**
 * The draws of a range total the model through packed-run.ts; a kept run adds layerTime's figures
 * one layer at a time. Both must give the same seconds, bit for bit, on every path a plan takes.
 */

function layer(i: number, over: Partial<WorkLayer> = {}): WorkLayer {
  const m = 64 << (i % 4), n = 256 << (i % 3), k = 512;
  return {
    name: `l${i}`, kind: i % 2 ? 'gemm' : 'conv', macs: m * n * k, weightBytes: n * k * 2, activationBytes: (m * k + m * n) * 2, dtype: 'float16',
    weightDensity: 1, rowsKept: 1, kKept: 1, nmReady: [], blockDensity: {}, activationDensity: 1, gemm: { m, n, k, groups: 1 }, ...over,
  };
}

const others: WorkOther[] = [
  { name: 'relu', opType: 'Relu', bytes: 4e6, macs: 1e6 },
  { name: 'reshape', opType: 'Reshape', bytes: 8e6, macs: 0 },
  { name: 'softmax', opType: 'Softmax', bytes: 2e5, macs: 5e7 },
  { name: 'nothing', opType: 'Add', bytes: 0, macs: 0 },
  { name: 'gemv', opType: 'Einsum', bytes: 0, macs: 3e6 },
  { name: 'add', opType: 'Add', bytes: 6e6, macs: 1.5e6 },
];

/** Every path: dense, N:M (table and roofline), curve by weights, blocks and activations, channels removed, a dual spread. */
const workload: Workload = {
  layers: [
    layer(0), layer(1, { weightDensity: 0.5, nmReady: ['2:4'] }), layer(2, { weightDensity: 0.5, nmReady: ['2:4', '1:4'], weightDtype: 'int8', dtype: 'int8' }),
    layer(3, { weightDensity: 0.1, activationDensity: 0.4 }), layer(4, { weightDensity: 0.05, activationDensity: 0.3, activationRange: [0.2, 0.5] }),
    layer(5, { weightDensity: 0.3, blockDensity: { '32x32': 0.4, '4x4': 0.6 } }), layer(6, { rowsKept: 0.5, kKept: 0.75, weightDensity: 0.3 }),
    layer(0), layer(1, { weightDensity: 0.5, nmReady: ['2:4'] }),
  ],
  others,
  assumptions: [],
};

const curveKinds = [
  validateProfile({
    id: 'dual', name: 'dual', kind: 'dual',
    peakMacsPerSecond: { float16: { value: 1e12, source: 't' } }, memoryBandwidth: { value: 1e11, range: [5e10, 2e11], source: 't' }, utilization: { value: 0.5, range: [0.3, 0.7], source: 't' },
    sparsity: { curve: { value: [[0, 0.1], [1, 1.2]], range: [0.8, 1.2], source: 't' }, indexOverhead: { value: 0.25, range: [0.1, 0.4], source: 't' }, onlyWhenFaster: true },
  }, 'test'),
];

describe('packed draws (packed-run.ts)', () => {
  const profiles: AcceleratorProfile[] = [...builtinProfiles(), ...curveKinds];

  it('totals every draw exactly as layerTime does, layer by layer, on every built-in target', () => {
    let compared = 0;
    for (const p of profiles) {
      const pl = plan(workload, p);
      for (const q of [nominalParams(p), ...drawnParams(p, 24)]) {
        const packed = run(pl, q);
        const kept = run(pl, q, true);
        assert.equal(packed.sparse, kept.sparse, `${p.id}: sparse`);
        assert.equal(packed.dense, kept.dense, `${p.id}: dense`);
        assert.equal(packed.speedup, kept.speedup, `${p.id}: speedup`);
        let sparse = 0;
        for (let i = 0; i < workload.layers.length; i++) sparse += layerTime(workload.layers[i], pl.plans[i], q).seconds;
        assert.ok(Math.abs(packed.sparse - packed.other - sparse) <= 1e-12 * sparse, `${p.id}: against each layer's own time`);
        compared++;
      }
    }
    assert.equal(compared, profiles.length * 25);
  });

  it('sums the other ops as their one-by-one rooflines do, shape-only ops free', () => {
    for (const p of profiles) {
      const pl = plan(workload, p);
      for (const q of drawnParams(p, 8)) {
        const rate = q.rate[pl.other.peak]!;
        const byHand = others.reduce((s, o) => s + (o.opType === 'Reshape' ? 0 : Math.max(o.macs / rate, o.bytes / q.bandwidth)), 0);
        const t = othersTime(others, pl.other.peak, q);
        assert.ok(Math.abs(t - byHand) <= 1e-14 * byHand, `${p.id}: ${t} vs ${byHand}`);
      }
    }
    assert.equal(othersTime([], 'float32', nominalParams(profiles[0])), 0);
  });
});
