import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { rng } from '../random';
import { AnalysisError, throwIfCancelled, UsageError } from '../errors';
import { ModelBuilder } from '../onnx/builder';
import { openSession, ort, ortVersion, type OrtSession } from '../analysis/run/session';
import type { CrossoverLevel, CrossoverReport } from '../../common/protocol';
import { csrSpmm, toCsr } from './csr-spmm';
import { bestSparseMs } from '../../common/report/figures';
import { crossoverSparsity } from './latency-stats';
import { machineInfo } from './machine';

export const CROSSOVER_LEVELS = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999];
export const DEFAULT_SHAPE: [number, number, number] = [1024, 1024, 256];

export interface CrossoverOptions {
  shape: [number, number, number];
  ep: string;
  strictEp: boolean;
  threads: number;
  memoryBudget: number;
  levels?: number[];
  onProgress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
}

/**
 * Dense MatMul against sparse matmuls that really run here, at each sparsity: a composite of
 * standard ONNX ops in onnxruntime (Gather the rows of X each nonzero needs, Mul by the values,
 * ScatterND with reduction "add" into Y; ORT's SparseToDenseMatMul cannot be fed from
 * onnxruntime-node), and a CSR SpMM in TypeScript. Every variant's product is checked against the
 * dense one.
 */
export async function measureCrossover(o: CrossoverOptions): Promise<CrossoverReport> {
  const [m, k, n] = o.shape;
  if (![m, k, n].every((d) => Number.isInteger(d) && d > 0)) throw new UsageError(`--shape must be three positive integers MxKxN, not ${o.shape.join('x')}`);
  const denseBytes = 4 * (m * k + k * n + 2 * m * n);
  if (denseBytes > o.memoryBudget) throw new UsageError(`shape ${m}x${k}x${n} needs ${denseBytes} bytes, more than the memory budget (${o.memoryBudget})`);
  const file = `crossover ${m}x${k}x${n}`;
  const dense = await openSession(denseModel(), { ep: o.ep, strictEp: o.strictEp, threads: o.threads, file });
  // One thread: onnxruntime's ScatterND with reduction="add" races on repeated indices when it
  // splits the updates across threads (seen here: wrong sums in about one run in three).
  const composite = await openSession(compositeModel(), { ep: dense.ep, strictEp: true, threads: 1, file });
  const rand = rng(97);
  const x = Float32Array.from({ length: k * n }, () => rand() * 2 - 1);
  const levels: CrossoverLevel[] = [];
  const todo = o.levels ?? CROSSOVER_LEVELS;
  try {
    for (const [i, s] of todo.entries()) {
      throwIfCancelled(o.signal);
      o.onProgress?.(i / todo.length, `sparsity ${(s * 100).toFixed(1)}%`);
      levels.push(await level(s, m, k, n, x, dense.session, composite.session, o, rand));
      await yieldToLoop();
    }
  } finally {
    await dense.session.release();
    await composite.session.release();
  }
  return {
    shape: [m, k, n], levels,
    crossoverSparsity: crossoverSparsity(levels.map((l) => ({ sparsity: l.sparsity, denseMs: l.denseMs, bestSparseMs: bestSparseMs(l) }))),
    ep: dense.ep, threads: o.threads, ortVersion: ortVersion(), machine: machineInfo(), createdAt: new Date().toISOString(),
  };
}

async function level(s: number, m: number, k: number, n: number, x: Float32Array, dense: OrtSession, composite: OrtSession, o: CrossoverOptions, rand: () => number): Promise<CrossoverLevel> {
  const w = sparseWeight(m, k, s, rand);
  const T = ort().Tensor;
  const feeds = { w: new T('float32', w, [m, k]), x: new T('float32', x, [k, n]) };
  // Copied at once: an output may be a view of memory onnxruntime reuses in later runs.
  const reference = ((await dense.run(feeds)).y.data as Float32Array).slice();
  const denseMs = await timeIt(async () => void (await dense.run(feeds)));
  const csr = toCsr(w, m, k);
  const y = new Float32Array(m * n);
  const csrTypeScript = await timeIt(async () => void csrSpmm(csr, x, n, y));
  const csrError = maxDiff(reference, y);
  let maxError = csrError;
  const nnz = csr.values.length;
  let ortComposite: number | null = null;
  // The composite holds the gathered rows and their products: 2 x nnz x n floats.
  if (8 * nnz * n <= o.memoryBudget && nnz > 0) {
    const rows = new BigInt64Array(nnz);
    for (let r = 0; r < m; r++) for (let p = csr.rowPtr[r]; p < csr.rowPtr[r + 1]; p++) rows[p] = BigInt(r);
    const cfeeds = {
      x: feeds.x, cols: new T('int64', BigInt64Array.from(csr.colIdx, BigInt), [nnz]),
      vals: new T('float32', csr.values, [nnz, 1]), rows: new T('int64', rows, [nnz, 1]), zeros: new T('float32', new Float32Array(m * n), [m, n]),
    };
    maxError = Math.max(maxError, maxDiff(reference, (await composite.run(cfeeds)).y.data as Float32Array));
    ortComposite = await timeIt(async () => void (await composite.run(cfeeds)));
  }
  if (maxError > 1e-3 * Math.sqrt(k))
    throw new AnalysisError(`${csrError === maxError ? 'the CSR SpMM' : 'the onnxruntime composite'} disagrees with the dense product by ${maxError} at sparsity ${s}`, { file: 'crossover' });
  return { sparsity: s, denseMs, sparseMs: { ortComposite, csrTypeScript }, maxError };
}

/** Median of repeated runs: at least 3 and at least 0.2 s, after one warm-up. */
async function timeIt(f: () => Promise<void>): Promise<number> {
  await f();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < 200 && times.length < 50)) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Exactly round(s x m x k) zeros at seeded random positions, normal-ish values elsewhere. */
function sparseWeight(m: number, k: number, s: number, rand: () => number): Float32Array {
  const n = m * k;
  const w = Float32Array.from({ length: n }, () => (rand() - 0.5) || 0.25);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const zeros = Math.round(s * n);
  for (let i = 0; i < zeros; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [order[i], order[j]] = [order[j], order[i]];
    w[order[i]] = 0;
  }
  return w;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function denseModel(): Uint8Array {
  const b = new ModelBuilder({ opset: 17 });
  b.main.input('w', 'float32', ['m', 'k']).input('x', 'float32', ['k', 'n']).output('y', 'float32', ['m', 'n']);
  b.main.node('MatMul', ['w', 'x'], ['y'], {}, 'dense');
  return b.toBytes();
}

/** y = ScatterND(zeros, rows, Gather(x, cols) * vals, reduction=add): one scaled row of x per nonzero. */
function compositeModel(): Uint8Array {
  const b = new ModelBuilder({ opset: 17 });
  b.main.input('x', 'float32', ['k', 'n']).input('cols', 'int64', ['nnz']).input('vals', 'float32', ['nnz', 1])
    .input('rows', 'int64', ['nnz', 1]).input('zeros', 'float32', ['m', 'n']).output('y', 'float32', ['m', 'n']);
  b.main.node('Gather', ['x', 'cols'], ['picked'], { axis: 0 }, 'gather')
    .node('Mul', ['picked', 'vals'], ['scaled'], {}, 'scale')
    .node('ScatterND', ['zeros', 'rows', 'scaled'], ['y'], { reduction: 'add' }, 'scatter');
  return b.toBytes();
}
