import type { LayerDelta, Report, ReportDiff } from '../protocol';

/** b - a, layer by layer (matched by name), and for the totals: what changed between two analyses. */
export function diffReports(a: Report, b: Report): ReportDiff {
  const inA = new Map(a.layers.map((l) => [l.name, l]));
  const inB = new Map(b.layers.map((l) => [l.name, l]));
  // y - x where both were measured; null (not 0) where either was not.
  const known = (v: number | null | undefined): v is number => v !== null && v !== undefined;
  const both = (x: number | null | undefined, y: number | null | undefined): number | null => (known(x) && known(y) ? y - x : null);
  const layers: LayerDelta[] = [];
  for (const lb of b.layers) {
    const la = inA.get(lb.name);
    if (!la) continue;
    layers.push({
      name: lb.name,
      opType: lb.opType,
      sparsity: lb.sparsity - la.sparsity,
      inputDensity: both(la.activation?.inputDensity, lb.activation?.inputDensity),
      ready24: [la.nm['2:4']?.ready ?? false, lb.nm['2:4']?.ready ?? false],
      macs: both(la.macs, lb.macs),
      timeMs: both(la.timeMs, lb.timeMs),
    });
  }
  return {
    layers,
    removed: a.layers.filter((l) => !inB.has(l.name)).map((l) => l.name),
    added: b.layers.filter((l) => !inA.has(l.name)).map((l) => l.name),
    totals: {
      sparsity: b.totals.sparsity - a.totals.sparsity,
      params: b.totals.params - a.totals.params,
      macs: both(a.totals.macs, b.totals.macs),
      timeMs: both(a.totals.timeMs, b.totals.timeMs),
    },
  };
}
