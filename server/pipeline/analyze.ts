import * as path from 'node:path';
import { DEFAULT_KEEP, DEFAULT_SCENARIOS, layerWeightKey, SCHEMA_VERSION, type Report, type WeightReport } from '../../common/protocol';
import type { AnalysisSettings, PlanSettings } from '../../common/requests';
import { adviseReport } from '../advise/advise';
import { keptChoices } from '../advise/choices';
import { measureKept } from '../advise/magnitude-pass';
import type { Layer } from '../analysis/layers/layers';
import type { AcceleratorProfile } from '../estimate/profile';
import { globMatcher } from '../gates/glob';
import { measureWeights } from '../analysis/weights/measure-model';
import { totals } from '../analysis/weights/totals';
import { loadBench, loadCrossover } from '../bench/bench-cache';
import { benchMachineKey } from '../bench/machine';
import { thisMachine } from '../bench/this-machine';
import { estimateReport } from '../estimate/estimate';
import { inferCosts } from '../estimate/inferred-costs';
import { builtinProfiles, mergeProfiles, userProfiles } from '../estimate/profiles';
import { parseScenario } from '../estimate/scenarios';
import { selectTargets } from '../estimate/targets';
import { ExternalFiles } from '../onnx/external';
import { sha256, startFileHash } from '../onnx/hash';
import { UsageError } from '../errors';
import { graphInputs, unknownSizeNames } from '../inputs/input-specs';
import { loadModel, type LoadedModel } from '../onnx/load';
import { VERSION } from '../version';
import type { Control } from './control';
import { missingOrtBuild } from '../analysis/run/ort-build';
import { JobChild } from '../child/run-in-child';
import { ORT_CHILD } from './limits';
import { runStage } from './run-stage';
import { checkAnalysis } from './settings';

export type { Progress } from './control';

export interface AnalyzeInput extends AnalysisSettings, Control {
  file: string;
}

/**
 * The whole analysis of one model, stage by stage: check the settings (before any work), load,
 * measure every weight and layer, run it in the onnxruntime child (unless told not to; a failed
 * run degrades the report), attach what `bench`/`crossover` measured here, estimate speedups,
 * and assemble the report.
 */
export async function analyzeModel(req: AnalyzeInput): Promise<Report> {
  const { options, run, estimate } = checkAnalysis(req);
  const scenarios = estimate === false ? [] : estimate.scenarios ?? DEFAULT_SCENARIOS;
  scenarios.forEach(parseScenario);
  const mine = estimate !== false && estimate.accelerators ? await userProfiles(estimate.accelerators) : [];
  const profiles = estimate === false ? [] : mergeProfiles(builtinProfiles(), mine);
  // Names are checked before any work; this-machine joins once the run has measured it.
  const selected = estimate === false ? [] : selectTargets(estimate.targets, profiles.map((p) => p.id));
  const planTarget = estimate === false ? undefined : estimate.plan?.target;
  if (planTarget !== undefined && !selected.includes(planTarget) && !mine.some((p) => p.id === planTarget))
    throw new UsageError(`the plan's target '${planTarget}' is not one of the targets estimated (${selected.join(', ')}); add it to --target`);

  // The run's process starts now, so node, our bundle and onnxruntime load while the model is
  // read and its weights measured (pipeline/run-stage.ts runs the job in it).
  const child = run !== false && !missingOrtBuild() ? JobChild.spawn(ORT_CHILD) : undefined;
  try {
    const t0 = performance.now();
    // A large file's hash starts now, in a worker, so it is done when the weights are (server/onnx/hash.ts).
    const early = await startFileHash(req.file);
    let model: LoadedModel;
    try {
      model = await loadModel(req.file);
    } catch (e) {
      early?.stop();
      throw e;
    }
    const loadMs = performance.now() - t0;
    if (run && run.strictSizes) {
      const unknown = unknownSizeNames(graphInputs(model), run);
      if (unknown) throw new UsageError(unknown);
    }
    const hashing = early?.digest ?? sha256(model.buffer);
    const external = new ExternalFiles(model.dir, model.path);
    try {
      const t1 = performance.now();
      const measured = await measureWeights(model, options, external, {
        signal: req.signal,
        onFraction: (fraction) => req.onProgress?.({ fraction, message: 'measuring weights', phase: 'weights' }),
      });
      const weightsMs = performance.now() - t1;
      const t2 = performance.now();
      const ran = run === false ? undefined : await runStage(model, measured, options, run, externalBytes(measured.weights), req, child);
      const runMs = ran ? performance.now() - t2 : undefined;
      const layers = ran?.layers ?? measured.layers;
      const layerWeights = new Set(layers.map(layerWeightKey).filter((k) => k !== null));
      const report: Report = {
        schemaVersion: SCHEMA_VERSION,
        tool: { name: 'onnx-sparsity', version: VERSION },
        createdAt: new Date().toISOString(),
        options,
        model: modelInfo(model, await hashing, measured.weights),
        weights: measured.weights,
        layers,
        totals: { ...totals(measured.weights, layerWeights), ...ran?.totals },
        estimates: [],
        ...ran?.parts,
        warnings: [...model.warnings, ...measured.warnings, ...(ran?.warnings ?? [])],
        timings: { loadMs, weightsMs, ...(runMs !== undefined ? { runMs } : {}), totalMs: 0 },
      };
      // Without a run, per-layer costs come from the shapes the model implies at the user's dims.
      if (!report.run?.ok) report.inferred = inferCosts(model, run ? run : { dims: estimate === false ? {} : estimate.dims ?? {} });
      await attachMeasurements(report, benchMachineKey(report.run?.ep ?? (run ? run.ep : 'cpu'), run ? run.threads : 0));
      if (estimate !== false) {
        const here = thisMachine(report);
        const pool = new Map([...profiles, ...(here ? [here] : [])].map((p) => [p.id, p]));
        // The user's own profiles are always estimated: giving the file asked for them.
        const ids = [...new Set([...selected, ...mine.map((p) => p.id)])].filter((id) => pool.has(id));
        const used = ids.map((id) => pool.get(id)!);
        const t3 = performance.now();
        report.estimates = estimateReport(report, used, scenarios);
        const t4 = performance.now();
        report.timings.estimateMs = t4 - t3;
        if (used.length) {
          report.advice = await advise(report, model, measured.found, used, estimate, mine.map((p) => p.id), external, req.signal);
          report.timings.adviceMs = performance.now() - t4;
        }
      }
      report.timings.totalMs = performance.now() - t0;
      return report;
    } finally {
      early?.stop();
      await external.close();
    }
  } finally {
    child?.dispose();
  }
}

/** Verdicts, actions and the plan: the magnitude figures from one more pass over the layer weights, then the advisor. */
async function advise(
  report: Report, model: LoadedModel, found: readonly Layer[], used: readonly AcceleratorProfile[], estimate: { targets?: string[]; plan?: PlanSettings },
  own: readonly string[], external: ExternalFiles, signal: AbortSignal | undefined,
): Promise<Report['advice']> {
  const kept = await measureKept(model, found, report.layers, keptChoices(report, used), external, signal);
  const leave = estimate.plan?.leave ?? [];
  const matchers = leave.map(globMatcher);
  return adviseReport({
    report, profiles: used, selection: estimate.targets, own, kept, keep: estimate.plan?.keep ?? DEFAULT_KEEP,
    leave, leaves: (name) => matchers.some((m) => m(name)), planTarget: estimate.plan?.target,
  });
}

/** What `bench` and `crossover` measured for this model on this machine, if they ran. */
async function attachMeasurements(report: Report, machine: string): Promise<void> {
  const [bench, crossover] = await Promise.all([loadBench(report.model.sha256, machine), loadCrossover(machine)]);
  if (bench) report.bench = bench;
  if (crossover) report.crossover = crossover;
}

const externalBytes = (weights: readonly WeightReport[]): number => weights.reduce((s, w) => s + (w.external?.length ?? 0), 0);

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
    externalBytes: externalBytes(weights),
    graphName: p.graph?.name ?? '',
    nodes: model.nodes.length,
  };
}
