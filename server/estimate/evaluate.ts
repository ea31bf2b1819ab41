import { drawnParams, nominalParams, type Params } from './draws';
import { kernelSpeedup } from './kernel-table';
import { layerTime, otherPeak, otherTime, planLayer, type LayerPlan, type Timed } from './layer-time';
import type { AcceleratorProfile, PeakDtype } from './profile';
import type { Workload } from './workload';

/**
 * A workload on a target: plans once, then the whole model's sparse and dense time under each
 * draw. The range is the lowest and highest speedup over the nominal draw and the random ones:
 * every ranged number moves at once, and both paths of a draw see the same chip.
 */

export interface Planned {
  w: Workload;
  plans: LayerPlan[];
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
  return { w, plans: w.layers.map((l) => planLayer(l, p, asOf)), other: otherPeak(p, w) };
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
  return { w, plans, other: pl.other };
}

export function run(pl: Planned, q: Params, keep = false): Run {
  let sparse = 0;
  let dense = 0;
  const layers: Timed[] = [];
  const scratch: Timed = { seconds: 0, denseSeconds: 0, bound: 'compute' };
  for (let i = 0; i < pl.w.layers.length; i++) {
    const t = layerTime(pl.w.layers[i], pl.plans[i], q, keep ? undefined : scratch);
    sparse += t.seconds;
    dense += t.denseSeconds;
    if (keep) layers.push(t);
  }
  let other = 0;
  for (const o of pl.w.others) other += otherTime(o, pl.other.peak, q);
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
  const n = drawsFor(pl.w.layers.length, most, budget);
  let lo = nominal.speedup;
  let hi = nominal.speedup;
  for (const q of drawnParams(p, n)) {
    const s = run(pl, q).speedup;
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  return { nominal, range: [lo, hi], draws: n };
}
