import { drawnParams, nominalParams } from '../estimate/draws';
import { plan, run } from '../estimate/evaluate';
import type { AcceleratorProfile } from '../estimate/profile';
import type { Workload } from '../estimate/workload';

/**
 * How much faster workload `after` runs than `before` on one target: their estimated times'
 * ratio under the nominal draw, and its range over random draws with both timed under the same
 * draw (a faster chip speeds both), as the estimates' own ranges are sampled.
 */
export function timeRatio(before: Workload, after: Workload, p: AcceleratorProfile, draws: number, asOf?: string): { ratio: number; range: [number, number] } {
  const a = plan(before, p, asOf);
  const b = plan(after, p, asOf);
  const one = (q: ReturnType<typeof nominalParams>): number => {
    const t = run(b, q).sparse;
    return t > 0 ? run(a, q).sparse / t : 1;
  };
  const ratio = one(nominalParams(p));
  let [lo, hi] = [ratio, ratio];
  for (const q of drawnParams(p, draws)) {
    const x = one(q);
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return { ratio, range: [lo, hi] };
}
