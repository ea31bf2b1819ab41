import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Preprocess } from '../common/protocol';
import { AnalysisError } from '../server/errors';
import { audioTensor, decodeWav, planAudio, resample } from '../server/inputs/audio';
import { decodeImage } from '../server/inputs/image-decode';
import type { InputSpec } from '../server/inputs/input-specs';
import { imageTensor, planImage } from '../server/inputs/preprocess';
import { findSamples } from '../server/inputs/sample-files';
import { planSamples } from '../server/inputs/sample-plan';
import { parseTokenFile, planTokens, tokenTensors } from '../server/inputs/tokens';
import { tempDir } from './helpers';
import { jpegFile, pngFile, wavFile } from './sample-files';

const W = 4;
const H = 5;
/** Pixel (x, y) channel c of the test image: every value distinct, 0-255. */
const pixel = (x: number, y: number, c: number): number => (x * 60 + y * 20 + c * 7) % 256;
const rgb = Array.from({ length: W * H * 3 }, (_, i) => pixel(Math.floor(i / 3) % W, Math.floor(i / 3 / W), i % 3));

const spec = (dims: (number | string)[], dtype: InputSpec['dtype'] = 'float32', name = 'image'): InputSpec => ({ name, dtype, dims });
const none = (): undefined => undefined;

function tensorOf(file: Buffer, s: InputSpec, p: Preprocess): { dims: number[]; data: ArrayLike<number> } {
  const img = decodeImage(file, 'test.png', 1 << 20);
  const plan = planImage(s, p, none, img, 'model.onnx');
  return imageTensor(img, plan) as { dims: number[]; data: ArrayLike<number> };
}

describe('images to input tensors', () => {
  const png = pngFile(W, H, 3, rgb);

  it('gives the ImageNet values of a PNG\u2019s pixels, channels first (x / 255 - mean) / std', () => {
    const t = tensorOf(png, spec([1, 3, H, W]), { preset: 'imagenet' });
    assert.deepEqual(t.dims, [1, 3, H, W]);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const want = (pixel(x, y, c) / 255 - mean[c]) / std[c];
          assert.ok(Math.abs(t.data[(c * H + y) * W + x] - want) < 1e-6, `c${c} y${y} x${x}: ${t.data[(c * H + y) * W + x]} vs ${want}`);
        }
    // Pixel (0, 0) is [0, 7, 14]: red (0 - 0.485) / 0.229 by hand.
    assert.ok(Math.abs(t.data[0] + 2.1179039) < 1e-6);
  });

  it('lays the pixels out channels last for an NHWC input, 0-1', () => {
    const t = tensorOf(png, spec([1, H, W, 3]), { preset: '0-1' });
    assert.deepEqual(t.dims, [1, H, W, 3]);
    for (let i = 0; i < rgb.length; i++) assert.equal(t.data[i], Math.fround(rgb[i] / 255));
  });

  it('reverses the channels for BGR and maps to [-1, 1]', () => {
    const t = tensorOf(png, spec(['batch', 3, H, W]), { preset: '-1-1', channels: 'bgr' });
    for (let c = 0; c < 3; c++) assert.equal(t.data[c * H * W + 5], Math.fround(pixel(1, 1, 2 - c) / 127.5 - 1));
  });

  it('feeds a uint8 input the pixels as they are, and a gray input their luma', () => {
    const u8 = tensorOf(png, spec([1, 3, H, W], 'uint8'), {});
    assert.deepEqual(Array.from(u8.data).slice(0, W), [0, 60, 120, 180].map((_, x) => pixel(x, 0, 0)));
    const gray = tensorOf(png, spec([1, 1, H, W]), { preset: 'raw' });
    assert.ok(Math.abs(gray.data[W + 2] - (0.299 * pixel(2, 1, 0) + 0.587 * pixel(2, 1, 1) + 0.114 * pixel(2, 1, 2))) < 1e-4);
  });

  it('drops the alpha of an RGBA PNG', () => {
    const rgba = Array.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 17 : rgb[Math.floor(i / 4) * 3 + (i % 4)]));
    const t = tensorOf(pngFile(W, H, 4, rgba), spec([1, 3, H, W]), { preset: 'raw' });
    assert.equal(t.data[2 * H * W + W + 3], pixel(3, 1, 2));
  });

  it('decodes a JPEG of known colours to within its rounding', () => {
    // Two solid 8 x 8 blocks: the quality-100 DCT of a flat block is its DC term alone.
    const colours = [[200, 30, 60], [10, 120, 240]];
    const px = Array.from({ length: 16 * 8 * 3 }, (_, i) => colours[Math.floor(i / 3) % 16 < 8 ? 0 : 1][i % 3]);
    const t = tensorOf(jpegFile(16, 8, px), spec([1, 3, 8, 16]), { preset: '0-1' });
    for (let c = 0; c < 3; c++)
      for (let x = 0; x < 16; x++) assert.ok(Math.abs(t.data[(c * 8 + 4) * 16 + x] * 255 - colours[x < 8 ? 0 : 1][c]) <= 3, `c${c} x${x}`);
  });

  it('crops the centre or pads the borders when asked', () => {
    // 4 x 2: columns red, green, blue, white.
    const cols = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
    const px = Array.from({ length: 4 * 2 * 3 }, (_, i) => cols[Math.floor(i / 3) % 4][i % 3]);
    const file = pngFile(4, 2, 3, px);
    // Crop to 2 x 2: the scale is 1, the middle two columns (green, blue) stay exactly.
    const crop = tensorOf(file, spec([1, 3, 2, 2]), { preset: 'raw', resize: 'crop' });
    assert.deepEqual(Array.from(crop.data), [0, 0, 0, 0, 255, 0, 255, 0, 0, 255, 0, 255]);
    // Pad into 4 x 4: rows 0 and 3 are border (0), rows 1 and 2 the image.
    const pad = tensorOf(file, spec([1, 3, 4, 4]), { preset: 'raw', resize: 'pad' });
    const red = Array.from(pad.data).slice(0, 16);
    assert.deepEqual(red, [0, 0, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 0]);
  });

  it('takes the size from --size, else the input, else the first image', () => {
    const img = decodeImage(png, 'a.png', 1 << 20);
    assert.deepEqual([planImage(spec([1, 3, 'h', 'w']), {}, none, img, 'm').height, planImage(spec([1, 3, 'h', 'w']), {}, none, img, 'm').width], [H, W]);
    const sized = planImage(spec([1, 3, 'h', 'w']), { size: [8, 6] }, none, img, 'm');
    assert.deepEqual([sized.height, sized.width], [8, 6]);
    assert.throws(() => planImage(spec([1, 3, 5, 5]), { size: [8, 6] }, none, img, 'm'), /fixes its size at 5 x 5/);
  });

  it('refuses an image whose pixels would not fit the budget before decoding it', () => {
    const huge = pngFile(1, 1, 3, [1, 2, 3]);
    huge.writeUInt32BE(60000, 16);
    huge.writeUInt32BE(60000, 20);
    assert.throws(() => decodeImage(huge, 'huge.png', 1 << 20), (e: unknown) => e instanceof AnalysisError && /60000 x 60000 pixels would decode to 14400000000 bytes/.test(e.message));
    assert.throws(() => decodeImage(Buffer.from('not an image'), 'x.png', 1 << 20), /not a PNG or JPEG image/);
  });
});

describe('audio to input tensors', () => {
  const rate = 8000;
  const n = 800;
  const sine = (i: number, r: number): number => Math.sin((2 * Math.PI * 440 * i) / r);

  it('mixes a stereo 16-bit WAV to mono and resamples it: a known sine', () => {
    const left = Array.from({ length: n }, (_, i) => Math.round(12000 * sine(i, rate)));
    const interleaved = left.flatMap((v) => [v, v]);
    const a = decodeWav(wavFile(rate, 2, interleaved, 'pcm16'), 'sine.wav', 1 << 24);
    assert.equal(a.channels.length, 2);
    assert.equal(a.channels[0][3], left[3] / 32768);
    const plan = planAudio(spec([1, 'samples']), {}, undefined, 'm');
    assert.equal(plan.sampleRate, 16000);
    const t = audioTensor(a, plan);
    assert.deepEqual(t.dims, [1, 2 * n]);
    // Away from the ends (the filter's half-width), the 16 kHz samples are the sine at 16 kHz.
    let worst = 0;
    for (let i = 64; i < 2 * n - 64; i++) worst = Math.max(worst, Math.abs((t.data as Float32Array)[i] - (12000 / 32768) * sine(i, 16000)));
    assert.ok(worst < 2e-3, `largest error ${worst}`);
  });

  it('keeps a float WAV at the model\u2019s rate as it is, cut or zero-padded to a fixed length', () => {
    const x = Array.from({ length: 100 }, (_, i) => Math.fround(sine(i, 16000) / 2));
    const a = decodeWav(wavFile(16000, 1, x, 'float32'), 'f.wav', 1 << 24);
    assert.deepEqual(Array.from(resample(a.channels[0], 16000, 16000)), x);
    const cut = audioTensor(a, planAudio(spec([1, 60]), {}, undefined, 'm'));
    assert.deepEqual(Array.from(cut.data as Float32Array), x.slice(0, 60));
    const padded = audioTensor(a, planAudio(spec([1, 'n']), {}, 150, 'm'));
    assert.deepEqual(Array.from(padded.data as Float32Array), [...x, ...Array.from({ length: 50 }, () => 0)]);
  });

  it('says what is wrong with a file that is not a WAV', () => {
    assert.throws(() => decodeWav(Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEjunk'), 'bad.wav', 1 << 20), /bad\.wav.*not a readable WAV file/);
  });
});

describe('token ids and folders of samples', () => {
  it('derives the attention mask, pads to a fixed length and casts to the input\u2019s dtype', () => {
    const [sample] = parseTokenFile(Buffer.from(JSON.stringify({ input_ids: [101, 7, 102] })), 't.json');
    const specs = [spec([1, 5], 'int64', 'input_ids'), spec(['batch', 5], 'int64', 'attention_mask')];
    const plan = planTokens(specs, sample, undefined, 'm');
    const [ids, mask] = tokenTensors(sample, plan, 'm');
    assert.deepEqual(Array.from(ids.data as BigInt64Array, Number), [101, 7, 102, 0, 0]);
    assert.deepEqual(Array.from(mask.data as BigInt64Array, Number), [1, 1, 1, 0, 0]);
    assert.equal(parseTokenFile(Buffer.from('[[1, 2], [3, 4, 5]]'), 'two.json').length, 2);
    assert.throws(() => parseTokenFile(Buffer.from('[1, 2.5]'), 'bad.json'), /list of integer token ids/);
  });

  it('finds a sample per image in a folder, skips other files, and states the preprocessing', async () => {
    const dir = tempDir();
    for (const n of ['b10.png', 'b2.png']) writeFileSync(path.join(dir, n), pngFile(W, H, 3, rgb));
    writeFileSync(path.join(dir, 'README.txt'), 'not a sample');
    const found = await findSamples([dir], 1 << 24);
    assert.deepEqual(found.entries.map((e) => (e.kind === 'image' ? path.basename(e.file) : e.kind)), ['b2.png', 'b10.png']);
    assert.equal(found.ignored, 1);
    const plan = await planSamples(found, { specs: [spec([1, 3, 'h', 'w'])], preprocess: { preset: '0-1' }, sizes: { dims: { h: 6, w: 8 } }, memoryBudget: 1 << 24, file: 'm' });
    assert.equal(plan.count, 2);
    assert.deepEqual(plan.counts, { images: 2, audio: 0, tokens: 0, tensors: 0 });
    assert.ok(plan.statements.some((s) => /size 6 x 8 \(the sizes given/.test(s)), plan.statements.join('\n'));
    assert.ok(plan.statements.some((s) => /x \* 0\.00392157.*preset 0-1/.test(s)), plan.statements.join('\n'));
    const [t] = await plan.read(1);
    assert.deepEqual(t.dims, [1, 3, 6, 8]);
    await assert.rejects(planSamples(found, { specs: [spec([1, 3, 8, 8]), spec([1, 4], 'float32', 'extra')], preprocess: {}, sizes: { dims: {} }, memoryBudget: 1 << 24, file: 'm' }),
      /input 'extra' gets nothing from the files given/);
  });
});
