import { attr, intAttr, intsAttr, type NodeRef } from '../../onnx/graph';
import type { DTypeName } from '../../onnx/dtypes';

/** A value's shape and dtype as the cost functions take them (from a run, or inferred). */
export interface TensorShape {
  dims: readonly number[];
  dtype: DTypeName;
}

/** Reads a node's attributes, so the cost functions stay independent of onnx-proto. */
export interface NodeAttrs {
  int(name: string, fallback: number): number;
  ints(name: string): number[] | undefined;
  string(name: string): string | undefined;
}

const utf8 = new TextDecoder();

/** NodeAttrs over an ONNX node, with graph.ts's int readers and a UTF-8 string reader. */
export function nodeAttrs(node: NodeRef): NodeAttrs {
  return {
    int: (name, fallback) => intAttr(node, name, fallback),
    ints: (name) => intsAttr(node, name),
    string: (name) => {
      const s = attr(node, name)?.s;
      return s ? utf8.decode(s) : undefined;
    },
  };
}
