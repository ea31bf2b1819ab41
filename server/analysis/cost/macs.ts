import { isStandardDomain } from '../../onnx/graph';
import { product } from '../../onnx/tensor';
import { dtypeByName } from '../../onnx/dtypes';
import { einsumMacs } from './einsum';
import { convMacs, convTransposeMacs, gemmMacs, knownDims, matmulMacs } from './layer-macs';
import type { NodeAttrs, TensorShape } from './node-attrs';

/**
 * The cost of one node from the shapes a real run produced (../shared/DESIGN.md "MACs and
 * bytes"): 1 MAC = one multiply-add, FLOPs = 2 x MACs; bytes = every input (weights included)
 * and every output at its dtype's width. No memory reuse or caching is assumed: it is the traffic
 * of running the node on its own.
 */

export interface OpCost {
  /** Multiply-adds (1 MAC = one multiply-add; FLOPs = 2 x MACs); 0 for ops without a GEMM-like core. */
  macs: number;
  /** Bytes read and written: every input (weights included) + every output, at their dtypes' widths (4-bit types count half a byte per element). */
  bytes: number;
  /** Elements of all outputs. */
  outputElements: number;
}

/**
 * The cost of one node. `inputs`/`outputs` are positional, with undefined for an optional input
 * left out or a shape the run did not give. Unknown shapes make macs 0 (when a factor is missing)
 * and leave their own bytes and elements out of the sums: the result counts what is known and is
 * never NaN.
 */
export function opCost(
  opType: string, domain: string, attrs: NodeAttrs,
  inputs: readonly (TensorShape | undefined)[], outputs: readonly (TensorShape | undefined)[],
): OpCost {
  // Only the standard domain's ops are costed.
  const macs = isStandardDomain(domain) ? opMacs(opType, attrs, inputs, outputs) : 0;
  let bytes = 0;
  let outputElements = 0;
  for (const s of inputs) bytes += tensorBytes(s);
  for (const s of outputs) {
    bytes += tensorBytes(s);
    outputElements += elements(s);
  }
  return { macs, bytes, outputElements };
}

/** Which inputs each layer op multiplies (QLinear* put scales and zero points in between). */
function opMacs(
  opType: string, attrs: NodeAttrs,
  inputs: readonly (TensorShape | undefined)[], outputs: readonly (TensorShape | undefined)[],
): number {
  const [i0, i1, , i3] = inputs;
  switch (opType) {
    case 'Conv': case 'ConvInteger': return convMacs(attrs, i0, i1, outputs[0]);
    case 'QLinearConv': return convMacs(attrs, i0, i3, outputs[0]);
    case 'ConvTranspose': return convTransposeMacs(attrs, i0, i1, outputs[0]);
    case 'Gemm': return gemmMacs(attrs.int('transA', 0) !== 0, attrs.int('transB', 0) !== 0, i0, i1, outputs[0]);
    case 'MatMul': case 'MatMulInteger': return matmulMacs(i0, i1);
    case 'QLinearMatMul': return matmulMacs(i0, i3);
    case 'Einsum': return einsumMacs(attrs.string('equation') ?? '', inputs.map((s) => knownDims(s)));
    default: return 0;
  }
}

/** Elements of a known shape (a scalar has one); 0 when unknown. */
function elements(s: TensorShape | undefined): number {
  const d = knownDims(s);
  return d ? product(d) : 0;
}

/**
 * Bytes of a tensor at its dtype's width: 4-bit types count half a byte per element (no rounding
 * up per tensor), bool one byte; strings have no fixed width and count 0.
 */
function tensorBytes(s: TensorShape | undefined): number {
  return s ? (elements(s) * dtypeByName(s.dtype).bits) / 8 : 0;
}
