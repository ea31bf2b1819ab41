import type { NodeRef } from '../../onnx/graph';
import { product } from '../../onnx/tensor';
import { sameShapes, type KitSession, type MeasuredValue, type RunKit, type SampleRun } from './run-kit';
import type { Feeds } from './activation-inputs';
import { emptyStats, mergeStats } from './activation-stats';
import { planBatching } from './batching';
import { addChannelSample, channelAxisOf, emptyChannels, mergeNm } from './channel-stats';
import { copyOut } from './copy-run';
import { histogramStride, inGraphDtype, planProbes, type Probe, type ProbePlan, type ProbeRequest } from './instrument';
import { AnalysisError } from '../../errors';
import { addSample } from './sample-spread';
import { ortDtype, type OrtTensor } from './session';
import type { DTypeName } from '../../onnx/dtypes';
import { fullDims } from '../cost/shape-dims';
import { inferredBytes } from '../cost/static-costs';

/** Timed plain runs (the profiled one, then unprofiled ones): at most this many, and no new one after this long. */
const PLAIN_RUNS = 3;
const PLAIN_WITHIN_MS = 1000;

interface Candidate {
  name: string;
  producer: NodeRef;
}

/**
 * Few values: a plain profiled run (latency, per-node time, nothing in the way), then
 * instrumented runs whose appended nodes reduce every float value to statistics (several samples
 * per run where the batch dim allows: batching.ts), then copy-out batches for what the graph
 * cannot reduce (integer and bool values). Measured values get their shapes from the run; the
 * others from static inference, or a Shape probe where inference could not tell.
 */
export async function probeRun(kit: RunKit, candidates: readonly Candidate[], wanted: readonly Candidate[]): Promise<Map<NodeRef, number>> {
  const { ctx, samples, report, progress } = kit;
  const isWanted = new Set(wanted.map((c) => c.name));
  const measured = candidates.filter((c) => isWanted.has(c.name) || !fullDims(kit.inferred.values.get(c.name)));
  const dtypes = await valueTypes(kit, measured);

  progress(0.1, 'timing a plain run');
  const plain = await kit.session(undefined, { profiled: true });
  let nodeTimes: Map<NodeRef, number>;
  try {
    await kit.run(plain.session, samples.first);
    const timed = async (): Promise<void> => {
      const t = performance.now();
      await kit.run(plain.session, samples.first);
      report.plainMs = Math.min(report.plainMs ?? Infinity, performance.now() - t);
    };
    await timed();
    nodeTimes = await kit.profile(plain);
    // Then unprofiled: the fastest of a few warm runs (one run was up to 1.9x the best of six
    // here), no new one after a second.
    const t0 = performance.now();
    for (let i = 1; i < PLAIN_RUNS && performance.now() - t0 < PLAIN_WITHIN_MS; i++) await timed();
  } finally {
    await kit.done(plain);
  }

  const requests: ProbeRequest[] = [];
  const batching = planBatching(ctx.model, samples, kit.inferred, measured.map((c) => c.name), ctx.near, ctx.options.memoryBudget);
  report.batch = batching.batch;
  const stacked = batching.batch > 1;
  // A value nobody asked statistics of needs a Shape probe only when static inference left its shape open.
  for (const c of measured) {
    const dtype = dtypes.get(c.name);
    if (!dtype) continue;
    kit.values.set(c.name, { name: c.name, producer: c.producer, dtype, shape: [], method: 'in-graph' });
    const role = ctx.channels.get(c.name);
    const dims = fullDims(kit.inferred.values.get(c.name));
    const rank = dims?.length ?? kit.inferred.values.get(c.name)?.dims?.length;
    const axis = role && rank !== undefined ? channelAxisOf(role.axis, rank) : undefined;
    // The weight's count where it gives one; a disagreeing inference means the value is not laid out as the layer reads it.
    const count = role?.count ?? (axis !== undefined ? dims?.[axis] ?? null : null);
    const agrees = axis !== undefined && (dims?.[axis] === undefined || count === null || dims[axis] === count);
    requests.push({
      value: c.name, dtype, stats: isWanted.has(c.name) && inGraphDtype(dtype), histogram: ctx.focus.has(c.name) ? { stride: histogramStride(dims) } : null,
      perSample: stacked && batching.leading.has(c.name),
      ...(rank !== undefined ? { rank } : {}),
      ...(dims ? { elements: product(dims) } : {}),
      ...(role && agrees ? { channels: { axis: role.axis, count, nm: role.input ? ctx.nm : [] } } : {}),
    });
  }
  if (requests.length) {
    const probed = planProbes(requests, ctx.near, ctx.model.opsets['ai.onnx'] ?? 1);
    const freeEarly = placement(kit, requests.map((r) => r.value), batching.batch, ctx.options.memoryBudget);
    // Opened for the first run's shapes (probes over symbolic dims open several times slower),
    // the batch dim left open when runs stack samples (a last partial batch runs on it too); once
    // a run brings other shapes (files of different sizes), one session over the model's own
    // dims serves every run after it.
    let inst: KitSession | undefined;
    let fixedTo: Feeds | undefined;
    try {
      for await (const run of kit.runs(batching.batch, 0.2, 0.7, (k, n) => `instrumented run ${k} of ${n}`)) {
        if (!inst || (fixedTo && !sameShapes(fixedTo, run.feeds, stacked))) {
          const first = !inst;
          if (inst) await kit.done(inst);
          // Not done twice when the next one fails to open.
          inst = undefined;
          const opened = await openProbed(kit, probed, first ? run.feeds : undefined, { openBatch: stacked, freeEarly });
          inst = opened.session;
          fixedTo = opened.fixed ? run.feeds : undefined;
        }
        const t0 = performance.now();
        const out = await kit.run(inst.session, run.feeds);
        report.instrumentedMs = Math.min(report.instrumentedMs ?? Infinity, (performance.now() - t0) / run.size);
        report.instrumentedRuns = (report.instrumentedRuns ?? 0) + 1;
        probed.probes.forEach((p, i) => readProbe(p, requests[i], out, kit.values.get(p.value)!, run));
      }
    } finally {
      if (inst) await kit.done(inst);
    }
  }

  // Values the graph does not reduce (integer, bool) are copied out, within the memory budget.
  const copy = wanted.filter((c) => {
    const v = kit.values.get(c.name);
    return v && !v.stats && !inGraphDtype(v.dtype);
  });
  if (copy.length) await copyOut(kit, copy, { profiled: false, from: 0.7 });
  return nodeTimes;
}

/**
 * Which values are tensors of which dtype. Static inference knows nearly all of them; only when
 * it leaves one unknown is a session opened with every value as an output to ask onnxruntime.
 */
async function valueTypes(kit: RunKit, candidates: readonly Candidate[]): Promise<Map<string, DTypeName>> {
  const dtypes = new Map<string, DTypeName>();
  for (const c of candidates) {
    const d = kit.inferred.values.get(c.name)?.dtype;
    if (d) dtypes.set(c.name, d);
  }
  if (dtypes.size === candidates.length) return dtypes;
  kit.progress(0.05, 'inferring value types');
  const typed = await kit.session({ constants: [], nodes: new Map(), outputs: candidates.map((c) => c.name) });
  try {
    for (const m of typed.session.outputMetadata) if (m.isTensor) dtypes.set(m.name, ortDtype(m.type));
  } finally {
    await kit.done(typed);
  }
  return dtypes;
}

/**
 * The probed copy over `shapes` when onnxruntime opens it so: inferring concrete shapes into
 * If/Loop bodies can fail where the model's own dims do not (Silero VAD v5 and v6: an LSTM in a
 * branch not taken "must have rank 3"), and then the copy opens over the model's own dims.
 */
async function openProbed(kit: RunKit, plan: ProbePlan, shapes: Feeds | undefined, o: { openBatch: boolean; freeEarly: boolean | ReadonlySet<string> }): Promise<{ session: KitSession; fixed: boolean }> {
  if (shapes) {
    try {
      return { session: await kit.session(plan, { shapes, ...o }), fixed: true };
    } catch (e) {
      if (!(e instanceof AnalysisError)) throw e;
    }
  }
  return { session: await kit.session(plan, { freeEarly: o.freeEarly }), fixed: false };
}

/**
 * Which probed values are freed once measured (splice.ts freeEarly). Every value held at once
 * opens fastest; past the memory budget (static shapes times the stacked samples; a shape left
 * open counts as past it) each is freed once measured. Within it, the EARLY_GROUPS largest of
 * MIN_EARLY_BYTES or more are freed once measured all the same: fresh memory is most of a first
 * run, and so few groups leave the session as fast to open. PP-OCRv4 det at 640x640 (330 values,
 * 691 MB), the largest 19 (31% of the bytes, 9.8 MB and up) freed once measured: the probed
 * session's first run 812-850 -> 615 ms, opened as fast (147 against 150-157 ms); its largest 57:
 * 560 ms, opened in 297; every value: 506 ms, in 1.2 s.
 */
const EARLY_GROUPS = 24;
const MIN_EARLY_BYTES = 1 << 20;
function placement(kit: RunKit, names: readonly string[], batch: number, budget: number): true | ReadonlySet<string> {
  const sized = names.map((name) => ({ name, bytes: (inferredBytes(kit.inferred.values.get(name)) ?? Infinity) * batch }));
  if (sized.reduce((sum, v) => sum + v.bytes, 0) > budget) return true;
  const large = sized.filter((v) => v.bytes >= MIN_EARLY_BYTES).sort((a, b) => b.bytes - a.bytes);
  return new Set(large.slice(0, EARLY_GROUPS).map((v) => v.name));
}

const numbers = (t: OrtTensor): ArrayLike<number> => t.data as ArrayLike<number>;

/**
 * One run's probe outputs into the value's statistics. Counts come as [rows, D]: D is the run's
 * samples for a value that leads with them (each sample's density apart), else 1 (one sample, or a
 * value the batch does not touch: it counts once and stands for each sample of the run).
 */
function readProbe(p: Probe, r: ProbeRequest, out: Record<string, OrtTensor>, v: MeasuredValue, run: SampleRun): void {
  const dims = Array.from(out[p.shape].data as BigInt64Array, Number);
  v.shape = r.perSample ? [1, ...dims.slice(1)] : dims;
  const s = p.stats;
  if (!s) return;
  const counts = out[s.counts];
  const d = counts.dims[1];
  const c = numbers(counts);
  const row = (k: number): number => {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += c[k * d + j];
    return sum;
  };
  const elements = product(dims);
  const num = (name: string): number => Number(numbers(out[name])[0]);
  const stats = (v.stats ??= emptyStats());
  const zeros = row(s.rows.zeros);
  mergeStats(stats, {
    elements, zeros,
    nearZeros: s.near ? num(s.near) : row(s.rows.near!),
    min: num(s.min), max: num(s.max), sum: num(s.sum), sumSq: num(s.sumSq),
    // Slice's steps take elements 0, stride, 2 x stride... of the run's whole value.
    ...(s.hist ? { hist: { below: Array.from(numbers(out[s.hist.output]), Number), elements: Math.ceil(elements / s.hist.stride), stride: s.hist.stride } } : {}),
  }, run.size);
  const perSample = d === run.size && r.perSample;
  const each = perSample ? elements / run.size : elements;
  for (let b = 0; b < run.size; b++) addSample(stats.spread, each ? 1 - (perSample ? c[b] : zeros) / each : 1);
  if (s.channelZeros && r.channels) {
    const z = numbers(out[s.channelZeros]);
    const channels = z.length / d;
    const axis = channelAxisOf(r.channels.axis, dims.length)!;
    stats.channels ??= emptyChannels(axis, channels);
    if (stats.channels.count === channels)
      for (let b = 0; b < run.size; b++) {
        const at = perSample ? b : 0;
        addChannelSample(stats.channels, Array.prototype.slice.call(z, at * channels, (at + 1) * channels) as number[], each / channels);
      }
  }
  for (const g of s.nm ?? []) {
    const ok = numbers(out[g.output]);
    mergeNm((stats.nm ??= {}), Object.fromEntries(g.patterns.map((pat, k) => [pat, { complying: ok[k], groups: elements / g.m }])));
  }
}
