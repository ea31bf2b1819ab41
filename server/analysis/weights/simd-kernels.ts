import type { ChunkBuffers } from '../../onnx/chunks';
import type { ModelMemory } from '../../onnx/model-memory';
import { KERNELS_WASM_BASE64 } from './simd-module.generated';

/**
 * The WebAssembly SIMD kernels (server/analysis/weights/simd/kernels.ts), instantiated over one model's
 * memory: float32 weights are read where the file put them; other dtypes are decoded into the
 * workspace first. Each analysis has its own instance, so analyses interleaved between chunks
 * never share state.
 *
 * Workspace layout (after the file): histogram lanes (4 x 256 i32), stats results, kept sums
 * (2 x 8 f64 and 2 x 4 f64), a small aligned area for partial words, the chunk's bitmap words, the decoded
 * input floats, and two raw chunk slots (reads of one overlap the kernels on the other).
 */
interface Exports {
  stats(inp: number, n: number, bm: number, near: number, hist: number, res: number): void;
  keep4Bands(inp: number, bands: number, q: number, out: number): void;
  keep4Contiguous(inp: number, groups: number, out: number): void;
  keep8Bands(inp: number, bands: number, q: number, out: number, out4: number): void;
  keep8Contiguous(inp: number, groups: number, out: number, out4: number): void;
}

let compiled: WebAssembly.Module | undefined;

const HIST = 0;
const RES = 4096;
const KEPT = RES + 128;
const KEPT4 = KEPT + 128;
const SMALL = KEPT4 + 64;
const BM = SMALL + 128;

export interface SimdStats {
  /** Count of |x| <= near, and the other reductions, over the call's values. */
  near: number;
  maxBits: number;
  /** min(|x| bits - 1) as unsigned: 0xffffffff when every value was zero. */
  minBitsM1: number;
  sum: number;
  sumSq: number;
  nonzero: number;
  /** Count per biased float32 exponent, 256 bins (valid until the next call). */
  bins: Int32Array;
  /** One word per 32 values, bit set where nonzero (valid until the next call). */
  words: Uint32Array;
}

export class SimdKernels implements ChunkBuffers {
  private readonly x: Exports;
  private readonly base: number;
  private readonly buffers = new Set<ArrayBufferLike>();
  private capacity = 0;
  private rawCapacity = 0;
  private inputAt = 0;
  private rawAt: [number, number] = [0, 0];

  constructor(private readonly mem: ModelMemory) {
    compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    this.x = new WebAssembly.Instance(compiled, { env: { memory: mem.memory } }).exports as unknown as Exports;
    this.base = mem.workspaceOffset;
    this.prepare(1 << 16, 1 << 18);
  }

  /** Sizes the workspace for chunks of up to n values and `rawBytes` of raw data per chunk. */
  prepare(n: number, rawBytes: number): void {
    if (n <= this.capacity && rawBytes <= this.rawCapacity) return;
    this.capacity = Math.max(n, this.capacity);
    this.rawCapacity = Math.max(rawBytes, this.rawCapacity);
    const align = (x: number): number => Math.ceil(x / 16) * 16;
    this.inputAt = align(BM + Math.ceil(this.capacity / 32) * 4);
    const raw0 = align(this.inputAt + 4 * this.capacity);
    const raw1 = align(raw0 + this.rawCapacity);
    this.rawAt = [raw0, raw1];
    this.buffers.add(this.mem.ensureWorkspace(raw1 + this.rawCapacity));
  }

  private get buffer(): ArrayBufferLike {
    return this.mem.memory.buffer;
  }

  reserve(bytesPerSlot: number): void {
    this.prepare(this.capacity, bytesPerSlot);
  }

  /** A raw chunk slot of `bytes` (within the reserved size), for reads and varint decoding. */
  raw(slot: 0 | 1, bytes: number): Uint8Array {
    // Growing here could move a slot under a pending read; streams reserve first.
    if (bytes > this.rawCapacity) throw new RangeError(`raw chunk of ${bytes} bytes exceeds the ${this.rawCapacity} reserved`);
    return new Uint8Array(this.buffer, this.base + this.rawAt[slot], bytes);
  }

  /** The decode target for n float32 values. */
  input(n: number): Float32Array {
    if (n > this.capacity) this.prepare(n, this.rawCapacity);
    return new Float32Array(this.buffer, this.base + this.inputAt, n);
  }

  /** Address of float32 data the kernels can read in place: any view of this memory. */
  addressOf(view: Uint8Array): number | undefined {
    return this.buffers.has(view.buffer) ? view.byteOffset : undefined;
  }

  /** Float32 views of n values at `ptr`, copied to an aligned place first if `ptr` is not aligned. */
  views(ptr: number, n: number): { values: Float32Array; bits: Uint32Array } {
    let at = ptr;
    if (at % 4) {
      const to = n <= 32 ? this.base + SMALL : this.base + this.inputAt;
      new Uint8Array(this.buffer, to, 4 * n).set(new Uint8Array(this.buffer, ptr, 4 * n));
      at = to;
    }
    return { values: new Float32Array(this.buffer, at, n), bits: new Uint32Array(this.buffer, at, n) };
  }

  /** Magnitude pass over n values at ptr, n a multiple of 32. */
  stats(ptr: number, n: number, nearBits: number): SimdStats {
    const w = this.base;
    this.x.stats(ptr, n, w + BM, nearBits, w + HIST, w + RES);
    const buf = this.buffer;
    const i32 = new Int32Array(buf, w + RES, 21);
    const u32 = new Uint32Array(buf, w + RES, 12);
    const f64 = new Float64Array(buf, w + RES + 48, 4);
    return {
      nonzero: i32[20],
      near: i32[0] + i32[1] + i32[2] + i32[3],
      maxBits: Math.max(u32[4], u32[5], u32[6], u32[7]),
      minBitsM1: Math.min(u32[8], u32[9], u32[10], u32[11]),
      sum: f64[0] + f64[1],
      sumSq: f64[2] + f64[3],
      bins: new Int32Array(buf, w + HIST, 256),
      words: new Uint32Array(buf, w + BM, n >>> 5),
    };
  }

  /**
   * Rank sums of groups of m (4 or 8) at ptr: `groups` contiguous groups back to back, or `bands`
   * bands of m x q floats whose group j takes floats j, j+q, ... (M consecutive K of a [K, N]
   * operand). Returns 2m values: the sum of the rank-r largest |x| (r = 0..m-1), then the sums of
   * their squares; with `alsoHalves` (m = 8), also those of the two groups of 4 inside each group
   * of 8. Valid until the next call.
   */
  keep(m: 4 | 8, ptr: number, shape: { groups: number } | { bands: number; q: number }, alsoHalves = false): { sums: Float64Array; halves?: Float64Array } {
    const x = this.x;
    const out = this.base + KEPT;
    const out4 = alsoHalves ? this.base + KEPT4 : 0;
    const sums = new Float64Array(this.buffer, out, 2 * m).fill(0);
    const halves = alsoHalves ? new Float64Array(this.buffer, out4, 8).fill(0) : undefined;
    if (m === 4) {
      if ('groups' in shape) x.keep4Contiguous(ptr, shape.groups, out);
      else x.keep4Bands(ptr, shape.bands, shape.q, out);
    } else if ('groups' in shape) x.keep8Contiguous(ptr, shape.groups, out, out4);
    else x.keep8Bands(ptr, shape.bands, shape.q, out, out4);
    return { sums, halves };
  }
}
