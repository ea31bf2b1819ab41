import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { CheckResult } from '../common/protocol';
import { toJunit } from '../server/gates/junit';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { checkModel } from '../server/pipeline/check';
import { gateModels, writeJson } from './gates-fixtures';
import { tempDir } from './helpers';

/**
 * The JUnit XML of `check`, parsed by xml2js as dorny/test-reporter parses it, and held to what
 * the CI tools read (docs: GitHub's reporters, GitLab's unit test reports, Jenkins) and to both
 * schemas in common use: Jenkins xunit's lenient junit-10.xsd and the strict Ant-style JUnit.xsd.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const xml2js = require('xml2js') as { parseStringPromise(xml: string, o?: object): Promise<unknown> };

interface Node {
  '#name': string;
  $?: Record<string, string>;
  _?: string;
  $$?: Node[];
}

/** Surefire's time pattern from junit-10.xsd: at most 3 decimals, no exponent, no sign. */
const SUREFIRE_TIME = /^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]{0,3})?$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;
const EVIL = 'x<y>&"z\'\u0001]]>\u0008';

let results: CheckResult[] = [];

before(async () => {
  const m = await gateModels();
  const analyze = (file: string) => analyzeModel({ file, run: false });
  const rules = writeJson(m.dir, 'all.json', {
    minTotalSparsity: 0.9, minLayerSparsity: [{ layers: '*', min: 0.45 }, { layers: 'none*', min: 0.1 }], maxSparsityDrop: 0.5, keepNmReady: true,
    nmReady: [{ layers: 'enc/k', pattern: '2:4' }], speedup: [{ target: '*', maxDrop: 0.9 }],
  });
  // A layer whose name is everything XML must escape or drop.
  const b = new ModelBuilder();
  b.main.input('x', 'float32', [1, 4]).output('y', 'float32', [1, 4])
    .initializer('w', { dtype: 'float32', dims: [4, 4], values: Array.from({ length: 16 }, (_, i) => i + 1) })
    .node('MatMul', ['x', 'w'], ['y'], {}, EVIL);
  const hostile = await writeModel(b, tempDir(), 'hostile.onnx');
  results = [
    await checkModel({ file: m.regressed, rules, baseline: m.baseline, run: false, analyze }),
    await checkModel({ file: m.baseline, baseline: m.baseline, run: false, analyze }),
    await checkModel({ file: hostile, rules: writeJson(m.dir, 'h.json', { minLayerSparsity: [{ layers: '*', min: 0.5 }], nmReady: [{ layers: '*', pattern: '2:4' }] }), run: false, analyze }),
  ];
});

async function ordered(xml: string): Promise<Node> {
  const doc = (await xml2js.parseStringPromise(xml, { explicitChildren: true, preserveChildrenOrder: true, charsAsChildren: false, explicitRoot: true })) as Record<string, Node>;
  return Object.values(doc)[0];
}

const kids = (n: Node, name?: string): Node[] => (n.$$ ?? []).filter((c) => name === undefined || c['#name'] === name);

describe('the JUnit XML of a check', () => {
  it('has the fixture\'s failures, errors, passes and skips, one testcase per outcome', () => {
    const [failing, passing] = results;
    assert.ok(failing.counts.fail >= 3 && failing.counts.error === 1 && failing.counts.pass >= 1, JSON.stringify(failing.counts));
    assert.equal(passing.passed, true);
  });

  it('parses as dorny/test-reporter parses it: suite and testcase names present, results from failure/error/skipped', async () => {
    for (const c of results) {
      const doc = (await xml2js.parseStringPromise(toJunit(c, 'ci-host'))) as { testsuites: { $: Record<string, string>; testsuite: { $: Record<string, string>; testcase: { $: Record<string, string>; failure?: unknown[]; error?: unknown[]; skipped?: unknown[] }[] }[] } };
      const suite = doc.testsuites.testsuite[0];
      assert.ok(suite.$.name.trim().length > 0);
      const cases = suite.testcase ?? [];
      assert.equal(cases.length, c.outcomes.length);
      cases.forEach((t, i) => {
        assert.ok(t.$.name.trim().length > 0);
        const status = t.failure ? 'fail' : t.error ? 'error' : t.skipped ? 'skip' : 'pass';
        assert.equal(status, c.outcomes[i].status, t.$.name);
      });
      assert.equal(Number(doc.testsuites.$.failures), c.counts.fail);
      assert.equal(Number(doc.testsuites.$.errors), c.counts.error);
    }
  });

  it('satisfies junit-10.xsd (Jenkins xunit) and the strict Ant-style JUnit.xsd', async () => {
    for (const c of results) {
      const root = await ordered(toJunit(c, 'ci-host'));
      assert.equal(root['#name'], 'testsuites');
      const suites = kids(root);
      assert.deepEqual(suites.map((s) => s['#name']), ['testsuite']);
      const s = suites[0];
      const a = s.$!;
      for (const k of ['name', 'tests', 'failures', 'errors', 'timestamp', 'hostname', 'time', 'package', 'id']) assert.ok(a[k] !== undefined && a[k] !== '', `testsuite@${k}`);
      for (const k of ['tests', 'failures', 'errors', 'skipped', 'id']) assert.match(a[k], /^\d+$/, k);
      assert.match(a.time, SUREFIRE_TIME);
      assert.match(a.timestamp, TIMESTAMP);
      // Ant order: properties, testcase*, system-out, system-err.
      const order = kids(s).map((k) => k['#name']);
      assert.equal(order[0], 'properties');
      assert.deepEqual(order.slice(-2), ['system-out', 'system-err']);
      assert.ok(order.slice(1, -2).every((n) => n === 'testcase'), order.join(' '));
      for (const p of kids(kids(s, 'properties')[0])) assert.ok(p['#name'] === 'property' && p.$!.name && p.$!.value !== undefined);
      const cases = kids(s, 'testcase');
      assert.equal(Number(a.tests), cases.length);
      const count = (tag: string): number => cases.filter((t) => kids(t, tag).length).length;
      assert.deepEqual([count('failure'), count('error'), count('skipped')], [Number(a.failures), Number(a.errors), Number(a.skipped)]);
      const keys = new Set<string>();
      for (const t of cases) {
        for (const k of ['name', 'classname', 'time']) assert.ok(t.$![k], `testcase@${k}`);
        assert.match(t.$!.time, SUREFIRE_TIME);
        const results_ = kids(t).filter((k) => ['failure', 'error', 'skipped'].includes(k['#name']));
        assert.ok(results_.length <= 1, 'at most one result per testcase');
        for (const r of results_) {
          if (r['#name'] !== 'skipped') assert.ok(r.$?.type, `${r['#name']}@type`);
          // GitLab shows the element's text, not its message attribute.
          assert.ok((r._ ?? '').trim().length > 0, `${r['#name']} has text`);
        }
        // GitLab keeps only the first testcase of a classname + name pair.
        const key = `${t.$!.classname}\u0000${t.$!.name}`;
        assert.ok(!keys.has(key), `duplicate ${key}`);
        keys.add(key);
      }
    }
  });

  it('escapes model-supplied names and replaces the control characters XML 1.0 forbids', async () => {
    const xml = toJunit(results[2], 'ci-host');
    assert.doesNotMatch(xml, /[\u0001\u0008]/);
    assert.ok(!xml.includes(EVIL.slice(0, 5)), 'the raw name is never in the XML');
    const root = await ordered(xml);
    const failure = kids(kids(kids(root)[0], 'testcase').find((t) => t.$!.name.startsWith('minLayerSparsity'))!, 'failure')[0];
    assert.ok(failure._!.includes('x<y>&"z\'\ufffd]]>\ufffd: '), failure._);
  });
});
