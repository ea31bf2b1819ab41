import type { GemmView } from '../layers/gemm-view';
import type { SimdKernels } from './simd-kernels';

/** Structured sparsity of a weight: all-zero output channels (rows), K columns and input channels. */
export interface StructureCounts {
  zeroRows: number;
  zeroCols: number;
  /** Input channels (per group, over all kernel positions and the group's rows) that are all zero. */
  zeroInputChannels: number;
  inputChannels: number;
}

/** From the view bitmap at `at`; uses the arena's block-row and channel areas. */
export function structure(k: SimdKernels, at: number, v: GemmView): StructureCounts {
  // No K: every row is zero, and there are no columns or channels to walk.
  if (v.k === 0) return { zeroRows: v.rows, zeroCols: 0, zeroInputChannels: v.channels * v.groups, inputChannels: v.channels * v.groups };
  const { bands, chan } = k.areas;
  const kw = Math.ceil(v.k / 32);
  const zeroRows = k.zeroRows(at, v.rows, v.k);
  // One block row of all rows: a K column is zero when no row has its bit.
  k.orBands(at, v.rows, v.k, Math.max(1, v.rows), bands);
  const zeroCols = v.rows ? v.k - k.popcount(bands, kw) : v.k;
  // One block row per convolution group: channel c of a group is zero when no kernel position has it.
  k.orBands(at, v.rows, v.k, Math.max(1, v.rows / v.groups), bands);
  const zeroInputChannels = v.rows ? k.zeroChannels(bands, v.groups, v.kernelPositions, v.channels, chan) : v.channels * v.groups;
  return { zeroRows, zeroCols, zeroInputChannels, inputChannels: v.channels * v.groups };
}
