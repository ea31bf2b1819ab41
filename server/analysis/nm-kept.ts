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
  return fastM(m) && t.p % m === 0 ? m * t.q : t.p * t.q;
}

/** Group sizes with an unrolled kernel; others take the generic path, a batch at a time. */
function fastM(m: number): boolean {
  return m === 4 || m === 8;
}

/**
 * Sums of the top-j values over all groups, j = 0..M: what keeping j per group retains.
 * Filled by the kernels, then read per pattern.
 */
const top1 = new Float64Array(33);
const top2 = new Float64Array(33);

/** Folds the groups of chunk [first, first+count) (whole bands) into `acc`. */
export function foldKept(v: GemmView, acc: KeptSums, values: Float32Array, first: number, count: number): void {
  const m = acc.m;
  const t = v.transpose;
  top1.fill(0);
  top2.fill(0);
  if (!t && v.k % m === 0 && fastM(m)) {
    // Memory is the view and rows split into whole groups: contiguous groups back to back.
    if (m === 4) keep4(values, 0, 4, count >> 2, 1);
    else keep8(values, 0, 8, count >> 3, 1);
  } else if (t && t.p % m === 0 && fastM(m)) {
    // M consecutive p at one (batch, q): stride-q gathers from M memory rows, q groups per band.
    const band = m * t.q;
    for (let b = 0; b < count; b += band) {
      if (m === 4) keep4(values, b, 1, t.q, t.q);
      else keep8(values, b, 1, t.q, t.q);
    }
  } else {
    generic(v, m, values, first, count);
  }
  const ns = acc.ns;
  for (let i = 0; i < ns.length; i++) {
    acc.l1[i] += top1[Math.min(ns[i], m)];
    acc.l2[i] += top2[Math.min(ns[i], m)];
  }
}

/**
 * `groups` groups of 4; group g starts at at + g*step, its elements `stride` apart.
 * A sorting network per group, then prefix sums from the top.
 */
function keep4(v: Float32Array, at: number, step: number, groups: number, stride: number): void {
  let t1 = 0, t2 = 0, t3 = 0, t4 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0;
  const s2 = 2 * stride;
  const s3 = 3 * stride;
  for (let g = 0, i = at; g < groups; g++, i += step) {
    const a = Math.abs(v[i]);
    const b = Math.abs(v[i + stride]);
    const c = Math.abs(v[i + s2]);
    const d = Math.abs(v[i + s3]);
    const lo1 = Math.min(a, b), hi1 = Math.max(a, b);
    const lo2 = Math.min(c, d), hi2 = Math.max(c, d);
    const x0 = Math.min(lo1, lo2);
    const x3 = Math.max(hi1, hi2);
    const m1 = Math.max(lo1, lo2), m2 = Math.min(hi1, hi2);
    const x1 = Math.min(m1, m2);
    const x2 = Math.max(m1, m2);
    t1 += x3;
    t2 += x2;
    t3 += x1;
    t4 += x0;
    q1 += x3 * x3;
    q2 += x2 * x2;
    q3 += x1 * x1;
    q4 += x0 * x0;
  }
  addTop([t1, t2, t3, t4], [q1, q2, q3, q4]);
}

/**
 * Groups of 8: Batcher's odd-even merge sort network (19 comparators), unrolled into locals
 * because an indexed network runs several times slower here.
 */
function keep8(v: Float32Array, at: number, step: number, groups: number, stride: number): void {
  let k0 = 0, k1 = 0, k2 = 0, k3 = 0, k4 = 0, k5 = 0, k6 = 0, k7 = 0;
  let q0 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0, q5 = 0, q6 = 0, q7 = 0;
  for (let g = 0, i = at; g < groups; g++, i += step) {
    let x0 = Math.abs(v[i]), x1 = Math.abs(v[i + stride]), x2 = Math.abs(v[i + 2 * stride]), x3 = Math.abs(v[i + 3 * stride]);
    let x4 = Math.abs(v[i + 4 * stride]), x5 = Math.abs(v[i + 5 * stride]), x6 = Math.abs(v[i + 6 * stride]), x7 = Math.abs(v[i + 7 * stride]);
    let t: number;
    t = Math.min(x0, x1); x1 = Math.max(x0, x1); x0 = t;
    t = Math.min(x2, x3); x3 = Math.max(x2, x3); x2 = t;
    t = Math.min(x4, x5); x5 = Math.max(x4, x5); x4 = t;
    t = Math.min(x6, x7); x7 = Math.max(x6, x7); x6 = t;
    t = Math.min(x0, x2); x2 = Math.max(x0, x2); x0 = t;
    t = Math.min(x1, x3); x3 = Math.max(x1, x3); x1 = t;
    t = Math.min(x4, x6); x6 = Math.max(x4, x6); x4 = t;
    t = Math.min(x5, x7); x7 = Math.max(x5, x7); x5 = t;
    t = Math.min(x1, x2); x2 = Math.max(x1, x2); x1 = t;
    t = Math.min(x5, x6); x6 = Math.max(x5, x6); x5 = t;
    t = Math.min(x0, x4); x4 = Math.max(x0, x4); x0 = t;
    t = Math.min(x1, x5); x5 = Math.max(x1, x5); x1 = t;
    t = Math.min(x2, x6); x6 = Math.max(x2, x6); x2 = t;
    t = Math.min(x3, x7); x7 = Math.max(x3, x7); x3 = t;
    t = Math.min(x2, x4); x4 = Math.max(x2, x4); x2 = t;
    t = Math.min(x3, x5); x5 = Math.max(x3, x5); x3 = t;
    t = Math.min(x1, x2); x2 = Math.max(x1, x2); x1 = t;
    t = Math.min(x3, x4); x4 = Math.max(x3, x4); x3 = t;
    t = Math.min(x5, x6); x6 = Math.max(x5, x6); x5 = t;
    k0 += x7; k1 += x6; k2 += x5; k3 += x4; k4 += x3; k5 += x2; k6 += x1; k7 += x0;
    q0 += x7 * x7; q1 += x6 * x6; q2 += x5 * x5; q3 += x4 * x4; q4 += x3 * x3; q5 += x2 * x2; q6 += x1 * x1; q7 += x0 * x0;
  }
  addTop([k0, k1, k2, k3, k4, k5, k6, k7], [q0, q1, q2, q3, q4, q5, q6, q7]);
}

/** kth[j] is the sum of the (j+1)-th largest values; top[j] accumulates the sum of the j largest. */
function addTop(kth1: number[], kth2: number[]): void {
  let a = 0;
  let b = 0;
  for (let j = 0; j < kth1.length; j++) {
    a += kth1[j];
    b += kth2[j];
    top1[j + 1] += a;
    top2[j + 1] += b;
  }
}

const g = new Float64Array(64);

/** Any M and layout, including short groups at row ends and groups crossing kernel positions. */
function generic(v: GemmView, m: number, values: Float32Array, first: number, count: number): void {
  const rowsPer = v.transpose ? (v.transpose.p * v.transpose.q) / v.k : 1;
  const unit = v.transpose ? v.transpose.p * v.transpose.q : v.k;
  for (let b = 0; b < count; b += unit) {
    const row0 = ((first + b) / unit) * rowsPer;
    for (let r = 0; r < rowsPer; r++)
      for (let k = 0; k < v.k; k += m) {
        const len = Math.min(m, v.k - k);
        for (let j = 0; j < len; j++) g[j] = Math.abs(values[memoryIndex(v, row0 + r, k + j) - first]);
        sortedTop(len, m);
      }
  }
}

/** Sorts g[0..len) ascending and adds its top-j sums; a short group keeps everything past its length. */
function sortedTop(len: number, m: number): void {
  for (let i = 1; i < len; i++) {
    const x = g[i];
    let j = i - 1;
    while (j >= 0 && g[j] > x) {
      g[j + 1] = g[j];
      j--;
    }
    g[j + 1] = x;
  }
  let a = 0;
  let b = 0;
  for (let j = 1; j <= m; j++) {
    if (j <= len) {
      const x = g[len - j];
      a += x;
      b += x * x;
    }
    top1[j] += a;
    top2[j] += b;
  }
}
