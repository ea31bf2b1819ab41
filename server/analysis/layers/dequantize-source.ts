import { constantIn, constantInput, intAttr, type NodeRef } from '../../onnx/graph';
import type { TensorRef } from '../../onnx/tensor';

/** Where a layer's quantized weight gets its zero point and scale. */
export interface QuantSource {
  readonly zeroPoint?: TensorRef;
  readonly scale?: TensorRef;
  /** Axis of the weight the per-axis values run along (ignored when they are scalars). */
  readonly axis: number;
}

/** DequantizeLinear nodes reading a constant directly: the zero point and scale of that constant. */
export function dequantizeSources(nodes: readonly NodeRef[]): Map<TensorRef, QuantSource> {
  const out = new Map<TensorRef, QuantSource>();
  for (const n of nodes) {
    if (n.opType !== 'DequantizeLinear' || !n.inputs[0]) continue;
    const t = constantIn(n.scope, n.inputs[0]);
    if (!t || out.has(t)) continue;
    out.set(t, dequantizeSource(n, t.dims.length));
  }
  return out;
}

/** A DequantizeLinear's constant scale and zero point, and its axis made non-negative for a weight of `rank` dims. */
export function dequantizeSource(n: NodeRef, rank: number): QuantSource {
  const axis = intAttr(n, 'axis', 1);
  return { scale: constantInput(n, 1), zeroPoint: constantInput(n, 2), axis: axis < 0 ? axis + rank : axis };
}
