import { rng } from '../server/random';
import type { Estimate, LayerReport, Report, WeightReport } from '../common/protocol';

const OPS = ['Conv', 'MatMul', 'Gemm', 'Conv', 'ConvTranspose'];

/**
 * A report of `n` layers built from a real one's header (model, options, run, estimates'
 * accelerators): for the 1,000- and 10,000-layer rendering tests, where analysing a real model
 * of that size would dominate the test's time. Every layer has an 8 x 8 heatmap, a weight with a
 * histogram, activation density, MACs, time, and a row in each of `estimates` estimates (two
 * accelerators x two scenarios by default: a full 30-estimate report of 10,000 layers is ~50 MB).
 */
export function syntheticReport(base: Report, n: number, estimates = 4): Report {
  const rand = rng(n);
  const layers: LayerReport[] = [];
  const weights: WeightReport[] = [];
  let params = 0;
  let zeros = 0;
  let macs = 0;
  let timeMs = 0;
  for (let i = 0; i < n; i++) {
    const opType = OPS[i % OPS.length];
    const rows = 16 << (i % 4);
    const k = 9 * (8 << (i % 3));
    const p = rows * k;
    const sparsity = Math.round(rand() * 20) / 20;
    const z = Math.round(p * sparsity);
    const cells = Uint8Array.from({ length: 64 }, (_, c) => ((c + i) % 5 === 0 ? 0 : Math.round(255 * (1 - sparsity) * (0.5 + rand() / 2))));
    const density = 0.2 + 0.8 * rand();
    const m = p * 256;
    const t = m / 5e10;
    const name = `block${Math.floor(i / 8)}.layer${i % 8}.${opType.toLowerCase()}`;
    layers.push({
      name, opType, graph: 'main', weight: `${name}.weight`, weightGraph: 'main',
      gemm: { rows, k, groups: 1, kernelPositions: opType.startsWith('Conv') ? 9 : 1 },
      params: p, zeros: z, nearZeros: z, sparsity,
      nm: { '2:4': { groupShare: sparsity >= 0.5 ? 1 : sparsity, ready: sparsity >= 0.5, l1Kept: 0.8, l2Kept: 0.9 } },
      blocks: { '1x4': sparsity / 2, '4x4': sparsity / 4 },
      zeroRows: i % 7 === 0 ? 2 : 0, zeroInputChannels: 0, inputChannels: k / 9, zeroCols: 0,
      heatmap: { rows: 8, cols: 8, density: Buffer.from(cells).toString('base64') },
      activation: { input: `${name}.in`, output: `${name}.out`, inputDensity: density, outputDensity: density },
      macs: m, bytes: p * 4 + 256 * (rows + k) * 4, timeMs: t,
    });
    weights.push({
      name: `${name}.weight`, dtype: 'float32', dims: [rows, k], elements: p, bytes: p * 4, zeros: z, nearZeros: z, sparsity,
      location: 'initializer', graph: 'main', usedBy: [opType],
      magnitude: { minNonzero: 1e-4, max: 1, mean: 0.1, std: 0.05, nonFinite: 0 },
      histogram: { log2Start: -14, counts: Array.from({ length: 14 }, (_, b) => Math.round((p - z) * Math.exp(-((b - 10) ** 2) / 8) / 5)) },
    });
    params += p;
    zeros += z;
    macs += m;
    timeMs += t;
  }
  const chips = [...new Set(base.estimates.map((e) => e.accelerator.id))].slice(0, Math.max(1, estimates / 2));
  const kept: Estimate[] = base.estimates.filter((e) => chips.includes(e.accelerator.id)).slice(0, estimates).map((e) => ({
    ...e,
    layers: layers.map((l) => ({ name: l.name, speedup: 1 + l.sparsity, bound: l.sparsity > 0.5 ? 'memory' : 'compute', timeMs: l.timeMs! / 1e3, denseTimeMs: (l.timeMs! * (1 + l.sparsity)) / 1e3, exploited: 'synthetic' })),
  }));
  const entry = { tensors: n, params, zeros, nearZeros: zeros, bytes: params * 4, sparsity: zeros / params };
  return {
    ...base,
    model: { ...base.model, name: `synthetic-${n}.onnx`, path: `/synthetic/synthetic-${n}.onnx`, nodes: n * 2 },
    layers, weights, estimates: kept, values: undefined, ops: undefined,
    totals: { ...entry, byOpType: {}, byDtype: { float32: entry }, layerWeights: entry, macs, layerMacs: macs, timeMs },
  };
}
