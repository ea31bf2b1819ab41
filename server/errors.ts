/**
 * Errors that reach users. Each names what was being done and to what (file, tensor, op),
 * so the CLI and the language server can show the message alone, without a stack trace.
 */

export interface ErrorContext {
  file?: string;
  tensor?: string;
  op?: string;
}

/** The model (or a file it points to) cannot be analysed as asked. CLI exit code 1. */
export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';
  constructor(
    message: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(withContext(message, context), options);
  }
}

/** The command line or request was malformed. CLI exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The caller cancelled the work (LSP cancellation, Ctrl-C). */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('analysis cancelled');
  }
}

function withContext(message: string, c: ErrorContext): string {
  const where: string[] = [];
  if (c.file) where.push(c.file);
  if (c.tensor) where.push(`tensor '${c.tensor}'`);
  if (c.op) where.push(`op ${c.op}`);
  return where.length ? `${where.join(', ')}: ${message}` : message;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
