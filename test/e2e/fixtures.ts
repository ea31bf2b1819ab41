import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { buildDemoModel } from '../../server/demo/demo-model';
import { demoSamples } from '../../server/demo/demo-samples';
import { ModelBuilder, writeModel } from '../../server/onnx/builder';
import type { Report } from '../../common/protocol';

/**
 * The workspace the workbench opens. Every model runs on SAMPLES generated samples (a workspace
 * setting): the demo and the MLP still take about a second, the Relu over a large input long
 * enough to cancel.
 */
export const SAMPLES = 500;

export interface Workspace {
  dir: string;
  /** The demo CNN + MLP (server/demo): every kind of sparsity, one 2:4-ready layer. */
  demo: string;
  /** A small MLP with a 2:4-ready Gemm and a half-zero MatMul. */
  mlp: string;
  /** Text in a .onnx file. */
  corrupt: string;
  /** One Relu over a 1 MiB input: cheap per sample, about 20 s over SAMPLES samples. */
  slow: string;
  /** A Conv over an image input of symbolic height and width: it cannot run until they are given. */
  sized: string;
  /** A folder of 3 PNG images for the demo model (server/demo/demo-samples.ts), for choosing sample inputs. */
  samples: string;
}

export async function writeWorkspace(dir: string): Promise<Workspace> {
  mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'onnxSparsity.samples': SAMPLES }, null, 2));
  const corrupt = path.join(dir, 'corrupt.onnx');
  writeFileSync(corrupt, 'this is not a protobuf model at all, just text\n');
  return {
    dir,
    demo: await writeModel(buildDemoModel(), dir, 'demo.onnx'),
    mlp: await writeModel(mlpModel(), dir, 'mlp.onnx'),
    corrupt,
    slow: await writeModel(slowModel(), dir, 'slow.onnx'),
    sized: await writeModel(sizedModel(), dir, 'sized.onnx'),
    samples: writeSamples(path.join(dir, 'samples')),
  };
}

function writeSamples(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of demoSamples().slice(0, 3)) writeFileSync(path.join(dir, name), bytes);
  return dir;
}

function mlpModel(): ModelBuilder {
  const b = new ModelBuilder({ producer: 'onnx-sparsity e2e', graphName: 'mlp' });
  // Gemm B [N=8, K=16] with transB: in every 4 consecutive K-elements the first two are zero (2:4-ready).
  const w1 = Float32Array.from({ length: 8 * 16 }, (_, i) => (i % 4 < 2 ? 0 : ((i * 7) % 11) / 10 - 0.5 || 0.25));
  // MatMul B [K=8, N=4]: every other element zero, so half its 2:4 groups comply.
  const w2 = Float32Array.from({ length: 8 * 4 }, (_, i) => (i % 2 ? 0 : ((i * 5) % 9) / 9 - 0.4 || 0.3));
  b.main.input('x', 'float32', [1, 16]).output('y', 'float32', [1, 4])
    .initializer('fc1.weight', { dtype: 'float32', dims: [8, 16], values: w1 })
    .initializer('fc2.weight', { dtype: 'float32', dims: [8, 4], values: w2 })
    .node('Gemm', ['x', 'fc1.weight'], ['h'], { transB: 1 }, 'fc1')
    .node('Relu', ['h'], ['hr'], {}, 'relu')
    .node('MatMul', ['hr', 'fc2.weight'], ['y'], {}, 'fc2');
  return b;
}

function sizedModel(): ModelBuilder {
  const b = new ModelBuilder({ producer: 'onnx-sparsity e2e', graphName: 'sized' });
  const w = Float32Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => (i % 2 ? 0 : ((i * 3) % 7) / 7 - 0.3));
  b.main.input('image', 'float32', ['batch', 3, 'height', 'width']).output('y', 'float32', ['batch', 4, 'height', 'width'])
    .initializer('w', { dtype: 'float32', dims: [4, 3, 3, 3], values: w })
    .node('Conv', ['image', 'w'], ['y'], { pads: [1, 1, 1, 1] }, 'conv');
  return b;
}

function slowModel(): ModelBuilder {
  const b = new ModelBuilder({ producer: 'onnx-sparsity e2e', graphName: 'slow' });
  b.main.input('x', 'float32', [64, 4096]).output('y', 'float32', [64, 4096]).node('Relu', ['x'], ['y'], {}, 'relu');
  return b;
}

/**
 * What the CLI says about `model` with the workspace's settings: the figures the report webview
 * must show. `env` keeps the CLI's benchmark cache out of the user's.
 */
export async function cliReport(cli: string, model: string, env: NodeJS.ProcessEnv): Promise<Report> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'analyze', model, '--format', 'json', '--samples', String(SAMPLES)], { env, maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as Report;
}
