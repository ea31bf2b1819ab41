import type { OutputDrift } from '../../common/protocol';
import { sig } from '../../common/report/format';
import { outcome, type RuleKind } from './rule-kind';

export interface DriftRule {
  /** The baseline model to run; else the baseline when it is a model (or the model a saved baseline report names). */
  model?: string;
  /** Input files or test_data_set folders; else the check's --inputs, else generated (seeded) inputs. */
  inputs?: string[];
  /** Only these outputs (default: every output of the model). */
  outputs?: string[];
  maxAbs?: number;
  maxRelL2?: number;
  minCosine?: number;
}

/** Both models run on the same inputs; each output stays within the given distances of the baseline's. */
export const maxDrift: RuleKind<DriftRule> = {
  parse(f) {
    const o = f.object(['model', 'inputs', 'outputs', 'maxAbs', 'maxRelL2', 'minCosine']);
    if (!o.maxAbs && !o.maxRelL2 && !o.minCosine) f.fail('must set at least one of "maxAbs", "maxRelL2" and "minCosine"');
    return {
      ...(o.model ? { model: o.model.filePath() } : {}),
      ...(o.inputs ? { inputs: o.inputs.list(4096).map((x) => x.filePath()) } : {}),
      ...(o.outputs ? { outputs: o.outputs.list(4096).map((x) => x.string()) } : {}),
      ...(o.maxAbs ? { maxAbs: o.maxAbs.number(0, Number.MAX_VALUE, 'a distance >= 0') } : {}),
      ...(o.maxRelL2 ? { maxRelL2: o.maxRelL2.number(0, Number.MAX_VALUE, 'a ratio >= 0 (0.001 is 0.1%)') } : {}),
      ...(o.minCosine ? { minCosine: o.minCosine.number(-1, 1, 'a cosine similarity from -1 to 1') } : {}),
    };
  },
  needsBaseline: (rule) => rule.model === undefined,
  evaluate(rule, { drift }) {
    if (!drift) return [outcome('maxDrift', 'outputs', 'error', 'output drift was not measured')];
    if ('error' in drift) return [outcome('maxDrift', 'outputs', 'error', `the models could not be run to compare their outputs: ${drift.error}`)];
    const asked = rule.outputs ?? drift.outputs.map((o) => o.name);
    return asked.map((name) => {
      const o = drift.outputs.find((x) => x.name === name);
      if (!o) return outcome('maxDrift', name, 'error', `the model has no output '${name}' (it has ${drift.outputs.map((x) => `'${x.name}'`).join(', ')})`);
      // Strings have no distance; any other output that could not be compared leaves the rule unverified.
      if (o.skipped) return outcome('maxDrift', name, o.dtype === 'string' ? 'skip' : 'error', o.skipped);
      return judge(rule, o, drift.samples);
    });
  },
};

function judge(rule: DriftRule, o: OutputDrift, samples: number) {
  const parts: string[] = [];
  let ok = true;
  const check = (label: string, value: number, limit: number | undefined, below: boolean): void => {
    if (limit === undefined) return;
    // NaN fails either way.
    const pass = below ? value <= limit : value >= limit;
    ok &&= pass;
    parts.push(`${label} ${fmt(value)} ${pass ? (below ? '<=' : '>=') : below ? '>' : '<'} ${fmt(limit)}`);
  };
  check('max |diff|', o.maxAbs, rule.maxAbs, true);
  check('relative L2', o.relL2, rule.maxRelL2, true);
  check('cosine', o.cosine, rule.minCosine, false);
  const nonFinite = o.nonFinite ? [`${o.nonFinite} elements are NaN or infinite on one side only`] : [];
  return outcome('maxDrift', o.name, ok ? 'pass' : 'fail', `${parts.join(', ')} over ${samples} sample${samples === 1 ? '' : 's'} of [${o.shape.join(', ')}] ${o.dtype}`, nonFinite);
}

const fmt = sig;
