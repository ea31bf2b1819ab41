import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { CheckResult } from '../common/protocol';
import { parseRules } from '../server/gates/rules';
import { readSavedReport } from '../server/gates/saved-report';
import { gateModels, writeJson, type GateModels } from './gates-fixtures';
import { runCli } from './helpers';

/** `onnx-sparsity check` as CI runs it: exit codes, its outputs, and rules.json checked field by field. */

let m: GateModels;
let baselineJson = '';

before(async () => {
  m = await gateModels();
  const r = runCli(['analyze', m.baseline, '--no-run', '--format', 'json', '--out', path.join(m.dir, 'baseline.sparsity.json')]);
  assert.equal(r.code, 0, r.stderr);
  baselineJson = path.join(m.dir, 'baseline.sparsity.json');
});

describe('check exit codes', () => {
  it('exits 0 when every rule passes, 1 when one fails, 2 on bad usage', () => {
    const pass = runCli(['check', m.baseline, '--baseline', baselineJson, '--no-run']);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /^passed: \d+ rules$/m);
    const fail = runCli(['check', m.regressed, '--baseline', baselineJson, '--no-run']);
    assert.equal(fail.code, 1, fail.stdout + fail.stderr);
    assert.match(fail.stdout, /FAIL {2}maxSparsityDrop \(model\): total weight sparsity 41\.07%, 42\.86% in the baseline/);
    assert.match(fail.stdout, /FAIL {2}keepNmReady \(2:4\).*\n {10}enc\/q: not 2:4-ready/);
    assert.match(fail.stdout, /^FAILED: \d+ of \d+ rules failed$/m);
    for (const args of [['check', m.regressed], ['check'], ['check', m.regressed, '--format', 'xml', '--baseline', baselineJson], ['check', baselineJson, '--baseline', baselineJson]]) {
      const r = runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.match(runCli(['check', m.regressed]).stderr, /check needs --baseline/);
  });

  it('is a usage error, before any analysis, when a rule needs a baseline and none is given', () => {
    const rules = writeJson(m.dir, 'needs-baseline.json', { minTotalSparsity: 0.1, keepNmReady: true });
    const r = runCli(['check', m.regressed, '--rules', rules, '--no-run']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs-baseline\.json: keepNmReady compares against a baseline; give --baseline FILE or "baseline" in the rules file/);
  });

  it('reads "baseline" from the rules file, relative to it', () => {
    const rules = writeJson(m.dir, 'with-baseline.json', { baseline: 'baseline.sparsity.json', keepNmReady: ['2:4'] });
    const r = runCli(['check', m.regressed, '--rules', rules, '--no-run', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const c = JSON.parse(r.stdout) as CheckResult;
    assert.deepEqual(c.baseline, { path: baselineJson, kind: 'report', model: m.baseline, sha256: c.baseline!.sha256 });
    assert.equal(c.rules, rules);
    assert.deepEqual(c.counts, { pass: 0, fail: 1, error: 0, skip: 0 });
  });

  it('writes JUnit XML and the pull-request Markdown beside the summary, and never over a file it read', () => {
    const junit = path.join(m.dir, 'check.xml');
    const md = path.join(m.dir, 'check.md');
    const r = runCli(['check', m.regressed, '--baseline', baselineJson, '--no-run', '--junit', junit, '--markdown', md]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(readFileSync(junit, 'utf8'), /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="onnx-sparsity check"/);
    const text = readFileSync(md, 'utf8');
    assert.match(text, /^<!-- onnx-sparsity-check -->\n### \u274c Sparsity check FAILED: \d+ of \d+ rules failed: regressed\.onnx/);
    assert.match(text, /\| \u274c fail \| `keepNmReady` \| 2:4 \|/);
    assert.match(text, /<details><summary>Details of \d+ rules that did not pass<\/summary>\n\n\*\*`keepNmReady`\*\* \(2:4\):\n\n- enc\/q: not 2:4-ready/);
    const before = readFileSync(baselineJson, 'utf8');
    for (const flag of ['--junit', '--markdown', '--out']) {
      const over = runCli(['check', m.regressed, '--baseline', baselineJson, '--no-run', flag, baselineJson]);
      assert.equal(over.code, 2, flag);
      assert.match(over.stderr, /same file as .*refusing to write over it/);
    }
    assert.equal(readFileSync(baselineJson, 'utf8'), before);
    assert.equal(runCli(['check', m.regressed, '--baseline', baselineJson, '--no-run', '--junit', junit, '--markdown', junit]).code, 2);
  });
});

describe('rules.json, field by field', () => {
  const bad: [unknown, RegExp][] = [
    [[], /r\.json: the file must be an object, not \[\]/],
    [{}, /r\.json: names no rule \(rules are minTotalSparsity, minLayerSparsity, maxSparsityDrop, nmReady, keepNmReady, speedup, maxDrift\)/],
    [{ minTotalSparsty: 0.5 }, /unknown field 'minTotalSparsty' \(known: \$schema, description, baseline, minTotalSparsity/],
    [{ minTotalSparsity: 50 }, /minTotalSparsity must be a fraction from 0 to 1 \(0\.5 is 50%\), not 50/],
    [{ minTotalSparsity: '0.5' }, /minTotalSparsity must be a fraction.*, not '0\.5'/],
    [{ minLayerSparsity: { layers: '*', min: 0.5 } }, /minLayerSparsity must be a list/],
    [{ minLayerSparsity: [{ layers: '*' }] }, /minLayerSparsity\[0\] must have "layers" \(a layer-name glob\) and "min"/],
    [{ minLayerSparsity: [{ layers: '*', min: 0.5, max: 1 }] }, /minLayerSparsity\[0\] has unknown field 'max'/],
    [{ minLayerSparsity: [{ layers: '', min: 0.5 }] }, /minLayerSparsity\[0\]\.layers must be a non-empty string/],
    [{ maxSparsityDrop: -0.01 }, /maxSparsityDrop must be a fraction/],
    [{ nmReady: [{ layers: '*', pattern: '4:2' }] }, /nmReady\[0\]\.pattern must be an N:M pattern with 1 <= N <= M, e\.g\. "2:4", not '4:2'/],
    [{ keepNmReady: 'yes' }, /keepNmReady must be a list, not 'yes'/],
    [{ keepNmReady: ['2-4'] }, /keepNmReady\[0\] must be an N:M pattern/],
    [{ speedup: [{ maxDrop: 0.02 }] }, /speedup\[0\] must name a "target"/],
    [{ speedup: [{ target: 'a100' }] }, /speedup\[0\] must have "maxDrop".*or "min"/],
    [{ speedup: [{ target: 'a100', min: -1 }] }, /speedup\[0\]\.min must be a speedup > 0/],
    [{ speedup: [{ target: 'a100', maxDrop: 0.02, scenario: 7 }] }, /speedup\[0\]\.scenario must be a non-empty string, not 7/],
    [{ maxDrift: { inputs: ['x.npy'] } }, /maxDrift must set at least one of "maxAbs", "maxRelL2" and "minCosine"/],
    [{ maxDrift: { minCosine: 2 } }, /maxDrift\.minCosine must be a cosine similarity from -1 to 1, not 2/],
    [{ maxDrift: { maxAbs: 0.1, inputs: 'x.npy' } }, /maxDrift\.inputs must be a list/],
    [{ baseline: 3, minTotalSparsity: 0.1 }, /baseline must be a non-empty string, not 3/],
  ];
  for (const [rules, message] of bad) {
    it(`refuses ${JSON.stringify(rules)}`, () => {
      assert.throws(() => parseRules(rules, '/p/r.json'), (e: Error) => e.name === 'UsageError' && message.test(e.message) ? true : assert.fail(e.message));
    });
  }

  it('resolves paths against the rules file and defaults the speedup scenario to as-is', () => {
    const r = parseRules({ baseline: 'b.json', speedup: [{ target: 'x', min: 1.1 }], maxDrift: { model: '../m.onnx', inputs: ['in/x.npy'], minCosine: 0.99 } }, '/p/q/r.json');
    assert.equal(r.baseline, '/p/q/b.json');
    assert.deepEqual(r.rules.speedup, [{ target: 'x', scenario: 'as-is', min: 1.1 }]);
    assert.deepEqual(r.rules.maxDrift, { model: '/p/m.onnx', inputs: ['/p/q/in/x.npy'], minCosine: 0.99 });
  });

  it('exits 2 naming the file for a rules file that is not JSON', () => {
    const f = path.join(m.dir, 'broken.json');
    writeFileSync(f, '{ "minTotalSparsity": 0.5, }');
    const r = runCli(['check', m.regressed, '--rules', f, '--no-run']);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`${f}: not valid JSON`), r.stderr);
  });
});

describe('a saved report as a baseline', () => {
  const cases: [string, (r: Record<string, unknown>) => unknown, RegExp][] = [
    ['a comparison', (r) => ({ a: r, b: r, diff: {} }), /is a comparison \(\{a, b, diff\}\), not one report/],
    ['a check result', () => ({ outcomes: [], passed: true }), /is a check result, not a report/],
    ['another tool\'s JSON', (r) => ({ ...r, tool: { name: 'netron' } }), /tool\.name must be 'onnx-sparsity'/],
    ['a newer schema', (r) => ({ ...r, schemaVersion: 99 }), /schemaVersion is 99: the report was written by a newer onnx-sparsity/],
    ['a layer without sparsity', (r) => ({ ...r, layers: [{ ...(r.layers as object[])[0], sparsity: 'high' }] }), /layers\[0\]\.sparsity must be a number/],
    ['an estimate without an id', (r) => ({ ...r, estimates: [{ ...(r.estimates as object[])[0], accelerator: {} }] }), /estimates\[0\]\.accelerator\.id must be a string/],
  ];
  for (const [what, edit, message] of cases) {
    it(`refuses ${what}, naming the field`, async () => {
      const f = writeJson(m.dir, `bad-${what.replace(/\W/g, '')}.json`, edit(JSON.parse(readFileSync(baselineJson, 'utf8')) as Record<string, unknown>));
      await assert.rejects(readSavedReport(f), (e: Error) => (message.test(e.message) && e.message.startsWith(f) ? true : assert.fail(e.message)));
    });
  }
});
