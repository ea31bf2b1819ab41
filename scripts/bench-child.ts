/**
 * Runs one weights-only analysis in a fresh process and prints, as one JSON line, its timings, its
 * peak RSS and a short per-layer summary (to check the models are pruned as built). With --pass,
 * only the weight pass itself (load, then measureWeights with the default options on one thread, no hash worker,
 * no report): its wall time and the process's CPU time, so one core's throughput shows even when
 * other processes share the machine.
 * Usage: node out/scripts/bench-child.js MODEL [--pass]
 */
import { readFileSync } from 'node:fs';
import { resolveOptions } from '../server/analysis/weights/options';
import { measureWeights } from '../server/analysis/weights/measure-model';
import { ExternalFiles } from '../server/onnx/external';
import { loadModel } from '../server/onnx/load';
import { analyzeModel } from '../server/pipeline/analyze';

export interface ChildResult {
  /** RSS of this Node process before loading anything, KiB. */
  startRssKiB: number;
  /** Peak RSS over the whole run (getrusage ru_maxrss), KiB. */
  maxRssKiB: number;
  loadMs: number;
  weightsMs: number;
  totalMs: number;
  /** Bytes of every weight the pass read. */
  weightBytes: number;
  layers: { name: string; sparsity: number; ready24: boolean; share24: number; blocks32: number }[];
  /** With --pass: CPU time of the weight pass (user + system, every thread of the process), ms. */
  weightsCpuMs?: number;
  /**
   * With --pass: CPU time of the main thread alone over the pass (Linux schedstat), ms: the pass
   * itself, without V8's background compilation and GC threads.
   */
  weightsThreadMs?: number;
}

/** The main thread's CPU time so far in ms (Linux /proc schedstat, nanoseconds), or undefined elsewhere. */
function threadCpuMs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

async function pass(file: string): Promise<void> {
  const startRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const t0 = performance.now();
  const model = await loadModel(file);
  const loadMs = performance.now() - t0;
  const c0 = process.cpuUsage();
  const th0 = threadCpuMs();
  const t1 = performance.now();
  // One core: the split pass's worker would add its own thread (goal 2 is per core).
  const m = await measureWeights(model, resolveOptions(), new ExternalFiles(model.dir, model.path), { split: 'off' });
  const weightsMs = performance.now() - t1;
  const th1 = threadCpuMs();
  const cpu = process.cpuUsage(c0);
  const result: ChildResult = {
    startRssKiB, maxRssKiB: process.resourceUsage().maxRSS, loadMs, weightsMs, totalMs: performance.now() - t0,
    weightBytes: m.weights.reduce((s, w) => s + w.bytes, 0), layers: [], weightsCpuMs: (cpu.user + cpu.system) / 1000,
    ...(th0 !== undefined && th1 !== undefined ? { weightsThreadMs: th1 - th0 } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

async function main(file: string): Promise<void> {
  const startRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const r = await analyzeModel({ file, run: false });
  const result: ChildResult = {
    startRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
    ...r.timings,
    weightBytes: r.weights.reduce((s, w) => s + w.bytes, 0),
    layers: r.layers.map((l) => ({
      name: l.name,
      sparsity: l.sparsity,
      ready24: l.nm['2:4']?.ready ?? false,
      share24: l.nm['2:4']?.groupShare ?? 0,
      blocks32: l.blocks['32x32'] ?? 0,
    })),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

(process.argv[3] === '--pass' ? pass : main)(process.argv[2]).catch((e: unknown) => {
  process.stderr.write(`bench-child: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
