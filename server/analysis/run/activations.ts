import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunReport } from '../../../common/protocol';
import type { DTypeName } from '../../onnx/dtypes';
import type { NodeRef } from '../../onnx/graph';
import { fullDims } from '../cost/shape-dims';
import { inferShapes } from '../cost/infer-shapes';
import { copyOut } from './copy-run';
import { probeRun } from './probe-run';
import { foldTensor, runKit, type MeasuredValue, type RunContext, type RunKit, type RunResult } from './run-kit';
import { prepareSamples } from './samples';
import { ortVersion } from './session';

export type { MeasuredValue, RunContext, RunResult };

/** Values to measure past which in-graph probes (about ten nodes each) cost more than copying every value out. */
export const WIDE_VALUES = 1500;

/**
 * Runs the model with onnxruntime and measures every value (or, at level 'layers', the layer
 * inputs and outputs): statistics computed in the graph by spliced probes when there are few
 * values to measure, copied out in memory-budget batches when there are many (onnxruntime's
 * session creation grows faster than linearly with nodes and outputs: probes on a 5,000-node
 * chain took 24 s to open). Shapes of values not measured come from static inference.
 */
export async function runModel(ctx: RunContext): Promise<RunResult> {
  const { model, options } = ctx;
  const progress = (f: number, m: string): void => ctx.onProgress?.(f, m);
  const ownDir = ctx.profileDir ? undefined : await fs.mkdtemp(path.join(os.tmpdir(), 'onnx-sparsity-profile-'));
  const profileDir = ctx.profileDir ?? ownDir!;
  try {
    progress(0, 'preparing inputs');
    const samples = await prepareSamples(model, options);
    const inferred = inferShapes(model, new Map(samples.specs.map((s) => [s.name, [...samples.feeds[0][s.name].dims]])));
    const report: RunReport = {
      ok: false, requestedEp: options.ep, ep: options.ep, threads: options.threads, samples: samples.feeds.length,
      level: options.level, inputs: samples.described, ortVersion: ortVersion(), batches: 0,
    };
    const kit = runKit(ctx, samples, inferred, report, profileDir, progress);
    const main = model.scopes[0];
    const candidates = main.nodes.filter((n) => n.opType !== 'Constant').flatMap((n) => n.outputs.filter(Boolean).map((o) => ({ name: o, producer: n })));
    const wanted = candidates.filter((c) => options.level === 'all' || ctx.focus.has(c.name));
    report.strategy = wanted.length > WIDE_VALUES ? 'copy-out' : 'probes';
    const nodeTimes = report.strategy === 'copy-out' ? await copyOut(kit, wanted, { profiled: true }) : await probeRun(kit, candidates, wanted);
    for (const c of candidates) if (!kit.values.has(c.name)) inferredValue(kit, c.name, c.producer);
    for (const spec of samples.specs) foldInput(kit, spec.name, spec.dtype);
    report.ok = true;
    report.peakRssMiB = process.resourceUsage().maxRSS / 1024;
    progress(1, 'run done');
    return { report, values: kit.values, nodeTimes, warnings: kit.warnings };
  } finally {
    if (ownDir) await fs.rm(ownDir, { recursive: true, force: true });
  }
}

/** A value nobody asked statistics of: its shape as static inference gives it, when it gives it whole. */
function inferredValue(kit: RunKit, name: string, producer: NodeRef): void {
  const v = kit.inferred.values.get(name);
  const dims = fullDims(v);
  if (!dims || !v?.dtype) return;
  kit.values.set(name, { name, producer, dtype: v.dtype, shape: [...dims], method: 'inferred' });
}

/** Graph inputs: the data is ours already, so their statistics are folded here (float16 bit patterns are not). */
function foldInput(kit: RunKit, name: string, dtype: DTypeName): void {
  const { feeds } = kit.samples;
  const v: MeasuredValue = { name, producer: null, dtype, shape: [...feeds[0][name].dims], method: 'input' };
  kit.values.set(name, v);
  if (dtype === 'float16') return;
  for (const f of feeds) foldTensor(kit, v, f[name], 'input');
}
