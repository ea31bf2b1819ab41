import * as path from 'node:path';
import type { DriftReport, LayerReport, PruneOutcome, PruningPlan, Report } from '../../common/protocol';
import type { AnalysisSettings, PlanSettings, PruneResult } from '../../common/requests';
import { diffReports } from '../../common/report/diff';
import { plannedSpeedup } from '../advise/plan';
import { readPlan } from '../advise/plan-file';
import { prunedCopy } from '../advise/pruned-copy';
import { findLayers } from '../analysis/layers/layers';
import { checkOrtBuild } from '../analysis/run/ort-build';
import type { TimedReport, TimingPlan } from '../bench/model-bench';
import { spreadWarnings } from '../bench/latency-stats';
import { parsePruneKey } from '../bench/prune-kind';
import { runInChild } from '../child/run-in-child';
import { UsageError } from '../errors';
import { UnsafeOutputError, writeSafely } from '../files/safe-write';
import type { DriftJob } from '../gates/drift';
import { sha256 } from '../onnx/hash';
import { ExternalFiles } from '../onnx/external';
import type { AcceleratorProfile } from '../estimate/profile';
import { loadModel } from '../onnx/load';
import type { Control } from './control';
import { childLimits, ORT_CHILD } from './limits';
import type { BenchJob } from './ort-jobs';
import { planFromReport, profilesFor } from './plan';
import { checkAnalysis, checkBench, checkPlan } from './settings';

export interface PruneInput extends AnalysisSettings, Control {
  file: string;
  /** The copy; its external data, if any, goes beside it as `<name>.data`. */
  out: string;
  /** A plan file, or the plan to make now from the model's analysis. */
  plan: { file: string } | { settings: PlanSettings };
  /** Timed runs of each model (default: one second each). */
  timing?: { warmup?: number; iterations?: number; seconds?: number };
  /** Analyses the model or the copy under the command's settings (the server passes its cache). */
  analyze: (file: string, options: AnalysisSettings['options'], which: 'model' | 'copy') => Promise<Report>;
  /** Files the command read that the copy must never replace (the CLI's inputs). */
  protect?: readonly string[];
}

/**
 * `prune`: a copy of the model pruned as a plan says, written beside nothing the command read,
 * then checked: our decoder reads it, the analysis re-measures every planned layer, onnxruntime
 * runs both models on the same inputs (the user's, when given) for output drift, both are timed
 * here, and both are estimated on the targets.
 */
export async function pruneWithPlan(i: PruneInput): Promise<PruneResult> {
  const settings = checkAnalysis(i);
  if (settings.run === false) throw new UsageError('prune runs the model and its copy to compare them: --no-run does not apply');
  if (settings.estimate === false) throw new UsageError('prune estimates both models: --no-estimate does not apply');
  const run = settings.run;
  const timing = checkBench({ ...i.timing, run });
  checkOrtBuild({ file: i.file });
  const given = 'file' in i.plan ? await readPlan(i.plan.file) : undefined;
  const wanted = 'settings' in i.plan ? checkPlan(i.plan.settings, 'plan') : undefined;
  const out = path.resolve(i.out);
  if (out === path.resolve(i.file)) throw new UsageError('--out names the model itself: the pruned copy is never written over the original');

  const progress = (fraction: number, message: string): void => i.onProgress?.({ fraction, message, phase: 'run' });
  let a = await i.analyze(i.file, i.options, 'model');
  let plan = given ?? planFromReport(a, wanted!, await profilesFor(a, settings.estimate.accelerators));
  if (given && given.model.sha256 !== a.model.sha256)
    throw new UsageError(`the plan was made for a model with sha256 ${given.model.sha256.slice(0, 12)}..., and ${path.basename(i.file)} has ${a.model.sha256.slice(0, 12)}...: make the plan again for this model`);
  // Every pattern the plan uses must be measured, so the copy's layers can be held to it.
  const options = withPatterns(settings.options, plan);
  if (options.nm.length !== settings.options.nm.length || options.blocks.length !== settings.options.blocks.length) {
    a = await i.analyze(i.file, options, 'model');
    if (!given) plan = planFromReport(a, wanted!, await profilesFor(a, settings.estimate.accelerators));
  }

  progress(0.3, 'writing the pruned copy');
  const model = await loadModel(i.file);
  const external = new ExternalFiles(model.dir, model.path);
  const dataName = `${path.basename(out)}.data`;
  let copy: Awaited<ReturnType<typeof prunedCopy>>;
  try {
    copy = await prunedCopy(model, findLayers(model.nodes), plan, dataName, external);
    const protect = [model.path, ...(await external.files()), ...(i.protect ?? []), ...run.inputs, ...('file' in i.plan ? [i.plan.file] : [])];
    try {
      if (copy.data) await writeSafely(path.join(path.dirname(out), dataName), copy.data.write, { protect });
      await writeSafely(out, copy.model, { protect });
    } catch (e) {
      if (e instanceof UnsafeOutputError) throw new UsageError(`--out ${e.message}`);
      throw e;
    }
  } finally {
    await external.close();
  }
  const copied = await loadModel(out);
  const b = await i.analyze(out, options, 'copy');

  progress(0.6, 'comparing outputs');
  const bytes = 3 * (a.model.fileBytes + a.model.externalBytes);
  const control = (phase: number, share: number) => ({ signal: i.signal, onProgress: (f: number, m: string) => progress(phase + f * share, m) });
  const driftJob: DriftJob = { model: out, baseline: model.path, run };
  const drift = await runInChild<DriftReport>(ORT_CHILD, 'drift', driftJob, childLimits(run, bytes), control(0.6, 0.1), { file: out });
  const plan_: TimingPlan = { warmup: timing.warmup, iterations: timing.iterations, seconds: timing.seconds ?? (timing.iterations === undefined ? 1 : undefined) };
  const time = (file: string, at: number): Promise<TimedReport> =>
    runInChild<TimedReport>(ORT_CHILD, 'bench', { file, run: { ...run, samples: 1 }, plan: plan_ } satisfies BenchJob, childLimits(run, bytes), control(at, 0.15), { file });
  const [ta, tb] = [await time(model.path, 0.7), await time(out, 0.85)];

  const outcome: PruneOutcome = {
    plan: { target: plan.target, keep: plan.budget.keep, file: given ? path.resolve((i.plan as { file: string }).file) : null },
    model: { path: model.path, sha256: a.model.sha256 },
    copy: { path: out, sha256: await sha256(copied.buffer), bytes: copied.fileBytes, externalData: copy.data ? path.join(path.dirname(out), dataName) : null },
    layers: plan.layers.filter((l) => l.prune !== 'as-is').map((l) => ({ name: l.name, prune: l.prune, ...measuredAs(l.prune, b.layers[l.index]) })),
    skipped: copy.skipped,
    drift,
    latency: {
      original: ta.latencyMs, pruned: tb.latencyMs, measuredSpeedup: ta.latencyMs.p50 / tb.latencyMs.p50, iterations: Math.min(ta.iterations, tb.iterations),
      ep: ta.ep, threads: ta.threads, ortVersion: ta.ortVersion, machine: ta.machine, warnings: spreadWarnings(ta.latencyMs, tb.latencyMs),
    },
    estimates: estimatesFor(a, b, plan, await profilesFor(a, settings.estimate.accelerators)),
    warnings: [...copy.skipped.map((s) => `not pruned: ${s}`), ...(drift.inputs.some((x) => x.source === 'generated') ? ['the outputs were compared on generated inputs: give your own (--inputs) for drift that speaks for your data'] : [])],
  };
  return { a, b, diff: diffReports(a, b), prune: outcome };
}

/** The analysis options with every N:M pattern and block shape the plan uses added. */
function withPatterns(o: ReturnType<typeof checkAnalysis>['options'], plan: PruningPlan): ReturnType<typeof checkAnalysis>['options'] {
  const nm = new Set(o.nm);
  const blocks = new Set(o.blocks);
  for (const l of plan.layers) {
    const p = parsePruneKey(l.prune);
    if (p?.kind === 'nm') nm.add(`${p.n}:${p.m}`);
    if (p?.kind === 'block') blocks.add(`${p.r}x${p.c}`);
  }
  return { ...o, nm: [...nm], blocks: [...blocks] };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** What the copy's analysis measured for a planned layer, and whether that is what the plan asked. */
export function measuredAs(key: string, l: LayerReport | undefined): { measured: string; ok: boolean } {
  const p = parsePruneKey(key);
  if (!l || !p) return { measured: 'not found in the copy', ok: false };
  switch (p.kind) {
    case 'as-is': return { measured: pct(l.sparsity), ok: true };
    case 'nm': {
      const x = l.nm[`${p.n}:${p.m}`];
      return { measured: x ? `${pct(x.groupShare)} of ${p.n}:${p.m} groups comply${x.ready ? ', ready' : ''}` : 'not measured', ok: x?.ready === true };
    }
    case 'unstructured':
      return { measured: `${pct(l.sparsity)} zeros`, ok: l.zeros >= Math.floor(p.sparsity * l.params) };
    case 'block': {
      const share = l.blocks[`${p.r}x${p.c}`];
      const n = l.gemm ? Math.ceil(l.gemm.rows / p.r) * Math.ceil(l.gemm.k / p.c) : 0;
      return { measured: share === undefined ? 'not measured' : `${pct(share)} of ${p.r}x${p.c} blocks all zero`, ok: share !== undefined && share * n >= Math.floor(p.sparsity * n) - 1e-9 };
    }
    case 'rows': {
      const rows = l.gemm?.rows ?? 0;
      return { measured: `${l.zeroRows} of ${rows} output channels all zero`, ok: l.zeroRows >= Math.floor(p.share * rows) };
    }
  }
}

function estimatesFor(a: Report, b: Report, plan: PruningPlan, profiles: readonly AcceleratorProfile[]): PruneOutcome['estimates'] {
  const ids = [...new Set([...(a.advice?.focus.targets ?? []), plan.target.id])];
  const asIs = (r: Report, id: string): number | null => r.estimates.find((e) => e.accelerator.id === id && e.scenario === 'as-is')?.speedup ?? null;
  // Priced again from the plan's layers: a plan edited by hand no longer has the speedup it was written with.
  const target = profiles.find((p) => p.id === plan.target.id);
  const planned = target ? plannedSpeedup(a, plan, target) : null;
  return ids.map((id) => ({
    target: { id, name: a.estimates.find((e) => e.accelerator.id === id)?.accelerator.name ?? id },
    original: asIs(a, id), pruned: asIs(b, id), planned: id === plan.target.id ? planned : null,
  }));
}

