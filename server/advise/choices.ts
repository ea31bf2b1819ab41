import type { Report } from '../../common/protocol';
import { pruneKey, type Prune } from '../bench/prune-kind';
import type { Params } from '../estimate/draws';
import { layerTime, planLayer, type LayerPlan } from '../estimate/layer-time';
import { patternFor, type AcceleratorProfile } from '../estimate/profile';
import { prunedWorkLayer } from '../estimate/scenarios';
import type { WorkLayer } from '../estimate/workload';
import { BLOCK_LEVELS, ROW_LEVELS, UNSTRUCTURED_LEVELS, type KeptChoices } from './magnitude-pass';

/**
 * A pruning choice as the estimator sees it: the layer it leaves, and that layer's nominal time on
 * a target, from the same planLayer and layerTime the estimates use.
 */

/** Pruned layers already made, by layer and pruning: the same object each time, so its plans are made once (planLayer keeps them by object). */
const pruned = new WeakMap<WorkLayer, Map<string, WorkLayer>>();

/** The workload layer after `p`; `rows` is the layer's output channel count, `zeroRows` those all zero now. */
export function prunedLayer(l: WorkLayer, p: Prune, rows: number, zeroRows: number): WorkLayer {
  if (p.kind === 'as-is') return l;
  let byPrune = pruned.get(l);
  if (!byPrune) pruned.set(l, (byPrune = new Map()));
  const key = `${pruneKey(p)}|${rows}|${zeroRows}`;
  let after = byPrune.get(key);
  if (!after) byPrune.set(key, (after = pruneLayer(l, p, rows, zeroRows)));
  return after;
}

function pruneLayer(l: WorkLayer, p: Prune, rows: number, zeroRows: number): WorkLayer {
  switch (p.kind) {
    case 'as-is': return l;
    case 'rows': {
      // The smallest rows go first, and the all-zero ones are the smallest: they are part of the share.
      const kept = 1 - Math.max(zeroRows, Math.floor(p.share * rows)) / Math.max(rows, 1);
      if (kept >= l.rowsKept) return l;
      return { ...l, rowsKept: kept, weightDensity: l.weightDensity * (kept / Math.max(l.rowsKept, 1e-12)) };
    }
    default: return prunedWorkLayer(l, p);
  }
}

export interface Timed {
  seconds: number;
  denseSeconds: number;
  plan: LayerPlan;
}

export function timeLayer(l: WorkLayer, p: AcceleratorProfile, q: Params, asOf?: string): Timed {
  const plan = planLayer(l, p, asOf);
  const t = layerTime(l, plan, q);
  return { seconds: t.seconds, denseSeconds: t.denseSeconds, plan };
}

/** The N:M pattern a target runs for a layer's compute dtype; undefined on targets without one. */
export function targetPattern(p: AcceleratorProfile, plan: LayerPlan): { n: number; m: number } | undefined {
  if (p.kind !== 'n:m') return undefined;
  const [n, m] = patternFor(p.sparsity, plan.peak);
  return { n, m };
}

/** Block shapes a target has kernels for. */
export function targetBlocks(p: AcceleratorProfile): { r: number; c: number }[] {
  if (p.kind !== 'block') return [];
  return (p.sparsity.blocks ?? [{ block: p.sparsity.block! }]).map((b) => ({ r: b.block[0], c: b.block[1] }));
}

/** Which prunings to measure for a report: every pattern and block shape its targets run, at the standard levels. */
export function keptChoices(r: Report, profiles: readonly AcceleratorProfile[]): KeptChoices {
  const nm = new Map<string, { n: number; m: number }>();
  const blocks = new Map<string, { r: number; c: number }>();
  for (const p of profiles) {
    if (p.kind === 'n:m') {
      for (const [n, m] of [[p.sparsity.n, p.sparsity.m], ...Object.values(p.sparsity.dtypePatterns ?? {})]) nm.set(`${n}:${m}`, { n, m });
    }
    for (const b of targetBlocks(p)) blocks.set(`${b.r}x${b.c}`, b);
  }
  // Only what the weight analysis measured has an exact magnitude figure.
  const measured = new Set(r.options.nm);
  return {
    nm: [...nm.entries()].filter(([k]) => measured.has(k)).map(([, v]) => v),
    unstructured: UNSTRUCTURED_LEVELS, blocks: [...blocks.values()], blockLevels: BLOCK_LEVELS, rows: ROW_LEVELS,
  };
}
