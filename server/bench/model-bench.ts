import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { findLayers } from '../analysis/layers/layers';
import { prepareSamples } from '../analysis/run/samples';
import { estimateReport } from '../estimate/estimate';
import { thisMachine } from './this-machine';
import { throwIfCancelled, UsageError } from '../errors';
import { loadModel, type LoadedModel } from '../onnx/load';
import { modelSession, openSession, ortVersion, type OrtSession } from '../analysis/run/session';
import { sha256 } from '../onnx/hash';
import { DEFAULT_RUN, type BenchReport, type LatencyStats, type Report, type RunOptions } from '../../common/protocol';
import { latencyStats } from './latency-stats';
import { machineInfo } from './machine';
import { parsePrune, pruneModel } from './prune';

export interface BenchOptions extends Partial<RunOptions> {
  warmup?: number;
  /** Timed runs, or run for `seconds` instead. */
  iterations?: number;
  seconds?: number;
  /** Also time a copy pruned to "2:4" or "90%". */
  prune?: string;
  /**
   * The model's analysis (with a run), for the estimate next to a pruned measurement: asked for
   * only when pruning, and only once every option has been checked.
   */
  analyze?: () => Promise<Report>;
  onProgress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
}

/**
 * The model's real latency here: warm-up runs, then timed runs of the first sample's inputs, one
 * after another on this thread (yielding between them so cancellation is heard).
 */
export async function benchmarkModel(file: string, o: BenchOptions): Promise<BenchReport> {
  const warmup = o.warmup ?? 3;
  if (!Number.isInteger(warmup) || warmup < 0) throw new UsageError(`--warmup must be an integer >= 0, not ${o.warmup}`);
  if (o.iterations !== undefined && (!Number.isInteger(o.iterations) || o.iterations <= 0)) throw new UsageError(`--iterations must be an integer > 0, not ${o.iterations}`);
  if (o.seconds !== undefined && !(o.seconds > 0)) throw new UsageError(`--seconds must be > 0, not ${o.seconds}`);
  const prune = o.prune ? parsePrune(o.prune) : undefined;
  const run: RunOptions = { ...DEFAULT_RUN, ...o, samples: 1 };
  const analysis = prune ? await o.analyze?.() : undefined;
  const model = await loadModel(file);
  const feeds = (await prepareSamples(model, run)).feeds[0];
  const open = (bytes: Uint8Array) => openSession(bytes, modelSession(model, run));
  const dense = await open(Buffer.from(model.buffer));
  const plan = { warmup, iterations: o.iterations, seconds: o.seconds ?? (o.iterations === undefined ? 2 : undefined) };
  const share = prune ? 0.5 : 1;
  let times: number[];
  try {
    times = await timeRuns(dense.session, feeds, plan, (f) => o.onProgress?.(f * share, 'timing the model'), o.signal);
  } finally {
    await dense.session.release();
  }
  const latencyMs = latencyStats(times);
  const report: BenchReport = {
    // The analysis just read this file: its hash saves a second pass over a model of gigabytes.
    model: { path: model.path, sha256: analysis?.model.sha256 ?? await sha256(model.buffer) },
    latencyMs, iterations: times.length, warmup,
    throughputPerSecond: 1000 / latencyMs.mean,
    requestedEp: run.ep, ep: dense.ep, ...(dense.fallback ? { fallback: dense.fallback } : {}),
    threads: run.threads, ortVersion: ortVersion(), machine: machineInfo(),
    peakRssMiB: process.resourceUsage().maxRSS / 1024, createdAt: new Date().toISOString(),
  };
  if (prune) report.pruned = await benchPruned(model, prune, open, feeds, plan, latencyMs, analysis, o);
  report.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  return report;
}

async function benchPruned(
  model: LoadedModel, prune: ReturnType<typeof parsePrune>, open: (b: Uint8Array) => ReturnType<typeof openSession>,
  feeds: Parameters<OrtSession['run']>[0], plan: Plan, dense: LatencyStats, analysis: Report | undefined, o: BenchOptions,
): Promise<NonNullable<BenchReport['pruned']>> {
  const pruned = pruneModel(model, findLayers(model.nodes), prune);
  const s = await open(pruned.bytes);
  let times: number[];
  try {
    times = await timeRuns(s.session, feeds, plan, (f) => o.onProgress?.(0.5 + f / 2, `timing the copy pruned to ${prune.key.slice(7)}`), o.signal);
  } finally {
    await s.session.release();
  }
  const latencyMs = latencyStats(times);
  const here = analysis ? thisMachine(analysis) : undefined;
  const estimated = here && analysis ? estimateReport(analysis, [here], [prune.key])[0]?.speedup ?? null : null;
  return { to: prune.key.slice(7), latencyMs, measuredSpeedup: dense.p50 / latencyMs.p50, estimatedSpeedup: estimated, sparsity: pruned.sparsity, skipped: pruned.skipped };
}

interface Plan {
  warmup: number;
  iterations?: number;
  seconds?: number;
}

async function timeRuns(s: OrtSession, feeds: Parameters<OrtSession['run']>[0], p: Plan, progress: (f: number) => void, signal?: AbortSignal): Promise<number[]> {
  for (let i = 0; i < p.warmup; i++) {
    await s.run(feeds);
    throwIfCancelled(signal);
  }
  const times: number[] = [];
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    await s.run(feeds);
    times.push(performance.now() - t0);
    const elapsed = (performance.now() - start) / 1000;
    progress(p.iterations ? times.length / p.iterations : Math.min(1, elapsed / p.seconds!));
    if (p.iterations ? times.length >= p.iterations : elapsed >= p.seconds!) return times;
    await yieldToLoop();
    throwIfCancelled(signal);
  }
}
