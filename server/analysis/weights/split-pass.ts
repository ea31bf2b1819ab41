import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AnalysisOptions, LayerReport, WeightReport } from '../../../common/protocol';
import { noteRead } from '../../files/read-log';
import { rawByteLength } from '../../onnx/dtypes';
import type { TensorRef } from '../../onnx/tensor';

/**
 * A pass over the model's weights on two threads. The kernels measure about 0.9 GB/s of float16
 * on one core, bound by instructions, not by reading (the file reads at 8 GB/s), so a model with
 * hundreds of MiB of external data gives part of its external weights to a worker thread, which
 * loads the model itself, does the same work on its own kernels and memory, and sends each result
 * back as it is done. The weight pass (pass-worker.ts) and the plan's magnitude pass
 * (server/advise/kept-worker.ts) both split this way. Weights inside the .onnx file stay on this
 * thread (the worker would read them again), and so does every weight of a large .onnx file.
 */

/** Below this much external data, starting a worker (~0.1 s: Node, the bundle, the kernels) costs more than it saves. */
export const SPLIT_FROM_BYTES = 256 << 20;
/** The worker parses the .onnx file again: only a small one. */
const MAX_MODEL_FILE = 64 << 20;
/** External weights below this size stay here: each costs the worker a message. */
const MIN_MOVED_BYTES = 1 << 20;
/** Of the threshold, the share this thread measures while the worker starts (96 MiB at the default). */
const HEAD_START = 3 / 8;

/** Bytes of a tensor's values as stored. */
export const storedBytes = (t: TensorRef): number => (t.dtype.numeric ? rawByteLength(t.dtype, t.elements) : 0);

/** One piece of a pass: how many bytes it reads, and whether a worker may take it (its values are in external data). */
export interface SplitItem {
  bytes: number;
  external: boolean;
}

/**
 * The indices of the items a worker takes (none when it would not pay): large external items,
 * each given to whichever thread has less to do so far, this one counting its other items and
 * the worker's start-up.
 */
export function splitOff(items: readonly SplitItem[], modelFileBytes: number, fromBytes = SPLIT_FROM_BYTES, cores = availableParallelism()): number[] {
  if (cores < 2 || modelFileBytes > MAX_MODEL_FILE) return [];
  const movable = (x: SplitItem): boolean => x.external && x.bytes >= MIN_MOVED_BYTES;
  if (items.reduce((s, x) => s + (movable(x) ? x.bytes : 0), 0) < fromBytes) return [];
  let here = items.reduce((s, x) => s + (movable(x) ? 0 : x.bytes), 0);
  let there = fromBytes * HEAD_START;
  const out: number[] = [];
  items.forEach((x, i) => {
    if (!movable(x)) return;
    if (there < here) {
      out.push(i);
      there += x.bytes;
    } else here += x.bytes;
  });
  return out;
}

/** A tensor as an item of the weight pass. */
export const tensorItem = (t: TensorRef): SplitItem => ({ bytes: storedBytes(t), external: t.data.kind === 'external' });

/** One weight measured: its report, its layers' reports (by index in the layers found), and what it warned. */
export interface TensorResult {
  weight: WeightReport;
  layers: [number, LayerReport][];
  warnings: string[];
}

/** What the weight pass's worker is given: the model file, the options, and the weights it measures (checked against the model it loads). */
export interface WeightsJob {
  file: string;
  options: AnalysisOptions;
  tensors: { index: number; name: string; elements: number }[];
}

/** What a worker sends: progress, one result, the end (with the files it read), or why it stopped. */
export type SplitMessage<R> =
  | { kind: 'bytes'; n: number }
  | { kind: 'result'; index: number; result: R }
  | { kind: 'done'; read: string[] }
  | { kind: 'failed'; message: string };

interface SplitPass<R> {
  /**
   * What the worker finished, by item index, and the files it read; `failed` when it did not
   * finish. Never rejects.
   */
  readonly results: Promise<{ results: Map<number, R>; read: string[]; failed?: string }>;
  stop(): void;
}

function startSplit<J, R>(script: string, job: J, control: { signal?: AbortSignal; onBytes?: (n: number) => void }): SplitPass<R> {
  const results = new Map<number, R>();
  let worker: Worker | undefined;
  const done = new Promise<{ results: Map<number, R>; read: string[]; failed?: string }>((resolve) => {
    const end = (read: string[], failed?: string): void => {
      resolve({ results, read, ...(failed !== undefined ? { failed } : {}) });
      control.signal?.removeEventListener('abort', abort);
      void worker?.terminate();
    };
    const abort = (): void => end([], 'cancelled');
    if (control.signal?.aborted) return end([], 'cancelled');
    control.signal?.addEventListener('abort', abort);
    try {
      worker = new Worker(script, { workerData: job });
    } catch (e) {
      return end([], `the worker did not start: ${e instanceof Error ? e.message : String(e)}`);
    }
    worker.on('message', (m: SplitMessage<R>) => {
      if (m.kind === 'bytes') control.onBytes?.(m.n);
      else if (m.kind === 'result') results.set(m.index, m.result);
      else if (m.kind === 'done') end(m.read);
      else end([], m.message);
    });
    worker.once('error', (e) => end([], e.message));
    worker.once('exit', (code) => end([], `the worker exited (code ${code})`));
  });
  return { results: done, stop: () => void worker?.terminate() };
}

/**
 * Does `here(i)` for every item, in order, but the ones in `theirs`, which a worker running
 * `script` on `job` does at the same time; then takes the worker's results and notes what it
 * read as read by this command (an output must not replace it either). A worker that failed or
 * ended early leaves all its items to be done here, where an error in the model surfaces as it
 * always does. Returns every item's result and how many came from the worker.
 */
export async function splitRun<J, R>(
  count: number, theirs: readonly number[], here: (i: number) => Promise<R>,
  worker: { script: string; job: J; signal?: AbortSignal; onBytes?: (n: number) => void },
): Promise<{ results: Map<number, R>; fromWorker: number }> {
  const other = theirs.length ? startSplit<J, R>(worker.script, worker.job, worker) : undefined;
  try {
    const results = new Map<number, R>();
    const skip = new Set(theirs);
    for (let i = 0; i < count; i++) if (!skip.has(i)) results.set(i, await here(i));
    if (!other) return { results, fromWorker: 0 };
    const got = await other.results;
    // A worker that did not finish did not say what it read: its items are all done here, so
    // every file they read is read by this thread (and noted) too.
    if (got.failed !== undefined) {
      for (const i of theirs) results.set(i, await here(i));
      return { results, fromWorker: 0 };
    }
    for (const [i, r] of got.results) results.set(i, r);
    for (const f of got.read) noteRead(f);
    return { results, fromWorker: got.results.size };
  } finally {
    other?.stop();
  }
}

/** Progress is sent in steps of this many bytes, not per chunk. */
const PROGRESS_STEP = 16 << 20;

/**
 * The worker side: runs `work`, posting each result, the files it read and the end; an error is
 * posted as a failure (the main thread redoes what is missing).
 */
export function serveSplit<J, R>(
  port: { postMessage(m: SplitMessage<R>): void }, job: J,
  work: (job: J, send: (index: number, result: R) => void, onBytes: (n: number) => void) => Promise<string[]>,
): void {
  let pending = 0;
  const onBytes = (n: number): void => {
    pending += n;
    if (pending >= PROGRESS_STEP) {
      port.postMessage({ kind: 'bytes', n: pending });
      pending = 0;
    }
  };
  work(job, (index, result) => port.postMessage({ kind: 'result', index, result }), onBytes)
    .then((read) => {
      if (pending) port.postMessage({ kind: 'bytes', n: pending });
      port.postMessage({ kind: 'done', read });
    })
    .catch((e: unknown) => port.postMessage({ kind: 'failed', message: e instanceof Error ? e.message : String(e) }));
}
