import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../common/protocol';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { npyFile, tempDir } from './helpers';

/**
 * A ReLU in front of a 1x1 Conv, fed three samples whose pre-activations are chosen per channel:
 * channel 1 is negative everywhere in every sample (dead), channel 2 negative everywhere in
 * sample 0, channel 3 exactly zero everywhere in sample 2, channel 0 positive. Every expected
 * figure is computed here from the same arrays, independently of the run.
 */
export const C = 4;
const P = 4; // 2 x 2 positions
export const SAMPLES: number[][] = [
  [1, 2, 3, 4, /**/ -1, -2, -3, -4, /**/ -1, -1, -5, -2, /**/ 1, 1, 2, 3],
  [2, 1, 1, 1, /**/ -9, -1, -1, -1, /**/ -1, 0.5, -1, -1, /**/ 4, 3, 2, 1],
  [1, 1, 1, 1, /**/ -2, -2, -2, -2, /**/ 3, -1, -1, 0, /**/ 0, 0, 0, 0],
];
const relu = (s: number[]): number[] => s.map((v) => Math.max(0, v));

export function deadModel(batch: number | string, wide = 0): ModelBuilder {
  const b = new ModelBuilder({ producer: 'test', graphName: 'dead' });
  const w = Array.from({ length: 2 * C }, (_, i) => (i % 3) - 0.5);
  b.main.input('x', 'float32', [batch, C, 2, 2]).output('y', 'float32', [batch, 2, 2, 2])
    .initializer('w', { dtype: 'float32', dims: [2, C, 1, 1], values: w })
    .node('Relu', ['x'], ['r'], {}, 'relu')
    .node('Conv', ['r', 'w'], ['y'], {}, 'conv');
  // A side chain of `wide` cheap values: past 1,500 values the run copies every value out instead of probing.
  if (wide) {
    b.main.input('z', 'float32', [1, 1]).output(`z${wide}`, 'float32', [1, 1]);
    for (let i = 0; i < wide; i++) b.main.node('Neg', [i ? `z${i}` : 'z'], [`z${i + 1}`], {}, `neg${i}`);
  }
  return b;
}

export async function runSamples(b: ModelBuilder, extra: Record<string, Buffer> = {}, run: Record<string, unknown> = {}): Promise<Report> {
  const dir = tempDir();
  const file = await writeModel(b, dir, 'model.onnx');
  const samples = path.join(dir, 'samples');
  mkdirSync(samples);
  SAMPLES.forEach((s, k) => writeFileSync(path.join(samples, `s${k}.npy`), npyFile('<f4', [1, C, 2, 2], new Uint8Array(new Float32Array(s).buffer))));
  const inputs = [samples];
  for (const [name, bytes] of Object.entries(extra)) {
    writeFileSync(path.join(dir, name), bytes);
    inputs.push(path.join(dir, name));
  }
  return analyzeModel({ file, run: { inputs, ...run } });
}

/** What the conv's input should show, from the arrays alone. */
export function expected(): { density: number[]; dead: number[]; deadShare: number[]; channelDensity: number[]; nm: Record<string, number> } {
  const r = SAMPLES.map(relu);
  const density = r.map((s) => s.filter((v) => v !== 0).length / s.length);
  const zeroIn = (s: number[], c: number): boolean => s.slice(c * P, (c + 1) * P).every((v) => v === 0);
  const deadShare = Array.from({ length: C }, (_, c) => r.filter((s) => zeroIn(s, c)).length / r.length);
  const channelDensity = Array.from({ length: C }, (_, c) => r.flatMap((s) => s.slice(c * P, (c + 1) * P)).filter((v) => v !== 0).length / (P * r.length));
  const nm: Record<string, number> = {};
  for (const [pat, n] of [['2:4', 2], ['1:4', 1]] as const) {
    let ok = 0;
    for (const s of r) for (let p = 0; p < P; p++) ok += [0, 1, 2, 3].filter((c) => s[c * P + p] !== 0).length <= n ? 1 : 0;
    nm[pat] = ok / (P * r.length);
  }
  return { density, dead: deadShare.flatMap((d, c) => (d === 1 ? [c] : [])), deadShare, channelDensity, nm };
}

