import * as path from 'node:path';
import type { LayerReport } from '../../common/protocol';
import type { GemmView } from '../analysis/layers/gemm-view';
import type { Layer } from '../analysis/layers/layers';
import { toMagnitudes } from '../analysis/weights/magnitudes';
import { MAG_SCRATCH_BYTES, MAG_WAYS_FROM, PlanKernels, SELECT_BYTES } from '../analysis/weights/plan-kernels';
import { align16 } from '../analysis/weights/simd-layout';
import { SimdKernels } from '../analysis/weights/simd-kernels';
import { splitOff, splitRun, tensorItem } from '../analysis/weights/split-pass';
import { PRUNABLE_DTYPES } from '../bench/prune';
import { pruneKey, type Prune } from '../bench/prune-kind';
import { throwIfCancelled } from '../errors';
import { forEachChunk, type ChunkEnv } from '../onnx/chunks';
import type { ExternalFiles } from '../onnx/external';
import type { LoadedModel } from '../onnx/load';
import type { TensorRef } from '../onnx/tensor';
import { BIN_NONFINITE, BINS, keptSmallest, keptUnstructuredAt, type MagnitudeBins } from './kept';

/**
 * What each pruning the plan may choose would keep of each layer's L1 magnitude, from one pass
 * over its weight (in the caller's process, chunk by chunk, external data streamed): per bin, per
 * output channel and per block of each asked shape. N:M figures come from the weight analysis
 * (report.layers[].nm[].l1Kept), which measured them exactly.
 */

export interface KeptChoices {
  /** Unstructured shares (0.9 = 90% zeros). */
  unstructured: readonly number[];
  /** Block shapes (rows x K of the GEMM view) and the shares of blocks to zero. */
  blocks: readonly { r: number; c: number }[];
  blockLevels: readonly number[];
  /** Shares of output channels to zero. */
  rows: readonly number[];
  /** N:M patterns to offer where the analysis measured them. */
  nm: readonly { n: number; m: number }[];
}

export const UNSTRUCTURED_LEVELS = [0.5, 0.75, 0.9, 0.95];
export const BLOCK_LEVELS = [0.5, 0.75, 0.9];
export const ROW_LEVELS = [0.125, 0.25, 0.5];

/** Why a layer gets no figures (it can only stay as it is), or undefined when it can be pruned. */
export function unprunable(l: Layer): string | undefined {
  const t = l.weight;
  if (!t) return 'no constant weight';
  if (!l.view) return l.problem ?? 'no GEMM view';
  if (l.quant) return `quantized weight (${t.dtype.name}): the copy is pruned in float weights only`;
  if (!PRUNABLE_DTYPES.has(t.dtype.name)) return `${t.dtype.name} weight: the copy is pruned in float32, float16 and bfloat16 only`;
  if (t.data.kind !== 'bytes' && t.data.kind !== 'external') return `values stored as ${t.data.kind === 'numbers' ? 'unpacked typed fields' : t.data.kind}: not pruned in place`;
  return undefined;
}

/** Blocks of one shape whose sums one weight may hold (128 MiB): a larger weight gets no figure for that shape. */
const MAX_BLOCKS = 1 << 25;

/** What the magnitude pass's worker is given (kept-worker.ts): the layers whose weights it sums, each the first with its weight and view. */
export interface KeptJob {
  file: string;
  choices: KeptChoices;
  /** Per job: its position in the caller's list (what the answer is keyed by), the layer's index in the layers found, its weight. */
  layers: { item: number; index: number; weight: string; elements: number }[];
}

/**
 * Per report layer (same order as `found`): kept share by plan key, or why it cannot be pruned.
 * With enough external data, a worker thread sums part of the weights at the same time
 * (server/analysis/weights/split-pass.ts).
 */
export async function measureKept(
  model: LoadedModel, found: readonly Layer[], layers: readonly LayerReport[], choices: KeptChoices, external: ExternalFiles, signal?: AbortSignal,
  split: { split?: 'auto' | 'off'; splitFromBytes?: number } = {},
): Promise<(Record<string, number> | string)[]> {
  // The figures of a weight on a view, not its sums: block sums of every weight held at once took 2.2 GB on a 4 GB model.
  // One sum per weight and view: the first layer with each.
  const firsts = new Map<string, number>();
  const keyOf = new Map<number, string>();
  const tensorIds = new Map<TensorRef, number>();
  for (const [i, l] of found.entries()) {
    if (unprunable(l)) continue;
    if (!tensorIds.has(l.weight!)) tensorIds.set(l.weight!, tensorIds.size);
    const key = `${tensorIds.get(l.weight!)} ${JSON.stringify(l.view)}`;
    keyOf.set(i, key);
    if (!firsts.has(key)) firsts.set(key, i);
  }
  const jobs = [...firsts.values()];
  // The split is over jobs (positions in `jobs`); each names its layer for the worker.
  const theirs = split.split === 'off' ? [] : splitOff(jobs.map((i) => tensorItem(found[i].weight!)), model.fileBytes, split.splitFromBytes);
  const job: KeptJob = { file: model.path, choices, layers: theirs.map((item) => ({ item, index: jobs[item], weight: found[jobs[item]].weight!.name, elements: found[jobs[item]].weight!.elements })) };
  const sum = keptSummer(model, external, signal);
  const { results } = await splitRun<KeptJob, Record<string, number>>(jobs.length, theirs, (k) => sum(found[jobs[k]], choices),
    { script: path.join(__dirname, 'kept-worker.js'), job, signal });
  const figures = new Map(jobs.map((i, k) => [i, results.get(k)!]));
  return found.map((l, i) => {
    const key = keyOf.get(i);
    return key === undefined ? unprunable(l)! : { ...nmFigures(l.view!, layers[i], choices), ...figures.get(firsts.get(key)!)! };
  });
}

/** The figures of one layer's weight on its view, on one set of kernels over the model's memory (this thread's, or kept-worker.ts's). */
export function keptSummer(model: LoadedModel, external: ExternalFiles, signal?: AbortSignal): (l: Layer, choices: KeptChoices) => Promise<Record<string, number>> {
  const simd = new SimdKernels(model.memory);
  const plan = new PlanKernels(model.memory);
  const env: ChunkEnv = { file: model.path, external, buffers: simd, signal };
  return (l, choices) => {
    throwIfCancelled(signal);
    return sumFigures(l.weight!, l.view!, choices, env, simd, plan);
  };
}

/** N:M kept shares as the weight analysis measured them (exactly). */
function nmFigures(v: GemmView, rep: LayerReport | undefined, c: KeptChoices): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of c.nm) {
    const measured = rep?.nm[`${x.n}:${x.m}`]?.l1Kept;
    if (v.k % x.m === 0 && measured !== null && measured !== undefined) out[pruneKey({ kind: 'nm', ...x })] = measured;
  }
  return out;
}

const CHUNK = 1 << 20;
/** Runs shorter than this go through magsums' scalar walk: a run's own cost would outweigh its SIMD. */
const MIN_RUN = 8;

/** Where a weight's sums lie in the kernels' arena (offsets from its start). */
function layout<S extends { count: number }>(t: TensorRef, v: GemmView, want: readonly S[]) {
  let bytes = 0;
  const take = (n: number): number => {
    const at = bytes;
    bytes += align16(n);
    return at;
  };
  const binsAt = take(2 * BINS * 8);
  // Only chunks this long use the interleaved bins (magSums decides per chunk).
  const scratchAt = t.elements >= MAG_WAYS_FROM ? take(MAG_SCRATCH_BYTES) : -1;
  const rowsAt = take(8 * v.rows);
  const shapes = want.map((x) => ({ ...x, blocks: take(4 * x.count), rowTab: take(4 * v.rows), colTab: take(4 * v.k) }));
  // After the sums, not cleared: the kernels' select ranks them (JS took 0.6 s for 33 M block sums, and ~100 ns a value cold on small weights).
  const selectAt = align16(bytes);
  return { bytes, binsAt, scratchAt, rowsAt, shapes, selectAt };
}

/**
 * One pass over the weight in memory order (simd/magsums.ts places each element on the GEMM
 * view): its bins, row sums and block sums in the kernels' arena, read into figures at once.
 */
async function sumFigures(t: TensorRef, v: GemmView, c: KeptChoices, env: ChunkEnv, simd: SimdKernels, plan: PlanKernels): Promise<Record<string, number>> {
  // Sized to the weight: most weights are far smaller than a chunk.
  const chunkElems = Math.max(1, Math.min(CHUNK, t.elements));
  simd.prepare(chunkElems, 0);
  const wanted = c.blocks.map((b, j) => ({ b, j, count: Math.ceil(v.rows / b.r) * Math.ceil(v.k / b.c) })).filter((x) => x.count <= MAX_BLOCKS);
  let placed = layout(t, v, wanted);
  let base = -1;
  for (;;) {
    try {
      base = simd.region(placed.bytes, SELECT_BYTES);
      break;
    } catch (e) {
      // Past the 4 GiB of WebAssembly memory: the largest block shape goes without a figure, as a shape past MAX_BLOCKS does.
      if (!(e instanceof RangeError) || !placed.shapes.length) throw e;
      const largest = placed.shapes.reduce((a, x) => (x.count > a.count ? x : a));
      placed = layout(t, v, placed.shapes.filter((x) => x !== largest));
    }
  }
  const { binsAt, scratchAt, rowsAt, shapes, selectAt } = placed;
  const tr = v.transpose;
  const walk = { mode: !tr ? 0 : v.k === tr.p ? 1 : v.k === tr.p * tr.q ? 2 : 3, p: tr?.p ?? v.k, q: tr?.q ?? 1, k: v.k };
  for (const s of shapes) {
    // A block's slot is rowTab[row] + colTab[col]. Only the set of block sums matters, so a
    // MatMul B [K, N] (memory runs along the view's rows) numbers blocks column-major: memory
    // order then walks the slots in order instead of K slots apart (1.2 s -> on 1 GiB).
    const bandsR = Math.ceil(v.rows / s.b.r);
    const cols = Math.ceil(v.k / s.b.c);
    const columnMajor = walk.mode === 1;
    const rowTab = simd.u32(base + s.rowTab, v.rows);
    for (let r = 0; r < v.rows; r++) rowTab[r] = Math.floor(r / s.b.r) * (columnMajor ? 1 : cols);
    const colTab = simd.u32(base + s.colTab, v.k);
    for (let k = 0; k < v.k; k++) colTab[k] = Math.floor(k / s.b.c) * (columnMajor ? bandsR : 1);
  }
  // Along a row-major view or a MatMul B [K, N], row sums and 4x1 blocks (the default block target's) are SIMD adds.
  const vectorWalk = walk.mode === 0 ? 'rows' : walk.mode === 1 && tr?.batches === 1 ? 'columns' : undefined;
  const alongLen = vectorWalk === 'rows' ? v.k : tr?.q ?? 0;
  // How each block shape is summed: 4x1 blocks as SIMD adds along the walk; blocks whose values
  // come in runs of 8 or more along memory (C columns of a row-major view, R rows of a MatMul B
  // [K, N]) a run at a time with SIMD, added to their block once; every shape of a channel-last
  // convolution (mode 2) a whole view row at a time in column order, its slots in order; the rest
  // by magsums' walk onto the view.
  type Way = 'vector4x1' | 'runs' | 'channelLast' | 'walk';
  const runOf = (b: { r: number; c: number }): number => (vectorWalk === 'rows' ? b.c : b.r);
  const wayOf = (b: { r: number; c: number }): Way =>
    walk.mode === 2 ? 'channelLast' : !vectorWalk ? 'walk' : b.r === 4 && b.c === 1 ? 'vector4x1' : runOf(b) >= MIN_RUN ? 'runs' : 'walk';
  const summedBy = (way: Way): typeof shapes => shapes.filter((s) => wayOf(s.b) === way);
  const vectored = summedBy('vector4x1').map((s) => ({ blocks: base + s.blocks, table: base + (vectorWalk === 'rows' ? s.rowTab : s.colTab) }));
  const inRuns = summedBy('runs').map((s) => ({
    run: runOf(s.b), blocks: base + s.blocks,
    posTab: base + (vectorWalk === 'rows' ? s.colTab : s.rowTab), lineTab: base + (vectorWalk === 'rows' ? s.rowTab : s.colTab),
  }));
  const channelLast = summedBy('channelLast').map((s) => ({ blocks: base + s.blocks, rowTab: base + s.rowTab, colTab: base + s.colTab, c: s.b.c }));
  const scalar = summedBy('walk');
  // A convolution read channel-last (mode 2) keeps each view row whole in memory, permuted: its
  // row sums are runs of K too. In magsums' walk that row's sum was a load and a store per value
  // on one address, each waiting on the last (PP-OCR-like 3x3 convolutions: ~4 ns a value).
  const rowWalk = vectorWalk ?? (walk.mode === 2 ? 'rows' : undefined);
  const rowLen = rowWalk === 'rows' ? v.k : alongLen;
  const calls = (scalar.length ? scalar : [undefined]).map((s, i) => ({
    bins: i === 0 ? base + binsAt : 0, rows: i === 0 && !rowWalk ? base + rowsAt : 0,
    blocks: s ? base + s.blocks : 0, rowTab: s ? base + s.rowTab : 0, colTab: s ? base + s.colTab : 0,
    scratch: scratchAt >= 0 ? base + scratchAt : 0,
  }));
  const decoded = t.dtype.name !== 'float32';
  const bf16 = t.dtype.name === 'bfloat16';
  await forEachChunk(t, env, chunkElems, (chunk) => {
    let ptr = simd.addressOf(chunk.bytes);
    if (ptr === undefined) {
      const input = simd.input(chunk.count);
      toMagnitudes(t.dtype, chunk, undefined, input);
      ptr = input.byteOffset;
    } else if (decoded) ptr = simd.decode16(ptr, chunk.count, bf16);
    for (const at of calls) plan.magSums(ptr, chunk.count, chunk.first, at, walk);
    if (rowWalk) plan.rowsAlong(rowWalk, ptr, chunk.count, chunk.first, base + rowsAt, rowLen);
    for (const x of channelLast) plan.blocksChannelLast(ptr, chunk.count, chunk.first, x.blocks, x.rowTab, x.colTab, walk.p, walk.q, x.c);
    if (vectorWalk) {
      for (const x of vectored) plan.blocks4x1(vectorWalk, ptr, chunk.count, chunk.first, x.blocks, x.table, alongLen);
      for (const x of inRuns) plan.blockRuns(ptr, chunk.count, chunk.first, alongLen, x.run, x.blocks, x.posTab, x.lineTab);
    }
  }, { unaligned: true });

  const out: Record<string, number> = {};
  const put = (p: Prune, kept: number): void => void (out[pruneKey(p)] = kept);
  const bins: MagnitudeBins = { counts: simd.f64(base + binsAt, BINS), sums: simd.f64(base + binsAt + BINS * 8, BINS) };
  // The finite bins hold every finite |x| once.
  let total = 0;
  for (let b = 0; b < BIN_NONFINITE; b++) total += bins.sums[b];
  const unstructured = keptUnstructuredAt(bins, t.elements, total, c.unstructured);
  c.unstructured.forEach((sparsity, k) => put({ kind: 'unstructured', sparsity }, unstructured[k]));
  const smallest = (ptr: number, n: number, wide: boolean) => (take: number[]): number[] => plan.smallestSums(ptr, n, wide, take, base + selectAt);
  for (const s of shapes) {
    const kept = keptSmallest(s.count, total, c.blockLevels, smallest(base + s.blocks, s.count, false));
    c.blockLevels.forEach((sparsity, k) => put({ kind: 'block', ...s.b, sparsity }, kept[k]));
  }
  if (v.rows > 1) {
    const shares = c.rows.filter((share) => Math.floor(share * v.rows) > 0);
    const kept = keptSmallest(v.rows, total, shares, smallest(base + rowsAt, v.rows, true));
    shares.forEach((share, k) => put({ kind: 'rows', share }, kept[k]));
  }
  return out;
}
