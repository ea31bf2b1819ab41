/**
 * What a parent and its job child say to each other over the IPC channel (structured clone, so
 * typed arrays and Maps cross as they are). One job per child: the parent sends `start`, the
 * child answers with progress and then exactly one `done` or `failed`, and exits.
 */
export type ToChild = { type: 'start'; job: string; request: unknown };

export type FromChild =
  | { type: 'progress'; fraction: number; message: string }
  /** The child's own resident memory, sent on a timer where the parent cannot read /proc. */
  | { type: 'rss'; bytes: number }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: WireError };

/** An error as it crosses the process boundary: its class by name, so the parent can rethrow the same kind. */
export interface WireError {
  kind: 'analysis' | 'usage' | 'cancelled' | 'internal';
  message: string;
  stack?: string;
}
