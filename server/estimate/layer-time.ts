import { dtypeByName, type DTypeName } from '../onnx/dtypes';
import { curveAt, type AcceleratorProfile, type PeakDtype } from './profile';
import type { WorkLayer, WorkOther } from './workload';

/** Which end of every ranged parameter to take. */
export type Case = 'nominal' | 'optimistic' | 'pessimistic';

export interface LayerTime {
  /** Seconds on this chip with the sparsity it can exploit, and dense (same chip, zeros at full cost). */
  seconds: number;
  denseSeconds: number;
  bound: 'compute' | 'memory';
  /** What the chip made of this layer's sparsity, for the assumptions shown. */
  exploited: string;
}

/** A ranged parameter at one case; `favours` says whether a larger value helps the sparse path. */
function pick(v: { value: number; range?: [number, number] }, c: Case, largerHelps: boolean): number {
  if (!v.range || c === 'nominal') return v.value;
  return (c === 'optimistic') === largerHelps ? v.range[1] : v.range[0];
}

/** The peak entry used for a layer's dtype: float16/bfloat16/int8/float8 as themselves, else float32. */
export function peakFor(p: AcceleratorProfile, dtype: DTypeName): { dtype: PeakDtype; macsPerSecond: { value: number; range?: [number, number] } } {
  const want: PeakDtype = dtype === 'float16' || dtype === 'bfloat16' || dtype === 'int8' ? dtype
    : dtype === 'uint8' || dtype === 'int4' || dtype === 'uint4' ? 'int8'
    : dtype.startsWith('float8') ? 'float8' : 'float32';
  const order: PeakDtype[] = [want, 'float16', 'float32', 'bfloat16', 'int8', 'float8'];
  for (const d of order) {
    const v = p.peakMacsPerSecond[d];
    if (v) return { dtype: d, macsPerSecond: v };
  }
  throw new Error(`profile ${p.id} has no peak`);
}

/**
 * Roofline time of one layer: max(effective MACs / (peak x utilization), effective bytes /
 * bandwidth), where "effective" applies what the profile's kind can skip:
 * - every kind drops all-zero output rows and K columns (the layer is compacted);
 * - n:m: an N:M-ready layer's math runs `mathSpeedup` faster and its weights shrink to N/M plus index bits;
 * - unstructured-weights / block: work scales by the curve at the weight (block) density, never
 *   above the dense path (the crossover is where the curve reaches 1);
 * - dual: the curve is read at weight density x activation density.
 */
export function layerTime(l: WorkLayer, p: AcceleratorProfile, c: Case): LayerTime {
  const peak = peakFor(p, l.dtype);
  const rate = pick(peak.macsPerSecond, c, true) * pick(p.utilization, c, true);
  const bw = pick(p.memoryBandwidth, c, true);
  const compact = l.rowsKept * l.kKept;
  const denseMacs = l.macs * compact;
  const denseBytes = l.weightBytes * compact + l.activationBytes;
  const dense = Math.max(l.macs / rate, (l.weightBytes + l.activationBytes) / bw);
  let macs = denseMacs;
  let bytes = denseBytes;
  let exploited = compact < 1 ? `removed channels keep ${(compact * 100).toFixed(1)}% of the layer` : 'dense';
  const valueBytes = dtypeByName(l.dtype).bits / 8;
  // Density among what compaction keeps: zeros in removed rows/columns are already gone.
  const dw = Math.min(1, l.weightDensity / Math.max(compact, 1e-12));
  switch (p.kind) {
    case 'n:m': {
      const s = p.sparsity;
      const key = `${s.n}:${s.m}`;
      if (!l.nmReady.includes(key)) break;
      const speedup = pick(s.mathSpeedup, c, true);
      macs = denseMacs / speedup;
      const meta = pick(s.metadataBitsPerNonzero, c, false) / 8;
      bytes = l.weightBytes * compact * (s.n / s.m) * (1 + meta / valueBytes) + l.activationBytes;
      exploited = `${key}-ready: math at 1/${speedup.toFixed(2)}`;
      break;
    }
    case 'unstructured-weights':
    case 'block':
    case 'dual': {
      const s = p.sparsity;
      const density = p.kind === 'block' && s.block ? blockDensity(l, s.block) : p.kind === 'dual' ? dw * (l.activationDensity ?? 1) : dw;
      const rel = curveAt(s.curve.value, density) * pick({ value: 1, range: s.curve.range }, c, false);
      if (rel >= 1) {
        exploited = `density ${(density * 100).toFixed(1)}% is above the crossover: dense path`;
        break;
      }
      macs = denseMacs * rel;
      // Compressed operands: values kept plus their indices, never more than dense.
      const index = 1 + pick(s.indexOverhead, c, false);
      const wFactor = Math.min(1, (p.kind === 'block' ? density : dw) * index);
      const aFactor = p.kind === 'dual' && l.activationDensity !== null ? Math.min(1, l.activationDensity * index) : 1;
      bytes = l.weightBytes * compact * wFactor + l.activationBytes * aFactor;
      exploited = `${p.kind} at density ${(density * 100).toFixed(1)}%: ${(rel * 100).toFixed(0)}% of dense time`;
      break;
    }
  }
  const compute = macs / rate;
  const memory = bytes / bw;
  return { seconds: Math.max(compute, memory), denseSeconds: dense, bound: compute >= memory ? 'compute' : 'memory', exploited };
}

/** Nonzero block share for the profile's block shape; without a measurement, the share a random pattern of the weight's density would give. */
function blockDensity(l: WorkLayer, [r, c]: [number, number]): number {
  const measured = l.blockDensity[`${r}x${c}`];
  if (measured !== undefined) return measured;
  return 1 - Math.pow(1 - l.weightDensity, r * c);
}

/** Ops that are not weight layers: dense roofline on every chip. */
export function otherTime(o: WorkOther, p: AcceleratorProfile, c: Case): number {
  const peak = peakFor(p, 'float32');
  return Math.max(o.macs / (pick(peak.macsPerSecond, c, true) * pick(p.utilization, c, true)), o.bytes / pick(p.memoryBandwidth, c, true));
}
