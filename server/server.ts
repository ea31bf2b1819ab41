import {
  createConnection, LSPErrorCodes, ProposedFeatures, ResponseError, type CancellationToken, type ProgressToken,
} from 'vscode-languageserver/node';
import { analyzeModel } from './pipeline/analyze';
import { AnalysisError, CancelledError, UsageError } from './errors';
import * as path from 'node:path';
import { AnalyzeRequest, BenchRequest, CompareRequest, CrossoverRequest, ErrorCode, type AnalysisSettings } from '../common/requests';
import { saveBench, saveCrossover } from './bench/bench-cache';
import { DEFAULT_SHAPE, measureCrossover } from './bench/crossover';
import { benchmarkModel } from './bench/model-bench';
import { DEFAULT_RUN, type Report } from '../common/protocol';
import { ReportCache } from './report-cache';
import { diffReports } from '../common/report/diff';
import { VERSION } from './version';

/**
 * The language server: the engine in its own process, so the editor never blocks on a model.
 * Requests report LSP work-done progress and stop when cancelled; a bad model answers with an
 * error and the server stays up for the next request.
 */
const connection = createConnection(ProposedFeatures.all);

connection.onInitialize(() => ({
  capabilities: {},
  serverInfo: { name: 'onnx-sparsity', version: VERSION },
}));

const cache = new ReportCache();

/** One model's report: from the cache when the file and settings are unchanged, else analysed (and cached). */
async function analyzeCached(file: string, s: AnalysisSettings, signal: AbortSignal, report: (fraction: number, message: string) => void): Promise<Report> {
  const settings: AnalysisSettings = { options: s.options, run: s.run, estimate: s.estimate };
  const hit = await cache.get(file, settings);
  if (hit) {
    connection.console.log(`${file}: report from cache`);
    return hit;
  }
  const r = await analyzeModel({
    file, options: s.options, run: s.run, estimate: s.estimate, signal,
    onProgress: (p) => report(p.phase === 'weights' ? p.fraction * 0.3 : 0.3 + p.fraction * 0.7, p.message),
  });
  await cache.put(file, settings, r);
  connection.console.log(`${file}: analysed in ${(r.timings.totalMs / 1000).toFixed(2)} s${r.run && !r.run.ok ? ` (not run: ${r.run.error})` : ''}`);
  return r;
}

connection.onRequest(AnalyzeRequest, (params, token) =>
  run(token, params.workDoneToken, `Analyzing ${path.basename(params.path)}`, (signal, report) => analyzeCached(params.path, params, signal, report)));

connection.onRequest(CompareRequest, (params, token) =>
  run(token, params.workDoneToken, `Comparing ${path.basename(params.a)} with ${path.basename(params.b)}`, async (signal, report) => {
    const a = await analyzeCached(params.a, params, signal, (f, m) => report(f / 2, `${path.basename(params.a)}: ${m}`));
    const b = await analyzeCached(params.b, params, signal, (f, m) => report(0.5 + f / 2, `${path.basename(params.b)}: ${m}`));
    return { a, b, diff: diffReports(a, b) };
  }));

connection.onRequest(BenchRequest, (params, token) =>
  run(token, params.workDoneToken, `Benchmarking ${path.basename(params.path)}`, async (signal, report) => {
    // With --prune, the analysis (for the estimate beside the measurement) takes the first 30%.
    const analysisShare = params.prune ? 0.3 : 0;
    const b = await benchmarkModel(params.path, {
      ...params.run, warmup: params.warmup, iterations: params.iterations, seconds: params.seconds, prune: params.prune, signal,
      analyze: () => analyzeCached(params.path, { run: params.run ?? {}, estimate: false }, signal, (f, m) => report(f * analysisShare, m)),
      onProgress: (f, m) => report(analysisShare + f * (1 - analysisShare), m),
    });
    await saveBench(b);
    cache.clear();
    return b;
  }));

connection.onRequest(CrossoverRequest, (params, token) =>
  run(token, params.workDoneToken, 'Measuring the sparse/dense crossover', async (signal, report) => {
    const r = { ...DEFAULT_RUN, ...params.run };
    const c = await measureCrossover({ shape: params.shape ?? DEFAULT_SHAPE, ep: r.ep, strictEp: r.strictEp, threads: r.threads, memoryBudget: r.memoryBudget, signal, onProgress: report });
    await saveCrossover(c);
    cache.clear();
    return c;
  }));

async function run<T>(
  token: CancellationToken, progressToken: ProgressToken | undefined, title: string,
  work: (signal: AbortSignal, report: (fraction: number, message: string) => void) => Promise<T>,
): Promise<T | ResponseError<void>> {
  const abort = new AbortController();
  const sub = token.onCancellationRequested(() => abort.abort());
  const progress = connection.window.attachWorkDoneProgress(progressToken);
  progress.begin(title, 0, undefined, true);
  let lastPct = -1;
  try {
    return await work(abort.signal, (fraction, message) => {
      const pct = Math.floor(fraction * 100);
      if (pct !== lastPct) progress.report((lastPct = pct), message);
    });
  } catch (e) {
    return asResponseError(e);
  } finally {
    progress.done();
    sub.dispose();
  }
}

function asResponseError(e: unknown): ResponseError<void> {
  if (e instanceof CancelledError) return new ResponseError(LSPErrorCodes.RequestCancelled, e.message);
  if (e instanceof AnalysisError) return new ResponseError(ErrorCode.analysis, e.message);
  if (e instanceof UsageError) return new ResponseError(ErrorCode.usage, e.message);
  const message = e instanceof Error ? e.message : String(e);
  connection.console.error(`internal error: ${e instanceof Error && e.stack ? e.stack : message}`);
  return new ResponseError(ErrorCode.analysis, `internal error: ${message}`);
}

connection.listen();
