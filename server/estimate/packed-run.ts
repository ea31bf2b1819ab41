import type { Params } from './draws';
import { layerTime, othersTime, type LayerPlan, type Timed } from './layer-time';
import { curveAt, type PeakDtype } from './profile';
import type { Workload } from './workload';

/**
 * A range's draws over one plan, with what no draw changes worked out once per group: every
 * report runs ~40 ranges of 257 draws, and layerTime reading a dozen fields of plans and layers
 * of many shapes (megamorphic loads) cost ~150 ns a layer a draw, most of a small model's
 * estimates. Each figure is the same arithmetic as layerTime's, in the same order, on the same
 * values, so totals are bit-for-bit the same; groups whose time needs the draw in a way not
 * written out here (a dual target's activation spread) call layerTime itself. A change to
 * layerTime's model is a change here too: test/packed-run.test.ts fails until both agree.
 */

/** A workload's plan on a target, by groups of alike layers (evaluate.ts's Planned adds to it). */
export interface GroupedPlan {
  w: Workload;
  plans: LayerPlan[];
  other: { peak: PeakDtype };
  /**
   * Layers that are the same to the estimator (same shape, dtype, sparsity and plan) share one
   * evaluation: a transformer repeats its blocks, and a 10,000-layer model took minutes
   * evaluated layer by layer under every draw of every target.
   */
  groups: { at: number; members: number[] }[];
}

const enum Path { Dense, NmTable, NmRoofline, Curve, General }

interface Packed {
  path: Uint8Array;
  /** Index into `peaks` of each group's compute peak. */
  peak: Uint8Array;
  peaks: PeakDtype[];
  rates: Float64Array;
  members: Float64Array;
  macs: Float64Array;
  /** Weight plus activation bytes: the dense time's memory side. */
  denseBytes: Float64Array;
  /** MACs and bytes of what channel compaction keeps. */
  keptMacs: Float64Array;
  keptBytes: Float64Array;
  /** Kept weight bytes (curve) or kept weight bytes x N/M (n:m roofline). */
  weightPart: Float64Array;
  activationBytes: Float64Array;
  /** n:m: N/M, the share of products kept. */
  nOverM: Float64Array;
  /** n:m: the kernel table's speedup (table mode), value bits (roofline mode). */
  table: Float64Array;
  valueBits: Float64Array;
  /** Curve: the relative time at the plan's density, before the draw's factor; the weight density. */
  relative: Float64Array;
  weights: Float64Array;
  /** Curve: activation density, when the plan has one; the cap. */
  hasActivations: Uint8Array;
  activations: Float64Array;
  cap: Float64Array;
  onlyWhenFaster: Uint8Array;
  /** The plan's other ops and their peak, read once: plans come as objects of several shapes (plan, compressed, rescaled). */
  others: Workload['others'];
  otherPeak: PeakDtype;
}

const cache = new WeakMap<GroupedPlan, Packed>();

function pack(pl: GroupedPlan): Packed {
  const cached = cache.get(pl);
  if (cached) return cached;
  const n = pl.groups.length;
  const f = (): Float64Array => new Float64Array(n);
  const x: Packed = {
    path: new Uint8Array(n), peak: new Uint8Array(n), peaks: [], rates: new Float64Array(0),
    members: f(), macs: f(), denseBytes: f(), keptMacs: f(), keptBytes: f(), weightPart: f(), activationBytes: f(),
    nOverM: f(), table: f(), valueBits: f(), relative: f(), weights: f(),
    hasActivations: new Uint8Array(n), activations: f(), cap: f(), onlyWhenFaster: new Uint8Array(n),
    others: pl.w.others, otherPeak: pl.other.peak,
  };
  for (let i = 0; i < n; i++) {
    const g = pl.groups[i];
    const l = pl.w.layers[g.at];
    const plan = pl.plans[g.at];
    let at = x.peaks.indexOf(plan.peak);
    if (at < 0) at = x.peaks.push(plan.peak) - 1;
    x.peak[i] = at;
    const compact = l.rowsKept * l.kKept;
    x.members[i] = g.members.length;
    x.macs[i] = l.macs;
    x.denseBytes[i] = l.weightBytes + l.activationBytes;
    x.keptMacs[i] = l.macs * compact;
    x.keptBytes[i] = l.weightBytes * compact + l.activationBytes;
    x.activationBytes[i] = l.activationBytes;
    if (plan.path === 'dense') x.path[i] = Path.Dense;
    else if (plan.path === 'nm') {
      x.nOverM[i] = plan.n / plan.m;
      x.onlyWhenFaster[i] = plan.onlyWhenFaster ? 1 : 0;
      if (plan.table !== null) {
        x.path[i] = Path.NmTable;
        x.table[i] = plan.table;
      } else {
        x.path[i] = Path.NmRoofline;
        x.weightPart[i] = l.weightBytes * compact * (plan.n / plan.m);
        x.valueBits[i] = plan.valueBits;
      }
    } else if (plan.activations !== null && l.activationRange) x.path[i] = Path.General;
    else {
      x.path[i] = Path.Curve;
      x.relative[i] = curveAt(plan.curve, plan.density);
      x.weightPart[i] = l.weightBytes * compact;
      x.weights[i] = plan.weights;
      x.hasActivations[i] = plan.activations !== null ? 1 : 0;
      x.activations[i] = plan.activations ?? 0;
      x.cap[i] = plan.cap;
      x.onlyWhenFaster[i] = plan.onlyWhenFaster ? 1 : 0;
    }
  }
  x.rates = new Float64Array(x.peaks.length);
  cache.set(pl, x);
  return x;
}

/** The model's sparse and dense seconds under one draw, as `run` adds them without keeping layers. */
export function packedTotals(pl: GroupedPlan, q: Params): { sparse: number; dense: number; other: number } {
  const x = pack(pl);
  for (let j = 0; j < x.peaks.length; j++) x.rates[j] = q.rate[x.peaks[j]]!;
  const bw = q.bandwidth;
  let sparse = 0;
  let dense = 0;
  let scratch: Timed | undefined;
  for (let i = 0; i < x.path.length; i++) {
    const rate = x.rates[x.peak[i]];
    const denseSeconds = Math.max(x.macs[i] / rate, x.denseBytes[i] / bw);
    const compute = x.keptMacs[i] / rate;
    const memory = x.keptBytes[i] / bw;
    const kept = Math.max(compute, memory);
    let t = kept;
    switch (x.path[i]) {
      case Path.Dense:
        break;
      case Path.NmTable:
      case Path.NmRoofline: {
        if (x.path[i] === Path.NmTable) t = kept / (x.table[i] * q.kernelFactor);
        else {
          const c = compute / q.mathSpeedup;
          const bytes = x.weightPart[i] * (1 + q.metadataBits / x.valueBits[i]) + x.activationBytes[i];
          t = Math.max(c, bytes / (bw * q.bandwidthEfficiency));
        }
        t = Math.max(t + q.callOverhead, kept * x.nOverM[i]);
        if (x.onlyWhenFaster[i]) t = Math.min(t, kept);
        break;
      }
      case Path.Curve: {
        const rel = x.relative[i] * q.curveFactor;
        const index = 1 + q.indexOverhead;
        const wFactor = Math.min(1, x.weights[i] * index);
        const aFactor = x.hasActivations[i] ? Math.min(1, x.activations[i] * index) : 1;
        const c = compute * rel;
        const mem = (x.weightPart[i] * wFactor + x.activationBytes[i] * aFactor) / bw;
        t = Math.max(c, mem, kept * x.cap[i]);
        if (x.onlyWhenFaster[i]) t = Math.min(t, kept);
        break;
      }
      default: {
        const g = pl.groups[i];
        scratch = layerTime(pl.w.layers[g.at], pl.plans[g.at], q, scratch);
        sparse += scratch.seconds * x.members[i];
        dense += scratch.denseSeconds * x.members[i];
        continue;
      }
    }
    sparse += t * x.members[i];
    dense += denseSeconds * x.members[i];
  }
  const other = othersTime(x.others, x.otherPeak, q);
  return { sparse: sparse + other, dense: dense + other, other };
}
