import type { NearZeroRule } from '../../../common/protocol';
import { ModelMemory } from '../../onnx/model-memory';
import { kernelExports } from '../weights/simd-module';
import type { RunStats } from './activation-stats';
import { channelZeros, nmGroups, patternsByM } from './channel-stats';
import { HISTOGRAM_THRESHOLDS, nextUp } from './instrument';

/**
 * The fold of a float32 tensor we hold (a value copied out of onnxruntime, an input we fed it) in
 * the WebAssembly kernels (weights/simd/values.ts): its statistics, and along a channel axis its
 * zeros per channel and N:M groups, bit-for-bit what tensorStats, channelZeros and nmGroups give.
 * Those JavaScript references stay for other dtypes and for layouts past the chunk below; on
 * float32 they ran 20-200 ns a value in the onnxruntime child's one cold pass (each element read
 * boxed a number until the loop was optimized: PP-OCRv4 det's 1.2 M input values took ~95 ms),
 * and the kernels take ~2 ns.
 */

interface ValueKernels {
  vstats(inp: number, n: number, acc: number, near: number, thr: number): void;
  vbelow(inp: number, n: number, below: number): number;
  rowZeros(inp: number, rows: number, inner: number, out: number): void;
  nmRows(inp: number, groups: number, m: number, inner: number, ns: number, np: number, out: number): void;
}

/** Values copied into the kernels' memory at a time (1 MiB of float32), or one layout unit up to MAX_UNIT. */
const CHUNK = 1 << 18;
const MAX_UNIT = 1 << 22;
/**
 * Values per kernel call. A WebAssembly function runs its baseline (Liftoff) code until enough
 * calls and loop turns have passed to swap in the optimized one, and a call already running keeps
 * what it started with: one call over 1.2 M values took 13 ms in a fresh process, calls of 64 K
 * values 5.7 ms (3.5 once optimized).
 */
const STEP = 1 << 16;
/** Fixed area at the workspace's start: accumulators (13 f64), thresholds (6 f64), N:M limits and results. */
const ACC = 0;
const THR = 128;
const NS = 192;
const NMOUT = 208;
const FIXED = 256;
/** The histogram's thresholds as a float32 value is compared with them. */
const THRESHOLDS = HISTOGRAM_THRESHOLDS.map((t) => Math.fround(t));

export interface ChannelLayout {
  readonly dims: readonly number[];
  readonly axis: number;
  /** N:M patterns to count along the axis ("2:4"); empty for zeros per channel only. */
  readonly patterns: readonly string[];
}

export interface FoldedFloat32 {
  stats: RunStats;
  /** Zeros per channel (with a layout). */
  channelZeros?: Float64Array;
  /** N:M groups per pattern whose M divides the channel count (with a layout and patterns). */
  nm?: Record<string, { complying: number; groups: number }>;
}

class Folder {
  private readonly mem = new ModelMemory(0, FIXED + 4 * CHUNK + 4 * CHUNK);
  private readonly x = kernelExports<ValueKernels>(this.mem);
  private readonly base = this.mem.workspaceOffset;
  // The fixed area never moves and a shared buffer is never detached: these views stay valid.
  private readonly f64 = new Float64Array(this.mem.memory.buffer, this.base, FIXED / 8);
  private readonly i32 = new Int32Array(this.mem.memory.buffer, this.base, FIXED / 4);

  /** A float32 view of n values at the chunk area, then room for `rows` counts (the workspace grows to fit). */
  private chunk(n: number, rows = 0): { at: number; rowsAt: number; view: Float32Array } {
    this.mem.ensureWorkspace(FIXED + 4 * (n + rows));
    const at = this.base + FIXED;
    return { at, rowsAt: at + 4 * n, view: new Float32Array(this.mem.memory.buffer, at, n) };
  }

  fold(data: Float32Array, near: NearZeroRule, histogram: boolean, layout?: ChannelLayout): FoldedFloat32 {
    const n = data.length;
    const f = this.f64;
    f.fill(0, 0, 13);
    f[ACC / 8 + 2] = Infinity;
    f[ACC / 8 + 3] = -Infinity;
    for (let k = 0; k < 6; k++) f[THR / 8 + k] = histogram ? THRESHOLDS[k] : -Infinity;
    const nearBelow = near.relative ? -Infinity : this.nextUp(near.value);

    const shape = layout && channelShape(layout);
    // A chunk holds whole units (rows of the channel axis, L at a time for N:M), unless a unit alone is too large.
    const unit = shape ? shape.lcm * shape.inner : 1;
    const byChunk = shape !== undefined && unit <= MAX_UNIT;
    const per = byChunk ? Math.max(1, Math.floor(CHUNK / unit)) * unit : CHUNK;
    const zeros = shape ? new Float64Array(shape.c) : undefined;
    const nm = shape && byChunk ? new Map(shape.byM.map(([m, list]) => [m, list.map(() => 0)])) : undefined;
    for (let from = 0; from < n; from += per) {
      const len = Math.min(per, n - from);
      const { at, rowsAt, view } = this.chunk(per, byChunk ? per / shape.inner : 0);
      view.set(data.subarray(from, from + len));
      for (let i = 0; i < len; i += STEP) this.x.vstats(at + 4 * i, Math.min(STEP, len - i), this.base + ACC, nearBelow, this.base + THR);
      if (!shape || !byChunk) continue;
      const rows = len / shape.inner;
      const firstRow = from / shape.inner;
      for (const [m, list] of shape.byM) {
        const got = nm!.get(m)!;
        for (let j = 0; j < list.length; j += 3) {
          const part = list.slice(j, j + 3);
          const ints = this.i32;
          part.forEach(([, lim], k) => (ints[NS / 4 + k] = lim));
          this.x.nmRows(at, rows / m, m, shape.inner, this.base + NS, part.length, this.base + NMOUT);
          part.forEach((_, k) => (got[j + k] += ints[NMOUT / 4 + k]));
        }
      }
      const counts = this.rowZeros(at, rows, shape.inner, rowsAt);
      for (let r = 0; r < rows; r++) zeros![(firstRow + r) % shape.c] += counts[r];
    }
    const a = this.f64;
    const stats: RunStats = {
      elements: n, zeros: a[5], nearZeros: a[6], min: a[2], max: a[3], sum: a[0], sumSq: a[1],
      ...(histogram ? { hist: { below: [a[7], a[8], a[9], a[10], a[11], a[12]], elements: n, stride: 1 } } : {}),
    };
    if (near.relative) {
      // As in the graph: t x max|x| at float32, compared with <.
      const below = Math.fround(Math.fround(near.value) * a[4]);
      for (let from = 0; from < n; from += CHUNK) {
        const len = Math.min(CHUNK, n - from);
        const { at, view } = this.chunk(len);
        view.set(data.subarray(from, from + len));
        for (let i = 0; i < len; i += STEP) stats.nearZeros += this.x.vbelow(at + 4 * i, Math.min(STEP, len - i), below);
      }
    }
    if (!shape) return { stats };
    if (!byChunk) {
      const nmRef = layout!.patterns.length ? nmGroups(data, layout!.dims, layout!.axis, layout!.patterns) : undefined;
      return { stats, channelZeros: channelZeros(data, layout!.dims, layout!.axis), ...(nmRef ? { nm: nmRef } : {}) };
    }
    const out: Record<string, { complying: number; groups: number }> = {};
    for (const [m, list] of shape.byM) list.forEach(([p], k) => (out[p] = { complying: nm!.get(m)![k], groups: n / m }));
    return { stats, channelZeros: zeros, ...(layout!.patterns.length ? { nm: out } : {}) };
  }

  private near = { value: NaN, below: NaN };

  /** The run's one threshold, worked out once (nextUp makes typed arrays; a run folds thousands of values). */
  private nextUp(value: number): number {
    if (!Object.is(value, this.near.value)) this.near = { value, below: nextUp(value, false) };
    return this.near.below;
  }

  private rowZeros(at: number, rows: number, inner: number, out: number): Int32Array {
    this.x.rowZeros(at, rows, inner, out);
    return new Int32Array(this.mem.memory.buffer, out, rows);
  }
}

/** Rows of the channel axis (inner values each), and the N:M patterns by M that divide its count. */
function channelShape(l: ChannelLayout): { c: number; inner: number; lcm: number; byM: [number, [string, number][]][] } | undefined {
  const c = l.dims[l.axis];
  if (!(c > 0)) return undefined;
  const inner = l.dims.slice(l.axis + 1).reduce((a, b) => a * b, 1);
  if (!(inner > 0)) return undefined;
  const byM = patternsByM(l.patterns, c);
  // Each M divides c, so their lcm does: groups of lcm rows never straddle a channel block.
  const lcm = [...byM.keys()].reduce((a, b) => (a * b) / gcd(a, b), 1);
  return { c, inner, lcm, byM: [...byM] };
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

let folder: Folder | undefined;

/** Statistics of a float32 tensor (and its channels, with a layout) in one pass of the kernels. */
export function foldFloat32(data: Float32Array, near: NearZeroRule, histogram: boolean, layout?: ChannelLayout): FoldedFloat32 {
  folder ??= new Folder();
  return folder.fold(data, near, histogram, layout);
}
