import { drawnParams, nominalParams, type Params } from './draws';
import { kernelSpeedup } from './kernel-table';
import { layerTime, otherPeak, othersTime, planLayer, type LayerPlan, type Timed } from './layer-time';
import { packedTotals, type GroupedPlan } from './packed-run';
import type { AcceleratorProfile, PeakDtype } from './profile';
import type { WorkLayer, Workload } from './workload';

/**
 * A workload on a target: plans once, then the whole model's sparse and dense time under each
 * draw. The range is the lowest and highest speedup over the nominal draw and the random ones:
 * every ranged number moves at once, and both paths of a draw see the same chip.
 */

export interface Planned extends GroupedPlan {
  other: { peak: PeakDtype; wanted?: PeakDtype };
}

export interface Run {
  layers: Timed[];
  other: number;
  sparse: number;
  dense: number;
  speedup: number;
}

export function plan(w: Workload, p: AcceleratorProfile, asOf?: string): Planned {
  const groups = groupsOf(w);
  const plans = new Array<LayerPlan>(w.layers.length);
  // A plan depends on the layer's figures and the target alone: alike layers share one.
  for (const g of groups) {
    const x = planLayer(w.layers[g.at], p, asOf);
    for (const i of g.members) plans[i] = x;
  }
  return { w, plans, other: otherPeak(p, w), groups };
}

/** A workload's groups of alike layers, found once and shared by every target that evaluates it. */
const groupCache = new WeakMap<Workload, Planned['groups']>();

function groupsOf(w: Workload): Planned['groups'] {
  const cached = groupCache.get(w);
  if (cached) return cached;
  const by = new Map<string, { at: number; members: number[] }>();
  w.layers.forEach((l, i) => {
    const k = groupKey(l);
    const g = by.get(k);
    if (g) g.members.push(i);
    else by.set(k, { at: i, members: [i] });
  });
  const groups = [...by.values()];
  groupCache.set(w, groups);
  return groups;
}

/** Each layer's group key, made once: the advisor's workloads share most of their layer objects. */
const keys = new WeakMap<WorkLayer, string>();

/** Everything a layer's time depends on but its name. */
function groupKey(l: WorkLayer): string {
  let k = keys.get(l);
  if (k === undefined) {
    k = JSON.stringify([l.kind, l.macs, l.weightBytes, l.activationBytes, l.dtype, l.weightDtype, l.weightDensity, l.rowsKept, l.kKept, l.nmReady, l.blockDensity, l.activationDensity, l.activationRange, l.gemm, l.costSource]);
    keys.set(l, k);
  }
  return k;
}

/**
 * The same plan over one layer per group: what the range and the sweep evaluate when they need
 * the model's totals only (each representative counts for its group's members).
 */
export function compressed(pl: Planned): Planned {
  const reps = pl.groups.map((g) => pl.w.layers[g.at]);
  const w: Workload = { ...pl.w, layers: reps };
  const groups = pl.groups.map((g, j) => ({ at: j, members: g.members }));
  groupCache.set(w, groups);
  return { w, plans: pl.groups.map((g) => pl.plans[g.at]), other: pl.other, groups };
}

/**
 * The plans at another size: structure, dtype and support do not change with the rows per GEMM,
 * only a kernel table's reading does.
 */
export function rescaled(pl: Planned, w: Workload, p: AcceleratorProfile): Planned {
  if (p.kind !== 'n:m' || !p.sparsity.kernel) return { ...pl, w };
  const table = p.sparsity.kernel;
  const plans = pl.plans.map((x, i): LayerPlan => {
    if (x.path !== 'nm' || x.table === null) return x;
    const g = w.layers[i].gemm;
    return { ...x, table: kernelSpeedup(table, g.m, g.n, g.k, x.peak).speedup };
  });
  // Scaling every layer alike keeps alike layers alike: the groups stand.
  return { w, plans, other: pl.other, groups: pl.groups };
}

/** The model's time under one draw; each layer's own times only when `keep` (the draws of a range need the totals alone). */
export function run(pl: Planned, q: Params, keep = false): Run {
  if (!keep) {
    const t = packedTotals(pl, q);
    return { layers: [], other: t.other, sparse: t.sparse, dense: t.dense, speedup: t.sparse > 0 ? t.dense / t.sparse : 1 };
  }
  let sparse = 0;
  let dense = 0;
  const layers = new Array<Timed>(pl.w.layers.length);
  for (const g of pl.groups) {
    const t = layerTime(pl.w.layers[g.at], pl.plans[g.at], q);
    sparse += t.seconds * g.members.length;
    dense += t.denseSeconds * g.members.length;
    for (const i of g.members) layers[i] = t;
  }
  const other = othersTime(pl.w.others, pl.other.peak, q);
  sparse += other;
  dense += other;
  return { layers, other, sparse, dense, speedup: sparse > 0 ? dense / sparse : 1 };
}

/** Layer evaluations one range may spend: a 10,000-layer model gets fewer draws (never under 8). */
export const BUDGET = 400_000;

export function drawsFor(layers: number, most: number, budget = BUDGET): number {
  return Math.max(8, Math.min(most, Math.floor(budget / Math.max(1, layers + 1))));
}

export interface Ranged {
  nominal: Run;
  range: [number, number];
  draws: number;
}

export function ranged(pl: Planned, p: AcceleratorProfile, most: number, keep: boolean, budget = BUDGET): Ranged {
  const nominal = run(pl, nominalParams(p), keep);
  // A target with nothing exploited runs the same path both ways in every draw: exactly 1.
  if (pl.plans.every((x) => x.path === 'dense') && pl.w.layers.every((l) => l.rowsKept * l.kKept === 1)) return { nominal, range: [nominal.speedup, nominal.speedup], draws: 0 };
  const n = drawsFor(pl.groups.length, most, budget);
  let lo = nominal.speedup;
  let hi = nominal.speedup;
  for (const q of drawnParams(p, n)) {
    const s = run(pl, q).speedup;
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  return { nominal, range: [lo, hi], draws: n };
}
