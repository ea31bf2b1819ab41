import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { writeSafely } from '../files/safe-write';
import { rng } from '../random';

/**
 * Sample images for the demo model (image [1, 3, 32, 32]): small scenes drawn in code (a sky over
 * ground with a sun, stripes, a checkerboard, soft blobs), the same every time, so the demo
 * measures activation sparsity on pictures rather than on noise, and a user sees what real
 * inputs change.
 */
export const DEMO_SAMPLE_SIZE = 32;

type Painter = (x: number, y: number, rand: () => number) => [number, number, number];

const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

const SCENES: [string, Painter][] = [
  ['landscape', (x, y) => {
    const sun = Math.hypot(x - 23, y - 8) < 5;
    if (sun) return [250, 210, 60];
    return y < 18 ? [90 + y * 4, 150 + y * 3, 235] : [60 + ((x * 7) % 20), 140 - (y - 18) * 3, 50];
  }],
  ['stripes', (x, y) => ((x + y) % 8 < 4 ? [220, 40, 40] : [245, 245, 245])],
  ['checkerboard', (x, y) => (((x >> 2) + (y >> 2)) % 2 ? [20, 20, 20] : [235, 235, 235])],
  ['blobs', (x, y, rand) => {
    const v = 128 + 90 * Math.sin(x / 4) * Math.cos(y / 5);
    return [v, 255 - v, 100 + 60 * rand()];
  }],
];

/** The scenes as PNG bytes, by file name. */
export function demoSamples(): [string, Buffer][] {
  return SCENES.map(([name, paint], k) => {
    const png = new PNG({ width: DEMO_SAMPLE_SIZE, height: DEMO_SAMPLE_SIZE });
    const rand = rng(31 + k);
    for (let y = 0; y < DEMO_SAMPLE_SIZE; y++)
      for (let x = 0; x < DEMO_SAMPLE_SIZE; x++) {
        const [r, g, b] = paint(x, y, rand);
        const i = (y * DEMO_SAMPLE_SIZE + x) * 4;
        png.data[i] = clamp(r);
        png.data[i + 1] = clamp(g);
        png.data[i + 2] = clamp(b);
        png.data[i + 3] = 255;
      }
    return [`${k + 1}-${name}.png`, PNG.sync.write(png)];
  });
}

/** Writes the scenes into `dir` (made if missing) and returns it. */
export async function writeDemoSamples(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, bytes] of demoSamples()) await writeSafely(path.join(dir, name), bytes);
  return dir;
}
