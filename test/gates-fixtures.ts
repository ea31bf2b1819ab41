import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { npyFile, tempDir } from './helpers';

/**
 * Two versions of a three-layer MLP, x[1, 8] -> enc/q (W1 [8, 4]) -> enc/k (W2 [4, 4]) -> head
 * (W3 [4, 2]) -> y[1, 2], whose every figure is known by construction:
 * - baseline: in W1 and W2 the weights at K positions with k % 4 >= 2 are zero, so every group of 4
 *   along K holds exactly 2 nonzeros (both 2:4-ready, 50% zeros); W3 is dense. Zeros 16 + 8 + 0 of
 *   32 + 16 + 8 weights: 24 / 56.
 * - pruned-away ("regressed"): W1[2][0] is 0.5 instead of 0, so enc/q has 15 / 32 zeros, its first
 *   group along K for column 0 holds 3 nonzeros, and it is no longer 2:4-ready. Zeros 23 / 56.
 */
export const W1_ZEROS = [16, 15];
export const TOTAL = 56;

export function weights(regressed: boolean): { w1: number[]; w2: number[]; w3: number[] } {
  const dense = (k: number, n: number): number => 0.1 * (k + 1) + 0.01 * (n + 1);
  const sparse = (K: number, N: number): number[] => Array.from({ length: K * N }, (_, i) => (Math.floor(i / N) % 4 >= 2 ? 0 : dense(Math.floor(i / N), i % N)));
  const w1 = sparse(8, 4);
  if (regressed) w1[2 * 4 + 0] = 0.5;
  return { w1, w2: sparse(4, 4), w3: Array.from({ length: 8 }, (_, i) => dense(Math.floor(i / 2), i % 2) * (i % 3 === 0 ? -1 : 1)) };
}

export function mlp(regressed: boolean, names = ['enc/q', 'enc/k', 'head']): ModelBuilder {
  const { w1, w2, w3 } = weights(regressed);
  const b = new ModelBuilder({ graphName: 'mlp' });
  b.main.input('x', 'float32', [1, 8]).output('y', 'float32', [1, 2])
    .initializer('W1', { dtype: 'float32', dims: [8, 4], values: w1 })
    .initializer('W2', { dtype: 'float32', dims: [4, 4], values: w2 })
    .initializer('W3', { dtype: 'float32', dims: [4, 2], values: w3 })
    .node('MatMul', ['x', 'W1'], ['h1'], {}, names[0])
    .node('MatMul', ['h1', 'W2'], ['h2'], {}, names[1])
    .node('MatMul', ['h2', 'W3'], ['y'], {}, names[2]);
  return b;
}

/** The input every drift test feeds: x = [0.3, -0.2, 0.7, 0.1, -0.5, 0.4, 0.9, -0.8]. */
export const X = [0.3, -0.2, 0.7, 0.1, -0.5, 0.4, 0.9, -0.8];

/** y = x W1 W2 W3 in float64, as a reader would compute it by hand. */
export function forward(regressed: boolean, x = X): number[] {
  const { w1, w2, w3 } = weights(regressed);
  const mm = (v: number[], w: number[], K: number, N: number): number[] => Array.from({ length: N }, (_, n) => v.reduce((s, vk, k) => s + vk * w[k * N + n], 0));
  return mm(mm(mm(x, w1, 8, 4), w2, 4, 4), w3, 4, 2);
}

export interface GateModels {
  dir: string;
  baseline: string;
  regressed: string;
  /** x as a .npy file. */
  input: string;
}

export async function gateModels(): Promise<GateModels> {
  const dir = tempDir();
  const input = path.join(dir, 'x.npy');
  writeFileSync(input, npyFile('<f4', [1, 8], new Uint8Array(Float32Array.from(X).buffer)));
  return { dir, baseline: await writeModel(mlp(false), dir, 'baseline.onnx'), regressed: await writeModel(mlp(true), dir, 'regressed.onnx'), input };
}

export function writeJson(dir: string, name: string, data: unknown): string {
  const f = path.join(dir, name);
  writeFileSync(f, JSON.stringify(data, null, 2));
  return f;
}
