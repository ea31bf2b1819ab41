import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { drawIcon, ICON, SIZE } from '../scripts/draw-icon';
import { encodePng } from '../scripts/png';
import { crc32Bitwise } from './helpers';

interface Decoded { width: number; height: number; bitDepth: number; colorType: number; pixels: Uint8Array; chunks: string[] }

/** A PNG decoder for 8-bit RGBA (ISO/IEC 15948): chunk CRCs checked bit by bit, all five scanline filters undone. */
function decodePng(file: Buffer): Decoded {
  assert.deepEqual([...file.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let header: Buffer | undefined;
  for (let at = 8; at < file.length;) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const data = file.subarray(at + 8, at + 8 + length);
    assert.equal(file.readUInt32BE(at + 8 + length), crc32Bitwise(file.subarray(at + 4, at + 8 + length)), `${type} CRC`);
    chunks.push(type);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  assert.ok(header);
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, (stride + 1) * height);
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? pixels[y * stride + x - 4] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(predicted !== undefined, `filter ${filter}`);
      pixels[y * stride + x] = (v + predicted) & 0xff;
    }
  }
  return { width, height, bitDepth: header[8], colorType: header[9], pixels, chunks };
}

describe('the extension icon (assets/icon.png)', () => {
  const file = readFileSync(ICON);
  const png = decodePng(file);
  const pixel = (x: number, y: number): number[] => [...png.pixels.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4)];

  it('is a 128x128 8-bit RGBA PNG, the size the Marketplace asks for', () => {
    assert.deepEqual([png.width, png.height, png.bitDepth, png.colorType], [128, 128, 8, 6]);
    assert.deepEqual(png.chunks, ['IHDR', 'IDAT', 'IEND']);
    assert.equal(SIZE, 128);
  });

  it('is exactly what scripts/draw-icon.ts draws (npm run icon redraws it)', () => {
    const drawn = drawIcon();
    assert.deepEqual(Buffer.from(png.pixels), Buffer.from(drawn.pixels));
    assert.deepEqual(encodePng(drawn), file);
  });

  it('has transparent rounded corners and the gallery banner colour behind the matrix', () => {
    assert.equal(pixel(0, 0)[3], 0);
    assert.equal(pixel(127, 127)[3], 0);
    const banner = (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { galleryBanner: { color: string } }).galleryBanner.color;
    const hex = `#${pixel(64, 6).slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
    assert.equal(hex, banner);
    assert.equal(pixel(64, 6)[3], 255);
  });

  it('shows a 2:4 matrix: in every row, two of each four cells lit', () => {
    // Cell centres: 8 rows of 10-px cells 2 px apart, two groups of four 6 px apart, centred.
    const lit = (x: number, y: number): boolean => pixel(x, y)[1] > 0x80;
    const left = (128 - 98) / 2;
    const top = (128 - 94) / 2;
    for (let row = 0; row < 8; row++)
      for (let group = 0; group < 2; group++) {
        let count = 0;
        for (let col = 0; col < 4; col++) if (lit(Math.floor(left + group * 52 + col * 12 + 5), Math.floor(top + row * 12 + 5))) count++;
        assert.equal(count, 2, `row ${row}, group ${group}`);
      }
  });
});
