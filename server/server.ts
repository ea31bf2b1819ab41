import * as path from 'node:path';
import {
  createConnection, LSPErrorCodes, ProposedFeatures, ResponseError, type CancellationToken, type ProgressToken,
} from 'vscode-languageserver/node';
import type { Report } from '../common/protocol';
import { AnalyzeRequest, BenchRequest, CheckRequest, CompareRequest, CrossoverRequest, ErrorCode, PlanRequest, PruneRequest, type AnalysisSettings } from '../common/requests';
import { AnalysisError, CancelledError, UsageError } from './errors';
import { missingOrtBuild } from './analysis/run/ort-build';
import { keepWarmChild } from './child/run-in-child';
import { analyzeModel } from './pipeline/analyze';
import { ORT_CHILD } from './pipeline/limits';
import { benchmarkModel } from './pipeline/bench';
import { checkModel } from './pipeline/check';
import { compareModels } from './pipeline/compare';
import type { Progress } from './pipeline/control';
import { crossover } from './pipeline/crossover';
import { planModel } from './pipeline/plan';
import { pruneWithPlan } from './pipeline/prune';
import { ReportCache } from './report-cache';
import { checkSettingPaths, requestPath, shownName } from './request-paths';
import { VERSION } from './version';
import { codeCacheReady } from './files/code-cache';

/**
 * The language server: the engine in its own process, so the editor never blocks on a model, and
 * every model run in a child of its own, so this process answers the next request (a cached
 * report, another file's weights, a cancel) while one runs. Requests report LSP work-done
 * progress and stop when cancelled; a bad model or a bad parameter answers with an error and the
 * server stays up for the next request.
 */
const connection = createConnection(ProposedFeatures.all);

connection.onInitialize(() => ({
  capabilities: {},
  serverInfo: { name: 'onnx-sparsity', version: VERSION },
}));

// After the handshake, so it does not compete with it: one onnxruntime child waits for the next run.
connection.onInitialized(() => {
  if (!missingOrtBuild()) keepWarmChild(ORT_CHILD);
});

const cache = new ReportCache();

/** Share of a whole analysis's progress bar the weight pass takes; the run takes the rest. */
const WEIGHTS_SHARE = 0.3;

/** One model's report: from the cache when the file and settings are unchanged, else analysed (and cached). */
async function analyzeCached(file: string, s: AnalysisSettings, signal: AbortSignal, report: (fraction: number, message: string) => void): Promise<Report> {
  const settings: AnalysisSettings = { options: s.options, run: s.run, estimate: s.estimate };
  const hit = await cache.get(file, settings);
  if (hit) {
    connection.console.log(`${file}: report from cache`);
    return hit;
  }
  const onProgress = (p: Progress): void => report(p.phase === 'weights' ? p.fraction * WEIGHTS_SHARE : WEIGHTS_SHARE + p.fraction * (1 - WEIGHTS_SHARE), p.message);
  const r = await analyzeModel({ file, ...settings, signal, onProgress });
  await cache.put(file, settings, r);
  // Once the reply is out: the code cache of the server's first analysis (server/boot.ts).
  setImmediate(codeCacheReady);
  connection.console.log(`${file}: analysed in ${(r.timings.totalMs / 1000).toFixed(2)} s${r.run && !r.run.ok ? ` (not run: ${r.run.error})` : ''}`);
  return r;
}

connection.onRequest(AnalyzeRequest, (params, token) =>
  run(token, params?.workDoneToken, `Analyzing ${shownName(params?.path)}`, async (signal, report) => {
    const file = requestPath(params?.path, 'path');
    checkSettingPaths(params);
    return analyzeCached(file, params, signal, report);
  }));

connection.onRequest(CompareRequest, (params, token) =>
  run(token, params?.workDoneToken, `Comparing ${shownName(params?.a)} with ${shownName(params?.b)}`, async (signal, report) => {
    const files = [requestPath(params?.a, 'a'), requestPath(params?.b, 'b')];
    checkSettingPaths(params);
    return compareModels((file, half) => analyzeCached(file, params, signal, (f, m) => report(half / 2 + f / 2, `${path.basename(file)}: ${m}`)), files[0], files[1]);
  }));

connection.onRequest(CheckRequest, (params, token) =>
  run(token, params?.workDoneToken, `Checking ${shownName(params?.path)}`, async (signal, report) => {
    const file = requestPath(params?.path, 'path');
    const rules = requestPath(params?.rules, 'rules');
    const baseline = params?.baseline === undefined ? undefined : requestPath(params.baseline, 'baseline');
    checkSettingPaths(params);
    return checkModel({
      file, rules, baseline, options: params.options, run: params.run, estimate: params.estimate, signal,
      analyze: (f, which) => analyzeCached(f, params, signal, (x, m) => report(which === 'model' ? x / 2 : 0.5 + x / 2, `${path.basename(f)}: ${m}`)),
      onProgress: (p) => report(p.fraction, p.message),
    });
  }));

connection.onRequest(PlanRequest, (params, token) =>
  run(token, params?.workDoneToken, `Planning ${shownName(params?.path)}`, async (signal, report) => {
    const file = requestPath(params?.path, 'path');
    checkSettingPaths(params);
    // Another budget or target plans again from the cached analysis: the magnitude figures are in it.
    return planModel(params, params.plan, () => analyzeCached(file, params, signal, report));
  }));

connection.onRequest(PruneRequest, (params, token) =>
  run(token, params?.workDoneToken, `Pruning ${shownName(params?.path)}`, async (signal, report) => {
    const file = requestPath(params?.path, 'path');
    const out = requestPath(params?.out, 'out');
    checkSettingPaths(params);
    const result = await pruneWithPlan({
      file, out, options: params.options, run: params.run, estimate: params.estimate, plan: { settings: params.plan ?? {} }, timing: params.timing, signal,
      analyze: (f, options, which) => analyzeCached(f, { ...params, options }, signal, (x, m) => report(which === 'model' ? x * 0.3 : 0.4 + x * 0.2, `${path.basename(f)}: ${m}`)),
      onProgress: (p) => report(p.fraction, p.message),
    });
    // The copy is new on disk; its own later analyses are cached as any model's.
    return result;
  }));

connection.onRequest(BenchRequest, (params, token) =>
  run(token, params?.workDoneToken, `Benchmarking ${shownName(params?.path)}`, async (signal, report) => {
    const file = requestPath(params?.path, 'path');
    checkSettingPaths(params);
    // With a pruned copy, the analysis (for the estimate beside the measurement) takes the first 30%.
    const analysisShare = params.prune ? WEIGHTS_SHARE : 0;
    const b = await benchmarkModel(file, {
      run: params.run, warmup: params.warmup, iterations: params.iterations, seconds: params.seconds, prune: params.prune, signal,
      analyze: () => analyzeCached(file, { run: params.run ?? {}, estimate: false }, signal, (f, m) => report(f * analysisShare, m)),
      onProgress: (p) => report(analysisShare + p.fraction * (1 - analysisShare), p.message),
    });
    // New measurements change what the cached reports would say.
    cache.clear();
    return b;
  }));

connection.onRequest(CrossoverRequest, (params, token) =>
  run(token, params?.workDoneToken, 'Measuring the sparse/dense crossover', async (signal, report) => {
    const c = await crossover({ shape: params?.shape, run: params?.run, signal, onProgress: (p) => report(p.fraction, p.message) });
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
