import { buildDemoModel } from '../server/demo/demo-model';
import { ModelBuilder } from '../server/onnx/builder';
import type { BenchReport, CrossoverReport, Report } from '../common/protocol';
import { analyzeBuilt } from './helpers';

const machine = { cpu: 'Test CPU', cores: 2, memoryGiB: 8, platform: 'linux-x64' };

/** What `bench --prune 2:4` adds to a report, with round numbers the chart tests can check. */
export const BENCH: BenchReport = {
  model: { path: '/tmp/demo-cnn-mlp.onnx', sha256: '0'.repeat(64) },
  latencyMs: { min: 0.03, p50: 0.05, p90: 0.08, p99: 4, max: 50, mean: 0.15 },
  iterations: 10000, warmup: 3, throughputPerSecond: 6400, requestedEp: 'cpu', ep: 'cpu', threads: 0, ortVersion: '1.30.0',
  machine, peakRssMiB: 100, createdAt: '2026-01-01T00:00:00.000Z',
  pruned: { to: '2:4', latencyMs: { min: 0.04, p50: 0.06, p90: 0.09, p99: 5, max: 60, mean: 0.2 }, measuredSpeedup: 0.83, estimatedSpeedup: 1, sparsity: 0.5, skipped: [] },
};

/** What `crossover --shape 256x256x64` adds: dense flat, the sparse variants falling with sparsity. */
export const CROSSOVER: CrossoverReport = {
  shape: [256, 256, 64],
  levels: [0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999].map((s) => ({
    sparsity: s, denseMs: 0.12, sparseMs: { ortComposite: s < 0.5 ? null : 4 * (1 - s) + 0.02, csrTypeScript: 16 * (1 - s) + 0.005 }, maxError: 1e-6,
  })),
  crossoverSparsity: 0.98, ep: 'cpu', threads: 0, ortVersion: '1.30.0', machine, createdAt: '2026-01-01T00:00:00.000Z',
};

/** The demo model (every kind of sparsity), run, with estimates, bench and crossover. */
export async function demoReport(): Promise<Report> {
  const r = await analyzeBuilt(buildDemoModel(), undefined, {});
  return { ...r, bench: BENCH, crossover: CROSSOVER };
}

/** Markup and script that must stay text: the names below would run code if parsed as HTML. */
export const EVIL_IMG = '<img src=x onerror="window.__pwned=1">';
export const EVIL_SCRIPT = '</script><script>window.__pwned=2</script>';

/**
 * A model whose node names, weight names, graph name, producer and doc strings carry markup,
 * analysed for real, then given a model name, warning and layer note that do too. Weights only:
 * onnxruntime's profile JSON does not escape the double quotes in these node names, and the run
 * fails to parse it (a server-side limitation, reported separately).
 */
export async function evilReport(): Promise<Report> {
  const b = new ModelBuilder({ producer: `${EVIL_SCRIPT} producer`, graphName: `${EVIL_IMG} graph` });
  const w = Float32Array.from({ length: 8 * 16 }, (_, i) => (i % 3 === 0 ? 0 : Math.sin(i)));
  const w2 = Float32Array.from({ length: 8 * 4 }, (_, i) => (i % 2 ? 0 : Math.cos(i)));
  b.main.input('x', 'float32', [1, 16]).output('y', 'float32', [1, 4])
    .initializer(`${EVIL_SCRIPT}.weight`, { dtype: 'float32', dims: [16, 8], values: w })
    .initializer(`${EVIL_IMG}.weight`, { dtype: 'float32', dims: [8, 4], values: w2 })
    .node('MatMul', ['x', `${EVIL_SCRIPT}.weight`], ['h'], {}, `${EVIL_IMG} matmul`)
    .node('Relu', ['h'], ['hr'], {}, 'relu')
    .node('MatMul', ['hr', `${EVIL_IMG}.weight`], ['y'], {}, `${EVIL_SCRIPT} matmul`);
  for (const n of b.main.graph.node!) n.docString = `${EVIL_IMG}${EVIL_SCRIPT}`;
  const r = await analyzeBuilt(b);
  return {
    ...r,
    model: { ...r.model, name: `${EVIL_IMG}.onnx`, path: `/models/${EVIL_SCRIPT}/${EVIL_IMG}.onnx` },
    warnings: [...r.warnings, `doc string: ${EVIL_IMG} ${EVIL_SCRIPT}`],
    layers: r.layers.map((l) => ({ ...l, note: `${EVIL_IMG} note` })),
  };
}

/** The demo report with some layers pruned further: B for compare mode. */
export function prunedCopy(r: Report): Report {
  return {
    ...r,
    model: { ...r.model, name: 'demo-pruned.onnx', path: '/tmp/demo-pruned.onnx' },
    layers: r.layers.map((l, i) => ({ ...l, sparsity: Math.min(1, l.sparsity + 0.1 * (i % 3)), activation: l.activation && { ...l.activation, inputDensity: l.activation.inputDensity === null ? null : l.activation.inputDensity * 0.9 } })),
  };
}
