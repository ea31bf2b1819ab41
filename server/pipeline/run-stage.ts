import type { AnalysisOptions, LayerReport, OpReport, Report, RunOptions, RunReport, Totals } from '../../common/protocol';
import { focusValues, opReports, runTotals, valueReport, withRun } from '../analysis/run/run-report';
import { fromWire, type WireRunResult } from '../analysis/run/run-wire';
import { ortPackageVersion } from '../analysis/run/session';
import type { MeasuredWeights } from '../analysis/weights/measure-model';
import { runInChild } from '../child/run-in-child';
import { AnalysisError, CancelledError } from '../errors';
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
): Promise<RunPart> {
  const job: RunJob = { file: model.path, focus: [...focusValues(measured.found)], near: options.nearZero, options: run };
  let wire: WireRunResult;
  try {
    wire = await runInChild<WireRunResult>(ORT_CHILD, 'run', job, childLimits(run, model.fileBytes + externalBytes), {
      signal: control.signal,
      onProgress: (fraction, message) => control.onProgress?.({ fraction, message, phase: 'run' }),
    }, { file: model.path });
  } catch (e) {
    if (e instanceof CancelledError || !(e instanceof AnalysisError)) throw e;
    return { parts: { run: failedRun(run, e.message) }, warnings: [`the model was not run: ${e.message}`] };
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

function failedRun(run: RunOptions, error: string): RunReport {
  return {
    ok: false, error, requestedEp: run.ep, ep: run.ep, threads: run.threads, samples: 0, level: run.level,
    inputs: [], ortVersion: ortPackageVersion(), batches: 0,
  };
}
