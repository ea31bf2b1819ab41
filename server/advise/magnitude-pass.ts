import type { LayerReport } from '../../common/protocol';
import type { GemmView } from '../analysis/layers/gemm-view';
import type { Layer } from '../analysis/layers/layers';
import { toMagnitudes } from '../analysis/weights/magnitudes';
import { PRUNABLE_DTYPES } from '../bench/prune';
import { pruneKey, type Prune } from '../bench/prune-kind';
import { throwIfCancelled } from '../errors';
import { forEachChunk, type ChunkBuffers, type ChunkEnv } from '../onnx/chunks';
import type { ExternalFiles } from '../onnx/external';
import type { LoadedModel } from '../onnx/load';
import type { TensorRef } from '../onnx/tensor';
import { BIN_NONFINITE, keptSmallest, keptUnstructured, newBins, type MagnitudeBins } from './kept';

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

interface Sums {
  total: number;
  bins: MagnitudeBins;
  rows: Float64Array;
  /** Per asked block shape, its blocks' L1 (float32: a block's few values sum well within it); null past MAX_BLOCKS. */
  blocks: (Float32Array | null)[];
}

/** Blocks of one shape whose sums one weight may hold (128 MiB): a larger weight gets no figure for that shape. */
const MAX_BLOCKS = 1 << 25;

/** Per report layer (same order as `found`): kept share by plan key, or why it cannot be pruned. */
export async function measureKept(
  model: LoadedModel, found: readonly Layer[], layers: readonly LayerReport[], choices: KeptChoices, external: ExternalFiles, signal?: AbortSignal,
): Promise<(Record<string, number> | string)[]> {
  const env: ChunkEnv = { file: model.path, external, buffers: new Scratch(), signal };
  const done = new Map<TensorRef, Map<string, Sums>>();
  const out: (Record<string, number> | string)[] = [];
  for (const [i, l] of found.entries()) {
    throwIfCancelled(signal);
    const why = unprunable(l);
    if (why) {
      out.push(why);
      continue;
    }
    const t = l.weight!;
    const v = l.view!;
    const key = JSON.stringify(v);
    let byView = done.get(t);
    if (!byView) done.set(t, (byView = new Map()));
    let s = byView.get(key);
    if (!s) byView.set(key, (s = await weightSums(t, v, choices, env)));
    out.push(keptFigures(s, t.elements, v, layers[i], choices));
  }
  return out;
}

function keptFigures(s: Sums, n: number, v: GemmView, rep: LayerReport | undefined, c: KeptChoices): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (p: Prune, kept: number): void => void (out[pruneKey(p)] = kept);
  for (const x of c.nm) {
    const measured = rep?.nm[`${x.n}:${x.m}`]?.l1Kept;
    if (v.k % x.m === 0 && measured !== null && measured !== undefined) put({ kind: 'nm', ...x }, measured);
  }
  for (const sparsity of c.unstructured) put({ kind: 'unstructured', sparsity }, keptUnstructured(s.bins, n, s.total, sparsity));
  c.blocks.forEach((b, j) => {
    const sums = s.blocks[j];
    if (!sums) return;
    const kept = keptSmallest(sums, s.total, c.blockLevels);
    c.blockLevels.forEach((sparsity, k) => put({ kind: 'block', ...b, sparsity }, kept[k]));
  });
  if (v.rows > 1) {
    const shares = c.rows.filter((share) => Math.floor(share * v.rows) > 0);
    const kept = keptSmallest(s.rows, s.total, shares);
    shares.forEach((share, k) => put({ kind: 'rows', share }, kept[k]));
  }
  return out;
}

const CHUNK = 1 << 20;

/** One pass over the weight in memory order, each element placed on the GEMM view. */
async function weightSums(t: TensorRef, v: GemmView, c: KeptChoices, env: ChunkEnv): Promise<Sums> {
  const s: Sums = {
    total: 0, bins: newBins(), rows: new Float64Array(v.rows),
    blocks: c.blocks.map((b) => {
      const n = Math.ceil(v.rows / b.r) * Math.ceil(v.k / b.c);
      return n <= MAX_BLOCKS ? new Float32Array(n) : null;
    }),
  };
  // Sized to the weight: most weights are far smaller than a chunk, and zeroing 4 MiB per weight adds up.
  const chunkElems = Math.max(1, Math.min(CHUNK, t.elements));
  const mags = new Float32Array(chunkElems);
  const bits = new Uint32Array(mags.buffer);
  const { counts, sums } = s.bins;
  const rows = s.rows;
  const shapes = c.blocks.map((b, k) => ({ r: b.r, c: b.c, cols: Math.ceil(v.k / b.c), sums: s.blocks[k] })).filter((x) => x.sums !== null);
  // One block shape (a block target's own) is the common case: its figures in locals.
  const one = shapes.length === 1 ? shapes[0].sums : null;
  const [r1, c1, cols1] = shapes.length === 1 ? [shapes[0].r, shapes[0].c, shapes[0].cols] : [1, 1, 1];
  const tr = v.transpose;
  const K = v.k;
  // The view's (row, col) of each memory element, walked with counters: memory is [b][p][q] and the
  // view its per-batch transpose [b][q][p] when there is a transpose, else memory is the view.
  const p = tr ? tr.p : K;
  const q = tr ? tr.q : 1;
  const rowsPerBatch = tr ? (tr.p * tr.q) / K : 0;
  let total = 0;
  await forEachChunk(t, env, chunkElems, (chunk) => {
    toMagnitudes(t.dtype, chunk, undefined, mags);
    const n = chunk.count;
    const first = chunk.first;
    // Counters at the chunk's first element.
    const per = p * q;
    let bb = Math.floor(first / per);
    const rem = first - bb * per;
    let pp = tr ? Math.floor(rem / q) : 0;
    let qq = tr ? rem - pp * q : 0;
    let row = tr ? 0 : Math.floor(first / K);
    let col = tr ? 0 : first - row * K;
    for (let j = 0; j < n; j++) {
      if (tr) {
        const within = qq * p + pp;
        const r0 = Math.floor(within / K);
        row = bb * rowsPerBatch + r0;
        col = within - r0 * K;
      }
      // float32 comes through with its sign bit (the weight kernels ignore it): drop it here.
      const bin = (bits[j] & 0x7fffffff) >>> 19;
      if (bin < BIN_NONFINITE) {
        const x = Math.abs(mags[j]);
        total += x;
        counts[bin]++;
        sums[bin] += x;
        rows[row] += x;
        if (one) one[((row / r1) | 0) * cols1 + ((col / c1) | 0)] += x;
        else for (let k = 0; k < shapes.length; k++) {
          const sh = shapes[k];
          sh.sums![((row / sh.r) | 0) * sh.cols + ((col / sh.c) | 0)] += x;
        }
      }
      if (tr) {
        if (++qq === q) {
          qq = 0;
          if (++pp === p) {
            pp = 0;
            bb++;
          }
        }
      } else if (++col === K) {
        col = 0;
        row++;
      }
    }
  });
  s.total = total;
  return s;
}

/** Two grow-only byte slots for chunk reads. */
class Scratch implements ChunkBuffers {
  private slots: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  reserve(bytes: number): void {
    if (this.slots[0].length < bytes) this.slots = [new Uint8Array(bytes), new Uint8Array(bytes)];
  }
  raw(slot: 0 | 1, bytes: number): Uint8Array {
    return this.slots[slot].subarray(0, bytes);
  }
}
