import type { NearZeroRule } from '../../../common/protocol';
import type { LoadedModel } from '../../onnx/load';
import { inferShapes, type ShapeInference } from '../cost/infer-shapes';
import { fullDims } from '../cost/shape-dims';
import { inferredBytes } from '../cost/static-costs';
import type { Samples } from './samples';

/**
 * How many samples one instrumented run can stack along dim 0. Per-sample figures then come from
 * the probes' per-sample counts, so stacking is allowed only where it is sure to keep samples
 * apart: every input declares an open batch dim and each sample has batch 1; static inference at
 * batch 1 and 2 shows every measured value either leading with the batch ([1, ...] becomes
 * [2, ...], the rest equal) or not depending on it at all; the near-zero rule is absolute (a
 * relative one needs each sample's own max|x|). The stacked values must fit the memory budget.
 */
export interface Batching {
  batch: number;
  /** Values whose dim 0 is the batch (the others do not depend on it). */
  leading: Set<string>;
  /** Why the run does not stack, when it does not. */
  why?: string;
}

/** More stacked samples save little once per-run overhead is gone; fewer keep the run's memory close to one sample's. */
export const MAX_BATCH = 16;

export function planBatching(model: LoadedModel, samples: Samples, atOne: ShapeInference, measured: readonly string[], near: NearZeroRule, budget: number): Batching {
  const none = (why: string): Batching => ({ batch: 1, leading: new Set(), why });
  if (samples.count < 2) return none('one sample');
  if (near.relative) return none('a relative near-zero rule is per sample');
  for (const s of samples.specs) {
    if (typeof s.dims[0] === 'number') return none(`input '${s.name}' fixes its batch at ${s.dims[0]}`);
    if (samples.first[s.name].dims[0] !== 1) return none(`input '${s.name}' has samples of batch ${samples.first[s.name].dims[0]}`);
  }
  const atTwo = inferShapes(model, new Map(samples.specs.map((s) => [s.name, [2, ...samples.first[s.name].dims.slice(1)]])));
  const leading = new Set<string>();
  let bytes = 0;
  for (const name of measured) {
    const a = fullDims(atOne.values.get(name));
    const b = fullDims(atTwo.values.get(name));
    if (!a || !b || a.length !== b.length) return none(`the shape of '${name}' is not known for every batch size`);
    const rest = a.every((d, i) => i === 0 || d === b[i]);
    if (rest && a[0] === 1 && b[0] === 2) leading.add(name);
    else if (!(rest && a[0] === b[0])) return none(`'${name}' does not keep samples apart along dim 0`);
    bytes += inferredBytes(atOne.values.get(name)) ?? 0;
  }
  // Twice the values: the probes' compares hold a few times the value they measure while it lives
  // (PP-OCRv4 det at 320 x 320: 340 MiB resident for one sample, 1.4 GiB for six stacked).
  const fit = Math.floor(budget / Math.max(1, 2 * bytes));
  const batch = Math.max(1, Math.min(MAX_BATCH, samples.count, fit));
  return batch > 1 ? { batch, leading } : none('one sample\u2019s values already fill the memory budget');
}
