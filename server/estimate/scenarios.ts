import { UsageError } from '../errors';
import { dtypeByName, type DTypeName } from '../onnx/dtypes';
import { layerWeightKey, weightKey, type Report } from '../../common/protocol';
import type { WorkLayer, Workload } from './workload';

/**
 * What-if pruning, from the real weights: the layer attributes a pruning would leave, and how much
 * of the weights' magnitude it would keep.
 *  - "as-is": the model as it is.
 *  - "pruned-N:M": every layer whose K is a multiple of M pruned to N:M by magnitude (keeping the
 *    N largest of each group); others unchanged. Magnitude kept: measured per layer.
 *  - "pruned-X%": every layer pruned to X% zeros by magnitude (layer-wise), unstructured.
 *    Magnitude kept: from each weight's log2 magnitude histogram (approximate within a bin).
 *  - "pruned-RxC-X%": every layer's R x C blocks pruned until X% of blocks are zero.
 *  - any of them "@DTYPE" (e.g. "pruned-2:4@float16"): priced as if the model ran at that
 *    precision (an FP32 export built as an FP16 TensorRT engine); accuracy is not estimated.
 */
export type Scenario = (
  | { kind: 'as-is'; key: string }
  | { kind: 'nm'; key: string; n: number; m: number }
  | { kind: 'unstructured'; key: string; sparsity: number }
  | { kind: 'block'; key: string; r: number; c: number; sparsity: number }
) & { dtype?: DTypeName };

/** Precisions a scenario may convert to, by the name users write. */
const PRECISIONS: Record<string, DTypeName> = { float32: 'float32', float16: 'float16', bfloat16: 'bfloat16', int8: 'int8', float8: 'float8e4m3fn', fp32: 'float32', fp16: 'float16', bf16: 'bfloat16', fp8: 'float8e4m3fn' };

const parsed = new Map<string, Scenario>();

/** A scenario from its key; the advisor parses the same few keys for every target. */
export function parseScenario(key: string): Scenario {
  let s = parsed.get(key);
  if (!s) {
    s = parseKey(key);
    if (parsed.size < 256) parsed.set(key, s);
  }
  return s;
}

function parseKey(key: string): Scenario {
  const k = key.trim();
  const [what, at, ...rest] = k.split('@');
  const dtype = at === undefined ? undefined : PRECISIONS[at];
  const base = at !== undefined && (!dtype || rest.length) ? undefined : parseBase(what, k);
  if (!base) throw new UsageError(`scenario '${key}' is not one of as-is, pruned-N:M (e.g. pruned-2:4), pruned-X% (e.g. pruned-90%), pruned-RxC-X% (e.g. pruned-32x32-75%), each optionally @float16, @bfloat16, @int8, @float8 or @float32`);
  return dtype ? { ...base, dtype } : base;
}

function parseBase(k: string, key: string): Scenario | undefined {
  if (k === 'as-is') return { kind: 'as-is', key };
  let m = /^pruned-(\d+):(\d+)$/.exec(k);
  if (m && Number(m[1]) >= 1 && Number(m[1]) < Number(m[2]) && Number(m[2]) <= 32) return { kind: 'nm', key, n: Number(m[1]), m: Number(m[2]) };
  m = /^pruned-(\d+(?:\.\d+)?)%$/.exec(k);
  if (m && Number(m[1]) > 0 && Number(m[1]) < 100) return { kind: 'unstructured', key, sparsity: Number(m[1]) / 100 };
  m = /^pruned-(\d+)x(\d+)-(\d+(?:\.\d+)?)%$/.exec(k);
  if (m && Number(m[1]) >= 1 && Number(m[2]) >= 1 && Number(m[3]) > 0 && Number(m[3]) < 100)
    return { kind: 'block', key, r: Number(m[1]), c: Number(m[2]), sparsity: Number(m[3]) / 100 };
  return undefined;
}

/** The workload at another precision: every layer's math and bytes, and the other ops', at `dtype`. */
function atPrecision(w: Workload, dtype: DTypeName): Workload {
  const bits = (d: DTypeName): number => dtypeByName(d).bits;
  const to = bits(dtype);
  const from = bits(w.dtype ?? 'float32');
  return {
    ...w,
    dtype,
    layers: w.layers.map((l): WorkLayer => {
      const activationBytes = (l.activationBytes * to) / bits(l.dtype);
      // Weight-only quantized weights (int4 under float16 math) stay as stored; float weights convert.
      if (l.weightDtype && !dtypeByName(l.weightDtype).name.startsWith('float')) return { ...l, dtype, activationBytes };
      const { weightDtype, ...rest } = l;
      return { ...rest, dtype, weightBytes: (l.weightBytes * to) / bits(weightDtype ?? l.dtype), activationBytes };
    }),
    others: w.others.map((o) => ({ ...o, bytes: (o.bytes * to) / from })),
  };
}

export interface Applied {
  workload: Workload;
  /** Share of the layers' sum |w| the pruning keeps (1 for as-is); null when not measurable. */
  l1Kept: number | null;
  notes: string[];
}

/** The workload a scenario leaves, with the magnitude it keeps, over the report's layers. */
/**
 * Scenarios already applied, by workload, then report and scenario: the advisor prices the same
 * scenario (pruned-2:4@float16) on every target that runs it, and the estimates of each scenario
 * are made once per report. Applied workloads are never changed once made.
 */
const applied = new WeakMap<Workload, WeakMap<Report, Map<string, Applied>>>();

export function applyScenario(w: Workload, s: Scenario, r: Report): Applied {
  let byReport = applied.get(w);
  if (!byReport) applied.set(w, (byReport = new WeakMap()));
  let byKey = byReport.get(r);
  if (!byKey) byReport.set(r, (byKey = new Map()));
  const key = JSON.stringify(s);
  let a = byKey.get(key);
  if (!a) byKey.set(key, (a = apply(w, s, r)));
  return a;
}

function apply(w: Workload, s: Scenario, r: Report): Applied {
  const applied = applyPruning(w, s, r);
  if (!s.dtype) return applied;
  return {
    ...applied,
    workload: atPrecision(applied.workload, s.dtype),
    notes: [...applied.notes, `priced as if every layer and op ran at ${s.dtype} (weights and activations at ${dtypeByName(s.dtype).bits} bits); what the conversion does to accuracy is not estimated`],
  };
}

function applyPruning(w: Workload, s: Scenario, r: Report): Applied {
  if (s.kind === 'as-is') return { workload: w, l1Kept: 1, notes: [] };
  const byName = new Map(r.layers.map((l) => [l.name, l]));
  const weights = new Map(r.weights.map((x) => [weightKey(x.graph, x.name), x]));
  let total = 0;
  let kept = 0;
  let measurable = true;
  const notes: string[] = [];
  const layers = w.layers.map((l): WorkLayer => {
    const rep = byName.get(l.name);
    const key = rep ? layerWeightKey(rep) : null;
    const wr = key === null ? undefined : weights.get(key);
    // Sum |w| over the finite values: the L1 the pruning's kept share is measured against.
    const sum = wr ? wr.magnitude.mean * (wr.elements - wr.magnitude.nonFinite) : 0;
    total += sum;
    switch (s.kind) {
      case 'nm': {
        const k = rep?.gemm?.k ?? 0;
        if (k % s.m !== 0) {
          kept += sum;
          return l;
        }
        const share = rep?.nm[`${s.n}:${s.m}`]?.l1Kept;
        if (share === null || share === undefined) measurable = false;
        kept += sum * (share ?? 1);
        return prunedWorkLayer(l, s);
      }
      case 'unstructured':
      case 'block':
        kept += sum * (wr ? keptAbove(wr.histogram, wr.zeros, wr.elements, 1 - Math.min(l.weightDensity, 1 - s.sparsity)) : 1);
        return prunedWorkLayer(l, s);
    }
  });
  if (s.kind === 'nm') {
    const skipped = w.layers.filter((l) => (byName.get(l.name)?.gemm?.k ?? 0) % s.m !== 0).length;
    if (skipped) notes.push(`${skipped} layer(s) with K not a multiple of ${s.m} stay as they are`);
  }
  if (s.kind !== 'nm') notes.push('magnitude kept is approximated from each weight\'s log2 magnitude histogram');
  if (s.kind === 'block') notes.push(`block pruning keeps the same magnitude as unstructured pruning to the same density in this estimate (an upper bound)`);
  return { workload: { ...w, layers }, l1Kept: measurable && total > 0 ? kept / total : null, notes };
}

/** What a pruning leaves of one layer for the estimator (the advisor prices its per-layer choices with the same). */
export type LayerPruning = { kind: 'nm'; n: number; m: number } | { kind: 'unstructured'; sparsity: number } | { kind: 'block'; r: number; c: number; sparsity: number };

export function prunedWorkLayer(l: WorkLayer, s: LayerPruning): WorkLayer {
  switch (s.kind) {
    case 'nm':
      return { ...l, nmReady: [...new Set([...l.nmReady, `${s.n}:${s.m}`])], weightDensity: Math.min(l.weightDensity, s.n / s.m) };
    case 'unstructured': {
      const density = Math.min(l.weightDensity, 1 - s.sparsity);
      // A layer already this sparse is left as it is; otherwise its patterns are not kept.
      return l.weightDensity <= density ? l : { ...l, weightDensity: density, blockDensity: {}, nmReady: [] };
    }
    case 'block': {
      const density = Math.min(l.weightDensity, 1 - s.sparsity);
      return { ...l, weightDensity: density, blockDensity: { ...l.blockDensity, [`${s.r}x${s.c}`]: 1 - s.sparsity }, nmReady: [] };
    }
  }
}

/**
 * Share of sum |w| kept when the smallest `pruned` share of elements is removed, from the log2
 * histogram: zeros go first, then whole bins from the smallest, then part of one bin (values in a
 * bin [2^e, 2^(e+1)) taken at 1.5 x 2^e, the bin's mid-point).
 */
export function keptAbove(h: { log2Start: number; counts: number[] }, zeros: number, elements: number, pruned: number): number {
  let toRemove = pruned * elements - zeros;
  if (toRemove <= 0) return 1;
  const mass = h.counts.map((n, i) => n * 1.5 * 2 ** (h.log2Start + i));
  const total = mass.reduce((a, b) => a + b, 0);
  if (total === 0) return 1;
  let removed = 0;
  for (let i = 0; i < h.counts.length && toRemove > 0; i++) {
    const take = Math.min(h.counts[i], toRemove);
    removed += (take / Math.max(h.counts[i], 1)) * mass[i];
    toRemove -= take;
  }
  return Math.max(0, 1 - removed / total);
}
