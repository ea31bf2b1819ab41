import type { CrossoverReport, DriftReport, NearZeroRule, RunOptions } from '../../common/protocol';
import { runModel } from '../analysis/run/activations';
import type { ChannelRole } from '../analysis/run/channel-stats';
import { toWire, type WireRunResult } from '../analysis/run/run-wire';
import { measureCrossover, type CrossoverOptions } from '../bench/crossover';
import { timeModel, type TimedReport, type TimingPlan } from '../bench/model-bench';
import type { Job } from '../child/serve-job';
import { measureDrift, type DriftJob } from '../gates/drift';
import { loadModel } from '../onnx/load';

/**
 * What runs in the onnxruntime child (ort-child.ts): every job that calls into onnxruntime, so
 * the process that asked can be cancelled, time-limited and memory-limited from outside.
 */
export interface RunJob {
  file: string;
  focus: string[];
  channels: [string, ChannelRole][];
  /** N:M patterns for layer input activations. */
  nm: string[];
  near: NearZeroRule;
  options: RunOptions;
  /** Made and removed by the parent, so a killed run leaves no profile behind. */
  profileDir: string;
}

export interface BenchJob {
  file: string;
  run: RunOptions;
  plan: TimingPlan;
  prune?: string;
  sha256?: string;
}

export type CrossoverJob = Omit<CrossoverOptions, 'onProgress' | 'signal'>;

export const ORT_JOBS = {
  async run(request, control): Promise<WireRunResult> {
    const r = request as RunJob;
    const model = await loadModel(r.file);
    const result = await runModel({ model, focus: new Set(r.focus), channels: new Map(r.channels), nm: r.nm, near: r.near, options: r.options, profileDir: r.profileDir, ...control, endsWithProcess: true });
    return toWire(model, result);
  },
  async bench(request, control): Promise<TimedReport> {
    const r = request as BenchJob;
    return timeModel(await loadModel(r.file), r.run, r.plan, r.prune, control, { sha256: r.sha256 });
  },
  async crossover(request, control): Promise<CrossoverReport> {
    return measureCrossover({ ...(request as CrossoverJob), ...control });
  },
  async drift(request, control): Promise<DriftReport> {
    return measureDrift(request as DriftJob, control);
  },
} satisfies Record<string, Job>;
