import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { analyzeModel } from '../server/pipeline/analyze';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import type { AnalysisOptions, LayerReport, Report, RunOptions, WeightReport } from '../common/protocol';

const dirs: string[] = [];

// Measurements cached by `bench`/`crossover` would change estimates: tests (and the processes
// they start) use a cache of their own.
process.env.ONNX_SPARSITY_CACHE = mkdtempSync(path.join(os.tmpdir(), 'onnx-sparsity-cache-'));
dirs.push(process.env.ONNX_SPARSITY_CACHE);
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
// The CLIs and servers the tests start keep V8's code cache out of the user's home, in one
// folder every test file shares (server/files/code-cache.ts; a test of the cache sets its own).
process.env.ONNX_SPARSITY_CODE_CACHE ??= path.join(os.tmpdir(), 'onnx-sparsity-test-code-cache');

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'onnx-sparsity-test-'));
  dirs.push(d);
  return d;
}

/**
 * x -> Relu -> y, float32 of `dims`: the smallest model that runs. At [64, 4096] each instrumented
 * run takes long enough for a test to cancel between runs.
 */
export function reluOnly(dims: (number | string)[], nodeName = 'relu'): ModelBuilder {
  const b = new ModelBuilder();
  b.main.input('x', 'float32', dims).output('y', 'float32', dims).node('Relu', ['x'], ['y'], {}, nodeName);
  return b;
}

/** Weights only unless `run` is given: most fixtures are graph fragments that could not run. */
export async function analyzeBuilt(b: ModelBuilder, options?: Partial<AnalysisOptions>, run: Partial<RunOptions> | false = false): Promise<Report> {
  const file = await writeModel(b, tempDir(), 'model.onnx');
  return analyzeModel({ file, options, run });
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

/** A CLI run that has not exited by then has hung (a child holding it open): its code is -1. */
const CLI_TIMEOUT_MS = 120_000;

export function runCli(args: string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, maxBuffer: 64 << 20, timeout: CLI_TIMEOUT_MS });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Element (r, c) of a row-major matrix with `cols` columns. */
export const at = (r: number, c: number, cols: number): number => r * cols + c;

/** runCli with a chosen working folder and extra environment variables (e.g. TMPDIR for `demo`). */
export function runCliWith(
  args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20, timeout: CLI_TIMEOUT_MS,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Hex SHA-256 of a file's bytes, computed with node:crypto alone. */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * A .npy file byte by byte, as np.save writes it: magic, version, a header dict padded with spaces
 * so the data starts at a multiple of 64, ended by '\n', then the data. `header` replaces the dict.
 */
export function npyFile(
  descr: string, shape: number[], data: Uint8Array, opts: { version?: 1 | 2 | 3; fortran?: boolean; header?: string } = {},
): Buffer {
  const version = opts.version ?? 1;
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = opts.header ?? `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${tuple}, }`;
  const pre = version === 1 ? 10 : 12;
  const text = Buffer.from(dict, version === 3 ? 'utf8' : 'latin1');
  const header = Buffer.concat([text, Buffer.from(' '.repeat((64 - ((pre + text.length + 1) % 64)) % 64) + '\n')]);
  const out = Buffer.alloc(pre + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) out.writeUInt16LE(header.length, 8);
  else out.writeUInt32LE(header.length, 8);
  out.set(header, pre);
  out.set(data, pre + header.length);
  return out;
}

/** CRC-32 of zip, bit by bit (independent of the table-driven one under test). */
export function crc32Bitwise(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

export interface ZipFixtureEntry {
  name: string;
  /** Uncompressed bytes: CRC-32 and size are computed from them. */
  data: Uint8Array;
  /** Written as-is: 0 stored (default), 8 deflate (then pass the deflated bytes as body), anything else. */
  method?: number;
  flags?: number;
  /** As np.savez writes: local header sizes 0xFFFFFFFF, the real ones in a ZIP64 extra field. */
  zip64Local?: boolean;
  /** Bytes written as the entry's body instead of data (deflated ones, or corrupt ones). */
  body?: Uint8Array;
  /** Uncompressed size claimed instead of data.length. */
  size?: number;
}

/** A zip archive byte by byte (APPNOTE.TXT): local headers and data, central directory, end record. */
export function zipFile(entries: ZipFixtureEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.method ?? 0;
    const body = e.body ?? e.data;
    const crc = crc32Bitwise(e.data);
    const size = e.size ?? e.data.length;
    const extra = Buffer.alloc(e.zip64Local ? 20 : 0);
    if (e.zip64Local) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(size), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.zip64Local ? 45 : 20, 4);
    local.writeUInt16LE(e.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.zip64Local ? 0xffffffff : body.length, 18);
    local.writeUInt32LE(e.zip64Local ? 0xffffffff : size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(e.zip64Local ? 45 : 20, 6);
    local.copy(dir, 8, 6, 30); // flags .. extra length: the same fields as the local header
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(size, 24);
    dir.writeUInt16LE(0, 30);
    dir.writeUInt32LE(offset, 42);
    parts.push(local, name, extra, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    central.push(dir, name);
    offset += 30 + name.length + extra.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}
