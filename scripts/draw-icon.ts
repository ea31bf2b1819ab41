/**
 * `node out/scripts/draw-icon.js`: draws the extension's icon, a weight matrix pruned 2:4 (in every
 * row, two of each four consecutive weights kept), and writes assets/icon.png, the 128x128 PNG
 * the Marketplace and Open VSX show. test/icon.test.ts checks the committed file is this drawing.
 */
import * as path from 'node:path';
import { writeSafely } from '../server/files/safe-write';
import { encodePng, type Rgba } from './png';

export const SIZE = 128;
/** Subsamples per pixel side: 4x4 samples give the edges 16 levels of coverage. */
const SUPERSAMPLE = 4;

type Color = readonly [number, number, number];
const BACKGROUND: Color = [0x1f, 0x24, 0x30]; // also package.json's galleryBanner colour
const ZERO: Color = [0x2c, 0x34, 0x45];
const KEPT_LOW: Color = [0x1c, 0x9c, 0x8f];
const KEPT_HIGH: Color = [0x7c, 0xf0, 0xdc];

const ROWS = 8;
const GROUP = 4; // M of 2:4
const GROUPS = 2;
const CELL = 10;
const GAP = 2;
const GROUP_GAP = 6;
const CORNER = 24;
const CELL_CORNER = 2.5;

/** The two kept positions of a group of four, one of the six ways to choose them, varied over the matrix. */
const CHOICES = [[0, 1], [1, 2], [2, 3], [0, 3], [0, 2], [1, 3]] as const;
const kept = (row: number, group: number, col: number): boolean => (CHOICES[(row + 3 * group) % 6] as readonly number[]).includes(col);
/** A kept weight's magnitude in [0, 1], which sets its brightness. */
const magnitude = (row: number, col: number): number => ((row * 7 + col * 3) % 5) / 4;

const gridWidth = GROUPS * (GROUP * CELL + (GROUP - 1) * GAP) + (GROUPS - 1) * GROUP_GAP;
const gridHeight = ROWS * CELL + (ROWS - 1) * GAP;
const left = (SIZE - gridWidth) / 2;
const top = (SIZE - gridHeight) / 2;

/** Inside a w x h rectangle at (0, 0) with corners of radius r. */
function inRounded(x: number, y: number, w: number, h: number, r: number): boolean {
  if (x < 0 || y < 0 || x > w || y > h) return false;
  const dx = Math.max(r - x, x - (w - r), 0);
  const dy = Math.max(r - y, y - (h - r), 0);
  return dx * dx + dy * dy <= r * r;
}

/** The colour at a point of the icon, or undefined where it is transparent. */
function colorAt(x: number, y: number): Color | undefined {
  if (!inRounded(x, y, SIZE, SIZE, CORNER)) return undefined;
  const gy = y - top;
  const row = Math.floor(gy / (CELL + GAP));
  if (row < 0 || row >= ROWS) return BACKGROUND;
  const groupPitch = GROUP * CELL + (GROUP - 1) * GAP + GROUP_GAP;
  const gx = x - left;
  const group = Math.floor(gx / groupPitch);
  if (group < 0 || group >= GROUPS) return BACKGROUND;
  const inGroup = gx - group * groupPitch;
  const col = Math.floor(inGroup / (CELL + GAP));
  if (col >= GROUP || !inRounded(inGroup - col * (CELL + GAP), gy - row * (CELL + GAP), CELL, CELL, CELL_CORNER)) return BACKGROUND;
  if (!kept(row, group, col)) return ZERO;
  const m = magnitude(row, group * GROUP + col);
  return [0, 1, 2].map((i) => KEPT_LOW[i] + (KEPT_HIGH[i] - KEPT_LOW[i]) * m) as unknown as Color;
}

/** The icon's pixels: each the mean of its subsamples, alpha from the covered share (straight, not premultiplied). */
export function drawIcon(): Rgba {
  const pixels = new Uint8Array(SIZE * SIZE * 4);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < SIZE; py++)
    for (let px = 0; px < SIZE; px++) {
      let r = 0, g = 0, b = 0, covered = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++)
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const c = colorAt(px + (sx + 0.5) / SUPERSAMPLE, py + (sy + 0.5) / SUPERSAMPLE);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          covered++;
        }
      const at = (py * SIZE + px) * 4;
      if (covered) pixels.set([Math.round(r / covered), Math.round(g / covered), Math.round(b / covered), Math.round((255 * covered) / n)], at);
    }
  return { width: SIZE, height: SIZE, pixels };
}

export const ICON = path.join(__dirname, '..', '..', 'assets', 'icon.png');

if (require.main === module)
  writeSafely(ICON, encodePng(drawIcon())).then(
    () => console.log(`wrote ${path.relative(process.cwd(), ICON)}`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
