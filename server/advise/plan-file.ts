import type { PruningPlan } from '../../common/protocol';
import { parsePruneKey, PRUNE_KEY_FORMS } from '../bench/prune-kind';
import { AnalysisError } from '../errors';
import { ProfileError, Reader } from '../estimate/json-reader';
import { readRegular } from '../files/read-file';

/** A plan file is a few kilobytes per thousand layers; anything near this is not one. */
const MAX_PLAN_BYTES = 64 * 2 ** 20;

/**
 * A plan file read back (what `onnx-sparsity plan` wrote, perhaps edited by hand): every field
 * `prune` relies on is checked, and a bad one is named by its path in the file.
 */
export async function readPlan(file: string): Promise<PruningPlan> {
  const text = (await readRegular(file, 'cannot read the plan', MAX_PLAN_BYTES)).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse quotes what it failed on: never echo a file's content.
    throw new AnalysisError('not a plan: not valid JSON (write one with onnx-sparsity plan MODEL --out plan.json)', { file });
  }
  try {
    return validatePlan(raw, file);
  } catch (e) {
    if (e instanceof ProfileError) throw new AnalysisError(e.message, { file });
    throw e;
  }
}

export function validatePlan(raw: unknown, where: string): PruningPlan {
  const r = new Reader(where);
  const o = r.obj(raw, 'plan');
  if (o.kind !== 'onnx-sparsity-plan') r.fail('kind', "must be 'onnx-sparsity-plan' (write one with onnx-sparsity plan MODEL --out plan.json)");
  if (o.version !== 1) r.fail('version', 'must be 1');
  const model = r.obj(o.model, 'model');
  const target = r.obj(o.target, 'target');
  const budget = r.obj(o.budget, 'budget');
  const layers = r.list(o.layers, 'layers', 1_000_000).map((x, i) => {
    const l = r.obj(x, `layers[${i}]`);
    const at = (k: string): string => `layers[${i}].${k}`;
    const prune = r.str(l.prune, at('prune'));
    if (!parsePruneKey(prune)) r.fail(at('prune'), `must be ${PRUNE_KEY_FORMS}`);
    const index = r.num(l.index, at('index'), 0, 1e9);
    if (!Number.isInteger(index)) r.fail(at('index'), 'must be a whole number');
    const optional = (v: unknown, k: string): number | null => (v === null || v === undefined ? null : r.num(v, at(k), 0));
    return {
      index, name: r.str(l.name, at('name')), opType: typeof l.opType === 'string' ? l.opType : '', graph: r.str(l.graph, at('graph')),
      weight: typeof l.weight === 'string' ? l.weight : null, prune,
      l1Kept: l.l1Kept === undefined ? 1 : r.num(l.l1Kept, at('l1Kept'), 0, 1),
      denseTimeMs: optional(l.denseTimeMs, 'denseTimeMs'), timeMs: optional(l.timeMs, 'timeMs'), why: typeof l.why === 'string' ? l.why : '',
    };
  });
  const e = o.estimate === undefined ? {} : r.obj(o.estimate, 'estimate');
  const n = (v: unknown, path: string): number => (v === undefined ? NaN : r.num(v, path, 0));
  return {
    kind: 'onnx-sparsity-plan', version: 1,
    tool: { name: 'onnx-sparsity', version: typeof (o.tool as { version?: unknown } | undefined)?.version === 'string' ? (o.tool as { version: string }).version : '' },
    createdAt: typeof o.createdAt === 'string' ? o.createdAt : '',
    model: { path: typeof model.path === 'string' ? model.path : '', name: typeof model.name === 'string' ? model.name : '', sha256: r.str(model.sha256, 'model.sha256') },
    target: { id: r.str(target.id, 'target.id'), name: typeof target.name === 'string' ? target.name : r.str(target.id, 'target.id') },
    budget: {
      keep: r.num(budget.keep, 'budget.keep', 0, 1),
      leave: budget.leave === undefined ? [] : r.list(budget.leave, 'budget.leave').map((x, i) => r.str(x, `budget.leave[${i}]`)),
    },
    objective: typeof o.objective === 'string' ? o.objective : '',
    layers,
    estimate: {
      speedup: n(e.speedup, 'estimate.speedup'), speedupRange: e.speedupRange === undefined ? [NaN, NaN] : r.pair(e.speedupRange, 'estimate.speedupRange'),
      asIsSpeedup: n(e.asIsSpeedup, 'estimate.asIsSpeedup'), timeMs: n(e.timeMs, 'estimate.timeMs'), denseTimeMs: n(e.denseTimeMs, 'estimate.denseTimeMs'),
      l1Kept: e.l1Kept === undefined ? NaN : r.num(e.l1Kept, 'estimate.l1Kept', 0, 1),
    },
    front: [],
    notes: [],
  };
}
