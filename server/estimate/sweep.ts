import type { BatchRule, SweepPoint } from '../../common/protocol';
import { BUDGET, compressed, ranged, rescaled, type Planned } from './evaluate';
import type { AcceleratorProfile } from './profile';
import type { WorkLayer, Workload } from './workload';

/**
 * The estimate as the model's rows per GEMM grow: every layer's M (batch x seq for a
 * transformer, batch x output pixels for a convolution) scaled by powers of two, from the size
 * where the smallest layer has one row (decode: one token) up to 2^20 rows in the largest layer.
 * Weights do not scale; activations and other ops do. The rule is read off the nominal curve.
 */

const MAX_ROWS = 2 ** 20;
const MAX_POINTS = 24;

function scaled(w: Workload, s: number): Workload {
  return {
    ...w,
    layers: w.layers.map((l): WorkLayer => ({ ...l, macs: l.macs * s, activationBytes: l.activationBytes * s, gemm: { ...l.gemm, m: l.gemm.m * s } })),
    others: w.others.map((o) => ({ ...o, macs: o.macs * s, bytes: o.bytes * s })),
  };
}

/** The layer with the most MACs: its rows per GEMM label the sweep. */
function lead(w: Workload): WorkLayer | undefined {
  return w.layers.reduce<WorkLayer | undefined>((a, l) => (!a || l.macs > a.macs ? l : a), undefined);
}

export function sweep(full: Planned, p: AcceleratorProfile, draws: number): SweepPoint[] {
  // Totals only: one layer per group of alike layers, scaled, stands for the group.
  const pl = compressed(full);
  const w = pl.w;
  const top = lead(w);
  if (!top || w.layers.every((l) => l.costSource === 'params')) return [];
  // From the size where every layer has at least one row, so a transformer reaches decode (M = 1).
  const minScale = Math.max(...w.layers.map((l) => 1 / Math.max(l.gemm.m, 1e-9)));
  const first = Math.ceil(Math.log2(minScale) - 1e-9);
  const points: SweepPoint[] = [];
  for (let j = first; points.length < MAX_POINTS && top.gemm.m * 2 ** j <= MAX_ROWS; j++) {
    const s = 2 ** j;
    const r = ranged(rescaled(pl, scaled(w, s), p), p, draws, false, BUDGET / 8);
    points.push({ scale: s, rows: top.gemm.m * s, speedup: r.nominal.speedup, speedupRange: r.range });
  }
  return points;
}

/** Thousands separated by commas (toLocaleString builds a formatter per call: far too slow here). */
const rows = (x: number): string => (x >= 100 ? String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : x.toPrecision(2));
const times = (x: number): string => (x >= 1 ? `x${rows(x)}` : `1/${rows(1 / x)}`);

/** A gain under 1% is noise next to the ranges: "pays" means at least that. */
const PAYS = 1.01;

/**
 * Where the sparsity pays: the smallest size from which every larger one gains at least 1%.
 * `pattern` names what pays ("2:4"); `layers` counts those taking the sparse path at the analysed size.
 */
export function batchRule(points: readonly SweepPoint[], pattern: string, target: string, layers: number): BatchRule {
  const none = (text: string): BatchRule => ({ text, paysFromRows: null, paysFromScale: null, below: null, pattern, layers });
  if (!layers) return none(`no layer here uses ${pattern} on ${target}: no batch size changes that`);
  if (!points.length) return none(`no sweep: the model's shapes are unknown (it was not run and shape inference did not reach its layers)`);
  const span = `${rows(points[0].rows)} to ${rows(points[points.length - 1].rows)} rows per GEMM`;
  let from = points.length;
  while (from > 0 && points[from - 1].speedup >= PAYS) from--;
  const slower = (upTo: number): boolean => points.slice(0, upTo).some((x) => x.speedup < 1 - 1e-9);
  if (from === points.length)
    return none(`${pattern} does not pay on ${target} at any size tried (${span})${slower(points.length) ? '; dense is faster' : '; the runtime keeps dense kernels'}`);
  const at = points[from];
  if (from === 0) return { text: `${pattern} pays on ${target} at every size tried (${span})`, paysFromRows: at.rows, paysFromScale: at.scale, below: null, pattern, layers };
  const below: BatchRule['below'] = slower(from) ? 'slower' : 'dense';
  return {
    text: `${pattern} pays on ${target} from ${rows(at.rows)} rows per GEMM (batch x seq for a transformer, batch x output pixels for a convolution; ${times(at.scale)} this model's analysed size); below that ${below === 'slower' ? 'dense is faster' : 'it gains under 1% (dense kernels, or too little to skip)'}`,
    paysFromRows: at.rows, paysFromScale: at.scale, below, pattern, layers,
  };
}
