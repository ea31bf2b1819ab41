import {
  createConnection, LSPErrorCodes, ProposedFeatures, ResponseError, type CancellationToken, type ProgressToken,
} from 'vscode-languageserver/node';
import { analyzeModel } from './analysis/analyze';
import { AnalysisError, CancelledError, UsageError } from './errors';
import { AnalyzeRequest, ErrorCode } from './lsp-requests';
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

connection.onRequest(AnalyzeRequest, (params, token) =>
  run(token, params.workDoneToken, `Analyzing ${params.path}`, (signal, report) =>
    analyzeModel({ file: params.path, options: params.options, signal, onProgress: (p) => report(p.fraction, p.message) })));

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
