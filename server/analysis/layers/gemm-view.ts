import { product } from '../../onnx/tensor';

/**
 * A weight seen as a GEMM operand: `rows` output channels by `k` reduction elements, as in
 * ../shared/DESIGN.md "Layers and their GEMM view". K is ordered channel-last for convolutions
 * (kernel position major, input channel minor), the order sparse tensor cores group N:M along.
 */
export interface GemmView {
  readonly rows: number;
  readonly k: number;
  /**
   * How the weight's memory order maps onto the view: absent when memory already is [rows][k];
   * otherwise memory is [batches][p][q] and the view is its per-batch transpose [batches][q][p].
   */
  readonly transpose?: { readonly batches: number; readonly p: number; readonly q: number };
  /** Convolution groups: rows split evenly among them, each reducing over its own input channels. */
  readonly groups: number;
  /** Input channels per group in K (K = kernelPositions x channels). */
  readonly channels: number;
  readonly kernelPositions: number;
}

export type ViewResult = { view: GemmView } | { problem: string };

/** Conv / QLinearConv / ConvInteger: W [Cout, Cin/g, k1, k2, ...]. */
export function convView(dims: readonly number[], group: number): ViewResult {
  if (dims.length < 3) return { problem: `Conv weight must have rank >= 3, got [${dims.join(', ')}]` };
  const [cout, cg] = dims;
  const s = product(dims.slice(2));
  if (group < 1 || cout % group) return { problem: `Conv group ${group} does not divide ${cout} output channels` };
  return {
    view: {
      rows: cout, k: cg * s, groups: group, channels: cg, kernelPositions: s,
      transpose: s > 1 && cg > 1 ? { batches: cout, p: cg, q: s } : undefined,
    },
  };
}

/** ConvTranspose: W [Cin, Cout/g, k...]; rows are the g x Cout/g output channels, K = k x Cin/g. */
export function convTransposeView(dims: readonly number[], group: number): ViewResult {
  if (dims.length < 3) return { problem: `ConvTranspose weight must have rank >= 3, got [${dims.join(', ')}]` };
  const [cin, coutG] = dims;
  const s = product(dims.slice(2));
  if (group < 1 || cin % group) return { problem: `ConvTranspose group ${group} does not divide ${cin} input channels` };
  const cg = cin / group;
  return {
    view: {
      rows: group * coutG, k: s * cg, groups: group, channels: cg, kernelPositions: s,
      transpose: cg > 1 ? { batches: group, p: cg, q: coutG * s } : undefined,
    },
  };
}

/** A reduction-major operand: Gemm B with transB=0, MatMul B [..., K, N]. Rows are N per batch. */
export function kMajorView(dims: readonly number[]): ViewResult {
  if (dims.length === 1) return { view: dense(1, dims[0]) };
  if (dims.length < 1) return { problem: 'a scalar is not a matrix operand' };
  const k = dims[dims.length - 2];
  const n = dims[dims.length - 1];
  const batches = product(dims.slice(0, -2));
  return { view: { ...dense(batches * n, k), transpose: n > 1 && k > 1 ? { batches, p: k, q: n } : undefined } };
}

/** A row-major operand: Gemm B with transB=1 ([N, K]), MatMul A [..., M, K]. */
export function rowMajorView(dims: readonly number[]): ViewResult {
  if (dims.length < 1) return { problem: 'a scalar is not a matrix operand' };
  const k = dims[dims.length - 1];
  return { view: dense(product(dims.slice(0, -1)), k) };
}

function dense(rows: number, k: number): GemmView {
  return { rows, k, groups: 1, channels: k, kernelPositions: 1 };
}

/**
 * Where element (row, kk) of the view sits in the weight's memory order. Used by tests and the
 * slow paths; the hot loops walk the same mapping incrementally.
 */
export function memoryIndex(v: GemmView, row: number, kk: number): number {
  const i = row * v.k + kk;
  const t = v.transpose;
  if (!t) return i;
  const per = t.p * t.q;
  const b = Math.floor(i / per);
  const rem = i - b * per;
  const q = Math.floor(rem / t.p);
  const p = rem - q * t.p;
  return b * per + p * t.q + q;
}
