import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSafely } from '../files/safe-write';
import type { BenchReport, CrossoverReport } from '../../common/protocol';
import { benchMachineKey } from './machine';

/**
 * Measured results, kept per model and machine so a report can show them without re-running:
 * `$ONNX_SPARSITY_CACHE` or ~/.cache/onnx-sparsity/bench. Files are written whole (temp file, then
 * rename), so a cancelled or crashed benchmark never leaves half a result.
 */
export function cacheDir(): string {
  return process.env.ONNX_SPARSITY_CACHE ?? path.join(os.homedir(), '.cache', 'onnx-sparsity', 'bench');
}

const benchFile = (sha256: string, machine: string): string => path.join(cacheDir(), `model-${sha256.slice(0, 32)}-${machine}.json`);
const crossoverFile = (machine: string): string => path.join(cacheDir(), `crossover-${machine}.json`);

async function write(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeSafely(file, JSON.stringify(value));
}

async function read<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    // Absent or unreadable: as if never measured; the next measurement overwrites it.
    return undefined;
  }
}

// A result is filed under the provider it ran on and its thread count, as the report says: a run
// that fell back to CPU never stands for the GPU.
export const saveBench = (b: BenchReport): Promise<void> => write(benchFile(b.model.sha256, benchMachineKey(b.ep, b.threads)), b);
export const loadBench = (sha256: string, machine: string): Promise<BenchReport | undefined> => read(benchFile(sha256, machine));
export const saveCrossover = (c: CrossoverReport): Promise<void> => write(crossoverFile(benchMachineKey(c.ep, c.threads)), c);
export const loadCrossover = (machine: string): Promise<CrossoverReport | undefined> => read(crossoverFile(machine));
