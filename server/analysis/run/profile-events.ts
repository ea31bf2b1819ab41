import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** An event of onnxruntime's profiler (Chrome trace format) as far as we read it. */
export interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

/**
 * Reads onnxruntime's profile one event at a time: it writes one JSON object per line, and a
 * 100,000-node model writes hundreds of MB, which must never be held as one string. Only what
 * op-times.ts reads is kept (node kernels and runs). ORT writes node names unescaped, so a name
 * with a quote or backslash makes its line unreadable: such lines are counted and skipped.
 */
export async function readProfileEvents(file: string): Promise<{ events: ProfileEvent[]; unreadable: number }> {
  const events: ProfileEvent[] = [];
  let unreadable = 0;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const raw of lines) {
    const line = raw.trim().replace(/,$/, '');
    if (line === '[' || line === ']' || line === '') continue;
    let e: { cat?: unknown; name?: unknown; ts?: unknown; dur?: unknown; args?: { op_name?: unknown } };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      unreadable++;
      continue;
    }
    const wanted = (e.cat === 'Node' && typeof e.name === 'string' && e.name.endsWith('_kernel_time')) || (e.cat === 'Session' && e.name === 'model_run');
    if (!wanted || typeof e.ts !== 'number' || typeof e.dur !== 'number') continue;
    const op = typeof e.args?.op_name === 'string' ? e.args.op_name : undefined;
    events.push({ cat: e.cat as string, name: e.name as string, ts: e.ts, dur: e.dur, ...(op ? { args: { op_name: op } } : {}) });
  }
  return { events, unreadable };
}
