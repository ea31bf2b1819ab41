import type { ModelMemory } from '../../onnx/model-memory';
import { kernelExports } from './simd-module';

/** The kernels of the pruning plan's magnitude pass (simd/magsums.ts, simd/runsums.ts). */
interface Exports {
  magsums(inp: number, n: number, first: number, bins: number, rows: number, blocks: number, rowTab: number, colTab: number, mode: number, p: number, q: number, k: number, scratch: number): void;
  rowsAlong(inp: number, n: number, first: number, rows: number, columns: number, len: number): void;
  blocksAlongRows(inp: number, n: number, first: number, blocks: number, rowTab: number, k: number): void;
  blocksAlongColumns(inp: number, n: number, first: number, blocks: number, colTab: number, q: number): void;
  blockRuns(inp: number, n: number, first: number, lineLen: number, run: number, blocks: number, posTab: number, lineTab: number): void;
  blocksChannelLast(inp: number, n: number, first: number, blocks: number, rowTab: number, colTab: number, p: number, q: number, c: number): void;
  smallestSums32(inp: number, n: number, takes: number, nTakes: number, out: number, at: number, gather: number, gatherBytes: number): void;
  smallestSums64(inp: number, n: number, takes: number, nTakes: number, out: number, at: number, gather: number, gatherBytes: number): void;
}

/** Bytes of magsums' interleaved bins (simd/magsums.ts SCRATCH_BYTES), and the chunk size from which they pay for their clearing. */
export const MAG_SCRATCH_BYTES = 2 * 4 * 4096 * 8;
export const MAG_WAYS_FROM = 1 << 15;
/** Most takes smallestSums ranks in one call. */
const MAX_TAKES = 16;
/** Two select levels of 65,536 u32 counts and f64 sums (simd/select.ts SELECT_BYTES). */
const LEVELS_BYTES = 2 * (1 << 16) * 12;
/**
 * Where the select gathers the values of the buckets its takes end in (and its per-take state):
 * 4 MiB, a million float32 sums, covers the plan's largest weights (11 M block sums, three takes).
 */
const GATHER_BYTES = 4 << 20;
/** Scratch smallestSums uses: the select's levels, its takes and sums, then its gathered values. */
export const SELECT_BYTES = LEVELS_BYTES + 2 * 8 * MAX_TAKES + GATHER_BYTES;

/**
 * The plan's sums over chunks of float32 magnitudes (bins, rows, blocks) and the exact select that
 * ranks block and row sums, over one model's memory. Addresses are in that memory; the weight kernels
 * (SimdKernels) lay out the arena they point into.
 */
export class PlanKernels {
  private readonly x: Exports;

  constructor(private readonly mem: ModelMemory) {
    this.x = kernelExports<Exports>(mem);
  }

  private buffer(): ArrayBufferLike {
    return this.mem.memory.buffer;
  }

  /**
   * Sums over n float32 values at ptr, elements first.. (simd/magsums.ts): bins (4096 f64 counts,
   * then sums) and rows at their addresses, either 0 to skip it; blocks (f32) at rowTab[row] +
   * colTab[col], or 0.
   */
  magSums(ptr: number, n: number, first: number, at: { bins: number; rows: number; blocks: number; rowTab: number; colTab: number; scratch: number }, walk: { mode: number; p: number; q: number; k: number }): void {
    this.x.magsums(ptr, n, first, at.bins, at.rows, at.blocks, at.rowTab, at.colTab, walk.mode, walk.p, walk.q, walk.k, n >= MAG_WAYS_FROM ? at.scratch : 0);
  }

  /** Row sums (f64 at rows) with SIMD where memory runs along the view's rows of K (`rows`) or along its columns (MatMul B [K, N] in one batch, len N). */
  rowsAlong(along: 'rows' | 'columns', ptr: number, n: number, first: number, rows: number, len: number): void {
    this.x.rowsAlong(ptr, n, first, rows, along === 'columns' ? 1 : 0, len);
  }

  /**
   * 4x1 block sums of n float32 values at ptr (elements first..) with SIMD, where memory runs
   * along the view's rows of K (`rows`: slots rowTab[row] + col) or along its columns (MatMul B
   * [K, N] in one batch, q = N: slots colTab[col] + row / 4).
   */
  blocks4x1(along: 'rows' | 'columns', ptr: number, n: number, first: number, blocks: number, table: number, len: number): void {
    if (along === 'rows') this.x.blocksAlongRows(ptr, n, first, blocks, table, len);
    else this.x.blocksAlongColumns(ptr, n, first, blocks, table, len);
  }

  /**
   * Block sums of n float32 values at ptr (elements first..) whose blocks lie in runs of `run`
   * values along lines of `lineLen` in memory (simd/runsums.ts blockRuns): slot posTab[pos] +
   * lineTab[line].
   */
  blockRuns(ptr: number, n: number, first: number, lineLen: number, run: number, blocks: number, posTab: number, lineTab: number): void {
    this.x.blockRuns(ptr, n, first, lineLen, run, blocks, posTab, lineTab);
  }

  /**
   * Block sums of n float32 values at ptr (elements first..) of a convolution read channel-last
   * (memory [rows][p][q], the view's column qq x p + pp; simd/runsums.ts blocksChannelLast):
   * slot rowTab[row] + colTab[col], blocks `c` columns wide.
   */
  blocksChannelLast(ptr: number, n: number, first: number, blocks: number, rowTab: number, colTab: number, p: number, q: number, c: number): void {
    this.x.blocksChannelLast(ptr, n, first, blocks, rowTab, colTab, p, q, c);
  }

  /**
   * The sum of the take[i] smallest of n non-negative values at ptr (float32, or float64 when
   * wide), for each i, exactly (simd/select.ts); `at`: SELECT_BYTES of scratch.
   */
  smallestSums(ptr: number, n: number, wide: boolean, take: readonly number[], at: number): number[] {
    if (take.length > MAX_TAKES) throw new RangeError(`at most ${MAX_TAKES} takes at once (${take.length} asked)`);
    const io = at + LEVELS_BYTES;
    const takes = new Float64Array(this.buffer(), io, take.length);
    takes.set(take);
    (wide ? this.x.smallestSums64 : this.x.smallestSums32)(ptr, n, io, take.length, io + 8 * MAX_TAKES, at, io + 16 * MAX_TAKES, GATHER_BYTES);
    return Array.from(new Float64Array(this.buffer(), io + 8 * MAX_TAKES, take.length));
  }
}
