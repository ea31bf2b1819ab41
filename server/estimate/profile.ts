/**
 * Accelerator profiles: data, every number with the source it comes from. A profile says how fast
 * the chip is dense (peak MAC/s per dtype, memory bandwidth, achievable utilization) and which
 * sparsity it can exploit and at what cost. Built-in profiles are JSON files in ./profiles; users
 * add or override them with --accelerators FILE. Validation names the offending field.
 */

/** A number and where it comes from; `range` bounds it for the optimistic/pessimistic estimates. */
export interface Sourced<T = number> {
  value: T;
  range?: [number, number];
  source: string;
}

export type SparsityKind = 'none' | 'n:m' | 'unstructured-weights' | 'block' | 'dual';

/** Time of the sparse path relative to the dense one, by density: piecewise linear in density. */
export type Curve = [number, number][];

interface ProfileBase {
  id: string;
  name: string;
  /** Dense peak multiply-accumulates per second, by compute dtype (float32 may mean TF32 tensor cores; see source). */
  peakMacsPerSecond: Partial<Record<PeakDtype, Sourced>>;
  /** Bytes per second to and from device memory. */
  memoryBandwidth: Sourced;
  /** Share of peak a large dense layer achieves. */
  utilization: Sourced;
  notes?: string;
}

/** A dense chip: zeros cost full price; only removed channels help. */
export interface DenseProfile extends ProfileBase {
  kind: 'none';
}

/** Sparse tensor cores: the math of N:M-ready layers runs `mathSpeedup` faster. */
export interface NmProfile extends ProfileBase {
  kind: 'n:m';
  sparsity: {
    n: number;
    m: number;
    mathSpeedup: Sourced;
    /** Index bits stored per kept value (2:4: 2 bits). */
    metadataBitsPerNonzero: Sourced;
  };
}

/** Kernels that skip zero weights (unstructured or all-zero blocks), or zero weights x zero activations (dual). */
export interface CurveProfile extends ProfileBase {
  kind: 'unstructured-weights' | 'block' | 'dual';
  sparsity: {
    /** Relative time of the sparse path by density. */
    curve: Sourced<Curve>;
    /** Index bytes per nonzero value moved, relative to the value's own bytes. */
    indexOverhead: Sourced;
    /** block: the block shape it skips, rows x cols of the GEMM view. */
    block?: [number, number];
  };
}

/** A profile is a discriminated union on `kind`: each kind carries exactly the sparsity fields it needs. */
export type AcceleratorProfile = DenseProfile | NmProfile | CurveProfile;

export type PeakDtype = 'float32' | 'float16' | 'bfloat16' | 'int8' | 'float8';

const KINDS: SparsityKind[] = ['none', 'n:m', 'unstructured-weights', 'block', 'dual'];
const DTYPES: PeakDtype[] = ['float32', 'float16', 'bfloat16', 'int8', 'float8'];

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

/** Reads an untrusted JSON value field by field, naming the field path in every error. */
class Reader {
  constructor(private readonly where: string) {}

  fail(path: string, why: string): never {
    throw new ProfileError(`${this.where}: ${path} ${why}`);
  }

  obj(v: unknown, path: string): Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : this.fail(path, 'must be an object');
  }

  str(v: unknown, path: string): string {
    return typeof v === 'string' && v.length > 0 ? v : this.fail(path, 'must be a non-empty string');
  }

  num(v: unknown, path: string, min = 0, max = Infinity): number {
    return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : this.fail(path, `must be a number in [${min}, ${max}]`);
  }

  pair(v: unknown, path: string, min = 0, max = Infinity): [number, number] {
    if (!Array.isArray(v) || v.length !== 2) this.fail(path, 'must be [low, high]');
    const [a, b] = v as unknown[];
    const r: [number, number] = [this.num(a, `${path}[0]`, min, max), this.num(b, `${path}[1]`, min, max)];
    return r[0] <= r[1] ? r : this.fail(path, 'must have low <= high');
  }

  sourced(v: unknown, path: string, min = 0, max = Infinity): Sourced {
    const o = this.obj(v, path);
    const value = this.num(o.value, `${path}.value`, min, max);
    const source = this.str(o.source, `${path}.source`);
    if (o.range === undefined) return { value, source };
    const range = this.pair(o.range, `${path}.range`, min, max);
    return range[0] <= value && value <= range[1] ? { value, source, range } : this.fail(`${path}.range`, `must contain value ${value}`);
  }

  /** A relative-time curve over density 0..1; its range multiplies the curve (low <= 1 <= high). */
  curve(v: unknown, path: string): Sourced<Curve> {
    const o = this.obj(v, path);
    const source = this.str(o.source, `${path}.source`);
    if (!Array.isArray(o.value) || o.value.length < 2) this.fail(`${path}.value`, 'must be at least two [density, relativeTime] points');
    const pts = (o.value as unknown[]).map((p, i) => this.pair(p, `${path}.value[${i}]`, 0, Infinity) && (p as [number, number]));
    pts.forEach(([d], i) => {
      if (d > 1) this.fail(`${path}.value[${i}]`, 'density must be <= 1');
      if (i && d <= pts[i - 1][0]) this.fail(`${path}.value[${i}]`, 'densities must increase');
      // Fewer nonzeros never make a sparse kernel slower; the estimator's monotonicity rests on it.
      if (i && pts[i][1] < pts[i - 1][1]) this.fail(`${path}.value[${i}]`, 'relative time must not fall as density rises');
    });
    if (pts[0][0] !== 0 || pts[pts.length - 1][0] !== 1) this.fail(`${path}.value`, 'must span density 0 to 1');
    if (o.range === undefined) return { value: pts, source };
    const range = this.pair(o.range, `${path}.range`, 0.01, 100);
    return range[0] <= 1 && 1 <= range[1] ? { value: pts, source, range } : this.fail(`${path}.range`, 'must contain 1');
  }
}

/** Checks an untrusted profile object field by field; the error names the field path. */
export function validateProfile(raw: unknown, where: string): AcceleratorProfile {
  const r = new Reader(where);
  const o = r.obj(raw, 'profile');
  const id = r.str(o.id, 'id');
  const kind = o.kind as SparsityKind;
  if (!KINDS.includes(kind)) r.fail('kind', `must be one of ${KINDS.join(', ')}`);
  const peakMacsPerSecond: AcceleratorProfile['peakMacsPerSecond'] = {};
  for (const [k, v] of Object.entries(r.obj(o.peakMacsPerSecond, 'peakMacsPerSecond'))) {
    if (!DTYPES.includes(k as PeakDtype)) r.fail(`peakMacsPerSecond.${k}`, `is not a dtype (${DTYPES.join(', ')})`);
    peakMacsPerSecond[k as PeakDtype] = r.sourced(v, `peakMacsPerSecond.${k}`, 1);
  }
  if (!Object.keys(peakMacsPerSecond).length) r.fail('peakMacsPerSecond', 'must give at least one dtype');
  const base: ProfileBase = {
    id, peakMacsPerSecond,
    name: r.str(o.name, 'name'),
    memoryBandwidth: r.sourced(o.memoryBandwidth, 'memoryBandwidth', 1),
    utilization: r.sourced(o.utilization, 'utilization', 0.01, 1),
    ...(typeof o.notes === 'string' ? { notes: o.notes } : {}),
  };
  if (kind === 'none') return { ...base, kind };
  const s = r.obj(o.sparsity, 'sparsity');
  if (kind === 'n:m') {
    const n = r.num(s.n, 'sparsity.n', 1, 32);
    const m = r.num(s.m, 'sparsity.m', n, 32);
    return {
      ...base, kind,
      sparsity: {
        n, m,
        mathSpeedup: r.sourced(s.mathSpeedup, 'sparsity.mathSpeedup', 1, m / n),
        metadataBitsPerNonzero: r.sourced(s.metadataBitsPerNonzero, 'sparsity.metadataBitsPerNonzero', 0, 64),
      },
    };
  }
  if (kind === 'block' && (!Array.isArray(s.block) || !s.block.every((x) => Number.isInteger(x))))
    r.fail('sparsity.block', 'must be [rows, cols] of whole numbers');
  const block = kind === 'block' ? r.pair(s.block, 'sparsity.block', 1, 1024) : undefined;
  return {
    ...base, kind,
    sparsity: {
      curve: r.curve(s.curve, 'sparsity.curve'),
      indexOverhead: r.sourced(s.indexOverhead, 'sparsity.indexOverhead', 0, 16),
      ...(block ? { block } : {}),
    },
  };
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
