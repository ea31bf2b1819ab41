import { dtypeByName, rawByteLength, type DTypeName } from '../../onnx/dtypes';
import { constantIn, type NodeRef } from '../../onnx/graph';
import type { LoadedModel } from '../../onnx/load';
import { product } from '../../onnx/tensor';
import type { ShapeInference } from './infer-shapes';
import { opCost, type OpCost } from './macs';
import { nodeAttrs, type TensorShape } from './node-attrs';
import { fullDims, type InferredValue } from './shape-dims';

/**
 * Per-node costs from inferred shapes: the same opCost (macs.ts) a run's shapes feed
 * (run-report.ts opReports), so a model too large to run still gets per-layer figures, and both
 * agree wherever the inferred shapes are the run's.
 */

export interface StaticCost {
  node: NodeRef;
  cost: OpCost;
  /** Every input and output shape was known: the cost is the one a run would give. */
  complete: boolean;
}

/** A value's shape for opCost: inferred, else the constant's own (as opReports takes it). */
function shapeOf(node: NodeRef, name: string, inference: ShapeInference): TensorShape | undefined {
  const v = inference.values.get(name);
  const dims = fullDims(v);
  if (dims && v?.dtype) return { dims, dtype: v.dtype };
  const t = constantIn(node.scope, name);
  return t ? { dims: t.dims, dtype: t.dtype.name } : undefined;
}

/** The cost of every main-graph node but Constant, in node order. */
export function staticCosts(model: LoadedModel, inference: ShapeInference): StaticCost[] {
  const main = model.scopes[0];
  if (!main) return [];
  return main.nodes
    .filter((n) => n.opType !== 'Constant')
    .map((node) => {
      let complete = true;
      const shape = (name: string): TensorShape | undefined => {
        if (!name) return undefined;
        const s = shapeOf(node, name, inference);
        if (!s) complete = false;
        return s;
      };
      const inputs = node.inputs.map(shape);
      const outputs = node.outputs.map(shape);
      return { node, cost: opCost(node.opType, node.domain, nodeAttrs(node), inputs, outputs), complete };
    });
}

export interface ValueSize {
  name: string;
  /** At the dtype's width (4-bit types two per byte); may pass 2^53 for hostile shapes. */
  bytes: number;
  dims: number[];
  dtype: DTypeName;
}

/** Bytes of a value whose dtype and every dim static inference knows; undefined otherwise. */
export function inferredBytes(v: InferredValue | undefined): number | undefined {
  const dims = fullDims(v);
  return dims && v?.dtype ? rawByteLength(dtypeByName(v.dtype), product(dims)) : undefined;
}

/**
 * The `n` values of known size holding the most bytes, largest first: what a run would have to
 * allocate, checked before running (a 94-byte model can Expand a scalar to 2^30 floats).
 */
export function largestValues(inference: ShapeInference, n: number): ValueSize[] {
  const sized: ValueSize[] = [];
  for (const [name, v] of inference.values) {
    const dims = fullDims(v);
    if (!dims || !v.dtype) continue;
    const bytes = rawByteLength(dtypeByName(v.dtype), product(dims));
    if (Number.isFinite(bytes)) sized.push({ name, bytes, dims: [...dims], dtype: v.dtype });
  }
  return sized.sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1)).slice(0, Math.max(0, n));
}
