import { onnx } from 'onnx-proto';
import { AnalysisError } from '../errors';
import { dtypeByName } from './dtypes';
import { int64ToNumber, type Int64Like } from './long';
import { isLazyTensor } from './tensor-proto';
import { toTensorRef } from './tensor-ref';
import type { TensorRef, WeightLocation } from './tensor';

/** One graph body: the main graph, a subgraph of If/Loop/Scan, or a local function. */
export interface GraphScope {
  readonly path: string;
  readonly kind: 'main' | 'subgraph' | 'function';
  readonly parent?: GraphScope;
  readonly constants: Map<string, TensorRef>;
  readonly producers: Map<string, NodeRef>;
  readonly nodes: NodeRef[];
}

export interface NodeRef {
  readonly proto: onnx.INodeProto;
  /** The node's name, or `${opType}_${index}` when it has none. */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly scope: GraphScope;
}

export interface ModelGraphs {
  readonly scopes: GraphScope[];
  readonly nodes: NodeRef[];
  readonly tensors: TensorRef[];
  readonly warnings: string[];
}

/** The default ONNX domain ('' or its name): a contrib op of the same name may mean something else. */
export function isStandardDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** Walks the main graph, every nested subgraph and every local function, collecting constant tensors. */
export function walkModel(model: onnx.IModelProto, file: string): ModelGraphs {
  const out: ModelGraphs = { scopes: [], nodes: [], tensors: [], warnings: [] };
  if (model.graph) walkGraph(model.graph, 'main', 'main', undefined, file, out);
  for (const f of model.functions ?? []) {
    const path = `function:${f.domain ? `${f.domain}.` : ''}${f.name ?? ''}`;
    const scope = newScope(path, 'function', undefined);
    out.scopes.push(scope);
    walkNodes(f.node ?? [], scope, file, out);
  }
  return out;
}

function newScope(path: string, kind: GraphScope['kind'], parent: GraphScope | undefined): GraphScope {
  return { path, kind, parent, constants: new Map(), producers: new Map(), nodes: [] };
}

function walkGraph(
  g: onnx.IGraphProto, path: string, kind: GraphScope['kind'], parent: GraphScope | undefined,
  file: string, out: ModelGraphs,
): void {
  const scope = newScope(path, kind, parent);
  out.scopes.push(scope);
  const location: WeightLocation = kind === 'main' ? 'initializer' : 'subgraph';
  for (const t of g.initializer ?? []) {
    if (!isLazyTensor(t)) throw new Error('model was not decoded with lazy tensors');
    addTensor(scope, toTensorRef(t, { file, location, graph: path }), out);
  }
  for (const s of g.sparseInitializer ?? [])
    out.warnings.push(`sparse initializer '${s.values?.name ?? ''}' in ${path} is not analysed (sparse_initializer storage)`);
  walkNodes(g.node ?? [], scope, file, out);
}

function walkNodes(nodes: onnx.INodeProto[], scope: GraphScope, file: string, out: ModelGraphs): void {
  nodes.forEach((proto, index) => {
    const opType = proto.opType ?? '';
    const node: NodeRef = {
      proto, opType, scope,
      name: proto.name || `${opType}_${index}`,
      domain: proto.domain ?? '',
      inputs: proto.input ?? [],
      outputs: proto.output ?? [],
    };
    scope.nodes.push(node);
    out.nodes.push(node);
    for (const o of node.outputs) if (o) scope.producers.set(o, node);
    if (opType === 'Constant' && isStandardDomain(node.domain)) constantTensor(node, file, out);
    for (const a of proto.attribute ?? []) {
      if (a.g) walkGraph(a.g, `${scope.path}/${node.name}.${a.name}`, 'subgraph', scope, file, out);
      (a.graphs ?? []).forEach((sub, i) =>
        walkGraph(sub, `${scope.path}/${node.name}.${a.name}[${i}]`, 'subgraph', scope, file, out));
    }
  });
}

function constantTensor(node: NodeRef, file: string, out: ModelGraphs): void {
  const scope = node.scope;
  const location: WeightLocation = scope.kind === 'main' ? 'constant' : scope.kind === 'function' ? 'function' : 'subgraph';
  const name = node.outputs[0] ?? node.name;
  const place = { file, location, graph: scope.path, name };
  for (const a of node.proto.attribute ?? []) {
    switch (a.name) {
      case 'value':
        if (!isLazyTensor(a.t)) throw new AnalysisError('Constant has no tensor in its value attribute', { file, op: node.name });
        addTensor(scope, toTensorRef(a.t, place), out);
        return;
      case 'value_float': return addTensor(scope, numbers(place, 'float32', [], [a.f ?? 0]), out);
      case 'value_floats': return addTensor(scope, numbers(place, 'float32', [a.floats?.length ?? 0], a.floats ?? []), out);
      case 'value_int': return addTensor(scope, numbers(place, 'int64', [], [int64ToNumber((a.i ?? 0) as Int64Like)]), out);
      case 'value_ints': {
        const ints = (a.ints ?? []).map((v) => int64ToNumber(v as Int64Like));
        return addTensor(scope, numbers(place, 'int64', [ints.length], ints), out);
      }
      case 'sparse_value':
        out.warnings.push(`Constant '${name}' in ${scope.path} holds a sparse tensor, which is not analysed`);
        return;
    }
  }
}

function numbers(place: { location: WeightLocation; graph: string; name: string }, dtype: 'float32' | 'int64',
  dims: number[], values: number[]): TensorRef {
  return {
    name: place.name, dtype: dtypeByName(dtype), dims, elements: values.length, location: place.location,
    graph: place.graph, data: { kind: 'numbers', values: Float64Array.from(values) },
  };
}

function addTensor(scope: GraphScope, t: TensorRef, out: ModelGraphs): void {
  scope.constants.set(t.name, t);
  out.tensors.push(t);
}

/** The constant a value name refers to in this scope, looking outward as subgraphs may. */
export function constantIn(scope: GraphScope, name: string): TensorRef | undefined {
  for (let s: GraphScope | undefined = scope; s; s = s.parent) {
    const t = s.constants.get(name);
    if (t) return t;
    if (s.producers.has(name)) return undefined;
  }
  return undefined;
}

/** The constant feeding a node's input `i`, when that input is given and constant. */
export function constantInput(node: NodeRef, i: number): TensorRef | undefined {
  const name = node.inputs[i];
  return name ? constantIn(node.scope, name) : undefined;
}

/** The node producing a value in this scope (or an enclosing one). */
export function producerOf(scope: GraphScope, name: string): NodeRef | undefined {
  for (let s: GraphScope | undefined = scope; s; s = s.parent) {
    const p = s.producers.get(name);
    if (p) return p;
    if (s.constants.has(name)) return undefined;
  }
  return undefined;
}

export function attr(node: NodeRef, name: string): onnx.IAttributeProto | undefined {
  return node.proto.attribute?.find((a) => a.name === name);
}

export function intAttr(node: NodeRef, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.i === undefined || a.i === null ? fallback : int64ToNumber(a.i as Int64Like);
}

export function intsAttr(node: NodeRef, name: string): number[] | undefined {
  const a = attr(node, name);
  return a?.ints?.length ? a.ints.map((v) => int64ToNumber(v as Int64Like)) : undefined;
}
