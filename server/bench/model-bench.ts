import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { findLayers } from '../analysis/layers/layers';
import { prepareSamples } from '../analysis/run/samples';
import { throwIfCancelled } from '../errors';
import type { LoadedModel } from '../onnx/load';
import { modelSession, openSession, ortVersion, type OrtSession } from '../analysis/run/session';
import { sha256 } from '../onnx/hash';
import type { BenchReport, LatencyStats, RunOptions } from '../../common/protocol';
import { latencyStats } from './latency-stats';
import { machineInfo } from './machine';
import { parsePrune, pruneModel } from './prune';

/** Warm-up runs, then timed runs: a count, or for a duration. */
export interface TimingPlan {
  warmup: number;
  iterations?: number;
  seconds?: number;
}

export type TimedReport = Omit<BenchReport, 'pruned'> & { pruned?: Omit<NonNullable<BenchReport['pruned']>, 'estimatedSpeedup'> };

/**
 * The model's real latency here: warm-up runs, then timed runs of the first sample's inputs, one
 * after another (yielding between them so cancellation is heard); with `prune`, the same for a
 * copy pruned to "2:4" or "90%". The estimate beside a pruned measurement is the caller's.
 */
export async function timeModel(
  model: LoadedModel, run: RunOptions, plan: TimingPlan, pruneTo: string | undefined,
  control: { onProgress?: (fraction: number, message: string) => void; signal?: AbortSignal }, known: { sha256?: string } = {},
): Promise<TimedReport> {
  const prune = pruneTo ? parsePrune(pruneTo) : undefined;
  const feeds = (await prepareSamples(model, { ...run, samples: 1 })).first;
  const open = (bytes: Uint8Array) => openSession(bytes, modelSession(model, run));
  const dense = await open(Buffer.from(model.buffer));
  const share = prune ? 0.5 : 1;
  let times: number[];
  try {
    times = await timeRuns(dense.session, feeds, plan, (f) => control.onProgress?.(f * share, 'timing the model'), control.signal);
  } finally {
    await dense.session.release();
  }
  const latencyMs = latencyStats(times);
  const report: TimedReport = {
    // An analysis that just read this file gives its hash: no second pass over a model of gigabytes.
    model: { path: model.path, sha256: known.sha256 ?? await sha256(model.buffer) },
    latencyMs, iterations: times.length, warmup: plan.warmup,
    throughputPerSecond: 1000 / latencyMs.mean,
    requestedEp: run.ep, ep: dense.ep, ...(dense.fallback ? { fallback: dense.fallback } : {}),
    threads: run.threads, ortVersion: ortVersion(), machine: machineInfo(),
    peakRssMiB: process.resourceUsage().maxRSS / 1024, createdAt: new Date().toISOString(),
  };
  if (prune) report.pruned = await timePruned(model, prune, open, feeds, plan, latencyMs, control);
  report.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  return report;
}

async function timePruned(
  model: LoadedModel, prune: ReturnType<typeof parsePrune>, open: (b: Uint8Array) => ReturnType<typeof openSession>,
  feeds: Parameters<OrtSession['run']>[0], plan: TimingPlan, dense: LatencyStats,
  control: { onProgress?: (fraction: number, message: string) => void; signal?: AbortSignal },
): Promise<NonNullable<TimedReport['pruned']>> {
  const pruned = pruneModel(model, findLayers(model.nodes), prune);
  const s = await open(pruned.bytes);
  let times: number[];
  try {
    times = await timeRuns(s.session, feeds, plan, (f) => control.onProgress?.(0.5 + f / 2, `timing the copy pruned to ${prune.key.slice(7)}`), control.signal);
  } finally {
    await s.session.release();
  }
  const latencyMs = latencyStats(times);
  return { to: prune.key.slice(7), latencyMs, measuredSpeedup: dense.p50 / latencyMs.p50, sparsity: pruned.sparsity, skipped: pruned.skipped };
}

async function timeRuns(s: OrtSession, feeds: Parameters<OrtSession['run']>[0], p: TimingPlan, progress: (f: number) => void, signal?: AbortSignal): Promise<number[]> {
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
