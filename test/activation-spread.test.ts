import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addSample, emptySpread, SERIES, spreadReport } from '../server/analysis/run/sample-spread';
import { estimate } from '../server/estimate/estimate';
import { validateProfile, type CurveProfile } from '../server/estimate/profile';
import type { WorkLayer, Workload } from '../server/estimate/workload';
import { rangeBar } from '../common/report/activation-figures';

/** A compute-bound GEMM on a dual-sparse target whose profile has no ranged number of its own. */
function layer(activationDensity: number, activationRange?: [number, number]): WorkLayer {
  const m = 1024, n = 2048, k = 2048;
  return {
    name: 'gemm', macs: m * n * k, weightBytes: n * k * 2, activationBytes: (m * k + m * n) * 2, dtype: 'float16', weightDensity: 0.5,
    rowsKept: 1, kKept: 1, nmReady: [], blockDensity: {}, activationDensity, ...(activationRange ? { activationRange } : {}), gemm: { m, n, k, groups: 1 },
  };
}
const work = (l: WorkLayer): Workload => ({ layers: [l], others: [], assumptions: [], activations: { kind: 'files', samples: 8, text: '8 images (PNG)' } });
const dual = validateProfile({
  id: 'dual', name: 'dual', kind: 'dual',
  peakMacsPerSecond: { float16: { value: 1e12, source: 't' } }, memoryBandwidth: { value: 1e12, source: 't' }, utilization: { value: 1, source: 't' },
  sparsity: { curve: { value: [[0, 0.05], [1, 1.1]], source: 't' }, indexOverhead: { value: 0, source: 't' } },
}, 'test') as CurveProfile;

describe('activation density over samples', () => {
  it('folds densities into exact mean, min, max and a series that halves past 64 points', () => {
    const s = emptySpread();
    const d = Array.from({ length: 200 }, (_, i) => ((i * 37) % 101) / 100);
    for (const x of d) addSample(s, x);
    const r = spreadReport(s)!;
    assert.equal(r.samples, 200);
    assert.equal(r.min, Math.min(...d));
    assert.equal(r.max, Math.max(...d));
    assert.ok(Math.abs(r.mean - d.reduce((a, b) => a + b) / 200) < 1e-12);
    // 64 points of 1, merged to 32 of 2 at 64 samples; 64 of 2 merged to 32 of 4 at 128; 72 more: 18 points of 4.
    assert.equal(r.seriesStep, 4);
    assert.equal(r.series.length, 50);
    assert.ok(r.series.length <= SERIES);
    r.series.forEach((p, i) => assert.ok(Math.abs(p - d.slice(4 * i, 4 * i + 4).reduce((a, b) => a + b) / 4) < 1e-12, `point ${i}`));
    const few = emptySpread();
    for (const x of [0.5, 0.25, 0.75]) addSample(few, x);
    assert.deepEqual(spreadReport(few), { samples: 3, mean: 0.5, min: 0.25, max: 0.75, series: [0.5, 0.25, 0.75], seriesStep: 1 });
    assert.equal(spreadReport(emptySpread()), null);
  });

  it('estimates a dual-sparse target at the mean density, its range over the per-sample spread', () => {
    const [lo, mean, hi] = [0.1, 0.3, 0.6];
    const at = (d: number): number => estimate(work(layer(d)), dual, 'as-is').speedup;
    const spread = estimate(work(layer(mean, [lo, hi])), dual, 'as-is');
    const flat = estimate(work(layer(mean)), dual, 'as-is');
    assert.equal(spread.speedup, flat.speedup, 'the nominal estimate uses the mean');
    assert.deepEqual(flat.speedupRange, [flat.speedup, flat.speedup], 'no spread, no ranged number: no range');
    // Denser activations are slower: the range lies between the speedups at the highest and lowest density.
    const [sHi, sLo] = [at(hi), at(lo)];
    assert.ok(sLo > sHi);
    assert.ok(spread.speedupRange[0] >= sHi - 1e-9 && spread.speedupRange[1] <= sLo + 1e-9, `${spread.speedupRange} within [${sHi}, ${sLo}]`);
    assert.ok(spread.speedupRange[1] - spread.speedupRange[0] > 0.9 * (sLo - sHi), `${spread.speedupRange} spans the spread`);
    assert.deepEqual(spread.activationInputs, { kind: 'files', samples: 8 });
    assert.ok(spread.assumptions.some((a) => /mean over 8 samples \(8 images \(PNG\)\); the range moves every layer's activation density/.test(a)), spread.assumptions.join('\n'));
  });

  it('draws a spread as a text bar on a 0-100% scale', () => {
    assert.equal(rangeBar(0.2, 0.3, 0.44, 20), '····━━●━━···········');
    assert.equal(rangeBar(1, 1, 1, 10), '·········●');
  });
});
