import { inflateRawSync } from 'node:zlib';
import type { Fail } from './npy';

/**
 * Just enough of the zip format (PKWARE APPNOTE.TXT) to read what np.savez and
 * np.savez_compressed write: stored or deflated entries, no encryption, no ZIP64 sizes.
 * Sizes come from the central directory, which is what numpy's writer keeps exact; its local
 * headers may carry 0xFFFFFFFF sizes with a ZIP64 extra field (it forces ZIP64 per entry).
 */
export interface ZipEntry {
  readonly name: string;
  /** Uncompressed size as the central directory states it; read() checks the bytes match it. */
  readonly size: number;
  /** The entry's bytes: a view of the archive when stored, inflated on each call when deflated. */
  read(): Uint8Array;
}

const SIG = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50, zip64Locator: 0x07064b50 } as const;
const END_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT = 0xffff;

/** Lists an archive's entries in central-directory order, checking every offset and size against the file. */
export function readZip(file: Uint8Array, fail: Fail): ZipEntry[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const u16 = (at: number): number => dv.getUint16(at, true);
  const u32 = (at: number): number => dv.getUint32(at, true);
  const end = findEnd(file, dv, fail);
  if (end >= 20 && u32(end - 20) === SIG.zip64Locator) fail('ZIP64 archives are not supported');
  const count = u16(end + 10);
  const cdSize = u32(end + 12);
  const cdOffset = u32(end + 16);
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0 || u16(end + 8) !== count) fail('multi-part zip archives are not supported');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) fail('ZIP64 archives are not supported');
  if (cdOffset + cdSize > end)
    fail(`corrupt zip: central directory at ${cdOffset} (+${cdSize} bytes) runs past its end record at ${end}`);

  const entries: Entry[] = [];
  const names = new TextDecoder('utf-8');
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_BYTES > cdOffset + cdSize || u32(at) !== SIG.central)
      fail(`corrupt zip: central directory entry ${i} at ${at} is missing or truncated`);
    const nameLength = u16(at + 28);
    const next = at + CENTRAL_BYTES + nameLength + u16(at + 30) + u16(at + 32);
    if (next > cdOffset + cdSize) fail(`corrupt zip: central directory entry ${i} runs past the directory`);
    const name = names.decode(file.subarray(at + CENTRAL_BYTES, at + CENTRAL_BYTES + nameLength));
    const central = {
      flags: u16(at + 8), method: u16(at + 10), crc: u32(at + 16),
      compressed: u32(at + 20), size: u32(at + 24), local: u32(at + 42),
    };
    at = next;
    if (name.endsWith('/') && central.size === 0) continue; // a folder
    entries.push(entry(file, dv, name, central, cdOffset, (m) => fail(`entry '${name}': ${m}`)));
  }
  checkDisjoint(entries, fail);
  return entries;
}

/**
 * Entries must not share bytes: numpy never writes such archives, and many directory entries
 * pointing at one compressed stream is how a small file inflates to gigabytes.
 */
function checkDisjoint(entries: readonly Entry[], fail: Fail): void {
  const byStart = [...entries].sort((a, b) => a.span[0] - b.span[0]);
  for (let i = 1; i < byStart.length; i++)
    if (byStart[i].span[0] < byStart[i - 1].span[1])
      fail(`corrupt zip: entries '${byStart[i - 1].name}' and '${byStart[i].name}' overlap (bytes ${byStart[i].span[0]}-${byStart[i - 1].span[1]}); refused`);
}

function findEnd(file: Uint8Array, dv: DataView, fail: Fail): number {
  // The end record sits last, followed only by a comment of at most 64 KiB.
  const lowest = Math.max(0, file.length - END_BYTES - MAX_COMMENT);
  for (let at = file.length - END_BYTES; at >= lowest; at--)
    if (dv.getUint32(at, true) === SIG.end && at + END_BYTES + dv.getUint16(at + 20, true) <= file.length) return at;
  return fail('not a zip archive (no end-of-central-directory record; truncated?)');
}

interface Central { flags: number; method: number; crc: number; compressed: number; size: number; local: number }

/** An entry and the archive bytes it occupies, [local header, end of data). */
interface Entry extends ZipEntry {
  readonly span: readonly [number, number];
}

function entry(file: Uint8Array, dv: DataView, name: string, c: Central, cdOffset: number, fail: Fail): Entry {
  if (c.flags & 0x41) fail('encrypted entries are not supported');
  if (c.method !== 0 && c.method !== 8)
    fail(`compression method ${c.method} is not supported (only stored and deflate, as numpy writes)`);
  if (c.compressed === 0xffffffff || c.size === 0xffffffff || c.local === 0xffffffff) fail('ZIP64 entries are not supported');
  if (c.local + LOCAL_BYTES > cdOffset || dv.getUint32(c.local, true) !== SIG.local)
    fail(`corrupt zip: no local file header at ${c.local}`);
  const nameLength = dv.getUint16(c.local + 26, true);
  const dataStart = c.local + LOCAL_BYTES + nameLength + dv.getUint16(c.local + 28, true);
  if (dataStart + c.compressed > cdOffset)
    fail(`corrupt zip: data at ${dataStart} (+${c.compressed} bytes) runs past the entries' end at ${cdOffset}`);
  const localName = new TextDecoder('utf-8').decode(file.subarray(c.local + LOCAL_BYTES, c.local + LOCAL_BYTES + nameLength));
  if (localName !== name) fail(`corrupt zip: the local header names it '${localName}'`);
  if (c.method === 0 && c.compressed !== c.size) fail(`corrupt zip: stored entry has ${c.compressed} bytes but claims ${c.size}`);
  const data = file.subarray(dataStart, dataStart + c.compressed);
  return {
    name,
    size: c.size,
    span: [c.local, dataStart + c.compressed],
    read: () => {
      const bytes = c.method === 0 ? data : inflate(data, c.size, fail);
      if (crc32(bytes) !== c.crc) fail('corrupt zip: CRC-32 does not match the data');
      return bytes;
    },
  };
}

function inflate(data: Uint8Array, size: number, fail: Fail): Uint8Array {
  let out: Uint8Array;
  try {
    // The cap keeps a lying size (or a zip bomb) from inflating past what the directory declared.
    out = inflateRawSync(data, { maxOutputLength: Math.max(1, size) });
  } catch (e) {
    return fail(`corrupt deflate data (${e instanceof Error ? e.message : String(e)})`);
  }
  if (out.length !== size) fail(`inflates to ${out.length} bytes but the directory says ${size}`);
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zip stores it. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
