import { deflateSync } from 'node:zlib';
import { crc32 } from '../server/inputs/zip';

/** An 8-bit RGBA image, rows top to bottom, 4 bytes a pixel. */
export interface Rgba {
  width: number;
  height: number;
  pixels: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_RGBA = 6;

/**
 * The image as a PNG file (ISO/IEC 15948): IHDR, one IDAT of zlib-deflated scanlines, IEND.
 * Every scanline uses filter 0 (None) and deflate runs at level 9, so the bytes depend only on
 * the pixels and zlib: the committed icon can be checked against a fresh drawing.
 */
export function encodePng(img: Rgba): Buffer {
  const { width, height, pixels } = img;
  if (pixels.length !== width * height * 4) throw new Error(`${pixels.length} bytes are not ${width}x${height} RGBA pixels`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = COLOR_RGBA;
  // bytes 10-12: deflate, adaptive filtering, no interlace (all 0)
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
