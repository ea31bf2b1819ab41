import { crc32, deflateSync } from 'node:zlib';
import { encode as encodeJpeg } from 'jpeg-js';

/**
 * Sample files written byte by byte for tests, so what they decode to is known by construction:
 * PNG (RGB or RGBA, 8-bit, filter 0) and WAV (PCM 16-bit or float 32-bit) by hand from their
 * specifications; JPEG through jpeg-js's encoder (a separate code path from its decoder).
 */

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG of `pixels` ([height][width][channels], 0-255), channels 3 (RGB) or 4 (RGBA). */
export function pngFile(width: number, height: number, channels: 3 | 4, pixels: ArrayLike<number>): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 3 ? 2 : 6;
  const rows = Buffer.alloc(height * (1 + width * channels));
  for (let y = 0; y < height; y++) {
    rows[y * (1 + width * channels)] = 0;
    for (let i = 0; i < width * channels; i++) rows[y * (1 + width * channels) + 1 + i] = pixels[y * width * channels + i];
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))]);
}

/** A JPEG of RGB `pixels` at `quality`. */
export function jpegFile(width: number, height: number, pixels: ArrayLike<number>, quality = 100): Buffer {
  const rgba = Buffer.alloc(width * height * 4, 255);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) rgba[p * 4 + c] = pixels[p * 3 + c];
  return encodeJpeg({ width, height, data: rgba }, quality).data;
}

/** A canonical 44-byte-header WAV of interleaved samples: 16-bit PCM (values -32768..32767) or 32-bit float. */
export function wavFile(rate: number, channels: number, samples: ArrayLike<number>, format: 'pcm16' | 'float32'): Buffer {
  const bytes = format === 'pcm16' ? 2 : 4;
  const data = Buffer.alloc(samples.length * bytes);
  for (let i = 0; i < samples.length; i++) {
    if (format === 'pcm16') data.writeInt16LE(samples[i], i * 2);
    else data.writeFloatLE(samples[i], i * 4);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(format === 'pcm16' ? 1 : 3, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * bytes, 28);
  h.writeUInt16LE(channels * bytes, 32);
  h.writeUInt16LE(bytes * 8, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
