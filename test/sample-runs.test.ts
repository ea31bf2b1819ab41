import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { LayerReport } from '../common/protocol';
import { toMarkdown } from '../common/report/markdown';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { channelZeros, mergeNm, nmGroups } from '../server/analysis/run/channel-stats';
import { prepareSamples } from '../server/analysis/run/samples';
import { ort } from '../server/analysis/run/session';
import { buildDemoModel } from '../server/demo/demo-model';
import { writeDemoSamples } from '../server/demo/demo-samples';
import { loadModel } from '../server/onnx/load';
import { checkRun } from '../server/pipeline/settings';
import { C, deadModel, expected, runSamples } from './dead-channels';
import { layer, npyFile, tempDir } from './helpers';
import { pngFile } from './sample-files';

function checkConv(l: LayerReport, what: string): void {
  const e = expected();
  const a = l.activation!;
  const s = a.inputSpread!;
  assert.equal(s.samples, 3, what);
  assert.deepEqual(s.series, e.density, `${what}: per-sample densities`);
  assert.equal(s.min, Math.min(...e.density), what);
  assert.equal(s.max, Math.max(...e.density), what);
  assert.ok(Math.abs(s.mean - e.density.reduce((x, y) => x + y) / 3) < 1e-12, what);
  assert.ok(Math.abs(a.inputDensity! - s.mean) < 1e-12, `${what}: pooled density = mean of per-sample ones`);
  const ch = a.inputChannels!;
  assert.equal(ch.axis, 1);
  assert.equal(ch.count, C);
  assert.deepEqual(ch.dead, e.dead, `${what}: dead channels`);
  assert.deepEqual(ch.deadShare, e.deadShare, what);
  assert.equal(ch.sometimesDead, e.deadShare.filter((d) => d > 0).length, what);
  ch.density.forEach((d, c) => assert.ok(Math.abs(d - e.channelDensity[c]) < 1e-12, `${what}: channel ${c} density ${d} vs ${e.channelDensity[c]}`));
  assert.deepEqual(a.nm?.['2:4'], e.nm['2:4'], `${what}: 2:4 groups`);
  assert.deepEqual(a.nm?.['1:4'], e.nm['1:4'], `${what}: 1:4 groups`);
  assert.equal(a.nm?.['4:8'], undefined, `${what}: 4 channels hold no group of 8`);
}

describe('activation statistics over real samples', () => {
  it('reports exactly the channels the ReLU kills, per-sample densities and N:M groups (probes, samples stacked)', async () => {
    const r = await runSamples(deadModel('batch'));
    assert.equal(r.run?.ok, true, r.run?.error);
    assert.equal(r.run?.strategy, 'probes');
    assert.equal(r.run?.batch, 3, 'three samples in one run');
    assert.equal(r.run?.sampleSource?.kind, 'files');
    assert.match(r.run!.sampleSource!.text, /^3 tensor samples \(npy\)$/);
    checkConv(layer(r, 'conv'), 'stacked');
    const v = r.values!.find((x) => x.name === 'r')!;
    assert.deepEqual(v.shape, [1, C, 2, 2], 'the shape of one sample');
    assert.deepEqual(v.spread?.series, expected().density);
  });

  it('gives the same figures one sample per run (fixed batch) and copying every value out', async () => {
    const one = await runSamples(deadModel(1));
    assert.equal(one.run?.batch, 1);
    checkConv(layer(one, 'conv'), 'one per run');
    const z = npyFile('<f4', [1, 1], new Uint8Array(new Float32Array([0.5]).buffer));
    const copied = await runSamples(deadModel(1, 1500), { 'z.npy': z });
    assert.equal(copied.run?.ok, true, copied.run?.error);
    assert.equal(copied.run?.strategy, 'copy-out');
    checkConv(layer(copied, 'conv'), 'copied out');
  });

  it('counts N:M groups and channel zeros in the graph as a JS pass over the copied-out tensor does (2:4, 1:4, and 4:8 from pairs of 4)', async () => {
    const dir = tempDir();
    const file = await writeModel(buildDemoModel(), dir, 'demo.onnx');
    const images = await writeDemoSamples(path.join(dir, 'samples'));
    const run = { inputs: [images], preprocess: { preset: '0-1' } };
    const r = await analyzeModel({ file, run });
    const conv2 = layer(r, 'conv2').activation!;
    // The same samples through a plain session with conv2's input (r1) exposed.
    const exposed = buildDemoModel();
    exposed.main.output('r1', 'float32', [1, 16, 32, 32]);
    const session = await ort().InferenceSession.create(exposed.toBytes());
    const model = await loadModel(file);
    const samples = await prepareSamples(model, checkRun(run));
    const nm: Record<string, { complying: number; groups: number }> = {};
    const zeros = new Float64Array(16);
    for (let i = 0; i < samples.count; i++) {
      const t = (await session.run(await samples.feeds(i))).r1;
      const data = t.data as Float32Array;
      mergeNm(nm, nmGroups(data, t.dims, 1, ['2:4', '1:4', '4:8']));
      channelZeros(data, t.dims, 1).forEach((z, c) => (zeros[c] += z));
    }
    for (const p of ['2:4', '1:4', '4:8']) assert.equal(conv2.nm?.[p], nm[p].complying / nm[p].groups, p);
    conv2.inputChannels!.density.forEach((d, c) => assert.ok(Math.abs(d - (1 - zeros[c] / (samples.count * 32 * 32))) < 1e-12, `channel ${c}`));
  });

  it('runs the first N samples of a folder with --samples (maxSamples)', async () => {
    const r = await runSamples(deadModel('batch'), {}, { maxSamples: 2 });
    assert.equal(r.run?.samples, 2);
    assert.match(r.run!.sampleSource!.text, /ran the first 2 of 3/);
    assert.deepEqual(layer(r, 'conv').activation?.inputSpread?.series, expected().density.slice(0, 2));
  });

  it('names the dead channels as an activation-informed pruning candidate in the Markdown report', async () => {
    const r = await runSamples(deadModel('batch'));
    const md = toMarkdown(r);
    assert.match(md, /\*\*conv\*\* \(Conv\): input channels 1 \(1 of 4\) are zero in all 3 samples/);
    assert.match(md, /\| conv \| Conv \| 45\.8% \(31\.3%-56\.3%\) \| `[·━●]{20}` \|/);
    assert.doesNotMatch(md, /Generated inputs/);
  });

  it('says "generated inputs" wherever activation figures rest on them', async () => {
    const file = await writeModel(deadModel('batch'), tempDir(), 'model.onnx');
    const r = await analyzeModel({ file, run: { samples: 3 }, estimate: { targets: ['all'] } });
    assert.equal(r.run?.sampleSource?.kind, 'generated');
    const md = toMarkdown(r);
    assert.match(md, /> \*\*Generated inputs:\*\* random data/);
    assert.match(md, /Input density \(generated inputs\)/);
    assert.match(md, /\| Inputs \| generated: 3 seeded samples of N\(0, 1\) floats \*\*\(generated inputs/);
    const dual = r.estimates.filter((e) => e.accelerator.kind === 'dual');
    assert.ok(dual.length, 'a dual-sparse target is estimated');
    for (const e of dual) {
      assert.deepEqual(e.activationInputs, { kind: 'generated', samples: 3 });
      assert.ok(e.assumptions.some((a) => a.startsWith('generated inputs: activation densities measured on generated: 3 seeded samples')), e.assumptions.join('\n'));
    }
    assert.match(md, /x \([\d.]+-[\d.]+\) \(generated inputs\)/);
  });

  it('decodes a folder of images into an image model and measures on them', async () => {
    const dir = tempDir();
    const b = new ModelBuilder();
    const w = Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => ((i * 7) % 5) / 5 - 0.4);
    b.main.input('image', 'float32', ['batch', 3, 8, 8]).output('y', 'float32', ['batch', 4, 8, 8])
      .initializer('w', { dtype: 'float32', dims: [4, 3, 3, 3], values: w })
      .node('Conv', ['image', 'w'], ['c'], { pads: [1, 1, 1, 1] }, 'conv')
      .node('Relu', ['c'], ['y'], {}, 'relu');
    const file = await writeModel(b, dir, 'image.onnx');
    const images = path.join(dir, 'images');
    mkdirSync(images);
    for (let k = 0; k < 3; k++) writeFileSync(path.join(images, `${k}.png`), pngFile(16, 16, 3, Array.from({ length: 16 * 16 * 3 }, (_, i) => (i * (k + 3)) % 256)));
    const real = await analyzeModel({ file, run: { inputs: [images], preprocess: { preset: '0-1' } } });
    assert.equal(real.run?.ok, true, real.run?.error);
    assert.equal(real.run?.sampleSource?.text, '3 images (PNG)');
    assert.ok(real.run?.sampleSource?.preprocessing.some((s) => /stretched to 8 x 8/.test(s)));
    assert.deepEqual(real.run?.inputs[0].shape, [1, 3, 8, 8]);
    // 0-1 inputs are never negative and never all zero: the conv input is dense.
    assert.equal(layer(real, 'conv').activation?.inputDensity, 1);
    assert.equal(real.values?.find((v) => v.name === 'image')?.min !== undefined, true);
    const generated = await analyzeModel({ file, run: { samples: 3 } });
    assert.notEqual(generated.values?.find((v) => v.name === 'y')?.density, real.values?.find((v) => v.name === 'y')?.density);
  });
});
