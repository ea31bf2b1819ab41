import type { BenchReport, Report } from '../../common/protocol';
import type { BenchSettings } from '../../common/requests';
import { checkOrtBuild } from '../analysis/run/ort-build';
import { saveBench } from '../bench/bench-cache';
import type { TimedReport } from '../bench/model-bench';
import { spreadWarnings } from '../bench/latency-stats';
import { parsePrune } from '../bench/prune';
import { thisMachine } from '../bench/this-machine';
import { runInChild } from '../child/run-in-child';
import { estimateReport } from '../estimate/estimate';
import type { Control } from './control';
import { childLimits, ORT_CHILD } from './limits';
import type { BenchJob } from './ort-jobs';
import { checkBench } from './settings';

export interface BenchInput extends BenchSettings, Control {
  /**
   * The model's analysis (with a run), for the estimate next to a pruned measurement: asked for
   * only when pruning, and only once every setting has been checked. The server passes its
   * cached report; the CLI analyses.
   */
  analyze?: () => Promise<Report>;
}

/**
 * `bench`: the model's latency here (and a pruned copy's), measured in the onnxruntime child,
 * with the estimator's figure for the same pruned/as-is ratio beside it, cached for later reports.
 */
export async function benchmarkModel(file: string, o: BenchInput): Promise<BenchReport> {
  const s = checkBench(o);
  checkOrtBuild({ file });
  const prune = s.prune ? parsePrune(s.prune) : undefined;
  const analysis = prune ? await o.analyze?.() : undefined;
  const job: BenchJob = {
    file, run: s.run, prune: s.prune, sha256: analysis?.model.sha256,
    plan: { warmup: s.warmup, iterations: s.iterations, seconds: s.seconds ?? (s.iterations === undefined ? 2 : undefined) },
  };
  const bytes = analysis ? analysis.model.fileBytes + analysis.model.externalBytes : 0;
  const timed = await runInChild<TimedReport>(ORT_CHILD, 'bench', job, childLimits(s.run, bytes), {
    signal: o.signal,
    onProgress: (fraction, message) => o.onProgress?.({ fraction, message, phase: 'bench' }),
  }, { file });
  const { pruned, ...measured } = timed;
  const spread = pruned ? spreadWarnings(measured.latencyMs, pruned.latencyMs) : [];
  const report: BenchReport = {
    ...measured,
    ...(pruned && prune ? {
      pruned: { ...pruned, estimatedSpeedup: estimatedPruned(analysis, prune.key), spread: [measured.latencyMs.p99 / measured.latencyMs.p50, pruned.latencyMs.p99 / pruned.latencyMs.p50] },
    } : {}),
    ...(spread.length ? { warnings: spread } : {}),
  };
  await saveBench(report);
  return report;
}

/**
 * What the estimator says of the same ratio the benchmark measures, on "this machine": its as-is
 * time over its time pruned (not pruned over dense: the measurement has no dense baseline), when
 * the analysis ran the model.
 */
function estimatedPruned(analysis: Report | undefined, scenario: string): number | null {
  const here = analysis ? thisMachine(analysis) : undefined;
  if (!here || !analysis) return null;
  const [asIs, pruned] = estimateReport(analysis, [here], ['as-is', scenario], { sweep: false });
  return asIs && pruned && pruned.timeMs > 0 ? asIs.timeMs / pruned.timeMs : null;
}
