import { letterSizes, parseEinsum } from './einsum';
import { convOutputSpatial } from './layer-macs';
import { broadcastAll, fullDims, mergeDim, mulDims, normAxis, unknownOf, type Dim, type InferredValue, type ShapeContext, type ShapeRule } from './shape-dims';
import type { DTypeName } from '../../onnx/dtypes';

/**
 * Shape rules of the compute ops: convolutions and pools, Gemm/MatMul and their quantized forms,
 * Einsum, recurrent layers and normalisations (ONNX operator spec). Spatial sizes are computed
 * axis by axis, so one unknown axis leaves the others known.
 */

/** The per-axis attribute lists of a conv or pool, or undefined when one has the wrong length. */
interface Window {
  kernel: readonly Dim[];
  strides?: number[];
  dilations?: number[];
  pads?: number[];
  autoPad?: string;
}

function windowOf(c: ShapeContext, spatial: number, kernel: readonly Dim[] | undefined): Window | undefined {
  const strides = c.attrs.ints('strides');
  const dilations = c.attrs.ints('dilations');
  const pads = c.attrs.ints('pads');
  if (!kernel || kernel.length !== spatial) return undefined;
  if ((strides && strides.length !== spatial) || (dilations && dilations.length !== spatial) || (pads && pads.length !== 2 * spatial)) return undefined;
  return { kernel, strides, dilations, pads, autoPad: c.attrs.string('auto_pad') };
}

/** Conv's output size on one axis: convOutputSpatial (layer-macs.ts) on that axis alone. */
function convAxis(w: Window, i: number, size: Dim): Dim {
  const k = w.kernel[i];
  if (size === null || k === null) return null;
  const s = w.kernel.length;
  const out = convOutputSpatial([size], [k], [w.strides?.[i] ?? 1], [w.dilations?.[i] ?? 1], [w.pads?.[i] ?? 0, w.pads?.[i + s] ?? 0], w.autoPad);
  return out?.[0] ?? null;
}

/** Conv, ConvInteger, QLinearConv, FusedConv: [N, M, out spatial...], W [M, C/g, k...] at input `wIndex`. */
export function convRule(xIndex: number, wIndex: number, dtype: (c: ShapeContext) => DTypeName | null): ShapeRule {
  return (c) => {
    const x = c.input(xIndex)?.dims;
    const w = c.input(wIndex)?.dims;
    const t = dtype(c);
    const rank = x?.length ?? w?.length;
    if (rank === undefined || rank < 3 || (x && w && x.length !== w.length)) return [unknownOf(t)];
    const win = windowOf(c, rank - 2, c.attrs.ints('kernel_shape') ?? w?.slice(2));
    if (!win) return [unknownOf(t)];
    const spatial = win.kernel.map((_, i) => convAxis(win, i, x ? x[i + 2] : null));
    return [{ dims: [x?.[0] ?? null, w?.[0] ?? null, ...spatial], dtype: t }];
  };
}

/**
 * ConvTranspose: [N, W[1] x group, out...] with out = stride x (in - 1) + output_padding +
 * (k - 1) x dilation + 1 - pads, or in x stride under SAME_*, or the output_shape attribute.
 */
const convTranspose: ShapeRule = (c) => {
  const xv = c.input(0);
  const x = xv?.dims;
  const w = c.input(1)?.dims;
  const t = xv?.dtype ?? null;
  const rank = x?.length ?? w?.length;
  if (rank === undefined || rank < 3 || (x && w && x.length !== w.length)) return [unknownOf(t)];
  const s = rank - 2;
  const win = windowOf(c, s, c.attrs.ints('kernel_shape') ?? w?.slice(2));
  const outPad = c.attrs.ints('output_padding');
  const given = c.attrs.ints('output_shape');
  if (!win || (outPad && outPad.length !== s)) return [unknownOf(t)];
  const cout = mulDims(w?.[1] ?? null, c.attrs.int('group', 1));
  const spatial = given?.length === s ? given : given?.length === rank ? given.slice(2) : win.kernel.map((k, i): Dim => {
    const size = x ? x[i + 2] : null;
    const stride = win.strides?.[i] ?? 1;
    if (size === null || k === null) return null;
    const auto = win.autoPad ?? 'NOTSET';
    if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') return size * stride;
    const pads = auto === 'VALID' ? 0 : (win.pads?.[i] ?? 0) + (win.pads?.[i + s] ?? 0);
    const o = stride * (size - 1) + (outPad?.[i] ?? 0) + (k - 1) * (win.dilations?.[i] ?? 1) + 1 - pads;
    return o >= 1 ? o : null;
  });
  return [{ dims: [x?.[0] ?? null, cout, ...spatial], dtype: t }];
};

/**
 * One pooled axis: floor (or ceil with ceil_mode) of (in + pads - span) / stride, + 1; with
 * ceil_mode a last window that would start inside the end padding is dropped (ONNX 19+, ORT and
 * PyTorch agree); SAME_* give ceil(in / stride).
 */
function poolAxis(w: Window, i: number, size: Dim, ceilMode: boolean): Dim {
  const k = w.kernel[i];
  if (size === null || k === null) return null;
  const stride = w.strides?.[i] ?? 1;
  const auto = w.autoPad ?? 'NOTSET';
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') return Math.ceil(size / stride);
  const begin = auto === 'VALID' ? 0 : w.pads?.[i] ?? 0;
  const end = auto === 'VALID' ? 0 : w.pads?.[i + w.kernel.length] ?? 0;
  const span = (k - 1) * (w.dilations?.[i] ?? 1) + 1;
  const q = (size + begin + end - span) / stride;
  let o = (ceilMode ? Math.ceil(q) : Math.floor(q)) + 1;
  if (ceilMode && (o - 1) * stride >= size + begin) o--;
  return o >= 1 ? o : null;
}

const pool: ShapeRule = (c) => {
  const xv = c.input(0);
  const x = xv?.dims;
  const t = xv?.dtype ?? null;
  if (!x || x.length < 3) return [unknownOf(t)];
  const win = windowOf(c, x.length - 2, c.attrs.ints('kernel_shape'));
  if (!win) return [unknownOf(t)];
  const ceil = c.attrs.int('ceil_mode', 0) !== 0;
  const dims = [x[0], x[1], ...win.kernel.map((_, i) => poolAxis(win, i, x[i + 2], ceil))];
  // MaxPool's second output: the argmax indices, int64, of the same shape.
  return [{ dims, dtype: t }, { dims: [...dims], dtype: 'int64' }];
};

const globalPool: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  return [d && d.length >= 2 ? { dims: [d[0], d[1], ...d.slice(2).map(() => 1)], dtype: x.dtype } : unknownOf(x?.dtype ?? null)];
};

const gemm: ShapeRule = (c) => {
  const a = c.input(0)?.dims;
  const b = c.input(1)?.dims;
  const t = c.input(0)?.dtype ?? null;
  if (!a || !b || a.length !== 2 || b.length !== 2) return [unknownOf(t)];
  const ta = c.attrs.int('transA', 0) !== 0;
  const tb = c.attrs.int('transB', 0) !== 0;
  if (mergeDim(a[ta ? 0 : 1], b[tb ? 1 : 0]) === undefined) return [unknownOf(t)];
  return [{ dims: [a[ta ? 1 : 0], b[tb ? 0 : 1]], dtype: t }];
};

/** numpy matmul: 1-D operands gain an axis that the result drops; batch dims broadcast. */
export function matmulDims(a: readonly Dim[], b: readonly Dim[]): Dim[] | undefined {
  if (!a.length || !b.length) return undefined;
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  if (mergeDim(a2[a2.length - 1], b2[b2.length - 2]) === undefined) return undefined;
  const batch = broadcastAll([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch) return undefined;
  return [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]]), ...(b.length === 1 ? [] : [b2[b2.length - 1]])];
}

export function matmulRule(aIndex: number, bIndex: number, dtype: (c: ShapeContext) => DTypeName | null): ShapeRule {
  return (c) => {
    const a = c.input(aIndex)?.dims;
    const b = c.input(bIndex)?.dims;
    const out = a && b ? matmulDims(a, b) : undefined;
    return [{ dims: out ?? null, dtype: dtype(c) }];
  };
}

/** com.microsoft FusedMatMul: MatMul with either operand's last two axes swapped first. */
const fusedMatMul: ShapeRule = (c) => {
  const t = c.input(0)?.dtype ?? null;
  if (c.attrs.int('transBatchA', 0) || c.attrs.int('transBatchB', 0)) return [unknownOf(t)];
  const swap = (d: Dim[] | null | undefined, on: boolean): Dim[] | undefined =>
    !d ? undefined : on && d.length >= 2 ? [...d.slice(0, -2), d[d.length - 1], d[d.length - 2]] : d;
  const a = swap(c.input(0)?.dims, c.attrs.int('transA', 0) !== 0);
  const b = swap(c.input(1)?.dims, c.attrs.int('transB', 0) !== 0);
  return [{ dims: (a && b && matmulDims(a, b)) || null, dtype: t }];
};

const einsum: ShapeRule = (c) => {
  const inputs = c.node.inputs.map((_, i) => c.input(i));
  const t = inputs[0]?.dtype ?? null;
  const spec = parseEinsum(c.attrs.string('equation') ?? '');
  const dims = inputs.map(fullDims);
  const sizes = spec && dims.every((d) => d) ? letterSizes(spec, dims) : undefined;
  return [sizes && spec ? { dims: [...spec.output].map((l) => sizes.get(l) ?? null), dtype: t } : unknownOf(t)];
};

/** LSTM, GRU, RNN: Y [seq, dirs, batch, hidden] and Y_h (Y_c) [dirs, batch, hidden]; layout 1 puts batch first. */
const recurrent: ShapeRule = (c) => {
  const x = c.input(0);
  const t = x?.dtype ?? null;
  const d = x?.dims;
  if (!d || d.length !== 3) return c.node.outputs.map(() => unknownOf(t));
  const layout = c.attrs.int('layout', 0);
  const [seq, batch] = layout === 0 ? [d[0], d[1]] : [d[1], d[0]];
  const dirs = c.attrs.string('direction') === 'bidirectional' ? 2 : 1;
  // R is [dirs, gates x hidden, hidden]: its last axis is the hidden size.
  const hidden = c.attrs.int('hidden_size', 0) || c.input(2)?.dims?.[2] || null;
  const y: Dim[] = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const state: Dim[] = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  return [{ dims: y, dtype: t }, { dims: state, dtype: t }, { dims: [...state], dtype: t }];
};

const batchNorm: ShapeRule = (c) => {
  const x = c.input(0);
  const stat = (i: number): InferredValue => ({ dims: c.input(i)?.dims ? [...c.input(i)!.dims!] : null, dtype: c.input(i)?.dtype ?? null });
  // Training outputs (running or saved mean and variance) are per channel, shaped like the scale.
  return [{ dims: x?.dims ? [...x.dims] : null, dtype: x?.dtype ?? null }, stat(3), stat(4), stat(1), stat(1)];
};

/** LayerNormalization: Y like X; Mean and InvStdDev keep the axes before `axis` and are 1 after. */
const layerNorm: ShapeRule = (c) => {
  const x = c.input(0);
  const d = x?.dims;
  const a = d ? normAxis(c.attrs.int('axis', -1), d.length) : undefined;
  const stat: InferredValue = { dims: d && a !== undefined ? d.map((e, i) => (i < a ? e : 1)) : null, dtype: 'float32' };
  return [{ dims: d ? [...d] : null, dtype: x?.dtype ?? null }, stat, { ...stat, dims: stat.dims && [...stat.dims] }];
};

const firstDtype = (c: ShapeContext): DTypeName | null => c.input(0)?.dtype ?? null;
const zeroPointDtype = (i: number) => (c: ShapeContext): DTypeName | null => c.input(i)?.dtype ?? 'uint8';

export const NN_RULES: Readonly<Record<string, ShapeRule>> = {
  Conv: convRule(0, 1, firstDtype),
  ConvInteger: convRule(0, 1, () => 'int32'),
  QLinearConv: convRule(0, 3, zeroPointDtype(7)),
  ConvTranspose: convTranspose,
  MaxPool: pool, AveragePool: pool, LpPool: pool,
  GlobalAveragePool: globalPool, GlobalMaxPool: globalPool, GlobalLpPool: globalPool,
  Gemm: gemm,
  MatMul: matmulRule(0, 1, firstDtype),
  MatMulInteger: matmulRule(0, 1, () => 'int32'),
  QLinearMatMul: matmulRule(0, 3, zeroPointDtype(7)),
  Einsum: einsum,
  LSTM: recurrent, GRU: recurrent, RNN: recurrent,
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
};

/** The few com.microsoft ops we know to be shaped like a standard one (ORT's fusions emit them). */
export const CONTRIB_RULES: Readonly<Record<string, ShapeRule>> = {
  FusedConv: convRule(0, 1, firstDtype),
  FusedMatMul: fusedMatMul,
};
