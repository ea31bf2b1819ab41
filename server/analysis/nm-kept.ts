import { memoryIndex, type GemmView } from './gemm-view';

/**
 * Magnitude kept if a weight were pruned to N:M by keeping the N largest |x| of every group of M
 * consecutive K elements (per row of the GEMM view): sums of kept |x| and x^2, to divide by the
 * whole weight's. Runs on chunks that hold whole bands (see keptBand), in memory order.
 */
export interface KeptSums {
  readonly m: number;
  /** The N of each pattern sharing this M. */
  readonly ns: readonly number[];
  readonly l1: Float64Array;
  readonly l2: Float64Array;
}

export function newKeptSums(m: number, ns: readonly number[]): KeptSums {
  return { m, ns, l1: new Float64Array(ns.length), l2: new Float64Array(ns.length) };
}

/** Memory elements a chunk must hold whole multiples of, so every group of M lies inside one chunk. */
export function keptBand(v: GemmView, m: number): number {
  const t = v.transpose;
  if (!t) return v.k;
  return t.p % m === 0 ? m * t.q : t.p * t.q;
}

const g = new Float64Array(64);

/** Folds the groups of chunk [first, first+count) (whole bands) into `acc`. */
export function foldKept(v: GemmView, acc: KeptSums, values: Float32Array, first: number, count: number): void {
  const m = acc.m;
  const t = v.transpose;
  if (!t) {
    // Memory is the view: a band is one row of K, groups are contiguous runs.
    for (let row = 0; row < count; row += v.k)
      for (let k = 0; k < v.k; k += m) keepGroup(acc, values, row + k, 1, Math.min(m, v.k - k));
  } else if (t.p % m === 0) {
    // M consecutive p at one (batch, q): a stride-q gather from M memory rows.
    const band = m * t.q;
    for (let b = 0; b < count; b += band)
      for (let q = 0; q < t.q; q++) keepGroup(acc, values, b + q, t.q, m);
  } else {
    // Groups cross p-runs (e.g. a 3-channel first conv): map each element; bands are whole batches.
    const per = t.p * t.q;
    const base = first;
    for (let b = 0; b < count; b += per) {
      const row0 = Math.floor((first + b) / per) * (per / v.k);
      for (let r = 0; r < per / v.k; r++)
        for (let k = 0; k < v.k; k += m) {
          const len = Math.min(m, v.k - k);
          for (let j = 0; j < len; j++) g[j] = Math.abs(values[memoryIndex(v, row0 + r, k + j) - base]);
          keepSorted(acc, len);
        }
    }
  }
}

function keepGroup(acc: KeptSums, values: Float32Array, at: number, stride: number, len: number): void {
  for (let j = 0; j < len; j++) g[j] = Math.abs(values[at + j * stride]);
  keepSorted(acc, len);
}

/** Sorts g[0..len) ascending (groups are small) and adds the top-N sums for each pattern. */
function keepSorted(acc: KeptSums, len: number): void {
  for (let i = 1; i < len; i++) {
    const x = g[i];
    let j = i - 1;
    while (j >= 0 && g[j] > x) {
      g[j + 1] = g[j];
      j--;
    }
    g[j + 1] = x;
  }
  const ns = acc.ns;
  for (let p = 0; p < ns.length; p++) {
    const from = Math.max(0, len - ns[p]);
    let s1 = 0;
    let s2 = 0;
    for (let i = from; i < len; i++) {
      s1 += g[i];
      s2 += g[i] * g[i];
    }
    acc.l1[p] += s1;
    acc.l2[p] += s2;
  }
}
