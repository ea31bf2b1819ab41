import { ErrorCode } from '../common/requests';

/** JSON-RPC codes: LSP's RequestCancelled, and vscode-jsonrpc's for a connection that went away. */
const REQUEST_CANCELLED = -32800;
const CONNECTION_GONE = new Set([-32099 /* MessageWriteError */, -32098 /* MessageReadError */, -32097 /* PendingResponseRejected */, -32096 /* ConnectionInactive */]);

/** A setting the user has to fix; thrown before any request is sent. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export type FailureKind = 'cancelled' | 'analysis' | 'settings' | 'server';

export interface Failure {
  kind: FailureKind;
  /** Ready to show: says what was being done and why it failed. */
  message: string;
}

/**
 * What a failed request means to the user. `what` names the work ("Analysis of model.onnx").
 * The server's messages already name the file, tensor or op, so they are shown as they are.
 */
export function describeFailure(e: unknown, what: string): Failure {
  const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : undefined;
  const message = e instanceof Error ? e.message : String(e);
  // VS Code's own CancellationError is named 'Canceled'.
  if (code === REQUEST_CANCELLED || (e instanceof Error && e.name === 'Canceled')) return { kind: 'cancelled', message: `${what} was cancelled.` };
  if (e instanceof SettingsError) return { kind: 'settings', message: `${what} did not start: ${message}` };
  if (code === ErrorCode.usage) return { kind: 'settings', message: `${what} failed: ${message}. Check the ONNX Sparsity settings.` };
  if (code === ErrorCode.analysis) return { kind: 'analysis', message: `${what} failed: ${message}` };
  if (code !== undefined && CONNECTION_GONE.has(code)) return { kind: 'server', message: `${what} failed: the analysis server stopped (${message}). The server log may say why.` };
  return { kind: 'server', message: `${what} failed: ${message}` };
}

/**
 * For `.catch` on work whose failure Ctx.fail has already shown (notification, view, log):
 * the rejection only tells callers such as the webview's reply that it failed.
 */
export function alreadyShown(): void {}
