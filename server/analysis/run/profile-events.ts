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
 * An event line exactly as onnxruntime writes one (1.30: `{"cat" : "Node","pid" :1,"tid" :1,"dur"
 * :7,"ts" :10,"ph" : "X","name" :"conv_kernel_time","args" : {..."op_name" : "Conv"...}}`), with
 * a name free of quotes and backslashes: its fields are read by these patterns, what JSON.parse
 * would give for them (args hold no strings of the model's but the op type). Any other line takes
 * JSON.parse. A 100,000-node profile (85 MB): 0.9-1.35 s -> ~0.25 s, most of it reading lines.
 */
const EVENT = /^\{"cat" : "([A-Za-z]+)","pid" :\d+,"tid" :\d+,"dur" :(\d+),"ts" :(\d+),"ph" : "X","name" :"([^"\\]*)","args" : \{/;
const OP_NAME = /"op_name" : "([^"\\]*)"/g;

/** The events op-times.ts reads: node kernels and runs. */
const kept = (cat: string, name: string): boolean => (cat === 'Node' && name.endsWith('_kernel_time')) || (cat === 'Session' && name === 'model_run');

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
    const fast = EVENT.exec(raw);
    if (fast) {
      const [head, cat, dur, ts, name] = fast;
      if (!kept(cat, name)) continue;
      OP_NAME.lastIndex = head.length;
      const op = OP_NAME.exec(raw)?.[1];
      events.push({ cat, name, ts: Number(ts), dur: Number(dur), ...(op ? { args: { op_name: op } } : {}) });
      continue;
    }
    const line = raw.trim().replace(/,$/, '');
    if (line === '[' || line === ']' || line === '') continue;
    let e: { cat?: unknown; name?: unknown; ts?: unknown; dur?: unknown; args?: { op_name?: unknown } };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      unreadable++;
      continue;
    }
    if (typeof e.cat !== 'string' || typeof e.name !== 'string' || !kept(e.cat, e.name) || typeof e.ts !== 'number' || typeof e.dur !== 'number') continue;
    const op = typeof e.args?.op_name === 'string' ? e.args.op_name : undefined;
    events.push({ cat: e.cat, name: e.name, ts: e.ts, dur: e.dur, ...(op ? { args: { op_name: op } } : {}) });
  }
  return { events, unreadable };
}
