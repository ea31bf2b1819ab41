import type { ChannelActivity } from '../../../common/protocol';

/**
 * Per channel of a layer's input or output, over the samples: exact zeros, and in how many
 * samples the channel was zero everywhere (dead). In the graph (instrument.ts) the counts come
 * from the same compare that counts the value's zeros; here, from copied-out tensors, in one
 * pass. N:M compliance of activations: groups of M consecutive channels at one position.
 */

/** Where a value's channels are: axis 1 (NCHW convs, Gemm) or the last (MatMul). */
export type ChannelAxis = 'second' | 'last';

/**
 * What the caller knows of a layer value's channels: the axis, whether it is a layer's data
 * input (then N:M is measured), and for inputs the count the layer's weight implies (a MatMul's A
 * must end in the weight's K for the model to run at all), which is trusted over static inference.
 */
export interface ChannelRole {
  axis: ChannelAxis;
  input: boolean;
  count?: number;
}

/** Past this many channels a value's report keeps its dead channels and counts, not the per-channel shares. */
export const MAX_CHANNEL_ARRAYS = 4096;

export interface ChannelFold {
  /** The axis in the value's dims. */
  axis: number;
  count: number;
  /** Zeros per channel over all samples. */
  zeros: Float64Array;
  /** Elements per channel over all samples. */
  elements: number;
  /** Samples in which each channel was all zero. */
  dead: Uint32Array;
  samples: number;
}

export function emptyChannels(axis: number, count: number): ChannelFold {
  return { axis, count, zeros: new Float64Array(count), elements: 0, dead: new Uint32Array(count), samples: 0 };
}

/** One sample: `zeros[c]` of `perChannel` elements each. */
export function addChannelSample(f: ChannelFold, zeros: ArrayLike<number>, perChannel: number): void {
  for (let c = 0; c < f.count; c++) {
    const z = zeros[c];
    f.zeros[c] += z;
    if (z === perChannel) f.dead[c]++;
  }
  f.elements += perChannel;
  f.samples++;
}

export function channelReport(f: ChannelFold): ChannelActivity {
  const dead: number[] = [];
  let sometimes = 0;
  const arrays = f.count <= MAX_CHANNEL_ARRAYS;
  const deadShare: number[] = arrays ? new Array<number>(f.count) : [];
  const density: number[] = arrays ? new Array<number>(f.count) : [];
  for (let c = 0; c < f.count; c++) {
    if (f.samples && f.dead[c] === f.samples) dead.push(c);
    if (f.dead[c] > 0) sometimes++;
    if (!arrays) continue;
    deadShare[c] = f.samples ? f.dead[c] / f.samples : 0;
    density[c] = f.elements ? 1 - f.zeros[c] / f.elements : 1;
  }
  return { axis: f.axis, count: f.count, dead, sometimesDead: sometimes, deadShare, density };
}

/** The axis index of `role` in a value of `rank` dims; undefined where it has no channel axis. */
export function channelAxisOf(axis: ChannelAxis, rank: number): number | undefined {
  if (rank < 2) return undefined;
  return axis === 'second' ? 1 : rank - 1;
}

const isZero = (v: number | bigint): boolean => v === 0 || v === 0n;

/** Zeros per channel along `axis` of one sample's tensor. */
export function channelZeros(data: ArrayLike<number | bigint>, dims: readonly number[], axis: number): Float64Array {
  const c = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const out = new Float64Array(c);
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < c; k++) {
      const base = (o * c + k) * inner;
      let z = 0;
      for (let i = 0; i < inner; i++) z += isZero(data[base + i]) ? 1 : 0;
      out[k] += z;
    }
  return out;
}

/** N:M pattern "2:4" as [2, 4]. */
export function parsePattern(p: string): [number, number] | undefined {
  const m = /^(\d+):(\d+)$/.exec(p);
  if (!m) return undefined;
  const n = Number(m[1]);
  const mm = Number(m[2]);
  return mm >= 1 && n <= mm ? [n, mm] : undefined;
}

/** The patterns ("2:4") whose M divides `channels`, as [pattern, N] by M in the order first met. */
export function patternsByM(patterns: readonly string[], channels: number): Map<number, [string, number][]> {
  const byM = new Map<number, [string, number][]>();
  for (const p of patterns) {
    const nm = parsePattern(p);
    if (nm && channels % nm[1] === 0) byM.set(nm[1], [...(byM.get(nm[1]) ?? []), [p, nm[0]]]);
  }
  return byM;
}

/**
 * Groups of M consecutive channels (at each position of the other axes) holding at most N
 * nonzeros, per pattern, in one sample; groups when the channel count is a multiple of M.
 */
export function nmGroups(data: ArrayLike<number | bigint>, dims: readonly number[], axis: number, patterns: readonly string[]): Record<string, { complying: number; groups: number }> {
  const out: Record<string, { complying: number; groups: number }> = {};
  const c = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const byM = patternsByM(patterns, c);
  const nonzero = new Uint32Array(inner);
  for (const [m, list] of byM) {
    for (const [p] of list) out[p] = { complying: 0, groups: (outer * c * inner) / m };
    for (let o = 0; o < outer; o++)
      for (let g = 0; g < c / m; g++) {
        nonzero.fill(0);
        for (let k = 0; k < m; k++) {
          const base = (o * c + g * m + k) * inner;
          for (let i = 0; i < inner; i++) nonzero[i] += isZero(data[base + i]) ? 0 : 1;
        }
        for (const [p, n] of list) {
          let ok = 0;
          for (let i = 0; i < inner; i++) ok += nonzero[i] <= n ? 1 : 0;
          out[p].complying += ok;
        }
      }
  }
  return out;
}

export function mergeNm(into: Record<string, { complying: number; groups: number }>, s: Record<string, { complying: number; groups: number }>): void {
  for (const [p, x] of Object.entries(s)) {
    const y = (into[p] ??= { complying: 0, groups: 0 });
    y.complying += x.complying;
    y.groups += x.groups;
  }
}
