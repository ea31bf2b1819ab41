import type { Estimate, EstimateSupport, Report } from '../../common/protocol';
import { SEED } from './draws';
import { plan, ranged, type Planned } from './evaluate';
import { peakFor, type LayerPlan } from './layer-time';
import { patternFor, type AcceleratorProfile } from './profile';
import { applyScenario, parseScenario } from './scenarios';
import { supportFor } from './support';
import { batchRule, sweep } from './sweep';
import { workloadOf, type Workload } from './workload';

export interface EstimateOptions {
  /** Most random draws for the range (fewer for very large models); the sweep takes a quarter. */
  draws?: number;
  /** Skip the batch sweep (published-row tests, bench's single figure). */
  sweep?: boolean;
  /** The day the support matrix is read for (ISO date); its own date by default. */
  asOf?: string;
}

const DRAWS = 256;

/** Estimates for every target and scenario over an analysed model. */
export function estimateReport(r: Report, profiles: readonly AcceleratorProfile[], scenarios: readonly string[], opts: EstimateOptions = {}): Estimate[] {
  const base = workloadOf(r);
  const out: Estimate[] = [];
  for (const key of scenarios) {
    const applied = applyScenario(base, parseScenario(key), r);
    for (const p of profiles) out.push(estimate(applied.workload, p, key, applied.l1Kept, applied.notes, opts));
  }
  return out;
}

const ms = (s: number): number => s * 1000;

/** The pattern a target exploits, in words for the batch rule. */
function patternName(p: AcceleratorProfile, w: Workload): string {
  switch (p.kind) {
    case 'n:m': {
      const peaks = new Set(w.layers.map((l) => peakFor(p, l.dtype).peak));
      return [...new Set([...peaks].map((d) => patternFor(p.sparsity, d).join(':')))].join(' / ') || `${p.sparsity.n}:${p.sparsity.m}`;
    }
    case 'unstructured-weights': return 'unstructured sparsity';
    case 'block': return 'block sparsity';
    case 'dual': return 'weight x activation sparsity';
    case 'none': return 'sparsity';
  }
}

/**
 * One target, one workload: per layer the time with what the target's runtime exploits and the
 * same target dense; other ops at their dense cost (Amdahl). The range samples every ranged
 * number jointly; the sweep repeats it as the rows per GEMM grow.
 */
export function estimate(w: Workload, p: AcceleratorProfile, scenario: string, l1Kept: number | null = 1, notes: string[] = [], opts: EstimateOptions = {}): Estimate {
  const pl = plan(w, p, opts.asOf);
  const r = ranged(pl, p, opts.draws ?? DRAWS, true);
  const nominal = r.nominal;
  const sparseLayers = pl.plans.filter((x) => x.path !== 'dense').length;
  const points = opts.sweep === false ? [] : sweep(pl, p, Math.max(8, Math.floor((opts.draws ?? DRAWS) / 8)));
  const costs = { run: 0, inference: 0, params: 0 };
  for (const l of w.layers) costs[l.costSource ?? 'run']++;
  return {
    accelerator: { id: p.id, name: p.name, kind: p.kind },
    ...(p.chip && p.runtime ? { target: { chip: { id: p.chip.id, name: p.chip.name }, runtime: { ...p.runtime } } } : {}),
    scenario,
    speedup: nominal.speedup,
    speedupRange: r.range,
    timeMs: ms(nominal.sparse),
    denseTimeMs: ms(nominal.dense),
    layerShare: nominal.dense > 0 ? (nominal.dense - nominal.other) / nominal.dense : 0,
    l1Kept,
    layers: w.layers.map((l, i) => {
      const t = nominal.layers[i];
      return {
        name: l.name, speedup: t.seconds > 0 ? t.denseSeconds / t.seconds : 1, bound: t.bound,
        timeMs: ms(t.seconds), denseTimeMs: ms(t.denseSeconds), exploited: pl.plans[i].exploited,
        macs: l.macs, ...(l.costSource ? { costSource: l.costSource } : {}),
      };
    }),
    assumptions: [...w.assumptions, ...notes, ...profileAssumptions(p, pl), ...activationNotes(p, w), ...supportNotes(pl.plans, p, opts.asOf)],
    roofline: roofline(p, pl),
    support: supportOf(pl, p, opts.asOf),
    ...(opts.sweep !== false ? { sweep: points, batchRule: batchRule(points, patternName(p, w), p.name, sparseLayers) } : {}),
    range: { method: 'monte-carlo', draws: r.draws, seed: SEED },
    costs,
    ...(p.kind === 'dual' && w.activations ? { activationInputs: { kind: w.activations.kind, samples: w.activations.samples } } : {}),
  };
}

/**
 * The figures of `estimate` without its words, per-layer rows, support or sweep: the nominal
 * speedup and times and the range over the same draws. What the advisor needs of the many
 * workloads it prices; building a whole estimate's assumptions each time cost more than its draws.
 */
export function speedupEstimate(w: Workload, p: AcceleratorProfile, draws: number, asOf?: string): Pick<Estimate, 'speedup' | 'speedupRange' | 'timeMs' | 'denseTimeMs'> {
  const r = ranged(plan(w, p, asOf), p, draws, false);
  return { speedup: r.nominal.speedup, speedupRange: r.range, timeMs: ms(r.nominal.sparse), denseTimeMs: ms(r.nominal.dense) };
}

/** What a target that skips zero activations rests on: the samples the densities were measured on, and their spread. */
function activationNotes(p: AcceleratorProfile, w: Workload): string[] {
  if (p.kind !== 'dual') return [];
  const a = w.activations;
  if (!a) return ['the model was not run: activations are taken as dense (activation density 1)'];
  const spread = w.layers.some((l) => l.activationRange)
    ? `; the range moves every layer's activation density within its lowest-to-highest over the ${a.samples} samples`
    : '';
  if (a.kind === 'generated')
    return [`generated inputs: activation densities measured on ${a.text}, not on the model's real inputs; a ReLU network's zeros on noise are not its zeros on data (give real samples: --inputs, or Choose Sample Inputs in VS Code)${spread}`];
  return [`activation density per layer: the mean over ${a.samples} sample${a.samples === 1 ? '' : 's'} (${a.text})${spread}`];
}

/** The nominal roofs the layers' times were computed under, by the peak dtype each layer uses. */
function roofline(p: AcceleratorProfile, pl: Planned): NonNullable<Estimate['roofline']> {
  const macsPerSecond: Record<string, number> = {};
  for (const x of pl.plans) macsPerSecond[x.peak] = p.peakMacsPerSecond[x.peak]!.value * p.utilization.value;
  return { macsPerSecond, bytesPerSecond: p.memoryBandwidth.value };
}

/** Per (pattern, dtype): what the support matrix said for the layers, and for the target's own pattern. */
function supportOf(pl: Planned, p: AcceleratorProfile, asOf: string | undefined): EstimateSupport[] {
  const by = new Map<string, EstimateSupport>();
  for (const x of pl.plans) {
    if (!x.support) continue;
    const k = `${x.support.pattern}\u0000${x.support.dtype}`;
    const e = by.get(k);
    if (e) e.layers++;
    else by.set(k, { pattern: x.support.pattern, dtype: x.support.dtype, status: x.support.status, usable: x.support.usable, reason: x.support.reason, date: x.support.date, source: x.support.source, layers: 1 });
  }
  if (p.runtime && p.chip) {
    // The runtime's own pattern at the model's main dtype, so every target states its support.
    const dtype = pl.other.peak;
    const pattern = p.kind === 'n:m' ? patternFor(p.sparsity, dtype).join(':') : p.kind === 'unstructured-weights' ? 'unstructured' : p.kind === 'none' ? '2:4' : p.kind;
    if (![...by.values()].some((e) => e.pattern === pattern && e.dtype === dtype)) {
      const a = supportFor({ runtime: p.runtime.id, pattern, dtype, chip: p.chip, asOf });
      by.set(`${pattern}\u0000${dtype}`, { pattern, dtype, status: a.status, usable: a.usable, reason: a.reason, date: a.date, source: a.source, layers: 0 });
    }
  }
  return [...by.values()];
}

/**
 * A valid pattern the runtime does not run is said in words, once per reason; an FP32 model on a
 * runtime that runs the pattern at FP16 is told which scenario prices that.
 */
function supportNotes(plans: readonly LayerPlan[], p: AcceleratorProfile, asOf: string | undefined): string[] {
  const out = new Map<string, number>();
  for (const x of plans) {
    if (x.support && !x.support.usable) {
      const s = x.support;
      const half = (s.dtype === 'float32' || s.dtype === 'tfloat32') && p.runtime && p.chip
        && supportFor({ runtime: p.runtime.id, pattern: s.pattern, dtype: 'float16', chip: p.chip, asOf }).usable;
      const hint = half ? `; it runs ${s.pattern} at float16: the scenario suffix @float16 (e.g. pruned-${s.pattern}@float16) prices an FP16 build` : '';
      const k = `${s.pattern} at ${s.dtype} is valid in this model, but ${p.runtime?.name ?? p.name} does not use it today (${s.status}, ${s.date}): ${s.reason} (${s.source})${hint}`;
      out.set(k, (out.get(k) ?? 0) + 1);
    }
  }
  return [...out].map(([k, n]) => `${n} layer(s): ${k}`);
}

function profileAssumptions(p: AcceleratorProfile, pl: Planned): string[] {
  const used = new Set(pl.plans.map((x) => x.peak));
  used.add(pl.other.peak);
  const a = [
    `peak ${[...used].map((d) => `${d} ${(p.peakMacsPerSecond[d]!.value / 1e12).toFixed(1)} TMAC/s (${p.peakMacsPerSecond[d]!.source})`).join(', ')}`,
    `utilization ${p.utilization.value} (${p.utilization.source})`,
    `memory ${(p.memoryBandwidth.value / 1e9).toFixed(0)} GB/s (${p.memoryBandwidth.source})`,
    'time per layer = max(MACs / (peak x utilization), bytes / bandwidth); other ops at dense cost, shape-only ops free',
    'range: every ranged number drawn jointly (fixed-seed Monte Carlo), dense and sparse under the same draw; sparse time never below the physical floor (N/M, or the nonzero share)',
  ];
  const stand = [...new Set(pl.plans.filter((x) => x.wanted).map((x) => `${x.wanted} -> ${x.peak}`))];
  if (pl.other.wanted) stand.push(`${pl.other.wanted} -> ${pl.other.peak}`);
  if (stand.length) a.push(`assumption: no peak given for ${stand.join(', ')}: priced at the stand-in's rate`);
  a.push(...(p.assumptions ?? []));
  if (p.kind === 'n:m') {
    const s = p.sparsity;
    if (s.kernel) a.push(`${s.n}:${s.m} layers: speedup by GEMM shape from ${s.kernel.points.length} measured point(s), interpolated in log space (${s.kernel.source})`);
    if (s.mathSpeedup) a.push(`${s.n}:${s.m} sparse math ${s.mathSpeedup.value}x (${s.mathSpeedup.source})`);
    if (s.bandwidthEfficiency) a.push(`sparse kernel bandwidth ${s.bandwidthEfficiency.value} of dense (${s.bandwidthEfficiency.source})`);
    if (s.callOverheadSeconds) a.push(`sparse call overhead ${(s.callOverheadSeconds.value * 1e3).toFixed(3)} ms (${s.callOverheadSeconds.source})`);
    a.push(`index ${s.metadataBitsPerNonzero.value} bits per kept value (${s.metadataBitsPerNonzero.source})`);
  } else if (p.kind !== 'none') {
    const blocks = p.sparsity.blocks ?? [{ block: p.sparsity.block, curve: p.sparsity.curve }];
    for (const b of blocks) a.push(`sparse time relative to dense by ${b.block ? `${b.block[0]}x${b.block[1]} block ` : ''}density: ${b.curve.value.map(([d, t]) => `${d}->${t}`).join(', ')} (${b.curve.source})`);
    a.push(`index overhead ${p.sparsity.indexOverhead.value} (${p.sparsity.indexOverhead.source})`);
  }
  return a;
}
