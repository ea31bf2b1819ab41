import { layerWeightKey, type PlanLayer, type PlanPoint, type PruningPlan, type Report } from '../../common/protocol';
import { parsePruneKey, type Prune } from '../bench/prune-kind';
import { nominalParams } from '../estimate/draws';
import { speedupEstimate } from '../estimate/estimate';
import { otherPeak, othersTime } from '../estimate/layer-time';
import type { AcceleratorProfile } from '../estimate/profile';
import { workloadOf, type WorkLayer, type Workload } from '../estimate/workload';
import { VERSION } from '../version';
import { prunedLayer, timeLayer } from './choices';
import { layerMagnitudes } from './l1';

/**
 * The pruning plan: per weight one choice (as it is, N:M, X% unstructured, RxC blocks, output
 * channels) that together maximise the model's estimated speedup on one target, while the layer
 * weights keep at least `keep` of their L1 magnitude. A multiple-choice knapsack, solved the
 * classic way: each weight's choices reduced to the lower convex hull of (L1 lost, time), then
 * every hull step taken in order of time saved per magnitude lost while the budget allows (the
 * optimum of the relaxed problem; a step that does not fit freezes its weight and smaller ones
 * still fill the budget). The steps in that order, budget ignored, are the Pareto front.
 */

export interface PlanInput {
  report: Report;
  workload: Workload;
  profile: AcceleratorProfile;
  /** advice.kept: per report layer, kept share by plan key, or why it cannot be pruned. */
  kept: readonly (Record<string, number> | string)[];
  keep: number;
  /** Layers to leave as they are, as the user wrote them, and the test for a name. */
  leave: readonly string[];
  leaves: (name: string) => boolean;
  asOf?: string;
  /** Draws for the plan's estimate range. */
  draws?: number;
  /** When the plan is part of a report: the report's time, so the report says one time. */
  createdAt?: string;
}

interface Choice {
  key: string;
  prune: Prune;
  /** Of the weight's L1. */
  lost: number;
  kept: number;
  seconds: number;
}

interface Unit {
  /** Workload layers sharing one weight. */
  layers: WorkLayer[];
  l1: number;
  choices: Choice[];
  hull: Choice[];
  /** The hull position reached by the greedy steps. */
  at: number;
  /** The choice made: the hull's, or after the fill any choice that fits. */
  pick?: Choice;
  why?: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const MAX_FRONT = 64;

export function planPruning(i: PlanInput): PruningPlan {
  const { report: r, profile: p } = i;
  const q = nominalParams(p);
  const mags = layerMagnitudes(r);
  const units = new Map<string, Unit>();
  for (const l of i.workload.layers) {
    const key = layerWeightKey(r.layers[l.index!]) ?? `layer ${l.index}`;
    const u = units.get(key);
    if (u) u.layers.push(l);
    else units.set(key, { layers: [l], l1: mags.of(l.index!), choices: [], hull: [], at: 0 });
  }
  for (const u of units.values()) {
    u.choices = choicesOf(u, i, q);
    u.hull = hull(u.choices);
  }
  const all = [...units.values()];
  const other = othersTime(i.workload.others, otherPeak(p, i.workload).peak, q);
  const dense = all.reduce((s, u) => s + u.layers.reduce((a, l) => a + timeLayer(l, p, q, i.asOf).denseSeconds, 0), other);
  const l1 = mags.total;
  const steps = all.flatMap((u, n) => u.hull.slice(1).map((c, j) => ({ u, n, j: j + 1, gain: (u.hull[j].seconds - c.seconds) / Math.max(c.lost - u.hull[j].lost, 1e-300) })))
    .sort((a, b) => b.gain - a.gain || a.n - b.n || a.j - b.j);
  const picked = (u: Unit): Choice => u.pick ?? u.hull[u.at];
  const time = (): number => all.reduce((s, u) => s + picked(u).seconds, other);
  const at = (lost: number, seconds: number, pruned: number): PlanPoint => ({ l1Kept: l1 > 0 ? 1 - lost / l1 : 1, speedup: dense / seconds, pruned });
  const point = (lost: number): PlanPoint => at(lost, time(), all.filter((u) => picked(u).key !== 'as-is').length);

  // The front: every step in order, the budget ignored; each step moves one weight, so the time
  // and the count move by that weight alone (a sum over every weight per step was steps x weights).
  let lost = 0;
  const first = point(0);
  let seconds = time();
  let pruned = first.pruned;
  const front: PlanPoint[] = [first];
  for (const s of steps) {
    const from = s.u.hull[s.j - 1];
    const to = s.u.hull[s.j];
    s.u.at = s.j;
    lost += to.lost - from.lost;
    seconds += to.seconds - from.seconds;
    if (from.key === 'as-is') pruned++;
    front.push(at(lost, seconds, pruned));
  }
  // The plan: the same order within the budget.
  for (const u of all) u.at = 0;
  const allowed = (1 - i.keep) * l1 * (1 + 1e-12);
  const frozen = new Set<Unit>();
  lost = 0;
  for (const s of steps) {
    if (frozen.has(s.u)) continue;
    const more = s.u.hull[s.j].lost - s.u.hull[s.j - 1].lost;
    if (lost + more > allowed) {
      frozen.add(s.u);
      s.u.why = `${s.u.hull[s.j].key} would save more, but the budget (keep ${pct(i.keep)}) is spent`;
      continue;
    }
    s.u.at = s.j;
    lost += more;
  }
  lost += fill(all, allowed - lost);
  const planned = point(lost);
  const layers = planLayers(i, units);
  const pw: Workload = { ...i.workload, layers: i.workload.layers.map((l) => layers.work.get(l) ?? l) };
  const e = speedupEstimate(pw, p, i.draws ?? 128, i.asOf);
  const asIs = r.estimates.find((x) => x.accelerator.id === p.id && x.scenario === 'as-is')?.speedup
    ?? speedupEstimate(i.workload, p, 8, i.asOf).speedup;
  return {
    kind: 'onnx-sparsity-plan', version: 1,
    tool: { name: 'onnx-sparsity', version: VERSION }, createdAt: i.createdAt ?? new Date().toISOString(),
    model: { path: r.model.path, name: r.model.name, sha256: r.model.sha256 },
    target: { id: p.id, name: p.name },
    budget: { keep: i.keep, leave: [...i.leave] },
    objective: `the largest estimated speedup of the model on ${p.name} (nominal figures, at the analysed size) while the layer weights keep at least ${pct(i.keep)} of their L1 magnitude (sum |w|); per weight the lower convex hull of (L1 lost, time), hull steps taken by time saved per magnitude lost`,
    layers: layers.rows,
    estimate: { speedup: e.speedup, speedupRange: e.speedupRange, asIsSpeedup: asIs, timeMs: e.timeMs, denseTimeMs: e.denseTimeMs, l1Kept: planned.l1Kept },
    front: thin(front, planned),
    notes: layers.notes,
  };
}

/**
 * What budget the steps leave, spent on any choice (not only the hull's) that saves most time
 * for what is left, one at a time: a weight whose next hull step did not fit may still afford a
 * smaller choice off the hull. Returns the magnitude it spent.
 */
function fill(all: Unit[], left: number): number {
  let spent = 0;
  for (;;) {
    let best: { u: Unit; c: Choice; saves: number; costs: number } | undefined;
    for (const u of all) {
      const now = u.pick ?? u.hull[u.at];
      for (const c of u.choices) {
        const costs = c.lost - now.lost;
        const saves = now.seconds - c.seconds;
        if (saves <= 0 || costs > left - spent) continue;
        if (!best || saves > best.saves || (saves === best.saves && costs < best.costs)) best = { u, c, saves, costs };
      }
    }
    if (!best) return spent;
    best.u.pick = best.c;
    best.u.why = undefined;
    spent += best.costs;
  }
}

/** A weight's choices: as it is, and every pruning with a magnitude figure (none for a layer left alone). */
function choicesOf(u: Unit, i: PlanInput, q: ReturnType<typeof nominalParams>): Choice[] {
  const time = (pr: Prune): number => u.layers.reduce((s, l) => {
    const rep = i.report.layers[l.index!];
    return s + timeLayer(prunedLayer(l, pr, rep.gemm?.rows ?? 0, rep.zeroRows), i.profile, q, i.asOf).seconds;
  }, 0);
  const asIs: Choice = { key: 'as-is', prune: { kind: 'as-is' }, lost: 0, kept: 1, seconds: time({ kind: 'as-is' }) };
  const left = u.layers.find((l) => i.leaves(l.name));
  if (left) {
    u.why = `left as it is (--leave: ${left.name})`;
    return [asIs];
  }
  const figures = u.layers.map((l) => i.kept[l.index!]);
  const why = figures.find((f): f is string => typeof f === 'string');
  if (why !== undefined) {
    u.why = `not pruned: ${why}`;
    return [asIs];
  }
  const first = figures[0] as Record<string, number>;
  const out = [asIs];
  for (const [key, kept] of Object.entries(first)) {
    const prune = parsePruneKey(key);
    // Layers sharing the weight must agree on its figure (another view would prune it otherwise).
    if (!prune || figures.some((f) => (f as Record<string, number>)[key] !== kept)) continue;
    out.push({ key, prune, kept, lost: u.l1 * (1 - kept), seconds: time(prune) });
  }
  return out;
}

/** The choices that are on the lower convex hull of (lost, seconds), as it is first. */
function hull(choices: Choice[]): Choice[] {
  const sorted = [...choices].sort((a, b) => a.lost - b.lost || a.seconds - b.seconds || (a.key === 'as-is' ? -1 : 0));
  const out: Choice[] = [];
  for (const c of sorted) {
    if (out.length && c.seconds >= out[out.length - 1].seconds) continue;
    if (out.length && c.lost === out[out.length - 1].lost) continue;
    while (out.length >= 2) {
      const [a, b] = [out[out.length - 2], out[out.length - 1]];
      if ((a.seconds - b.seconds) / (b.lost - a.lost) > (b.seconds - c.seconds) / (c.lost - b.lost)) break;
      out.pop();
    }
    out.push(c);
  }
  return out;
}

function planLayers(i: PlanInput, units: Map<string, Unit>): { rows: PlanLayer[]; work: Map<WorkLayer, WorkLayer>; notes: string[] } {
  const r = i.report;
  const byIndex = new Map<number, { u: Unit; l: WorkLayer }>();
  for (const u of units.values()) for (const l of u.layers) byIndex.set(l.index!, { u, l });
  const work = new Map<WorkLayer, WorkLayer>();
  const q = nominalParams(i.profile);
  const notes: string[] = [];
  const rows = r.layers.map((rep, index): PlanLayer => {
    const base = { index, name: rep.name, opType: rep.opType, graph: rep.graph, weight: rep.weight };
    const hit = byIndex.get(index);
    if (!hit) {
      const k = i.kept[index];
      return { ...base, prune: 'as-is', l1Kept: 1, denseTimeMs: null, timeMs: null, why: `not estimated${typeof k === 'string' ? `: ${k}` : ' (no MACs known)'}` };
    }
    const { u, l } = hit;
    const c = u.pick ?? u.hull[u.at];
    const after = prunedLayer(l, c.prune, rep.gemm?.rows ?? 0, rep.zeroRows);
    work.set(l, after);
    const t = timeLayer(after, i.profile, q, i.asOf);
    const before = timeLayer(l, i.profile, q, i.asOf).seconds;
    const why = c.key !== 'as-is' ? `${(before / t.seconds).toFixed(2)}x on this layer for ${pct(1 - c.kept)} of its L1`
      : u.why ?? (u.hull.length === 1 ? `no pruning makes it faster on ${i.profile.name}` : 'as it is');
    return { ...base, prune: c.key, l1Kept: c.kept, denseTimeMs: t.denseSeconds * 1000, timeMs: t.seconds * 1000, why };
  });
  const shared = [...units.values()].filter((u) => u.layers.length > 1).length;
  if (shared) notes.push(`${shared} weight(s) are shared by several layers: each gets one choice, timed over all its layers`);
  return { rows, work, notes };
}

/** At most MAX_FRONT points of the path, by magnitude kept (highest first), with both ends and the plan's own point. */
function thin(path: PlanPoint[], planned: PlanPoint): PlanPoint[] {
  const step = (path.length - 1) / (MAX_FRONT - 1);
  const some = path.length <= MAX_FRONT ? path : Array.from({ length: MAX_FRONT }, (_, k) => path[Math.round(k * step)]);
  const same = (a: PlanPoint): boolean => a.l1Kept === planned.l1Kept && a.speedup === planned.speedup;
  return [...(some.some(same) ? some : [...some, planned])].sort((a, b) => b.l1Kept - a.l1Kept || a.speedup - b.speedup);
}

/**
 * What a plan (perhaps edited by hand) predicts for the model on its target: the report's
 * workload with each planned layer pruned as the plan says, estimated nominally. Null when the
 * plan names a layer the report does not have.
 */
export function plannedSpeedup(r: Report, plan: PruningPlan, p: AcceleratorProfile): number | null {
  const w = workloadOf(r);
  const prunes = new Map(plan.layers.map((l) => [l.index, parsePruneKey(l.prune)]));
  if ([...prunes.keys()].some((k) => k >= r.layers.length)) return null;
  const layers = w.layers.map((l) => {
    const pr = prunes.get(l.index!);
    const rep = r.layers[l.index!];
    return pr ? prunedLayer(l, pr, rep.gemm?.rows ?? 0, rep.zeroRows) : l;
  });
  return speedupEstimate({ ...w, layers }, p, 8).speedup;
}
