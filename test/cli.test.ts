import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { buildDemoModel } from '../server/demo/demo-model';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import type { Report } from '../common/protocol';
import { CLI, layer, reluOnly, runCli, runCliWith, tempDir } from './helpers';

/** The CLI's contract: formats, --out, usage errors and the demo's known-by-construction figures. */

const DEMO_LAYERS = ['conv1', 'conv2', 'conv3_depthwise', 'fc1', 'fc2'];

/** A one-MatMul model whose layer and producer names are hostile text for CSV and Markdown. */
function hostileModel(): ModelBuilder {
  const b = new ModelBuilder({ producer: '<script>alert("p")</script>', graphName: 'g' });
  b.main.input('x', 'float32', [1, 4]).output('y', 'float32', [1, 2])
    .initializer('w', { dtype: 'float32', dims: [4, 2], values: [1, 0, 2, 0, 3, 0, 4, 0] })
    .node('MatMul', ['x', 'w'], ['h'], {}, '=cmd')
    .node('MatMul', ['h', 'w2'], ['y'], {}, '<script>alert(1)</script>')
    .initializer('w2', { dtype: 'float32', dims: [2, 2], values: [1, 2, 3, 4] });
  return b;
}

function json(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

function hasKeys(obj: object, keys: string[], what: string): void {
  for (const k of keys) assert.ok(k in obj, `${what} lacks stable field '${k}'`);
}

let dir = '';
let demo = '';
let hostile = '';

before(async () => {
  dir = tempDir();
  demo = await writeModel(buildDemoModel(), dir, 'demo.onnx');
  hostile = await writeModel(hostileModel(), dir, 'x<script>alert(1)<script>.onnx');
});

describe('analyze --format json', () => {
  let r: ReturnType<typeof runCli>;
  let report: Report;
  before(() => {
    r = runCli(['analyze', demo, '--format', 'json']);
    report = json(r.stdout);
  });

  it('exits 0 and prints a Report with schemaVersion 1', () => {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(report.schemaVersion, 1);
  });

  it('has every stable field of the report, its weights and its layers', () => {
    hasKeys(report, ['schemaVersion', 'model', 'weights', 'layers', 'totals', 'warnings'], 'report');
    hasKeys(report.model, ['path', 'sha256', 'irVersion', 'opsets', 'producer', 'fileBytes'], 'model');
    hasKeys(report.totals, ['params', 'zeros', 'nearZeros', 'bytes', 'byOpType', 'byDtype'], 'totals');
    assert.ok(Array.isArray(report.warnings));
    assert.ok(report.weights.length > 0);
    for (const w of report.weights)
      hasKeys(w, ['name', 'dtype', 'dims', 'elements', 'bytes', 'zeros', 'nearZeros', 'location'], `weight ${w.name}`);
    for (const l of report.layers)
      hasKeys(l, ['name', 'opType', 'weight', 'gemm', 'nm', 'blocks', 'zeroRows', 'zeroInputChannels', 'zeroCols'], `layer ${l.name}`);
  });

  it('describes the model as the builder wrote it', () => {
    assert.equal(report.model.path, demo);
    assert.equal(report.model.fileBytes, statSync(demo).size);
    assert.equal(report.model.irVersion, 8);
    assert.deepEqual(report.model.opsets, { 'ai.onnx': 17 });
    assert.deepEqual(report.model.producer, { name: 'onnx-sparsity demo', version: '1' });
    assert.deepEqual(report.layers.map((l) => l.name), DEMO_LAYERS);
    assert.deepEqual(report.weights.map((w) => w.name).sort(),
      ['conv1.bias', 'conv1.weight', 'conv2.weight', 'conv3.weight', 'fc1.bias', 'fc1.weight', 'fc2.weight', 'flat_shape']);
    assert.equal(report.totals.params, 16 * 27 + 16 + 32 * 144 + 32 * 9 + 64 * 32 + 64 + 64 * 10 + 2);
  });

  it("gives model.sha256 equal to node:crypto's SHA-256 of the file", () => {
    assert.equal(report.model.sha256, createHash('sha256').update(readFileSync(demo)).digest('hex'));
  });
});

describe('other output formats', () => {
  it('--format md prints the per-layer table with a row per layer', () => {
    const r = runCli(['analyze', demo, '--format', 'md']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^## Layers$/m);
    assert.match(r.stdout, /^\| Layer \| Op \|/m);
    // Markdown escapes '_' in names: conv3_depthwise is written conv3\_depthwise.
    for (const name of DEMO_LAYERS) {
      const cell = name.replace(/_/g, '\\_');
      assert.ok(r.stdout.split('\n').some((l) => /^\| .+ \| (Conv|Gemm|MatMul) \|/.test(l) && l.startsWith(`| ${cell} |`)), `no row for ${cell}`);
    }
  });

  it('--format csv prints one header line plus one line per layer', () => {
    const r = runCli(['analyze', demo, '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1 + DEMO_LAYERS.length);
    assert.ok(lines[0].startsWith('layer,op,'), lines[0]);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), DEMO_LAYERS);
  });

  it("--format csv writes a layer named '=cmd' as the neutralised field '=cmd", () => {
    const r = runCli(['analyze', hostile, '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(lines.some((l) => l.startsWith("'=cmd,MatMul,")), r.stdout);
    assert.ok(!lines.some((l) => l.startsWith('=')), r.stdout);
  });

  it('--format md escapes <script> in the model name, producer and layer names', () => {
    const r = runCli(['analyze', hostile, '--format', 'md']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /<script/i);
    assert.ok(r.stdout.includes('# Sparsity report: x&lt;script&gt;alert(1)&lt;script&gt;.onnx\n'), 'model name escaped');
    assert.ok(r.stdout.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'layer name escaped');
  });
});

describe('--out FILE', () => {
  it('writes the report to the file, prints nothing on stdout and leaves no temp file', () => {
    const cwd = tempDir();
    const r = runCli(['analyze', demo, '--format', 'json', '--out', 'report.json'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(readdirSync(cwd), ['report.json']);
    const report = JSON.parse(readFileSync(path.join(cwd, 'report.json'), 'utf8')) as Report;
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.model.path, demo);
  });

  it('replaces an existing report file', () => {
    const cwd = tempDir();
    runCli(['analyze', demo, '--format', 'csv', '--out', 'r.csv'], cwd);
    const r = runCli(['analyze', demo, '--format', 'md', '--out', 'r.csv'], cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(path.join(cwd, 'r.csv'), 'utf8'), /^# Sparsity report: demo\.onnx$/m);
    assert.deepEqual(readdirSync(cwd), ['r.csv']);
  });
});

describe('usage errors exit with code 2 and print the usage', () => {
  const model = (): string => demo;
  const usageCases: [string, () => string[], string][] = [
    ['no command', () => [], 'no command'],
    ['an unknown command', () => ['frobnicate', model()], "unknown command 'frobnicate'"],
    ['an unknown option', () => ['analyze', model(), '--frob'], '--frob'],
    ['--format xml', () => ['analyze', model(), '--format', 'xml'], "'xml'"],
    ['--format without a value', () => ['analyze', model(), '--format'], '--format'],
    ['--nm 5:4', () => ['analyze', model(), '--nm', '5:4'], "'5:4'"],
    ['--nm abc', () => ['analyze', model(), '--nm', 'abc'], "'abc'"],
    ['--nm 2:4,0:0', () => ['analyze', model(), '--nm', '2:4,0:0'], "'0:0'"],
    ['--blocks 0x4', () => ['analyze', model(), '--blocks', '0x4'], "'0x4'"],
    ['--blocks 4by4', () => ['analyze', model(), '--blocks', '4by4'], "'4by4'"],
    ['--threshold abc', () => ['analyze', model(), '--threshold', 'abc'], "'abc'"],
    ['--threshold=-1', () => ['analyze', model(), '--threshold=-1'], "'-1'"],
    ['--threshold Infinity', () => ['analyze', model(), '--threshold', 'Infinity'], "'Infinity'"],
    ['analyze without a path', () => ['analyze'], 'MODEL'],
    ['analyze with two paths', () => ['analyze', model(), model()], 'MODEL'],
    ['--out equal to the model path', () => ['analyze', model(), '--out', model()], '--out'],
    ['--out naming the model by a relative path', () => ['analyze', 'demo.onnx', '--out', './demo.onnx'], '--out'],
    ['demo with an argument', () => ['demo', 'extra'], 'demo'],
  ];
  for (const [what, args, fragment] of usageCases) {
    it(`${what} exits 2 with a message mentioning ${fragment} and the usage`, () => {
      const before = readFileSync(demo);
      const r = runCli(args(), dir);
      assert.equal(r.code, 2, `${r.stderr}\n${r.stdout}`);
      assert.equal(r.stdout, '');
      const first = r.stderr.split('\n')[0];
      assert.ok(first.startsWith('onnx-sparsity: '), first);
      assert.ok(first.includes(fragment), `${first} should mention ${fragment}`);
      assert.match(r.stderr, /^Usage:$/m);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
      assert.deepEqual(readFileSync(demo), before);
    });
  }
});

describe('demo', () => {
  let r: ReturnType<typeof runCli>;
  let report: Report;
  before(() => {
    r = runCliWith(['demo', '--format', 'json'], { env: { TMPDIR: tempDir() } });
    report = json(r.stdout);
  });

  it('exits 0', () => assert.equal(r.code, 0, r.stderr));

  it('shows conv2 as 2:4-ready and conv1 (dense) as not', () => {
    assert.equal(layer(report, 'conv2').nm['2:4'].ready, true);
    assert.equal(layer(report, 'conv2').nm['2:4'].groupShare, 1);
    assert.equal(layer(report, 'conv1').nm['2:4'].ready, false);
  });

  it('finds the 4 removed channels of conv3_depthwise as 4 zero rows', () => {
    assert.equal(layer(report, 'conv3_depthwise').zeroRows, 4);
    assert.equal(layer(report, 'conv3_depthwise').zeros, 4 * 9);
  });

  it('measures fc1 at 90% sparsity: the floor(0.9 x 2048) = 1843 smallest weights removed', () => {
    const fc1 = layer(report, 'fc1');
    assert.equal(fc1.params, 2048);
    assert.equal(fc1.zeros, 1843);
    assert.ok(Math.abs(fc1.sparsity - 0.9) < 1 / 2048, String(fc1.sparsity));
  });

  it('finds half of the 4x4 blocks of fc2 all-zero', () => {
    // GEMM view [N=10][K=64]: 3 x 16 blocks (edge blocks count); block (i, j) is zeroed when i + j is odd.
    assert.equal(layer(report, 'fc2').blocks['4x4'], 24 / 48);
  });

  it('runs on its own sample images, where fc1\u2019s inputs 0, 8, 16, 24 are dead (conv3\u2019s removed channels)', () => {
    assert.equal(report.run?.sampleSource?.kind, 'files');
    assert.equal(report.run?.sampleSource?.text, '4 images (PNG)');
    assert.equal(report.run?.samples, 4);
    assert.match(r.stderr, /demo sample images in .*samples/);
    // conv3 has no bias and its rows 0, 8, 16, 24 are zero: those channels are zero through ReLU and pooling, whatever the image.
    assert.deepEqual(layer(report, 'fc1').activation?.inputChannels?.dead, [0, 8, 16, 24]);
    assert.deepEqual(layer(report, 'conv3_depthwise').activation?.outputChannels?.dead, [0, 8, 16, 24]);
    assert.equal(layer(report, 'conv2').activation?.inputSpread?.samples, 4);
  });
});

describe('input sizes on the command line', () => {
  it('names every missing size and the flags that give it, exits 3 with the weight report, and refuses sizes for dims the model lacks', async () => {
    const file = await writeModel(reluOnly(['batch', 'seq']), tempDir(), 'seq.onnx');
    const r = runCli(['analyze', file, '--format', 'json']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /input 'x' dim 1 'seq' has no size/);
    assert.match(r.stderr, /give the sizes, e\.g\. --dim seq=128/);
    assert.equal(JSON.parse(r.stdout).run.ok, false);
    assert.equal(runCli(['analyze', file, '--dim', 'seq=4', '--format', 'json']).code, 0);
    const typo = runCli(['analyze', file, '--dim', 'sequence=4']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /the model has no dim 'sequence'; its inputs are x \[batch, seq\]/);
    const unnamed = await writeModel(reluOnly([1, null as unknown as string]), tempDir(), 'unnamed.onnx');
    const u = runCli(['analyze', unnamed, '--format', 'json']);
    assert.equal(u.code, 3);
    assert.match(u.stderr, /--input-shape x=1,1/);
    assert.equal(runCli(['analyze', unnamed, '--input-shape', 'x=1,8', '--format', 'json']).code, 0);
  });
});

describe('--format text', () => {
  it('is a summary within 100 columns with the key figures, hostile names cut and stripped of control characters', async () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [1, 8]).output('y', 'float32', [1, 4])
      .initializer('w', { dtype: 'float32', dims: [8, 4], values: Array.from({ length: 32 }, (_, i) => (i % 2 ? 0 : 1)) })
      .node('MatMul', ['x', 'w'], ['y'], {}, `evil\u001b[2J${'n'.repeat(300)}`);
    const file = await writeModel(b, tempDir(), 'm.onnx');
    const r = runCli(['analyze', file, '--format', 'text']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) assert.ok(l.length <= 100, `${l.length} columns: ${l}`);
    assert.ok(!r.stdout.includes('\u001b'), 'no escape sequence from the model reaches the terminal');
    assert.match(r.stdout, /^Weight sparsity\s+50\.00% exact zeros/m);
    assert.match(r.stdout, /^Estimated speedup over the same chip dense:/m);
    assert.match(r.stdout, /^evil \[2Jn+~\s+MatMul\s+4 x 8\s+50\.0%/m);
  });
});

describe('a reader that stops early', () => {
  it('ends the CLI quietly with exit 0, as `analyze model.onnx | head` expects', async () => {
    const { spawn } = await import('node:child_process');
    const file = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    const child = spawn(process.execPath, [CLI, 'analyze', file, '--format', 'json', '--no-run'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    // Read one chunk, then close our end: the CLI's next write meets EPIPE.
    await new Promise<void>((resolve) => child.stdout.once('data', () => {
      child.stdout.destroy();
      resolve();
    }));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled|Error/);
  });
});
