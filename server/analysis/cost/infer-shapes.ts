import type { onnx } from 'onnx-proto';
import { dtypeById } from '../../onnx/dtypes';
import { attr, isStandardDomain, type NodeRef } from '../../onnx/graph';
import type { LoadedModel } from '../../onnx/load';
import { int64ToNumber, type Int64Like } from '../../onnx/long';
import type { TensorRef } from '../../onnx/tensor';
import { isLazyTensor } from '../../onnx/tensor-proto';
import { toTensorRef } from '../../onnx/tensor-ref';
import { smallValues } from '../../onnx/values';
import { nodeAttrs } from './node-attrs';
import { FOLD_LIMIT, UNKNOWN, isSize, type Dim, type InferredValue, type ShapeContext } from './shape-dims';
import { ruleFor } from './shape-rules';

/**
 * Static shape inference over the main graph, from the model alone: what each value's dims and
 * dtype will be for given input dims, so per-layer costs exist without a run and absurd sizes
 * are caught before one. One pass in node order (ONNX graphs are topologically sorted), Maps
 * only, small integer tensors folded so that shape computations resolve.
 */

export type { Dim, InferredValue };

export interface ShapeInference {
  values: Map<string, InferredValue>;
  /** Op types met with no rule (their outputs unknown); other domains as 'domain:OpType'. */
  unknownOps: string[];
}

/**
 * Seeds: the graph inputs at the caller's dims, every constant of the main graph (initializers
 * and Constant nodes: dims, and values when small), and the shapes the model declares
 * (value_info, outputs), used only where a rule leaves a dim or a dtype unknown.
 */
export function inferShapes(model: LoadedModel, inputShapes: ReadonlyMap<string, readonly (number | null)[]>): ShapeInference {
  const values = new Map<string, InferredValue>();
  const main = model.scopes[0];
  const g = model.proto.graph;
  if (!main || !g) return { values, unknownOps: [] };
  const declared = declaredValues(g, inputShapes);
  for (const [name, t] of main.constants) values.set(name, constantValue(t));
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (!name || main.constants.has(name)) continue;
    const dec = declared.get(name);
    const given = inputShapes.get(name);
    values.set(name, { dims: given ? given.map((d) => (isSize(d) ? d : null)) : dec?.dims ?? null, dtype: dec?.dtype ?? null });
  }
  const opset = model.opsets['ai.onnx'] ?? model.opsets[''] ?? 1;
  const unknownOps = new Set<string>();
  for (const node of main.nodes) {
    if (node.opType === 'Constant' && isStandardDomain(node.domain) && values.has(node.outputs[0] ?? '')) continue;
    const outs = applyRule(node, opset, values, model.path, unknownOps);
    node.outputs.forEach((name, i) => {
      if (name) values.set(name, withDeclared(checked(outs[i]), declared.get(name)));
    });
  }
  return { values, unknownOps: [...unknownOps] };
}

function applyRule(
  node: NodeRef, opset: number, values: ReadonlyMap<string, InferredValue>, file: string, unknownOps: Set<string>,
): readonly (InferredValue | undefined)[] {
  const rule = ruleFor(node.domain, node.opType);
  if (!rule) {
    unknownOps.add(isStandardDomain(node.domain) ? node.opType : `${node.domain}:${node.opType}`);
    return [];
  }
  try {
    return rule(context(node, opset, values, file));
  } catch {
    // A malformed node (attributes of the wrong type, say) means unknown outputs, not a failed analysis.
    return [];
  }
}

function context(node: NodeRef, opset: number, values: ReadonlyMap<string, InferredValue>, file: string): ShapeContext {
  return {
    node, opset, attrs: nodeAttrs(node),
    input: (i) => {
      const name = node.inputs[i];
      return name ? values.get(name) ?? UNKNOWN : undefined;
    },
    floats: (name) => {
      const a = attr(node, name);
      return a?.floats?.length ? [...a.floats] : undefined;
    },
    tensorAttr: (name) => {
      const t = attr(node, name)?.t;
      if (!isLazyTensor(t)) return undefined;
      try {
        const ref = toTensorRef(t, { file, location: 'constant', graph: 'main', name: `${node.name}.${name}` });
        return { dtype: ref.dtype.name, values: readSmall(ref) };
      } catch {
        return undefined;
      }
    },
  };
}

/** Values of a constant small enough to fold, when they are in memory and finite. */
function readSmall(t: TensorRef): number[] | undefined {
  if (t.elements > FOLD_LIMIT || !t.dtype.numeric) return undefined;
  try {
    const v = smallValues(t);
    return v && v.every(Number.isFinite) ? Array.from(v) : undefined;
  } catch {
    // Corrupt typed fields: the dims still stand.
    return undefined;
  }
}

function constantValue(t: TensorRef): InferredValue {
  const values = readSmall(t);
  const v: InferredValue = { dims: [...t.dims], dtype: t.dtype.name };
  return values ? { ...v, values } : v;
}

/** A rule's result made safe: sizes whole and finite, values only when they fill the known dims. */
function checked(v: InferredValue | undefined): InferredValue {
  if (!v) return { dims: null, dtype: null };
  const dims = Array.isArray(v.dims) ? v.dims.map((d) => (isSize(d) ? d : null)) : null;
  const dtype = v.dtype ?? null;
  let n = dims ? 1 : -1;
  for (const d of dims ?? []) n = d === null || n < 0 ? -1 : n * d;
  const ok = v.values !== undefined && n >= 0 && n <= FOLD_LIMIT && v.values.length === n && v.values.every(Number.isFinite);
  return ok ? { dims, dtype, values: v.values } : { dims, dtype };
}

/** The rule's dims and dtype, with what the model declares filling what the rule left unknown. */
function withDeclared(rule: InferredValue, dec: InferredValue | undefined): InferredValue {
  if (!dec) return rule;
  const dims = !rule.dims ? dec.dims && [...dec.dims]
    : dec.dims && dec.dims.length === rule.dims.length ? rule.dims.map((d, i) => d ?? dec.dims![i]) : rule.dims;
  return { ...rule, dims, dtype: rule.dtype ?? dec.dtype };
}

/**
 * The shapes the model declares (inputs, value_info, outputs). A symbolic dim named on a graph
 * input takes the size the caller gave there (one dim_param means one size across the graph);
 * other symbolic dims are unknown.
 */
function declaredValues(g: onnx.IGraphProto, inputShapes: ReadonlyMap<string, readonly (number | null)[]>): Map<string, InferredValue> {
  const bind = bindings(g, inputShapes);
  const out = new Map<string, InferredValue>();
  for (const list of [g.input, g.valueInfo, g.output])
    for (const vi of list ?? []) if (vi.name) out.set(vi.name, declared(vi, bind));
  return out;
}

function bindings(g: onnx.IGraphProto, inputShapes: ReadonlyMap<string, readonly (number | null)[]>): Map<string, number | null> {
  const bind = new Map<string, number | null>();
  for (const vi of g.input ?? []) {
    const given = inputShapes.get(vi.name ?? '');
    (vi.type?.tensorType?.shape?.dim ?? []).forEach((d, i) => {
      const size = given?.[i];
      if (!d.dimParam || (d.dimValue !== null && d.dimValue !== undefined) || !isSize(size)) return;
      // The same name bound to two sizes: the model's names are not to be trusted, so neither holds.
      bind.set(d.dimParam, bind.has(d.dimParam) && bind.get(d.dimParam) !== size ? null : size);
    });
  }
  return bind;
}

function declared(vi: onnx.IValueInfoProto, bind: ReadonlyMap<string, number | null>): InferredValue {
  const t = vi.type?.tensorType;
  const dtype = t?.elemType ? dtypeById(t.elemType)?.name ?? null : null;
  const dims = t?.shape ? (t.shape.dim ?? []).map((d): Dim => {
    if (d.dimValue !== null && d.dimValue !== undefined) {
      const v = int64ToNumber(d.dimValue as Int64Like);
      return isSize(v) ? v : null;
    }
    return d.dimParam ? bind.get(d.dimParam) ?? null : null;
  }) : null;
  return { dims, dtype };
}
