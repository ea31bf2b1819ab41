import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { analyzeModel } from '../server/analysis/analyze';
import { writeModel, type ModelBuilder } from '../server/onnx/builder';
import type { AnalysisOptions, LayerReport, Report, WeightReport } from '../server/protocol';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'onnx-sparsity-test-'));
  dirs.push(d);
  return d;
}

export async function analyzeBuilt(b: ModelBuilder, options?: Partial<AnalysisOptions>): Promise<Report> {
  const file = await writeModel(b, tempDir(), 'model.onnx');
  return analyzeModel({ file, options });
}

export function weight(r: Report, name: string): WeightReport {
  const w = r.weights.find((x) => x.name === name);
  if (!w) throw new Error(`no weight ${name} in report (has ${r.weights.map((x) => x.name).join(', ')})`);
  return w;
}

export function layer(r: Report, name: string): LayerReport {
  const l = r.layers.find((x) => x.name === name);
  if (!l) throw new Error(`no layer ${name} in report (has ${r.layers.map((x) => x.name).join(', ')})`);
  return l;
}

export const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

export function runCli(args: string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Element (r, c) of a row-major matrix with `cols` columns. */
export const at = (r: number, c: number, cols: number): number => r * cols + c;

/** runCli with a chosen working folder and extra environment variables (e.g. TMPDIR for `demo`). */
export function runCliWith(
  args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Hex SHA-256 of a file's bytes, computed with node:crypto alone. */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
