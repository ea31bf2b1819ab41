import type { NearZeroRule } from '../../../common/protocol';
import { checkExternal, forEachChunk, type Chunk, type ChunkEnv } from '../../onnx/chunks';
import type { TensorRef } from '../../onnx/tensor';
import type { GemmView } from '../layers/gemm-view';
import { foldHalfKept, halfKeptTakes } from './half-kept';
import { foldHalves, halfThreshold } from './half-stats';
import { bitsToFloat, foldMagnitudes, newMagnitudeStats, thresholdBits, type MagnitudeStats } from './magnitude-stats';
import { toMagnitudes, type Quantization } from './magnitudes';
import { foldKept, keptBand, newKeptSums, type KeptSums } from './nm-kept';
import { flushKept, foldQuantizedKept, newKeptPending, quantKeptLayout } from './quantized-kept';
import { finishQuantized, foldQuantized, planBytes, planQuantized, writeTables } from './quantized-stats';
import type { SimdKernels } from './simd-kernels';
import { bitmapBytes } from './simd-layout';
import { viewAreas } from './view-bitmap';

export interface NmPattern {
  readonly key: string;
  readonly n: number;
  readonly m: number;
}

export interface WeightMeasure {
  readonly stats: MagnitudeStats;
  /**
   * One bit per element in memory order, set where the value is nonzero: a view of the kernels'
   * arena, valid until the next weight is measured with the same kernels.
   */
  readonly bitmap: Uint32Array;
  /** Where `bitmap` is in the kernels' memory. */
  readonly bitmapAt: number;
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
  await checkExternal(t, env);
  const stats = newMagnitudeStats();
  const areas = views.map(viewAreas);
  const max = (k: 'view' | 'bands' | 'channels'): number => Math.max(0, ...areas.map((a) => a[k]));
  const plan = planQuantized(t.dtype.name, t.elements, quant);
  const axisLen = quant?.axisLen ?? 1;
  const bitmap = simd.arena({
    bitmap: bitmapBytes(t.elements), view: max('view'), bands: max('bands'), channels: max('channels'), axisLen, qtab: plan ? planBytes(axisLen) : 0,
  });
  const bitmapAt = simd.addressOf(bitmap)!;
  const kept: (KeptSums[] | null)[] = views.map(() => null);
  const nearBits = opts.nearZero.relative ? 0 : thresholdBits(opts.nearZero.value);
  const byM = groupByM(opts.patterns);
  const load = decoder(t, quant, simd);
  // 8-bit codes are measured as integers where the plan's tables fit the kernels.
  const q = plan && writeTables(plan, simd, nearBits) ? plan : undefined;
  const unit = q?.mode === 'columns' ? q.axisLen : 1;
  const stream = (size: number, visit: (c: Chunk) => void, progress = false): Promise<void> => {
    simd.prepare(size, 0);
    // The kernels read any alignment; only the scalar decoders need aligned chunks.
    return forEachChunk(t, progress ? env : { ...env, onBytes: undefined }, size, visit, { unaligned: load.unaligned });
  };
  const at = (c: Chunk): number => simd.addressOf(c.bytes) ?? -1;
  // `floats`: the chunk's float32 magnitudes when the caller already has them.
  const keptOf = (v: GemmView, ks: KeptSums[]): { fold(c: Chunk, floats?: number): void; finish(): void } => {
    const ms = ks.map((x) => x.m);
    if (t.dtype.name === 'float16' && halfKeptTakes(v, ms)) {
      // A chunk outside the kernels' memory takes the decoder (which says so).
      const fold = (c: Chunk): void => (at(c) < 0 ? foldKept(v, ks, simd, load.magnitudes(c), c.first, c.count) : foldHalfKept(v, ks, simd, at(c), c.first, c.count));
      return { fold, finish: () => undefined };
    }
    const lay = q && quantKeptLayout(q, v, ms);
    if (!q || !lay) return { fold: (c, floats) => foldKept(v, ks, simd, floats ?? load.magnitudes(c), c.first, c.count), finish: () => undefined };
    const pend = newKeptPending(ks, q, simd);
    return { fold: (c) => foldQuantizedKept(q, lay, pend, simd, at(c), c.first, c.count), finish: () => flushKept(q, ks, pend, simd) };
  };

  const first = views[0];
  const firstKept = first ? keptSums(first, byM) : null;
  const firstFold = first && firstKept ? keptOf(first, firstKept) : undefined;
  // float16 is measured as it is, kept magnitude too where its kernel takes the layout.
  const nearHalf = t.dtype.name === 'float16' ? halfThreshold(nearBits) : -1;
  await stream(chunkSize(t, first, byM, unit), (c) => {
    if (q || nearHalf >= 0) {
      if (q) foldQuantized(q, stats, simd, at(c), c.count, c.first, bitmapAt, nearBits);
      else foldHalves(stats, simd, at(c), c.count, c.first, bitmap, bitmapAt, nearBits, nearHalf);
      firstFold?.fold(c);
      return;
    }
    const ptr = load.magnitudes(c);
    foldMagnitudes(stats, simd, ptr, c.count, c.first, bitmap, nearBits);
    firstFold?.fold(c, ptr);
  }, true);
  if (q) finishQuantized(q, stats, simd);
  firstFold?.finish();
  if (first) kept[0] = firstKept;

  if (opts.nearZero.relative && stats.maxBits > 0) {
    const t2 = thresholdBits(opts.nearZero.value * bitsToFloat(stats.maxBits));
    let near = 0;
    if (q && writeTables(q, simd, t2)) {
      // The integer pass again with the relative threshold (its bitmap bits are the same).
      const again = newMagnitudeStats();
      await stream(chunkSize(t, undefined, byM, unit), (c) => foldQuantized(q, again, simd, at(c), c.count, c.first, bitmapAt, t2));
      finishQuantized(q, again, simd);
      near = again.nearZeros;
    } else {
      await stream(CHUNK_TARGET, (c) => {
        near += countAtMost(simd, load.magnitudes(c), c.count, t2);
      });
    }
    stats.nearZeros = near;
  } else if (opts.nearZero.relative) stats.nearZeros = stats.zeros;

  for (let i = 1; i < views.length; i++) {
    const v = views[i];
    const ks = keptSums(v, byM);
    if (!ks) continue;
    const fold = keptOf(v, ks);
    await stream(chunkSize(t, v, byM, unit), (c) => fold.fold(c));
    fold.finish();
    kept[i] = ks;
  }
  return { stats, bitmap, bitmapAt, kept };
}

/** Where a chunk's float32 magnitudes are: in place for float32, decoded by a kernel or by the scalar reference otherwise. */
function decoder(t: TensorRef, q: Quantization | undefined, simd: SimdKernels): { magnitudes(c: Chunk): number; unaligned: boolean } {
  const d = t.dtype;
  const at = (c: Chunk): number => {
    const p = simd.addressOf(c.bytes);
    if (p === undefined) throw new Error(`chunk of ${t.name} is not in the kernels' memory`);
    return p;
  };
  switch (d.name) {
    case 'float32':
      return { unaligned: true, magnitudes: (c) => simd.addressOf(c.bytes) ?? scalar(t, q, simd, c) };
    case 'float16': case 'bfloat16': {
      const bf16 = d.name === 'bfloat16';
      return { unaligned: true, magnitudes: (c) => simd.decode16(at(c), c.count, bf16) };
    }
    case 'uint8': case 'int8': {
      // The kernel keeps zero points in i16 lanes and slice positions in i32.
      if (q && (q.inner > 2 ** 30 || !q.zeroPoint.every((z) => Number.isInteger(z) && Math.abs(z) < 1 << 14))) break;
      const signed = d.name === 'int8';
      const zp = q?.zeroPoint ?? new Float64Array([0]);
      simd.setQuantization(zp, q?.scale);
      const axisLen = q?.axisLen ?? 1;
      const inner = q?.inner ?? Math.max(1, t.elements);
      return { unaligned: true, magnitudes: (c) => simd.dequant8(at(c), c.count, signed, q?.scale !== undefined, axisLen, inner, c.first) };
    }
  }
  return { unaligned: false, magnitudes: (c) => scalar(t, q, simd, c) };
}

function scalar(t: TensorRef, q: Quantization | undefined, simd: SimdKernels, c: Chunk): number {
  const input = simd.input(c.count);
  toMagnitudes(t.dtype, c, q, input);
  return input.byteOffset;
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

/** Chunk elements: whole kept bands of the view, and whole rows of `unit` codes (per-column integer pass). */
function chunkSize(t: TensorRef, v: GemmView | undefined, byM: Map<number, number[]>, unit: number): number {
  let band = unit;
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

/** |x| <= t (as float32 bits) over n magnitudes at ptr: whole words by the kernel, the rest here. */
function countAtMost(simd: SimdKernels, ptr: number, n: number, t: number): number {
  const body = n & ~31;
  let count = body ? simd.stats(ptr, body, t).near : 0;
  const rest = simd.views(ptr + 4 * body, n - body).bits;
  for (let i = 0; i < rest.length; i++) count += 1 - ((t - (rest[i] & 0x7fffffff)) >>> 31);
  return count;
}
