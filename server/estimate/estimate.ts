import type { Estimate, Report } from '../../common/protocol';
import { layerTime, otherTime, peakFor, type Case } from './layer-time';
import type { AcceleratorProfile } from './profile';
import { applyScenario, parseScenario } from './scenarios';
import { workloadOf, type Workload } from './workload';

/** Estimates for every profile and scenario over an analysed model. */
export function estimateReport(r: Report, profiles: readonly AcceleratorProfile[], scenarios: readonly string[]): Estimate[] {
  const base = workloadOf(r);
  const out: Estimate[] = [];
  for (const key of scenarios) {
    const applied = applyScenario(base, parseScenario(key), r);
    for (const p of profiles) out.push(estimate(applied.workload, p, key, applied.l1Kept, applied.notes));
  }
  return out;
}

/**
 * One chip, one workload: per layer the roofline time with what the chip can exploit, and the
 * same chip dense; other ops at their dense cost (Amdahl). The range re-runs the model at the
 * pessimistic and optimistic ends of every ranged profile number.
 */
export function estimate(w: Workload, p: AcceleratorProfile, scenario: string, l1Kept: number | null = 1, notes: string[] = []): Estimate {
  const run = (c: Case) => {
    const layers = w.layers.map((l) => ({ l, t: layerTime(l, p, c) }));
    const other = w.others.reduce((s, o) => s + otherTime(o, p, c), 0);
    const sparse = layers.reduce((s, x) => s + x.t.seconds, 0) + other;
    const dense = layers.reduce((s, x) => s + x.t.denseSeconds, 0) + other;
    return { layers, other, sparse, dense, speedup: sparse > 0 ? dense / sparse : 1 };
  };
  const nominal = run('nominal');
  const low = run('pessimistic').speedup;
  const high = run('optimistic').speedup;
  const ms = (s: number): number => s * 1000;
  return {
    accelerator: { id: p.id, name: p.name, kind: p.kind },
    scenario,
    speedup: nominal.speedup,
    speedupRange: [Math.min(low, nominal.speedup), Math.max(high, nominal.speedup)],
    timeMs: ms(nominal.sparse),
    denseTimeMs: ms(nominal.dense),
    layerShare: nominal.dense > 0 ? (nominal.dense - nominal.other) / nominal.dense : 0,
    l1Kept,
    layers: nominal.layers.map(({ l, t }) => ({
      name: l.name, speedup: t.seconds > 0 ? t.denseSeconds / t.seconds : 1, bound: t.bound,
      timeMs: ms(t.seconds), denseTimeMs: ms(t.denseSeconds), exploited: t.exploited,
    })),
    assumptions: [...w.assumptions, ...notes, ...profileAssumptions(p, w)],
    roofline: roofline(p, w),
  };
}

/** The nominal roofs the layers' times were computed under, by the peak dtype each layer uses. */
function roofline(p: AcceleratorProfile, w: Workload): NonNullable<Estimate['roofline']> {
  const macsPerSecond: Record<string, number> = {};
  for (const l of w.layers) {
    const peak = peakFor(p, l.dtype);
    macsPerSecond[peak.dtype] = peak.macsPerSecond.value * p.utilization.value;
  }
  return { macsPerSecond, bytesPerSecond: p.memoryBandwidth.value };
}

function profileAssumptions(p: AcceleratorProfile, w: Workload): string[] {
  const dtypes = [...new Set(w.layers.map((l) => peakFor(p, l.dtype).dtype))];
  const a = [
    `peak ${dtypes.map((d) => `${d} ${(p.peakMacsPerSecond[d]!.value / 1e12).toFixed(1)} TMAC/s (${p.peakMacsPerSecond[d]!.source})`).join(', ')}`,
    `utilization ${p.utilization.value} (${p.utilization.source})`,
    `memory ${(p.memoryBandwidth.value / 1e9).toFixed(0)} GB/s (${p.memoryBandwidth.source})`,
    'time per layer = max(MACs / (peak x utilization), bytes / bandwidth); other ops at dense cost',
  ];
  if (p.kind === 'n:m') a.push(`${p.sparsity.n}:${p.sparsity.m}-ready layers: math ${p.sparsity.mathSpeedup.value}x faster (${p.sparsity.mathSpeedup.source})`);
  else if (p.kind !== 'none') a.push(`sparse time relative to dense by density: ${p.sparsity.curve.value.map(([d, t]) => `${d}->${t}`).join(', ')} (${p.sparsity.curve.source})`);
  return a;
}
