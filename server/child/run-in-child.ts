import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { AnalysisError, CancelledError, UsageError } from '../errors';
import type { FromChild, ToChild, WireError } from './messages';

export interface ChildLimits {
  /** Wall-clock limit; the child is killed past it. */
  timeoutMs: number;
  /** Resident memory limit in bytes; the child is killed past it. */
  memoryBytes: number;
}

export interface JobControl {
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

/** How often the parent reads the child's resident memory. */
const WATCH_MS = 50;
/** Bytes of the child's stderr kept for a crash message. */
const STDERR_TAIL = 4096;

/**
 * Runs one job in a child process of its own and resolves with its result. onnxruntime runs
 * synchronously inside a native call, so in-process nothing can interrupt it (an endless Loop, a
 * 4G-element Expand) and a native out-of-memory abort would take the caller down with it; a child
 * can be killed at once, its memory is the kernel's to take back, and its crash is one request's
 * error. The parent stays free to answer other requests while it runs.
 *
 * Cancel (`signal`), the time limit and the memory limit all end the child with SIGKILL; each
 * rejects with its own error, naming `what` (e.g. the model file).
 */
export function runInChild<T>(entry: string, job: string, request: unknown, limits: ChildLimits, control: JobControl, what: { file?: string }): Promise<T> {
  return JobChild.spawn(entry).run<T>(job, request, limits, control, what);
}

/** Entries kept warm (the language server's onnxruntime child), and the spare child of each. */
const warm = new Set<string>();
const spares = new Map<string, JobChild>();

function refill(entry: string): void {
  if (warm.has(entry)) startChildEarly(entry);
}

/**
 * Keeps one child of `entry` started ahead of the next job, and another once that one's job is
 * over: the language server's analyses then skip Node's start, our bundle's load and
 * onnxruntime's (about 0.1 s each). The spare waits unreferenced, so it keeps nothing alive, and
 * exits with its parent.
 */
export function keepWarmChild(entry: string): void {
  warm.add(entry);
  refill(entry);
}

/**
 * Starts one child of `entry` now, for the next job to take (JobChild.spawn): the CLI forks it
 * as a command that will run the model starts, so Node, our bundle and onnxruntime load while the
 * model is read. Unused, it exits with its parent.
 */
export function startChildEarly(entry: string): void {
  if (!spares.has(entry)) spares.set(entry, JobChild.start(entry));
}

/**
 * A child started ahead of its job: the caller forks it when it knows a job will come (the run
 * of an analysis, while the weights are measured), so its start (node, our bundle, loading
 * onnxruntime) overlaps other work. One job per child; dispose() ends one that got none.
 */
export class JobChild {
  private readonly child: ChildProcess;
  private stderr = '';
  private used = false;

  static start(entry: string): JobChild {
    return new JobChild(entry);
  }

  private constructor(entry: string) {
    this.child = fork(entry, [], {
      serialization: 'advanced',
      // Never our stdout: the language server may be speaking LSP on it.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [],
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => void (this.stderr = (this.stderr + d).slice(-STDERR_TAIL)));
    // An unused child must not keep its parent alive, nor crash it on a failed fork.
    this.child.on('error', () => undefined);
    this.child.unref();
    this.child.channel?.unref();
    // The stderr pipe too: a spare nobody takes (the command failed first) must not hold the CLI open.
    (this.child.stderr as Socket | null)?.unref();
  }

  /** A child for `entry`: the one kept warm, when there is one (keepWarmChild), else a new one. */
  static spawn(entry: string): JobChild {
    const spare = spares.get(entry);
    spares.delete(entry);
    const child = spare?.alive() ? spare : new JobChild(entry);
    // The next spare starts once this child's job is over, not while it runs on the same cores.
    if (warm.has(entry)) child.child.once('exit', () => refill(entry));
    return child;
  }

  private alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.connected;
  }

  dispose(): void {
    if (!this.used) this.child.kill('SIGKILL');
  }

  run<T>(job: string, request: unknown, limits: ChildLimits, control: JobControl, what: { file?: string }): Promise<T> {
    if (this.used) return Promise.reject(new Error('a job child runs one job'));
    this.used = true;
    const child = this.child;
    if (control.signal?.aborted) {
      child.kill('SIGKILL');
      return Promise.reject(new CancelledError());
    }
    child.ref();
    child.channel?.ref();
    (child.stderr as Socket | null)?.ref();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let ending: Error | undefined;
      let reportedRss = 0;

      const end = (e: Error): void => {
        ending ??= e;
        child.kill('SIGKILL');
      };
      const onAbort = (): void => end(new CancelledError());
      control.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => end(new AnalysisError(`the run took longer than ${fmtSeconds(limits.timeoutMs)} (the time limit) and was stopped`, what)), limits.timeoutMs);
      const watch = setInterval(() => {
        const rss = Math.max(rssOf(child), reportedRss);
        if (rss > limits.memoryBytes)
          end(new AnalysisError(`the run was stopped when it reached ${mib(rss)} MiB of memory (the limit is ${mib(limits.memoryBytes)} MiB)`, what));
      }, WATCH_MS);

      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(watch);
        control.signal?.removeEventListener('abort', onAbort);
        f();
      };

      child.on('message', (m: FromChild) => {
        if (m.type === 'progress') control.onProgress?.(m.fraction, m.message);
        else if (m.type === 'rss') reportedRss = m.bytes;
        else if (m.type === 'done') finish(() => resolve(m.result as T));
        else if (m.type === 'failed') finish(() => reject(fromWire(m.error, what)));
      });
      child.on('error', (e) => finish(() => reject(new AnalysisError(`the run could not start: ${e.message}`, what, { cause: e }))));
      child.on('exit', (code, signal) => finish(() => {
        if (ending) return reject(ending);
        const tail = this.stderr.trim().split('\n').slice(-3).join(' / ');
        reject(new AnalysisError(`the run crashed (${signal ? `signal ${signal}` : `exit code ${code}`})${tail ? `: ${tail}` : ''}`, what));
      }));
      if (child.exitCode !== null || child.signalCode !== null)
        return finish(() => reject(new AnalysisError(`the run's process ended before its job (${child.signalCode ?? `exit code ${child.exitCode}`})`, what)));
      child.send({ type: 'start', job, request } satisfies ToChild);
    });
  }
}

function fromWire(e: WireError, what: { file?: string }): Error {
  if (e.kind === 'cancelled') return new CancelledError();
  if (e.kind === 'usage') return new UsageError(e.message);
  // The child's AnalysisError already names its file; an internal error gets ours.
  if (e.kind === 'analysis') return Object.assign(new AnalysisError(e.message), { stack: e.stack });
  return new AnalysisError(`internal error in the run: ${e.message}`, what);
}

/** The child's resident set from /proc (Linux), which stays readable while it is busy in native code; 0 elsewhere. */
function rssOf(child: ChildProcess): number {
  if (!child.pid || process.platform !== 'linux') return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const mib = (b: number): number => Math.round(b / 2 ** 20);
const fmtSeconds = (ms: number): string => `${Number((ms / 1000).toPrecision(3))} s`;
