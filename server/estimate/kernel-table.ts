import type { KernelPoint, KernelTable, PeakDtype } from './profile';

/**
 * The sparse path's speedup at a GEMM shape, read from published measurements: inverse-distance
 * weighting of the nearest points in log2 space (M, N, K), on the log of the speedup. The result
 * never leaves the range of the points it weighs. Larger GEMMs than any measured are taken at
 * the nearest points (sparse gains plateau as shapes grow); a shape more than COVERAGE times
 * smaller than every measurement in any of M, N, K (where fixed costs and tile waste take over)
 * gets no gain claimed: what nobody measured is not promised.
 */

/** How far below the smallest measured M, N or K a shape may lie and still be read from the table. */
export const COVERAGE = 8;
const NEIGHBOURS = 4;

export interface KernelLookup {
  speedup: number;
  /** M, N and K each at least 1/COVERAGE of the smallest measured; otherwise the speedup was capped at 1. */
  covered: boolean;
  /** Distance to the nearest point, in log2 units. */
  nearest: number;
  /** The points had the layer's dtype class; otherwise every point was used. */
  dtypeMatched: boolean;
}

/** Dtypes whose kernels behave alike: FP16 and BF16 run the same tensor-core paths. */
function dtypeClass(d: PeakDtype): string {
  return d === 'bfloat16' ? 'float16' : d === 'tfloat32' ? 'float32' : d;
}

/** Lookups per table, by shape: the sweep asks the same shapes of every target using a table. */
const memo = new WeakMap<KernelTable, Map<string, KernelLookup>>();
const MEMO_MAX = 50_000;

export function kernelSpeedup(t: KernelTable, m: number, n: number, k: number, dtype: PeakDtype): KernelLookup {
  let cache = memo.get(t);
  if (!cache || cache.size > MEMO_MAX) memo.set(t, (cache = new Map()));
  const key = `${m}|${n}|${k}|${dtype}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const out = lookup(t, m, n, k, dtype);
  cache.set(key, out);
  return out;
}

function lookup(t: KernelTable, m: number, n: number, k: number, dtype: PeakDtype): KernelLookup {
  const cls = dtypeClass(dtype);
  const same = t.points.filter((p) => dtypeClass(p.dtype) === cls);
  const pts = same.length ? same : t.points;
  const lm = Math.log2(Math.max(m, 1));
  const ln = Math.log2(Math.max(n, 1));
  const lk = Math.log2(Math.max(k, 1));
  const near = pts
    .map((p): [number, KernelPoint] => [Math.hypot(Math.log2(p.m) - lm, Math.log2(p.n) - ln, Math.log2(p.k) - lk), p])
    .sort((a, b) => a[0] - b[0])
    .slice(0, NEIGHBOURS);
  const nearest = near[0][0];
  let speedup: number;
  const exact = near.filter(([d]) => d < 1e-9);
  if (exact.length) speedup = Math.exp(exact.reduce((s, [, p]) => s + Math.log(p.speedup), 0) / exact.length);
  else {
    let w = 0;
    let acc = 0;
    for (const [d, p] of near) {
      w += 1 / (d * d);
      acc += Math.log(p.speedup) / (d * d);
    }
    speedup = Math.exp(acc / w);
  }
  const covered = m * COVERAGE >= Math.min(...pts.map((p) => p.m)) && n * COVERAGE >= Math.min(...pts.map((p) => p.n)) && k * COVERAGE >= Math.min(...pts.map((p) => p.k));
  return { speedup: covered ? speedup : Math.min(1, speedup), covered, nearest, dtypeMatched: same.length > 0 };
}
