import * as path from 'node:path';
import { AnalysisError, CancelledError, throwIfCancelled } from '../errors';
import type { ChunkEnv } from '../onnx/chunks';
import { rawByteLength } from '../onnx/dtypes';
import { ExternalFiles } from '../onnx/external';
import { sha256 } from '../onnx/hash';
import { loadModel, type LoadedModel } from '../onnx/load';
import type { TensorRef } from '../onnx/tensor';
import { DEFAULT_RUN, DEFAULT_SCENARIOS, layerWeightKey, SCHEMA_VERSION, type AnalysisOptions, type LayerReport, type Report, type RunOptions, type RunReport, type WeightReport } from '../../common/protocol';
import { ortVersion } from '../analysis/run/session';
import { runModel } from '../analysis/run/activations';
import { focusValues, opReports, runTotals, valueReport, withRun } from '../analysis/run/run-report';
import { VERSION } from '../version';
import { findLayers, type Layer } from '../analysis/layers/layers';
import { layerReport, weightlessLayerReport } from '../analysis/weights/layer-report';
import { parseBlock, parseNm, resolveOptions } from '../analysis/weights/options';
import { dequantizeSources } from '../analysis/layers/dequantize-source';
import { quantization } from '../analysis/weights/quantization';
import { log2Histogram, magnitudeSummary } from '../analysis/weights/summaries';
import { totals } from '../analysis/weights/totals';
import { usersOf } from '../analysis/layers/users';
import { SimdKernels } from '../analysis/weights/simd-kernels';
import { measureWeight } from '../analysis/weights/weights';
import { loadBench, loadCrossover } from '../bench/bench-cache';
import { benchMachineKey } from '../bench/machine';
import { estimateReport } from '../estimate/estimate';
import { builtinProfiles, mergeProfiles, userProfiles } from '../estimate/profiles';
import { thisMachine } from '../bench/this-machine';
import { parseScenario } from '../estimate/scenarios';

export interface Progress {
  /** 0..1 of the current phase. */
  fraction: number;
  message: string;
  phase: 'weights' | 'run';
}

export interface AnalyzeRequest {
  file: string;
  options?: Partial<AnalysisOptions>;
  /** Run the model with onnxruntime (activations, shapes, MACs, per-op time); false for weights only. */
  run?: Partial<RunOptions> | false;
  /** Speedup estimates: extra accelerator profiles (a JSON file) and scenarios; false for none. */
  estimate?: { accelerators?: string; scenarios?: string[] } | false;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/**
 * The whole analysis of one model: load it, measure every weight and layer, run it (unless told
 * not to; a failed run degrades the report), attach what `bench`/`crossover` measured here, and
 * estimate speedups. Settings are checked before any work starts.
 */
export async function analyzeModel(req: AnalyzeRequest): Promise<Report> {
  const options = resolveOptions(req.options);
  const runOptions: RunOptions = { ...DEFAULT_RUN, ...(req.run || {}) };
  const scenarios = req.estimate === false ? [] : req.estimate?.scenarios ?? DEFAULT_SCENARIOS;
  scenarios.forEach(parseScenario);
  const profiles = req.estimate === false ? [] : mergeProfiles(builtinProfiles(), req.estimate?.accelerators ? await userProfiles(req.estimate.accelerators) : []);
  const t0 = performance.now();
  const model = await loadModel(req.file);
  const loadMs = performance.now() - t0;
  const sha = sha256(model.buffer);
  const external = new ExternalFiles(model.dir, model.path);
  try {
    const t1 = performance.now();
    const measured = await measureAll(model, options, external, req);
    const weightsMs = performance.now() - t1;
    const t2 = performance.now();
    const ran = req.run === false ? undefined : await runPart(model, measured, options, runOptions, req);
    const runMs = ran ? performance.now() - t2 : undefined;
    const layers = ran?.layers ?? measured.layers;
    const sha256 = await sha;
    const layerWeights = new Set(layers.map(layerWeightKey).filter((k) => k !== null));
    const report: Report = {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'onnx-sparsity', version: VERSION },
      createdAt: new Date().toISOString(),
      options,
      model: modelInfo(model, sha256, measured.weights),
      weights: measured.weights,
      layers,
      totals: { ...totals(measured.weights, layerWeights), ...ran?.totals },
      estimates: [],
      ...ran?.parts,
      warnings: [...model.warnings, ...measured.warnings, ...(ran?.warnings ?? [])],
      timings: { loadMs, weightsMs, ...(runMs !== undefined ? { runMs } : {}), totalMs: 0 },
    };
    await attachMeasurements(report, benchMachineKey(report.run?.ep ?? runOptions.ep, runOptions.threads));
    if (profiles.length) {
      const here = thisMachine(report);
      report.estimates = estimateReport(report, here ? [...profiles, here] : profiles, scenarios);
    }
    report.timings.totalMs = performance.now() - t0;
    return report;
  } finally {
    await external.close();
  }
}

/** The run's part of the report: values, ops, layers with activations/MACs/time, or why it failed. */
async function runPart(model: LoadedModel, measured: Awaited<ReturnType<typeof measureAll>>, options: AnalysisOptions, run: RunOptions, req: AnalyzeRequest) {
  const r = await runOrDegrade(model, measured.found, options, run, req);
  if (!r.result) return { parts: { run: r.failed }, warnings: r.warnings };
  const ops = opReports(model.scopes[0].nodes, r.result);
  const layers = withRun(measured.layers, measured.found, r.result, ops);
  return {
    parts: { run: r.result.report, values: [...r.result.values.values()].map(valueReport), ops },
    layers,
    totals: runTotals(ops, layers),
    warnings: r.warnings,
  };
}

/** What `bench` and `crossover` measured for this model on this machine, if they ran. */
async function attachMeasurements(report: Report, machine: string): Promise<void> {
  const [bench, crossover] = await Promise.all([loadBench(report.model.sha256, machine), loadCrossover(machine)]);
  if (bench) report.bench = bench;
  if (crossover) report.crossover = crossover;
}

async function measureAll(model: LoadedModel, options: AnalysisOptions, external: ExternalFiles, req: AnalyzeRequest) {
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
    file: model.path, external, buffers: simd, signal: req.signal,
    onBytes: (n) => {
      doneBytes += n;
      req.onProgress?.({ fraction: totalBytes ? doneBytes / totalBytes : 1, message: 'measuring weights', phase: 'weights' });
    },
  };
  const layerReports = new Map<Layer, LayerReport>();
  const weights: WeightReport[] = [];
  for (const t of model.tensors) {
    throwIfCancelled(req.signal);
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
      layerReports.set(l, layerReport(l, m, vi, patterns, blocks));
    }
  }
  const layers = found.map((l) => layerReports.get(l) ?? weightlessLayerReport(l));
  return { weights, layers, found, warnings };
}

/**
 * A run that fails (ORT cannot load the model, an input is missing, a dim has no size) degrades
 * the report instead of losing it: the weight analysis stands and the run says why it failed.
 * Cancellation still cancels.
 */
async function runOrDegrade(model: LoadedModel, found: readonly Layer[], options: AnalysisOptions, run: RunOptions, req: AnalyzeRequest) {
  try {
    const result = await runModel({
      model, focus: focusValues(found), near: options.nearZero, options: run, signal: req.signal,
      onProgress: (f, message) => req.onProgress?.({ fraction: f, message, phase: 'run' }),
    });
    return { result, warnings: result.warnings };
  } catch (e) {
    if (e instanceof CancelledError || !(e instanceof AnalysisError)) throw e;
    const failed: RunReport = {
      ok: false, error: e.message, requestedEp: run.ep, ep: run.ep, threads: run.threads, samples: 0, level: run.level,
      inputs: [], ortVersion: ortVersion(), batches: 0,
    };
    return { failed, warnings: [`the model was not run: ${e.message}`] };
  }
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

function modelInfo(model: LoadedModel, sha256: string, weights: WeightReport[]): Report['model'] {
  const p = model.proto;
  return {
    path: model.path,
    name: path.basename(model.path),
    sha256,
    irVersion: model.irVersion,
    opsets: model.opsets,
    producer: { name: p.producerName ?? '', version: p.producerVersion ?? '' },
    fileBytes: model.fileBytes,
    externalBytes: weights.reduce((s, w) => s + (w.external?.length ?? 0), 0),
    graphName: p.graph?.name ?? '',
    nodes: model.nodes.length,
  };
}
