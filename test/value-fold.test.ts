import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensorStats } from '../server/analysis/run/activation-stats';
import { channelZeros, nmGroups } from '../server/analysis/run/channel-stats';
import { foldFloat32 } from '../server/analysis/run/value-fold';
import { rng as random } from '../server/random';

/** Activation-like float32 data: exact zeros (both signs), values at the thresholds, denormals, a NaN and infinities when asked. */
function values(n: number, seed: number, special: boolean): Float32Array {
  const r = random(seed);
  const edge = [0, -0, 1e-4, 1e-3, Math.fround(1e-3), 0.01, 0.1, 1, 10, -1e-3, 1e-45, -1e-40, 3.4e38];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    out[i] = u < 0.4 ? 0 : u < 0.45 ? edge[Math.floor(r() * edge.length)] : (r() - 0.3) * 10 ** Math.floor(r() * 8 - 5);
  }
  if (special && n > 8) {
    out[3] = NaN;
    out[5] = Infinity;
    out[n - 2] = -Infinity;
  }
  return out;
}

const NEARS = [{ value: 1e-3, relative: false }, { value: 0.05, relative: true }, { value: 0, relative: false }];

describe('the float32 fold in the kernels (server/analysis/run/value-fold.ts)', () => {
  it('gives exactly the JavaScript reference\'s statistics, sums included, at every size and rule', () => {
    for (const n of [0, 1, 3, 4, 17, 4097, 100_003, (1 << 22) + 5]) {
      for (const special of [false, true]) {
        const data = values(n, n + (special ? 1 : 0), special);
        for (const near of NEARS) {
          for (const histogram of [false, true]) {
            const want = tensorStats(data, near, histogram, false);
            const got = foldFloat32(data, near, histogram).stats;
            assert.deepEqual(got, want, `n ${n} special ${special} near ${JSON.stringify(near)} histogram ${histogram}`);
          }
        }
      }
    }
  });

  it('counts zeros per channel and N:M groups as channelZeros and nmGroups do, on every layout', () => {
    const cases: { dims: number[]; axis: number; patterns: string[] }[] = [
      { dims: [2, 16, 5, 7], axis: 1, patterns: ['2:4', '1:4', '4:8'] },
      { dims: [1, 32, 8, 8], axis: 1, patterns: ['2:4', '1:4', '4:8', '3:4'] },
      { dims: [3, 12], axis: 1, patterns: ['2:4', '4:8'] },
      { dims: [1, 3, 64, 64], axis: 1, patterns: ['2:4'] },
      { dims: [4, 6, 24], axis: 2, patterns: ['2:4', '1:4', '4:8'] },
      { dims: [1, 64, 1, 1], axis: 1, patterns: [] },
      // A unit of 8 rows past the kernels' chunk: the reference counts the channels.
      { dims: [1, 8, 600_000], axis: 1, patterns: ['4:8'] },
      // A unit larger than a copy's usual size (one unit a copy), and many units a copy over several copies.
      { dims: [2, 8, 300_000], axis: 1, patterns: ['2:4', '4:8'] },
      { dims: [16, 16, 64, 64], axis: 1, patterns: ['2:4', '1:4', '4:8'] },
    ];
    for (const [i, l] of cases.entries()) {
      const n = l.dims.reduce((a, b) => a * b, 1);
      const data = values(n, 100 + i, true);
      const got = foldFloat32(data, NEARS[0], true, l);
      assert.deepEqual(got.stats, tensorStats(data, NEARS[0], true, false), `stats of ${l.dims}`);
      assert.deepEqual([...got.channelZeros!], [...channelZeros(data, l.dims, l.axis)], `channel zeros of ${l.dims}`);
      if (l.patterns.length) assert.deepEqual(got.nm, nmGroups(data, l.dims, l.axis, l.patterns), `N:M of ${l.dims}`);
      else assert.equal(got.nm, undefined);
    }
  });

  it('counts a small case known by hand', () => {
    // Channels of [1, 4, 2]: c0 = (0, 1), c1 = (0, 0), c2 = (2, 0), c3 = (NaN, 0). At position 0 the
    // group holds 0, 0, 2, NaN: two nonzeros (NaN is no zero); at position 1: 1, 0, 0, 0: one.
    const data = new Float32Array([0, 1, 0, -0, 2, 0, NaN, 0]);
    const got = foldFloat32(data, { value: 0.5, relative: false }, false, { dims: [1, 4, 2], axis: 1, patterns: ['2:4', '1:4'] });
    assert.deepEqual([...got.channelZeros!], [1, 2, 1, 1]);
    assert.deepEqual(got.nm, { '2:4': { complying: 2, groups: 2 }, '1:4': { complying: 1, groups: 2 } });
    assert.equal(got.stats.zeros, 5);
    assert.equal(got.stats.nearZeros, 5);
    assert.equal(got.stats.min, 0);
    assert.equal(got.stats.max, 2);
    assert.ok(Number.isNaN(got.stats.sum));
  });
});
