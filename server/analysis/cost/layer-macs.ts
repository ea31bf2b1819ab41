import { product } from '../../onnx/tensor';
import type { NodeAttrs, TensorShape } from './node-attrs';

/**
 * Multiply-adds of the layer ops (../shared/DESIGN.md "MACs and bytes"): Conv, ConvTranspose,
 * Gemm, MatMul and their quantized forms. Each takes the shapes a run produced; a factor that no
 * known shape gives makes the count 0 ("unknown"), never a partial product or NaN.
 */

/** The dims of a known shape of at least `minRank` whose every dim is a usable size. */
export function knownDims(s: TensorShape | undefined, minRank = 0): readonly number[] | undefined {
  if (!s || s.dims.length < minRank) return undefined;
  return s.dims.every((d) => Number.isSafeInteger(d) && d >= 0) ? s.dims : undefined;
}

/** The product of the factors, or 0 when any is unknown or not a whole size. */
function macsOf(factors: readonly (number | undefined)[]): number {
  let n = 1;
  for (const f of factors) {
    if (f === undefined || !Number.isSafeInteger(f) || f < 0) return 0;
    n *= f;
  }
  return n;
}

/**
 * Output spatial sizes of a convolution, per the ONNX Conv spec: NOTSET (or absent) uses the
 * explicit pads [x1_begin, x2_begin, ..., x1_end, x2_end] (default 0); SAME_UPPER and SAME_LOWER
 * give ceil(in / stride) whatever the kernel (they differ only in where the odd pad goes); VALID
 * pads nothing. Conv has no ceil_mode: NOTSET and VALID round down. Undefined when the ranks
 * disagree, the auto_pad is unknown, or an output size would be below 1 (the op would fail).
 */
export function convOutputSpatial(
  inSpatial: readonly number[], kernel: readonly number[], strides?: readonly number[],
  dilations?: readonly number[], pads?: readonly number[], autoPad?: string,
): number[] | undefined {
  const r = inSpatial.length;
  if (kernel.length !== r || (strides && strides.length !== r) || (dilations && dilations.length !== r)) return undefined;
  if (pads && pads.length !== 2 * r) return undefined;
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const s = strides?.[i] ?? 1;
    const span = ((kernel[i] - 1) * (dilations?.[i] ?? 1)) + 1;
    let o: number;
    switch (autoPad ?? 'NOTSET') {
      case '': case 'NOTSET': o = Math.floor((inSpatial[i] + (pads?.[i] ?? 0) + (pads?.[i + r] ?? 0) - span) / s) + 1; break;
      case 'SAME_UPPER': case 'SAME_LOWER': o = Math.ceil(inSpatial[i] / s); break;
      case 'VALID': o = Math.floor((inSpatial[i] - span) / s) + 1; break;
      default: return undefined;
    }
    if (!(o >= 1)) return undefined;
    out.push(o);
  }
  return out;
}

/**
 * Conv, ConvInteger, QLinearConv: batch x Cout x prod(out spatial) x (Cin/g x prod(k)).
 * W [Cout, Cin/g, k...] gives Cout and the kernel; the run's output gives the spatial sizes (they
 * already reflect strides, dilations, pads and auto_pad), computed from the attributes only when
 * the output is unknown.
 */
export function convMacs(attrs: NodeAttrs, x?: TensorShape, w?: TensorShape, y?: TensorShape): number {
  const group = attrs.int('group', 1);
  const xd = knownDims(x, 3);
  const wd = knownDims(w, 3);
  const yd = knownDims(y, 3);
  const kernel = wd?.slice(2) ?? attrs.ints('kernel_shape');
  const spatial = yd?.slice(2) ?? (xd && kernel
    ? convOutputSpatial(xd.slice(2), kernel, attrs.ints('strides'), attrs.ints('dilations'), attrs.ints('pads'), attrs.string('auto_pad'))
    : undefined);
  if (!kernel || !spatial) return 0;
  const cinPerGroup = wd?.[1] ?? (xd ? xd[1] / group : undefined);
  return macsOf([yd?.[0] ?? xd?.[0], wd?.[0] ?? yd?.[1], product(spatial), cinPerGroup, product(kernel)]);
}

/**
 * ConvTranspose: batch x Cin x prod(in spatial) x (Cout/g x prod(k)): every input element is
 * scattered, once per output channel of its group and kernel position. W [Cin, Cout/g, k...].
 */
export function convTransposeMacs(attrs: NodeAttrs, x?: TensorShape, w?: TensorShape, y?: TensorShape): number {
  const group = attrs.int('group', 1);
  const xd = knownDims(x, 3);
  const wd = knownDims(w, 3);
  const yd = knownDims(y, 3);
  const kernel = wd?.slice(2) ?? attrs.ints('kernel_shape');
  if (!xd || !kernel) return 0;
  const coutPerGroup = wd?.[1] ?? (yd ? yd[1] / group : undefined);
  return macsOf([xd[0], xd[1], product(xd.slice(2)), coutPerGroup, product(kernel)]);
}

/** Gemm: M x N x K, A [M, K] ([K, M] with transA), B [K, N] ([N, K] with transB), Y [M, N]. */
export function gemmMacs(transA: boolean, transB: boolean, a?: TensorShape, b?: TensorShape, y?: TensorShape): number {
  const ad = knownDims(a, 2);
  const bd = knownDims(b, 2);
  const yd = knownDims(y, 2);
  const m = ad ? ad[transA ? 1 : 0] : yd?.[0];
  const n = bd ? bd[transB ? 0 : 1] : yd?.[1];
  const k = ad ? ad[transA ? 0 : 1] : bd?.[transB ? 1 : 0];
  return macsOf([m, n, k]);
}

/** Right-aligned numpy broadcasting of two batch shapes; undefined when they do not broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const p = a[a.length - r + i] ?? 1;
    const q = b[b.length - r + i] ?? 1;
    if (p !== q && p !== 1 && q !== 1) return undefined;
    out.push(p === 1 ? q : p);
  }
  return out;
}

/**
 * MatMul, MatMulInteger, QLinearMatMul with numpy semantics: a 1-D A is [1, K] and a 1-D B is
 * [K, 1] (the added axis is dropped from the result, which does not change the count), the
 * batch dims broadcast: prod(batch) x M x N x K.
 */
export function matmulMacs(a?: TensorShape, b?: TensorShape): number {
  const ad = knownDims(a, 1);
  const bd = knownDims(b, 1);
  if (!ad || !bd) return 0;
  const m = ad.length === 1 ? 1 : ad[ad.length - 2];
  const k = ad[ad.length - 1];
  const kb = bd.length === 1 ? bd[0] : bd[bd.length - 2];
  const n = bd.length === 1 ? 1 : bd[bd.length - 1];
  const batch = broadcastDims(ad.slice(0, -2), bd.slice(0, -2));
  if (k !== kb || !batch) return 0;
  return macsOf([product(batch), m, n, k]);
}
