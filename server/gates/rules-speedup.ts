import type { Estimate, Report, RuleOutcome } from '../../common/protocol';
import { globMatcher, isGlob } from './glob';
import { EPS, outcome, type Field, type RuleKind } from './rule-kind';

export interface SpeedupRule {
  /** A target id (`report.estimates[].accelerator.id`), or a glob of them. */
  target: string;
  scenario: string;
  /** Largest allowed relative drop from the baseline's speedup (0.02 is 2%). */
  maxDrop?: number;
  /** Smallest allowed speedup. */
  min?: number;
  /** A default rule: targets the baseline has no estimate for are skipped, not errors. */
  optional?: boolean;
  /** Targets a glob leaves out. */
  except?: string[];
}

/**
 * The estimated speedup on named targets: not below `min`, and not more than `maxDrop` below the
 * baseline's. Targets are keyed by id and scenario only, so the rule holds whatever a target's
 * profile is made of.
 */
export const speedup: RuleKind<SpeedupRule[]> = {
  parse: (f) => f.list().map((item: Field) => {
    const o = item.object(['target', 'scenario', 'maxDrop', 'min']);
    if (!o.target) item.fail('must name a "target" (an accelerator id, e.g. "h100-2of4", or a glob such as "*")');
    if (!o.maxDrop && !o.min) item.fail('must have "maxDrop" (a fraction of the baseline\'s speedup) or "min" (a speedup), or both');
    return {
      target: o.target.string(),
      scenario: o.scenario?.string() ?? 'as-is',
      ...(o.maxDrop ? { maxDrop: o.maxDrop.fraction() } : {}),
      ...(o.min ? { min: o.min.number(0, 1e6, 'a speedup > 0, e.g. 1.2') } : {}),
    };
  }),
  needsBaseline: (rules) => rules.some((r) => r.maxDrop !== undefined),
  evaluate: (rules, ctx) => rules.flatMap((r, i) => evaluateOne(`speedup[${i}]`, r, ctx.report, ctx.baseline)),
};

function evaluateOne(id: string, r: SpeedupRule, report: Report, baseline: Report | undefined): RuleOutcome[] {
  const match = globMatcher(r.target);
  const ids = (rep: Report | undefined): string[] => (rep?.estimates ?? [])
    .filter((e) => e.scenario === r.scenario && match(e.accelerator.id) && !r.except?.includes(e.accelerator.id)).map((e) => e.accelerator.id);
  // With a drop to check, the baseline's targets are the ones that must not regress.
  const targets = [...new Set([...(r.maxDrop !== undefined ? ids(baseline) : []), ...ids(report)])];
  if (!targets.length) {
    if (r.optional) return [outcome(id, `${r.target} ${r.scenario}`, 'skip', `no ${r.scenario} estimate in the baseline to hold the model to`)];
    if (isGlob(r.target) || !report.estimates.length) return [missing(id, r, report)];
    targets.push(r.target);
  }
  return targets.map((target) => {
    const subject = `${target} ${r.scenario}`;
    const now = find(report, target, r.scenario);
    if (!now) return missing(id, { ...r, target }, report);
    const checks: string[] = [];
    let ok = true;
    if (r.min !== undefined) {
      const pass = now.speedup >= r.min - EPS;
      ok &&= pass;
      checks.push(`${pass ? '>=' : '<'} ${r.min.toFixed(2)}x required`);
    }
    if (r.maxDrop !== undefined) {
      const was = find(baseline!, target, r.scenario);
      if (!was) return outcome(id, subject, r.optional ? 'skip' : 'error', `the baseline has no ${r.scenario} estimate for ${target} to compare with`);
      const drop = (was.speedup - now.speedup) / was.speedup;
      const pass = drop <= r.maxDrop + EPS;
      ok &&= pass;
      checks.push(`${was.speedup.toFixed(3)}x in the baseline (${drop > 0 ? '-' : '+'}${(Math.abs(drop) * 100).toFixed(2)}%, ${pass ? 'within' : 'more than'} the ${(r.maxDrop * 100).toFixed(2)}% drop allowed)`);
    }
    return outcome(id, subject, ok ? 'pass' : 'fail', `estimated speedup on ${now.accelerator.name} (${r.scenario}) ${now.speedup.toFixed(3)}x; ${checks.join('; ')}`);
  });
}

function find(r: Report, target: string, scenario: string): Estimate | undefined {
  return r.estimates.find((e) => e.accelerator.id === target && e.scenario === scenario);
}

function missing(id: string, r: SpeedupRule, report: Report): RuleOutcome {
  const have = [...new Set(report.estimates.map((e) => `${e.accelerator.id} (${e.scenario})`))];
  return outcome(id, `${r.target} ${r.scenario}`, 'error',
    `the model's report has no ${r.scenario} estimate for '${r.target}' (${have.length ? `it has ${have.slice(0, 12).join(', ')}${have.length > 12 ? ', ...' : ''}` : 'it has no estimates; analyse with estimates on'})`);
}
