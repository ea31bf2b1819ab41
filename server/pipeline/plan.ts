import { DEFAULT_KEEP, type PruningPlan, type Report } from '../../common/protocol';
import type { AnalysisSettings, PlanSettings } from '../../common/requests';
import { planPruning } from '../advise/plan';
import { thisMachine } from '../bench/this-machine';
import { AnalysisError, UsageError } from '../errors';
import { builtinProfiles, mergeProfiles, userProfiles } from '../estimate/profiles';
import type { AcceleratorProfile } from '../estimate/profile';
import { workloadOf } from '../estimate/workload';
import { globMatcher } from '../gates/glob';
import { checkAnalysis, checkPlan } from './settings';

/**
 * `plan`: the pruning plan for one target and budget, from the model's analysis. The magnitude
 * figures the plan weighs are in the report (advice.kept), so another budget or target needs no
 * new analysis: the language server plans again from its cached report.
 */
export async function planModel(settings: AnalysisSettings, plan: PlanSettings | undefined, analyze: () => Promise<Report>): Promise<PruningPlan> {
  const checked = checkAnalysis(settings);
  const p = checkPlan(plan ?? {}, 'plan');
  if (checked.estimate === false) throw new UsageError('a plan needs the estimates: --no-estimate does not apply');
  const report = await analyze();
  return planFromReport(report, p, await profilesFor(report, checked.estimate.accelerators));
}

/** Every target the report could have been estimated on: built-in, the user's file, this machine. */
export async function profilesFor(r: Report, accelerators: string | undefined): Promise<AcceleratorProfile[]> {
  const here = thisMachine(r);
  return mergeProfiles(builtinProfiles(), [...(accelerators ? await userProfiles(accelerators) : []), ...(here ? [here] : [])]);
}

export function planFromReport(r: Report, s: PlanSettings, profiles: readonly AcceleratorProfile[]): PruningPlan {
  const advice = r.advice;
  if (!advice) throw new AnalysisError('the report has no advice (it was made without estimates, or by an older version): analyse the model again', { file: r.model.path });
  const id = s.target ?? advice.focus.targets[0];
  const estimated = [...new Set(r.estimates.map((e) => e.accelerator.id))];
  if (!estimated.includes(id)) throw new UsageError(`the plan's target '${id}' was not estimated for this report (it has ${estimated.join(', ')}); add it to --target`);
  const profile = profiles.find((p) => p.id === id);
  if (!profile) throw new UsageError(`target '${id}' is not known here (a profile file the report used is missing?)`);
  const w = workloadOf(r);
  if (!w.layers.length) throw new AnalysisError(`nothing to plan: ${advice.notes.join('; ') || 'no layer has a weight, a GEMM view and known MACs'}`, { file: r.model.path });
  const leave = s.leave ?? [];
  const matchers = leave.map(globMatcher);
  return planPruning({ report: r, workload: w, profile, kept: advice.kept, keep: s.keep ?? DEFAULT_KEEP, leave, leaves: (name) => matchers.some((m) => m(name)) });
}
