import type { GemmView } from '../layers/gemm-view';
import { anyBits, countBits, getBits, newBitmap, orBits } from './bitmap';
import { orRows } from './view-bitmap';

/** Structured sparsity of a weight: all-zero output channels (rows), K columns and input channels. */
export interface StructureCounts {
  zeroRows: number;
  zeroCols: number;
  /** Input channels (per group, over all kernel positions and the group's rows) that are all zero. */
  zeroInputChannels: number;
  inputChannels: number;
}

export function structure(bm: Uint32Array, v: GemmView): StructureCounts {
  let zeroRows = 0;
  for (let r = 0; r < v.rows; r++) if (!anyBits(bm, r * v.k, v.k)) zeroRows++;
  const col = newBitmap(v.k);
  const all = newBitmap(v.k);
  const rowsPerGroup = v.rows / v.groups;
  let zeroInputChannels = 0;
  for (let g = 0; g < v.groups; g++) {
    orRows(bm, v, g * rowsPerGroup, (g + 1) * rowsPerGroup, col);
    for (let w = 0; w < col.length; w++) all[w] |= col[w];
    // Channel c of this group is zero when no kernel position s has a nonzero at k = s*channels + c.
    const chan = newBitmap(v.channels);
    for (let s = 0; s < v.kernelPositions; s++)
      for (let c = 0; c < v.channels; c += 32) {
        const len = Math.min(32, v.channels - c);
        orBits(chan, c, getBits(col, s * v.channels + c, len), len);
      }
    zeroInputChannels += v.channels - countBits(chan, 0, v.channels);
  }
  return {
    zeroRows,
    zeroCols: v.k - countBits(all, 0, v.k),
    zeroInputChannels,
    inputChannels: v.channels * v.groups,
  };
}
