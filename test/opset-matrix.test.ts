import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Report } from '../common/protocol';
import { ModelBuilder } from '../server/onnx/builder';
import { analyzeBuilt } from './helpers';

/**
 * The same small CNN exported at every opset where an op the probes use or used changed its
 * spelling (Slice at 10, ReduceSum at 13, the other reductions at 18) and at the newest onnxruntime
 * 1.30 runs (26): the run succeeds at each, and every value's statistics, spread over the samples,
 * channel figures and N:M groups are the same at each.
 */
const OPSETS = [7, 9, 10, 11, 13, 17, 18, 21, 26];

/** The oldest IR version each opset shipped with (onnx helper.OP_SET_ID_VERSION_MAP). */
function irFor(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 14) return [4, 5, 6, 7, 7, 7][opset - 9];
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return Math.min(13, opset - 12);
}

function cnn(opset: number): ModelBuilder {
  const b = new ModelBuilder({ opset, irVersion: irFor(opset) });
  const w1 = Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => (i % 3 === 0 ? 0 : ((i * 37) % 11) / 10 - 0.5));
  const w2 = Array.from({ length: 144 * 10 }, (_, i) => (i % 4 < 2 ? 0 : ((i * 13) % 7) / 7 - 0.4));
  b.main.input('x', 'float32', [1, 3, 8, 8]).output('y', 'float32', [1, 10])
    .initializer('w1', { dtype: 'float32', dims: [4, 3, 3, 3], values: w1 })
    .initializer('w2', { dtype: 'float32', dims: [144, 10], values: w2 })
    .node('Conv', ['x', 'w1'], ['c'], { pads: [0, 0, 0, 0] }, 'conv')
    .node('Relu', ['c'], ['r'], {}, 'relu')
    .node('Flatten', ['r'], ['f'], { axis: 1 }, 'flatten')
    .node('MatMul', ['f', 'w2'], ['m'], {}, 'fc')
    .node('Relu', ['m'], ['y'], {}, 'out');
  return b;
}

describe('probes are spelled for the model\u2019s opset', () => {
  const reports = new Map<number, Report>();
  for (const opset of OPSETS)
    it(`runs the CNN at opset ${opset} with statistics for every value`, async () => {
      const r = await analyzeBuilt(cnn(opset), {}, { samples: 2 });
      assert.equal(r.run?.ok, true, r.run?.error);
      assert.equal(r.run?.strategy, 'probes');
      for (const v of r.values ?? []) assert.notEqual(v.density, null, `${v.name} has no statistics`);
      const fc = r.layers.find((l) => l.name === 'fc');
      assert.ok(fc?.activation, 'layer activation density');
      // Channel probes (Reshape copying dims, Gather of one row) and N:M groups at every opset.
      assert.equal(fc.activation.inputChannels?.count, 144);
      assert.equal(r.layers.find((l) => l.name === 'conv')?.activation?.outputChannels?.count, 4);
      assert.ok(fc.activation.nm?.['2:4'] !== undefined, 'N:M groups of the fc input');
      assert.equal(fc.activation.inputSpread?.samples, 2);
      reports.set(opset, r);
    });

  it('gives the same statistics, histograms and shapes at every opset', () => {
    const seen = (r: Report) => [
      ...(r.values ?? []).map((v) => ({ name: v.name, shape: v.shape, zeros: v.zeros, nearZeros: v.nearZeros, min: v.min, max: v.max, mean: v.mean, histogram: v.histogram, spread: v.spread })),
      ...r.layers.map((l) => ({ name: l.name, activation: l.activation })),
    ];
    const first = reports.get(OPSETS[0]);
    assert.ok(first && reports.size === OPSETS.length, 'every opset ran');
    for (const [opset, r] of reports) assert.deepEqual(seen(r), seen(first), `opset ${opset}`);
    assert.ok(first.values?.some((v) => v.histogram), 'layer values carry histograms (rows of the one compare)');
  });

  it('refuses to run a model older than opset 7 with the reason, keeping the weight report', async () => {
    const r = await analyzeBuilt(cnn(6), {}, {});
    assert.equal(r.run?.ok, false);
    assert.match(r.run!.error!, /default-domain opset is 6; onnxruntime runs opset 7 and newer/);
    assert.equal(r.weights.length, 2);
  });
});
