import { constantIn, constantInput, intAttr, intsAttr, isStandardDomain, producerOf, type NodeRef } from '../../onnx/graph';
import { product, type TensorRef } from '../../onnx/tensor';
import { smallValues } from '../../onnx/values';
import { convTransposeView, convView, kMajorView, rowMajorView, type GemmView, type ViewResult } from './gemm-view';
import { dequantizeSource, type QuantSource } from './dequantize-source';

/** Compute ops whose cost sparsity can cut (../shared/DESIGN.md "Layers"). */
export const LAYER_OPS = new Set([
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger',
]);

export interface Layer {
  readonly node: NodeRef;
  /** The constant weight, when the operand is one (possibly behind Cast/DequantizeLinear/Transpose/Reshape). */
  readonly weight?: TensorRef;
  readonly view?: GemmView;
  readonly quant?: QuantSource;
  /** Why the weight has no GEMM view, when it has none. */
  readonly problem?: string;
}

/** One operand slot per layer op: which input is the weight and how to view it. */
function operand(node: NodeRef): { input: number; view: (dims: readonly number[], transposed: boolean) => ViewResult; zp?: number; scale?: number; zpAxis: (rank: number) => number }[] {
  const group = intAttr(node, 'group', 1);
  const conv = (dims: readonly number[], transposed: boolean): ViewResult =>
    transposed ? { problem: 'weight reaches the Conv through a Transpose' } : convView(dims, group);
  const matmulB = (dims: readonly number[], transposed: boolean): ViewResult =>
    transposed ? rowMajorView(dims) : kMajorView(dims);
  const matmulA = (dims: readonly number[], transposed: boolean): ViewResult =>
    transposed ? kMajorView(dims) : rowMajorView(dims);
  const last = (rank: number): number => rank - 1;
  const first = (): number => 0;
  switch (node.opType) {
    case 'Conv': return [{ input: 1, view: conv, zpAxis: first }];
    case 'ConvInteger': return [{ input: 1, view: conv, zp: 3, zpAxis: first }];
    case 'QLinearConv': return [{ input: 3, view: conv, scale: 4, zp: 5, zpAxis: first }];
    case 'ConvTranspose':
      return [{ input: 1, zpAxis: first, view: (d, t) => t ? { problem: 'weight reaches the ConvTranspose through a Transpose' } : convTransposeView(d, group) }];
    case 'Gemm': {
      const transB = intAttr(node, 'transB', 0) === 1;
      return [{ input: 1, zpAxis: last, view: (d, t) => (transB !== t ? rowMajorView(d) : kMajorView(d)) }];
    }
    case 'MatMul': return [{ input: 1, view: matmulB, zpAxis: last }, { input: 0, view: matmulA, zpAxis: last }];
    case 'MatMulInteger': return [{ input: 1, view: matmulB, zp: 3, zpAxis: last }, { input: 0, view: matmulA, zp: 2, zpAxis: last }];
    case 'QLinearMatMul':
      return [{ input: 3, view: matmulB, scale: 4, zp: 5, zpAxis: last }, { input: 0, view: matmulA, scale: 1, zp: 2, zpAxis: last }];
    default: return [];
  }
}

/** Finds every layer of the model and the constant weight each multiplies by, if any. */
export function findLayers(nodes: readonly NodeRef[]): Layer[] {
  const layers: Layer[] = [];
  for (const node of nodes) {
    if (!LAYER_OPS.has(node.opType) || !isStandardDomain(node.domain)) continue;
    let found: Layer | undefined;
    for (const slot of operand(node)) {
      const name = node.inputs[slot.input];
      if (!name) continue;
      const traced = traceConstant(node, name);
      if (!traced) continue;
      if ('problem' in traced) {
        found = { node, weight: traced.source, problem: traced.problem };
        break;
      }
      const viewed = checkedView(slot.view(traced.dims, traced.transposed), traced.dims, traced.tensor.elements);
      let quant = traced.quant;
      if (!quant && slot.zp !== undefined) {
        const zp = constantInput(node, slot.zp);
        const scale = slot.scale !== undefined ? constantInput(node, slot.scale) : undefined;
        if (zp || scale) quant = { zeroPoint: zp, scale, axis: slot.zpAxis(traced.tensor.dims.length) };
      }
      found = 'view' in viewed
        ? { node, weight: traced.tensor, view: viewed.view, quant }
        : { node, weight: traced.tensor, quant, problem: viewed.problem };
      break;
    }
    layers.push(found ?? { node });
  }
  return layers;
}

/**
 * A view is only usable if it is exactly the weight: whole positive rows and K whose product is
 * its element count. A Reshape target with -1 can make K fractional (1440 / 7), an empty axis
 * makes every loop over rows spin for nothing: both are reported, never measured.
 */
function checkedView(v: ViewResult, dims: readonly number[], elements: number): ViewResult {
  if (!('view' in v)) return v;
  if (elements === 0) return { problem: `the weight is empty (shape [${dims.join(', ')}])` };
  const { rows, k } = v.view;
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(k) || rows < 1 || k < 1 || rows * k !== elements)
    return { problem: `shape [${dims.join(', ')}] as the layer reads it is not a ${elements}-element matrix (rows ${rows}, K ${k})` };
  return v;
}

/** The constant was found but its shape on arrival cannot be told. */
export interface Untraceable {
  source: TensorRef;
  problem: string;
}

interface Traced {
  tensor: TensorRef;
  /** The shape of the weight's memory as the layer reads it (after any Reshape/Flatten/Squeeze/Unsqueeze). */
  dims: readonly number[];
  /** The layer sees it with its last two axes swapped (Transpose on the way). */
  transposed: boolean;
  quant?: QuantSource;
}

const MAX_CHAIN = 16;

/**
 * Follows a value back through ops that keep a constant constant (Identity, Cast,
 * DequantizeLinear, Transpose, Reshape, Flatten, Squeeze, Unsqueeze) to the tensor it comes from.
 */
export function traceConstant(consumer: NodeRef, value: string): Traced | Untraceable | undefined {
  const chain: NodeRef[] = [];
  let name = value;
  for (let hops = 0; hops <= MAX_CHAIN; hops++) {
    const tensor = constantIn(consumer.scope, name);
    if (tensor) return replay(tensor, chain.reverse());
    const p = producerOf(consumer.scope, name);
    if (!p || !PASS_THROUGH.has(p.opType) || !p.inputs[0]) return undefined;
    chain.push(p);
    name = p.inputs[0];
  }
  return undefined;
}

export const PASS_THROUGH = new Set(['Identity', 'Cast', 'DequantizeLinear', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

/** Applies the chain's shape changes, from the tensor to the consumer. */
function replay(tensor: TensorRef, chain: NodeRef[]): Traced | Untraceable {
  let dims = [...tensor.dims];
  let transposed = false;
  let quant: QuantSource | undefined;
  for (const op of chain) {
    switch (op.opType) {
      case 'DequantizeLinear': {
        if (dims.length !== tensor.dims.length || transposed)
          return { source: tensor, problem: `DequantizeLinear ${op.name} follows a reshape of its weight` };
        quant = dequantizeSource(op, dims.length);
        break;
      }
      case 'Transpose': {
        const perm = intsAttr(op, 'perm') ?? dims.map((_, i) => dims.length - 1 - i);
        const r = perm.length;
        const swapsLastTwo = r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 2 ? r - 1 : r - 2)));
        if (!swapsLastTwo) return { source: tensor, problem: `Transpose ${op.name} with perm [${perm.join(', ')}] is not a matrix transpose` };
        // dims stay those of the memory layout; the view functions are told it arrives transposed.
        transposed = !transposed;
        break;
      }
      case 'Reshape': case 'Flatten': case 'Squeeze': case 'Unsqueeze': {
        if (transposed) return { source: tensor, problem: `${op.opType} ${op.name} reshapes a transposed weight` };
        const next = reshaped(op, dims);
        if (!next) return { source: tensor, problem: `cannot tell the shape ${op.opType} ${op.name} gives its weight` };
        dims = next;
        break;
      }
    }
  }
  return { tensor, dims, transposed, quant };
}

function constInts(op: NodeRef, input: number): number[] | undefined {
  const t = constantInput(op, input);
  const v = t ? smallValues(t) : undefined;
  return v ? Array.from(v) : undefined;
}

function reshaped(op: NodeRef, dims: number[]): number[] | undefined {
  const total = product(dims);
  const norm = (axes: number[], rank: number): number[] => axes.map((a) => (a < 0 ? a + rank : a));
  switch (op.opType) {
    case 'Flatten': {
      let axis = intAttr(op, 'axis', 1);
      if (axis < 0) axis += dims.length;
      const outer = product(dims.slice(0, axis));
      return [outer, total / outer];
    }
    case 'Squeeze': {
      const axes = intsAttr(op, 'axes') ?? constInts(op, 1);
      if (!axes) return dims.filter((d) => d !== 1);
      const drop = new Set(norm(axes, dims.length));
      return dims.filter((_, i) => !drop.has(i));
    }
    case 'Unsqueeze': {
      const axes = intsAttr(op, 'axes') ?? constInts(op, 1);
      if (!axes) return undefined;
      const rank = dims.length + axes.length;
      const add = new Set(norm(axes, rank));
      const out: number[] = [];
      for (let i = 0, j = 0; i < rank; i++) out.push(add.has(i) ? 1 : dims[j++]);
      return out;
    }
    default: {
      const shape = constInts(op, 1);
      if (!shape) return undefined;
      const out = shape.map((d, i) => (d === 0 ? dims[i] : d));
      const known = product(out.filter((d) => d !== -1));
      return out.map((d) => (d === -1 ? total / known : d));
    }
  }
}
