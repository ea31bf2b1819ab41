/**
 * How the probe ops are spelled in each default-domain opset that onnxruntime runs (7 to 26,
 * ONNX docs/Changelog.md): where an op took a list as an attribute and later as an input, the
 * probe must use the form of the model's opset, or onnxruntime rejects the instrumented copy
 * ("Slice:1 has input size 3 not in range [min=1, max=1]" on an opset-9 model).
 *
 * | op | opsets 7..  | spelling |
 * |---|---|---|
 * | Slice | 7-9: attributes starts, ends, axes; 10+: inputs data, starts, ends, axes |
 * | ReduceSum | 7-12: attribute axes; 13+: input axes |
 * | ReduceMax/Min/SumSquare | every opset: no axes at all reduces everything (the probes' only use) |
 * | Greater | 7+: float16/32/64 (the probes compare float32 or float64 only) |
 * | Cast | 6+: attribute `to` as an int |
 * | Reshape | 5+: input shape |
 * | Gather, Shape, Abs, Mul | unchanged in form since 7 |
 */

/** The oldest default-domain opset onnxruntime runs; older models are refused with this reason. */
export const MIN_OPSET = 7;

export interface Spelled {
  /** Inputs after the data input: names of int64 constants the caller provides. */
  inputs: { ints: number[] }[];
  attributes: Record<string, number | number[]>;
}

/** Slice of `data` along `axis` from `start` to `end`. */
export function sliceSpelling(opset: number, start: number, end: number, axis: number): Spelled {
  return opset >= 10
    ? { inputs: [{ ints: [start] }, { ints: [end] }, { ints: [axis] }], attributes: {} }
    : { inputs: [], attributes: { starts: [start], ends: [end], axes: [axis] } };
}

/** ReduceSum over `axes`. */
export function reduceSumSpelling(opset: number, axes: number[], keepdims: 0 | 1): Spelled {
  return opset >= 13
    ? { inputs: [{ ints: axes }], attributes: { keepdims } }
    : { inputs: [], attributes: { keepdims, axes } };
}
