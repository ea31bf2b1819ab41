import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnalysisError, throwIfCancelled } from '../../errors';
import { dtypeByName, rawByteLength, type DTypeName } from '../../onnx/dtypes';
import type { NodeRef } from '../../onnx/graph';
import type { LoadedModel } from '../../onnx/load';
import { firstLine, modelSession, openSession, ortVersion, type OrtSession, type OrtTensor } from './session';
import { product } from '../../onnx/tensor';
import type { NearZeroRule, RunOptions, RunReport } from '../../../common/protocol';
import { emptyStats, mergeStats, tensorStats, type ValueStats } from './activation-stats';
import type { InputSpec } from '../../inputs/input-specs';
import type { Feeds } from './activation-inputs';
import { inGraphDtype, planProbes, type Probe, type ProbePlan, type ProbeRequest } from './instrument';
import { spliceMainGraph } from '../../onnx/splice';
import { opTimes, type ProfileEvent } from './op-times';
import { prepareSamples } from './samples';

/** A value of the main graph as the run saw it. */
export interface MeasuredValue {
  name: string;
  producer: NodeRef | null;
  dtype: DTypeName;
  shape: number[];
  stats?: ValueStats;
  method: 'in-graph' | 'copied' | 'input';
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
  options: RunOptions;
  onProgress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs the model with onnxruntime: a plain profiled run (latency, per-node time), then an
 * instrumented run per sample whose appended nodes reduce every float value to statistics, then,
 * for values the graph cannot reduce (integer and bool dtypes), runs that copy them out in
 * batches no larger than the memory budget.
 */
export async function runModel(ctx: RunContext): Promise<RunResult> {
  const { model, options } = ctx;
  const progress = (f: number, m: string): void => ctx.onProgress?.(f, m);
  const warnings: string[] = [];
  const main = model.scopes[0];
  /** A session over the model as it is, or over a copy with probes and outputs spliced in. */
  const session = async (plan: Pick<ProbePlan, 'constants' | 'nodes' | 'outputs'> | undefined, profilePrefix?: string) => {
    // ORT copies what it needs; this copy is dropped once the session exists.
    const bytes = plan ? spliceMainGraph(model.buffer, {
      head: plan.constants,
      after: new Map(main.nodes.map((n, i) => [i, n.outputs.flatMap((o) => plan.nodes.get(o) ?? [])])),
      outputs: plan.outputs,
    }) : Buffer.from(model.buffer);
    return openSession(bytes, { ...modelSession(model, options), profilePrefix, instrumented: plan !== undefined });
  };
  const outputsOnly = (names: string[]) => ({ constants: [], nodes: new Map(), outputs: names });
  const candidates = main.nodes.filter((n) => n.opType !== 'Constant').flatMap((n) => n.outputs.filter(Boolean).map((o) => ({ name: o, producer: n })));

  progress(0, 'preparing inputs');
  const samples = await prepareSamples(model, options);
  const report: RunReport = {
    ok: false, requestedEp: options.ep, ep: options.ep, threads: options.threads, samples: samples.feeds.length,
    level: options.level, inputs: samples.described, ortVersion: ortVersion(), batches: 0,
  };

  // Which values are tensors of which dtype: ask onnxruntime, which infers types at load.
  progress(0.05, 'inferring value types');
  const typed = await session(outputsOnly(candidates.map((c) => c.name)));
  report.ep = typed.ep;
  if (typed.fallback) {
    report.fallback = typed.fallback;
    warnings.push(typed.fallback);
  }
  const dtypes = new Map<string, DTypeName>();
  for (const m of typed.session.outputMetadata) if (m.isTensor) dtypes.set(m.name, ortDtype(m.type));
  await typed.session.release();

  // Plain run: latency and per-node time, without any instrumentation in the way.
  progress(0.1, 'timing a plain run');
  throwIfCancelled(ctx.signal);
  const profileDir = await fs.mkdtemp(path.join(os.tmpdir(), 'onnx-sparsity-profile-'));
  let nodeTimes = new Map<NodeRef, number>();
  try {
    const plain = await session(undefined, path.join(profileDir, 'run'));
    await runOnce(plain.session, samples.feeds[0], model.path);
    const t0 = performance.now();
    await runOnce(plain.session, samples.feeds[0], model.path);
    report.plainMs = performance.now() - t0;
    plain.session.endProfiling();
    await plain.session.release();
    const events = await readProfile(profileDir, warnings);
    const times = opTimes(events, model.nodes);
    nodeTimes = times.byNode;
    report.profiledRunMs = times.runMs;
    report.runtimeInsertedMs = times.runtimeMs;
  } finally {
    await fs.rm(profileDir, { recursive: true, force: true });
  }

  // Instrumented runs: statistics of every float value (or of the focus values only), shapes of all.
  const values = new Map<string, MeasuredValue>();
  const requests: ProbeRequest[] = [];
  for (const c of candidates) {
    const dtype = dtypes.get(c.name);
    if (!dtype) continue;
    values.set(c.name, { name: c.name, producer: c.producer, dtype, shape: [], method: 'in-graph' });
    const wanted = options.level === 'all' || ctx.focus.has(c.name);
    requests.push({ value: c.name, dtype, stats: wanted && inGraphDtype(dtype), histogram: ctx.focus.has(c.name) });
  }
  const probed = planProbes(requests, ctx.near, model.opsets['ai.onnx'] ?? 1);
  const inst = await session(probed);
  try {
    for (const [s, feeds] of samples.feeds.entries()) {
      throwIfCancelled(ctx.signal);
      progress(0.2 + (0.5 * s) / samples.feeds.length, `instrumented run ${s + 1} of ${samples.feeds.length}`);
      const t0 = performance.now();
      const out = await runOnce(inst.session, feeds, model.path);
      report.instrumentedMs = Math.min(report.instrumentedMs ?? Infinity, performance.now() - t0);
      for (const p of probed.probes) readProbe(p, out, values.get(p.value)!);
    }
  } finally {
    await inst.session.release();
  }

  // Copied out: values the graph does not reduce, in batches that fit the memory budget.
  const copy = [...values.values()].filter((v) => !v.stats && !inGraphDtype(v.dtype) && (options.level === 'all' || ctx.focus.has(v.name)));
  const batches = planBatches(copy, options.memoryBudget, warnings);
  report.batches = batches.length;
  for (const [b, batch] of batches.entries()) {
    const s = await session(outputsOnly(batch.map((v) => v.name)));
    try {
      for (const feeds of samples.feeds) {
        throwIfCancelled(ctx.signal);
        progress(0.7 + (0.25 * b) / batches.length, `copying out batch ${b + 1} of ${batches.length}`);
        const out = await runOnce(s.session, feeds, model.path);
        for (const v of batch) foldCopied(v, out[v.name], ctx);
      }
    } finally {
      await s.session.release();
    }
  }

  for (const spec of samples.specs) foldInput(spec, samples.feeds, values, ctx);
  report.ok = true;
  progress(1, 'run done');
  return { report, values, nodeTimes, warnings };
}

async function runOnce(session: OrtSession, feeds: Feeds, file: string): Promise<Record<string, OrtTensor>> {
  try {
    return (await session.run(feeds)) as Record<string, OrtTensor>;
  } catch (e) {
    throw new AnalysisError(`onnxruntime failed to run the model: ${firstLine(e)}`, { file });
  }
}

function readProbe(p: Probe, out: Record<string, OrtTensor>, v: MeasuredValue): void {
  v.shape = Array.from(out[p.shape].data as BigInt64Array, Number);
  if (!p.stats) return;
  const num = (name: string): number => Number((out[name].data as ArrayLike<number>)[0]);
  v.stats ??= emptyStats();
  mergeStats(v.stats, {
    elements: product(v.shape),
    zeros: num(p.stats.zeros),
    nearZeros: num(p.stats.near),
    min: num(p.stats.min),
    max: num(p.stats.max),
    sum: num(p.stats.sum),
    sumSq: num(p.stats.sumSq),
    ...(p.stats.histBelow ? { histBelow: Array.from(out[p.stats.histBelow].data as ArrayLike<number>) } : {}),
  });
}

function foldCopied(v: MeasuredValue, t: OrtTensor | undefined, ctx: RunContext): void {
  if (!t) return;
  v.method = 'copied';
  v.shape = [...t.dims];
  v.stats ??= emptyStats();
  mergeStats(v.stats, tensorStats(t.data as ArrayLike<number>, ctx.near, ctx.focus.has(v.name), v.dtype === 'float64'));
}

/** Graph inputs: the data is ours already, so their statistics are folded here (float16 bit patterns are not). */
function foldInput(spec: InputSpec, feeds: Feeds[], values: Map<string, MeasuredValue>, ctx: RunContext): void {
  const v: MeasuredValue = { name: spec.name, producer: null, dtype: spec.dtype, shape: [...feeds[0][spec.name].dims], method: 'input' };
  values.set(spec.name, v);
  if (spec.dtype === 'float16') return;
  v.stats = emptyStats();
  for (const f of feeds) mergeStats(v.stats, tensorStats(f[spec.name].data as ArrayLike<number>, ctx.near, ctx.focus.has(spec.name), spec.dtype === 'float64'));
}

/** Groups values into batches whose bytes stay within the budget; a value alone over it is skipped and reported. */
function planBatches(values: MeasuredValue[], budget: number, warnings: string[]): MeasuredValue[][] {
  const batches: MeasuredValue[][] = [];
  let current: MeasuredValue[] = [];
  let used = 0;
  for (const v of values) {
    const bytes = rawByteLength(dtypeByName(v.dtype), product(v.shape));
    if (bytes > budget) {
      warnings.push(`value '${v.name}' (${bytes} bytes) is larger than the memory budget (${budget} bytes); its statistics were not copied out`);
      continue;
    }
    if (used + bytes > budget && current.length) {
      batches.push(current);
      current = [];
      used = 0;
    }
    current.push(v);
    used += bytes;
  }
  if (current.length) batches.push(current);
  return batches;
}

/**
 * ORT's profile. It writes node names into the JSON unescaped, so a name holding a quote or a
 * backslash makes the file unreadable: then the run goes on without per-op times, and says so.
 */
async function readProfile(dir: string, warnings: string[]): Promise<ProfileEvent[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.json'));
  if (!files.length) return [];
  try {
    return JSON.parse(await fs.readFile(path.join(dir, files[0]), 'utf8')) as ProfileEvent[];
  } catch (e) {
    warnings.push(`onnxruntime's profile could not be read (${(e as Error).message}); per-op times are not reported`);
    return [];
  }
}

function ortDtype(t: string): DTypeName {
  return (t === 'float' ? 'float32' : t === 'double' ? 'float64' : t) as DTypeName;
}
