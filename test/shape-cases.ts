import type { AttrValue } from '../server/onnx/builder';
import type { DTypeName } from '../server/onnx/dtypes';
import type { Dim } from '../server/analysis/cost/infer-shapes';

/**
 * One-node models for the shape rules, each with its expected output shapes worked out by hand
 * from the ONNX operator spec (the comment shows the arithmetic). infer-shapes.test.ts builds
 * each, infers it, and also runs it with onnxruntime to confirm the figures.
 */

export type In =
  /** A float32 graph input of these dims. */
  | number[]
  /** A graph input of another dtype. */
  | { input: DTypeName; dims: number[] }
  /** Constants: int64, float32, uint8 (dims default [n]). */
  | { i64: number[]; dims?: number[] }
  | { f32: number[]; dims?: number[] }
  | { u8: number[]; dims?: number[] }
  /** An optional input left out (''). */
  | null;

export interface OpCase {
  name: string;
  op: string;
  opset?: number;
  domain?: string;
  attrs?: Record<string, AttrValue>;
  inputs: In[];
  /** Expected dims per output: null = rank unknown, a null dim = size unknown. */
  out: (Dim[] | null)[];
  /** Expected dtype per output, where the case is about it. */
  dtypes?: (DTypeName | null)[];
  /** Expected folded values of output 0. */
  values?: number[];
  /** onnxruntime cannot run it (another domain, an invalid node): the hand figures alone. */
  noOrt?: boolean;
}

const scalar = (v: number): In => ({ f32: [v], dims: [] });
const zp = (v = 128): In => ({ u8: [v], dims: [] });
const u8 = (dims: number[]): In => ({ input: 'uint8', dims });
const BIG = 2 ** 62;

const UNARY = ['Relu', 'Sigmoid', 'Tanh', 'Erf', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Elu', 'Selu', 'Softplus', 'Exp', 'Log', 'Sqrt', 'Abs',
  'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Clip', 'Identity', 'Softmax', 'LogSoftmax'];

export const ELEMENTWISE: OpCase[] = [
  { name: 'Add broadcasts [2,1,4] with [3,1] to [2,3,4]', op: 'Add', inputs: [[2, 1, 4], [3, 1]], out: [[2, 3, 4]] },
  ...['Sub', 'Mul', 'Div', 'Max', 'Min'].map((op): OpCase => ({ name: `${op} broadcasts [2,3] with [3]`, op, inputs: [[2, 3], [3]], out: [[2, 3]] })),
  ...['Sum', 'Mean', 'Max', 'Min'].map((op): OpCase => ({ name: `${op} of three broadcasts [2,3], [3], [1,1]`, op, inputs: [[2, 3], [3], [1, 1]], out: [[2, 3]] })),
  { name: 'Pow of [2,3] by a scalar', op: 'Pow', inputs: [[2, 3], []], out: [[2, 3]] },
  { name: 'PRelu keeps X [1,3,4,4] with slope [3,1,1]', op: 'PRelu', inputs: [[1, 3, 4, 4], [3, 1, 1]], out: [[1, 3, 4, 4]] },
  { name: 'Where: [2,1] x [1,3] x [] -> [2,3] at the dtype of X', op: 'Where', inputs: [{ input: 'bool', dims: [2, 1] }, [1, 3], []], out: [[2, 3]], dtypes: ['float32'] },
  ...['Equal', 'Less', 'Greater'].map((op): OpCase => ({ name: `${op} gives bool`, op, inputs: [[4], [1]], out: [[4]], dtypes: ['bool'] })),
  ...['And', 'Or', 'Xor'].map((op): OpCase => ({ name: `${op} broadcasts bools`, op, inputs: [{ input: 'bool', dims: [2, 1] }, { input: 'bool', dims: [1, 3] }], out: [[2, 3]], dtypes: ['bool'] })),
  { name: 'Not', op: 'Not', inputs: [{ input: 'bool', dims: [3] }], out: [[3]], dtypes: ['bool'] },
  ...UNARY.map((op): OpCase => ({ name: `${op} keeps the shape`, op, inputs: [[2, 3, 4]], out: [[2, 3, 4]], dtypes: ['float32'] })),
  { name: 'Gelu (opset 20) keeps the shape', op: 'Gelu', opset: 20, inputs: [[2, 3]], out: [[2, 3]] },
  { name: 'Cast to int64 (to = 7)', op: 'Cast', attrs: { to: 7 }, inputs: [[2, 3]], out: [[2, 3]], dtypes: ['int64'] },
  { name: 'CastLike takes the dtype of input 1', op: 'CastLike', inputs: [[2, 3], { i64: [1] }], out: [[2, 3]], dtypes: ['int64'] },
  { name: 'Dropout: output and bool mask', op: 'Dropout', inputs: [[2, 3]], out: [[2, 3], [2, 3]], dtypes: ['float32', 'bool'] },
  // Mean and InvStdDev keep the axes before `axis` and are 1 from it: [2,3,1] for axis -1, [2,1,1] for axis 1.
  { name: 'LayerNormalization axis -1', op: 'LayerNormalization', inputs: [[2, 3, 4], [4], [4]], out: [[2, 3, 4], [2, 3, 1], [2, 3, 1]] },
  { name: 'LayerNormalization axis 1', op: 'LayerNormalization', attrs: { axis: 1 }, inputs: [[2, 3, 4], [3, 4], [3, 4]], out: [[2, 3, 4], [2, 1, 1], [2, 1, 1]] },
  { name: 'BatchNormalization', op: 'BatchNormalization', inputs: [[1, 3, 4, 4], [3], [3], [3], [3]], out: [[1, 3, 4, 4]] },
  { name: 'InstanceNormalization', op: 'InstanceNormalization', inputs: [[1, 3, 4, 4], [3], [3]], out: [[1, 3, 4, 4]] },
  { name: 'QuantizeLinear takes the zero point dtype', op: 'QuantizeLinear', inputs: [[2, 3], scalar(0.1), zp()], out: [[2, 3]], dtypes: ['uint8'] },
  { name: 'QuantizeLinear without a zero point is uint8', op: 'QuantizeLinear', inputs: [[2, 3], scalar(0.1)], out: [[2, 3]], dtypes: ['uint8'] },
  { name: 'DequantizeLinear gives float32', op: 'DequantizeLinear', inputs: [u8([2, 3]), scalar(0.1), zp()], out: [[2, 3]], dtypes: ['float32'] },
  { name: 'DynamicQuantizeLinear: y, scalar scale, scalar zero point', op: 'DynamicQuantizeLinear', inputs: [[2, 3]], out: [[2, 3], [], []], dtypes: ['uint8', 'float32', 'uint8'] },
];

export const LAYERS: OpCase[] = [
  // floor((32 + 1 + 1 - 3) / 2) + 1 = 16
  { name: 'Conv stride 2, pads 1', op: 'Conv', attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [[1, 3, 32, 32], [16, 3, 3, 3]], out: [[1, 16, 16, 16]] },
  { name: 'Conv with a bias', op: 'Conv', attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [[1, 3, 32, 32], [16, 3, 3, 3], [16]], out: [[1, 16, 16, 16]] },
  // 10 - 3 + 1 = 8; Cout from W
  { name: 'Conv group 4', op: 'Conv', attrs: { group: 4 }, inputs: [[1, 8, 10, 10], [16, 2, 3, 3]], out: [[1, 16, 8, 8]] },
  // ceil(7 / 2) = 4
  { name: 'Conv SAME_UPPER stride 2', op: 'Conv', attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, inputs: [[1, 3, 7, 7], [8, 3, 3, 3]], out: [[1, 8, 4, 4]] },
  // span (3 - 1) * 2 + 1 = 5; 9 - 5 + 1 = 5
  { name: 'Conv 1-D dilation 2', op: 'Conv', attrs: { dilations: [2] }, inputs: [[1, 4, 9], [6, 4, 3]], out: [[1, 6, 5]] },
  // (5 - 1) * 2 + 4 = 12; Cout = W[1] 3 x group 2
  { name: 'ConvTranspose group 2 stride 2', op: 'ConvTranspose', attrs: { group: 2, strides: [2, 2] }, inputs: [[1, 8, 5, 5], [8, 3, 4, 4]], out: [[1, 6, 12, 12]] },
  // 2 * (5 - 1) + 1 + 4 - 2 = 11
  { name: 'ConvTranspose pads and output_padding', op: 'ConvTranspose', attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, inputs: [[1, 8, 5, 5], [8, 3, 4, 4]], out: [[1, 3, 11, 11]] },
  { name: 'ConvTranspose output_shape', op: 'ConvTranspose', attrs: { strides: [2, 2], output_shape: [10, 10] }, inputs: [[1, 8, 5, 5], [8, 3, 4, 4]], out: [[1, 3, 10, 10]] },
  // 5 x 2 = 10
  { name: 'ConvTranspose SAME_UPPER', op: 'ConvTranspose', attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' }, inputs: [[1, 8, 5, 5], [8, 3, 4, 4]], out: [[1, 3, 10, 10]] },
  // floor((9 - 3) / 2) + 1 = 4; indices int64 of the same shape
  { name: 'MaxPool k3 s2 and its indices', op: 'MaxPool', attrs: { kernel_shape: [3, 3], strides: [2, 2] }, inputs: [[1, 3, 9, 9]], out: [[1, 3, 4, 4], [1, 3, 4, 4]], dtypes: ['float32', 'int64'] },
  // ceil((10 - 3) / 2) + 1 = 5
  { name: 'MaxPool ceil_mode', op: 'MaxPool', attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, inputs: [[1, 3, 10, 10]], out: [[1, 3, 5, 5]] },
  // ceil((6 + 1 - 2) / 3) + 1 = 3, but window 3 would start at 6, inside the end padding: 2
  { name: 'MaxPool ceil_mode drops a window that starts in the padding', op: 'MaxPool', attrs: { kernel_shape: [2, 2], strides: [3, 3], pads: [0, 0, 1, 1], ceil_mode: 1 }, inputs: [[1, 3, 6, 6]], out: [[1, 3, 2, 2]] },
  { name: 'MaxPool SAME_UPPER', op: 'MaxPool', attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, inputs: [[1, 3, 7, 7]], out: [[1, 3, 4, 4]] },
  // span 5: 9 - 5 + 1 = 5
  { name: 'MaxPool dilations', op: 'MaxPool', attrs: { kernel_shape: [3, 3], dilations: [2, 2] }, inputs: [[1, 3, 9, 9]], out: [[1, 3, 5, 5]] },
  // floor((8 + 2 - 3) / 2) + 1 = 4; with ceil_mode ceil(3.5) + 1 = 5 (window 5 starts at 8 < 8 + 1)
  { name: 'AveragePool pads', op: 'AveragePool', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, inputs: [[1, 3, 8, 8]], out: [[1, 3, 4, 4]] },
  { name: 'AveragePool pads, ceil_mode', op: 'AveragePool', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, inputs: [[1, 3, 8, 8]], out: [[1, 3, 5, 5]] },
  { name: 'GlobalAveragePool', op: 'GlobalAveragePool', inputs: [[1, 3, 7, 7]], out: [[1, 3, 1, 1]] },
  { name: 'GlobalMaxPool 1-D', op: 'GlobalMaxPool', inputs: [[2, 4, 5]], out: [[2, 4, 1]] },
  { name: 'Gemm transB: [3,5] x [7,5]^T', op: 'Gemm', attrs: { transB: 1 }, inputs: [[3, 5], [7, 5], [7]], out: [[3, 7]] },
  { name: 'Gemm transA: [5,3]^T x [5,7]', op: 'Gemm', attrs: { transA: 1 }, inputs: [[5, 3], [5, 7]], out: [[3, 7]] },
  { name: 'MatMul 1-D x 2-D drops the added axis', op: 'MatMul', inputs: [[5], [5, 6]], out: [[6]] },
  { name: 'MatMul 2-D x 1-D', op: 'MatMul', inputs: [[4, 5], [5]], out: [[4]] },
  { name: 'MatMul 1-D x 1-D is a scalar', op: 'MatMul', inputs: [[5], [5]], out: [[]] },
  { name: 'MatMul broadcasts [2,1] with [3] batches', op: 'MatMul', inputs: [[2, 1, 4, 5], [3, 5, 6]], out: [[2, 3, 4, 6]] },
  { name: 'MatMul 2-D x batched', op: 'MatMul', inputs: [[4, 5], [2, 5, 6]], out: [[2, 4, 6]] },
  { name: 'MatMulInteger gives int32', op: 'MatMulInteger', inputs: [u8([2, 4, 5]), u8([5, 6])], out: [[2, 4, 6]], dtypes: ['int32'] },
  { name: 'QLinearMatMul: A input 0, B input 3, y_zero_point dtype', op: 'QLinearMatMul', inputs: [u8([3, 4]), scalar(0.1), zp(), u8([4, 5]), scalar(0.1), zp(), scalar(0.2), zp()], out: [[3, 5]], dtypes: ['uint8'] },
  // 8 - 3 + 1 = 6
  { name: 'QLinearConv: W input 3', op: 'QLinearConv', inputs: [u8([1, 3, 8, 8]), scalar(0.1), zp(), u8([4, 3, 3, 3]), scalar(0.1), zp(), scalar(0.2), zp()], out: [[1, 4, 6, 6]], dtypes: ['uint8'] },
  { name: 'ConvInteger gives int32', op: 'ConvInteger', inputs: [u8([1, 3, 8, 8]), u8([4, 3, 3, 3])], out: [[1, 4, 6, 6]], dtypes: ['int32'] },
  { name: 'Einsum bij,bjk->bik', op: 'Einsum', attrs: { equation: 'bij,bjk->bik' }, inputs: [[2, 3, 4], [2, 4, 5]], out: [[2, 3, 5]] },
  { name: 'Einsum implicit ij,jk (output ik)', op: 'Einsum', attrs: { equation: 'ij,jk' }, inputs: [[3, 4], [4, 5]], out: [[3, 5]] },
  { name: 'Einsum transpose ij->ji', op: 'Einsum', attrs: { equation: 'ij->ji' }, inputs: [[3, 4]], out: [[4, 3]] },
  // Y [seq, dirs, batch, hidden], Y_h and Y_c [dirs, batch, hidden]
  { name: 'LSTM', op: 'LSTM', attrs: { hidden_size: 3 }, inputs: [[5, 2, 4], [1, 12, 4], [1, 12, 3]], out: [[5, 1, 2, 3], [1, 2, 3], [1, 2, 3]] },
  { name: 'LSTM bidirectional', op: 'LSTM', attrs: { hidden_size: 3, direction: 'bidirectional' }, inputs: [[5, 2, 4], [2, 12, 4], [2, 12, 3]], out: [[5, 2, 2, 3], [2, 2, 3], [2, 2, 3]] },
  // onnxruntime's CPU LSTM refuses layout 1.
  { name: 'LSTM layout 1 puts batch first', op: 'LSTM', opset: 14, attrs: { hidden_size: 3, layout: 1 }, inputs: [[2, 5, 4], [1, 12, 4], [1, 12, 3]], out: [[2, 5, 1, 3], [2, 1, 3], [2, 1, 3]], noOrt: true },
  { name: 'GRU', op: 'GRU', attrs: { hidden_size: 3 }, inputs: [[5, 2, 4], [1, 9, 4], [1, 9, 3]], out: [[5, 1, 2, 3], [1, 2, 3]] },
  { name: 'com.microsoft Gelu keeps the shape', op: 'Gelu', domain: 'com.microsoft', inputs: [[2, 3]], out: [[2, 3]], noOrt: true },
  { name: 'com.microsoft QuickGelu keeps the shape', op: 'QuickGelu', domain: 'com.microsoft', inputs: [[2, 3]], out: [[2, 3]], noOrt: true },
  { name: 'com.microsoft BiasGelu is shaped like its input', op: 'BiasGelu', domain: 'com.microsoft', inputs: [[2, 3], [3]], out: [[2, 3]], noOrt: true },
  { name: 'com.microsoft FastGelu is shaped like its input', op: 'FastGelu', domain: 'com.microsoft', inputs: [[2, 3], [3]], out: [[2, 3]], noOrt: true },
  { name: 'com.microsoft SkipLayerNormalization: output 0 only', op: 'SkipLayerNormalization', domain: 'com.microsoft', inputs: [[2, 5, 8], [2, 5, 8], [8], [8]], out: [[2, 5, 8], null], noOrt: true },
  { name: 'com.microsoft FusedMatMul with transB', op: 'FusedMatMul', domain: 'com.microsoft', attrs: { transB: 1 }, inputs: [[2, 4, 5], [6, 5]], out: [[2, 4, 6]], noOrt: true },
  { name: 'com.microsoft FusedConv is shaped like Conv', op: 'FusedConv', domain: 'com.microsoft', inputs: [[1, 3, 8, 8], [4, 3, 3, 3]], out: [[1, 4, 6, 6]], noOrt: true },
  { name: 'an op of an unknown domain is unknown', op: 'Relu', domain: 'com.example', inputs: [[2, 3]], out: [null], noOrt: true },
];

export const TENSOR_OPS: OpCase[] = [
  { name: 'Reshape [0, -1]: 0 copies, -1 is 24 / 2', op: 'Reshape', inputs: [[2, 3, 4], { i64: [0, -1] }], out: [[2, 12]] },
  { name: 'Reshape [-1]', op: 'Reshape', inputs: [[2, 3, 4], { i64: [-1] }], out: [[24]] },
  { name: 'Reshape [4, 0, 2] copies dim 1', op: 'Reshape', inputs: [[2, 3, 4], { i64: [4, 0, 2] }], out: [[4, 3, 2]] },
  { name: 'Reshape allowzero keeps a 0', op: 'Reshape', opset: 14, attrs: { allowzero: 1 }, inputs: [[0, 3], { i64: [3, 0] }], out: [[3, 0]] },
  { name: 'Flatten axis 2: [2*3, 4*5]', op: 'Flatten', attrs: { axis: 2 }, inputs: [[2, 3, 4, 5]], out: [[6, 20]] },
  { name: 'Flatten axis 0', op: 'Flatten', attrs: { axis: 0 }, inputs: [[2, 3, 4, 5]], out: [[1, 120]] },
  { name: 'Flatten axis -1', op: 'Flatten', attrs: { axis: -1 }, inputs: [[2, 3, 4, 5]], out: [[24, 5]] },
  { name: 'Transpose perm [0,2,1]', op: 'Transpose', attrs: { perm: [0, 2, 1] }, inputs: [[2, 3, 4]], out: [[2, 4, 3]] },
  { name: 'Transpose reverses by default', op: 'Transpose', inputs: [[2, 3, 4]], out: [[4, 3, 2]] },
  { name: 'Squeeze opset 11: axes attribute', op: 'Squeeze', opset: 11, attrs: { axes: [1] }, inputs: [[2, 1, 3]], out: [[2, 3]] },
  { name: 'Squeeze opset 13: axes input', op: 'Squeeze', opset: 13, inputs: [[2, 1, 3], { i64: [-2] }], out: [[2, 3]] },
  { name: 'Squeeze without axes drops every 1', op: 'Squeeze', opset: 13, inputs: [[1, 2, 1]], out: [[2]] },
  { name: 'Unsqueeze opset 11: axes attribute', op: 'Unsqueeze', opset: 11, attrs: { axes: [0, 3] }, inputs: [[2, 3]], out: [[1, 2, 3, 1]] },
  { name: 'Unsqueeze opset 13: axes input, negative on the output rank', op: 'Unsqueeze', opset: 13, inputs: [[2, 3], { i64: [-1] }], out: [[2, 3, 1]] },
  { name: 'Concat axis 1: 3 + 5 + 1', op: 'Concat', attrs: { axis: 1 }, inputs: [[2, 3], [2, 5], [2, 1]], out: [[2, 9]] },
  { name: 'Concat axis -1', op: 'Concat', attrs: { axis: -1 }, inputs: [[2, 3], [2, 5]], out: [[2, 8]] },
  { name: 'Split opset 13: sizes input', op: 'Split', opset: 13, attrs: { axis: 1 }, inputs: [[3, 6], { i64: [2, 4] }], out: [[3, 2], [3, 4]] },
  { name: 'Split opset 11: split attribute', op: 'Split', opset: 11, attrs: { axis: 1, split: [2, 4] }, inputs: [[3, 6]], out: [[3, 2], [3, 4]] },
  { name: 'Split opset 13: equal parts', op: 'Split', opset: 13, inputs: [[6, 2]], out: [[3, 2], [3, 2]] },
  // ceil(7 / 3) = 3: 3, 3, 1
  { name: 'Split opset 18: num_outputs, smaller last part', op: 'Split', opset: 18, attrs: { num_outputs: 3 }, inputs: [[7]], out: [[3], [3], [1]] },
  // ends clamp to 10: 10 - 1 = 9
  { name: 'Slice opset 9: attributes', op: 'Slice', opset: 9, attrs: { starts: [1], ends: [1000], axes: [1] }, inputs: [[4, 10]], out: [[4, 9]] },
  { name: 'Slice opset 9: two axes, negative start', op: 'Slice', opset: 9, attrs: { starts: [0, -4], ends: [2, 1000] }, inputs: [[4, 10]], out: [[2, 4]] },
  // start -3 -> 7; end 2^62 clamps to 10: 3
  { name: 'Slice opset 13: inputs, negative start, huge end', op: 'Slice', opset: 13, inputs: [[4, 10], { i64: [-3] }, { i64: [BIG] }, { i64: [1] }, { i64: [1] }], out: [[4, 3]] },
  // start -1 -> 9; end clamps to -1; ceil((9 - -1) / 2) = 5
  { name: 'Slice opset 13: negative step to the front', op: 'Slice', opset: 13, inputs: [[4, 10], { i64: [-1] }, { i64: [-BIG] }, { i64: [1] }, { i64: [-2] }], out: [[4, 5]] },
  // axes default to 0, 1: [1, 3) and [2, 8)
  { name: 'Slice opset 13: no axes, no steps', op: 'Slice', opset: 13, inputs: [[4, 10], { i64: [1, 2] }, { i64: [3, 8] }], out: [[2, 6]] },
  { name: 'Slice opset 13: step 3', op: 'Slice', opset: 13, inputs: [[10], { i64: [0] }, { i64: [10] }, { i64: [0] }, { i64: [3] }], out: [[4]] },
  { name: 'Gather axis 1 with [2,2] indices', op: 'Gather', attrs: { axis: 1 }, inputs: [[3, 5], { i64: [2, 2, 0, 1], dims: [2, 2] }], out: [[3, 2, 2]] },
  { name: 'Gather a scalar index drops the axis', op: 'Gather', inputs: [[3, 5], { i64: [-1], dims: [] }], out: [[5]] },
  { name: 'GatherElements: the indices shape', op: 'GatherElements', attrs: { axis: 1 }, inputs: [[3, 4], { input: 'int64', dims: [3, 2] }], out: [[3, 2]] },
  { name: 'Shape', op: 'Shape', inputs: [[2, 3, 4]], out: [[3]], dtypes: ['int64'], values: [2, 3, 4] },
  { name: 'Shape start 1 (opset 15)', op: 'Shape', opset: 15, attrs: { start: 1 }, inputs: [[2, 3, 4]], out: [[2]], values: [3, 4] },
  { name: 'Shape end -1 (opset 15)', op: 'Shape', opset: 15, attrs: { end: -1 }, inputs: [[2, 3, 4]], out: [[2]], values: [2, 3] },
  { name: 'Size', op: 'Size', inputs: [[2, 3, 4]], out: [[]], dtypes: ['int64'], values: [24] },
  { name: 'ConstantOfShape float32 zeros', op: 'ConstantOfShape', inputs: [{ i64: [2, 3] }], out: [[2, 3]], dtypes: ['float32'], values: [0, 0, 0, 0, 0, 0] },
  { name: 'ConstantOfShape int64 value', op: 'ConstantOfShape', attrs: { value: { dtype: 'int64', dims: [1], values: [7] } }, inputs: [{ i64: [3] }], out: [[3]], dtypes: ['int64'], values: [7, 7, 7] },
  { name: 'Expand [3,1] to [2,1,4]', op: 'Expand', inputs: [[3, 1], { i64: [2, 1, 4] }], out: [[2, 3, 4]] },
  { name: 'Tile [2,3] by [2,2]', op: 'Tile', inputs: [[2, 3], { i64: [2, 2] }], out: [[4, 6]] },
  // ceil((10 - 0) / 3) = 4
  { name: 'Range int64', op: 'Range', inputs: [{ i64: [0], dims: [] }, { i64: [10], dims: [] }, { i64: [3], dims: [] }], out: [[4]], dtypes: ['int64'], values: [0, 3, 6, 9] },
  { name: 'Range float32', op: 'Range', inputs: [scalar(1), scalar(2), scalar(0.25)], out: [[4]], values: [1, 1.25, 1.5, 1.75] },
  // floor(5 x 1.5) = 7
  { name: 'Resize opset 13 scales', op: 'Resize', opset: 13, inputs: [[1, 3, 4, 5], null, { f32: [1, 1, 2, 1.5] }], out: [[1, 3, 8, 7]] },
  { name: 'Resize opset 13 sizes', op: 'Resize', opset: 13, inputs: [[1, 3, 4, 5], null, null, { i64: [1, 3, 6, 6] }], out: [[1, 3, 6, 6]] },
  { name: 'Resize opset 11 empty roi and scales, sizes', op: 'Resize', opset: 11, inputs: [[1, 3, 4, 5], { f32: [] }, { f32: [] }, { i64: [1, 3, 6, 6] }], out: [[1, 3, 6, 6]] },
  { name: 'Resize opset 10 scales input 1', op: 'Resize', opset: 10, inputs: [[1, 3, 4, 5], { f32: [1, 1, 2, 2] }], out: [[1, 3, 8, 10]] },
  { name: 'Resize opset 18 axes', op: 'Resize', opset: 18, attrs: { axes: [2, 3] }, inputs: [[1, 3, 4, 5], null, null, { i64: [6, 6] }], out: [[1, 3, 6, 6]] },
  // scale min(8 / 4, 8 / 5) = 1.6: round(4 x 1.6) = 6, 5 x 1.6 = 8
  { name: 'Resize opset 18 not_larger', op: 'Resize', opset: 18, attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, inputs: [[1, 3, 4, 5], null, null, { i64: [8, 8] }], out: [[1, 3, 6, 8]] },
  { name: 'Upsample opset 9 scales input', op: 'Upsample', opset: 9, inputs: [[1, 3, 4, 5], { f32: [1, 1, 2, 2] }], out: [[1, 3, 8, 10]] },
  { name: 'Upsample opset 7 scales attribute', op: 'Upsample', opset: 7, attrs: { scales: { floats: [1, 1, 2, 2] } }, inputs: [[1, 3, 4, 5]], out: [[1, 3, 8, 10]] },
  // 4 + 1 + 3 = 8, 5 + 2 + 4 = 11
  { name: 'Pad opset 11 pads input', op: 'Pad', opset: 11, inputs: [[1, 3, 4, 5], { i64: [0, 0, 1, 2, 0, 0, 3, 4] }], out: [[1, 3, 8, 11]] },
  { name: 'Pad opset 2 pads attribute', op: 'Pad', opset: 2, attrs: { pads: [0, 0, 1, 2, 0, 0, 3, 4] }, inputs: [[1, 3, 4, 5]], out: [[1, 3, 8, 11]] },
  { name: 'Pad opset 18 axes', op: 'Pad', opset: 18, inputs: [[1, 3, 4, 5], { i64: [1, 2, 3, 4] }, null, { i64: [2, 3] }], out: [[1, 3, 8, 11]] },
  { name: 'ReduceSum opset 13: axes input', op: 'ReduceSum', opset: 13, attrs: { keepdims: 0 }, inputs: [[2, 3, 4], { i64: [1] }], out: [[2, 4]] },
  { name: 'ReduceSum opset 11: axes attribute', op: 'ReduceSum', opset: 11, attrs: { axes: [1], keepdims: 0 }, inputs: [[2, 3, 4]], out: [[2, 4]] },
  { name: 'ReduceSum opset 13: no axes reduces all', op: 'ReduceSum', opset: 13, attrs: { keepdims: 0 }, inputs: [[2, 3, 4]], out: [[]] },
  { name: 'ReduceMean opset 13: axes attribute', op: 'ReduceMean', opset: 13, attrs: { axes: [1] }, inputs: [[2, 3, 4]], out: [[2, 1, 4]] },
  { name: 'ReduceMean opset 18: axes input', op: 'ReduceMean', opset: 18, inputs: [[2, 3, 4], { i64: [1] }], out: [[2, 1, 4]] },
  { name: 'ReduceMax opset 18: no axes, keepdims', op: 'ReduceMax', opset: 18, inputs: [[2, 3, 4]], out: [[1, 1, 1]] },
  { name: 'ReduceMax opset 18: noop_with_empty_axes', op: 'ReduceMax', opset: 18, attrs: { noop_with_empty_axes: 1 }, inputs: [[2, 3, 4]], out: [[2, 3, 4]] },
  ...['ReduceMin', 'ReduceProd', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSumExp'].map((op): OpCase => ({
    name: `${op} opset 13: axes [-1], keepdims 0`, op, opset: 13, attrs: { axes: [-1], keepdims: 0 }, inputs: [[2, 3, 4]], out: [[2, 3]],
  })),
  { name: 'ArgMax axis 1 keepdims 0', op: 'ArgMax', attrs: { axis: 1, keepdims: 0 }, inputs: [[2, 3, 4]], out: [[2, 4]], dtypes: ['int64'] },
  { name: 'ArgMin defaults: axis 0, keepdims', op: 'ArgMin', inputs: [[2, 3, 4]], out: [[1, 3, 4]], dtypes: ['int64'] },
  { name: 'TopK opset 11: K input', op: 'TopK', opset: 11, inputs: [[3, 5], { i64: [2] }], out: [[3, 2], [3, 2]], dtypes: ['float32', 'int64'] },
  { name: 'TopK opset 11: axis 0', op: 'TopK', opset: 11, attrs: { axis: 0 }, inputs: [[3, 5], { i64: [2] }], out: [[2, 5], [2, 5]] },
  { name: 'TopK opset 1: k attribute', op: 'TopK', opset: 1, attrs: { k: 2 }, inputs: [[3, 5]], out: [[3, 2], [3, 2]] },
  { name: 'DepthToSpace blocksize 2', op: 'DepthToSpace', attrs: { blocksize: 2 }, inputs: [[1, 8, 2, 3]], out: [[1, 2, 4, 6]] },
  { name: 'SpaceToDepth blocksize 2', op: 'SpaceToDepth', attrs: { blocksize: 2 }, inputs: [[1, 2, 4, 6]], out: [[1, 8, 2, 3]] },
  { name: 'Trilu keeps the shape', op: 'Trilu', inputs: [[3, 4]], out: [[3, 4]] },
  { name: 'CumSum keeps the shape', op: 'CumSum', inputs: [[3, 4], { i64: [1], dims: [] }], out: [[3, 4]] },
  { name: 'NonZero: [rank, unknown count]', op: 'NonZero', inputs: [[3, 4]], out: [[2, null]], dtypes: ['int64'] },
];

/** Nodes onnxruntime would refuse: their outputs are unknown (or partly), and nothing throws. */
export const MALFORMED: OpCase[] = ([
  { name: 'Reshape with two -1', op: 'Reshape', inputs: [[2, 3], { i64: [-1, -1] }], out: [null] },
  { name: 'Reshape to -5', op: 'Reshape', inputs: [[2, 3], { i64: [-5] }], out: [null] },
  { name: 'Reshape whose -1 does not divide', op: 'Reshape', inputs: [[2, 3], { i64: [4, -1] }], out: [[4, null]] },
  { name: 'Add of shapes that do not broadcast', op: 'Add', inputs: [[2, 3], [4]], out: [null] },
  { name: 'MatMul with mismatched K', op: 'MatMul', inputs: [[2, 3], [4, 5]], out: [null] },
  { name: 'Concat of different ranks', op: 'Concat', attrs: { axis: 0 }, inputs: [[2, 3], [2]], out: [null] },
  { name: 'Concat axis out of range', op: 'Concat', attrs: { axis: 5 }, inputs: [[2, 3], [2, 3]], out: [null] },
  { name: 'Conv strides of the wrong length', op: 'Conv', attrs: { strides: [2] }, inputs: [[1, 3, 8, 8], [4, 3, 3, 3]], out: [null] },
  { name: 'Conv kernel larger than the input', op: 'Conv', inputs: [[1, 3, 2, 2], [4, 3, 3, 3]], out: [[1, 4, null, null]] },
  { name: 'ConstantOfShape of a negative dim', op: 'ConstantOfShape', inputs: [{ i64: [2, -1] }], out: [null] },
  { name: 'Gather axis out of range', op: 'Gather', attrs: { axis: 3 }, inputs: [[3, 5], { i64: [0] }], out: [null] },
  { name: 'Gather of an index out of range folds nothing', op: 'Gather', inputs: [{ i64: [1, 2, 3] }, { i64: [7], dims: [] }], out: [[]] },
  { name: 'Slice with step 0', op: 'Slice', opset: 13, inputs: [[4, 10], { i64: [0] }, { i64: [5] }, { i64: [1] }, { i64: [0] }], out: [null] },
  { name: 'Transpose with a perm that is not one', op: 'Transpose', attrs: { perm: [0, 0, 1] }, inputs: [[2, 3, 4]], out: [null] },
  { name: 'Squeeze of an axis that is not 1', op: 'Squeeze', opset: 13, inputs: [[2, 3], { i64: [0] }], out: [null] },
  { name: 'Split sizes that do not match the outputs', op: 'Split', opset: 13, inputs: [[6], { i64: [1, 2, 3] }], out: [null, null] },
  { name: 'Expand to a shape that does not broadcast', op: 'Expand', inputs: [[3, 2], { i64: [4, 4] }], out: [null] },
  { name: 'Range with delta 0', op: 'Range', inputs: [{ i64: [0], dims: [] }, { i64: [5], dims: [] }, { i64: [0], dims: [] }], out: [[null]] },
  { name: 'Reduce over an axis out of range', op: 'ReduceSum', opset: 13, inputs: [[2, 3], { i64: [4] }], out: [null] },
  { name: 'Cast to an unknown dtype', op: 'Cast', attrs: { to: 99 }, inputs: [[2, 3]], out: [[2, 3]], dtypes: [null] },
  { name: 'Gemm with a 3-D operand', op: 'Gemm', inputs: [[2, 3, 4], [4, 5]], out: [null] },
  { name: 'Einsum with an ellipsis', op: 'Einsum', attrs: { equation: '...ij,...jk' }, inputs: [[2, 3, 4], [2, 4, 5]], out: [null] },
] as OpCase[]).map((c) => ({ ...c, noOrt: true }));
