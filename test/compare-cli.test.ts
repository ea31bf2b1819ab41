import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { CompareResult } from '../common/requests';
import { gateModels, TOTAL, W1_ZEROS, type GateModels } from './gates-fixtures';
import { runCli } from './helpers';

/**
 * `compare A B` on a model (A: enc/q with one weight too many) and its pruned copy (B: that
 * weight zeroed, so enc/q is 2:4-ready again): the planted deltas, from models or saved reports.
 */

let m: GateModels;
let saved = '';

before(async () => {
  m = await gateModels();
  saved = path.join(m.dir, 'regressed.sparsity.json');
  assert.equal(runCli(['analyze', m.regressed, '--no-run', '--format', 'json', '--out', saved]).code, 0);
});

function compared(a: string, b: string): CompareResult {
  const r = runCli(['compare', a, b, '--no-run', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as CompareResult;
}

describe('compare A B', () => {
  it('gives the planted per-layer and total deltas of sparsity and N:M readiness', () => {
    const { diff } = compared(m.regressed, m.baseline);
    assert.equal(diff.totals.sparsity, 24 / TOTAL - 23 / TOTAL);
    assert.equal(diff.totals.params, 0);
    assert.deepEqual([diff.added, diff.removed], [[], []]);
    const q = diff.layers.find((l) => l.name === 'enc/q')!;
    assert.equal(q.sparsity, W1_ZEROS[0] / 32 - W1_ZEROS[1] / 32);
    assert.deepEqual(q.ready24, [false, true]);
    // enc/q has 4 rows x 2 groups along K = 8 groups of 4; one complied not, now all do.
    assert.deepEqual(q.nm['2:4'], { groupShare: 1 / 8, ready: [false, true] });
    for (const name of ['enc/k', 'head']) assert.equal(diff.layers.find((l) => l.name === name)!.sparsity, 0);
    const p = diff.patterns.find((x) => x.pattern === '2:4')!;
    assert.deepEqual(p, { pattern: '2:4', ready: [1, 2], of: [3, 3], lost: [], gained: ['enc/q'], missing: [] });
  });

  it('gives every estimate of either side with its change, as the two reports state them', () => {
    const { a, b, diff } = compared(m.regressed, m.baseline);
    assert.equal(diff.estimates.length, a.estimates.length);
    for (const d of diff.estimates) {
      const ea = a.estimates.find((e) => e.accelerator.id === d.target && e.scenario === d.scenario)!;
      const eb = b.estimates.find((e) => e.accelerator.id === d.target && e.scenario === d.scenario)!;
      assert.deepEqual(d.speedup, [ea.speedup, eb.speedup]);
      assert.equal(d.delta, eb.speedup - ea.speedup);
      assert.equal(d.relative, (eb.speedup - ea.speedup) / ea.speedup);
    }
  });

  it('reads either side from a saved report with the same result', () => {
    const fromModels = compared(m.regressed, m.baseline).diff;
    const fromSaved = compared(saved, m.baseline).diff;
    assert.deepEqual({ ...fromSaved, notes: [] }, { ...fromModels, notes: [] });
  });

  it('writes Markdown and a standalone HTML page of the comparison; csv and a third path are usage errors', () => {
    const md = runCli(['compare', m.regressed, m.baseline, '--no-run', '--format', 'md']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Sparsity comparison: regressed\.onnx vs baseline\.onnx/);
    assert.match(md.stdout, /\| Weight sparsity \| 41\.07% \| 42\.86% \| \+1\.79 pp \|/);
    assert.match(md.stdout, /\| 2:4-ready layers \| 1 of 3 \| 2 of 3 \| \+1 \|/);
    assert.match(md.stdout, /- 2:4 gained in B: enc\/q/);
    assert.match(md.stdout, /\| enc\/q \| MatMul \| 46\.9% \| 50\.0% \| \+3\.13 pp \| \+12\.50 pp \| no -> ready \|/);
    const html = runCli(['compare', m.regressed, m.baseline, '--no-run', '--format', 'html']);
    assert.equal(html.code, 0, html.stderr);
    assert.match(html.stdout, /<title>Sparsity: regressed\.onnx vs baseline\.onnx<\/title>/);
    assert.ok(html.stdout.includes('"type":"compare"'));
    assert.equal(runCli(['compare', m.regressed, m.baseline, '--format', 'csv']).code, 2);
    assert.equal(runCli(['compare', m.regressed, m.baseline, m.baseline]).code, 2);
  });
});
