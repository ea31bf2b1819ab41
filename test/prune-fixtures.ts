import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PruningPlan, Report } from '../common/protocol';
import type { AnalysisSettings } from '../common/requests';
import { ModelBuilder, writeModel, type Encoding } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { planFromReport, profilesFor } from '../server/pipeline/plan';
import { pruneWithPlan } from '../server/pipeline/prune';
import { rng, gaussian } from '../server/random';

/**
 * A small CNN + MLP that runs: Conv W [8, 8, 3, 3] (K = 72, channel-last), Gemm B [16, 288]
 * (transB), MatMul B [16, 12] (K-major, a transposed view), logits [1, 12]. Its weights are seeded
 * Gaussians (no zeros), stored in the file or in one external-data file, and a field unknown to
 * ONNX (ModelProto field 99) is appended, as newer exporters write fields onnx-proto 1.10 lacks.
 */
export const UNKNOWN_FIELD = Uint8Array.from([0x98, 0x06, 0x07]);

export async function prunableModel(dir: string, name: string, encoding: Encoding = 'raw'): Promise<string> {
  const rand = rng(15);
  const b = new ModelBuilder({ producer: 'prune test' });
  const w = (dims: number[], std: number) => ({ dtype: 'float32' as const, dims, values: gaussian(dims.reduce((a, x) => a * x, 1), std, rand), encoding });
  b.main.input('x', 'float32', [1, 8, 6, 6]).output('logits', 'float32', [1, 12])
    .initializer('conv.w', w([8, 8, 3, 3], 0.2))
    .initializer('conv.b', { dtype: 'float32', dims: [8], values: gaussian(8, 0.05, rand) })
    .initializer('fc.w', w([16, 288], 0.1))
    .initializer('out.w', w([16, 12], 0.3))
    .node('Conv', ['x', 'conv.w', 'conv.b'], ['c'], { pads: [1, 1, 1, 1] }, 'conv')
    .node('Relu', ['c'], ['r'], {}, 'relu')
    .node('Flatten', ['r'], ['f'], { axis: 1 }, 'flatten')
    .node('Gemm', ['f', 'fc.w'], ['h'], { transB: 1 }, 'fc')
    .node('Relu', ['h'], ['hr'], {}, 'relu2')
    .node('MatMul', ['hr', 'out.w'], ['logits'], {}, 'out');
  const file = await writeModel(b, dir, name);
  const bytes = (await import('node:fs')).readFileSync(file);
  writeFileSync(file, Buffer.concat([bytes, UNKNOWN_FIELD]));
  return file;
}

/** What the tests ask for: 2:4 on the Conv, a quarter of the Gemm's output channels, half the MatMul's 4x4 blocks. */
export const PRUNES: Record<string, string> = { conv: '2:4', fc: 'rows-25%', out: '4x4-50%' };

export const SETTINGS: AnalysisSettings = { run: {}, estimate: { targets: ['h100+tensorrt', 'this-machine'] } };

/** The model's plan for h100+tensorrt, with the layers' choices written over as a user edits the file. */
export async function editedPlan(file: string, prunes: Record<string, string> = PRUNES): Promise<{ plan: PruningPlan; report: Report }> {
  const report = await analyzeModel({ file, ...SETTINGS });
  const plan = planFromReport(report, { target: 'h100+tensorrt', keep: 0.5 }, await profilesFor(report, undefined));
  for (const l of plan.layers) l.prune = prunes[l.name] ?? 'as-is';
  return { plan, report };
}

/** The real pipeline, on a plan file, with short timings. */
export async function pruneFile(file: string, planFile: string, out: string, inputs: string[] = []): ReturnType<typeof pruneWithPlan> {
  const run = { ...(SETTINGS.run as object), inputs };
  return pruneWithPlan({
    file, out, ...SETTINGS, run, plan: { file: planFile }, timing: { warmup: 1, iterations: 20 },
    analyze: (f, options) => analyzeModel({ file: f, ...SETTINGS, run, options }),
  });
}

export function writePlan(dir: string, plan: PruningPlan): string {
  const p = path.join(dir, 'plan.json');
  writeFileSync(p, JSON.stringify(plan, null, 2));
  return p;
}
