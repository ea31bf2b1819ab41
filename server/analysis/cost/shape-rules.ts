import { dtypeById } from '../../onnx/dtypes';
import { isStandardDomain } from '../../onnx/graph';
import { broadcastAll, fullDims, intValues, normAxes, normAxis, sameAs, scalarValue, unknownOf, valueOf, type InferredValue, type ShapeRule } from './shape-dims';
import { CONTRIB_RULES, NN_RULES } from './shape-rules-nn';
import { TENSOR_RULES } from './shape-rules-tensor';
import { elementwiseFn, known, mapBroadcast, reduceValues, toDtype, type Known, type Reduction } from './shape-values';

/**
 * The rule table: every op type we infer shapes for, by domain. Elementwise, reduction and
 * quantization rules live here; shape-rules-nn.ts and shape-rules-tensor.ts hold the rest.
 */

/** Which dtype an elementwise op's result has. */
type ResultType = 'first' | 'bool' | 'second';

/** numpy-broadcast elementwise ops, with small known operands folded. */
function broadcast(result: ResultType): ShapeRule {
  return (c) => {
    const ins = c.node.inputs.map((_, i) => c.input(i)).filter((v): v is InferredValue => v !== undefined);
    const operandType = (result === 'second' ? ins[1]?.dtype : ins[0]?.dtype) ?? null;
    const dtype = result === 'bool' ? 'bool' : operandType;
    if (!ins.length || ins.some((v) => !v.dims)) return [unknownOf(dtype)];
    const dims = broadcastAll(ins.map((v) => v.dims!));
    if (!dims) return [unknownOf(dtype)];
    const ks = ins.map(known);
    const full = fullDims({ dims, dtype });
    const f = elementwiseFn(c.node.opType, operandType, c.attrs.int('fmod', 0));
    const values = f && full && ks.every((k): k is Known => k !== undefined) ? mapBroadcast(ks, full, f) : undefined;
    return [valueOf(dims, dtype, values)];
  };
}

/** Shape-preserving ops of one tensor; those elementwiseFn knows fold their values too. */
function unary(result: ResultType = 'first'): ShapeRule {
  return (c) => {
    const x = c.input(0);
    const dtype = result === 'bool' ? 'bool' : x?.dtype ?? null;
    const k = known(x);
    const f = elementwiseFn(c.node.opType, x?.dtype ?? null);
    return [valueOf(x?.dims ? [...x.dims] : null, dtype, k && f ? mapBroadcast([k], k.dims, f) : undefined)];
  };
}

const cast: ShapeRule = (c) => {
  const x = c.input(0);
  const to = c.node.opType === 'CastLike' ? c.input(1)?.dtype ?? null : dtypeById(c.attrs.int('to', 0))?.name ?? null;
  const values = x?.values && to ? x.values.map((v) => toDtype(v, to)) : undefined;
  return [valueOf(x?.dims ? [...x.dims] : null, to, values)];
};

/** Dropout: the output and (when asked for) a bool mask of the same shape. */
const dropout: ShapeRule = (c) => [unary()(c)[0], sameAs(c.input(0), 'bool')];

/** QuantizeLinear: x's shape at the zero point's dtype (or opset 21's output_dtype), uint8 by default. */
const quantize: ShapeRule = (c) => {
  const explicit = dtypeById(c.attrs.int('output_dtype', 0))?.name;
  return [sameAs(c.input(0), explicit ?? c.input(2)?.dtype ?? 'uint8')];
};

/** DequantizeLinear: x's shape at the scale's dtype (float32 before opset 19, when scale must be float32). */
const dequantize: ShapeRule = (c) => [sameAs(c.input(0), c.input(1)?.dtype ?? 'float32')];

const dynamicQuantize: ShapeRule = (c) => [sameAs(c.input(0), 'uint8'), { dims: [], dtype: 'float32' }, { dims: [], dtype: 'uint8' }];

/** Reduce*: axes from the attribute before `inputFrom` (13 for ReduceSum, 18 for the rest), from input 1 after. */
function reduce(inputFrom: number, kind?: Reduction): ShapeRule {
  return (c) => {
    const x = c.input(0);
    const d = x?.dims;
    const dtype = x?.dtype ?? null;
    const keep = c.attrs.int('keepdims', 1) !== 0;
    const axesIn = c.opset >= inputFrom ? c.input(1) : undefined;
    const axes = c.opset >= inputFrom ? (axesIn ? intValues(axesIn) : []) : c.attrs.ints('axes') ?? [];
    if (!d) return [unknownOf(dtype)];
    if (!axes) return [keep ? { dims: d.map(() => null), dtype } : unknownOf(dtype)];
    if (!axes.length && c.attrs.int('noop_with_empty_axes', 0) !== 0) return [valueOf([...d], dtype, x.values)];
    const a = axes.length ? normAxes(axes, d.length) : d.map((_, i) => i);
    if (!a) return [unknownOf(dtype)];
    const dims = keep ? d.map((e, i) => (a.includes(i) ? 1 : e)) : d.filter((_, i) => !a.includes(i));
    const k = known(x);
    return [valueOf(dims, dtype, kind && k ? reduceValues(k, a, kind) : undefined)];
  };
}

/** ArgMax/ArgMin: one axis reduced, int64. */
const argReduce: ShapeRule = (c) => {
  const d = c.input(0)?.dims;
  const a = d ? normAxis(c.attrs.int('axis', 0), d.length) : undefined;
  if (!d || a === undefined) return [unknownOf('int64')];
  const keep = c.attrs.int('keepdims', 1) !== 0;
  return [{ dims: keep ? d.map((e, i) => (i === a ? 1 : e)) : d.filter((_, i) => i !== a), dtype: 'int64' }];
};

/** TopK: values and int64 indices, `axis` cut to K (an attribute before opset 10, input 1 from it). */
const topK: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  const a = d ? normAxis(c.attrs.int('axis', -1), d.length) : undefined;
  if (!d || a === undefined) return [unknownOf(x?.dtype ?? null), unknownOf('int64')];
  const k = c.opset < 10 ? c.attrs.int('k', -1) : scalarValue(c.input(1));
  const dims = d.map((e, i) => (i === a ? (k !== undefined && k >= 0 ? k : null) : e));
  return [{ dims, dtype: x.dtype }, { dims: [...dims], dtype: 'int64' }];
};

/** com.microsoft SkipLayerNormalization: its first output is shaped like input 0 (the rest are left unknown). */
const skipLayerNorm: ShapeRule = (c) => [sameAs(c.input(0))];

const BROADCAST_FIRST = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Mean', 'Sum', 'Mod', 'PRelu', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor'];
const BROADCAST_BOOL = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor'];
const UNARY = [
  'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Gelu', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Softplus', 'Softsign',
  'Mish', 'ThresholdedRelu', 'Shrink', 'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Sin',
  'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Clip', 'Identity', 'BitwiseNot',
  'Softmax', 'LogSoftmax', 'Hardmax', 'InstanceNormalization', 'LpNormalization', 'LRN', 'MeanVarianceNormalization',
  'Trilu', 'CumSum', 'ScatterND', 'ScatterElements', 'Scatter', 'ReverseSequence',
];
const REDUCE: Record<string, Reduction | undefined> = {
  ReduceMean: 'Mean', ReduceMax: 'Max', ReduceMin: 'Min', ReduceProd: 'Prod',
  ReduceL1: undefined, ReduceL2: undefined, ReduceLogSum: undefined, ReduceLogSumExp: undefined, ReduceSumSquare: undefined,
};

function standardRules(): Map<string, ShapeRule> {
  const m = new Map<string, ShapeRule>(Object.entries({ ...TENSOR_RULES, ...NN_RULES }));
  for (const op of BROADCAST_FIRST) m.set(op, broadcast('first'));
  for (const op of BROADCAST_BOOL) m.set(op, broadcast('bool'));
  for (const op of UNARY) m.set(op, unary());
  for (const op of ['Not', 'IsNaN', 'IsInf']) m.set(op, unary('bool'));
  for (const [op, kind] of Object.entries(REDUCE)) m.set(op, reduce(18, kind));
  m.set('ReduceSum', reduce(13, 'Sum'));
  m.set('Where', broadcast('second'));
  m.set('Cast', cast);
  m.set('CastLike', cast);
  m.set('Dropout', dropout);
  m.set('QuantizeLinear', quantize);
  m.set('DequantizeLinear', dequantize);
  m.set('DynamicQuantizeLinear', dynamicQuantize);
  m.set('ArgMax', argReduce);
  m.set('ArgMin', argReduce);
  m.set('TopK', topK);
  return m;
}

function contribRules(): Map<string, ShapeRule> {
  const m = new Map<string, ShapeRule>(Object.entries(CONTRIB_RULES));
  for (const op of ['Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu']) m.set(op, unary());
  m.set('SkipLayerNormalization', skipLayerNorm);
  return m;
}

const STANDARD = standardRules();
const CONTRIB = contribRules();

/** The shape rule of an op, or undefined when we have none (its outputs stay unknown). */
export function ruleFor(domain: string, opType: string): ShapeRule | undefined {
  if (isStandardDomain(domain)) return STANDARD.get(opType);
  return domain === 'com.microsoft' ? CONTRIB.get(opType) : undefined;
}
