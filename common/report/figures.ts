import type { CrossoverLevel, LayerReport, Report, RunReport } from '../protocol';

/**
 * Figures derived from a report, shared by the text reports and the report page so both say the
 * same thing. null means "not measured" (shown as "-"), never 0.
 */

/** Share of elements within the near-zero rule (zeros included); null with nothing to count. */
export function nearZeroShare(x: { params: number; nearZeros: number }): number | null {
  return x.params ? x.nearZeros / x.params : null;
}

/** The N:M pattern reports lead with: 2:4 (what sparse tensor cores run) unless only others were measured. */
export function mainPattern(r: Report): string | undefined {
  return r.options.nm.includes('2:4') ? '2:4' : r.options.nm[0];
}

/** Layers whose weights already comply with the main pattern, of the layers with a GEMM view. */
export function readyCount(r: Report): { ready: number; of: number; nm: string } | null {
  const nm = mainPattern(r);
  return nm ? { ready: r.layers.filter((l) => l.nm[nm]?.ready).length, of: r.layers.filter((l) => l.gemm).length, nm } : null;
}

/** The block shape with the largest all-zero share, if any block is all zero. */
export function bestBlock(l: LayerReport): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const [k, s] of Object.entries(l.blocks)) if (s > 0 && (!best || s > best[1])) best = [k, s];
  return best;
}

/** Mean and lowest input activation density over the layers the run measured. */
export function densityStats(r: Report): { mean: number; n: number; min: number; minLayer: string } | null {
  let sum = 0;
  let n = 0;
  let min = Infinity;
  let minLayer = '';
  for (const l of r.layers) {
    const d = l.activation?.inputDensity;
    if (d === null || d === undefined || Number.isNaN(d)) continue;
    sum += d;
    n++;
    if (d < min) [min, minLayer] = [d, l.name];
  }
  return n ? { mean: sum / n, n, min, minLayer } : null;
}

/** The fastest sparse variant at a crossover level: what a sparse kernel on this machine would get. */
export function bestSparseMs(l: CrossoverLevel): number {
  return Math.min(l.sparseMs.csrTypeScript, l.sparseMs.ortComposite ?? Infinity);
}

/**
 * The run's latencies in words. With probes, a plain run and one with statistics in the graph;
 * with copy-out (too many values for probes) there is no plain run: the profiled run and the one
 * that copied every value out.
 */
export function latencyLine(run: RunReport): string {
  const ms = (x: number | undefined): string => (x === undefined ? '-' : `${x.toFixed(2)} ms`);
  if (run.strategy === 'copy-out')
    return `${ms(run.profiledRunMs)} profiled; ${ms(run.copiedRunMs)} with every value copied out (too many values for statistics in the graph: no separate plain run)`;
  // A plain figure is warm; an instrumented one from a single run is not, and says so.
  const first = run.instrumentedRuns === 1 ? ' (one run, the session\u2019s first: onnxruntime\u2019s first allocations make it up to 2.5x a warm one)' : '';
  return `${ms(run.plainMs)} plain; ${ms(run.instrumentedMs)} with activation statistics${first}`;
}
