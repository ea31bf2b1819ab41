import { dtypeByName, type DTypeName } from '../../onnx/dtypes';
import { product } from '../../onnx/tensor';
import { FOLD_LIMIT, fullDims, type InferredValue } from './shape-dims';

/**
 * Constant folding of small tensors: exporters (PyTorch, Paddle) compute Reshape targets, Slice
 * bounds and Resize sizes in the graph (Shape -> Gather -> Unsqueeze -> Concat), so without the
 * values every later shape is lost. Everything here is bounded by FOLD_LIMIT elements and returns
 * undefined, never throws, when a result would be bigger, out of range or not finite.
 */

/** A tensor whose dims and every value are known. */
export interface Known {
  readonly dims: readonly number[];
  readonly values: readonly number[];
}

export function known(v: InferredValue | undefined): Known | undefined {
  const dims = fullDims(v);
  return dims && v?.values && v.values.length === product(dims) ? { dims, values: v.values } : undefined;
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let n = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = n;
    n *= dims[i];
  }
  return s;
}

/** Steps through every row-major index of `dims` (at most FOLD_LIMIT of them), calling `visit` with it. */
function eachIndex(dims: readonly number[], visit: (idx: readonly number[], flat: number) => void): void {
  const n = product(dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < n; k++) {
    visit(idx, k);
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
  }
}

const allFinite = (xs: readonly number[]): boolean => xs.every(Number.isFinite);

/**
 * f applied elementwise over operands broadcast (numpy rules) to `outDims`. The caller has
 * checked that the operands broadcast to it.
 */
export function mapBroadcast(ops: readonly Known[], outDims: readonly number[], f: (xs: number[]) => number): number[] | undefined {
  const n = product(outDims);
  if (n > FOLD_LIMIT) return undefined;
  const r = outDims.length;
  const st = ops.map((o) => {
    const s = strides(o.dims);
    return outDims.map((_, i) => {
      const j = i - (r - o.dims.length);
      return j < 0 || o.dims[j] === 1 ? 0 : s[j];
    });
  });
  const out = new Array<number>(n);
  const xs = new Array<number>(ops.length);
  eachIndex(outDims, (idx, k) => {
    for (let m = 0; m < ops.length; m++) {
      let off = 0;
      for (let i = 0; i < r; i++) off += idx[i] * st[m][i];
      xs[m] = ops[m].values[off];
    }
    out[k] = f(xs);
  });
  return allFinite(out) ? out : undefined;
}

/** A value as `dtype` holds it: integers truncate and wrap as C casts do, float32 rounds, bool is 0/1. */
export function toDtype(x: number, dtype: DTypeName | null): number {
  switch (dtype) {
    case 'float32': return Math.fround(x);
    case 'bool': return x !== 0 ? 1 : 0;
    case 'int8': return (Math.trunc(x) << 24) >> 24;
    case 'uint8': return Math.trunc(x) & 0xff;
    case 'int16': return (Math.trunc(x) << 16) >> 16;
    case 'uint16': return Math.trunc(x) & 0xffff;
    case 'int32': return Math.trunc(x) | 0;
    case 'uint32': return Math.trunc(x) >>> 0;
    case 'int64': case 'uint64': return Math.trunc(x);
    default: return x;
  }
}

const isInteger = (dtype: DTypeName | null): boolean => dtype !== null && dtypeByName(dtype).integer;

/** Elementwise functions we fold, by op type; comparisons give 0/1 (bool). */
export function elementwiseFn(opType: string, dtype: DTypeName | null, fmod = 0): ((xs: number[]) => number) | undefined {
  const int = isInteger(dtype);
  const as = (x: number): number => toDtype(x, dtype);
  switch (opType) {
    case 'Add': case 'Sum': return (xs) => as(xs.reduce((a, b) => a + b, 0));
    case 'Sub': return ([a, b]) => as(a - b);
    case 'Mul': return ([a, b]) => as(a * b);
    // ONNX integer Div truncates toward zero (C semantics); by zero it fails, which NaN signals.
    case 'Div': return ([a, b]) => (int ? (b === 0 ? Number.NaN : Math.trunc(a / b)) : as(a / b));
    case 'Mod': return ([a, b]) => (b === 0 ? Number.NaN : fmod || !int ? a % b : ((a % b) + b) % b);
    case 'Pow': return ([a, b]) => as(a ** b);
    case 'Max': return (xs) => Math.max(...xs);
    case 'Min': return (xs) => Math.min(...xs);
    case 'Equal': return ([a, b]) => (a === b ? 1 : 0);
    case 'Less': return ([a, b]) => (a < b ? 1 : 0);
    case 'Greater': return ([a, b]) => (a > b ? 1 : 0);
    case 'LessOrEqual': return ([a, b]) => (a <= b ? 1 : 0);
    case 'GreaterOrEqual': return ([a, b]) => (a >= b ? 1 : 0);
    case 'And': return ([a, b]) => (a && b ? 1 : 0);
    case 'Or': return ([a, b]) => (a || b ? 1 : 0);
    case 'Xor': return ([a, b]) => ((a !== 0) !== (b !== 0) ? 1 : 0);
    case 'Not': return ([a]) => (a ? 0 : 1);
    case 'Where': return ([c, x, y]) => (c ? x : y);
    case 'Neg': return ([a]) => as(-a);
    case 'Abs': return ([a]) => as(Math.abs(a));
    case 'Floor': return ([a]) => Math.floor(a);
    case 'Ceil': return ([a]) => Math.ceil(a);
    case 'Sqrt': return ([a]) => as(Math.sqrt(a));
    case 'Reciprocal': return ([a]) => as(1 / a);
    case 'Sign': return ([a]) => Math.sign(a);
    case 'Relu': return ([a]) => Math.max(a, 0);
    // Round half to even, as ONNX Round does.
    case 'Round': return ([a]) => (Math.abs(a % 1) === 0.5 ? 2 * Math.round(a / 2) : Math.round(a));
    case 'Identity': return ([a]) => a;
    default: return undefined;
  }
}

/** Gather along `axis`: out dims data[:axis] + indices + data[axis+1:]; negative indices count from the end. */
export function gatherValues(data: Known, indices: Known, axis: number): number[] | undefined {
  const a = data.dims[axis];
  const outer = product(data.dims.slice(0, axis));
  const inner = product(data.dims.slice(axis + 1));
  if (outer * indices.values.length * inner > FOLD_LIMIT) return undefined;
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const raw of indices.values) {
      const i = raw < 0 ? raw + a : raw;
      if (!(Number.isInteger(i) && i >= 0 && i < a)) return undefined;
      for (let t = 0; t < inner; t++) out.push(data.values[(o * a + i) * inner + t]);
    }
  return out;
}

/** A strided slice: per axis a first index, a step and a count (the output dim). */
export function sliceValues(data: Known, starts: readonly number[], steps: readonly number[], counts: readonly number[]): number[] | undefined {
  if (product(counts) > FOLD_LIMIT) return undefined;
  const st = strides(data.dims);
  const out: number[] = [];
  eachIndex(counts, (idx) => {
    let off = 0;
    for (let i = 0; i < idx.length; i++) off += (starts[i] + idx[i] * steps[i]) * st[i];
    out.push(data.values[off]);
  });
  return out.length === product(counts) && allFinite(out) ? out : undefined;
}

/** Concatenation along `axis` of tensors of equal rank whose other dims agree. */
export function concatValues(parts: readonly Known[], axis: number): number[] | undefined {
  if (parts.reduce((s, p) => s + p.values.length, 0) > FOLD_LIMIT) return undefined;
  const outer = product(parts[0].dims.slice(0, axis));
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const chunk = product(p.dims.slice(axis));
      for (let t = 0; t < chunk; t++) out.push(p.values[o * chunk + t]);
    }
  return out;
}

export type Reduction = 'Sum' | 'Prod' | 'Max' | 'Min' | 'Mean';

/** A reduction over the given (normalised) axes, in the row-major order of the kept dims. */
export function reduceValues(data: Known, axes: readonly number[], kind: Reduction): number[] | undefined {
  const kept = data.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const n = product(kept);
  const init = kind === 'Prod' ? 1 : kind === 'Max' ? -Infinity : kind === 'Min' ? Infinity : 0;
  const out = new Array<number>(n).fill(init);
  const st = strides(kept);
  eachIndex(data.dims, (idx, k) => {
    let off = 0;
    for (let i = 0; i < idx.length; i++) if (!axes.includes(i)) off += idx[i] * st[i];
    const x = data.values[k];
    out[off] = kind === 'Prod' ? out[off] * x : kind === 'Max' ? Math.max(out[off], x) : kind === 'Min' ? Math.min(out[off], x) : out[off] + x;
  });
  const per = data.values.length / Math.max(n, 1);
  const result = kind === 'Mean' ? out.map((x) => x / per) : out;
  return allFinite(result) ? result : undefined;
}

/** Elements of Range(start, limit, delta): max(ceil((limit - start) / delta), 0). */
export function rangeCount(start: number, limit: number, delta: number): number | undefined {
  if (delta === 0) return undefined;
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return Number.isFinite(n) ? n : undefined;
}

export function rangeValues(start: number, delta: number, n: number, dtype: DTypeName | null): number[] | undefined {
  if (n > FOLD_LIMIT) return undefined;
  return Array.from({ length: n }, (_, i) => toDtype(start + i * delta, dtype));
}
