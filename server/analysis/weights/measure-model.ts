import * as path from 'node:path';
import type { AnalysisOptions, LayerReport, WeightReport } from '../../../common/protocol';
import { throwIfCancelled } from '../../errors';
import type { ChunkEnv } from '../../onnx/chunks';
import { rawByteLength } from '../../onnx/dtypes';
import type { ExternalFiles } from '../../onnx/external';
import type { LoadedModel } from '../../onnx/load';
import type { TensorRef } from '../../onnx/tensor';
import { dequantizeSources } from '../layers/dequantize-source';
import { findLayers, type Layer } from '../layers/layers';
import { usersOf } from '../layers/users';
import { layerReport, weightlessLayerReport } from './layer-report';
import { parseBlock, parseNm, type BlockShape } from './options';
import { quantization } from './quantization';
import { SimdKernels } from './simd-kernels';
import { log2Histogram, magnitudeSummary } from './summaries';
import { splitOff, splitRun, storedBytes, tensorItem, type TensorResult, type WeightsJob } from './split-pass';
import { measureWeight, type NmPattern } from './weights';

export interface MeasuredWeights {
  weights: WeightReport[];
  layers: LayerReport[];
  /** The layers found, in report order: the run and the estimates take them from here. */
  found: Layer[];
  warnings: string[];
  /** Weights a worker thread measured (split-pass.ts). */
  split: number;
}

export interface PassControl {
  signal?: AbortSignal;
  onFraction?: (fraction: number) => void;
  /**
   * External weights measured on a second thread as well (server/analysis/weights/split-pass.ts):
   * 'auto' when the model has splitFromBytes of them and the machine a second core; 'off' keeps
   * the pass on this thread.
   */
  split?: 'auto' | 'off';
  splitFromBytes?: number;
}

/** What every weight's measurement reads of the model: found the same way on any thread. */
export interface PassContext {
  options: AnalysisOptions;
  patterns: NmPattern[];
  blocks: BlockShape[];
  found: Layer[];
  /** Each found layer's index in `found`. */
  index: Map<Layer, number>;
  users: ReturnType<typeof usersOf>;
  dq: ReturnType<typeof dequantizeSources>;
  layersOf: Map<TensorRef, Layer[]>;
}

export function passContext(model: LoadedModel, options: AnalysisOptions): PassContext {
  const found = findLayers(model.nodes);
  const layersOf = new Map<TensorRef, Layer[]>();
  for (const l of found) if (l.weight) layersOf.set(l.weight, [...(layersOf.get(l.weight) ?? []), l]);
  return {
    options, patterns: options.nm.map(parseNm), blocks: options.blocks.map(parseBlock), found, index: new Map(found.map((l, i) => [l, i])),
    users: usersOf(model.nodes), dq: dequantizeSources(model.nodes), layersOf,
  };
}

/** One weight in one streaming pass (statistics, nonzero bitmap, N:M kept magnitude), then its layers' pattern metrics from the bitmap in each layer's GEMM view. */
export async function measureTensor(t: TensorRef, ctx: PassContext, env: ChunkEnv, simd: SimdKernels): Promise<TensorResult> {
  const warnings: string[] = [];
  const layers = ctx.layersOf.get(t) ?? [];
  const quant = await quantization(t, layers, ctx.dq.get(t), env, warnings);
  const report = baseWeightReport(t, ctx.users.get(t)?.map((u) => u.opType) ?? [], quant?.report);
  if (!t.dtype.numeric) return { weight: { ...report, skipped: `dtype ${t.dtype.name} is not analysed` }, layers: [], warnings };
  const viewed = layers.filter((l) => l.view);
  const views = [...new Map(viewed.map((l) => [JSON.stringify(l.view), l.view!])).values()];
  const m = await measureWeight(t, quant?.quantization, views, env, simd, { nearZero: ctx.options.nearZero, patterns: ctx.patterns });
  const weight: WeightReport = {
    ...report,
    zeros: m.stats.zeros,
    nearZeros: m.stats.nearZeros,
    sparsity: t.elements ? m.stats.zeros / t.elements : 0,
    magnitude: magnitudeSummary(m.stats, t.elements),
    histogram: log2Histogram(m.stats),
  };
  const out: [number, LayerReport][] = [];
  for (const l of layers) {
    const vi = l.view ? views.findIndex((v) => JSON.stringify(v) === JSON.stringify(l.view)) : -1;
    out.push([ctx.index.get(l)!, layerReport(l, m, vi, ctx.patterns, ctx.blocks, simd)]);
  }
  return { weight, layers: out, warnings };
}

/** Measures the i-th weight of a model on one set of kernels over its memory (this thread's, or a worker's). */
export function tensorMeasurer(
  model: LoadedModel, ctx: PassContext, external: ExternalFiles, control: { signal?: AbortSignal; onBytes?: (n: number) => void },
): (i: number) => Promise<TensorResult> {
  const simd = new SimdKernels(model.memory);
  const env: ChunkEnv = { file: model.path, external, buffers: simd, ...control };
  return (i) => {
    throwIfCancelled(control.signal);
    return measureTensor(model.tensors[i], ctx, env, simd);
  };
}

/**
 * Every weight of the model, in model order, and every layer's pattern metrics. With enough
 * external data, a worker thread measures part of it at the same time (split-pass.ts).
 */
export async function measureWeights(model: LoadedModel, options: AnalysisOptions, external: ExternalFiles, control: PassControl): Promise<MeasuredWeights> {
  const ctx = passContext(model, options);
  const totalBytes = model.tensors.reduce((s, t) => s + storedBytes(t), 0);
  let doneBytes = 0;
  const onBytes = (n: number): void => {
    doneBytes += n;
    control.onFraction?.(totalBytes ? Math.min(1, doneBytes / totalBytes) : 1);
  };
  const theirs = control.split === 'off' ? [] : splitOff(model.tensors.map(tensorItem), model.fileBytes, control.splitFromBytes);
  const job: WeightsJob = { file: model.path, options, tensors: theirs.map((index) => ({ index, name: model.tensors[index].name, elements: model.tensors[index].elements })) };
  const measure = tensorMeasurer(model, ctx, external, { signal: control.signal, onBytes });
  const { results, fromWorker } = await splitRun<WeightsJob, TensorResult>(model.tensors.length, theirs, measure,
    { script: path.join(__dirname, 'pass-worker.js'), job, signal: control.signal, onBytes });
  const all = model.tensors.map((_, i) => results.get(i)!);
  const layerReports = new Map<number, LayerReport>();
  for (const r of all) for (const [li, lr] of r.layers) layerReports.set(li, lr);
  return {
    weights: all.map((r) => r.weight),
    layers: ctx.found.map((l, li) => layerReports.get(li) ?? weightlessLayerReport(l)),
    found: ctx.found,
    warnings: all.flatMap((r) => r.warnings),
    split: fromWorker,
  };
}

function baseWeightReport(t: TensorRef, usedBy: string[], quant: Pick<WeightReport, 'zeroPoint' | 'scale'> | undefined): WeightReport {
  return {
    name: t.name,
    dtype: t.dtype.name,
    dims: [...t.dims],
    elements: t.elements,
    bytes: rawByteLength(t.dtype, t.elements),
    zeros: 0,
    nearZeros: 0,
    sparsity: 0,
    ...quant,
    location: t.location,
    graph: t.graph,
    ...(t.data.kind === 'external'
      ? { external: { file: t.data.location, offset: t.data.offset, length: rawByteLength(t.dtype, t.elements) } }
      : {}),
    usedBy: [...new Set(usedBy)],
    magnitude: { minNonzero: null, max: 0, mean: 0, std: 0, nonFinite: 0 },
    histogram: { log2Start: 0, counts: [] },
  };
}
