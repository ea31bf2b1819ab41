/**
 * `npm run package [-- --target T[,T...]] [--out DIR]`: one .vsix per VS Code platform (all six
 * by default) into DIR (default `packages/`), each with only its own onnxruntime-node native
 * files. Expects `npm run build` to have written dist/ (the npm script does).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ignoreFileFor, nativeFiles, parseTargets, vsixName, type Target } from './package-targets';

export const ROOT = path.join(__dirname, '..', '..');
const VSCE = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

export interface Packed {
  target: Target;
  file: string;
  bytes: number;
  /** False where onnxruntime-node ships no build for the target (its analysis is weights-only). */
  native: boolean;
}

/** Packs each target with vsce, two at a time (each is mostly one deflate stream), and returns what was written. */
export async function packageTargets(targets: readonly Target[], outDir: string, log: (line: string) => void = console.log): Promise<Packed[]> {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'onnx-sparsity-package-'));
  try {
    const one = async (target: Target): Promise<Packed> => {
      const ignore = path.join(work, `${target}.vscodeignore`);
      writeFileSync(ignore, ignoreFileFor(ROOT, target));
      const file = path.join(path.resolve(outDir), vsixName(manifest.name, target, manifest.version));
      await vsce(['package', '--target', target, '--ignoreFile', ignore, '--out', file], target);
      const packed = { target, file, bytes: statSync(file).size, native: nativeFiles(ROOT, target).length > 0 };
      log(`${target}: ${path.relative(process.cwd(), file)} (${(packed.bytes / 2 ** 20).toFixed(1)} MiB${packed.native ? '' : '; onnxruntime-node ships no native build for it: weights-only analysis'})`);
      return packed;
    };
    return await inTurns(targets, 2, one);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function vsce(args: string[], target: Target): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VSCE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (output += d));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`vsce package --target ${target} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`)));
  });
}

/** Runs `work` over `items` with at most `width` at once, keeping the items' order in the result. */
async function inTurns<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}

if (require.main === module) {
  let parsed: ReturnType<typeof parseTargets>;
  try {
    parsed = parseTargets(process.argv.slice(2));
  } catch (e) {
    console.error(`npm run package: ${(e as Error).message}\nusage: npm run package [-- --target T[,T...]] [--out DIR]`);
    process.exit(2);
  }
  packageTargets(parsed.targets, parsed.out ?? path.join(ROOT, 'packages')).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
