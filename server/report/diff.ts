import type { LayerDelta, Report, ReportDiff } from '../protocol';

/** b - a, layer by layer (matched by name), and for the totals: what changed between two analyses. */
export function diffReports(a: Report, b: Report): ReportDiff {
  const inA = new Map(a.layers.map((l) => [l.name, l]));
  const inB = new Map(b.layers.map((l) => [l.name, l]));
  const layers: LayerDelta[] = [];
  for (const lb of b.layers) {
    const la = inA.get(lb.name);
    if (!la) continue;
    const da = la.activation?.inputDensity;
    const db = lb.activation?.inputDensity;
    layers.push({
      name: lb.name,
      opType: lb.opType,
      sparsity: lb.sparsity - la.sparsity,
      inputDensity: da !== null && da !== undefined && db !== null && db !== undefined ? db - da : null,
      ready24: [la.nm['2:4']?.ready ?? false, lb.nm['2:4']?.ready ?? false],
      macs: la.macs !== undefined && lb.macs !== undefined ? lb.macs - la.macs : null,
      timeMs: la.timeMs !== undefined && lb.timeMs !== undefined ? lb.timeMs - la.timeMs : null,
    });
  }
  const both = (x: number | undefined, y: number | undefined): number | null => (x !== undefined && y !== undefined ? y - x : null);
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
