import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunReport } from '../../../common/protocol';
import type { NodeRef } from '../../onnx/graph';
import { fullDims } from '../cost/shape-dims';
import { inferShapes } from '../cost/infer-shapes';
import { copyOut } from './copy-run';
import { probeRun } from './probe-run';
import { foldTensor, runKit, type MeasuredValue, type RunContext, type RunKit, type RunResult } from './run-kit';
import { AnalysisError } from '../../errors';
import { MIN_OPSET } from './probe-ops';
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
    const opset = model.opsets['ai.onnx'] ?? 1;
    if (opset < MIN_OPSET)
      throw new AnalysisError(`the model's default-domain opset is ${opset}; onnxruntime runs opset ${MIN_OPSET} and newer`, { file: model.path });
    progress(0, 'preparing inputs');
    const samples = await prepareSamples(model, options);
    const inferred = inferShapes(model, new Map(samples.specs.map((s) => [s.name, [...samples.first[s.name].dims]])));
    const report: RunReport = {
      ok: false, requestedEp: options.ep, ep: options.ep, threads: options.threads, samples: samples.count,
      level: options.level, inputs: samples.described, sampleSource: samples.source, batch: 1, ortVersion: ortVersion(), batches: 0,
      declaredInputs: samples.specs.map((s) => ({ name: s.name, dims: s.dims })),
    };
    const kit = runKit(ctx, samples, inferred, report, profileDir, progress);
    const main = model.scopes[0];
    const candidates = main.nodes.filter((n) => n.opType !== 'Constant').flatMap((n) => n.outputs.filter(Boolean).map((o) => ({ name: o, producer: n })));
    const wanted = candidates.filter((c) => options.level === 'all' || ctx.focus.has(c.name));
    report.strategy = wanted.length > WIDE_VALUES ? 'copy-out' : 'probes';
    const nodeTimes = report.strategy === 'copy-out' ? await copyOut(kit, wanted, { profiled: true }) : await probeRun(kit, candidates, wanted);
    for (const c of candidates) if (!kit.values.has(c.name)) inferredValue(kit, c.name, c.producer);
    await foldInputs(kit);
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
async function foldInputs(kit: RunKit): Promise<void> {
  const { specs, first } = kit.samples;
  const folded = specs.map((s): MeasuredValue => ({ name: s.name, producer: null, dtype: s.dtype, shape: [...first[s.name].dims], method: 'input' }));
  for (const v of folded) kit.values.set(v.name, v);
  if (folded.every((v) => v.dtype === 'float16')) return;
  for await (const run of kit.runs(1, 0.95, 1, (k, n) => `measuring the inputs, sample ${k} of ${n}`))
    for (const v of folded) if (v.dtype !== 'float16') foldTensor(kit, v, run.feeds[v.name], 'input');
}
