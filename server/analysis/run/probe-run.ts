import type { NodeRef } from '../../onnx/graph';
import { product } from '../../onnx/tensor';
import type { MeasuredValue, RunKit } from './run-kit';
import { emptyStats, mergeStats } from './activation-stats';
import { copyOut } from './copy-run';
import { inGraphDtype, planProbes, type Probe, type ProbeRequest } from './instrument';
import { ortDtype, type OrtTensor } from './session';
import type { DTypeName } from '../../onnx/dtypes';
import { fullDims } from '../cost/shape-dims';

interface Candidate {
  name: string;
  producer: NodeRef;
}

/**
 * Few values: a plain profiled run (latency, per-node time, nothing in the way), then one
 * instrumented run per sample whose appended nodes reduce every float value to statistics, then
 * copy-out batches for what the graph cannot reduce (integer and bool values). Measured values
 * get their shapes from the run; the others from static inference, or a Shape probe where
 * inference could not tell.
 */
export async function probeRun(kit: RunKit, candidates: readonly Candidate[], wanted: readonly Candidate[]): Promise<Map<NodeRef, number>> {
  const { ctx, samples, report, progress } = kit;
  const isWanted = new Set(wanted.map((c) => c.name));
  const measured = candidates.filter((c) => isWanted.has(c.name) || !fullDims(kit.inferred.values.get(c.name)));
  const dtypes = await valueTypes(kit, measured);

  progress(0.1, 'timing a plain run');
  const plain = await kit.session(undefined, true);
  let nodeTimes: Map<NodeRef, number>;
  try {
    await kit.run(plain.session, samples.feeds[0]);
    const t0 = performance.now();
    await kit.run(plain.session, samples.feeds[0]);
    report.plainMs = performance.now() - t0;
    nodeTimes = await kit.profile(plain);
  } finally {
    await plain.session.release();
  }

  const requests: ProbeRequest[] = [];
  // A value nobody asked statistics of needs a Shape probe only when static inference left its shape open.
  for (const c of measured) {
    const dtype = dtypes.get(c.name);
    if (!dtype) continue;
    kit.values.set(c.name, { name: c.name, producer: c.producer, dtype, shape: [], method: 'in-graph' });
    requests.push({ value: c.name, dtype, stats: isWanted.has(c.name) && inGraphDtype(dtype), histogram: ctx.focus.has(c.name) });
  }
  if (requests.length) {
    const probed = planProbes(requests, ctx.near, ctx.model.opsets['ai.onnx'] ?? 1);
    const inst = await kit.session(probed);
    try {
      for (const [s, feeds] of samples.feeds.entries()) {
        progress(0.2 + (0.5 * s) / samples.feeds.length, `instrumented run ${s + 1} of ${samples.feeds.length}`);
        const t0 = performance.now();
        const out = await kit.run(inst.session, feeds);
        report.instrumentedMs = Math.min(report.instrumentedMs ?? Infinity, performance.now() - t0);
        for (const p of probed.probes) readProbe(p, out, kit.values.get(p.value)!);
      }
    } finally {
      await inst.session.release();
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
    await typed.session.release();
  }
  return dtypes;
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
