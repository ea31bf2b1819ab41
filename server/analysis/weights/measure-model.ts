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
import { parseBlock, parseNm } from './options';
import { quantization } from './quantization';
import { SimdKernels } from './simd-kernels';
import { log2Histogram, magnitudeSummary } from './summaries';
import { measureWeight } from './weights';

export interface MeasuredWeights {
  weights: WeightReport[];
  layers: LayerReport[];
  /** The layers found, in report order: the run and the estimates take them from here. */
  found: Layer[];
  warnings: string[];
}

/**
 * Every weight of the model in one streaming pass each (statistics, nonzero bitmap, N:M kept
 * magnitude), then every layer's pattern metrics from its weight's bitmap in the layer's GEMM view.
 */
export async function measureWeights(
  model: LoadedModel, options: AnalysisOptions, external: ExternalFiles,
  control: { signal?: AbortSignal; onFraction?: (fraction: number) => void },
): Promise<MeasuredWeights> {
  const warnings: string[] = [];
  const patterns = options.nm.map(parseNm);
  const blocks = options.blocks.map(parseBlock);
  const found = findLayers(model.nodes);
  const users = usersOf(model.nodes);
  const dq = dequantizeSources(model.nodes);
  const layersOf = new Map<TensorRef, Layer[]>();
  for (const l of found) if (l.weight) layersOf.set(l.weight, [...(layersOf.get(l.weight) ?? []), l]);

  const totalBytes = model.tensors.reduce((s, t) => s + (t.dtype.numeric ? rawByteLength(t.dtype, t.elements) : 0), 0);
  let doneBytes = 0;
  const simd = new SimdKernels(model.memory);
  const env: ChunkEnv = {
    file: model.path, external, buffers: simd, signal: control.signal,
    onBytes: (n) => {
      doneBytes += n;
      control.onFraction?.(totalBytes ? doneBytes / totalBytes : 1);
    },
  };
  const layerReports = new Map<Layer, LayerReport>();
  const weights: WeightReport[] = [];
  for (const t of model.tensors) {
    throwIfCancelled(control.signal);
    const layers = layersOf.get(t) ?? [];
    const quant = await quantization(t, layers, dq.get(t), env, warnings);
    const report = baseWeightReport(t, users.get(t)?.map((u) => u.opType) ?? [], quant?.report);
    if (!t.dtype.numeric) {
      weights.push({ ...report, skipped: `dtype ${t.dtype.name} is not analysed` });
      continue;
    }
    const viewed = layers.filter((l) => l.view);
    const views = [...new Map(viewed.map((l) => [JSON.stringify(l.view), l.view!])).values()];
    const m = await measureWeight(t, quant?.quantization, views, env, simd, { nearZero: options.nearZero, patterns });
    weights.push({
      ...report,
      zeros: m.stats.zeros,
      nearZeros: m.stats.nearZeros,
      sparsity: t.elements ? m.stats.zeros / t.elements : 0,
      magnitude: magnitudeSummary(m.stats, t.elements),
      histogram: log2Histogram(m.stats),
    });
    for (const l of layers) {
      const vi = l.view ? views.findIndex((v) => JSON.stringify(v) === JSON.stringify(l.view)) : -1;
      layerReports.set(l, layerReport(l, m, vi, patterns, blocks, simd));
    }
  }
  const layers = found.map((l) => layerReports.get(l) ?? weightlessLayerReport(l));
  return { weights, layers, found, warnings };
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
