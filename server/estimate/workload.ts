import type { DTypeName } from '../onnx/dtypes';
import { layerWeightKey, weightKey, type Report } from '../../common/protocol';

/**
 * What the estimator needs of a model, and nothing else: per layer its dense work and the
 * sparsity it carries; per other op its traffic. Built from a Report, or by tests straight from a
 * paper's layer shapes.
 */
export interface WorkLayer {
  name: string;
  /** Dense multiply-accumulates per inference. */
  macs: number;
  weightBytes: number;
  /** Activation bytes read and written. */
  activationBytes: number;
  /** Compute dtype (the weight's). */
  dtype: DTypeName;
  /** Nonzero share of the weight. */
  weightDensity: number;
  /** Shares of output rows and of K columns that are not all zero (what channel removal keeps). */
  rowsKept: number;
  kKept: number;
  /** N:M patterns the layer is ready for ("2:4"). */
  nmReady: string[];
  /** Share of nonzero blocks, by shape "RxC". */
  blockDensity: Record<string, number>;
  /** Nonzero share of the data input; null when the model was not run. */
  activationDensity: number | null;
}

export interface WorkOther {
  name: string;
  bytes: number;
  macs: number;
}

export interface Workload {
  layers: WorkLayer[];
  others: WorkOther[];
  /** Statements about how the workload was derived, shown with every estimate. */
  assumptions: string[];
}

/**
 * The workload of an analysed model. Without a run, MACs are unknown: each layer's weight is
 * taken as used once per inference (MACs = params), which weighs convolutions wrongly; this is said.
 */
export function workloadOf(r: Report): Workload {
  const assumptions: string[] = [];
  const ran = r.run?.ok === true;
  if (!ran) assumptions.push('the model was not run: MACs are taken as parameters (each weight used once), activations as dense, other ops as free');
  const weightBytes = new Map(r.weights.map((w) => [weightKey(w.graph, w.name), w]));
  const layers: WorkLayer[] = [];
  for (const l of r.layers) {
    const key = layerWeightKey(l);
    if (key === null || !l.gemm) continue;
    const w = weightBytes.get(key);
    if (!w) continue;
    const macs = ran ? l.macs ?? 0 : l.params;
    if (!macs) continue;
    layers.push({
      name: l.name,
      macs,
      weightBytes: w.bytes,
      activationBytes: ran && l.bytes !== undefined ? Math.max(0, l.bytes - w.bytes) : 0,
      dtype: w.dtype,
      weightDensity: l.params ? 1 - l.zeros / l.params : 1,
      rowsKept: l.gemm.rows ? 1 - l.zeroRows / l.gemm.rows : 1,
      kKept: l.gemm.k ? 1 - l.zeroCols / l.gemm.k : 1,
      nmReady: Object.entries(l.nm).filter(([, v]) => v.ready).map(([k]) => k),
      blockDensity: Object.fromEntries(Object.entries(l.blocks).map(([k, share]) => [k, 1 - share])),
      activationDensity: l.activation?.inputDensity ?? null,
    });
  }
  // Ops that are not weight layers (attention's activation x activation MatMuls included) keep
  // their dense cost on every chip.
  const layerNames = new Set(layers.map((l) => l.name));
  const others: WorkOther[] = (r.ops ?? [])
    .filter((o) => !layerNames.has(o.name))
    .map((o) => ({ name: o.name, bytes: o.bytes, macs: o.macs }));
  return { layers, others, assumptions };
}
