import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelBuilder } from '../server/onnx/builder';
import { analyzeBuilt, layer, weight } from './helpers';

function model(external: boolean): ModelBuilder {
  const b = new ModelBuilder();
  const enc = external ? { external: 'weights.bin' } : 'raw';
  const w = Array.from({ length: 64 * 32 }, (_, i) => (i % 4 < 2 ? 0 : ((i * 7919) % 13) - 6.5));
  b.main.initializer('big', { dtype: 'float32', dims: [64, 32], values: w, encoding: enc as 'raw' });
  b.main.initializer('half', { dtype: 'float16', dims: [5], values: [0, 1, 0, 2, 0], encoding: enc as 'raw' });
  b.main.node('Gemm', ['x', 'big'], ['y'], { transB: 1 }, 'fc');
  return b;
}

describe('external data', () => {
  it('gives the same figures as the same weights stored inline', async () => {
    const inline = await analyzeBuilt(model(false));
    const ext = await analyzeBuilt(model(true));
    for (const name of ['big', 'half']) {
      const { external, ...rest } = weight(ext, name);
      assert.deepEqual(rest, weight(inline, name));
      assert.equal(external?.file, 'weights.bin');
    }
    assert.deepEqual(layer(ext, 'fc'), layer(inline, 'fc'));
    assert.equal(layer(ext, 'fc').nm['2:4'].ready, true);
    assert.equal(ext.model.externalBytes, 64 * 32 * 4 + 10);
    assert.equal(weight(ext, 'half').zeros, 3);
  });
});
