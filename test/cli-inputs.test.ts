import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Report } from '../common/protocol';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { reluOnly, runCli, tempDir } from './helpers';
import { pngFile } from './sample-files';

/** An image model with open height and width: the CLI's preprocessing flags decide its input. */
async function imageModel(dir: string): Promise<string> {
  const b = new ModelBuilder();
  b.main.input('image', 'float32', ['batch', 3, 'height', 'width']).output('y', 'float32', ['batch', 3, 'height', 'width'])
    .node('Relu', ['image'], ['y'], {}, 'relu');
  return writeModel(b, dir, 'image.onnx');
}

describe('sample inputs on the command line', () => {
  it('decodes a folder of images with --preprocess, --size and the overrides, and states them', async () => {
    const dir = tempDir();
    const model = await imageModel(dir);
    const images = path.join(dir, 'images');
    mkdirSync(images);
    for (let k = 0; k < 2; k++) writeFileSync(path.join(images, `${k}.png`), pngFile(4, 4, 3, Array.from({ length: 48 }, (_, i) => (i * 11 + k) % 256)));
    const r = runCli(['analyze', model, '--inputs', images, '--preprocess', '-1-1', '--size', '6x5', '--channels', 'bgr', '--format', 'json', '--no-estimate']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(report.run?.inputs[0].shape, [1, 3, 6, 5]);
    const pre = report.run!.sampleSource!.preprocessing.join('\n');
    assert.match(pre, /size 6 x 5 \(as given\)/);
    assert.match(pre, /channels BGR/);
    assert.match(pre, /x \* 0\.00784314, then \(x - mean\) \/ std with mean \[1, 1, 1\], std \[1, 1, 1\] \(preset -1-1/);
    // -1-1 maps 0-255 into [-1, 1]: the ReLU zeroes what was below 127.5.
    const image = report.values!.find((v) => v.name === 'image')!;
    assert.ok(image.min! >= -1 && image.max! <= 1);
    assert.doesNotMatch(r.stderr, /generated inputs/);
    const two = runCli(['analyze', model, '--inputs', images, '--samples', '1', '--mean', '0.5', '--std', '0.25', '--format', 'json', '--no-estimate']);
    const one = JSON.parse(two.stdout) as Report;
    assert.equal(one.run?.samples, 1);
    assert.match(one.run!.sampleSource!.preprocessing.join('\n'), /mean \[0\.5, 0\.5, 0\.5\], std \[0\.25, 0\.25, 0\.25\] \(preset imagenet, changed\)/);
    assert.match(one.run!.sampleSource!.preprocessing.join('\n'), /size 4 x 4 \(the first image's size/);
  });

  it('hints at --inputs when the activation figures rest on generated inputs', async () => {
    const model = await writeModel(reluOnly([1, 8]), tempDir(), 'relu.onnx');
    const r = runCli(['analyze', model, '--format', 'md', '--no-estimate']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /activation figures rest on generated inputs \(generated: 1 seeded sample of N\(0, 1\) floats\); give real samples with --inputs DIR/);
    assert.match(r.stdout, /> \*\*Generated inputs:\*\* random data/);
    const text = runCli(['analyze', model, '--format', 'text', '--no-estimate']);
    assert.match(text.stdout, /^Samples +generated: 1 seeded sample of N\(0, 1\) floats: GENERATED INPUTS/m);
    assert.ok(text.stdout.split('\n').every((l) => l.length <= 100), 'within the terminal report\u2019s 100 columns');
  });

  const usage: [string, string[], RegExp][] = [
    ['an unknown preset', ['--preprocess', 'vgg'], /--preprocess must be one of imagenet, 0-1, -1-1, raw, caffe, not 'vgg'/],
    ['a size without x', ['--size', '224'], /--size must be HxW, e\.g\. 224x224, not '224'/],
    ['a mean that is not numbers', ['--mean', 'a,b'], /--mean must be 1 to 4 numbers separated by commas/],
    ['a std of 0', ['--std', '0.2,0,0.2'], /--std must not hold 0/],
    ['a layout we do not know', ['--layout', 'chwn'], /--layout must be nchw or nhwc, not 'chwn'/],
    ['a resize mode we do not know', ['--resize', 'fit'], /--resize must be stretch or crop or pad, not 'fit'/],
    ['a sample rate of 0', ['--sample-rate', '0'], /--sample-rate must be an integer >= 1/],
  ];
  for (const [what, flags, message] of usage)
    it(`refuses ${what} as a usage error`, () => {
      const r = runCli(['analyze', 'model.onnx', ...flags]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    });

  it('says which file is not a sample input', async () => {
    const dir = tempDir();
    const model = await imageModel(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const r = runCli(['analyze', model, '--inputs', path.join(dir, 'notes.txt'), '--format', 'json', '--no-estimate']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /notes\.txt: unsupported input file type \(expected \.pb, \.npy, \.npz, \.png, \.jpg, \.jpeg, \.wav or \.json\)/);
  });
});
