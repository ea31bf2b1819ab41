import type { NearZeroRule } from '../../../common/protocol';
import { forEachChunk, type Chunk, type ChunkEnv } from '../../onnx/chunks';
import type { TensorRef } from '../../onnx/tensor';
import { newBitmap } from './bitmap';
import type { GemmView } from '../layers/gemm-view';
import { bitsToFloat, foldMagnitudes, newMagnitudeStats, thresholdBits, type MagnitudeStats } from './magnitude-stats';
import { toMagnitudes, type Quantization } from './magnitudes';
import { foldKept, keptBand, newKeptSums, type KeptSums } from './nm-kept';
import type { SimdKernels } from './simd-kernels';

export interface NmPattern {
  readonly key: string;
  readonly n: number;
  readonly m: number;
}

export interface WeightMeasure {
  readonly stats: MagnitudeStats;
  /** One bit per element in memory order, set where the value is nonzero. */
  readonly bitmap: Uint32Array;
  /** Kept-magnitude sums per view (same order as asked), one entry per distinct M; null where not measurable. */
  readonly kept: (KeptSums[] | null)[];
}

export interface MeasureOptions {
  readonly nearZero: NearZeroRule;
  readonly patterns: readonly NmPattern[];
}

/** About 1 MiB of float32 magnitudes per chunk: stays in L2 between the kernels that read it. */
const CHUNK_TARGET = 1 << 18;
/** A band (the memory span holding whole N:M groups) beyond this many elements is not measured for kept magnitude. */
const MAX_BAND = 1 << 22;

/**
 * Measures one weight in a single streaming pass over its bytes: magnitude statistics, the nonzero
 * bitmap, and magnitude kept under each N:M pattern along the first GEMM view. Further views (a
 * weight shared by differently shaped layers) and a relative near-zero threshold cost one more pass each.
 */
export async function measureWeight(
  t: TensorRef, quant: Quantization | undefined, views: readonly GemmView[], env: ChunkEnv, simd: SimdKernels,
  opts: MeasureOptions,
): Promise<WeightMeasure> {
  const stats = newMagnitudeStats();
  const bitmap = newBitmap(t.elements);
  const kept: (KeptSums[] | null)[] = views.map(() => null);
  const nearBits = opts.nearZero.relative ? 0 : thresholdBits(opts.nearZero.value);
  const byM = groupByM(opts.patterns);
  /** Where a chunk's float32 magnitudes are: in place for float32 weights, else decoded into the workspace. */
  const load = (c: Chunk): number => {
    const inPlace = t.dtype.name === 'float32' ? simd.addressOf(c.bytes) : undefined;
    if (inPlace !== undefined) return inPlace;
    const input = simd.input(c.count);
    toMagnitudes(t.dtype, c, quant, input);
    return input.byteOffset;
  };
  const stream = (size: number, visit: (c: Chunk) => void, progress = false): Promise<void> => {
    simd.prepare(size, 0);
    // float32 is read in place at any alignment (or copied bytewise), so its chunks need not be aligned.
    return forEachChunk(t, progress ? env : { ...env, onBytes: undefined }, size, visit, { unaligned: t.dtype.name === 'float32' });
  };

  const first = views[0];
  const firstKept = first ? keptSums(first, byM) : null;
  await stream(chunkSize(t, first, byM), (c) => {
    const ptr = load(c);
    foldMagnitudes(stats, simd, ptr, c.count, c.first, bitmap, nearBits);
    if (firstKept) foldKept(first, firstKept, simd, ptr, c.first, c.count);
  }, true);
  if (first) kept[0] = firstKept;

  if (opts.nearZero.relative && stats.maxBits > 0) {
    const t2 = thresholdBits(opts.nearZero.value * bitsToFloat(stats.maxBits));
    let near = 0;
    await stream(CHUNK_TARGET, (c) => {
      near += countAtMost(simd.views(load(c), c.count).bits, t2);
    });
    stats.nearZeros = near;
  } else if (opts.nearZero.relative) stats.nearZeros = stats.zeros;

  for (let i = 1; i < views.length; i++) {
    const v = views[i];
    const ks = keptSums(v, byM);
    if (!ks) continue;
    await stream(chunkSize(t, v, byM), (c) => {
      const ptr = load(c);
      foldKept(v, ks, simd, ptr, c.first, c.count);
    });
    kept[i] = ks;
  }
  return { stats, bitmap, kept };
}

function groupByM(patterns: readonly NmPattern[]): Map<number, number[]> {
  const byM = new Map<number, number[]>();
  for (const p of patterns) byM.set(p.m, [...(byM.get(p.m) ?? []), p.n]);
  return byM;
}

function keptSums(v: GemmView, byM: Map<number, number[]>): KeptSums[] | null {
  if (v.rows * v.k === 0) return null;
  for (const m of byM.keys()) if (keptBand(v, m) > MAX_BAND) return null;
  return [...byM].map(([m, ns]) => newKeptSums(m, ns));
}

function chunkSize(t: TensorRef, v: GemmView | undefined, byM: Map<number, number[]>): number {
  let band = 1;
  if (v && keptSums(v, byM)) for (const m of byM.keys()) band = lcm(band, keptBand(v, m));
  let size = Math.max(1, Math.floor(CHUNK_TARGET / band)) * band;
  if (t.dtype.bits === 4 && size % 2) size *= 2;
  return size;
}

function lcm(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return (a / x) * b;
}

function countAtMost(bits: Uint32Array, t: number): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) n += 1 - ((t - (bits[i] & 0x7fffffff)) >>> 31);
  return n;
}
