import type { BenchReport, CrossoverReport, LatencyStats } from '../protocol';
import { bestSparseMs } from './figures';
import { mdText } from './format';

const ms = (x: number): string => x.toFixed(x < 10 ? 3 : 1);
const latencyRow = (label: string, l: LatencyStats): string =>
  `| ${label} | ${ms(l.min)} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)} | ${ms(l.mean)} |`;

export function benchMarkdown(b: BenchReport): string {
  const out = [
    `# Latency: ${mdText(b.model.path)}`, '',
    `${b.iterations} runs after ${b.warmup} warm-up, onnxruntime ${b.ortVersion} on ${b.ep}${b.fallback ? ` (${mdText(b.fallback)})` : ''}, ${b.threads || 'default'} threads; ${mdText(b.machine.cpu)} x${b.machine.cores}, ${b.machine.memoryGiB} GiB; peak RSS ${b.peakRssMiB.toFixed(0)} MiB.`, '',
    '| ms | min | p50 | p90 | p99 | max | mean |', '|---|---:|---:|---:|---:|---:|---:|',
    latencyRow('as-is', b.latencyMs),
  ];
  if (b.pruned) out.push(latencyRow(`pruned to ${b.pruned.to}`, b.pruned.latencyMs));
  out.push('', `Throughput ${b.throughputPerSecond.toFixed(1)} inferences/s.`);
  if (b.pruned) {
    const p = b.pruned;
    out.push('', `Pruned to ${p.to} (${(p.sparsity * 100).toFixed(1)}% of layer weights zero): measured ${p.measuredSpeedup.toFixed(2)}x (as-is p50 over pruned p50)` +
      `${p.estimatedSpeedup !== null ? `; the estimator predicts ${p.estimatedSpeedup.toFixed(2)}x for the same ratio on this machine (its as-is time over its pruned time)` : ''}.` +
      (p.measuredSpeedup < 1.1 ? ' Dense kernels run zeros at full cost: this is the usual answer on a dense CPU.' : ''));
    if (p.skipped.length) out.push('', `Not pruned: ${p.skipped.map(mdText).join(', ')}.`);
  }
  for (const w of b.warnings ?? []) out.push('', `**Warning:** ${mdText(w)}`);
  return out.join('\n') + '\n';
}

export function crossoverMarkdown(c: CrossoverReport): string {
  const [m, k, n] = c.shape;
  const out = [
    `# Sparse vs dense crossover: [${m}, ${k}] x [${k}, ${n}] float32`, '',
    `onnxruntime ${c.ortVersion} on ${c.ep}, ${c.threads || 'default'} threads; ${mdText(c.machine.cpu)} x${c.machine.cores}. Median of repeated runs per variant; every sparse product checked against the dense one.`, '',
    '| weight sparsity | dense MatMul ms | ORT Gather/Mul/ScatterND ms | CSR SpMM (TypeScript) ms | best sparse vs dense |', '|---:|---:|---:|---:|---:|',
    ...c.levels.map((l) => {
      return `| ${(l.sparsity * 100).toFixed(1)}% | ${ms(l.denseMs)} | ${l.sparseMs.ortComposite === null ? 'skipped (memory)' : ms(l.sparseMs.ortComposite)} | ${ms(l.sparseMs.csrTypeScript)} | ${(l.denseMs / bestSparseMs(l)).toFixed(2)}x |`;
    }),
    '',
    c.crossoverSparsity === null ? 'No sparse variant beats dense at the highest sparsity tested.' : `Sparse wins from **${(c.crossoverSparsity * 100).toFixed(1)}%** weight sparsity on (at every level tested above it).`,
  ];
  return out.join('\n') + '\n';
}
