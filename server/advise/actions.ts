import type { AdviceAction, LayerVerdicts, PruningPlan, Report } from '../../common/protocol';
import { parsePruneKey, pruneKey, type Prune } from '../bench/prune-kind';
import { nominalParams } from '../estimate/draws';
import { estimate, speedupEstimate } from '../estimate/estimate';
import type { AcceleratorProfile } from '../estimate/profile';
import { applyScenario, parseScenario } from '../estimate/scenarios';
import { supportFor } from '../estimate/support';
import type { WorkLayer, Workload } from '../estimate/workload';
import { layerMagnitudes } from './l1';
import { prunedLayer, targetBlocks, targetPattern, timeLayer } from './choices';
import { timeRatio } from './ratio';

/**
 * Things to do, each priced on one target as the time before it over the time after it: prune the
 * layers eligible for the target's pattern to it; export the model without its all-zero channels
 * (which the estimates already count removed); build at FP16 where the runtime runs the pattern
 * only there; apply the pruning plan. Ranked by that speedup on the focus targets.
 */

const MAX_ACTIONS = 5;
const MAX_ELSEWHERE = 3;
const PAYS = 1.01;
const DRAWS = 64;

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const times = (x: number): string => `${x.toFixed(2)}x`;

export interface ActionInput {
  report: Report;
  workload: Workload;
  profiles: readonly AcceleratorProfile[];
  verdicts: readonly LayerVerdicts[];
  kept: readonly (Record<string, number> | string)[];
  focus: readonly string[];
  plans: ReadonlyMap<string, PruningPlan>;
  /** How the size was set ("image [1, 3, 224, 224]"), for the words. */
  size: string;
  asOf?: string;
}

export function rankActions(i: ActionInput): { actions: AdviceAction[]; elsewhere: AdviceAction[] } {
  const focus = new Set(i.focus);
  const all = i.profiles.flatMap((p) => actionsOn(i, p, focus.has(p.id)));
  const rank = (list: AdviceAction[]): AdviceAction[] => list.filter((a) => a.speedup >= PAYS).sort((a, b) => b.speedup - a.speedup || (b.l1Kept ?? 0) - (a.l1Kept ?? 0));
  const actions = rank(all.filter((a) => focus.has(a.target.id))).slice(0, MAX_ACTIONS);
  const best = new Map<string, AdviceAction>();
  for (const a of rank(all.filter((x) => !focus.has(x.target.id)))) if (!best.has(a.target.id)) best.set(a.target.id, a);
  return { actions, elsewhere: [...best.values()].slice(0, MAX_ELSEWHERE) };
}

function actionsOn(i: ActionInput, p: AcceleratorProfile, focus: boolean): AdviceAction[] {
  const out: AdviceAction[] = [];
  const target = { id: p.id, name: p.name };
  const prune = pruneAction(i, p, focus);
  if (prune) out.push(prune);
  const channels = channelAction(i, p);
  if (channels) out.push(channels);
  const half = precisionAction(i, p);
  if (half) out.push(half);
  const plan = i.plans.get(p.id);
  if (plan) {
    const changed = plan.layers.filter((l) => l.prune !== 'as-is');
    const after = apply(i, new Map(changed.map((l) => [l.index, parsePruneKey(l.prune)!])));
    const { ratio, range } = timeRatio(i.workload, after, p, DRAWS, i.asOf);
    const keys = [...new Set(changed.map((l) => l.prune))].join(', ');
    out.push({
      kind: 'plan', target, speedup: ratio, speedupRange: range, l1Kept: plan.estimate.l1Kept, layers: changed.map((l) => l.name),
      text: `apply the pruning plan for ${p.name} (keep at least ${pct(plan.budget.keep)} of L1): ${changed.length} layer(s) to ${keys || 'nothing'}: ${times(ratio)} ${i.size}, keeps ${pct(plan.estimate.l1Kept)} of L1 magnitude`,
      how: `onnx-sparsity plan MODEL --target ${p.id} --keep ${plan.budget.keep} --out plan.json, then onnx-sparsity prune MODEL --plan plan.json --out pruned.onnx (in VS Code: Apply Plan...)`,
      basis: 'over the as-is estimate on the same target',
    });
  }
  // A plan that only repeats the single-pattern action adds nothing to the list.
  const same = out.find((a) => a.kind === 'plan');
  const rival = out.find((a) => a.kind === 'prune');
  return same && rival && Math.abs(same.speedup - rival.speedup) < 0.005 && (same.l1Kept ?? 0) <= (rival.l1Kept ?? 0) + 1e-9 ? out.filter((a) => a !== same) : out;
}

/** A workload's layers by report index, made once per workload. */
const indexes = new WeakMap<Workload, Map<number, WorkLayer>>();
function byIndex(w: Workload): Map<number, WorkLayer> {
  let m = indexes.get(w);
  if (!m) indexes.set(w, (m = new Map(w.layers.map((l) => [l.index!, l]))));
  return m;
}

/** The workload with the given report layers pruned. */
function apply(i: ActionInput, prunes: ReadonlyMap<number, Prune>): Workload {
  return {
    ...i.workload,
    layers: i.workload.layers.map((l) => {
      const pr = prunes.get(l.index!);
      const rep = i.report.layers[l.index!];
      return pr ? prunedLayer(l, pr, rep.gemm?.rows ?? 0, rep.zeroRows) : l;
    }),
  };
}

function opSummary(r: Report, indexes: readonly number[]): string {
  const by = new Map<string, number>();
  for (const k of indexes) by.set(r.layers[k].opType, (by.get(r.layers[k].opType) ?? 0) + 1);
  return [...by].map(([op, n]) => `${n} ${op}${n === 1 ? '' : 's'}`).join(', ');
}

/** The layers whose verdict on this target is `eligible` by pruning (not already sparse), pruned to the target's pattern. */
function pruneAction(i: ActionInput, p: AcceleratorProfile, focus: boolean): AdviceAction | undefined {
  const q = nominalParams(p);
  const prunes = new Map<number, Prune>();
  const mags = layerMagnitudes(i.report);
  let lost = 0;
  for (const v of i.verdicts) {
    const first = v.targets[p.id]?.[0];
    const figures = i.kept[v.index];
    if (first?.code !== 'eligible' || typeof figures !== 'object') continue;
    const wl = byIndex(i.workload).get(v.index);
    // A layer the target already runs sparse has nothing to gain from this action.
    if (!wl || timeLayer(wl, p, q, i.asOf).plan.path !== 'dense') continue;
    const choice = referencePrune(i, p, wl, q);
    const kept = choice ? figures[pruneKey(choice)] : undefined;
    if (!choice || kept === undefined) continue;
    prunes.set(v.index, choice);
    lost += mags.of(v.index) * (1 - kept);
  }
  if (!prunes.size) return undefined;
  const after = apply(i, prunes);
  const { ratio, range } = timeRatio(i.workload, after, p, DRAWS, i.asOf);
  const keys = [...new Set([...prunes.values()].map(pruneKey))].join(' / ');
  const l1Kept = mags.total > 0 ? 1 - lost / mags.total : 1;
  const rule = focus ? estimate(after, p, keys, l1Kept, [], { draws: 16, asOf: i.asOf }).batchRule?.text : undefined;
  const indexes = [...prunes.keys()];
  return {
    kind: 'prune', target: { id: p.id, name: p.name }, speedup: ratio, speedupRange: range, l1Kept,
    layers: indexes.map((k) => i.report.layers[k].name),
    text: `prune ${opSummary(i.report, indexes)} to ${keys}: ${times(ratio)} on ${p.name} ${i.size}, keeps ${pct(l1Kept)} of L1 magnitude`,
    how: `onnx-sparsity plan MODEL --target ${p.id} --keep ${Math.floor(l1Kept * 100) / 100} --out plan.json (the plan at that budget gains at least about this much)`,
    basis: 'over the as-is estimate on the same target',
    ...(rule ? { batchRule: rule } : {}),
  };
}

/** The target's own pattern for one layer: N:M, 90% unstructured, or its fastest block shape at 90%. */
function referencePrune(i: ActionInput, p: AcceleratorProfile, l: WorkLayer, q: ReturnType<typeof nominalParams>): Prune | undefined {
  if (p.kind === 'n:m') {
    const nm = targetPattern(p, timeLayer(l, p, q, i.asOf).plan);
    return nm && { kind: 'nm', ...nm };
  }
  if (p.kind === 'block') {
    const rows = i.report.layers[l.index!].gemm?.rows ?? 0;
    const options = targetBlocks(p).map((b): Prune => ({ kind: 'block', ...b, sparsity: 0.9 }));
    return options.reduce<Prune | undefined>((a, b) => (!a || timeLayer(prunedLayer(l, b, rows, 0), p, q).seconds < timeLayer(prunedLayer(l, a, rows, 0), p, q).seconds ? b : a), undefined);
  }
  return p.kind === 'none' ? undefined : { kind: 'unstructured', sparsity: 0.9 };
}

/** The estimates count all-zero channels removed; a runtime computes them unless the model drops them. */
function channelAction(i: ActionInput, p: AcceleratorProfile): AdviceAction | undefined {
  const zero = i.workload.layers.filter((l) => l.rowsKept * l.kKept < 1);
  if (!zero.length) return undefined;
  const full: Workload = { ...i.workload, layers: i.workload.layers.map((l) => (l.rowsKept * l.kKept < 1 ? { ...l, rowsKept: 1, kKept: 1 } : l)) };
  const { ratio, range } = timeRatio(full, i.workload, p, DRAWS, i.asOf);
  const reps = zero.map((l) => i.report.layers[l.index!]);
  const rows = reps.reduce((s, l) => s + l.zeroRows, 0);
  const cols = reps.reduce((s, l) => s + l.zeroCols, 0);
  const what = [rows ? `${rows} all-zero output channels` : '', cols ? `${cols} all-zero K columns` : ''].filter(Boolean).join(' and ');
  return {
    kind: 'remove-channels', target: { id: p.id, name: p.name }, speedup: ratio, speedupRange: range, l1Kept: 1, layers: reps.map((l) => l.name),
    text: `export the model without the ${what} of ${reps.length} layer(s): ${times(ratio)} on ${p.name} ${i.size}; nothing but zeros goes (100% of L1 kept)`,
    how: 'remove those channels in the training framework (and the matching inputs of the next layer), then export again',
    basis: 'over the same model computing its all-zero channels (the as-is estimate already counts them removed)',
  };
}

/** Where the runtime runs the target's N:M pattern at FP16 but not at the model's FP32: an FP16 build, pruned. */
function precisionAction(i: ActionInput, p: AcceleratorProfile): AdviceAction | undefined {
  if (p.kind !== 'n:m' || !p.runtime || !p.chip) return undefined;
  const dtype = i.workload.dtype ?? 'float32';
  if (dtype !== 'float32') return undefined;
  const key = `${p.sparsity.n}:${p.sparsity.m}`;
  const peak = p.float32As === 'tfloat32' ? 'tfloat32' : 'float32';
  const at = (d: 'float16' | 'float32' | 'tfloat32'): boolean => supportFor({ runtime: p.runtime!.id, pattern: key, dtype: d, chip: p.chip!, asOf: i.asOf }).usable;
  if (at(peak) || !at('float16')) return undefined;
  const scenario = `pruned-${key}@float16`;
  const applied = applyScenario(i.workload, parseScenario(scenario), i.report);
  const e = speedupEstimate(applied.workload, p, DRAWS, i.asOf);
  const layers = applied.workload.layers.filter((l, k) => l.nmReady.includes(key) && !i.workload.layers[k].nmReady.includes(key));
  if (!layers.length) return undefined;
  return {
    kind: 'precision', target: { id: p.id, name: p.name }, speedup: e.speedup, speedupRange: e.speedupRange, l1Kept: applied.l1Kept,
    layers: layers.map((l) => l.name),
    text: `build for FP16 and prune ${opSummary(i.report, layers.map((l) => l.index!))} to ${key}: ${times(e.speedup)} over the FP16 build dense on ${p.name} (${p.runtime.name} runs ${key} at FP16, not at ${peak}), keeps ${pct(applied.l1Kept)} of L1; FP16's effect on accuracy is not estimated`,
    how: `onnx-sparsity analyze MODEL --target ${p.id} --scenario ${scenario}`,
    basis: 'over the same FP16 build dense (the FP16 build itself is faster still)',
  };
}
