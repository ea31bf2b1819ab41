import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { DriftReport, OutputDrift, RunOptions } from '../../common/protocol';
import { prepareSamples } from '../analysis/run/samples';
import { modelSession, openSession, type OpenedSession, type OrtTensor } from '../analysis/run/session';
import { AnalysisError, throwIfCancelled } from '../errors';
import { graphInputs } from '../inputs/input-specs';
import { sha256 } from '../onnx/hash';
import { loadModel, type LoadedModel } from '../onnx/load';
import { addDrift, addTop1, emptyDrift, finishDrift, looksLikeScores, numericData, type DriftSums, type Top1Sums } from './drift-stats';

/** What the onnxruntime child is asked to do for a drift rule. */
export interface DriftJob {
  model: string;
  baseline: string;
  /** The baseline model's hash as a saved report recorded it: a model changed since then is not that baseline. */
  baselineSha256?: string;
  /** Inputs (the user's files, or generated with these dims, seed and samples), provider, threads. */
  run: RunOptions;
  /** Only these outputs; all of the model's when absent. */
  outputs?: string[];
}

/**
 * Runs the model and the baseline model on the same inputs, one sample after the other, and folds
 * every output pair into drift sums as it comes (one sample's outputs of both are held at once).
 * Inputs are prepared for the model and must fit the baseline: same names and dtypes.
 */
export async function measureDrift(job: DriftJob, control: { onProgress?: (fraction: number, message: string) => void; signal?: AbortSignal }): Promise<DriftReport> {
  const [model, baseline] = [await loadModel(job.model), await loadModel(job.baseline)];
  if (job.baselineSha256 && (await sha256(baseline.buffer)) !== job.baselineSha256)
    throw new AnalysisError('is not the model the baseline report was made from (its sha256 differs); set "model" in maxDrift, or save the baseline report again', { file: baseline.path });
  checkSameInputs(model, baseline);
  const samples = await prepareSamples(model, job.run);
  const open = (m: LoadedModel): Promise<OpenedSession> => openSession(Buffer.from(m.buffer), modelSession(m, job.run));
  const a = await open(model);
  let b: OpenedSession | undefined;
  try {
    b = await open(baseline);
    const names = job.outputs ?? [...a.session.outputNames];
    const sums = new Map<string, Acc>(names.map((n) => [n, { sums: emptyDrift() }]));
    for (let s = 0; s < samples.count; s++) {
      control.onProgress?.(s / samples.count, `comparing outputs, sample ${s + 1} of ${samples.count}`);
      const feeds = await samples.feeds(s);
      const run = async (o: OpenedSession): Promise<Record<string, OrtTensor>> => {
        const fetches = names.filter((n) => o.session.outputNames.includes(n));
        return fetches.length ? o.session.run(feeds, fetches) : {};
      };
      const [ra, rb] = [await run(a), await run(b!)];
      for (const name of names) fold(name, sums.get(name)!, ra[name], rb[name], s === 0);
      await yieldToLoop();
      throwIfCancelled(control.signal);
    }
    return {
      model: model.path, baseline: baseline.path, samples: samples.count, inputs: samples.described, ep: a.ep,
      outputs: names.map((n) => {
        const x = sums.get(n)!;
        if (x.out?.skipped) return x.out;
        const top1 = x.top1?.rows ? { top1: { agreement: x.top1.agree / x.top1.rows, rows: x.top1.rows, classes: x.top1.classes } } : {};
        return { ...x.out!, ...finishDrift(x.sums), ...top1 };
      }),
    };
  } finally {
    await a.session.release();
    await b?.session.release();
  }
}

interface Acc {
  sums: DriftSums;
  out?: OutputDrift;
  top1?: Top1Sums;
}

function fold(name: string, acc: Acc, ta: OrtTensor | undefined, tb: OrtTensor | undefined, first: boolean): void {
  if (acc.out?.skipped) return;
  const blank = { name, dtype: ta?.type ?? tb?.type ?? 'unknown', shape: [...(ta?.dims ?? tb?.dims ?? [])], maxAbs: NaN, relL2: NaN, cosine: NaN, nonFinite: 0 };
  const skip = (why: string): void => void (acc.out = { ...blank, skipped: why });
  if (!ta) return skip(`the model has no output '${name}'`);
  if (!tb) return skip(`the baseline model has no output '${name}'`);
  if (first) acc.out = blank;
  if (ta.type !== tb.type) return skip(`dtypes differ: ${ta.type} in the model, ${tb.type} in the baseline`);
  if (ta.dims.length !== tb.dims.length || ta.dims.some((d, i) => d !== tb.dims[i]))
    return skip(`shapes differ: [${ta.dims.join(', ')}] in the model, [${tb.dims.join(', ')}] in the baseline`);
  const x = numericData(ta.data, ta.type);
  const y = numericData(tb.data, tb.type);
  if (!x || !y) return skip(`${ta.type} outputs have no numeric distance; not compared`);
  addDrift(acc.sums, x, y);
  if (looksLikeScores(ta.dims, ta.type)) addTop1((acc.top1 ??= { agree: 0, rows: 0, classes: 0 }), x, y, ta.dims[ta.dims.length - 1]);
}

function checkSameInputs(model: LoadedModel, baseline: LoadedModel): void {
  const want = graphInputs(model);
  const have = new Map(graphInputs(baseline).map((s) => [s.name, s]));
  for (const s of want) {
    const b = have.get(s.name);
    if (!b) throw new AnalysisError(`the baseline model has no input '${s.name}' (it has ${[...have.keys()].map((n) => `'${n}'`).join(', ')}); drift needs both models to take the same inputs`, { file: baseline.path });
    if (b.dtype !== s.dtype) throw new AnalysisError(`input '${s.name}' is ${b.dtype} in the baseline model and ${s.dtype} in the model`, { file: baseline.path });
  }
}
