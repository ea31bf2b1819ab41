import type { DensitySpread } from '../../../common/protocol';

/**
 * A value's density sample by sample, folded as the samples run: exact mean, min and max, and a
 * series small enough for a report whatever the sample count. The series holds one point per
 * sample up to SERIES points; past that, neighbouring points merge pairwise (each then the mean of
 * twice as many consecutive samples), so it stays between SERIES / 2 and SERIES points in order.
 */
export const SERIES = 64;

export interface SampleSpread {
  n: number;
  sum: number;
  min: number;
  max: number;
  /** Completed points, each the mean of `step` samples. */
  series: number[];
  step: number;
  /** The point being filled: sum and count of its samples so far. */
  partialSum: number;
  partialN: number;
}

export function emptySpread(): SampleSpread {
  return { n: 0, sum: 0, min: Infinity, max: -Infinity, series: [], step: 1, partialSum: 0, partialN: 0 };
}

export function addSample(s: SampleSpread, density: number): void {
  s.n++;
  s.sum += density;
  if (density < s.min) s.min = density;
  if (density > s.max) s.max = density;
  s.partialSum += density;
  s.partialN++;
  if (s.partialN < s.step) return;
  s.series.push(s.partialSum / s.partialN);
  s.partialSum = 0;
  s.partialN = 0;
  if (s.series.length < SERIES) return;
  const merged: number[] = [];
  for (let i = 0; i < s.series.length; i += 2) merged.push((s.series[i] + s.series[i + 1]) / 2);
  s.series = merged;
  s.step *= 2;
}

/** The spread as the report carries it; null before any sample. */
export function spreadReport(s: SampleSpread): DensitySpread | null {
  if (!s.n) return null;
  const series = s.partialN ? [...s.series, s.partialSum / s.partialN] : [...s.series];
  return { samples: s.n, mean: s.sum / s.n, min: s.min, max: s.max, series, seriesStep: s.step };
}
