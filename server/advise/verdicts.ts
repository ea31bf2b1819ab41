import { layerWeightKey, weightKey, type LayerReport, type LayerVerdicts, type Report, type Verdict, type VerdictCode, type WeightReport } from '../../common/protocol';
import { nominalParams, type Params } from '../estimate/draws';
import { COVERAGE, kernelSpeedup } from '../estimate/kernel-table';
import type { LayerPlan } from '../estimate/layer-time';
import type { AcceleratorProfile, PeakDtype } from '../estimate/profile';
import { supportFor } from '../estimate/support';
import type { WorkLayer, Workload } from '../estimate/workload';
import { prunedLayer, targetBlocks, targetPattern, timeLayer, type Timed } from './choices';

/**
 * Why each layer is, or is not, faster on each target, as reason codes (docs/advisor.md has one
 * paragraph per code). The decision is the estimator's own: the layer's plan on the target as it
 * is, and once pruned to the target's pattern (N:M; 90% unstructured; 90% of the target's blocks),
 * from the same support matrix and kernel tables; the words carry this layer's figures.
 */

/** A gain under 1% is no gain (the estimator's batch rule uses the same line). */
const PAYS = 1.01;
/** The pruning that stands for "pruned to the target's pattern" on targets without an N:M pattern. */
const REFERENCE_SPARSITY = 0.9;

const pct = (x: number): string => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 2 : 1)}%`;
const times = (x: number): string => `${x.toFixed(2)}x`;
const v = (code: VerdictCode, label: string, text: string): Verdict => ({ code, label, text });

interface Context {
  q: Params;
  p: AcceleratorProfile;
  /** Whether any target of the report runs the pattern at the dtype today. */
  anyRuns: (pattern: string, dtype: PeakDtype) => boolean;
  asOf?: string;
}

export function layerVerdicts(r: Report, w: Workload, profiles: readonly AcceleratorProfile[], kept: readonly (Record<string, number> | string)[], asOf?: string): LayerVerdicts[] {
  const byIndex = new Map(w.layers.map((l) => [l.index, l]));
  const weights = new Map(r.weights.map((x) => [weightKey(x.graph, x.name), x]));
  const runs = new Map<string, boolean>();
  const anyRuns = (pattern: string, dtype: PeakDtype): boolean => {
    const k = `${pattern}|${dtype}`;
    let hit = runs.get(k);
    if (hit === undefined) {
      hit = profiles.some((p) => p.runtime && p.chip && supportFor({ runtime: p.runtime.id, pattern, dtype, chip: p.chip, asOf }).usable);
      runs.set(k, hit);
    }
    return hit;
  };
  const contexts = profiles.map((p): Context => ({ p, q: nominalParams(p), anyRuns, asOf }));
  return r.layers.map((rep, index) => {
    const wl = byIndex.get(index);
    const key = layerWeightKey(rep);
    const weight = key === null ? undefined : weights.get(key);
    const targets: Record<string, Verdict[]> = {};
    const k = kept[index];
    for (const c of contexts) targets[c.p.id] = wl ? forTarget(rep, wl, weight, typeof k === 'object' ? k : null, c) : [noWeight(rep)];
    return { index, layer: rep.name, targets };
  });
}

function noWeight(rep: LayerReport): Verdict {
  const why = rep.weight === null ? 'its weight operand is computed at run time: there is nothing constant to prune'
    : !rep.gemm ? `its weight has no GEMM view${rep.note ? ` (${rep.note})` : ''}`
      : 'no MACs are known for it (no run, no inferred shapes)';
  return v('no-weight', 'no-weight', `not estimated: ${why}`);
}

function forTarget(rep: LayerReport, l: WorkLayer, weight: WeightReport | undefined, kept: Record<string, number> | null, c: Context): Verdict[] {
  const { p } = c;
  const asIs = timeLayer(l, p, c.q, c.asOf);
  const extra: Verdict[] = [];
  const compact = l.rowsKept * l.kKept;
  if (compact < 1) extra.push(compactable(rep, compact));
  const zp = weight?.zeroPoint?.values.find((x) => x !== 0);
  if (zp !== undefined && p.kind !== 'none')
    extra.push(v('quantized-zero-point', `quantized: zero point ${zp} makes a pruned weight a stored ${zp}, not 0`,
      `a zero of this ${weight!.dtype} weight is the value ${zp}; sparse kernels skip stored zeros, so they need symmetric quantization (zero point 0), and the estimate here assumes it`));
  if (p.kind === 'none') {
    const ignored = v('zeros-ignored', 'zeros-ignored-by-dense-hardware', rep.sparsity > 0
      ? `${pct(rep.sparsity)} of the weight is zero, but ${p.name} runs dense kernels: each zero is multiplied like any other value`
      : `${p.name} runs dense kernels: only removing channels makes this layer faster there`);
    return [...extra.filter((x) => x.code === 'compactable'), ignored];
  }
  return [primary(rep, l, asIs, kept, c), ...extra];
}

function compactable(rep: LayerReport, compact: number): Verdict {
  const parts = [rep.zeroRows ? `${rep.zeroRows} all-zero output channels` : '', rep.zeroCols ? `${rep.zeroCols} all-zero K columns` : ''].filter(Boolean);
  return v('compactable', `compactable: ${parts.join(' and ')}`,
    `the estimates count them removed (the layer keeps ${pct(compact)} of its work); runtimes compute zero channels as they are, so export the model without them to get that`);
}

function primary(rep: LayerReport, l: WorkLayer, asIs: Timed, kept: Record<string, number> | null, c: Context): Verdict {
  const { p } = c;
  const runtime = p.runtime?.name ?? p.name;
  const kinds = p.kind === 'n:m' || p.kind === 'unstructured-weights' || p.kind === 'block' || p.kind === 'dual' ? p.sparsity.layerKinds : undefined;
  if (kinds && l.kind && !kinds.includes(l.kind))
    return v('not-eligible-op', `not-eligible: ${runtime} makes only ${kinds.join(' and ')} layers sparse`, `${rep.opType} is a ${l.kind} layer: ${runtime} keeps it dense whatever its weights`);
  const gain = (before: number, after: Timed): number => (after.seconds > 0 ? before / after.seconds : 1);
  if (p.kind === 'n:m') {
    const nm = targetPattern(p, asIs.plan)!;
    const key = `${nm.n}:${nm.m}`;
    if (l.gemm.k % nm.m !== 0) {
      const conv = rep.gemm && rep.gemm.kernelPositions > 1 ? ` (${rep.inputChannels / Math.max(1, rep.gemm.groups)} input channels x ${rep.gemm.kernelPositions} kernel positions)` : '';
      return v('not-eligible-k', `not-eligible: K % ${nm.m} != 0`, `K = ${l.gemm.k}${conv} is not a multiple of ${nm.m}: ${key} groups do not tile it, so ${runtime} cannot make it ${key}-sparse`);
    }
    const ready = l.nmReady.includes(key);
    const after = ready ? asIs : timeLayer(prunedLayer(l, { kind: 'nm', ...nm }, 0, 0), p, c.q, c.asOf);
    const blocked = blockedVerdict(after.plan, key, c);
    if (blocked) return blocked;
    const g = ready ? gain(asIs.denseSeconds, asIs) : gain(asIs.seconds, after);
    const shape = `M x N x K = ${Math.round(l.gemm.m)} x ${l.gemm.n} x ${l.gemm.k}`;
    if (after.plan.path === 'nm' && after.plan.table !== null && p.sparsity.kernel) {
      const t = kernelSpeedup(p.sparsity.kernel, l.gemm.m, l.gemm.n, l.gemm.k, after.plan.peak);
      if (!t.covered) {
        const pts = p.sparsity.kernel.points;
        const small = l.gemm.n * COVERAGE < Math.min(...pts.map((x) => x.n)) || l.gemm.k * COVERAGE < Math.min(...pts.map((x) => x.k));
        if (small) return v('below-minimum', "not-eligible: below the runtime's minimum size",
          `the weight (${l.gemm.n} x ${l.gemm.k} per group) is more than ${COVERAGE}x smaller than every ${key} GEMM measured for ${runtime} (smallest N ${Math.min(...pts.map((x) => x.n))}, K ${Math.min(...pts.map((x) => x.k))}): no gain is claimed`);
      }
    }
    const cost = !ready && kept?.[key] !== undefined ? ` (keeps ${pct(kept[key])} of its L1)` : '';
    if (g >= PAYS) return v('eligible', `eligible-${key}`, ready ? `${key}-ready now: ${times(g)} on this layer at ${shape}` : `pruned to ${key}${cost} it would run ${times(g)} at ${shape}`);
    const how = after.plan.path === 'nm' ? after.plan.exploited.replace(/^[^:]*: /, '') : after.plan.exploited;
    return v('slower-at-this-batch', 'eligible-but-slower-at-this-batch',
      `${ready ? `${key}-ready` : `pruned to ${key}${cost}`}: ${how}; ${g < 1 - 1e-9 ? 'slower than dense' : 'no gain'} at this size (a larger batch may pay: see the batch rule)`);
  }
  // Curve kinds: the layer as it is, then pruned to the reference share of its weights or blocks.
  if (asIs.plan.path === 'curve' && gain(asIs.denseSeconds, asIs) >= PAYS)
    return v('eligible', `eligible-${patternName(p)}`, `runs sparse now: ${asIs.plan.exploited}, ${times(gain(asIs.denseSeconds, asIs))} on this layer`);
  const options = p.kind === 'block'
    ? targetBlocks(p).map((b) => ({ key: `${b.r}x${b.c}-${REFERENCE_SPARSITY * 100}%`, t: timeLayer(prunedLayer(l, { kind: 'block', ...b, sparsity: REFERENCE_SPARSITY }, 0, 0), p, c.q, c.asOf) }))
    : [{ key: `${REFERENCE_SPARSITY * 100}%`, t: timeLayer(prunedLayer(l, { kind: 'unstructured', sparsity: REFERENCE_SPARSITY }, 0, 0), p, c.q, c.asOf) }];
  const best = options.reduce((a, b) => (b.t.seconds < a.t.seconds ? b : a));
  const blocked = blockedVerdict(asIs.plan.path === 'dense' && asIs.plan.blocked === 'unsupported' ? asIs.plan : best.t.plan, patternName(p), c);
  if (blocked) return blocked;
  const g = gain(asIs.seconds, best.t);
  const cost = kept?.[best.key] !== undefined ? ` (keeps ${pct(kept[best.key])} of its L1)` : '';
  if (g >= PAYS) return v('eligible', `eligible-${patternName(p)}`, `pruned to ${best.key}${cost} it would run ${times(g)} on this layer`);
  return v('slower-at-this-batch', 'eligible-but-slower-at-this-batch',
    `pruned to ${best.key}${cost}: ${best.t.plan.exploited}; ${g < 1 - 1e-9 ? 'slower than dense' : 'no gain'} at this size (memory-bound, or above the runtime's crossover)`);
}

function patternName(p: AcceleratorProfile): string {
  return p.kind === 'block' ? 'block' : p.kind === 'dual' ? 'dual' : 'unstructured';
}

/** The verdict a dense plan's reason gives, when it is one the layer cannot change by pruning. */
function blockedVerdict(plan: LayerPlan, pattern: string, c: Context): Verdict | undefined {
  if (plan.path !== 'dense') return undefined;
  const runtime = c.p.runtime?.name ?? c.p.name;
  if (plan.blocked === 'unsupported' && plan.support) {
    const s = plan.support;
    const half = (s.dtype === 'float32' || s.dtype === 'tfloat32') && c.p.runtime && c.p.chip
      && supportFor({ runtime: c.p.runtime.id, pattern: s.pattern, dtype: 'float16', chip: c.p.chip, asOf: c.asOf }).usable;
    const label = c.anyRuns(s.pattern, s.dtype) ? `not run by ${runtime} today` : 'no runtime exploits this pattern today';
    return v('no-runtime', label, `${runtime}: ${s.pattern} at ${s.dtype} is ${s.status} (${s.date}): ${s.reason}${half ? `; it runs ${s.pattern} at float16 (an FP16 build)` : ''}`);
  }
  if (plan.blocked === 'min-shape' && c.p.kind === 'n:m' && c.p.sparsity.minShape)
    return v('below-minimum', "not-eligible: below the runtime's minimum size", `${plan.exploited.replace(/: dense$/, '')} (${pattern})`);
  return undefined;
}
