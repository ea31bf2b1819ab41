import { forEachChunk, type ChunkEnv } from '../../onnx/chunks';
import { product, type TensorRef } from '../../onnx/tensor';
import { smallValues, SMALL_TENSOR_LIMIT, unalignedToValues } from '../../onnx/values';
import type { WeightReport } from '../../../common/protocol';
import type { QuantSource } from '../layers/dequantize-source';
import type { Layer } from '../layers/layers';
import type { Quantization } from './magnitudes';

export interface ResolvedQuant {
  quantization: Quantization;
  report: Pick<WeightReport, 'zeroPoint' | 'scale'>;
}

/**
 * The zero point (and scale) an integer weight's "zero" is measured against: from the layer that
 * consumes it (QLinearConv, ConvInteger...) or the DequantizeLinear reading it. Mismatched sizes
 * are reported and measured against 0 rather than guessed.
 */
export async function quantization(
  t: TensorRef, layers: readonly Layer[], dq: QuantSource | undefined, env: ChunkEnv, warnings: string[],
): Promise<ResolvedQuant | undefined> {
  if (!t.dtype.integer || t.elements === 0) return undefined;
  const src = layers.find((l) => l.quant)?.quant ?? dq;
  if (!src || (!src.zeroPoint && !src.scale)) return undefined;
  const zp = src.zeroPoint ? await readSmall(src.zeroPoint, env) : new Float64Array([0]);
  const scale = src.scale ? await readSmall(src.scale, env) : undefined;
  if (!zp || (src.scale && !scale)) {
    warnings.push(`${t.name}: zero point or scale is not a small readable constant; zeros measured against 0`);
    return undefined;
  }
  const perAxis = Math.max(zp.length, scale?.length ?? 1) > 1;
  const axisLen = perAxis ? t.dims[src.axis] : 1;
  if (perAxis && (axisLen === undefined || [zp, scale].some((a) => a && a.length !== 1 && a.length !== axisLen))) {
    warnings.push(`${t.name}: per-axis zero point/scale (${zp.length}/${scale?.length ?? 1} values) do not match axis ${src.axis} of shape [${t.dims.join(', ')}]; zeros measured against 0`);
    return undefined;
  }
  const widen = (a: Float64Array): Float64Array => (a.length === axisLen ? a : new Float64Array(axisLen).fill(a[0]));
  const inner = perAxis ? product(t.dims.slice(src.axis + 1)) : t.elements;
  const axis = perAxis ? src.axis : null;
  return {
    quantization: { zeroPoint: widen(zp), scale: scale ? widen(scale) : undefined, axisLen, inner: Math.max(1, inner) },
    report: {
      zeroPoint: { axis, values: Array.from(zp) },
      ...(scale ? { scale: { axis, values: Array.from(scale) } } : {}),
    },
  };
}

async function readSmall(t: TensorRef, env: ChunkEnv): Promise<Float64Array | undefined> {
  const inMemory = smallValues(t);
  if (inMemory || t.data.kind !== 'external' || t.elements > SMALL_TENSOR_LIMIT) return inMemory;
  const out = new Float64Array(t.elements);
  await forEachChunk(t, { ...env, onBytes: undefined }, t.elements + (t.elements % 2), (c) => {
    out.set(unalignedToValues(t.dtype, c.bytes, c.count), c.first);
  });
  return out;
}
