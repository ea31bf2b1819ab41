import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { CheckResult, Report, RuleOutcome } from '../common/protocol';
import { writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { checkModel } from '../server/pipeline/check';
import { forward, gateModels, mlp, TOTAL, writeJson, type GateModels } from './gates-fixtures';

/**
 * Every rule of `check`, passing and failing where the fixture's construction says it must
 * (test/gates-fixtures.ts: baseline 24 of 56 weights zero, enc/q and enc/k 2:4-ready; the
 * regressed copy 23 of 56, enc/q 15 of 32 and no longer 2:4-ready).
 */

let m: GateModels;
let baselineReport: Report;
const analyze = (file: string): Promise<Report> => analyzeModel({ file, run: false });

before(async () => {
  m = await gateModels();
  baselineReport = await analyze(m.baseline);
});

async function check(rules: object, o: { model?: string; baseline?: string } = {}): Promise<CheckResult> {
  const file = writeJson(m.dir, `rules-${Math.random().toString(36).slice(2)}.json`, rules);
  return checkModel({ file: o.model ?? m.regressed, rules: file, baseline: o.baseline, run: false, analyze });
}

function only(r: CheckResult, rule: string): RuleOutcome {
  const found = r.outcomes.filter((o) => o.rule === rule);
  assert.equal(found.length, 1, `${rule}: ${JSON.stringify(r.outcomes)}`);
  return found[0];
}

describe('minTotalSparsity', () => {
  it('passes at exactly 23/56 and below it, fails just above it', async () => {
    assert.equal(only(await check({ minTotalSparsity: 23 / TOTAL }), 'minTotalSparsity').status, 'pass');
    assert.equal(only(await check({ minTotalSparsity: 0.41 }), 'minTotalSparsity').status, 'pass');
    const r = await check({ minTotalSparsity: 0.411 });
    const o = only(r, 'minTotalSparsity');
    assert.equal(o.status, 'fail');
    assert.match(o.message, /41\.07% \(23 of 56 weights are zero\) < 41\.10%/);
    assert.equal(r.passed, false);
  });
});

describe('minLayerSparsity', () => {
  it('holds every layer the glob matches to the minimum and names those below it', async () => {
    // enc/q 15/32 = 46.875%, enc/k 8/16 = 50%.
    assert.equal(only(await check({ minLayerSparsity: [{ layers: 'enc/*', min: 0.46875 }] }), 'minLayerSparsity[0]').status, 'pass');
    const o = only(await check({ minLayerSparsity: [{ layers: 'enc/*', min: 0.47 }] }), 'minLayerSparsity[0]');
    assert.equal(o.status, 'fail');
    assert.deepEqual(o.details, ['enc/q: 46.9%']);
    assert.equal(only(await check({ minLayerSparsity: [{ layers: 'head', min: 0.01 }] }), 'minLayerSparsity[0]').status, 'fail');
  });

  it("matches '*' across slashes, '?' one character, and is an error when it matches nothing", async () => {
    const r = await check({ minLayerSparsity: [{ layers: '*', min: 0 }, { layers: 'enc/?', min: 0.5 }, { layers: 'dec/*', min: 0.5 }] });
    assert.match(only(r, 'minLayerSparsity[0]').message, /all 3 matching layers/);
    assert.deepEqual(only(r, 'minLayerSparsity[1]').details, ['enc/q: 46.9%']);
    const none = only(r, 'minLayerSparsity[2]');
    assert.equal(none.status, 'error');
    assert.match(none.message, /'dec\/\*' matches no layer.*'enc\/q'/);
  });
});

describe('maxSparsityDrop', () => {
  it('allows the planted drop of 1/56 = 1.786 pp at 0.018 and fails it at 0.017', async () => {
    assert.equal(only(await check({ maxSparsityDrop: 0.018 }, { baseline: m.baseline }), 'maxSparsityDrop').status, 'pass');
    const o = only(await check({ maxSparsityDrop: 0.017 }, { baseline: m.baseline }), 'maxSparsityDrop');
    assert.equal(o.status, 'fail');
    assert.match(o.message, /41\.07%, 42\.86% in the baseline \(-1\.79 pp\); more than the 1\.70 pp drop allowed/);
  });

  it('takes a drop of exactly the limit as within it (0.5 - 0.49 is not more than 0.01)', async () => {
    const saved = { ...baselineReport, totals: { ...baselineReport.totals, sparsity: 23 / TOTAL + 0.01 } };
    assert.equal(only(await check({ maxSparsityDrop: 0.01 }, { baseline: writeJson(m.dir, 'b-exact.json', saved) }), 'maxSparsityDrop').status, 'pass');
  });
});

describe('nmReady', () => {
  it('passes for a 2:4-ready layer, fails for the densified one with why, errors on an unmeasured pattern', async () => {
    const r = await check({ nmReady: [{ layers: 'enc/k', pattern: '2:4' }, { layers: 'enc/*', pattern: '2:4' }, { layers: '*', pattern: '3:8' }] });
    assert.equal(only(r, 'nmReady[0]').status, 'pass');
    const o = only(r, 'nmReady[1]');
    assert.equal(o.status, 'fail');
    // 8 groups of 4 along K (2 per column x 4 columns); one holds 3 nonzeros.
    assert.deepEqual(o.details, ['enc/q: not 2:4-ready (87.5% of groups comply)']);
    assert.equal(only(r, 'nmReady[2]').status, 'error');
    assert.match(only(r, 'nmReady[2]').message, /3:8 was not measured/);
  });
});

describe('keepNmReady', () => {
  it('fails when a layer ready in the baseline lost it, and passes against itself', async () => {
    const o = only(await check({ keepNmReady: ['2:4'] }, { baseline: m.baseline }), 'keepNmReady');
    assert.equal(o.status, 'fail');
    assert.match(o.message, /1 of 2 layers 2:4-ready in the baseline no longer are/);
    assert.deepEqual(o.details, ['enc/q: not 2:4-ready (87.5% of groups comply)']);
    assert.equal(only(await check({ keepNmReady: ['2:4'] }, { model: m.baseline, baseline: m.baseline }), 'keepNmReady').status, 'pass');
  });

  it('counts a ready layer that is gone (renamed by a re-export) as lost', async () => {
    const renamed = await writeModel(mlp(false, ['enc/q', 'encoder/k', 'head']), m.dir, 'renamed.onnx');
    const o = only(await check({ keepNmReady: true }, { model: renamed, baseline: m.baseline }).then((r) => ({ ...r, outcomes: r.outcomes.filter((x) => x.subject === '2:4') })), 'keepNmReady');
    assert.equal(o.status, 'fail');
    assert.deepEqual(o.details, ['enc/k: not in the model (removed or renamed)']);
  });
});

describe('speedup', () => {
  it('compares with a planted baseline speedup: a drop of 1 - 1/1.05 = 4.76% passes at 5% and fails at 4%', async () => {
    const now = await analyze(m.regressed);
    const e = now.estimates.find((x) => x.scenario === 'as-is');
    assert.ok(e, 'the report has as-is estimates');
    const planted = { ...baselineReport, estimates: baselineReport.estimates.map((x) => (x.accelerator.id === e.accelerator.id && x.scenario === 'as-is' ? { ...x, speedup: e.speedup * 1.05 } : x)) };
    const saved = writeJson(m.dir, 'planted.json', planted);
    const rule = (maxDrop: number) => ({ speedup: [{ target: e.accelerator.id, maxDrop }] });
    assert.equal(only(await check(rule(0.05), { baseline: saved }), 'speedup[0]').status, 'pass');
    const o = only(await check(rule(0.04), { baseline: saved }), 'speedup[0]');
    assert.equal(o.status, 'fail');
    assert.match(o.message, /-4\.76%, more than the 4\.00% drop allowed/);
  });

  it('holds a minimum speedup, and names the targets the report has when the target is unknown', async () => {
    const now = await analyze(m.regressed);
    const e = now.estimates.find((x) => x.scenario === 'as-is')!;
    const r = await check({ speedup: [{ target: e.accelerator.id, min: e.speedup }, { target: e.accelerator.id, min: e.speedup + 0.001 }, { target: 'tpu-v9', min: 1 }] });
    assert.equal(only(r, 'speedup[0]').status, 'pass');
    assert.equal(only(r, 'speedup[1]').status, 'fail');
    assert.equal(only(r, 'speedup[2]').status, 'error');
    assert.ok(only(r, 'speedup[2]').message.includes(`${e.accelerator.id} (as-is)`), only(r, 'speedup[2]').message);
  });

  it('applies a glob target to every matching target of the baseline', async () => {
    const r = await check({ speedup: [{ target: '*', maxDrop: 1 }] }, { baseline: m.baseline });
    const ids = [...new Set(baselineReport.estimates.filter((x) => x.scenario === 'as-is').map((x) => x.accelerator.id))];
    assert.deepEqual(r.outcomes.map((o) => o.subject), ids.map((id) => `${id} as-is`));
    assert.ok(r.outcomes.every((o) => o.status === 'pass'));
  });
});

describe('maxDrift', () => {
  // Only W1[2][0] differs (0 -> 0.5): the outputs differ through h1[0] += 0.5 x[2].
  const a = forward(true);
  const b = forward(false);
  const maxAbs = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  const relL2 = Math.hypot(...a.map((v, i) => v - b[i])) / Math.hypot(...b);
  const cosine = a.reduce((s, v, i) => s + v * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));

  it('measures max |diff|, relative L2 and cosine as an independent float64 computation gives them', async () => {
    const r = await check({ maxDrift: { inputs: [m.input], maxAbs: 10 } }, { baseline: m.baseline });
    const y = r.drift!.outputs.find((o) => o.name === 'y')!;
    assert.ok(maxAbs > 0.01, `the planted change reaches y (${maxAbs})`);
    assert.ok(Math.abs(y.maxAbs - maxAbs) <= 1e-5 * maxAbs, `maxAbs ${y.maxAbs} vs ${maxAbs}`);
    assert.ok(Math.abs(y.relL2 - relL2) <= 1e-5 * relL2, `relL2 ${y.relL2} vs ${relL2}`);
    assert.ok(Math.abs(y.cosine - cosine) <= 1e-6, `cosine ${y.cosine} vs ${cosine}`);
    assert.deepEqual([y.shape, y.dtype, y.nonFinite, r.drift!.samples], [[1, 2], 'float32', 0, 1]);
    assert.equal(r.drift!.inputs[0].source, m.input);
  });

  it('passes and fails each threshold on its side of the measured figure', async () => {
    const run = (t: object) => check({ maxDrift: { inputs: [m.input], ...t } }, { baseline: m.baseline }).then((r) => only(r, 'maxDrift').status);
    assert.equal(await run({ maxAbs: maxAbs * 1.001, maxRelL2: relL2 * 1.001, minCosine: cosine - 1e-4 }), 'pass');
    assert.equal(await run({ maxAbs: maxAbs * 0.999 }), 'fail');
    assert.equal(await run({ maxRelL2: relL2 * 0.999 }), 'fail');
    assert.equal(await run({ minCosine: Math.min(1, cosine + 1e-4) }), 'fail');
  });

  it('is zero against itself on generated inputs, and an error for an output the model lacks', async () => {
    const r = await check({ maxDrift: { model: m.baseline, maxAbs: 0, outputs: ['y', 'logits'] } }, { model: m.baseline });
    assert.equal(only({ ...r, outcomes: r.outcomes.filter((o) => o.subject === 'y') }, 'maxDrift').status, 'pass');
    assert.equal(r.drift!.outputs[0].maxAbs, 0);
    assert.equal(r.drift!.inputs[0].source, 'generated');
    assert.equal(r.outcomes.find((o) => o.subject === 'logits')?.status, 'error');
  });

  it('runs the model a saved baseline report names, and refuses one that changed since', async () => {
    const saved = writeJson(m.dir, 'baseline-report.json', baselineReport);
    const ok = await check({ maxDrift: { inputs: [m.input], maxAbs: 10 } }, { baseline: saved });
    assert.equal(only(ok, 'maxDrift').status, 'pass');
    const moved = writeJson(m.dir, 'stale.json', { ...baselineReport, model: { ...baselineReport.model, path: m.regressed } });
    const stale = await check({ maxDrift: { inputs: [m.input], maxAbs: 10 } }, { baseline: moved });
    assert.equal(only(stale, 'maxDrift').status, 'error');
    assert.match(only(stale, 'maxDrift').message, /sha256 differs/);
  });
});

describe('the default rules (a baseline, no rules file)', () => {
  it('fail on the lost 2:4 layer and the 1.79 pp drop, and pass the model against itself', async () => {
    const r = await checkModel({ file: m.regressed, baseline: m.baseline, run: false, analyze });
    assert.equal(r.rules, null);
    assert.equal(only(r, 'maxSparsityDrop').status, 'fail');
    assert.equal(r.outcomes.find((o) => o.rule === 'keepNmReady' && o.subject === '2:4')?.status, 'fail');
    assert.ok(r.outcomes.some((o) => o.rule === 'speedup[0]'), 'the speedup rule ran');
    assert.ok(!r.outcomes.some((o) => o.subject.startsWith('this-machine')), 'no estimate of the machine at hand');
    const same = await checkModel({ file: m.baseline, baseline: m.baseline, run: false, analyze });
    assert.equal(same.passed, true, JSON.stringify(same.outcomes.filter((o) => o.status !== 'pass')));
  });
});
