import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { PruningPlan, Report } from '../common/protocol';
import { DEFAULT_TARGETS } from '../common/protocol';
import { focusTargets } from '../server/advise/focus';
import { BIN_NONFINITE, keptUnstructuredAt, newBins } from '../server/advise/kept';
import { PlanKernels, SELECT_BYTES } from '../server/analysis/weights/plan-kernels';
import { SimdKernels } from '../server/analysis/weights/simd-kernels';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { ModelMemory } from '../server/onnx/model-memory';
import { analyzeModel } from '../server/pipeline/analyze';
import { planFromReport, profilesFor } from '../server/pipeline/plan';
import { tempDir } from './helpers';

/**
 * The plan on three layers with known magnitudes, on targets whose numbers make every layer's
 * time a hand computation: compute-bound (bandwidth 1e30), 1e12 MAC/s, a 2:4 path exactly 2x.
 * Each layer is a MatMul B [K 64, N 64] whose every group of 4 along K holds two values h and two e:
 * 2:4 keeps h / (h + e) of its L1; every output channel has the same L1, so removing a share of
 * channels costs that share. The three layers have the same MACs (16 x 64 x 64), so the time
 * each saves is the same; the plan must spend the magnitude budget where it buys most.
 */

const LAYERS = { a: { h: 1, e: 0.01 }, b: { h: 1, e: 0.2 }, c: { h: 1, e: 0.6 } } as const;
const K = 64;
const N = 64;
const M = 16;

function weight(h: number, e: number): Float32Array {
  // MatMul B is [K][N]: element (k, n) at k * N + n; groups run along k for each n.
  return Float32Array.from({ length: K * N }, (_, i) => (Math.floor(i / N) % 4 < 2 ? h : e));
}

const sourced = (value: number) => ({ value, source: 'test: a number chosen for the hand computation' });
const nmProfile = {
  id: 'test+nm', name: 'Test 2:4 target', kind: 'n:m',
  peakMacsPerSecond: { float32: sourced(1e12) }, memoryBandwidth: sourced(1e30), utilization: sourced(1),
  sparsity: { n: 2, m: 4, mathSpeedup: sourced(2), metadataBitsPerNonzero: sourced(0) },
};
const denseProfile = { id: 'test+dense', name: 'Test dense target', kind: 'none', peakMacsPerSecond: { float32: sourced(1e12) }, memoryBandwidth: sourced(1e30), utilization: sourced(1) };

let report: Report;
let profiles: string;

/** Each layer's L1, and the kept share of each choice, computed here from the values as written. */
function hand() {
  const out: Record<string, { l1: number; kept: Record<string, number> }> = {};
  for (const [name, x] of Object.entries(LAYERS)) {
    // The weights are float32: the figures are of the values as stored.
    const [h, e] = [Math.fround(x.h), Math.fround(x.e)];
    const l1 = (K * N / 2) * (h + e);
    out[name] = { l1, kept: { '2:4': h / (h + e), 'rows-12.5%': 0.875, 'rows-25%': 0.75, 'rows-50%': 0.5 } };
  }
  return out;
}

/** Time of one layer under a choice, in seconds: MACs / rate, halved by 2:4, scaled by the channels kept. */
function layerSeconds(choice: string): number {
  const t = (M * K * N) / 1e12;
  if (choice === '2:4') return t / 2;
  const rows = /^rows-(\d+(?:\.\d+)?)%$/.exec(choice);
  return rows ? t * (1 - Number(rows[1]) / 100) : t;
}

/** The best assignment by trying every one: the largest speedup whose L1 kept meets the budget. */
function bruteForce(keep: number, leave: string[] = []): { choice: Record<string, string>; speedup: number; kept: number } {
  const h = hand();
  const names = Object.keys(LAYERS);
  const options = ['as-is', '2:4', 'rows-12.5%', 'rows-25%', 'rows-50%'];
  const total = names.reduce((s, n) => s + h[n].l1, 0);
  let best = { choice: {} as Record<string, string>, speedup: 0, kept: 1 };
  const walk = (i: number, choice: Record<string, string>): void => {
    if (i === names.length) {
      const lost = names.reduce((s, n) => s + (choice[n] === 'as-is' ? 0 : h[n].l1 * (1 - h[n].kept[choice[n]])), 0);
      const kept = 1 - lost / total;
      if (kept < keep - 1e-12) return;
      const speedup = (names.length * layerSeconds('as-is')) / names.reduce((s, n) => s + layerSeconds(choice[n]), 0);
      if (speedup > best.speedup + 1e-12) best = { choice: { ...choice }, speedup, kept };
      return;
    }
    for (const o of leave.includes(names[i]) ? ['as-is'] : options) walk(i + 1, { ...choice, [names[i]]: o });
  };
  walk(0, {});
  return best;
}

const chosen = (p: PruningPlan): Record<string, string> => Object.fromEntries(p.layers.map((l) => [l.name, l.prune]));

describe('the pruning plan', { timeout: 60_000 }, () => {
  before(async () => {
    const dir = tempDir();
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [M, K]);
    for (const [name, { h, e }] of Object.entries(LAYERS)) {
      b.main.output(`y_${name}`, 'float32', [M, N]).initializer(`w_${name}`, { dtype: 'float32', dims: [K, N], values: weight(h, e) })
        .node('MatMul', ['x', `w_${name}`], [`y_${name}`], {}, name);
    }
    profiles = path.join(dir, 'profiles.json');
    writeFileSync(profiles, JSON.stringify([nmProfile, denseProfile]));
    report = await analyzeModel({ file: await writeModel(b, dir, 'three.onnx'), run: false, estimate: { accelerators: profiles, targets: ['test+nm', 'test+dense'], plan: { target: 'test+nm', keep: 0.9 } } });
  });

  it('measures the magnitude each choice keeps as the hand computation does', () => {
    const h = hand();
    for (const [i, l] of report.layers.entries()) {
      const kept = report.advice!.kept[i];
      assert.equal(typeof kept, 'object');
      for (const [key, share] of Object.entries(h[l.name].kept)) assert.ok(Math.abs((kept as Record<string, number>)[key] - share) < 1e-9, `${l.name} ${key}: ${(kept as Record<string, number>)[key]} vs ${share}`);
      // Removing floor(90%) of the values takes every e first (e < h): what stays is the rest of the count, all h.
      const { h: hh, e } = { h: Math.fround(LAYERS[l.name as keyof typeof LAYERS].h), e: Math.fround(LAYERS[l.name as keyof typeof LAYERS].e) };
      const left = K * N - Math.floor(0.9 * K * N);
      assert.ok(Math.abs((kept as Record<string, number>)['90%'] - (left * hh) / ((K * N / 2) * (hh + e))) < 1e-9, `${l.name} 90%`);
    }
  });

  for (const keep of [1, 0.98, 0.9, 0.8, 0.7, 0.5]) {
    it(`at keep ${keep}, chooses what trying every assignment chooses`, async () => {
      const plan = planFromReport(report, { target: 'test+nm', keep }, await profilesFor(report, profiles));
      const best = bruteForce(keep);
      assert.deepEqual(chosen(plan), best.choice);
      assert.ok(Math.abs(plan.estimate.speedup - best.speedup) < 1e-9, `${plan.estimate.speedup} vs ${best.speedup}`);
      assert.ok(plan.estimate.l1Kept >= keep - 1e-12);
      assert.ok(Math.abs(plan.estimate.l1Kept - best.kept) < 1e-9);
    });
  }

  it('at keep 0.9 prunes a and b to 2:4 and leaves c, 1.5x (a hand computation)', () => {
    // L1 of each: 2048 x (h + e) = 2068.48, 2457.6, 3276.8 (7802.88); 10% of it is 780.288.
    // 2:4 loses 2048 e: 20.48, 409.6, 1228.8. a and b fit (430.08); c does not, and no cheaper
    // choice of c fits the 350.2 left (its 12.5% of channels cost 409.6). Time: t/2 + t/2 + t = 2t of 3t.
    const p = report.advice!.plan!;
    assert.equal(p.target.id, 'test+nm');
    assert.deepEqual(chosen(p), { a: '2:4', b: '2:4', c: 'as-is' });
    assert.ok(Math.abs(p.estimate.speedup - 1.5) < 1e-9);
    assert.ok(Math.abs(p.estimate.l1Kept - (1 - 430.08 / 7802.88)) < 1e-7, 'within float32 rounding of 0.01 and 0.2');
    assert.deepEqual(p.estimate.speedupRange, [p.estimate.speedup, p.estimate.speedup], 'no ranged number');
  });

  it('at keep 0.8 spends what 2:4 on c would exceed on a quarter of its channels (off the hull)', async () => {
    const plan = planFromReport(report, { target: 'test+nm', keep: 0.8 }, await profilesFor(report, profiles));
    // 1560.6 allowed: a and b to 2:4 (430.08), then c's 2:4 (1228.8) does not fit but 25% of its channels (819.2) does.
    assert.deepEqual(chosen(plan), { a: '2:4', b: '2:4', c: 'rows-25%' });
    assert.ok(Math.abs(plan.estimate.speedup - 3 / 1.75) < 1e-9);
  });

  it('leaves the layers it is told to, and spends the budget elsewhere', async () => {
    const plan = planFromReport(report, { target: 'test+nm', keep: 0.9, leave: ['a'] }, await profilesFor(report, profiles));
    assert.equal(chosen(plan).a, 'as-is');
    assert.match(plan.layers[0].why, /--leave/);
    assert.deepEqual(chosen(plan), bruteForce(0.9, ['a']).choice);
  });

  it('on a dense target, only removing channels gains, and the plan says so', async () => {
    const plan = planFromReport(report, { target: 'test+dense', keep: 0.8 }, await profilesFor(report, profiles));
    for (const l of plan.layers) assert.ok(l.prune === 'as-is' || l.prune.startsWith('rows-'), `${l.name}: ${l.prune}`);
    assert.ok(plan.estimate.speedup > 1);
  });

  it('draws a front from keeping everything (1x) down, speedup never rising as more is kept', () => {
    const f = report.advice!.plan!.front;
    assert.deepEqual([f[0].l1Kept, f[0].speedup], [1, 1]);
    for (let i = 1; i < f.length; i++) {
      assert.ok(f[i].l1Kept <= f[i - 1].l1Kept + 1e-12);
      assert.ok(f[i].speedup >= f[i - 1].speedup - 1e-12, `point ${i}: ${JSON.stringify(f[i])} after ${JSON.stringify(f[i - 1])}`);
    }
    // Everything at its fastest: every layer 2:4 or half its channels, 2x.
    assert.ok(Math.abs(f[f.length - 1].speedup - 2) < 1e-9);
  });

  it('ranks the plan among the actions on the focus targets (the user named them)', () => {
    const a = report.advice!;
    assert.deepEqual(a.focus, { targets: ['test+nm', 'test+dense'], chosen: 'user' });
    assert.ok(a.actions.length >= 1 && a.actions.length <= 5);
    for (let i = 1; i < a.actions.length; i++) assert.ok(a.actions[i].speedup <= a.actions[i - 1].speedup);
    const prune = a.actions.find((x) => x.kind === 'prune' && x.target.id === 'test+nm');
    // Every layer is eligible on the 2:4 target: all three to 2:4, 2x over as-is.
    assert.ok(prune && Math.abs(prune.speedup - 2) < 1e-9, JSON.stringify(prune));
    assert.deepEqual(prune.layers, ['a', 'b', 'c']);
  });
});

describe('the focus targets', () => {
  const estimated = [...DEFAULT_TARGETS, 'this-machine', 'mine'];
  it('are the targets the user named (aliases resolved) and their own profiles, in order', () => {
    assert.deepEqual(focusTargets(['a100-2:4', 'h100+tensorrt'], estimated, []), { targets: ['a100+pytorch', 'h100+tensorrt'], chosen: 'user' });
    assert.deepEqual(focusTargets(['default'], estimated, ['mine']), { targets: ['mine'], chosen: 'user' });
  });
  it('are the default pair when none is named, the default list is spelled out, or only default and all', () => {
    for (const sel of [undefined, ['default'], ['default', 'all'], [...DEFAULT_TARGETS].reverse()])
      assert.deepEqual(focusTargets(sel, estimated, []), { targets: ['h100+tensorrt', 'this-machine'], chosen: 'default' }, JSON.stringify(sel));
    // Without a run there is no this-machine: a CPU runtime with sparse kernels stands in.
    assert.deepEqual(focusTargets(undefined, DEFAULT_TARGETS, []), { targets: ['h100+tensorrt', 'xeon-spr+sparselib'], chosen: 'default' });
  });
});

describe('the magnitude sums', () => {
  it('sum the smallest values exactly through the kernels\' radix select, float32 and float64, ties and near-ties included', () => {
    const mem = new ModelMemory(1 << 16);
    const simd = new SimdKernels(mem);
    const plan = new PlanKernels(mem);
    const cases: [string, Float64Array][] = [];
    for (const n of [0, 1, 5, 64, 65, 2049, 200_000]) cases.push([`sines ${n}`, Float64Array.from({ length: n }, (_, i) => Math.abs(Math.sin(i * 1.7)) * ((i % 7) + 1) * (i % 11 === 0 ? 0 : 1))]);
    // Many equal values, values a float32 cannot tell apart, and magnitudes 40 binades apart.
    cases.push(['ties', Float64Array.from({ length: 5000 }, (_, i) => [0, 0.5, 2][i % 3])]);
    cases.push(['near-ties', Float64Array.from({ length: 3000 }, (_, i) => 1 + (i % 17) * 2 ** -40)]);
    cases.push(['binades', Float64Array.from({ length: 4000 }, (_, i) => 2 ** ((i * 37) % 40 - 20) * (1 + (i % 5) / 8))]);
    // A pruned weight's block sums: two thirds exact zeros, in no order, and all zeros.
    cases.push(['pruned', Float64Array.from({ length: 300_000 }, (_, i) => ((i * 2654435761) >>> 0) % 3 ? 0 : Math.abs(Math.sin(i)) + 1e-3)]);
    cases.push(['all zeros', new Float64Array(1000)]);
    // A bucket of 1.2 M equal values: more than the select gathers, so its deeper levels walk every value again.
    cases.push(['ties past the gathered room', Float64Array.from({ length: 2_400_000 }, (_, i) => (i % 2 ? 0.75 : 0.25 + (i % 1000 === 0 ? 2 ** -30 : 0)))]);
    for (const [what, v] of cases) {
      const n = v.length;
      const take = [...new Set([0, 1, Math.floor(n / 3), Math.floor(0.9 * n), n].filter((k) => k <= n))];
      for (const wide of [false, true]) {
        const values = wide ? v : Float32Array.from(v);
        const sorted = Float64Array.from(values).sort();
        const want = take.map((k) => sorted.subarray(0, k).reduce((a, b) => a + b, 0));
        const at = simd.region(values.byteLength + SELECT_BYTES + 16);
        (wide ? simd.f64(at, n) : simd.f32(at, n)).set(values);
        const got = plan.smallestSums(at, n, wide, take, at + Math.ceil(values.byteLength / 16) * 16);
        got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-10 * Math.max(1, want[i]), `${what}, ${wide ? 'f64' : 'f32'}, take ${take[i]}: ${g} vs ${want[i]}`));
      }
    }
  });

  it('keep every unstructured share from one walk of the bins, as a walk per share does', () => {
    const b = newBins();
    for (let i = 0; i < 3000; i += 7) {
      b.counts[i] += (i % 13) + 1;
      b.sums[i] += ((i % 13) + 1) * (i + 1);
    }
    const n = b.counts.reduce((a, c) => a + c, 0);
    const total = b.sums.reduce((a, c) => a + c, 0);
    const shares = [0.95, 0.5, 0.75, 0.9, 0];
    // A walk per share: whole bins from the smallest, then part of one bin at its mean.
    const one = (sparsity: number): number => {
      let left = Math.floor(sparsity * n);
      let removed = 0;
      for (let i = 0; i < BIN_NONFINITE && left > 0; i++) {
        const take = Math.min(b.counts[i], left);
        if (take) removed += take === b.counts[i] ? b.sums[i] : (b.sums[i] * take) / b.counts[i];
        left -= take;
      }
      return 1 - removed / total;
    };
    assert.deepEqual(keptUnstructuredAt(b, n, total, shares), shares.map(one));
  });

  it('keep the unstructured share exactly when each bin holds equal values', () => {
    const b = newBins();
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    // 10 zeros, 30 of 0.5, 60 of 2: removing 50 takes the zeros, the 0.5s and 10 of the 2s.
    for (const [x, count] of [[0, 10], [0.5, 30], [2, 60]]) {
      f[0] = x;
      b.counts[u[0] >>> 19] += count;
      b.sums[u[0] >>> 19] += x * count;
    }
    const total = 0.5 * 30 + 2 * 60;
    assert.equal(keptUnstructuredAt(b, 100, total, [0.5])[0], 1 - (0.5 * 30 + 2 * 10) / total);
    assert.equal(keptUnstructuredAt(b, 100, total, [0.1])[0], 1, 'the zeros alone');
  });
});
