import type { NodeRef } from '../../onnx/graph';
import type { TensorRef } from '../../onnx/tensor';
import { PASS_THROUGH, traceConstant } from './layers';

/**
 * The nodes that consume each constant, looking through the ops that merely carry it
 * (Cast, DequantizeLinear, Transpose, Reshape...): a weight behind DequantizeLinear is "used by" Conv.
 */
export function usersOf(nodes: readonly NodeRef[]): Map<TensorRef, NodeRef[]> {
  const users = new Map<TensorRef, NodeRef[]>();
  for (const node of nodes) {
    node.inputs.forEach((name, i) => {
      if (!name || (i === 0 && PASS_THROUGH.has(node.opType))) return;
      const traced = traceConstant(node, name);
      const tensor = traced && ('tensor' in traced ? traced.tensor : traced.source);
      if (!tensor) return;
      const list = users.get(tensor) ?? [];
      if (!list.includes(node)) list.push(node);
      users.set(tensor, list);
    });
  }
  return users;
}
