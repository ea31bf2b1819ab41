import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeModel } from '../server/pipeline/analyze';
import { buildDemoModel } from '../server/demo/demo-model';
import { DEFAULT_SCENARIOS, DEFAULT_TARGETS } from '../common/protocol';
import { ErrorCode } from '../common/requests';
import { writeModel } from '../server/onnx/builder';
import { DEFAULT_OPTIONS, DEFAULT_RUN, type Report } from '../common/protocol';
import { diffReports } from '../common/report/diff';
import { coalesce } from '../src/coalesce';
import { defaultExportName, renderExport } from '../src/export-formats';
import { describeFailure, SettingsError } from '../src/failure';
import { inlineScript, jsonForHtml, standaloneHtml } from '../common/report/html';
import { makeNonce } from '../src/nonce';
import { DEFAULT_SETTINGS, toAnalysisSettings, type SettingKey } from '../src/settings-to-request';
import { copyPath } from '../src/copy-path';
import { parseWebviewMessage, type Shown } from '../src/shown';
import { webviewHtml } from '../src/webview-html';
import { tempDir } from './helpers';

const BASE = { folder: '/work/project', home: '/home/me' };
const settings = (raw: Partial<Record<SettingKey, unknown>>) => toAnalysisSettings(raw, BASE);
const EVIL = '</script><script>alert(1)</script>';

describe('settings to AnalysisSettings', () => {
  it('turns the defaults into the engine\'s own defaults', () => {
    const r = settings({});
    assert.ok(r.ok);
    assert.deepEqual(r.settings.options, DEFAULT_OPTIONS);
    // Inputs and their preprocessing are chosen per model (RunMemory), not by settings.
    const { seed: _seed, inputs: _inputs, maxSamples: _max, preprocess: _pre, ...run } = DEFAULT_RUN;
    assert.deepEqual(r.settings.run, run);
    assert.deepEqual(r.settings.estimate, { scenarios: DEFAULT_SCENARIOS, targets: DEFAULT_TARGETS });
  });

  it('passes every setting into the request', () => {
    const changed: [SettingKey, unknown][] = [
      ['executionProvider', 'cuda'], ['strictExecutionProvider', true], ['threads', 4], ['memoryBudgetMB', 512],
      ['symbolicDims', { height: 640 }], ['intRange', ' -5 : 5 '], ['samples', 3], ['nearZeroThreshold', 1e-3],
      ['nearZeroRelative', true], ['nmPatterns', ['2:4']], ['blockShapes', ['8x8']], ['acceleratorProfiles', 'chips.json'],
      ['scenarios', ['as-is']], ['targets', ['h100+tensorrt', 'default']], ['activations', 'layers'], ['run', false], ['runTimeoutSeconds', 60], ['runMemoryLimitMB', 2048],
    ];
    assert.deepEqual(changed.map(([k]) => k).sort(), Object.keys(DEFAULT_SETTINGS).sort());
    const base = JSON.stringify(settings({}));
    for (const [key, value] of changed) assert.notEqual(JSON.stringify(settings({ [key]: value })), base, key);
    assert.deepEqual(settings(Object.fromEntries(changed.filter(([k]) => k !== 'run'))), { ok: true, settings: {
      options: { nearZero: { value: 1e-3, relative: true }, nm: ['2:4'], blocks: ['8x8'] },
      run: { ep: 'cuda', strictEp: true, threads: 4, memoryBudget: 512 * 2 ** 20, dims: { height: 640 }, shapes: {}, strictSizes: false, intRange: [-5, 5], samples: 3, level: 'layers', timeoutSeconds: 60, memoryLimit: 2048 * 2 ** 20 },
      estimate: { scenarios: ['as-is'], targets: ['h100+tensorrt', 'default'], accelerators: path.resolve('/work/project', 'chips.json') },
    } });
  });

  it('reads paths from the home folder, and no scenario as no estimates', () => {
    assert.deepEqual(settings({ acceleratorProfiles: '~/chips.json', scenarios: [], run: false }), { ok: true, settings: { options: DEFAULT_OPTIONS, run: false, estimate: false } });
    const home = settings({ acceleratorProfiles: '~/chips.json' });
    assert.deepEqual(home.ok && home.settings.estimate, { scenarios: DEFAULT_SCENARIOS, targets: DEFAULT_TARGETS, accelerators: path.join('/home/me', 'chips.json') });
    // Weights only: the symbolic dims still size static shape inference.
    const noRun = settings({ run: false, symbolicDims: { seq: 128 } });
    assert.deepEqual(noRun.ok && noRun.settings.estimate, { scenarios: DEFAULT_SCENARIOS, targets: DEFAULT_TARGETS, dims: { seq: 128 } });
  });

  const bad: [SettingKey, unknown, RegExp][] = [
    ['intRange', '5:1', /onnxSparsity\.intRange must be LO:HI with integers LO <= HI.*"5:1"/], ['intRange', 'abc', /onnxSparsity\.intRange.*"abc"/],
    ['threads', -1, /onnxSparsity\.threads must be an integer >= 0/], ['threads', '4', /onnxSparsity\.threads.*"4"/],
    ['samples', 0, /onnxSparsity\.samples must be an integer >= 1/], ['memoryBudgetMB', 0, /onnxSparsity\.memoryBudgetMB must be a number of MB >= 1/],
    ['nearZeroThreshold', -1, /onnxSparsity\.nearZeroThreshold must be a number >= 0/], ['nmPatterns', ['2:4', '5:4', 'x'], /onnxSparsity\.nmPatterns.*\["5:4","x"\]/],
    ['blockShapes', ['4x0'], /onnxSparsity\.blockShapes.*\["4x0"\]/], ['blockShapes', '4x4', /onnxSparsity\.blockShapes must be a list/],
    ['symbolicDims', { batch: 0 }, /onnxSparsity\.symbolicDims.*"batch"/], ['symbolicDims', [1], /onnxSparsity\.symbolicDims must be an object/],
    ['executionProvider', 'cuda; rm', /onnxSparsity\.executionProvider must be a provider name/], ['activations', 'some', /onnxSparsity\.activations must be "all" or "layers"/],
    ['run', 'yes', /onnxSparsity\.run must be true or false/], ['scenarios', [''], /onnxSparsity\.scenarios/],
    ['acceleratorProfiles', 3, /onnxSparsity\.acceleratorProfiles must be a path/],
    ['targets', ['h100 tensorrt'], /onnxSparsity\.targets must be a list of target ids.*\["h100 tensorrt"\]/], ['targets', 'h100+tensorrt', /onnxSparsity\.targets must be a list/],
  ];
  for (const [key, value, message] of bad)
    it(`refuses ${key} = ${JSON.stringify(value)} with a message naming the setting`, () => {
      const r = settings({ [key]: value });
      assert.ok(!r.ok);
      assert.equal(r.problems.length, 1, r.problems.join('\n'));
      assert.match(r.problems[0], message);
    });

  it('lists every problem at once, and a relative threshold above 1 is one', () => {
    const r = settings({ threads: 1.5, intRange: '1-2', nearZeroRelative: true, nearZeroThreshold: 2 });
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 3, r.problems.join('\n'));
  });

  it('ignores run settings when the model is not run, and needs a folder for a relative profile path', () => {
    assert.ok(settings({ run: false, intRange: 'nonsense' }).ok);
    const r = toAnalysisSettings({ acceleratorProfiles: 'chips.json' }, { home: '/home/me' });
    assert.ok(!r.ok && /no workspace folder/.test(r.problems[0]));
  });
});

describe('exports and the webview page', () => {
  let shown: Shown;
  before(async () => {
    const file = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    const report: Report = await analyzeModel({ file, run: false });
    report.layers[0].name = EVIL;
    report.model.name = `<b>${report.model.name}`;
    shown = { type: 'report', report };
  });

  it('writes a standalone HTML whose data cannot end its script element', () => {
    const html = standaloneHtml({ shown, script: 'window.app = "</script><!--";', style: 'a::after { content: "</style>" }', title: EVIL, nonce: 'N0nce' });
    assert.equal(html.match(/<script/gi)?.length, 3, 'the data, the host stand-in and the app');
    assert.equal(html.match(/<\/script/gi)?.length, 3);
    assert.equal(html.match(/<\/style/gi)?.length, 1);
    assert.doesNotMatch(html, /<!--/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;nonce-N0nce&#39;; style-src &#39;nonce-N0nce&#39;; img-src data:">/);
    assert.match(html, /<title>&#60;\/script&#62;/);
    const data = /<script type="application\/json" id="onnx-sparsity-report">([^]*?)<\/script>/.exec(html)?.[1];
    assert.deepEqual(JSON.parse(data ?? ''), JSON.parse(JSON.stringify(shown)));
    for (const tag of html.match(/<script[^>]*>/g) ?? []) assert.ok(tag.includes('type="application/json"') || tag.includes('nonce="N0nce"'), tag);
  });

  it('answers the app\'s ready with the report from the page, as the VS Code host would', () => {
    const html = standaloneHtml({ shown, script: '', style: undefined, title: 't', nonce: 'n' });
    const data = /id="onnx-sparsity-report">([^]*?)<\/script>/.exec(html)?.[1] ?? '';
    const standIn = /<script nonce="n">([^]*?)<\/script>/.exec(html)?.[1] ?? '';
    const posted: unknown[] = [];
    // The report arrives as a dispatched message event (no structured clone); replies are posted.
    const window: Record<string, unknown> = { postMessage: (m: unknown) => posted.push(m), dispatchEvent: (e: MessageEvent) => posted.push(e.data) };
    new Function('window', 'document', standIn)(window, { getElementById: () => ({ textContent: data }) });
    const api = (window.acquireVsCodeApi as () => { postMessage(m: unknown): void })();
    api.postMessage({ type: 'ready' });
    api.postMessage({ type: 'reanalyze', id: 7 });
    assert.equal((posted[0] as Shown).type, 'report');
    assert.equal((posted[0] as { report: Report }).report.layers[0].name, EVIL);
    assert.deepEqual({ ...(posted[1] as object), message: undefined }, { type: 'reply', id: 7, ok: false, message: undefined });
  });

  it('escapes inlined JavaScript without changing what it means, even in /u regexes', () => {
    const js = 'return ["</script>", "</SCRIPT", /<!--/u.test("<!--"), `<!--`];';
    assert.deepEqual(new Function(inlineScript(js))(), new Function(js)());
    assert.doesNotMatch(inlineScript(js), /<\/script|<!--/i);
    assert.equal(JSON.parse(jsonForHtml({ s: '</script><!--\u2028' })).s, '</script><!--\u2028');
  });

  it('builds the webview page with a strict CSP and the app loaded by nonce only', () => {
    const html = webviewHtml({ cspSource: 'vscode-resource:', nonce: 'abc', scriptUri: 'vscode-resource:/d/report.js', styleUri: 'vscode-resource:/d/report.css', title: '<x>' });
    assert.match(html, /content="default-src &#39;none&#39;; script-src &#39;nonce-abc&#39;; style-src vscode-resource:; img-src vscode-resource: data:"/);
    assert.match(html, /<script nonce="abc" src="vscode-resource:\/d\/report.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="vscode-resource:\/d\/report.css">/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<title>&#60;x&#62;<\/title>/);
  });

  it('renders JSON, Markdown and CSV as the CLI does, and says why a comparison has no Markdown', () => {
    const json = renderExport(shown, 'json', undefined, 'n');
    assert.ok(json.ok && (JSON.parse(json.text) as Report).layers[0].name === EVIL);
    const md = renderExport(shown, 'md', undefined, 'n');
    assert.ok(md.ok && md.text.startsWith('# Sparsity report'));
    const csv = renderExport(shown, 'csv', undefined, 'n');
    assert.ok(csv.ok && csv.text.startsWith('layer,op,'));
    assert.ok(!renderExport(shown, 'html', undefined, 'n').ok);
    const report = (shown as Extract<Shown, { type: 'report' }>).report;
    const r = renderExport({ type: 'compare', a: report, b: report, diff: diffReports(report, report) }, 'md', undefined, 'n');
    assert.ok(!r.ok && /JSON or HTML/.test(r.message));
    assert.equal(defaultExportName({ type: 'report', report: { ...report, model: { ...report.model, name: 'net.ONNX' } } }, 'csv'), 'net.sparsity.csv');
  });
});

describe('small client pieces', () => {
  it('makes 128-bit base64url nonces that differ', () => {
    const all = Array.from({ length: 200 }, makeNonce);
    for (const n of all) assert.match(n, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(new Set(all).size, all.length);
  });

  it('accepts only well-formed webview messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'export', id: 3, format: 'csv', extra: 1 }), { type: 'export', id: 3, format: 'csv' });
    assert.deepEqual(parseWebviewMessage({ type: 'applyPlan', id: 4, target: 'h100+tensorrt', keep: 0.9, path: '/etc/passwd' }), { type: 'applyPlan', id: 4, target: 'h100+tensorrt', keep: 0.9 });
    for (const m of [null, 'ready', { type: 'export', id: 3, format: 'exe' }, { type: 'reanalyze' }, { type: 'reanalyze', id: 1.5 }, { type: 'open', id: 1 },
      { type: 'applyPlan', id: 5, target: 'h100+tensorrt', keep: 0 }, { type: 'applyPlan', id: 5, target: 'h100+tensorrt', keep: 1.5 }, { type: 'applyPlan', id: 5, target: '', keep: 0.9 },
      { type: 'applyPlan', id: 5, target: 7, keep: 0.9 }, { type: 'applyPlan', id: 5, target: 'x'.repeat(201), keep: 0.9 }])
      assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m));
  });

  it('names a pruned copy beside the model, never over an existing file or its data file', () => {
    const taken = new Set(['/m/net.pruned.onnx', '/m/net.pruned-2.onnx.data']);
    assert.equal(copyPath('/m/net.onnx', () => false), '/m/net.pruned.onnx');
    assert.equal(copyPath('/m/net.onnx', (p) => taken.has(p)), '/m/net.pruned-3.onnx');
    assert.equal(copyPath('/m/NET.ONNX', () => false), '/m/NET.pruned.onnx');
  });

  it('describes failed requests by their error code', () => {
    const err = (code: number, message: string) => Object.assign(new Error(message), { code });
    const cases: [unknown, string, RegExp][] = [
      [err(-32800, 'cancelled'), 'cancelled', /Analysis of m\.onnx was cancelled\.$/],
      [err(ErrorCode.analysis, '/m.onnx: tensor w: bad length'), 'analysis', /failed: \/m\.onnx: tensor w/],
      [err(ErrorCode.usage, "execution provider 'x' is not one"), 'settings', /Check the ONNX Sparsity settings/],
      [err(-32097, 'Pending response rejected'), 'server', /analysis server stopped/],
      [new SettingsError('onnxSparsity.threads must be'), 'settings', /did not start: onnxSparsity\.threads/],
      [Object.assign(new Error('Canceled'), { name: 'Canceled' }), 'cancelled', /cancelled/],
    ];
    for (const [e, kind, message] of cases) {
      const f = describeFailure(e, 'Analysis of m.onnx');
      assert.match(`${f.kind}: ${f.message}`, new RegExp(`^${kind}: .*${message.source}`));
    }
  });

  it('coalesces calls during a run into one more run, and drops a failure a newer run supersedes', async () => {
    const gates: (() => void)[] = [];
    const run = coalesce(() => new Promise<void>((resolve, reject) => gates.push(gates.length === 0 ? () => reject(new Error('stale')) : resolve)));
    const callers = [run(), run(), run()];
    gates[0]();
    await new Promise((r) => setImmediate(r));
    assert.equal(gates.length, 2);
    gates[1]();
    await Promise.all(callers);
    assert.equal(gates.length, 2);
    await assert.rejects(coalesce(() => Promise.reject(new Error('alone')))(), /alone/);
  });
});
