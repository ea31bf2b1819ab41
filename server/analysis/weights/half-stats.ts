import { float16ToFloat32Bits } from '../../onnx/float16';
import { addKernelStats, foldMagnitudes, type MagnitudeStats } from './magnitude-stats';
import type { SimdKernels } from './simd-kernels';

/** The largest binary16 magnitude bits whose value is <= the float32 threshold `nearBits` (its bits): |x| <= t as a u16 compare. */
export function halfThreshold(nearBits: number): number {
  let lo = 0;
  let hi = 0x7c00;
  // Smallest h whose value exceeds the threshold, by bisection over the ordered codes.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (float16ToFloat32Bits(mid) > nearBits) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/**
 * Folds n binary16 values at ptr (elements first..first+n-1) into s and their nonzero bits into
 * `bitmap` (a view of the kernels' memory), reading them as binary16 (simd/stats16.ts). The
 * partial bitmap words at either end, and a stretch holding Inf or NaN, are decoded to float32 and
 * take the float pass (its scalar loop).
 */
export function foldHalves(
  s: MagnitudeStats, k: SimdKernels, ptr: number, n: number, first: number, bitmap: Uint32Array, bitmapAt: number, nearBits: number, nearHalf: number,
): void {
  const head = Math.min(n, (32 - (first & 31)) & 31);
  const body = (n - head) & ~31;
  const viaFloats = (a: number, b: number): void => foldMagnitudes(s, k, k.decode16(ptr + 2 * a, b - a, false), b - a, first + a, bitmap, nearBits);
  if (head) viaFloats(0, head);
  if (body) {
    const word = (first + head) >>> 5;
    const r = k.stats16(ptr + 2 * head, body, nearHalf, bitmapAt + 4 * word);
    if (r.bins[255] > 0) viaFloats(head, head + body);
    else addKernelStats(s, r, body);
  }
  if (head + body < n) viaFloats(head + body, n);
}
