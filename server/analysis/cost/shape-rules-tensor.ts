import {
  FOLD_LIMIT, broadcastAll, fullDims, intValues, isSize, mergeDim, normAxes, normAxis, scalarValue, sizeOf, unknownOf, valueOf,
  type Dim, type InferredValue, type ShapeContext, type ShapeRule,
} from './shape-dims';
import { concatValues, gatherValues, known, mapBroadcast, rangeCount, rangeValues, sliceValues, type Known } from './shape-values';

/**
 * Shape rules of the ops that move data or compute shapes (ONNX operator spec, per opset):
 * Shape, Reshape, Slice, Gather, Concat... Their outputs carry folded values when the inputs'
 * values are known, which is how Reshape targets computed in the graph resolve.
 */

/** Axes, sizes or pads given either as an attribute (before `fromOpset`) or as input `i` (from it). */
type Arg = readonly number[] | 'none' | 'unknown';

function intsArg(c: ShapeContext, attrName: string, i: number, fromOpset: number): Arg {
  if (c.opset < fromOpset) return c.attrs.ints(attrName) ?? 'none';
  const v = c.input(i);
  if (!v) return 'none';
  return intValues(v) ?? 'unknown';
}

/** n unknown dims, for a rank known from a shape tensor's length (bounded: a hostile [2^40] shape is not a rank). */
function nulls(n: number | null | undefined): Dim[] | null {
  return isSize(n) && n <= FOLD_LIMIT ? new Array<Dim>(n).fill(null) : null;
}

const shape: ShapeRule = (c) => {
  const dims = c.input(0)?.dims;
  if (!dims) return [{ dims: [null], dtype: 'int64' }];
  const r = dims.length;
  const clamp = (x: number): number => Math.min(Math.max(x < 0 ? x + r : x, 0), r);
  const start = clamp(c.attrs.int('start', 0));
  const part = dims.slice(start, Math.max(start, clamp(c.attrs.int('end', r))));
  return [valueOf([part.length], 'int64', part.every(isSize) ? (part as number[]) : undefined)];
};

const size: ShapeRule = (c) => {
  const d = c.input(0)?.dims;
  const n = d ? sizeOf(d) : null;
  return [valueOf([], 'int64', n === null ? undefined : [n])];
};

/** Passes values through ops that only change the dims (Reshape, Squeeze, Unsqueeze, Flatten, Identity). */
function relabel(x: InferredValue | undefined, dims: Dim[] | null): InferredValue {
  return valueOf(dims, x?.dtype ?? null, x?.values);
}

const reshape: ShapeRule = (c) => {
  const x = c.input(0);
  const target = c.opset < 5 ? c.attrs.ints('shape') : intValues(c.input(1));
  if (!target) return [relabel(x, nulls(fullDims(c.input(1))?.[0]))];
  const inDims = x?.dims ?? null;
  const allowZero = c.attrs.int('allowzero', 0) !== 0;
  const out: Dim[] = [];
  let infer = -1;
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    if (t === 0 && !allowZero) {
      if (inDims && i >= inDims.length) return [unknownOf(x?.dtype ?? null)];
      out.push(inDims ? inDims[i] : null);
    } else if (t === -1 && infer < 0) {
      infer = i;
      out.push(null);
    } else if (t >= 0) out.push(t);
    else return [unknownOf(x?.dtype ?? null)];
  }
  if (infer >= 0) {
    const total = inDims ? sizeOf(inDims) : null;
    const rest = sizeOf(out.filter((_, i) => i !== infer));
    if (total !== null && rest !== null && rest > 0 && total % rest === 0) out[infer] = total / rest;
  }
  return [relabel(x, out)];
};

const flatten: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  if (!d) return [relabel(x, [null, null])];
  const axis = c.attrs.int('axis', 1);
  const a = axis < 0 ? axis + d.length : axis;
  if (!(a >= 0 && a <= d.length)) return [unknownOf(x.dtype)];
  return [relabel(x, [sizeOf(d.slice(0, a)), sizeOf(d.slice(a))])];
};

const transpose: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  if (!d) return [unknownOf(x?.dtype ?? null)];
  const perm = c.attrs.ints('perm') ?? d.map((_, i) => d.length - 1 - i);
  const p = normAxes(perm, d.length);
  return [p && p.length === d.length ? { dims: p.map((i) => d[i]), dtype: x.dtype } : unknownOf(x.dtype)];
};

const squeeze: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  const axes = intsArg(c, 'axes', 1, 13);
  if (!d || axes === 'unknown') return [unknownOf(x?.dtype ?? null)];
  if (axes === 'none') return [relabel(x, d.includes(null) ? null : d.filter((n) => n !== 1))];
  const a = normAxes(axes, d.length);
  if (!a || a.some((i) => d[i] !== 1 && d[i] !== null)) return [unknownOf(x.dtype)];
  return [relabel(x, d.filter((_, i) => !a.includes(i)))];
};

const unsqueeze: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  const axes = intsArg(c, 'axes', 1, 13);
  if (!d || axes === 'unknown' || axes === 'none') return [unknownOf(x?.dtype ?? null)];
  const r = d.length + axes.length;
  const a = normAxes(axes, r);
  if (!a) return [unknownOf(x.dtype)];
  const out: Dim[] = [];
  for (let j = 0, k = 0; j < r; j++) out.push(a.includes(j) ? 1 : d[k++]);
  return [relabel(x, out)];
};

const concat: ShapeRule = (c) => {
  const parts = c.node.inputs.map((_, i) => c.input(i)).filter((v): v is InferredValue => v !== undefined);
  const dtype = parts.find((p) => p.dtype)?.dtype ?? null;
  const rank = parts.find((p) => p.dims)?.dims?.length;
  if (rank === undefined || !parts.length) return [unknownOf(dtype)];
  const axis = normAxis(c.attrs.int('axis', 0), rank);
  if (axis === undefined) return [unknownOf(dtype)];
  const out: Dim[] = new Array<Dim>(rank).fill(null);
  out[axis] = 0;
  for (const p of parts) {
    if (p.dims && p.dims.length !== rank) return [unknownOf(dtype)];
    for (let i = 0; i < rank; i++) {
      const d = p.dims ? p.dims[i] : null;
      if (i === axis) out[i] = out[i] === null || d === null ? null : (out[i] as number) + d;
      else {
        const m = mergeDim(out[i], d);
        if (m === undefined) return [unknownOf(dtype)];
        out[i] = m;
      }
    }
  }
  const ks = parts.map(known);
  const values = ks.every((k): k is Known => k !== undefined) ? concatValues(ks, axis) : undefined;
  return [valueOf(out, dtype, values)];
};

const split: ShapeRule = (c) => {
  const x = c.input(0);
  const n = c.node.outputs.length;
  const d = x?.dims;
  const dtype = x?.dtype ?? null;
  const axis = d ? normAxis(c.attrs.int('axis', 0), d.length) : undefined;
  if (!d || axis === undefined) return c.node.outputs.map(() => unknownOf(dtype));
  const given = intsArg(c, 'split', 1, 13);
  let sizes: Dim[];
  if (given === 'unknown') sizes = new Array<Dim>(n).fill(null);
  else if (given !== 'none') sizes = given.length === n ? [...given] : [];
  else {
    // Opset 18's num_outputs: ceil-sized chunks and a smaller last one; an even split before.
    const whole = d[axis];
    const chunk = whole === null ? null : Math.ceil(whole / n);
    sizes = Array.from({ length: n }, (_, i) => (whole === null || chunk === null ? null : i < n - 1 ? chunk : whole - chunk * (n - 1)));
  }
  if (sizes.length !== n || sizes.some((s) => s !== null && !isSize(s))) return c.node.outputs.map(() => unknownOf(dtype));
  return sizes.map((s) => ({ dims: d.map((e, i) => (i === axis ? s : e)), dtype }));
};

/** One axis of Slice (spec clamping): the first index and the count, or undefined for a zero or fractional step. */
export function sliceAxis(dim: number, start: number, end: number, step: number): { first: number; count: number } | undefined {
  if (!Number.isInteger(step) || step === 0) return undefined;
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = clamp(s, 0, dim);
    e = clamp(e, 0, dim);
    return { first: s, count: Math.max(0, Math.ceil((e - s) / step)) };
  }
  s = clamp(s, 0, dim - 1);
  e = clamp(e, -1, dim - 1);
  return { first: s, count: Math.max(0, Math.ceil((s - e) / -step)) };
}

const slice: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  const dtype = x?.dtype ?? null;
  if (!d) return [unknownOf(dtype)];
  const old = c.opset < 10;
  const starts = old ? c.attrs.ints('starts') : intValues(c.input(1));
  const ends = old ? c.attrs.ints('ends') : intValues(c.input(2));
  const axesArg = old ? c.attrs.ints('axes') ?? 'none' : intsArg(c, 'axes', 3, 10);
  const stepsArg: Arg = old ? 'none' : intsArg(c, 'steps', 4, 10);
  const axes = axesArg === 'none' ? (starts ?? []).map((_, i) => i) : axesArg === 'unknown' ? undefined : normAxes(axesArg, d.length);
  if (!axes && axesArg !== 'unknown') return [unknownOf(dtype)];
  if (!starts || !ends || !axes || stepsArg === 'unknown') {
    // Which axes change may be known even when the bounds are not.
    return [{ dims: axes ? d.map((e, i) => (axes.includes(i) ? null : e)) : d.map(() => null), dtype }];
  }
  const steps = stepsArg === 'none' ? axes.map(() => 1) : stepsArg;
  if (starts.length !== axes.length || ends.length !== axes.length || steps.length !== axes.length) return [unknownOf(dtype)];
  const firsts = d.map(() => 0);
  const allSteps = d.map(() => 1);
  const out: Dim[] = [...d];
  for (let k = 0; k < axes.length; k++) {
    const a = axes[k];
    const dim = d[a];
    if (dim === null) {
      out[a] = null;
      continue;
    }
    const s = sliceAxis(dim, starts[k], ends[k], steps[k]);
    if (!s) return [unknownOf(dtype)];
    out[a] = s.count;
    firsts[a] = s.first;
    allSteps[a] = steps[k];
  }
  const k = known(x);
  const counts = fullDims({ dims: out, dtype });
  return [valueOf(out, dtype, k && counts ? sliceValues(k, firsts, allSteps, counts) : undefined)];
};

const gather: ShapeRule = (c) => {
  const data = c.input(0);
  const idx = c.input(1);
  const dtype = data?.dtype ?? null;
  const d = data?.dims;
  const a = d ? normAxis(c.attrs.int('axis', 0), d.length) : undefined;
  if (!d || !idx?.dims || a === undefined) return [unknownOf(dtype)];
  const out = [...d.slice(0, a), ...idx.dims, ...d.slice(a + 1)];
  const kd = known(data);
  const ki = known(idx);
  return [valueOf(out, dtype, kd && ki ? gatherValues(kd, ki, a) : undefined)];
};

const gatherElements: ShapeRule = (c) => [{ dims: c.input(1)?.dims ? [...c.input(1)!.dims!] : null, dtype: c.input(0)?.dtype ?? null }];

/** GatherND: indices.shape[:-1] + data.shape[batch_dims + indices.shape[-1]:]. */
const gatherND: ShapeRule = (c) => {
  const d = c.input(0)?.dims;
  const q = c.input(1)?.dims;
  const dtype = c.input(0)?.dtype ?? null;
  const last = q?.[q.length - 1];
  if (!d || !q || !q.length || last === null || last === undefined) return [unknownOf(dtype)];
  const rest = c.attrs.int('batch_dims', 0) + last;
  return [rest <= d.length ? { dims: [...q.slice(0, -1), ...d.slice(rest)], dtype } : unknownOf(dtype)];
};

const constantOfShape: ShapeRule = (c) => {
  const fill = c.tensorAttr('value');
  const dtype = fill?.dtype ?? 'float32';
  const target = intValues(c.input(0));
  if (!target) return [{ dims: nulls(fullDims(c.input(0))?.[0]), dtype }];
  if (!target.every(isSize)) return [unknownOf(dtype)];
  const n = sizeOf(target) ?? Infinity;
  const v = fill?.values?.[0] ?? 0;
  return [valueOf([...target], dtype, n <= FOLD_LIMIT ? new Array<number>(n).fill(v) : undefined)];
};

const expand: ShapeRule = (c) => {
  const x = c.input(0);
  const target = intValues(c.input(1));
  const dtype = x?.dtype ?? null;
  if (!x?.dims || !target || !target.every(isSize)) return [unknownOf(dtype)];
  const out = broadcastAll([x.dims, target]);
  if (!out) return [unknownOf(dtype)];
  const k = known(x);
  const full = fullDims({ dims: out, dtype });
  return [valueOf(out, dtype, k && full ? mapBroadcast([k], full, ([v]) => v) : undefined)];
};

const tile: ShapeRule = (c) => {
  const x = c.input(0);
  const reps = intValues(c.input(1));
  const d = x?.dims;
  if (!d || !reps || reps.length !== d.length || !reps.every(isSize)) return [{ dims: d ? d.map(() => null) : null, dtype: x?.dtype ?? null }];
  return [{ dims: d.map((e, i) => (e === null ? null : e * reps[i])), dtype: x.dtype }];
};

const range: ShapeRule = (c) => {
  const dtype = c.input(0)?.dtype ?? null;
  const [start, limit, delta] = [0, 1, 2].map((i) => scalarValue(c.input(i)));
  const n = start === undefined || limit === undefined || delta === undefined ? undefined : rangeCount(start, limit, delta);
  if (n === undefined) return [{ dims: [null], dtype }];
  return [valueOf([n], dtype, rangeValues(start!, delta!, n, dtype))];
};

/** A non-empty list of values, or undefined: Resize's roi/scales/sizes may be empty tensors meaning "not given". */
const given = (v: InferredValue | undefined): readonly number[] | undefined => (v?.values?.length ? v.values : undefined);
const unknownInput = (v: InferredValue | undefined): boolean => v !== undefined && !v.values && sizeOf(v.dims ?? [null]) !== 0;

const resize: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  const dtype = x?.dtype ?? null;
  if (!d) return [unknownOf(dtype)];
  const upsample = c.node.opType === 'Upsample';
  const scalesIn = upsample ? (c.opset < 9 ? undefined : c.input(1)) : c.opset < 11 ? c.input(1) : c.input(2);
  const scales = upsample && c.opset < 9 ? c.floats('scales') : given(scalesIn);
  const sizes = upsample || c.opset < 11 ? undefined : given(c.input(3));
  const axes = (c.opset >= 18 ? normAxes(c.attrs.ints('axes') ?? d.map((_, i) => i), d.length) : d.map((_, i) => i)) ?? [];
  const out: Dim[] = [...d];
  if (sizes) {
    if (sizes.length !== axes.length) return [unknownOf(dtype)];
    const policy = c.attrs.string('keep_aspect_ratio_policy') ?? 'stretch';
    if (policy === 'stretch') axes.forEach((a, i) => (out[a] = sizes[i]));
    else {
      const ratios = axes.map((a, i) => (d[a] === null ? Number.NaN : sizes[i] / (d[a] as number)));
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => (out[a] = Number.isFinite(s) && d[a] !== null ? Math.round(s * (d[a] as number)) : null));
    }
  } else if (scales) {
    if (scales.length !== axes.length) return [unknownOf(dtype)];
    // ORT multiplies in float32 and truncates: floor(float(scale * dim)).
    axes.forEach((a, i) => (out[a] = d[a] === null ? null : Math.floor(Math.fround(scales[i] * (d[a] as number)))));
  } else if (unknownInput(scalesIn) || unknownInput(c.input(3))) return [{ dims: d.map(() => null), dtype }];
  return [{ dims: out, dtype }];
};

const pad: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  const dtype = x?.dtype ?? null;
  if (!d) return [unknownOf(dtype)];
  const pads = c.opset < 11 ? c.attrs.ints('pads') ?? c.attrs.ints('paddings') : intValues(c.input(1));
  const axesArg = c.opset >= 18 ? intsArg(c, 'axes', 3, 18) : 'none';
  const axes = axesArg === 'none' ? d.map((_, i) => i) : axesArg === 'unknown' ? undefined : normAxes(axesArg, d.length);
  if (!pads || !axes) return [{ dims: d.map(() => null), dtype }];
  if (pads.length !== 2 * axes.length) return [unknownOf(dtype)];
  const out: Dim[] = [...d];
  axes.forEach((a, i) => (out[a] = d[a] === null ? null : (d[a] as number) + pads[i] + pads[i + axes.length]));
  return [{ dims: out, dtype }];
};

const depthToSpace = (inverse: boolean): ShapeRule => (c) => {
  const x = c.input(0);
  const d = x?.dims;
  const b = c.attrs.int('blocksize', 0);
  if (!d || d.length !== 4 || !(b >= 1)) return [unknownOf(x?.dtype ?? null)];
  const [n, ch, h, w] = d;
  const div = (v: Dim, by: number): Dim => (v === null || v % by ? null : v / by);
  const mul = (v: Dim, by: number): Dim => (v === null ? null : v * by);
  return [{ dims: inverse ? [n, mul(ch, b * b), div(h, b), div(w, b)] : [n, div(ch, b * b), mul(h, b), mul(w, b)], dtype: x.dtype }];
};

const nonZero: ShapeRule = (c) => [{ dims: [c.input(0)?.dims?.length ?? null, null], dtype: 'int64' }];

export const TENSOR_RULES: Readonly<Record<string, ShapeRule>> = {
  Shape: shape, Size: size, Reshape: reshape, Flatten: flatten, Transpose: transpose,
  Squeeze: squeeze, Unsqueeze: unsqueeze, Concat: concat, Split: split, Slice: slice,
  Gather: gather, GatherElements: gatherElements, GatherND: gatherND,
  ConstantOfShape: constantOfShape, Expand: expand, Tile: tile, Range: range,
  Resize: resize, Upsample: resize, Pad: pad,
  DepthToSpace: depthToSpace(false), SpaceToDepth: depthToSpace(true), NonZero: nonZero,
};
