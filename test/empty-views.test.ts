import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GemmView } from '../server/analysis/layers/gemm-view';
import { heatmap } from '../server/analysis/weights/heatmap';
import { nmGroupShares } from '../server/analysis/weights/nm-groups';
import { SimdKernels } from '../server/analysis/weights/simd-kernels';
import { bitmapBytes } from '../server/analysis/weights/simd-layout';
import { structure } from '../server/analysis/weights/structure';
import { viewBitmap } from '../server/analysis/weights/view-bitmap';
import { zeroBlockShares } from '../server/analysis/weights/zero-blocks';
import { ModelBuilder } from '../server/onnx/builder';
import { ModelMemory } from '../server/onnx/model-memory';
import { analyzeBuilt, layer } from './helpers';

describe('weights with a zero-length axis', () => {
  it('are layers with a note and no GEMM view in the report', async () => {
    const b = new ModelBuilder();
    b.main
      .input('x', 'float32', [1, 0, 5, 5]).output('y', 'float32', [1, 8, 5, 5])
      .initializer('w', { dtype: 'float32', dims: [8, 0, 3, 3], values: [] })
      .node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1] }, 'conv');
    const conv = layer(await analyzeBuilt(b), 'conv');
    assert.equal(conv.gemm, null);
    assert.match(conv.note ?? '', /empty/);
  });

  it('give every pattern metric of an empty view at once, never walking its 2^40 rows', () => {
    const k = new SimdKernels(new ModelMemory(64));
    const at = k.addressOf(k.arena({ bitmap: bitmapBytes(0), view: 0, bands: bitmapBytes(0), channels: bitmapBytes(0), axisLen: 1 }))!;
    const rows = 2 ** 40;
    const noK: GemmView = { rows, k: 0, groups: 1, channels: 0, kernelPositions: 9, transpose: { batches: rows, p: 0, q: 9 } };
    const noRows: GemmView = { rows: 0, k: 16, groups: 1, channels: 16, kernelPositions: 1 };
    const t0 = performance.now();
    for (const v of [noK, noRows]) {
      const bm = viewBitmap(k, at, v);
      assert.deepEqual(nmGroupShares(k, bm, v, [{ n: 2, m: 4 }, { n: 3, m: 7 }]), [{ compliant: 0, groups: 0 }, { compliant: 0, groups: 0 }]);
      assert.deepEqual(zeroBlockShares(k, bm, v, [{ r: 1, c: 4 }, { r: 4, c: 4 }]), [0, 0]);
      assert.equal(heatmap(k, bm, v).density, '');
    }
    assert.deepEqual(structure(k, at, noK), { zeroRows: rows, zeroCols: 0, zeroInputChannels: 0, inputChannels: 0 });
    assert.deepEqual(structure(k, at, noRows), { zeroRows: 0, zeroCols: 16, zeroInputChannels: 16, inputChannels: 16 });
    assert.ok(performance.now() - t0 < 1000, 'no walk over the rows');
  });
});
