import type { Advice, PruningPlan, Report } from '../../common/protocol';
import type { AcceleratorProfile } from '../estimate/profile';
import { workloadOf } from '../estimate/workload';
import { rankActions } from './actions';
import { focusTargets } from './focus';
import { planPruning } from './plan';
import { layerVerdicts } from './verdicts';

/**
 * From the numbers to a decision: per layer and target why it is (not) faster, the actions worth
 * most on the user's targets, and the pruning plan for the first of them (its Pareto front is the
 * report's chart). Pure over the report, the targets and the magnitude figures.
 */
export interface AdviseInput {
  report: Report;
  /** The targets estimated, in the report's order. */
  profiles: readonly AcceleratorProfile[];
  /** The targets as the user named them (estimate.targets), and the ids of their own profiles. */
  selection?: readonly string[];
  own: readonly string[];
  /** advice.kept, from measureKept. */
  kept: (Record<string, number> | string)[];
  keep: number;
  leave: readonly string[];
  leaves: (name: string) => boolean;
  /** The plan's target (default: the first focus target). */
  planTarget?: string;
  asOf?: string;
}

export function adviseReport(i: AdviseInput): Advice {
  const r = i.report;
  const w = workloadOf(r);
  const ids = i.profiles.map((p) => p.id);
  const focus = focusTargets(i.selection, ids, i.own);
  const verdicts = layerVerdicts(r, w, i.profiles, i.kept, i.asOf);
  const planFor = (p: AcceleratorProfile): PruningPlan => planPruning({ report: r, workload: w, profile: p, kept: i.kept, keep: i.keep, leave: i.leave, leaves: i.leaves, asOf: i.asOf, createdAt: r.createdAt });
  const plans = new Map<string, PruningPlan>();
  for (const id of focus.targets) {
    const p = i.profiles.find((x) => x.id === id);
    if (p && w.layers.length) plans.set(id, planFor(p));
  }
  const chosen = i.planTarget ?? focus.targets[0];
  const planProfile = i.profiles.find((p) => p.id === chosen);
  if (planProfile && !plans.has(chosen) && w.layers.length) plans.set(chosen, planFor(planProfile));
  const { actions, elsewhere } = rankActions({ report: r, workload: w, profiles: i.profiles, verdicts, kept: i.kept, focus: focus.targets, plans, size: sizeWords(r), asOf: i.asOf });
  const notes: string[] = [];
  if (!w.layers.length) notes.push('no layer has a weight, a GEMM view and known MACs: nothing to advise on');
  if (w.layers.some((l) => l.costSource === 'params')) notes.push('some layers have no shapes (no run, no inferred sizes): their MACs are their parameter counts, so their verdicts and the plan rest on that');
  return { focus, verdicts, actions, elsewhere, ...(plans.has(chosen) ? { plan: plans.get(chosen)! } : {}), kept: i.kept, notes };
}

/** "at image [1, 3, 32, 32]": the input size every figure is for. */
export function sizeWords(r: Report): string {
  const inputs = r.run?.ok ? r.run.inputs : r.inferred?.inputs;
  return inputs?.length ? `at ${inputs.map((x) => `${x.name} [${x.shape.join(', ')}]`).join(', ')}` : 'at the analysed size';
}
