import { dtypeByName, type DTypeName } from '../onnx/dtypes';
import type { Params } from './draws';
import { COVERAGE, kernelSpeedup } from './kernel-table';
import { curveAt, patternFor, type AcceleratorProfile, type Curve, type PeakDtype } from './profile';
import { supportFor, type SupportAnswer } from './support';
import type { WorkLayer, WorkOther, Workload } from './workload';

/**
 * One layer on one target: what its runtime will do with the layer (the plan, decided once from
 * the layer's structure, dtype, shape and the support matrix) and the layer's time under one draw
 * of the profile's numbers. Roofline: time = max(MACs / (peak x utilization), bytes / bandwidth).
 */

/** The support matrix's answer for one layer, with the pattern and dtype it was asked about. */
export interface LayerSupport extends SupportAnswer {
  pattern: string;
  dtype: PeakDtype;
}

interface Common {
  peak: PeakDtype;
  /** The peak the layer wanted, when the profile lacks it and another stands in. */
  wanted?: PeakDtype;
  exploited: string;
  support?: LayerSupport;
}

/** Why a layer stays dense on a target that has a sparse path (the advisor's verdicts read it). */
export type DenseReason = 'not-ready' | 'layer-kind' | 'unsupported' | 'min-shape' | 'no-zeros' | 'above-crossover';

export type LayerPlan = Common & (
  | { path: 'dense'; blocked?: DenseReason }
  /** N:M sparse path: `table` is the kernel table's speedup at this shape (null: roofline mode). */
  | { path: 'nm'; n: number; m: number; table: number | null; onlyWhenFaster: boolean; valueBits: number }
  /** Curve path at `density` (weights, blocks, or weights x activations), capped at 1/cap. */
  | { path: 'curve'; curve: Curve; density: number; weights: number; activations: number | null; onlyWhenFaster: boolean; cap: number }
);

/** Which peak a compute dtype uses, and what stands in when the profile has none for it. */
const WANTED: Partial<Record<DTypeName, PeakDtype>> = {
  float16: 'float16', bfloat16: 'bfloat16', int8: 'int8', uint8: 'int8', int4: 'int4', uint4: 'int4',
  float8e4m3fn: 'float8', float8e4m3fnuz: 'float8', float8e5m2: 'float8', float8e5m2fnuz: 'float8', float4e2m1: 'float4',
};
const STAND_INS: Record<PeakDtype, PeakDtype[]> = {
  float4: ['float8', 'int8', 'float16'], int4: ['int8', 'float16'], float8: ['float16', 'int8'], int8: ['float16', 'float32'],
  float16: ['bfloat16', 'float32'], bfloat16: ['float16', 'float32'], tfloat32: ['float32'], float32: ['tfloat32', 'float16'],
};

export function peakFor(p: AcceleratorProfile, dtype: DTypeName): { peak: PeakDtype; wanted?: PeakDtype } {
  const want: PeakDtype = WANTED[dtype] ?? (p.float32As === 'tfloat32' && p.peakMacsPerSecond.tfloat32 ? 'tfloat32' : 'float32');
  if (p.peakMacsPerSecond[want]) return { peak: want };
  const alt = [...STAND_INS[want], 'float32', 'float16', 'bfloat16', 'int8', 'tfloat32', 'float8'].find((d) => p.peakMacsPerSecond[d as PeakDtype]) as PeakDtype;
  return { peak: alt, wanted: want };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Nonzero block share for a block shape; unmeasured, the share a random pattern of the weight's density gives. */
function blockDensity(l: WorkLayer, [r, c]: [number, number], dw: number): number {
  return l.blockDensity[`${r}x${c}`] ?? 1 - Math.pow(1 - dw, r * c);
}

/** Answers per target: every layer of a model asks about the same few (pattern, dtype) pairs. */
const answers = new WeakMap<AcceleratorProfile, Map<string, LayerSupport>>();

function support(p: AcceleratorProfile, pattern: string, dtype: PeakDtype, l: WorkLayer, asOf: string | undefined): LayerSupport | undefined {
  if (!p.runtime || !p.chip) return undefined;
  const weightDtype = l.weightDtype ?? l.dtype;
  let cache = answers.get(p);
  if (!cache) answers.set(p, (cache = new Map()));
  const key = `${pattern}|${dtype}|${weightDtype}|${asOf ?? ''}`;
  let a = cache.get(key);
  if (!a) cache.set(key, (a = { ...supportFor({ runtime: p.runtime.id, pattern, dtype, chip: p.chip, weightDtype, asOf }), pattern, dtype }));
  return a;
}

/**
 * Plans already made, by layer object and profile: the advisor times the same layers (and the
 * same pruned copies of them) on each target many times over, and a plan is a pure function of
 * the layer, the profile and the support matrix's date (a date other than today's is not kept).
 * Plans are never changed once made.
 */
const plans = new WeakMap<WorkLayer, Map<AcceleratorProfile, LayerPlan>>();

/** What the target's runtime does with this layer, decided from the layer and the nominal profile. */
export function planLayer(l: WorkLayer, p: AcceleratorProfile, asOf?: string): LayerPlan {
  if (asOf !== undefined) return decidePlan(l, p, asOf);
  let byProfile = plans.get(l);
  if (!byProfile) plans.set(l, (byProfile = new Map()));
  let plan = byProfile.get(p);
  if (!plan) byProfile.set(p, (plan = decidePlan(l, p, undefined)));
  return plan;
}

function decidePlan(l: WorkLayer, p: AcceleratorProfile, asOf: string | undefined): LayerPlan {
  const { peak, wanted } = peakFor(p, l.dtype);
  const compact = l.rowsKept * l.kKept;
  // Literals of one shape each, extras assigned after: spreading a base object into every plan
  // cost 2 us a plan, and a 4,000-layer model's advisor makes a quarter of a million of them.
  const channels = (): string => `removed channels keep ${pct(compact)} of the layer`;
  const done = <T extends LayerPlan>(x: T, s?: LayerSupport): T => {
    if (wanted) x.wanted = wanted;
    if (s) x.support = s;
    return x;
  };
  const dense = (why: string, blocked: DenseReason, s?: LayerSupport): LayerPlan =>
    done({ peak, path: 'dense', blocked, exploited: compact < 1 ? `${channels()}; ${why}` : why }, s);
  // Density among what compaction keeps: zeros in removed rows/columns are already gone.
  const dw = Math.min(1, l.weightDensity / Math.max(compact, 1e-12));
  switch (p.kind) {
    case 'none':
      return done({ peak, path: 'dense', exploited: compact < 1 ? channels() : 'dense' });
    case 'n:m': {
      const s = p.sparsity;
      const [n, m] = patternFor(s, peak);
      const key = `${n}:${m}`;
      if (!l.nmReady.includes(key)) return dense(`not ${key}-ready: dense`, 'not-ready');
      if (s.layerKinds && l.kind && !s.layerKinds.includes(l.kind)) return dense(`${key}-ready, but ${p.runtime?.name ?? p.name} makes only ${s.layerKinds.join(' and ')} layers sparse: dense`, 'layer-kind');
      const sup = support(p, key, peak, l, asOf);
      if (sup && !sup.usable) return dense(`${key}-ready, but ${p.runtime!.name} does not run it at ${peak} on this chip (${sup.status}): dense`, 'unsupported', sup);
      if (s.minShape && (l.gemm.n < s.minShape.n || l.gemm.k < s.minShape.k))
        return dense(`${key}-ready, but the weight (${l.gemm.n} x ${l.gemm.k} per group) is below the ${s.minShape!.n} x ${s.minShape!.k} the runtime's sparse kernels take: dense`, 'min-shape', sup);
      const valueBits = dtypeByName(l.weightDtype ?? l.dtype).bits;
      if (!s.kernel)
        return done({ peak, path: 'nm', n, m, table: null, onlyWhenFaster: s.onlyWhenFaster ?? false, valueBits, exploited: `${key}-ready: sparse math ${s.mathSpeedup!.value}x, weights at ${n}/${m} plus index bits` }, sup);
      const t = kernelSpeedup(s.kernel, l.gemm.m, l.gemm.n, l.gemm.k, peak);
      const words = (): string => {
        const note = !t.covered ? `: more than ${COVERAGE}x smaller than every measured GEMM in M, N or K, no gain claimed` : !t.dtypeMatched ? ' (table points of another dtype)' : '';
        return `${key}-ready: ${t.speedup.toFixed(2)}x from the kernel table at M x N x K = ${Math.round(l.gemm.m)} x ${l.gemm.n} x ${l.gemm.k}${note}${s.onlyWhenFaster && t.speedup < 1 ? '; the runtime keeps the dense kernel' : ''}`;
      };
      return done({ peak, path: 'nm', n, m, table: t.speedup, onlyWhenFaster: s.onlyWhenFaster ?? false, valueBits, exploited: words() }, sup);
    }
    default: {
      const s = p.sparsity;
      let curve = s.curve.value;
      let density = dw;
      let label = 'weight';
      if (p.kind === 'block') {
        const options = (s.blocks ?? [{ block: s.block!, curve: s.curve }]).map((b) => ({ ...b, d: blockDensity(l, b.block, dw) }));
        const best = options.reduce((a, b) => (curveAt(b.curve.value, b.d) < curveAt(a.curve.value, a.d) ? b : a));
        curve = best.curve.value;
        density = best.d;
        label = `${best.block[0]}x${best.block[1]} block`;
      } else if (p.kind === 'dual') {
        density = dw * (l.activationDensity ?? 1);
        label = 'weight x activation';
      }
      if (density >= 1) return dense('no zeros it can skip: dense', 'no-zeros');
      if (s.layerKinds && l.kind && !s.layerKinds.includes(l.kind)) return dense(`${p.runtime?.name ?? p.name} makes only ${s.layerKinds.join(' and ')} layers sparse: dense`, 'layer-kind');
      const pattern = p.kind === 'unstructured-weights' ? 'unstructured' : p.kind;
      const sup = support(p, pattern, peak, l, asOf);
      if (sup && !sup.usable) return dense(`${p.runtime!.name} does not run ${pattern} sparsity at ${peak} on this chip (${sup.status}): dense`, 'unsupported', sup);
      const rel = curveAt(curve, density);
      if (rel >= 1 && !s.onlyWhenFaster) return dense(`${label} density ${pct(density)} is above the crossover: dense`, 'above-crossover', sup);
      return done({
        peak, path: 'curve', curve, density, weights: p.kind === 'block' ? density : dw,
        activations: p.kind === 'dual' ? l.activationDensity : null, onlyWhenFaster: s.onlyWhenFaster ?? false, cap: density,
        exploited: `${p.kind} at ${label} density ${pct(density)}: ${(rel * 100).toFixed(0)}% of dense time`,
      }, sup);
    }
  }
}

export interface Timed {
  /** Seconds with the sparsity the target exploits, and dense (the model as it is, zeros at full cost). */
  seconds: number;
  denseSeconds: number;
  bound: 'compute' | 'memory';
}

/**
 * The layer's time under one draw; `dense` and the sparse path share the draw's peak and
 * bandwidth. Written into `out` when given. A range's draws do the same arithmetic over packed
 * plans (packed-run.ts): change both, the packed-run test holds them equal.
 */
export function layerTime(l: WorkLayer, plan: LayerPlan, q: Params, out: Timed = { seconds: 0, denseSeconds: 0, bound: 'compute' }): Timed {
  const rate = q.rate[plan.peak]!;
  const bw = q.bandwidth;
  const compact = l.rowsKept * l.kKept;
  const denseSeconds = Math.max(l.macs / rate, (l.weightBytes + l.activationBytes) / bw);
  const compute = (l.macs * compact) / rate;
  const memory = (l.weightBytes * compact + l.activationBytes) / bw;
  const kept = Math.max(compute, memory);
  let bound: Timed['bound'] = compute >= memory ? 'compute' : 'memory';
  let t = kept;
  if (plan.path === 'nm') {
    if (plan.table !== null) t = kept / (plan.table * q.kernelFactor);
    else {
      const c = compute / q.mathSpeedup;
      const bytes = l.weightBytes * compact * (plan.n / plan.m) * (1 + q.metadataBits / plan.valueBits) + l.activationBytes;
      const mem = bytes / (bw * q.bandwidthEfficiency);
      t = Math.max(c, mem);
      bound = c >= mem ? 'compute' : 'memory';
    }
    // Physics: N:M keeps N of every M products; no kernel does less work than that.
    t = Math.max(t + q.callOverhead, kept * (plan.n / plan.m));
    if (plan.onlyWhenFaster) t = Math.min(t, kept);
  } else if (plan.path === 'curve') {
    // A draw of the dual kind moves each layer's activation density within its per-sample spread.
    const r = l.activationRange;
    const activations = plan.activations !== null && r && q.activationAt !== null ? r[0] + q.activationAt * (r[1] - r[0]) : plan.activations;
    const density = activations !== plan.activations ? plan.weights * activations! : plan.density;
    const rel = curveAt(plan.curve, density) * q.curveFactor;
    const index = 1 + q.indexOverhead;
    const wFactor = Math.min(1, plan.weights * index);
    const aFactor = activations !== null ? Math.min(1, activations * index) : 1;
    const c = compute * rel;
    const mem = (l.weightBytes * compact * wFactor + l.activationBytes * aFactor) / bw;
    bound = c >= mem ? 'compute' : 'memory';
    // Physics: skipping zeros leaves at least the nonzero share of the work.
    t = Math.max(c, mem, kept * (activations !== plan.activations ? density : plan.cap));
    if (plan.onlyWhenFaster) t = Math.min(t, kept);
  }
  out.seconds = t;
  out.denseSeconds = denseSeconds;
  out.bound = bound;
  return out;
}

/** Ops that only relabel a tensor's shape move no data once a runtime plans the graph. */
const SHAPE_ONLY = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity', 'Shape', 'Size', 'Constant', 'Dropout']);

/**
 * The ops that take time, sorted by MACs per byte, with running sums of their bytes and MACs:
 * under a draw every op below the draw's rate/bandwidth ratio is memory-bound and every op at or
 * above it compute-bound, so the ops' total is one search and two divisions. Every draw of every
 * range walks them: a 700-op model's ops, looked up by name in SHAPE_ONLY one by one under 13,000
 * draws, were a third of its estimates. The sum is the one-op-at-a-time sum regrouped (the same
 * figure to ~1e-15).
 */
interface OthersCurve {
  /** MACs per byte, ascending (Infinity: no bytes). */
  intensity: Float64Array;
  /** bytesBelow[i]: the bytes of ops 0..i-1; macsFrom[i]: the MACs of ops i..end. */
  bytesBelow: Float64Array;
  macsFrom: Float64Array;
}

const curves = new WeakMap<readonly WorkOther[], OthersCurve>();

function othersCurve(others: readonly WorkOther[]): OthersCurve {
  let c = curves.get(others);
  if (c) return c;
  const timed = others.filter((o) => !(o.opType && SHAPE_ONLY.has(o.opType)) && (o.macs > 0 || o.bytes > 0));
  const by = timed.map((o) => ({ i: o.bytes > 0 ? o.macs / o.bytes : Infinity, o })).sort((a, b) => a.i - b.i);
  const n = by.length;
  c = { intensity: new Float64Array(n), bytesBelow: new Float64Array(n + 1), macsFrom: new Float64Array(n + 1) };
  for (let k = 0; k < n; k++) {
    c.intensity[k] = by[k].i;
    c.bytesBelow[k + 1] = c.bytesBelow[k] + by[k].o.bytes;
  }
  for (let k = n - 1; k >= 0; k--) c.macsFrom[k] = c.macsFrom[k + 1] + by[k].o.macs;
  curves.set(others, c);
  return c;
}

/** Ops that are not weight layers: dense roofline at the model's compute dtype on every target. */
export function othersTime(others: readonly WorkOther[], peak: PeakDtype, q: Params): number {
  const c = othersCurve(others);
  if (!c.intensity.length) return 0;
  const rate = q.rate[peak]!;
  const bw = q.bandwidth;
  // An op is compute-bound when macs / rate >= bytes / bw, i.e. when its MACs per byte >= rate / bw.
  const ridge = rate / bw;
  let lo = 0;
  let hi = c.intensity.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.intensity[mid] < ridge) lo = mid + 1;
    else hi = mid;
  }
  return c.bytesBelow[lo] / bw + c.macsFrom[lo] / rate;
}

/** The peak the workload's other ops run at. */
export function otherPeak(p: AcceleratorProfile, w: Workload): { peak: PeakDtype; wanted?: PeakDtype } {
  return peakFor(p, w.dtype ?? 'float32');
}
