import type { Log2Histogram, MagnitudeSummary, NmReport } from '../../../common/protocol';
import { bitsToFloat, type MagnitudeStats } from './magnitude-stats';
import type { KeptSums } from './nm-kept';

/** min/max/mean/std of |x| over finite values; std from the sums, clamped at 0 against rounding. */
export function magnitudeSummary(s: MagnitudeStats, elements: number): MagnitudeSummary {
  const finite = elements - s.nonFinite;
  const mean = finite > 0 ? s.sum / finite : 0;
  const variance = finite > 0 ? Math.max(0, s.sumSq / finite - mean * mean) : 0;
  return {
    minNonzero: s.minNonzeroBitsM1 === 0xffffffff ? null : bitsToFloat(s.minNonzeroBitsM1 + 1),
    max: bitsToFloat(s.maxBits),
    mean,
    std: Math.sqrt(variance),
    nonFinite: s.nonFinite,
  };
}

/**
 * The exponent bins trimmed to their nonzero span. Bin e of the stats holds [2^(e-127), 2^(e-126));
 * bin 0 mixes zeros with subnormals, so zeros are taken out of it.
 */
export function log2Histogram(s: MagnitudeStats): Log2Histogram {
  const bins = s.exponentBins;
  const count = (e: number): number => (e === 0 ? bins[0] - s.zeros : bins[e]);
  // Scan the bins in place and copy only their nonzero span (this runs once per weight, often cold).
  let lo = 0;
  while (lo < 255 && count(lo) === 0) lo++;
  let hi = 254;
  while (hi >= lo && count(hi) === 0) hi--;
  if (lo > hi) return { log2Start: 0, counts: [] };
  const counts: number[] = [];
  for (let e = lo; e <= hi; e++) counts.push(count(e));
  // Bin 0 is labelled [2^-127, 2^-126) and also holds the subnormals below it.
  return { log2Start: lo - 127, counts };
}

/** Kept shares for pattern n:m from the sums over its M, against the weight's whole |x| and x^2 sums. */
export function keptShares(kept: KeptSums[] | null, s: MagnitudeStats, n: number, m: number): Pick<NmReport, 'l1Kept' | 'l2Kept'> {
  const k = kept?.find((x) => x.m === m);
  const i = k ? k.ns.indexOf(n) : -1;
  if (!k || i < 0 || s.nonFinite > 0) return { l1Kept: null, l2Kept: null };
  return {
    l1Kept: s.sum > 0 ? Math.min(1, k.l1[i] / s.sum) : 1,
    l2Kept: s.sumSq > 0 ? Math.min(1, k.l2[i] / s.sumSq) : 1,
  };
}
