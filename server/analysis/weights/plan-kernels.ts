import type { ModelMemory } from '../../onnx/model-memory';
import { kernelExports } from './simd-module';

/** The kernels of the pruning plan's magnitude pass (simd/magsums.ts). */
interface Exports {
  magsums(inp: number, n: number, first: number, bins: number, rows: number, blocks: number, rowTab: number, colTab: number, mode: number, p: number, q: number, k: number, scratch: number): void;
  rowsAlong(inp: number, n: number, first: number, rows: number, columns: number, len: number): void;
  blocksAlongRows(inp: number, n: number, first: number, blocks: number, rowTab: number, k: number): void;
  blocksAlongColumns(inp: number, n: number, first: number, blocks: number, colTab: number, q: number): void;
  hist16(inp: number, n: number, counts: number, sums: number): void;
  low16(inp: number, n: number, b: number, out: number): void;
}

/** Bytes of magsums' interleaved bins (simd/magsums.ts SCRATCH_BYTES), and the chunk size from which they pay for their clearing. */
export const MAG_SCRATCH_BYTES = 2 * 4 * 4096 * 8;
export const MAG_WAYS_FROM = 1 << 15;
/** Bytes hist16 and low16 use: three tables of 65,536 f64. */
export const BUCKETS16_BYTES = 3 * (1 << 16) * 8;

/**
 * The plan's sums over chunks of float32 magnitudes (bins, rows, blocks) and the histograms that
 * rank block sums, over one model's memory. Addresses are in that memory; the weight kernels
 * (SimdKernels) lay out the arena they point into.
 */
export class PlanKernels {
  private readonly x: Exports;

  constructor(private readonly mem: ModelMemory) {
    this.x = kernelExports<Exports>(mem);
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
   * Ranking histograms of n non-negative float32 values at ptr (simd/magsums.ts), in BUCKETS16_BYTES
   * at `at`: counts then sums (f64) by the top 16 bits of the pattern; low16: the counts by the
   * low 16 bits of those values in one bucket (at + 2 x 2^19).
   */
  hist16(ptr: number, n: number, at: number): { counts: Float64Array; sums: Float64Array } {
    this.x.hist16(ptr, n, at, at + (1 << 19));
    return { counts: this.f64(at, 1 << 16), sums: this.f64(at + (1 << 19), 1 << 16) };
  }

  low16(ptr: number, n: number, bucket: number, at: number): Float64Array {
    this.x.low16(ptr, n, bucket, at + (2 << 19));
    return this.f64(at + (2 << 19), 1 << 16);
  }

  private f64(at: number, n: number): Float64Array {
    return new Float64Array(this.mem.memory.buffer, at, n);
  }
}
