import type { DTypeName } from '../onnx/dtypes';
import type { LayerKind } from './profile';
import { layerWeightKey, weightKey, type OpReport, type Report } from '../../common/protocol';

/**
 * What the estimator needs of a model, and nothing else: per layer its dense work, its GEMM
 * shape and the sparsity it carries; per other op its traffic. Built from a Report (MACs and
 * bytes from the run, else from static shape inference, else from parameters), or by tests
 * straight from a paper's layer shapes.
 */
export interface WorkLayer {
  name: string;
  /** Its index in report.layers, when built from a report. */
  index?: number;
  /** conv (Conv, ConvTranspose and quantized forms) or gemm (Gemm, MatMul and quantized forms); absent: either. */
  kind?: LayerKind;
  /** Dense multiply-accumulates per inference. */
  macs: number;
  weightBytes: number;
  /** Bytes read and written besides the weight (activations; scales and zero points of quantized weights). */
  activationBytes: number;
  /** Compute dtype: the peak the layer runs at. */
  dtype: DTypeName;
  /** The weight's stored dtype when it differs from the compute dtype (W4A16: int4 weights, float16 math). */
  weightDtype?: DTypeName;
  /** Nonzero share of the weight. */
  weightDensity: number;
  /** Shares of output rows and of K columns that are not all zero (what channel removal keeps). */
  rowsKept: number;
  kKept: number;
  /** N:M patterns the layer is ready for ("2:4"). */
  nmReady: string[];
  /** Share of nonzero blocks, by shape "RxC". */
  blockDensity: Record<string, number>;
  /** Nonzero share of the data input (the mean over the run's samples); null when the model was not run. */
  activationDensity: number | null;
  /** Lowest and highest per-sample density of the data input, when the run had several samples. */
  activationRange?: [number, number];
  /** One GEMM call: m activation rows (tokens, output pixels), n outputs and k reduction per group, groups calls. */
  gemm: { m: number; n: number; k: number; groups: number };
  costSource?: 'run' | 'inference' | 'params';
}

export interface WorkOther {
  name: string;
  opType?: string;
  bytes: number;
  macs: number;
}

export interface Workload {
  layers: WorkLayer[];
  others: WorkOther[];
  /** Statements about how the workload was derived, shown with every estimate. */
  assumptions: string[];
  /** Compute dtype of the ops that are not layers (the layers' most common one by MACs). */
  dtype?: DTypeName;
  /** What the activation densities were measured on, when the model ran. */
  activations?: { kind: 'generated' | 'files'; samples: number; text: string };
}

const INTEGER_OPS = new Set(['QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger']);
const FLOATS = new Set<DTypeName>(['float32', 'float16', 'bfloat16', 'float64', 'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'float4e2m1']);

/** The dtype the layers' arithmetic runs in, most MACs first; float32 when nothing says. */
function dominant(entries: [DTypeName, number][], fallback: DTypeName): DTypeName {
  const by = new Map<DTypeName, number>();
  for (const [d, n] of entries) by.set(d, (by.get(d) ?? 0) + n);
  return [...by].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}

/** The GEMM a layer's MACs and view imply: m = MACs / (rows x K), per group n = rows / groups. */
export function gemmOf(macs: number, rows: number, k: number, groups: number): WorkLayer['gemm'] {
  return { m: rows && k ? macs / (rows * k) : 1, n: rows / Math.max(1, groups), k, groups: Math.max(1, groups) };
}

/** The workload of an analysed model; each layer says where its MACs came from. */
export function workloadOf(r: Report): Workload {
  const ran = r.run?.ok === true;
  const inferred = ran ? undefined : r.inferred;
  const inferredOps = new Map((inferred?.ops ?? []).map((o) => [o.name, o]));
  const weights = new Map(r.weights.map((w) => [weightKey(w.graph, w.name), w]));
  const floatInput = [...(r.run?.inputs ?? []), ...(inferred?.inputs ?? [])].map((i) => i.dtype as DTypeName).find((d) => FLOATS.has(d));
  const modelFloat = dominant(r.layers.flatMap((l) => {
    const key = layerWeightKey(l);
    const w = key === null ? undefined : weights.get(key);
    return w && FLOATS.has(w.dtype) ? [[w.dtype, l.macs ?? l.params] as [DTypeName, number]] : [];
  }), floatInput ?? 'float32');
  const layers: WorkLayer[] = [];
  for (const [index, l] of r.layers.entries()) {
    const key = layerWeightKey(l);
    if (key === null || !l.gemm) continue;
    const w = weights.get(key);
    if (!w) continue;
    const op: OpReport | undefined = inferredOps.get(l.name);
    const [macs, bytes, costSource]: [number, number | undefined, WorkLayer['costSource']] =
      ran && l.macs !== undefined ? [l.macs, l.bytes, 'run']
      : op && op.macs > 0 ? [op.macs, op.bytes, 'inference']
      : [l.params, undefined, 'params'];
    if (!macs) continue;
    const dtype: DTypeName = FLOATS.has(w.dtype) ? w.dtype : INTEGER_OPS.has(l.opType) ? 'int8' : modelFloat;
    layers.push({
      name: l.name,
      index,
      kind: /Conv/.test(l.opType) ? 'conv' : 'gemm',
      macs,
      weightBytes: w.bytes,
      activationBytes: bytes !== undefined ? Math.max(0, bytes - w.bytes) : 0,
      dtype,
      ...(dtype !== w.dtype ? { weightDtype: w.dtype } : {}),
      weightDensity: l.params ? 1 - l.zeros / l.params : 1,
      rowsKept: l.gemm.rows ? 1 - l.zeroRows / l.gemm.rows : 1,
      kKept: l.gemm.k ? 1 - l.zeroCols / l.gemm.k : 1,
      nmReady: Object.entries(l.nm).filter(([, v]) => v.ready).map(([k]) => k),
      blockDensity: Object.fromEntries(Object.entries(l.blocks).map(([k, share]) => [k, 1 - share])),
      activationDensity: l.activation?.inputSpread?.mean ?? l.activation?.inputDensity ?? null,
      ...(l.activation?.inputSpread && l.activation.inputSpread.samples > 1 ? { activationRange: [l.activation.inputSpread.min, l.activation.inputSpread.max] as [number, number] } : {}),
      gemm: gemmOf(macs, l.gemm.rows, l.gemm.k, l.gemm.groups),
      costSource,
    });
  }
  // Ops that are not weight layers (attention's activation x activation MatMuls included) keep
  // their dense cost on every target.
  const layerNames = new Set(layers.map((l) => l.name));
  const ops = ran ? r.ops ?? [] : inferred?.ops ?? [];
  const others: WorkOther[] = ops.filter((o) => !layerNames.has(o.name)).map((o) => ({ name: o.name, opType: o.opType, bytes: o.bytes, macs: o.macs }));
  const source = ran ? r.run?.sampleSource : undefined;
  return {
    layers, others, assumptions: costAssumptions(r, layers),
    dtype: dominant(layers.map((l) => [l.dtype, l.macs]), modelFloat),
    ...(ran ? { activations: { kind: source?.kind ?? (r.run!.inputs.every((i) => i.source === 'generated') ? 'generated' : 'files'), samples: r.run!.samples, text: source?.text ?? r.run!.inputs.map((i) => i.source).join(', ') } } : {}),
  };
}

function costAssumptions(r: Report, layers: readonly WorkLayer[]): string[] {
  const n = (s: WorkLayer['costSource']): number => layers.filter((l) => l.costSource === s).length;
  const out: string[] = [];
  if (n('run')) out.push(`MACs and bytes of ${n('run')} layer(s) and of the other ops come from the run (shapes as onnxruntime produced them)`);
  const inf = r.run?.ok ? undefined : r.inferred;
  if (n('inference')) {
    const shapes = inf?.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ') ?? '';
    out.push(`the model was not run: MACs and bytes of ${n('inference')} layer(s) and of the other ops come from static shape inference at inputs ${shapes}; activations are taken as dense`);
  }
  if (inf?.unknownOps.length) out.push(`shape inference has no rule for ${inf.unknownOps.join(', ')}: ops after them may be missing from the costs`);
  if (inf?.error) out.push(`static shape inference could not start: ${inf.error}`);
  if (n('params')) out.push(`the model was not run and shapes are unknown for ${n('params')} layer(s): their MACs are taken as parameters (each weight used once, M = 1), activations as dense, other ops as free`);
  return out;
}
