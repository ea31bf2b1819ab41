import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AnalysisError, throwIfCancelled } from '../errors';
import { entryBytes, rawByteLength, unitBytes, type DType } from './dtypes';
import type { ExternalFiles } from './external';
import type { TensorRef, VarintField } from './tensor';

/**
 * A run of consecutive elements in the dtype's native little-endian layout, aligned for
 * typed-array views unless the caller asked for `unaligned` (it only copies the bytes).
 */
export interface Chunk {
  readonly bytes: Uint8Array;
  /** Index of the chunk's first element in the tensor. */
  readonly first: number;
  readonly count: number;
}

/**
 * Where chunks are read or copied to when they cannot be viewed in place: two slots, so a read can
 * overlap work on the other. `reserve` is called before a stream starts, never while a read is pending.
 */
export interface ChunkBuffers {
  reserve(bytesPerSlot: number): void;
  raw(slot: 0 | 1, bytes: number): Uint8Array;
}

export interface ChunkEnv {
  readonly file: string;
  readonly external: ExternalFiles;
  readonly buffers: ChunkBuffers;
  readonly signal?: AbortSignal;
  /** Told how many bytes of tensor data each chunk covered (for progress). */
  readonly onBytes?: (bytes: number) => void;
}

const YIELD_MS = 25;

/**
 * Visits a tensor's values chunk by chunk, in order. In-memory bytes are viewed in place when
 * aligned (or when the caller takes them unaligned) and copied otherwise; external data is read
 * from disk a chunk at a time, the next read overlapping the caller's work on this one,
 * so memory stays bounded by the chunk size whatever the tensor's size. Yields to the event loop
 * every few milliseconds and stops when the signal is aborted.
 */
export async function forEachChunk(
  t: TensorRef, env: ChunkEnv, chunkElems: number, visit: (c: Chunk) => void, opts: { unaligned?: boolean } = {},
): Promise<void> {
  if (t.dtype.bits === 4 && chunkElems % 2) throw new RangeError('4-bit tensors are read in even chunks');
  env.buffers.reserve(Math.max(rawByteLength(t.dtype, chunkElems), chunkElems * unitBytes(t.dtype)));
  const reader = await opener(t, env, chunkElems, opts.unaligned ?? false);
  let last = Date.now();
  try {
    for (let first = 0; first < t.elements; first += chunkElems) {
      const count = Math.min(chunkElems, t.elements - first);
      const bytes = await reader.next(first, count);
      visit({ bytes, first, count });
      env.onBytes?.(bytes.length);
      if (Date.now() - last > YIELD_MS) {
        await yieldToLoop();
        throwIfCancelled(env.signal);
        last = Date.now();
      }
    }
  } finally {
    // A read-ahead must land before its slot can be handed to anyone else.
    await reader.settle?.();
  }
}

interface Reader {
  next(first: number, count: number): Promise<Uint8Array> | Uint8Array;
  settle?(): Promise<void>;
}

/**
 * An external tensor's bytes exist as its shape says: its file holds offset + length bytes and the
 * length (when given) matches the shape. Checked before anything is sized from the shape, so a
 * 64-byte file claiming 2^33 floats is an error, not a 1 GiB bitmap.
 */
export async function checkExternal(t: TensorRef, env: Pick<ChunkEnv, 'file' | 'external'>): Promise<void> {
  if (t.data.kind !== 'external') return;
  const { location, offset } = t.data;
  const need = rawByteLength(t.dtype, t.elements);
  const { size } = await env.external.open(location, t.name);
  const fail = (m: string): never => { throw new AnalysisError(m, { file: env.file, tensor: t.name }); };
  if (t.data.length !== undefined && t.data.length !== need)
    fail(`external data length ${t.data.length} does not match shape [${t.dims.join(', ')}] ${t.dtype.name} (${need} bytes)`);
  if (offset + need > size)
    fail(`external file '${location}' is too short: ${size} bytes, tensor needs bytes ${offset}..${offset + need}`);
}

async function opener(t: TensorRef, env: ChunkEnv, chunkElems: number, unaligned: boolean): Promise<Reader> {
  const d = t.dtype;
  const unit = unitBytes(d);
  const byteRange = (first: number, count: number): [number, number] =>
    [rawByteLength(d, first), rawByteLength(d, first + count)];
  switch (t.data.kind) {
    case 'bytes': {
      const src = t.data.bytes;
      return { next: (first, count) => {
        const [a, b] = byteRange(first, count);
        const view = src.subarray(a, b);
        if (unaligned || view.byteOffset % unit === 0) return view;
        const s = env.buffers.raw(0, view.length);
        s.set(view);
        return s;
      } };
    }
    case 'external': {
      const { location, offset } = t.data;
      await checkExternal(t, env);
      // Chunk i+1 is read into the other slot while chunk i is being measured.
      let slot: 0 | 1 = 0;
      let ahead: { first: number; read: Promise<Uint8Array> } | undefined;
      const read = (first: number, into: 0 | 1): Promise<Uint8Array> => {
        const [a, b] = byteRange(first, Math.min(chunkElems, t.elements - first));
        const s = env.buffers.raw(into, b - a);
        return env.external.read(location, t.name, offset + a, s).then(() => s);
      };
      return {
        next: async (first, count) => {
          const bytes = await (ahead?.first === first ? ahead.read : read(first, slot));
          const nextFirst = first + count;
          slot = slot === 0 ? 1 : 0;
          ahead = nextFirst < t.elements ? { first: nextFirst, read: read(nextFirst, slot) } : undefined;
          // A failed read-ahead is reported when its chunk is asked for, not as an unhandled rejection.
          ahead?.read.catch(() => undefined);
          return bytes;
        },
        settle: async () => {
          await ahead?.read.catch(() => undefined);
        },
      };
    }
    case 'varints': {
      const { bytes, field } = t.data;
      let pos = 0;
      const width = entryBytes(d);
      return { next: (first, count) => {
        const entries = d.bits === 4 ? Math.ceil(count / 2) : count;
        const s = env.buffers.raw(0, entries * width);
        pos = decodeVarints(bytes, pos, entries, width, field, s);
        return s;
      } };
    }
    case 'numbers': {
      const values = t.data.values;
      return { next: (first, count) => {
        const [a, b] = d.bits === 4 ? [first / 2, Math.ceil((first + count) / 2)] : [first, first + count];
        const s = env.buffers.raw(0, (b - a) * entryBytes(d));
        writeNative(values.subarray(a, b), d, s);
        return s;
      } };
    }
    case 'none':
      return { next: () => new Uint8Array(0) };
  }
}

/**
 * All of an in-memory tensor in native little-endian layout, written into `dst` (rawByteLength
 * bytes or more). False, with nothing written, for external data or none.
 */
export function writeInMemory(t: TensorRef, dst: Uint8Array): boolean {
  switch (t.data.kind) {
    case 'bytes':
      dst.set(t.data.bytes);
      return true;
    case 'varints':
      decodeVarints(t.data.bytes, 0, t.data.count, entryBytes(t.dtype), t.data.field, dst);
      return true;
    case 'numbers':
      writeNative(t.data.values, t.dtype, dst);
      return true;
    default:
      return false;
  }
}

/** Decodes `count` varints from src[pos..] into dst as little-endian integers of `width` bytes. */
export function decodeVarints(
  src: Uint8Array, pos: number, count: number, width: number, field: VarintField, dst: Uint8Array,
): number {
  const u16 = width === 2 ? new Uint16Array(dst.buffer, dst.byteOffset, count) : undefined;
  const u32 = width >= 4 ? new Uint32Array(dst.buffer, dst.byteOffset, (count * width) >> 2) : undefined;
  void field; // int32_data values are sign-extended to 64 bits on the wire; their low word is the value either way.
  for (let i = 0; i < count; i++) {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b: number;
    do {
      b = src[pos++];
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      shift += 7;
    } while (b & 0x80);
    if (width === 1) dst[i] = lo & 0xff;
    else if (u16) u16[i] = lo & 0xffff;
    else if (width === 4) u32![i] = lo >>> 0;
    else {
      u32![2 * i] = lo >>> 0;
      u32![2 * i + 1] = hi >>> 0;
    }
  }
  return pos;
}

/** Writes typed-field entries (already numbers) in the dtype's native layout. */
export function writeNative(values: Float64Array, d: DType, dst: Uint8Array): void {
  const n = values.length;
  const buf = dst.buffer;
  const off = dst.byteOffset;
  if (d.name === 'float32') new Float32Array(buf, off, n).set(values);
  else if (d.name === 'float64') new Float64Array(buf, off, n).set(values);
  else if (d.bits === 64) {
    const big = new BigInt64Array(buf, off, n);
    for (let i = 0; i < n; i++) big[i] = BigInt.asIntN(64, BigInt(Math.trunc(values[i])));
  } else if (d.bits === 32) {
    const u = new Uint32Array(buf, off, n);
    for (let i = 0; i < n; i++) u[i] = values[i] >>> 0;
  } else if (d.bits === 16) {
    const u = new Uint16Array(buf, off, n);
    for (let i = 0; i < n; i++) u[i] = values[i] & 0xffff;
  } else for (let i = 0; i < n; i++) dst[i] = values[i] & 0xff;
}
