import type { InferredCosts } from '../../common/protocol';
import { inferShapes } from '../analysis/cost/infer-shapes';
import { staticCosts } from '../analysis/cost/static-costs';
import { AnalysisError } from '../errors';
import { graphInputs, resolveShapes, type SizeOptions } from '../inputs/input-specs';
import type { LoadedModel } from '../onnx/load';

/**
 * MACs and bytes per node without a run: shapes inferred from the model at the user's --dim
 * values (batch-like dims at 1), costed by the same opCost a run's shapes feed. A model too large
 * to run here still gets per-layer costs; an input dim with no size is said, not guessed.
 */
export function inferCosts(model: LoadedModel, sizes: SizeOptions): InferredCosts {
  let inputs: InferredCosts['inputs'];
  try {
    const specs = graphInputs(model);
    const shapes = resolveShapes(specs, sizes, model.path);
    inputs = specs.map((s, i) => ({ name: s.name, dtype: s.dtype, shape: shapes[i] }));
  } catch (e) {
    if (!(e instanceof AnalysisError)) throw e;
    return { inputs: [], ops: [], complete: 0, incomplete: 0, unknownOps: [], error: e.message };
  }
  const inference = inferShapes(model, new Map(inputs.map((i) => [i.name, i.shape])));
  const costs = staticCosts(model, inference);
  return {
    inputs,
    ops: costs.map((c) => ({ name: c.node.name, opType: c.node.opType, ...c.cost })),
    complete: costs.filter((c) => c.complete).length,
    incomplete: costs.filter((c) => !c.complete).length,
    unknownOps: inference.unknownOps,
  };
}
