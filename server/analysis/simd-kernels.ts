import { KERNELS_WASM_BASE64 } from './simd-module.generated';

/**
 * The WebAssembly SIMD kernels (server/analysis/simd/kernels.ts) and the memory they work in.
 * Each chunk of a weight is decoded straight into `input()`, then the kernels read it there.
 * Calls are synchronous, so one instance serves a process even with analyses interleaved
 * between chunks.
 *
 * Memory layout (bytes): [0, 64 KiB) reserved for the module; histogram lanes (4 x 256 i32);
 * stats results; kept sums (2 x 8 f64); nonzero bitmap words of the chunk; the input floats.
 */
interface Exports {
  memory: WebAssembly.Memory;
  stats(inp: number, n: number, bm: number, near: number, hist: number, res: number): void;
  keep4Bands(inp: number, bands: number, q: number, out: number): void;
  keep4Contiguous(inp: number, groups: number, out: number): void;
  keep8Bands(inp: number, bands: number, q: number, out: number): void;
  keep8Contiguous(inp: number, groups: number, out: number): void;
}

const HIST = 1 << 16;
const RES = HIST + 4096;
const KEPT = RES + 128;
const BM = KEPT + 128;
const PAGE = 1 << 16;

export interface SimdStats {
  /** Count of |x| <= near, and the other reductions, over the call's values. */
  near: number;
  maxBits: number;
  /** min(|x| bits - 1) as unsigned: 0xffffffff when every value was zero. */
  minBitsM1: number;
  sum: number;
  sumSq: number;
  /** Exponent bins 0..255 summed over lanes (views are only valid until the next call). */
  bins: (e: number) => number;
  /** One word per 32 values, bit set where nonzero. */
  words: Uint32Array;
}

export class SimdKernels {
  private readonly x: Exports;
  private capacity = 0;
  private inputOffset = BM;
  private f32 = new Float32Array(0);

  constructor() {
    const module = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    this.x = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
    this.grow(1 << 16);
  }

  /** The input area for n float32 values (grown as needed; the view is replaced on growth). */
  input(n: number): Float32Array {
    if (n > this.capacity) this.grow(n);
    return this.f32.subarray(0, n);
  }

  /** Magnitude pass over input[a, a + len), len a multiple of 32. */
  stats(a: number, len: number, nearBits: number): SimdStats {
    const x = this.x;
    x.stats(this.inputOffset + 4 * a, len, BM, nearBits, HIST, RES);
    const buf = x.memory.buffer;
    const i32 = new Int32Array(buf, RES, 12);
    const u32 = new Uint32Array(buf, RES, 12);
    const f64 = new Float64Array(buf, RES + 48, 4);
    const hist = new Int32Array(buf, HIST, 1024);
    return {
      near: i32[0] + i32[1] + i32[2] + i32[3],
      maxBits: Math.max(u32[4], u32[5], u32[6], u32[7]),
      minBitsM1: Math.min(u32[8], u32[9], u32[10], u32[11]),
      sum: f64[0] + f64[1],
      sumSq: f64[2] + f64[3],
      bins: (e) => hist[e] + hist[256 + e] + hist[512 + e] + hist[768 + e],
      words: new Uint32Array(buf, BM, len >>> 5),
    };
  }

  /**
   * Rank sums of groups of m (4 or 8) in the input, from element `at`: `groups` contiguous groups
   * back to back, or `bands` bands of m x q floats whose group j takes floats j, j+q, ... (M
   * consecutive K of a [K, N] operand). Returns 2m values: the sum of the rank-r largest |x|
   * (r = 0..m-1), then the sums of their squares. Valid until the next call.
   */
  keep(m: 4 | 8, at: number, shape: { groups: number } | { bands: number; q: number }): Float64Array {
    const x = this.x;
    const out = new Float64Array(x.memory.buffer, KEPT, 2 * m).fill(0);
    const inp = this.inputOffset + 4 * at;
    if ('groups' in shape) (m === 4 ? x.keep4Contiguous : x.keep8Contiguous)(inp, shape.groups, KEPT);
    else (m === 4 ? x.keep4Bands : x.keep8Bands)(inp, shape.bands, shape.q, KEPT);
    return out;
  }

  private grow(n: number): void {
    const bitmapBytes = Math.ceil(n / 32) * 4;
    this.inputOffset = BM + Math.ceil(bitmapBytes / 16) * 16;
    const need = this.inputOffset + 4 * n;
    const mem = this.x.memory;
    if (need > mem.buffer.byteLength) mem.grow(Math.ceil((need - mem.buffer.byteLength) / PAGE));
    this.capacity = n;
    this.f32 = new Float32Array(mem.buffer, this.inputOffset, n);
  }
}

let shared: SimdKernels | undefined;

export function simdKernels(): SimdKernels {
  return (shared ??= new SimdKernels());
}
