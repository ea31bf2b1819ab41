/**
 * Runs one analysis in a fresh process and prints, as one JSON line, its timings, its peak RSS
 * and a short per-layer summary (to check the models are pruned as built).
 * Usage: node out/scripts/bench-child.js MODEL
 */
import { analyzeModel } from '../server/pipeline/analyze';

export interface ChildResult {
  /** RSS of this Node process before loading anything, KiB. */
  startRssKiB: number;
  /** Peak RSS over the whole run (getrusage ru_maxrss), KiB. */
  maxRssKiB: number;
  loadMs: number;
  weightsMs: number;
  totalMs: number;
  weightBytes: number;
  layers: { name: string; sparsity: number; ready24: boolean; share24: number; blocks32: number }[];
}

async function main(file: string): Promise<void> {
  const startRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const r = await analyzeModel({ file });
  const result: ChildResult = {
    startRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
    ...r.timings,
    weightBytes: r.totals.bytes,
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

main(process.argv[2]).catch((e: unknown) => {
  process.stderr.write(`bench-child: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
