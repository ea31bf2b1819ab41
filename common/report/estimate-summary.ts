import type { Estimate, EstimateSupport, Report } from '../protocol';

/**
 * Per target, what the text reports and the report page both say beside the speedups: the
 * runtime's support for what the model carries, the batch rule of the scenario that gains most,
 * and where the estimate's costs came from.
 */

export interface TargetSummary {
  accelerator: Estimate['accelerator'];
  /** The pattern the target exploits ("2:4", "unstructured sparsity"), or "none". */
  pattern: string;
  /** The support entry that matters: one the model's layers hit (a blocking one first), else the runtime's own. */
  support: EstimateSupport | undefined;
  /** The estimate whose batch rule is shown: the best-gaining scenario. */
  lead: Estimate;
}

function keySupport(all: readonly Estimate[]): EstimateSupport | undefined {
  const entries = all.flatMap((e) => e.support ?? []);
  return entries.find((s) => s.layers > 0 && !s.usable) ?? entries.find((s) => s.layers > 0) ?? entries[0];
}

export function targetSummaries(r: Report): TargetSummary[] {
  const byTarget = new Map<string, Estimate[]>();
  for (const e of r.estimates) byTarget.set(e.accelerator.id, [...(byTarget.get(e.accelerator.id) ?? []), e]);
  return [...byTarget.values()].map((all) => {
    // The rule worth showing is of a scenario whose sparsity the target uses; among those, the best.
    const using = all.filter((e) => (e.batchRule?.layers ?? 0) > 0);
    const lead = (using.length ? using : all).reduce((a, b) => (b.speedup > a.speedup ? b : a));
    const pattern = lead.accelerator.kind === 'none' ? 'none' : lead.batchRule?.pattern ?? lead.accelerator.kind;
    return { accelerator: lead.accelerator, pattern, support: keySupport(all), lead };
  });
}

/** "supported (2:4 at float16, 2026-08)". */
export function supportLabel(s: EstimateSupport | undefined): string {
  return s ? `${s.status} (${s.pattern} at ${s.dtype}, ${s.date})` : 'not in the support matrix (your profile)';
}

/** "Monte Carlo, up to 256 draws, seed 20261201", over every estimate (a target that exploits nothing needs none). */
export function rangeText(r: Report): string {
  const draws = Math.max(0, ...r.estimates.map((e) => e.range?.draws ?? 0));
  const seed = r.estimates.find((e) => e.range)?.range?.seed;
  return draws ? `Monte Carlo, up to ${draws} draws, seed ${seed}` : 'no ranged number moved any estimate';
}

/** Where the layers' MACs came from, over every estimate (they share one workload). */
export function costSourceText(r: Report): string | undefined {
  const c = r.estimates[0]?.costs;
  if (!c) return undefined;
  const parts: string[] = [];
  if (c.run) parts.push(`${c.run} from the run`);
  if (c.inference) {
    const inputs = r.inferred?.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ');
    parts.push(`${c.inference} from static shape inference${inputs ? ` at ${inputs}` : ''} (the model was not run)`);
  }
  if (c.params) parts.push(`${c.params} from parameters only (no shapes: each weight used once)`);
  return parts.length ? `Layer MACs and bytes: ${parts.join('; ')}.` : undefined;
}
