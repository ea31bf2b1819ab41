import type { DTypeName } from '../../onnx/dtypes';
import type { NodeRef } from '../../onnx/graph';
import type { NodeAttrs } from './node-attrs';

/**
 * The vocabulary of static shape inference: a value's dims as far as they are known, and the
 * rule signature every op's shape function has. Sizes may pass 2^53 (a hostile Expand to 2^60
 * elements must still be seen as huge): they stay plain numbers, and only non-finite, negative or
 * fractional ones become unknown.
 */

/** A dim's size, or null when it cannot be known before a run. */
export type Dim = number | null;

export interface InferredValue {
  /** null = rank unknown; a null dim = that size unknown. */
  dims: Dim[] | null;
  dtype: DTypeName | null;
  /** Small tensors whose values are known (shape computations), row-major, one number per element. */
  values?: readonly number[];
}

/** Folding stops here: shape computations are tiny, anything bigger is data. */
export const FOLD_LIMIT = 1024;

export const UNKNOWN: InferredValue = Object.freeze({ dims: null, dtype: null }) as InferredValue;

export function unknownOf(dtype: DTypeName | null): InferredValue {
  return { dims: null, dtype };
}

/** What a shape rule sees of one node. */
export interface ShapeContext {
  readonly node: NodeRef;
  /** The default domain's opset the model imports. */
  readonly opset: number;
  readonly attrs: NodeAttrs;
  /** Input i: undefined when it is left out (an optional input), UNKNOWN when nothing is known of it. */
  input(i: number): InferredValue | undefined;
  /** A FLOATS attribute (Upsample-7 scales). */
  floats(name: string): number[] | undefined;
  /** A TENSOR attribute's dtype and (small) values (ConstantOfShape's value). */
  tensorAttr(name: string): { dtype: DTypeName; values?: readonly number[] } | undefined;
}

/** One inferred value per output, in order; a missing entry is unknown. */
export type ShapeRule = (c: ShapeContext) => readonly (InferredValue | undefined)[];

/** A usable size: finite, whole, not negative. */
export function isSize(d: unknown): d is number {
  return typeof d === 'number' && Number.isInteger(d) && d >= 0;
}

/** The dims when the rank and every size are known. */
export function fullDims(v: InferredValue | undefined): number[] | undefined {
  const d = v?.dims;
  return d && d.every(isSize) ? (d as number[]) : undefined;
}

/** The product of the dims, or null when one is unknown. */
export function sizeOf(dims: readonly Dim[]): number | null {
  let n = 1;
  for (const d of dims) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/** Sum or product of two dims, unknown when either is. */
export const addDims = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : a + b);
export const mulDims = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : a * b);

/** The axis an ONNX attribute names (negative counts from the end), or undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

/** Normalised, distinct axes, or undefined when one is out of range or repeated. */
export function normAxes(axes: readonly number[], rank: number): number[] | undefined {
  const out: number[] = [];
  for (const a of axes) {
    const n = normAxis(a, rank);
    if (n === undefined || out.includes(n)) return undefined;
    out.push(n);
  }
  return out;
}

/**
 * numpy (multidirectional) broadcasting with unknown sizes: an unknown dim against 1 stays
 * unknown, against n > 1 it must be n (or 1, which broadcasts to n). Undefined when two known
 * sizes other than 1 disagree: the op would fail.
 */
export function broadcastAll(shapes: readonly (readonly Dim[])[]): Dim[] | undefined {
  const r = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const e = i - (r - s.length) >= 0 ? s[i - (r - s.length)] : 1;
      if (e === 1) continue;
      if (e === null) d = d === 1 ? null : d;
      else if (d === 1 || d === null) d = e;
      else if (d !== e) return undefined;
    }
    out.push(d);
  }
  return out;
}

/** Integer values of a known small tensor (axes, sizes, indices), or undefined. */
export function intValues(v: InferredValue | undefined): readonly number[] | undefined {
  return v?.values && v.values.every(Number.isInteger) ? v.values : undefined;
}

/** The single value of a known one-element tensor (a scalar or [1]). */
export function scalarValue(v: InferredValue | undefined): number | undefined {
  return v?.values?.length === 1 ? v.values[0] : undefined;
}

/** dims with known values attached when the values fit; the caller checks they match the dims. */
export function valueOf(dims: Dim[] | null, dtype: DTypeName | null, values?: readonly number[]): InferredValue {
  return values ? { dims, dtype, values } : { dims, dtype };
}

/** The same dims and dtype as `v` (shape-preserving ops), optionally another dtype. */
export function sameAs(v: InferredValue | undefined, dtype?: DTypeName | null): InferredValue {
  return { dims: v?.dims ? [...v.dims] : null, dtype: dtype === undefined ? v?.dtype ?? null : dtype };
}

/** Two dims that must agree: the known one, or undefined when both are known and differ. */
export function mergeDim(a: Dim, b: Dim): Dim | undefined {
  if (a === null) return b;
  if (b === null || a === b) return a;
  return undefined;
}
