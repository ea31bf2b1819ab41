import type { EstimateDelta, LayerDelta, LayerReport, PatternDelta, Report, ReportDiff } from '../protocol';
import { nearZeroShare } from './figures';

// y - x where both were measured; null (not 0) where either was not.
const known = (v: number | null | undefined): v is number => v !== null && v !== undefined;
const both = (x: number | null | undefined, y: number | null | undefined): number | null => (known(x) && known(y) ? y - x : null);

/** b - a, layer by layer (matched by name), and for the totals: what changed between two analyses. */
export function diffReports(a: Report, b: Report): ReportDiff {
  const inA = new Map(a.layers.map((l) => [l.name, l]));
  const inB = new Map(b.layers.map((l) => [l.name, l]));
  const patterns = a.options.nm.filter((p) => b.options.nm.includes(p));
  const blocks = a.options.blocks.filter((s) => b.options.blocks.includes(s));
  const layers: LayerDelta[] = [];
  for (const lb of b.layers) {
    const la = inA.get(lb.name);
    if (la) layers.push(layerDelta(la, lb, patterns, blocks));
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
      nearZeros: both(nearZeroShare(a.totals), nearZeroShare(b.totals)),
      layerSparsity: b.totals.layerWeights.sparsity - a.totals.layerWeights.sparsity,
    },
    patterns: patterns.map((p) => patternDelta(p, a, b, inB)),
    estimates: estimateDeltas(a, b),
    notes: optionNotes(a, b),
  };
}

function layerDelta(la: LayerReport, lb: LayerReport, patterns: readonly string[], blocks: readonly string[]): LayerDelta {
  const nm: LayerDelta['nm'] = {};
  for (const p of patterns) {
    const x = la.nm[p];
    const y = lb.nm[p];
    if (x && y) nm[p] = { groupShare: y.groupShare - x.groupShare, ready: [x.ready, y.ready] };
  }
  const blockDeltas: LayerDelta['blocks'] = {};
  for (const s of blocks) {
    const d = both(la.blocks[s], lb.blocks[s]);
    if (d !== null) blockDeltas[s] = d;
  }
  return {
    name: lb.name,
    opType: lb.opType,
    sparsity: lb.sparsity - la.sparsity,
    inputDensity: both(la.activation?.inputDensity, lb.activation?.inputDensity),
    ready24: [la.nm['2:4']?.ready ?? false, lb.nm['2:4']?.ready ?? false],
    macs: both(la.macs, lb.macs),
    timeMs: both(la.timeMs, lb.timeMs),
    nearZeros: both(nearZeroShare(la), nearZeroShare(lb)),
    params: lb.params - la.params,
    nm,
    blocks: blockDeltas,
  };
}

function patternDelta(pattern: string, a: Report, b: Report, inB: ReadonlyMap<string, LayerReport>): PatternDelta {
  const ready = (r: Report): number => r.layers.filter((l) => l.nm[pattern]?.ready).length;
  const viewed = (r: Report): number => r.layers.filter((l) => l.gemm).length;
  const d: PatternDelta = { pattern, ready: [ready(a), ready(b)], of: [viewed(a), viewed(b)], lost: [], gained: [], missing: [] };
  const inA = new Map(a.layers.map((l) => [l.name, l]));
  for (const la of a.layers) {
    const lb = inB.get(la.name);
    const wasReady = la.nm[pattern]?.ready ?? false;
    if (!lb) {
      if (wasReady) d.missing.push(la.name);
    } else if (wasReady && !(lb.nm[pattern]?.ready ?? false)) d.lost.push(la.name);
  }
  for (const lb of b.layers) {
    const la = inA.get(lb.name);
    if (la && !(la.nm[pattern]?.ready ?? false) && (lb.nm[pattern]?.ready ?? false)) d.gained.push(lb.name);
  }
  return d;
}

/** Every (target, scenario) either report estimated, in a's order then b's new ones. */
function estimateDeltas(a: Report, b: Report): EstimateDelta[] {
  const key = (id: string, scenario: string): string => `${id}\u0000${scenario}`;
  const rows = new Map<string, EstimateDelta>();
  for (const [side, r] of [[0, a], [1, b]] as const) {
    for (const e of r.estimates) {
      const k = key(e.accelerator.id, e.scenario);
      const row = rows.get(k) ?? { target: e.accelerator.id, name: e.accelerator.name, scenario: e.scenario, speedup: [null, null], delta: null, relative: null };
      row.speedup[side] = e.speedup;
      rows.set(k, row);
    }
  }
  for (const row of rows.values()) {
    const [x, y] = row.speedup;
    row.delta = both(x, y);
    row.relative = row.delta !== null && x ? row.delta / x : null;
  }
  return [...rows.values()];
}

/** Figures measured under different rules do not compare like for like: say which. */
function optionNotes(a: Report, b: Report): string[] {
  const notes: string[] = [];
  const za = a.options.nearZero;
  const zb = b.options.nearZero;
  if (za.value !== zb.value || za.relative !== zb.relative)
    notes.push(`near-zero rules differ (${za.value}${za.relative ? ' relative' : ''} vs ${zb.value}${zb.relative ? ' relative' : ''}): near-zero deltas compare different thresholds`);
  const onlyOne = (x: readonly string[], y: readonly string[]): string[] => [...x.filter((p) => !y.includes(p)), ...y.filter((p) => !x.includes(p))];
  const nm = onlyOne(a.options.nm, b.options.nm);
  if (nm.length) notes.push(`N:M patterns measured in one analysis only: ${nm.join(', ')}`);
  const blocks = onlyOne(a.options.blocks, b.options.blocks);
  if (blocks.length) notes.push(`block shapes measured in one analysis only: ${blocks.join(', ')}`);
  if (Boolean(a.run?.ok) !== Boolean(b.run?.ok))
    notes.push(`only ${a.run?.ok ? 'A' : 'B'} was run: activation, MAC and time deltas are missing, and the estimates rest on different data`);
  return notes;
}
