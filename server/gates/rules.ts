import type { RuleOutcome } from '../../common/protocol';
import { AnalysisError, UsageError } from '../errors';
import { readRegular } from '../files/read-file';
import { Field, type RuleContext, type RuleKind } from './rule-kind';
import { maxDrift, type DriftRule } from './rules-drift';
import { keepNmReady, nmReady, type NmReadyRule } from './rules-nm';
import { maxSparsityDrop, minLayerSparsity, minTotalSparsity, type LayerSparsityRule } from './rules-sparsity';
import { speedup, type SpeedupRule } from './rules-speedup';

/** A rules file is a few kilobytes; anything near this is not one. */
const MAX_RULES_BYTES = 1 << 20;

/** The rules of one check, as rules.json spells them (paths resolved against its folder). */
export interface RuleSet {
  minTotalSparsity?: number;
  minLayerSparsity?: LayerSparsityRule[];
  maxSparsityDrop?: number;
  nmReady?: NmReadyRule[];
  keepNmReady?: true | string[];
  speedup?: SpeedupRule[];
  maxDrift?: DriftRule;
}

export type RuleField = keyof RuleSet;

/** Every kind of rule by its rules.json field, in the order outcomes are listed. */
const KINDS: { [K in RuleField]-?: RuleKind<NonNullable<RuleSet[K]>> } = {
  minTotalSparsity, minLayerSparsity, maxSparsityDrop, nmReady, keepNmReady, speedup, maxDrift,
};

export const RULE_FIELDS = Object.keys(KINDS) as RuleField[];

/** rules.json: the rules, and optionally the baseline they compare against. */
export interface RulesFile {
  file: string;
  baseline?: string;
  rules: RuleSet;
}

/**
 * The estimate server/bench/this-machine.ts derives from what bench/crossover measured on the
 * machine at hand: a CI runner and the machine that saved the baseline are not the same machine.
 */
const MEASURED_HERE = 'this-machine';

/**
 * With only a baseline: no layer N:M-ready in the baseline loses it, total weight sparsity drops
 * by at most one percentage point, and no target's as-is speedup estimate drops by more than 2%.
 */
export function defaultRules(): RuleSet {
  return { keepNmReady: true, maxSparsityDrop: 0.01, speedup: [{ target: '*', scenario: 'as-is', maxDrop: 0.02, optional: true, except: [MEASURED_HERE] }] };
}

export async function readRules(file: string): Promise<RulesFile> {
  const text = (await readRegular(file, 'cannot read the rules file', MAX_RULES_BYTES)).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  return parseRules(data, file);
}

/** Checks rules.json field by field; the first problem is a usage error naming its field. */
export function parseRules(data: unknown, file: string): RulesFile {
  const o = new Field(file, '', data).object(['$schema', 'description', 'baseline', ...RULE_FIELDS]);
  o.$schema?.string();
  o.description?.string();
  const rules: RuleSet = {};
  for (const k of RULE_FIELDS) {
    const f = o[k];
    if (f) (rules as Record<RuleField, unknown>)[k] = KINDS[k].parse(f as Field);
  }
  if (!RULE_FIELDS.some((k) => rules[k] !== undefined))
    throw new UsageError(`${file}: names no rule (rules are ${RULE_FIELDS.join(', ')})`);
  return { file, ...(o.baseline ? { baseline: o.baseline.filePath() } : {}), rules };
}

/** The rules that compare against a baseline, by field. */
export function rulesNeedingBaseline(rules: RuleSet): RuleField[] {
  return RULE_FIELDS.filter((k) => rules[k] !== undefined && (KINDS[k] as RuleKind<unknown>).needsBaseline(rules[k]));
}

/** Every rule's outcomes, in the order of RULE_FIELDS. */
export function evaluateRules(rules: RuleSet, ctx: RuleContext): RuleOutcome[] {
  if (!ctx.baseline && rulesNeedingBaseline(rules).length) throw new AnalysisError(`rules ${rulesNeedingBaseline(rules).join(', ')} need a baseline`);
  return RULE_FIELDS.flatMap((k) => (rules[k] === undefined ? [] : (KINDS[k] as RuleKind<unknown>).evaluate(rules[k], ctx)));
}
