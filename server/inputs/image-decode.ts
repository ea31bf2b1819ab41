import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { AnalysisError } from '../errors';

/**
 * PNG and JPEG files to RGBA pixels, with pure-JS decoders (pngjs, jpeg-js: no native code to
 * build or ship). A file is untrusted: its header's width and height are read first and the
 * decoded size (4 bytes a pixel) must fit what is left of the memory budget, so a 60,000 x 60,000
 * image that compresses to a few kilobytes is refused before anything is allocated.
 */
export interface DecodedImage {
  width: number;
  height: number;
  /** 8-bit RGBA, row-major (16-bit PNGs are scaled to 8 bits by pngjs). */
  rgba: Uint8Array;
  format: 'PNG' | 'JPEG';
}

export type ImageFormat = DecodedImage['format'];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format by the file's first bytes (an extension can lie). */
export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'PNG';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG';
  return undefined;
}

/** Width and height from the header alone: PNG's IHDR, JPEG's first start-of-frame marker. */
export function imageSize(bytes: Uint8Array, format: ImageFormat, file: string): { width: number; height: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'PNG') {
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new AnalysisError('PNG without an IHDR header (truncated or corrupt)', { file });
    return { width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new AnalysisError(`JPEG marker expected at byte ${at} (corrupt file)`, { file });
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++;
      continue;
    }
    // Markers without a length: TEM, RSTn.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = dv.getUint16(at + 2);
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) {
      if (at + 9 > bytes.length) break;
      return { height: dv.getUint16(at + 5), width: dv.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  throw new AnalysisError('JPEG without a start-of-frame marker (truncated or corrupt)', { file });
}

/** Decodes an image whose RGBA pixels must fit in `maxBytes`. */
export function decodeImage(bytes: Uint8Array, file: string, maxBytes: number): DecodedImage {
  const format = sniffImage(bytes);
  if (!format) throw new AnalysisError('not a PNG or JPEG image (unknown signature)', { file });
  const { width, height } = imageSize(bytes, format, file);
  if (width < 1 || height < 1) throw new AnalysisError(`${format} of ${width} x ${height} pixels has no pixels`, { file });
  const decoded = width * height * 4;
  if (decoded > maxBytes)
    throw new AnalysisError(`${format} of ${width} x ${height} pixels would decode to ${decoded} bytes, more than the ${maxBytes} bytes left of the memory budget (raise --memory-budget if it is right)`, { file });
  try {
    if (format === 'PNG') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), format };
    }
    const jpg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: Math.max(1, Math.ceil(maxBytes / 2 ** 20)), maxResolutionInMP: Math.ceil((width * height) / 1e6) + 1 });
    return { width: jpg.width, height: jpg.height, rgba: jpg.data, format };
  } catch (e) {
    throw new AnalysisError(`cannot decode the ${format} image: ${e instanceof Error ? e.message : String(e)}`, { file }, { cause: e });
  }
}
