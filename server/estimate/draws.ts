import { rng } from '../random';
import type { AcceleratorProfile, PeakDtype, Sourced } from './profile';

/**
 * One draw of every ranged number of a profile: the nominal draw takes each value as stated,
 * a random draw takes each uniformly within its range, independently. The dense baseline and
 * the sparse path of every layer are timed under the same draw, so a faster chip speeds both.
 */
export interface Params {
  /** Peak x utilization, MAC/s, by compute dtype. */
  rate: Partial<Record<PeakDtype, number>>;
  bandwidth: number;
  /** n:m roofline mode: sparse math gain, index bits per kept value, bandwidth efficiency. */
  mathSpeedup: number;
  metadataBits: number;
  bandwidthEfficiency: number;
  /** n:m table mode: multiplier on the table's speedup. */
  kernelFactor: number;
  callOverhead: number;
  /** Curve kinds: multiplier on the relative time, index overhead. */
  curveFactor: number;
  indexOverhead: number;
  /**
   * Dual kind: where each layer's activation density sits between its lowest and highest
   * per-sample density (0 to 1, every layer at once: samples that are sparse in one layer tend to
   * be in the next); null: at the mean over the samples.
   */
  activationAt: number | null;
}

/** Fixed, so a report is the same every time it is made. */
export const SEED = 20261201;

type Pick = (value: number, range: [number, number] | undefined) => number;

function params(p: AcceleratorProfile, pick: Pick, spread: () => number | null): Params {
  const s = (v: Sourced | undefined, fallback: number): number => (v ? pick(v.value, v.range) : fallback);
  const util = s(p.utilization, 1);
  // Every key in one order and as a number, whatever the profile has (NaN where it has no peak:
  // no plan reads one, peakFor picks peaks the profile has): the draws' loops read q.rate[peak]
  // for every target, and rates of a dozen shapes made those reads deoptimize again and again.
  const rate: Params['rate'] = { float32: NaN, tfloat32: NaN, float16: NaN, bfloat16: NaN, int8: NaN, float8: NaN, int4: NaN, float4: NaN };
  for (const [d, v] of Object.entries(p.peakMacsPerSecond) as [PeakDtype, Sourced][]) rate[d] = pick(v.value, v.range) * util;
  const out: Params = {
    rate, bandwidth: s(p.memoryBandwidth, 1), mathSpeedup: 1, metadataBits: 0, bandwidthEfficiency: 1,
    kernelFactor: 1, callOverhead: 0, curveFactor: 1, indexOverhead: 0, activationAt: null,
  };
  if (p.kind === 'n:m') {
    const q = p.sparsity;
    out.mathSpeedup = s(q.mathSpeedup, 1);
    out.metadataBits = s(q.metadataBitsPerNonzero, 0);
    out.bandwidthEfficiency = s(q.bandwidthEfficiency, 1);
    out.kernelFactor = q.kernel ? pick(1, q.kernel.range) : 1;
    out.callOverhead = s(q.callOverheadSeconds, 0);
  } else if (p.kind !== 'none') {
    out.curveFactor = pick(1, p.sparsity.curve.range);
    out.indexOverhead = s(p.sparsity.indexOverhead, 0);
    if (p.kind === 'dual') out.activationAt = spread();
  }
  return out;
}

export function nominalParams(p: AcceleratorProfile): Params {
  return params(p, (v) => v, () => null);
}

/**
 * Draws made so far per profile (the default seed): the first n of a longer series are the n
 * draws themselves, and one report draws for the same profile dozens of times (each scenario,
 * the sweep, the advisor's estimates). Draws are never changed once made.
 */
const drawn = new WeakMap<AcceleratorProfile, { draws: Params[]; more: () => Params }>();

/** `n` draws from a fixed seed; the same profile always gets the same draws. */
export function drawnParams(p: AcceleratorProfile, n: number, seed = SEED): Params[] {
  if (seed !== SEED) return series(p, seed, n);
  let d = drawn.get(p);
  if (!d) {
    const rand = rng(seed);
    const pick: Pick = (v, r) => (r ? r[0] + rand() * (r[1] - r[0]) : v);
    drawn.set(p, (d = { draws: [], more: () => params(p, pick, rand) }));
  }
  while (d.draws.length < n) d.draws.push(d.more());
  return d.draws.slice(0, n);
}

function series(p: AcceleratorProfile, seed: number, n: number): Params[] {
  const rand = rng(seed);
  const pick: Pick = (v, r) => (r ? r[0] + rand() * (r[1] - r[0]) : v);
  return Array.from({ length: n }, () => params(p, pick, rand));
}
