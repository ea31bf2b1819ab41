/**
 * How the probe ops are spelled in each default-domain opset that onnxruntime runs (7 to 26,
 * ONNX docs/Changelog.md): where an op took a list as an attribute and later as an input, the
 * probe must use the form of the model's opset, or onnxruntime rejects the instrumented copy
 * ("ReduceSum_13 has input size 2 not in range [min=1, max=1]" on an opset-11 model).
 *
 * | op | opsets 7..  | spelling |
 * |---|---|---|
 * | ReduceSum | 7-12: attribute axes; 13+: input axes |
 * | ReduceMax/Min/SumSquare | every opset: no axes at all reduces everything (the probes' only use) |
 * | Greater | 7+: float16/32/64 (the probes compare float32 or float64 only) |
 * | Cast | 6+: attribute `to` as an int |
 * | Reshape | 5+: input shape; a 0 copies the input's dim (allowzero, added in 14, defaults to that) |
 * | Gather | 1+: a scalar index drops the axis |
 * | Slice | 10+: inputs starts, ends, axes, steps (the histogram's stride); 1-9 had no steps, so the histogram takes every element there |
 * | MatMulInteger | 10+ (the integer counts; older opsets sum a float mask instead) |
 * | ConstantOfShape | 9+: the counts' uint8 ones, shaped at run time |
 * | Concat | 4+: attribute axis |
 * | Shape, Abs, Mul | unchanged in form since 7 |
 */

/** The oldest default-domain opset onnxruntime runs; older models are refused with this reason. */
export const MIN_OPSET = 7;

export interface Spelled {
  /** Inputs after the data input: names of int64 constants the caller provides. */
  inputs: { ints: number[] }[];
  attributes: Record<string, number | number[]>;
}

/** ReduceSum over `axes`. */
export function reduceSumSpelling(opset: number, axes: number[], keepdims: 0 | 1): Spelled {
  return opset >= 13
    ? { inputs: [{ ints: axes }], attributes: { keepdims } }
    : { inputs: [], attributes: { keepdims, axes } };
}
