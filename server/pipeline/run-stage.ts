import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AnalysisOptions, LayerReport, OpReport, Report, RunOptions, RunReport, Totals } from '../../common/protocol';
import { inferShapes } from '../analysis/cost/infer-shapes';
import { largestValues } from '../analysis/cost/static-costs';
import { checkOrtBuild } from '../analysis/run/ort-build';
import { channelRoles, focusValues, opReports, runTotals, valueReport, withRun } from '../analysis/run/run-report';
import { fromWire, type WireRunResult } from '../analysis/run/run-wire';
import { ortPackageVersion } from '../analysis/run/session';
import type { MeasuredWeights } from '../analysis/weights/measure-model';
import { JobChild } from '../child/run-in-child';
import { AnalysisError, CancelledError } from '../errors';
import { graphInputs, MissingSizesError, resolveShapes } from '../inputs/input-specs';
import type { LoadedModel } from '../onnx/load';
import type { Control } from './control';
import { childLimits, ORT_CHILD } from './limits';
import type { RunJob } from './ort-jobs';

export interface RunPart {
  parts: Pick<Report, 'run' | 'values' | 'ops'>;
  layers?: LayerReport[];
  totals?: Pick<Totals, 'macs' | 'layerMacs' | 'timeMs'>;
  warnings: string[];
}

/**
 * The run's part of the report: values, ops, layers with activations/MACs/time. The model runs in
 * the onnxruntime child; a run that fails there (ORT cannot load the model, an input is missing,
 * a dim has no size, a limit was hit, it crashed) degrades the report instead of losing it: the
 * weight analysis stands and the run says why it failed. Cancellation still cancels.
 */
export async function runStage(
  model: LoadedModel, measured: MeasuredWeights, options: AnalysisOptions, run: RunOptions, externalBytes: number, control: Control,
  child?: JobChild,
): Promise<RunPart> {
  let wire: WireRunResult;
  const profileDir = await fs.mkdtemp(path.join(os.tmpdir(), 'onnx-sparsity-profile-'));
  try {
    checkOrtBuild({ file: model.path });
    checkValueSizes(model, run);
    const job: RunJob = {
      file: model.path, focus: [...focusValues(measured.found)], channels: [...channelRoles(measured.found)], nm: options.nm,
      near: options.nearZero, options: run, profileDir,
    };
    child ??= JobChild.spawn(ORT_CHILD);
    wire = await child.run<WireRunResult>('run', job, childLimits(run, model.fileBytes + externalBytes), {
      signal: control.signal,
      onProgress: (fraction, message) => control.onProgress?.({ fraction, message, phase: 'run' }),
    }, { file: model.path });
  } catch (e) {
    if (e instanceof CancelledError || !(e instanceof AnalysisError)) throw e;
    const failed = failedRun(run, e.message);
    failed.declaredInputs = declared(model);
    if (e instanceof MissingSizesError) failed.missingSizes = e.missing;
    return { parts: { run: failed }, warnings: [`the model was not run: ${e.message}`] };
  } finally {
    child?.dispose();
    await fs.rm(profileDir, { recursive: true, force: true });
  }
  const result = fromWire(model, wire);
  const ops: OpReport[] = opReports(model.scopes[0].nodes, result);
  const layers = withRun(measured.layers, measured.found, result, ops);
  return {
    parts: { run: result.report, values: [...result.values.values()].map(valueReport), ops },
    layers,
    totals: runTotals(ops, layers),
    warnings: result.warnings,
  };
}

/**
 * Before anything runs: the shapes every value will have (inferred from the model and the input
 * sizes), so a value no budget can hold (a 94-byte model can Expand a scalar to 2^30 floats) is
 * refused before onnxruntime tries to allocate it. Inputs from files have their sizes checked as
 * they are read instead.
 */
function checkValueSizes(model: LoadedModel, run: RunOptions): void {
  if (run.inputs.length) return;
  const specs = graphInputs(model);
  const resolved = resolveShapes(specs, run, model.path);
  const shapes = new Map(specs.map((s, i) => [s.name, resolved[i]]));
  const [largest] = largestValues(inferShapes(model, shapes), 1);
  if (largest && largest.bytes > run.memoryBudget)
    throw new AnalysisError(
      `value '${largest.name}' would hold ${largest.bytes} bytes ([${largest.dims.join(', ')}] ${largest.dtype}), more than the memory budget of ${run.memoryBudget} bytes; the model was not run`,
      { file: model.path },
    );
}

/** The model's inputs as declared, when they can be read (a non-tensor input cannot be fed, or described). */
function declared(model: LoadedModel): RunReport['declaredInputs'] {
  try {
    return graphInputs(model).map((s) => ({ name: s.name, dims: s.dims }));
  } catch {
    return undefined;
  }
}

function failedRun(run: RunOptions, error: string): RunReport {
  return {
    ok: false, error, requestedEp: run.ep, ep: run.ep, threads: run.threads, samples: 0, level: run.level,
    inputs: [], ortVersion: ortPackageVersion(), batches: 0,
  };
}
