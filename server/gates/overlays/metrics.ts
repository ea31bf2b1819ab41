import type { Estimate, LayerReport, Report } from '../../../common/protocol';
import { nearZeroShare } from '../../../common/report/figures';
import { UsageError } from '../../errors';

/** A per-layer figure an overlay colours nodes by. */
export interface LayerMetric {
  /** As the CLI's --metric names it: sparsity, near-zero, 2:4, input-density, speedup. */
  id: string;
  /** A machine-readable key (Netron metric name, metadata_props key suffix). */
  key: string;
  label: string;
  value: (l: LayerReport) => number | null;
  /** Colour scale: shares (0..1, more is better or worse) or speedups around 1. */
  scale: 'share-up' | 'share-down' | 'speedup';
}

export interface MetricChoice {
  target?: string;
  scenario?: string;
}

/** Every metric the report can give, for overlays that carry them all (Netron, the annotated copy). */
export function allMetrics(r: Report, c: MetricChoice = {}): LayerMetric[] {
  const out = [sparsity, nearZero, ...r.options.nm.map(nmMetric)];
  if (r.layers.some((l) => l.activation)) out.push(inputDensity);
  const estimates = c.target ? [findEstimate(r, c.target, c.scenario ?? 'as-is')] : r.estimates.filter((e) => e.scenario === (c.scenario ?? 'as-is'));
  return [...out, ...estimates.map(speedupMetric)];
}

/** One metric by its CLI name, for overlays that hold one (a Model Explorer node-data file is one "run"). */
export function metricByName(r: Report, id: string, c: MetricChoice = {}): LayerMetric {
  if (id === 'sparsity') return sparsity;
  if (id === 'near-zero') return nearZero;
  if (id === 'input-density') {
    if (!r.layers.some((l) => l.activation)) throw new UsageError('--metric input-density needs the model run (drop --no-run)');
    return inputDensity;
  }
  if (id === 'speedup') {
    if (!c.target) throw new UsageError(`--metric speedup needs --target ID (one of ${[...new Set(r.estimates.map((e) => e.accelerator.id))].join(', ') || 'no target: the report has no estimates'})`);
    return speedupMetric(findEstimate(r, c.target, c.scenario ?? 'as-is'));
  }
  if (r.options.nm.includes(id)) return nmMetric(id);
  throw new UsageError(`--metric must be sparsity, near-zero, input-density, speedup or a measured N:M pattern (${r.options.nm.join(', ')}), not '${id}'`);
}

const sparsity: LayerMetric = { id: 'sparsity', key: 'weight_sparsity', label: 'weight sparsity (exact zeros)', value: (l) => (l.weight === null ? null : l.sparsity), scale: 'share-up' };
const nearZero: LayerMetric = { id: 'near-zero', key: 'weight_near_zero', label: 'near-zero weight share', value: (l) => (l.weight === null ? null : nearZeroShare(l)), scale: 'share-up' };
const inputDensity: LayerMetric = { id: 'input-density', key: 'input_density', label: 'input activation density', value: (l) => l.activation?.inputDensity ?? null, scale: 'share-down' };

function nmMetric(p: string): LayerMetric {
  return { id: p, key: `nm_${p.replace(':', '_')}_groups`, label: `${p} group compliance`, value: (l) => (l.gemm ? l.nm[p]?.groupShare ?? null : null), scale: 'share-up' };
}

function speedupMetric(e: Estimate): LayerMetric {
  const byName = new Map(e.layers.map((x) => [x.name, x.speedup]));
  return {
    id: 'speedup', key: `speedup_${e.accelerator.id}_${e.scenario}`.replace(/[^A-Za-z0-9_.:%-]/g, '_'),
    label: `estimated speedup on ${e.accelerator.name} (${e.scenario})`, value: (l) => byName.get(l.name) ?? null, scale: 'speedup',
  };
}

function findEstimate(r: Report, target: string, scenario: string): Estimate {
  const e = r.estimates.find((x) => x.accelerator.id === target && x.scenario === scenario);
  if (!e) throw new UsageError(`--target: the report has no ${scenario} estimate for '${target}' (it has ${[...new Set(r.estimates.map((x) => `${x.accelerator.id} (${x.scenario})`))].join(', ') || 'no estimates'})`);
  return e;
}
