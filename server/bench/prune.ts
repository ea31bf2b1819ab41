import { float16Magnitudes } from '../onnx/float-tables';
import { memoryIndex, type GemmView } from '../analysis/layers/gemm-view';
import type { Layer } from '../analysis/layers/layers';
import { UsageError } from '../errors';
import { parseScenario, type Scenario } from '../estimate/scenarios';
import type { LoadedModel } from '../onnx/load';
import type { TensorRef } from '../onnx/tensor';
import type { Prune } from './prune-kind';

/** What a pruned copy can be: the estimator's N:M and unstructured scenarios, so the two compare like for like. */
export type PruneTarget = Extract<Scenario, { kind: 'nm' | 'unstructured' }>;

export function parsePrune(s: string): PruneTarget {
  let target: Scenario | undefined;
  try {
    target = parseScenario(`pruned-${s.trim()}`);
  } catch {
    // Reworded below: the scenario's own message names scenario keys, not this option.
  }
  if (target?.kind === 'nm' || target?.kind === 'unstructured') return target;
  throw new UsageError(`--prune must be N:M (e.g. 2:4) or X% (e.g. 90%), not '${s}'`);
}

/** Weight dtypes a copy can be pruned in: zero is the all-zero bit pattern. */
export const PRUNABLE_DTYPES: ReadonlySet<string> = new Set(['float32', 'float16', 'bfloat16']);

/**
 * A copy of the model's bytes with every layer weight pruned by magnitude: to N:M along each
 * layer's GEMM view (the N largest |w| of each group of M consecutive K kept), or to X% zeros
 * per layer. Weights are overwritten in place in the copy, so nothing is re-encoded; only float
 * weights stored in the file are pruned. Returns the bytes and the share zeroed.
 */
export function pruneModel(model: LoadedModel, layers: readonly Layer[], target: PruneTarget): { bytes: Uint8Array; sparsity: number; skipped: string[] } {
  const out = Uint8Array.from(model.buffer);
  const done = new Set<TensorRef>();
  const skipped: string[] = [];
  const prune: Prune = target.kind === 'nm' ? { kind: 'nm', n: target.n, m: target.m } : { kind: 'unstructured', sparsity: target.sparsity };
  let zeros = 0;
  let total = 0;
  for (const l of layers) {
    const t = l.weight;
    if (!t || done.has(t)) continue;
    done.add(t);
    if (t.data.kind !== 'bytes' || !PRUNABLE_DTYPES.has(t.dtype.name)) {
      skipped.push(`${t.name} (${t.dtype.name}, ${t.data.kind})`);
      continue;
    }
    const w = weightView(out, t.data.bytes.byteOffset - model.buffer.byteOffset, t);
    const why = pruneValues(w, t.elements, l.view, prune);
    if (why) skipped.push(`${t.name} (${why})`);
    zeros += w.zeros(t.elements);
    total += t.elements;
  }
  return { bytes: out, sparsity: total ? zeros / total : 0, skipped };
}

/** The values of tensor `t` lying at byte `at` of `bytes`, for reading magnitudes and zeroing in place. */
export function weightView(bytes: Uint8Array, at: number, t: TensorRef): WeightView {
  const width = t.dtype.name === 'float32' ? 4 : 2;
  return new WeightView(new DataView(bytes.buffer, bytes.byteOffset + at, t.elements * width), t.dtype.name);
}

/** Reads |x| and zeroes float32 / float16 / bfloat16 values at any byte alignment. */
export class WeightView {
  private readonly f16 = float16Magnitudes();
  private readonly scratch = new DataView(new ArrayBuffer(4));
  constructor(private readonly dv: DataView, private readonly dtype: string) {}
  abs(i: number): number {
    switch (this.dtype) {
      case 'float16': return this.f16[this.dv.getUint16(2 * i, true) & 0x7fff];
      case 'bfloat16':
        this.scratch.setUint32(0, (this.dv.getUint16(2 * i, true) & 0x7fff) << 16, true);
        return this.scratch.getFloat32(0, true);
      default: return Math.abs(this.dv.getFloat32(4 * i, true));
    }
  }
  zero(i: number): void {
    if (this.dtype === 'float32') this.dv.setFloat32(4 * i, 0, true);
    else this.dv.setUint16(2 * i, 0, true);
  }
  zeros(n: number): number {
    let z = 0;
    for (let i = 0; i < n; i++) z += this.abs(i) === 0 ? 1 : 0;
    return z;
  }
}

/**
 * Prunes one weight in place as `p` says, on the layer's GEMM view (rows = output channels, K
 * channel-last for convolutions): the same choices the advisor's magnitude figures assume.
 * Returns why it could not, or undefined when done.
 */
export function pruneValues(w: WeightView, n: number, v: GemmView | undefined, p: Prune): string | undefined {
  switch (p.kind) {
    case 'as-is':
      return undefined;
    case 'unstructured':
      pruneUnstructured(w, n, p.sparsity);
      return undefined;
    case 'nm':
      if (!v) return 'no GEMM view';
      if (v.k % p.m !== 0) return `K not a multiple of ${p.m}`;
      pruneNm(w, v, p.n, p.m);
      return undefined;
    case 'block':
      if (!v) return 'no GEMM view';
      pruneBlocks(w, v, p.r, p.c, p.sparsity);
      return undefined;
    case 'rows':
      if (!v) return 'no GEMM view';
      pruneRows(w, v, p.share);
      return undefined;
  }
}

/** Of each group of m consecutive K elements of a view row, zeroes the m - n smallest |w|. */
function pruneNm(w: WeightView, v: GemmView, n: number, m: number): void {
  const group = new Int32Array(m);
  for (let r = 0; r < v.rows; r++)
    for (let k = 0; k < v.k; k += m) {
      for (let j = 0; j < m; j++) group[j] = memoryIndex(v, r, k + j);
      const order = Array.from(group).sort((a, b) => w.abs(a) - w.abs(b));
      for (let j = 0; j < m - n; j++) w.zero(order[j]);
    }
}

/** Zeroes the `sparsity` share of smallest |w| (ties broken by position). */
function pruneUnstructured(w: WeightView, n: number, sparsity: number): void {
  const count = Math.floor(sparsity * n);
  if (!count) return;
  const mags = new Float32Array(n);
  for (let i = 0; i < n; i++) mags[i] = w.abs(i);
  const threshold = mags.slice().sort()[count - 1];
  let zeroed = 0;
  for (let i = 0; i < n && zeroed < count; i++) if (mags[i] < threshold) {
    w.zero(i);
    zeroed++;
  }
  for (let i = 0; i < n && zeroed < count; i++) if (mags[i] === threshold) {
    w.zero(i);
    zeroed++;
  }
}

/** Indexes 0..n-1 ordered by sums ascending, ties by index: the order both pruning and its magnitude figures remove in. */
export function ascending(sums: Float64Array): Int32Array {
  return Int32Array.from(sums.keys()).sort((a, b) => sums[a] - sums[b] || a - b);
}

/** Zeroes the `sparsity` share of r x c blocks of the view (edge blocks count as blocks) with the smallest L1. */
function pruneBlocks(w: WeightView, v: GemmView, r: number, c: number, sparsity: number): void {
  const cols = Math.ceil(v.k / c);
  const sums = new Float64Array(Math.ceil(v.rows / r) * cols);
  for (let row = 0; row < v.rows; row++)
    for (let k = 0; k < v.k; k++) sums[Math.floor(row / r) * cols + Math.floor(k / c)] += w.abs(memoryIndex(v, row, k));
  const order = ascending(sums);
  for (let i = 0; i < Math.floor(sparsity * sums.length); i++) {
    const b = order[i];
    const [r0, c0] = [Math.floor(b / cols) * r, (b % cols) * c];
    for (let row = r0; row < Math.min(v.rows, r0 + r); row++)
      for (let k = c0; k < Math.min(v.k, c0 + c); k++) w.zero(memoryIndex(v, row, k));
  }
}

/** Zeroes the `share` of output channels (view rows) with the smallest L1, whole. */
function pruneRows(w: WeightView, v: GemmView, share: number): void {
  const sums = new Float64Array(v.rows);
  for (let row = 0; row < v.rows; row++) for (let k = 0; k < v.k; k++) sums[row] += w.abs(memoryIndex(v, row, k));
  const order = ascending(sums);
  for (let i = 0; i < Math.floor(share * v.rows); i++) for (let k = 0; k < v.k; k++) w.zero(memoryIndex(v, order[i], k));
}

