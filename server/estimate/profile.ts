/**
 * Accelerator profiles: data, every number with the source it comes from. A profile says how fast
 * a target runs a model dense (peak MAC/s per dtype, memory bandwidth, achievable utilization)
 * and which sparsity its runtime exploits, at what cost. Built-in profiles are made from a chip
 * (chips/*.json) and a runtime (runtimes/*.json) by targets.ts; users add or override them with
 * --accelerators FILE, in the same shape. Validation names the offending field.
 */
import { ProfileError, Reader, type Sourced } from './json-reader';

export { ProfileError, type Sourced };

export type SparsityKind = 'none' | 'n:m' | 'unstructured-weights' | 'block' | 'dual';

/** Time of the sparse path relative to the dense one, by density: piecewise linear in density. */
export type Curve = [number, number][];

/** Compute dtypes a peak is given for: tfloat32 is FP32 on tensor cores, float32 on plain FP32 units. */
export type PeakDtype = 'float32' | 'tfloat32' | 'float16' | 'bfloat16' | 'int8' | 'float8' | 'int4' | 'float4';
export const PEAK_DTYPES: readonly PeakDtype[] = ['float32', 'tfloat32', 'float16', 'bfloat16', 'int8', 'float8', 'int4', 'float4'];

interface ProfileBase {
  id: string;
  name: string;
  /** Dense peak multiply-accumulates per second, by compute dtype. */
  peakMacsPerSecond: Partial<Record<PeakDtype, Sourced>>;
  /** Bytes per second to and from device memory. */
  memoryBandwidth: Sourced;
  /** Share of peak a large dense layer achieves. */
  utilization: Sourced;
  /** The peak FP32 layers run at: tfloat32 where the runtime puts them on TF32 tensor cores. */
  float32As?: 'float32' | 'tfloat32';
  /** A built-in target's chip and runtime: the support matrix is keyed by them. */
  chip?: { id: string; name: string; family: string };
  runtime?: { id: string; name: string };
  /** What the target's figures rest on beyond the numbers' own sources (kernel provenance, TF32 use). */
  assumptions?: string[];
  notes?: string;
}

/** A dense target: zeros cost full price; only removed channels help. */
export interface DenseProfile extends ProfileBase {
  kind: 'none';
}

/** One published GEMM: M rows of activations (tokens, output pixels), N outputs, K reduction. */
export interface KernelPoint {
  m: number;
  n: number;
  k: number;
  dtype: PeakDtype;
  /** Dense time over sparse time at that shape. */
  speedup: number;
  source: string;
}

/** The sparse path's speedup by GEMM shape, measured; `range` multiplies it for the sampled ends. */
export interface KernelTable {
  points: KernelPoint[];
  range?: [number, number];
  source: string;
}

export interface NmSparsity {
  n: number;
  m: number;
  /** Dtypes that use another pattern (Blackwell FP4: paired 4:8). */
  dtypePatterns?: Partial<Record<PeakDtype, [number, number]>>;
  /** Roofline mode (no kernel table): the sparse math runs this much faster than dense. */
  mathSpeedup?: Sourced;
  /** Index bits stored per kept value (2:4: 2 bits). */
  metadataBitsPerNonzero: Sourced;
  /** Table mode: the layer's sparse/dense speedup at its GEMM shape, from measurements. */
  kernel?: KernelTable;
  /** Share of the dense path's bandwidth the sparse kernel reaches on its (smaller) operands. */
  bandwidthEfficiency?: Sourced;
  /** Fixed cost per sparse call (descriptor or plan setup), seconds. */
  callOverheadSeconds?: Sourced;
  /** The runtime times both kernels and keeps the faster (TensorRT); otherwise every ready layer runs sparse. */
  onlyWhenFaster?: boolean;
  /** Smallest weight (per-group N x K) the runtime's sparse kernels accept. */
  minShape?: { n: number; k: number };
  /** Layer kinds the sparse path takes (PyTorch's 2:4: linear layers only); all when absent. */
  layerKinds?: LayerKind[];
}

/** What a runtime can make sparse: convolutions, or matrix multiplies (Gemm, MatMul and their quantized forms). */
export type LayerKind = 'conv' | 'gemm';
const LAYER_KINDS: readonly LayerKind[] = ['conv', 'gemm'];

/** Sparse tensor cores (2:4 and kin). */
export interface NmProfile extends ProfileBase {
  kind: 'n:m';
  sparsity: NmSparsity;
}

export interface CurveSparsity {
  /** Relative time of the sparse path by density (for block kinds: the first block shape's). */
  curve: Sourced<Curve>;
  /** Index bytes per nonzero value moved, relative to the value's own bytes. */
  indexOverhead: Sourced;
  /** block: the block shape it skips, rows x cols of the GEMM view. */
  block?: [number, number];
  /** block: every block shape the runtime has kernels for, each with its curve; a layer takes the fastest. */
  blocks?: { block: [number, number]; curve: Sourced<Curve> }[];
  onlyWhenFaster?: boolean;
  layerKinds?: LayerKind[];
}

/** Kernels that skip zero weights (unstructured or all-zero blocks), or zero weights x zero activations (dual). */
export interface CurveProfile extends ProfileBase {
  kind: 'unstructured-weights' | 'block' | 'dual';
  sparsity: CurveSparsity;
}

/** A profile is a discriminated union on `kind`: each kind carries exactly the sparsity fields it needs. */
export type AcceleratorProfile = DenseProfile | NmProfile | CurveProfile;

const KINDS: SparsityKind[] = ['none', 'n:m', 'unstructured-weights', 'block', 'dual'];

/** A relative-time curve over density 0..1; its range multiplies the curve (low <= 1 <= high). */
function readCurve(r: Reader, v: unknown, path: string): Sourced<Curve> {
  const o = r.obj(v, path);
  const source = r.str(o.source, `${path}.source`);
  if (!Array.isArray(o.value) || o.value.length < 2 || o.value.length > 1000) r.fail(`${path}.value`, 'must be 2 to 1000 [density, relativeTime] points');
  const pts = (o.value as unknown[]).map((p, i) => r.pair(p, `${path}.value[${i}]`, 0, Infinity) && (p as [number, number]));
  pts.forEach(([d], i) => {
    if (d > 1) r.fail(`${path}.value[${i}]`, 'density must be <= 1');
    if (i && d <= pts[i - 1][0]) r.fail(`${path}.value[${i}]`, 'densities must increase');
    // Fewer nonzeros never make a sparse kernel slower; the estimator's monotonicity rests on it.
    if (i && pts[i][1] < pts[i - 1][1]) r.fail(`${path}.value[${i}]`, 'relative time must not fall as density rises');
  });
  if (pts[0][0] !== 0 || pts[pts.length - 1][0] !== 1) r.fail(`${path}.value`, 'must span density 0 to 1');
  // At full density a sparse kernel does the dense work plus its indexing: it cannot beat dense.
  if (pts[pts.length - 1][1] < 1) r.fail(`${path}.value`, 'must reach at least 1 at density 1');
  if (o.range === undefined) return { value: pts, source };
  return { value: pts, source, range: r.around1(o.range, `${path}.range`, 0.01, 100) };
}

function readKernel(r: Reader, v: unknown, path: string, cap: number): KernelTable {
  const o = r.obj(v, path);
  const points = r.list(o.points, `${path}.points`, 1000).map((x, i): KernelPoint => {
    const p = r.obj(x, `${path}.points[${i}]`);
    const at = (k: string): string => `${path}.points[${i}].${k}`;
    return {
      m: r.num(p.m, at('m'), 1, 2 ** 40), n: r.num(p.n, at('n'), 1, 2 ** 40), k: r.num(p.k, at('k'), 1, 2 ** 40),
      dtype: r.oneOf(p.dtype, at('dtype'), PEAK_DTYPES),
      // A measured speedup above M/N would break physics: it is an error in the data, not a fast kernel.
      speedup: r.num(p.speedup, at('speedup'), 1e-3, cap),
      source: r.str(p.source, at('source')),
    };
  });
  if (!points.length) r.fail(`${path}.points`, 'must hold at least one point');
  return { points, source: r.str(o.source, `${path}.source`), ...(o.range !== undefined ? { range: r.around1(o.range, `${path}.range`, 0.01, 100) } : {}) };
}

function readNm(r: Reader, s: Record<string, unknown>): NmSparsity {
  const n = r.num(s.n, 'sparsity.n', 1, 32);
  const m = r.num(s.m, 'sparsity.m', n, 32);
  const out: NmSparsity = { n, m, metadataBitsPerNonzero: r.sourced(s.metadataBitsPerNonzero, 'sparsity.metadataBitsPerNonzero', 0, 64) };
  if (s.dtypePatterns !== undefined) {
    out.dtypePatterns = {};
    for (const [d, p] of Object.entries(r.obj(s.dtypePatterns, 'sparsity.dtypePatterns'))) {
      const dt = r.oneOf(d, `sparsity.dtypePatterns.${d}`, PEAK_DTYPES);
      const pair = r.intPair(p, `sparsity.dtypePatterns.${d}`, 1, 32);
      out.dtypePatterns[dt] = pair;
    }
  }
  const cap = Math.max(m / n, ...Object.values(out.dtypePatterns ?? {}).map(([a, b]) => b / a));
  if (s.kernel !== undefined) out.kernel = readKernel(r, s.kernel, 'sparsity.kernel', cap);
  if (s.mathSpeedup !== undefined) out.mathSpeedup = r.sourced(s.mathSpeedup, 'sparsity.mathSpeedup', 1, m / n);
  if (!out.kernel && !out.mathSpeedup) r.fail('sparsity', 'must give mathSpeedup or a kernel table');
  if (s.bandwidthEfficiency !== undefined) out.bandwidthEfficiency = r.sourced(s.bandwidthEfficiency, 'sparsity.bandwidthEfficiency', 0.01, 1);
  if (s.callOverheadSeconds !== undefined) out.callOverheadSeconds = r.sourced(s.callOverheadSeconds, 'sparsity.callOverheadSeconds', 0, 10);
  if (s.onlyWhenFaster !== undefined) out.onlyWhenFaster = r.bool(s.onlyWhenFaster, 'sparsity.onlyWhenFaster');
  if (s.layerKinds !== undefined) out.layerKinds = readKinds(r, s.layerKinds);
  if (s.minShape !== undefined) {
    const ms = r.obj(s.minShape, 'sparsity.minShape');
    out.minShape = { n: r.num(ms.n, 'sparsity.minShape.n', 1, 1 << 20), k: r.num(ms.k, 'sparsity.minShape.k', 1, 1 << 20) };
  }
  return out;
}

function readKinds(r: Reader, v: unknown): LayerKind[] {
  return r.list(v, 'sparsity.layerKinds', 2).map((k, i) => r.oneOf(k, `sparsity.layerKinds[${i}]`, LAYER_KINDS));
}

function readCurveSparsity(r: Reader, s: Record<string, unknown>, kind: CurveProfile['kind']): CurveSparsity {
  const indexOverhead = r.sourced(s.indexOverhead, 'sparsity.indexOverhead', 0, 16);
  const onlyWhenFaster = {
    ...(s.onlyWhenFaster === undefined ? {} : { onlyWhenFaster: r.bool(s.onlyWhenFaster, 'sparsity.onlyWhenFaster') }),
    ...(s.layerKinds === undefined ? {} : { layerKinds: readKinds(r, s.layerKinds) }),
  };
  if (kind !== 'block') return { curve: readCurve(r, s.curve, 'sparsity.curve'), indexOverhead, ...onlyWhenFaster };
  const blocks = s.blocks !== undefined
    ? r.list(s.blocks, 'sparsity.blocks', 64).map((b, i) => {
      const o = r.obj(b, `sparsity.blocks[${i}]`);
      return { block: r.intPair(o.block, `sparsity.blocks[${i}].block`, 1, 1024), curve: readCurve(r, o.curve, `sparsity.blocks[${i}].curve`) };
    })
    : [{ block: r.intPair(s.block, 'sparsity.block', 1, 1024), curve: readCurve(r, s.curve, 'sparsity.curve') }];
  if (!blocks.length) r.fail('sparsity.blocks', 'must hold at least one block shape');
  return { curve: blocks[0].curve, block: blocks[0].block, blocks, indexOverhead, ...onlyWhenFaster };
}

/** Checks an untrusted profile object field by field; the error names the field path. */
export function validateProfile(raw: unknown, where: string): AcceleratorProfile {
  const r = new Reader(where);
  const o = r.obj(raw, 'profile');
  const id = r.str(o.id, 'id');
  const kind = r.oneOf(o.kind, 'kind', KINDS);
  const peakMacsPerSecond: AcceleratorProfile['peakMacsPerSecond'] = {};
  for (const [k, v] of Object.entries(r.obj(o.peakMacsPerSecond, 'peakMacsPerSecond'))) {
    if (!PEAK_DTYPES.includes(k as PeakDtype)) r.fail(`peakMacsPerSecond.${k}`, `is not a dtype (${PEAK_DTYPES.join(', ')})`);
    peakMacsPerSecond[k as PeakDtype] = r.sourced(v, `peakMacsPerSecond.${k}`, 1);
  }
  if (!Object.keys(peakMacsPerSecond).length) r.fail('peakMacsPerSecond', 'must give at least one dtype');
  const base: ProfileBase = {
    id, peakMacsPerSecond,
    name: r.str(o.name, 'name'),
    memoryBandwidth: r.sourced(o.memoryBandwidth, 'memoryBandwidth', 1),
    utilization: r.sourced(o.utilization, 'utilization', 0.01, 1),
    ...(o.float32As !== undefined ? { float32As: r.oneOf(o.float32As, 'float32As', ['float32', 'tfloat32'] as const) } : {}),
    ...(typeof o.notes === 'string' ? { notes: o.notes } : {}),
  };
  if (o.assumptions !== undefined) base.assumptions = r.list(o.assumptions, 'assumptions', 64).map((x, i) => r.str(x, `assumptions[${i}]`));
  if (o.chip !== undefined) {
    const c = r.obj(o.chip, 'chip');
    base.chip = { id: r.str(c.id, 'chip.id'), name: r.str(c.name, 'chip.name'), family: r.str(c.family, 'chip.family') };
  }
  if (o.runtime !== undefined) {
    const c = r.obj(o.runtime, 'runtime');
    base.runtime = { id: r.str(c.id, 'runtime.id'), name: r.str(c.name, 'runtime.name') };
  }
  if (kind === 'none') return { ...base, kind };
  const s = r.obj(o.sparsity, 'sparsity');
  if (kind === 'n:m') return { ...base, kind, sparsity: readNm(r, s) };
  return { ...base, kind, sparsity: readCurveSparsity(r, s, kind) };
}

/** Relative time at density d, by linear interpolation between the curve's points. */
export function curveAt(c: Curve, d: number): number {
  const x = Math.min(1, Math.max(0, d));
  for (let i = 1; i < c.length; i++) {
    const [x0, y0] = c[i - 1];
    const [x1, y1] = c[i];
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return c[c.length - 1][1];
}

/** The N:M pattern a layer of this compute dtype uses on an n:m profile. */
export function patternFor(s: NmSparsity, dtype: PeakDtype): [number, number] {
  return s.dtypePatterns?.[dtype] ?? [s.n, s.m];
}
