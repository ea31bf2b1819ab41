import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * V8's code cache for our bundles, one file per bundle, command, Node and V8 version and platform:
 * what V8 compiled while a command ran (bytecode of every function it called, not only the top
 * level), so the next process of the same command skips parsing and compiling them. The same idea
 * as Node 22's module.enableCompileCache, which Node 20 lacks.
 *
 * The file name carries a hash of the bundle's source: V8 itself checks only the source's
 * length, so a rebuilt bundle of the same length must never meet an old cache. Reads are
 * bounded and take regular files only; writes go to a temp file created O_EXCL | O_NOFOLLOW in a
 * folder of our own, then are renamed into place. A cache that cannot be read or written is
 * skipped: it only ever costs the time it would have saved.
 */

/**
 * `$ONNX_SPARSITY_CODE_CACHE` (a folder, or `off`), else ~/.cache/onnx-sparsity/code when the home
 * folder exists (a HOME that names nothing is not created).
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env.ONNX_SPARSITY_CODE_CACHE;
  if (set === 'off' || set === '0') return undefined;
  if (set) return set;
  const home = os.homedir();
  return home && existsSync(home) ? path.join(home, '.cache', 'onnx-sparsity', 'code') : undefined;
}

/** Where the cache of `bundle` (its source text) for `variant` (a command name) lives. */
export function codeCacheFile(dir: string, name: string, source: string, variant: string): string {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, HASH_CHARS);
  // The name is one of ours (cli, server, ort-child); the variant comes from the command line.
  return path.join(dir, `${name.replace(/[^a-z-]/g, '_')}-${safe(variant)}-${hash}${tail()}`);
}

const HASH_CHARS = 24;
const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 40);
// V8's own version too: VS Code's Node (Electron) can share a Node version with the system's
// Node and not its V8, and each would reject, then rewrite, the other's cache.
const tail = (): string => `-${process.version}-v8.${process.versions.v8.replace(/[^0-9A-Za-z.]/g, '_')}-${process.platform}-${process.arch}.v8`;

/**
 * The other caches of the same bundle and command for this Node, made from other builds of the
 * bundle: an upgrade's new cache replaces them, so the folder holds one file per bundle, command
 * and Node, not one per release ever installed.
 */
function stale(file: string): string[] {
  const base = path.basename(file);
  const end = tail();
  const head = base.slice(0, base.length - end.length - HASH_CHARS);
  try {
    return readdirSync(path.dirname(file))
      .filter((f) => f !== base && f.startsWith(head) && f.endsWith(end) && f.length === base.length)
      .map((f) => path.join(path.dirname(file), f));
  } catch {
    return [];
  }
}

/** Caches are a few hundred KiB: past this, a file is not ours. */
const MAX_BYTES = 64 << 20;

/** The cache's bytes, or undefined when there is none (or it is not a regular file of a sane size). */
export function readCodeCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO planted at the name must not hang the process; fstat then refuses it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size === 0 || st.size > MAX_BYTES) return undefined;
    const out = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, out, got, st.size - got, got);
      if (n === 0) return undefined;
      got += n;
    }
    return out;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes the cache whole or not at all (synchronous: it may run as the process exits). */
export function writeCodeCache(file: string, data: Uint8Array): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    let put = 0;
    while (put < data.length) put += writeSync(fd, data, put, data.length - put);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
    for (const old of stale(file)) unlinkSync(old);
  } catch {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was created.
    }
  }
}

/**
 * The event a bundle emits on `process` once it has done the work its cache should cover (a
 * command's output written, a job answered, a first analysis served): compiling the cache then
 * takes in every function that work called. Without the boot loader nobody listens.
 */
export const CODE_CACHE_READY = 'onnx-sparsity:code-cache-ready';

/** Tells the boot loader (server/boot.ts), if it loaded this bundle, that the cache can be written now. */
export function codeCacheReady(): void {
  (process as NodeJS.EventEmitter).emit(CODE_CACHE_READY);
}
