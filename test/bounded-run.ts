import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI } from './helpers';

export interface BoundedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  peakRssMiB: number;
  /** Why the harness ended it, when it did. */
  killed?: 'time' | 'memory';
}

export interface Bounds {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Wall-clock limit; the process is killed past it. */
  timeoutMs: number;
  /** Resident memory limit, sampled from /proc every 20 ms; the process is killed past it. */
  maxRssMiB: number;
  /** Signal to send after this many ms (e.g. SIGINT, to test that the CLI ends at once). */
  interrupt?: { afterMs: number; signal: NodeJS.Signals };
}

/**
 * The CLI as a separate process under a time and a memory bound that the harness itself enforces
 * (a hostile input must fail fast and small, not merely fail): the peak RSS is read from the
 * kernel's accounting (VmHWM) while it runs.
 */
export function runBounded(args: string[], b: Bounds): Promise<BoundedResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd: b.cwd, env: { ...process.env, ...b.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    let killed: BoundedResult['killed'];
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    const end = (why: NonNullable<BoundedResult['killed']>): void => {
      killed ??= why;
      child.kill('SIGKILL');
    };
    const sample = setInterval(() => {
      peak = Math.max(peak, rssMiB(child.pid));
      if (peak > b.maxRssMiB) end('memory');
    }, 20);
    const timer = setTimeout(() => end('time'), b.timeoutMs);
    const interrupt = b.interrupt && setTimeout(() => child.kill(b.interrupt!.signal), b.interrupt.afterMs);
    child.on('close', (code, signal) => {
      clearInterval(sample);
      clearTimeout(timer);
      if (interrupt) clearTimeout(interrupt);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, peakRssMiB: peak, ...(killed ? { killed } : {}) });
    });
  });
}

/** The process's peak resident set so far (VmHWM), in MiB; 0 once it has gone. */
function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
