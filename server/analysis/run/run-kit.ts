import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NearZeroRule, RunOptions, RunReport } from '../../../common/protocol';
import { AnalysisError, throwIfCancelled } from '../../errors';
import type { DTypeName } from '../../onnx/dtypes';
import { decodeFloat16 } from '../../onnx/float16';
import { foldFloat32 } from './value-fold';
import type { NodeRef } from '../../onnx/graph';
import type { LoadedModel } from '../../onnx/load';
import { spliceMainGraph } from '../../onnx/splice';
import type { ShapeInference } from '../cost/infer-shapes';
import { emptyStats, mergeStats, tensorStats, type ValueStats } from './activation-stats';
import type { Feeds } from './activation-inputs';
import { addChannelSample, channelAxisOf, channelZeros, emptyChannels, mergeNm, nmGroups, type ChannelRole } from './channel-stats';
import { addSample } from './sample-spread';
import type { ProbePlan } from './instrument';
import { opTimes } from './op-times';
import { readProfileEvents } from './profile-events';
import type { Samples } from './samples';
import { firstLine, modelSession, openSession, ort, type OpenedSession, type OrtSession, type OrtTensor } from './session';

// The run's vocabulary, shared by the orchestrator (activations.ts) and its two strategies
// (probe-run.ts, copy-run.ts): what a run measures, and the kit of sessions it measures with.

/** A value of the main graph as the run saw it. */
export interface MeasuredValue {
  name: string;
  producer: NodeRef | null;
  dtype: DTypeName;
  shape: number[];
  stats?: ValueStats;
  /** How its statistics were taken; 'inferred': no statistics asked for, its shape from static inference. */
  method: 'in-graph' | 'copied' | 'input' | 'inferred';
}

export interface RunResult {
  report: RunReport;
  values: Map<string, MeasuredValue>;
  nodeTimes: Map<NodeRef, number>;
  warnings: string[];
}

export interface RunContext {
  model: LoadedModel;
  /** Values whose statistics matter most (layer inputs and outputs): always measured, with histograms. */
  focus: ReadonlySet<string>;
  near: NearZeroRule;
  /** Layer inputs and outputs by value: where their channels are (per-channel statistics, N:M of inputs). */
  channels: ReadonlyMap<string, ChannelRole>;
  /** N:M patterns measured on layer input activations along their channels ("2:4"). */
  nm: readonly string[];
  options: RunOptions;
  /**
   * Where onnxruntime writes its profile. The caller makes and removes it, so a run killed from
   * outside (cancel, a limit) leaves nothing behind; without one the run uses a folder of its own.
   */
  profileDir?: string;
  onProgress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
  /**
   * The process ends once the run has replied (the onnxruntime child): sessions done with are
   * then released only when another one opens, not before the reply.
   */
  endsWithProcess?: boolean;
}

/** What both strategies share: the model, its samples, and how to open and run sessions over it. */
export interface RunKit {
  ctx: RunContext;
  samples: Samples;
  inferred: ShapeInference;
  report: RunReport;
  warnings: string[];
  values: Map<string, MeasuredValue>;
  progress: (fraction: number, message: string) => void;
  /** A session over the model as it is, or over a copy with probes and outputs spliced in. */
  session(plan: Pick<ProbePlan, 'constants' | 'nodes' | 'outputs'> | undefined, o?: SessionChoices): Promise<KitSession>;
  /**
   * Done with a session: released now, or with `ctx.endsWithProcess` when the next one opens (so
   * two are never held) or never (releasing PP-OCRv4 det's probed session took 50-90 ms, all
   * of it before the reply).
   */
  done(s: KitSession): Promise<void>;
  run(session: OrtSession, feeds: Feeds): Promise<Record<string, OrtTensor>>;
  /**
   * The samples in order, up to `batch` consecutive ones of the same shapes stacked along dim 0
   * per run; progress from `from` to `to` of the run's bar says (`say`) which samples ("3" or
   * "3-6" of 40), and cancellation is heard between runs.
   */
  runs(batch: number, from: number, to: number, say: (samples: string, of: number) => string): AsyncGenerator<SampleRun>;
  /** Per-node kernel times of a profiled session's last run; ends its profiling. */
  profile(session: KitSession): Promise<Map<NodeRef, number>>;
}

export interface SampleRun {
  /** Index of its first sample, and how many it stacks. */
  from: number;
  size: number;
  feeds: Feeds;
}

export interface SessionChoices {
  profiled?: boolean;
  /**
   * The copy's graph inputs fixed to these feeds' dims (all but dim 0 with `openBatch`, for runs
   * that stack samples along it): it then runs feeds of those shapes only.
   */
  shapes?: Feeds;
  openBatch?: boolean;
  /** Probes placed so that onnxruntime frees each value once measured (splice.ts freeEarly): every value's, or those of the values named. */
  freeEarly?: boolean | ReadonlySet<string>;
}

export interface KitSession extends OpenedSession {
  /** The file name prefix of its profile, when profiled. */
  profilePrefix?: string;
}

export function runKit(ctx: RunContext, samples: Samples, inferred: ShapeInference, report: RunReport, profileDir: string, progress: RunKit['progress']): RunKit {
  const { model, options } = ctx;
  const main = model.scopes[0];
  let profiles = 0;
  const parked: KitSession[] = [];
  return {
    ctx, samples, inferred, report, warnings: [], values: new Map(), progress,
    async session(plan, { profiled = false, shapes, openBatch = false, freeEarly = false } = {}) {
      throwIfCancelled(ctx.signal);
      for (const p of parked.splice(0)) await p.session.release();
      // ORT copies what it needs; this copy is dropped once the session exists.
      const bytes = plan ? spliceMainGraph(model.buffer, {
        head: plan.constants,
        after: new Map(main.nodes.map((n, i) => [i, n.outputs.flatMap((o) => plan.nodes.get(o) ?? [])])),
        outputs: plan.outputs,
        freeEarly: typeof freeEarly === 'boolean' ? freeEarly : new Set(main.nodes.flatMap((n, i) => (n.outputs.some((o) => freeEarly.has(o)) ? [i] : []))),
        ...(shapes ? { inputDims: new Map(Object.entries(shapes).map(([name, t]) => [name, t.dims.map((d, i) => (openBatch && i === 0 ? null : d))])) } : {}),
      }) : Buffer.from(model.buffer);
      const prefix = profiled ? `run${profiles++}` : undefined;
      const s: KitSession = await openSession(bytes, { ...modelSession(model, options), profilePrefix: prefix && path.join(profileDir, prefix), instrumented: plan !== undefined });
      s.profilePrefix = prefix;
      report.ep = s.ep;
      if (s.fallback && !report.fallback) {
        report.fallback = s.fallback;
        this.warnings.push(s.fallback);
      }
      return s;
    },
    async done(s) {
      if (ctx.endsWithProcess) parked.push(s);
      else await s.session.release();
    },
    async run(session, feeds) {
      throwIfCancelled(ctx.signal);
      try {
        return (await session.run(feeds)) as Record<string, OrtTensor>;
      } catch (e) {
        throw new AnalysisError(`onnxruntime failed to run the model: ${firstLine(e)}`, { file: model.path });
      }
    },
    async *runs(batch, from, to, say) {
      const n = samples.count;
      for (let i = 0; i < n; ) {
        throwIfCancelled(ctx.signal);
        const group = [await samples.feeds(i)];
        while (group.length < batch && i + group.length < n) {
          const next = await samples.feeds(i + group.length);
          if (!sameShapes(group[0], next)) break;
          group.push(next);
        }
        const size = group.length;
        progress(from + ((to - from) * i) / n, say(size > 1 ? `${i + 1}-${i + size}` : String(i + 1), n));
        yield { from: i, size, feeds: size === 1 ? group[0] : stacked(group) };
        i += size;
      }
    },
    async profile(s) {
      // onnxruntime-node's endProfiling returns nothing: the file is the one named after our prefix.
      s.session.endProfiling();
      const file = s.profilePrefix && (await fs.readdir(profileDir)).find((f) => f.startsWith(`${s.profilePrefix}_`) && f.endsWith('.json'));
      const events = file ? await readProfileEvents(path.join(profileDir, file)).finally(() => fs.rm(path.join(profileDir, file), { force: true })) : { events: [], unreadable: 0 };
      if (events.unreadable)
        this.warnings.push(`${events.unreadable} lines of onnxruntime's profile could not be read (node names with quotes); their per-op times are not reported`);
      const times = opTimes(events.events, model.nodes);
      report.profiledRunMs = times.runMs;
      report.runtimeInsertedMs = times.runtimeMs;
      return times.byNode;
    },
  };
}

/**
 * Folds one sample's copied-out (or input) tensor into a value's statistics: its counts and
 * extremes, its density as one sample, and for layer values zeros per channel and N:M groups.
 */
export function foldTensor(kit: RunKit, v: MeasuredValue, t: OrtTensor, method: MeasuredValue['method']): void {
  v.method = method;
  v.shape = [...t.dims];
  const data = t.type === 'float16' ? decodeFloat16(t.data as Uint16Array) : (t.data as ArrayLike<number>);
  const stats = (v.stats ??= emptyStats());
  const role = kit.ctx.channels.get(v.name);
  const axis = role && channelAxisOf(role.axis, t.dims.length);
  const fold = stats.channels && axis !== undefined && (stats.channels.count !== t.dims[axis] || stats.channels.axis !== axis) ? undefined : axis;
  const histogram = kit.ctx.focus.has(v.name);
  // float32 (and decoded float16) in the kernels, with the channels in the same pass; other dtypes in JavaScript.
  const fast = data instanceof Float32Array
    ? foldFloat32(data, kit.ctx.near, histogram, fold === undefined ? undefined : { dims: t.dims, axis: fold, patterns: role?.input ? kit.ctx.nm : [] })
    : undefined;
  const s = fast?.stats ?? tensorStats(data, kit.ctx.near, histogram, v.dtype === 'float64');
  mergeStats(stats, s);
  addSample(stats.spread, s.elements ? 1 - s.zeros / s.elements : 1);
  if (role === undefined || axis === undefined || !s.elements) return;
  const c = t.dims[axis];
  stats.channels ??= emptyChannels(axis, c);
  if (stats.channels.count !== c || stats.channels.axis !== axis) return;
  addChannelSample(stats.channels, fast?.channelZeros ?? channelZeros(data, t.dims, axis), s.elements / c);
  if (role.input && kit.ctx.nm.length) mergeNm((stats.nm ??= {}), fast?.nm ?? nmGroups(data, t.dims, axis, kit.ctx.nm));
}

/** Whether two samples' feeds have the same dims input by input (but dim 0, with `openBatch`). */
export function sameShapes(a: Feeds, b: Feeds, openBatch = false): boolean {
  return Object.keys(a).every((k) => b[k] && a[k].dims.length === b[k].dims.length && a[k].dims.every((d, i) => (openBatch && i === 0) || d === b[k].dims[i]));
}

/** Samples of batch 1 stacked along dim 0. */
function stacked(group: readonly Feeds[]): Feeds {
  const out: Feeds = {};
  for (const name of Object.keys(group[0])) {
    const first = group[0][name];
    const part = first.data as Float32Array;
    const Ctor = part.constructor as new (n: number) => Float32Array;
    const data = new Ctor(part.length * group.length);
    group.forEach((f, k) => data.set(f[name].data as Float32Array, k * part.length));
    out[name] = new (ort().Tensor)(first.type as never, data as never, [group.length, ...first.dims.slice(1)]);
  }
  return out;
}
