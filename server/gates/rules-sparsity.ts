import type { LayerReport, RuleOutcome } from '../../common/protocol';
import { count, pct } from '../../common/report/format';
import { globMatcher } from './glob';
import { EPS, outcome, type Field, type RuleKind } from './rule-kind';

export interface LayerSparsityRule {
  /** Layer-name glob. */
  layers: string;
  min: number;
}

/** The report's total weight sparsity (every weight, exact zeros) is at least `min`. */
export const minTotalSparsity: RuleKind<number> = {
  parse: (f) => f.fraction(),
  needsBaseline: () => false,
  evaluate(min, { report }) {
    const t = report.totals;
    const ok = t.sparsity >= min - EPS;
    return [outcome('minTotalSparsity', 'model', ok ? 'pass' : 'fail',
      `total weight sparsity ${pct(t.sparsity, 2)} (${count(t.zeros)} of ${count(t.params)} weights are zero) ${ok ? '>=' : '<'} ${pct(min, 2)}`)];
  },
};

/** Every layer whose name matches `layers` (and that has a constant weight) has a weight sparsity of at least `min`. */
export const minLayerSparsity: RuleKind<LayerSparsityRule[]> = {
  parse: (f) => f.list().map((item: Field) => {
    const o = item.object(['layers', 'min']);
    if (!o.layers || !o.min) item.fail('must have "layers" (a layer-name glob) and "min" (a fraction)');
    return { layers: o.layers.string(), min: o.min.fraction() };
  }),
  needsBaseline: () => false,
  evaluate: (rules, { report }) => rules.map((r, i) => {
    const id = `minLayerSparsity[${i}]`;
    const layers = matchedLayers(report.layers, r.layers);
    if (!layers.length) return noLayers(id, r.layers, report.layers);
    const below = layers.filter((l) => l.sparsity < r.min - EPS);
    return outcome(id, r.layers, below.length ? 'fail' : 'pass',
      below.length
        ? `${below.length} of ${layers.length} matching layers have weight sparsity below ${pct(r.min)}`
        : `all ${layers.length} matching layers have weight sparsity >= ${pct(r.min)} (lowest ${pct(Math.min(...layers.map((l) => l.sparsity)))})`,
      below.map((l) => `${l.name}: ${pct(l.sparsity)}`));
  }),
};

/** Total weight sparsity has not dropped by more than `max` (a fraction: 0.01 is one percentage point) from the baseline's. */
export const maxSparsityDrop: RuleKind<number> = {
  parse: (f) => f.fraction(),
  needsBaseline: () => true,
  evaluate(max, { report, baseline }) {
    const now = report.totals.sparsity;
    const was = baseline!.totals.sparsity;
    const drop = was - now;
    const ok = drop <= max + EPS;
    const change = `${drop > 0 ? '-' : '+'}${(Math.abs(drop) * 100).toFixed(2)} pp`;
    return [outcome('maxSparsityDrop', 'model', ok ? 'pass' : 'fail',
      `total weight sparsity ${pct(now, 2)}, ${pct(was, 2)} in the baseline (${change}); ${ok ? 'within' : 'more than'} the ${(max * 100).toFixed(2)} pp drop allowed`)];
  },
};

/** Layers with a constant weight whose names match the glob. */
export function matchedLayers(layers: readonly LayerReport[], glob: string): LayerReport[] {
  const match = globMatcher(glob);
  return layers.filter((l) => l.weight !== null && match(l.name));
}

/** A glob that matches nothing is an error: a typo must not make a rule pass by checking no layer. */
export function noLayers(rule: string, glob: string, layers: readonly LayerReport[]): RuleOutcome {
  const sample = layers.filter((l) => l.weight !== null).slice(0, 5).map((l) => l.name);
  return outcome(rule, glob, 'error', `'${glob}' matches no layer with a constant weight${sample.length ? ` (layers are named like ${sample.map((n) => `'${n}'`).join(', ')})` : ' (the model has none)'}`);
}
