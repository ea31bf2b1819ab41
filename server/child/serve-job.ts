import { AnalysisError, CancelledError, UsageError } from '../errors';
import { codeCacheReady } from '../files/code-cache';
import type { FromChild, ToChild, WireError } from './messages';

export type Job = (request: unknown, control: { onProgress: (fraction: number, message: string) => void; signal: AbortSignal }) => Promise<unknown>;

/** How often the child tells the parent its memory (for platforms without /proc). */
const RSS_MS = 200;

/**
 * The child's side of run-in-child.ts: takes one `start`, runs that job, sends its result or
 * error, and exits. If the parent goes away, so does the child.
 */
export function serveJob(jobs: Readonly<Record<string, Job>>): void {
  const send = (m: FromChild): Promise<void> => new Promise((resolve) => (process.send ? process.send(m, undefined, undefined, () => resolve()) : resolve()));
  const abort = new AbortController();
  process.on('disconnect', () => process.exit(0));
  process.once('message', async (m: ToChild) => {
    // From the job's start: a child kept warm waits without waking its parent.
    const rss = setInterval(() => void send({ type: 'rss', bytes: process.memoryUsage.rss() }), RSS_MS);
    rss.unref();
    let reply: FromChild;
    try {
      const job = jobs[m.job];
      if (!job) throw new Error(`no job '${m.job}'`);
      const result = await job(m.request, { onProgress: (fraction, message) => void send({ type: 'progress', fraction, message }), signal: abort.signal });
      reply = { type: 'done', result };
    } catch (e) {
      reply = { type: 'failed', error: toWire(e) };
    }
    clearInterval(rss);
    await send(reply);
    if (reply.type === 'done') codeCacheReady();
    process.exit(0);
  });
}

function toWire(e: unknown): WireError {
  const kind = e instanceof CancelledError ? 'cancelled' : e instanceof UsageError ? 'usage' : e instanceof AnalysisError ? 'analysis' : 'internal';
  return { kind, message: e instanceof Error ? e.message : String(e), ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) };
}
