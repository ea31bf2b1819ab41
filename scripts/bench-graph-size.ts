/**
 * `npm run bench`, graph size: instrumenting and running a 10,000-node graph against a plain
 * onnxruntime session create + run of the same model (goal <= 2x), and a 100,000-node graph
 * weights-only (goal: seconds) and with --activations layers (goal: a few times plain). Every
 * figure from a fresh process; prints figures, asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { inferShapes } from '../server/analysis/cost/infer-shapes';
import { ort } from '../server/analysis/run/session';
import { loadModel } from '../server/onnx/load';
import { writeSafely } from '../server/files/safe-write';
import { analyzeModel } from '../server/pipeline/analyze';

const vi = (name: string, dims: number[]): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** x [1, 64] through n alternating Neg and Relu nodes: every node a value to measure. */
async function chain(n: number): Promise<string> {
  const file = path.join(os.tmpdir(), `onnx-sparsity-bench-chain-${n}.onnx`);
  const node: onnx.INodeProto[] = [];
  for (let i = 0; i < n; i++) node.push({ opType: i % 2 ? 'Relu' : 'Neg', name: `n${i}`, input: [i ? `v${i - 1}` : 'x'], output: [i === n - 1 ? 'y' : `v${i}`] });
  const bytes = onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'chain', input: [vi('x', [1, 64])], output: [vi('y', [1, 64])], node } }).finish();
  await writeSafely(file, bytes);
  return file;
}

interface Figures { ms: number; runMs?: number; strategy?: string }

async function child(mode: string, file: string): Promise<Figures> {
  const t0 = performance.now();
  if (mode === 'plain') {
    const s = await ort().InferenceSession.create(file);
    await s.run({ x: new (ort().Tensor)('float32', new Float32Array(64), [1, 64]) });
    return { ms: performance.now() - t0 };
  }
  const run = mode === 'weights' ? false as const : { level: mode as 'all' | 'layers' };
  const r = await analyzeModel({ file, run, estimate: false });
  if (run && !r.run?.ok) throw new Error(r.run?.error);
  return { ms: performance.now() - t0, runMs: r.timings.runMs, strategy: r.run?.strategy };
}

function spawn(mode: string, file: string): Figures {
  const out = execFileSync(process.execPath, [__filename, '--child', mode, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out.trim().split('\n').pop()!) as Figures;
}

async function main(): Promise<void> {
  console.log('\n== graph size (fresh process per figure)');
  const ten = await chain(10_000);
  const hundred = await chain(100_000);
  try {
    const plain = spawn('plain', ten);
    const all = spawn('all', ten);
    const ratio = all.runMs! / plain.ms;
    console.log(`   10,000 nodes: plain onnxruntime create + run ${plain.ms.toFixed(0)} ms; our run (--activations all, ${all.strategy}) ${all.runMs!.toFixed(0)} ms = ${ratio.toFixed(2)}x (goal <= 2x: ${ratio <= 2 ? 'MET' : 'MISS'}); whole analysis ${all.ms.toFixed(0)} ms`);
    const t0 = performance.now();
    const inferred = inferShapes(await loadModel(hundred), new Map([['x', [1, 64]]]));
    const inferMs = performance.now() - t0;
    console.log(`   100,000 nodes: static shape inference ${inferMs.toFixed(0)} ms for ${inferred.values.size} values (goal < 1 s: ${inferMs < 1000 ? 'MET' : 'MISS'})`);
    const plain100 = spawn('plain', hundred);
    const weights = spawn('weights', hundred);
    console.log(`   100,000 nodes: weights only ${(weights.ms / 1000).toFixed(2)} s (goal: seconds: ${weights.ms < 10_000 ? 'MET' : 'MISS'})`);
    const layers = spawn('layers', hundred);
    const r100 = layers.runMs! / plain100.ms;
    console.log(`   100,000 nodes: --activations layers run ${(layers.runMs! / 1000).toFixed(1)} s vs plain create + run ${(plain100.ms / 1000).toFixed(1)} s = ${r100.toFixed(1)}x (goal: a few times, <= 4x: ${r100 <= 4 ? 'MET' : 'MISS'})`);
  } finally {
    await Promise.all([fs.rm(ten, { force: true }), fs.rm(hundred, { force: true })]);
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4]).then((f) => console.log(JSON.stringify(f)), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
