import { randomBytes } from 'node:crypto';
import { constants, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';

/** A destination we will not write: the message says why, in words a user can act on. */
export class UnsafeOutputError extends Error {
  override readonly name = 'UnsafeOutputError';
}

export interface WriteOptions {
  /**
   * Files the output must never replace: the model, its external-data files, the inputs and
   * profiles that were read. Compared by identity (device + inode, symlinks followed), so a
   * link, a hard link, `alias/../model.onnx` or `/proc/self/cwd/model.onnx` are all caught.
   */
  protect?: readonly string[];
}

type Content = string | Uint8Array | ((handle: fs.FileHandle) => Promise<void>);

/**
 * Writes `file` whole or not at all, and never over something the user had that is not a plain
 * output: the data goes to a temp file beside it, created with an unpredictable name and
 * O_EXCL | O_NOFOLLOW (a planted symlink or file at that name is never followed or reused),
 * synced, then renamed over the target. A device, FIFO, socket or folder at the target, or any
 * file in `protect`, is refused before a byte is written.
 */
export async function writeSafely(file: string, content: Content, o: WriteOptions = {}): Promise<void> {
  const target = path.resolve(file);
  const existing = await checkTarget(target, o);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(12).toString('hex')}.tmp`);
  // The mode is masked by the umask, as for any newly created file; an existing output keeps its own.
  const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
  let renamed = false;
  try {
    if (typeof content === 'function') await content(handle);
    else await handle.writeFile(content);
    if (existing) await handle.chmod(existing.mode & 0o7777);
    await handle.sync();
    await handle.close();
    // Checked again just before the rename: the target may have been swapped while we wrote.
    await checkTarget(target, o);
    await fs.rename(tmp, target);
    renamed = true;
    await syncDir(dir);
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
    }
  }
}

/** The refusal for `file` if it may not be written, else undefined; nothing is created. */
export async function outputProblem(file: string, o: WriteOptions = {}): Promise<string | undefined> {
  try {
    await checkTarget(path.resolve(file), o);
    return undefined;
  } catch (e) {
    if (e instanceof UnsafeOutputError) return e.message;
    throw e;
  }
}

/** The target's current stats when it is a regular file we may replace, undefined when absent. */
async function checkTarget(target: string, o: WriteOptions): Promise<Stats | undefined> {
  const st = await fs.stat(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!st) {
    const parent = await fs.stat(path.dirname(target)).catch(() => undefined);
    if (!parent?.isDirectory()) throw new UnsafeOutputError(`${target}: its folder does not exist`);
    return undefined;
  }
  if (st.isDirectory()) throw new UnsafeOutputError(`${target} is a folder; give a file name`);
  if (!st.isFile()) throw new UnsafeOutputError(`${target} is ${kindOf(st)}, not a regular file; refusing to replace it`);
  for (const p of o.protect ?? []) {
    const ps = await fs.stat(p).catch(() => undefined);
    if (ps && ps.dev === st.dev && ps.ino === st.ino)
      throw new UnsafeOutputError(`${target} is the same file as ${p}, which this command reads; refusing to write over it`);
  }
  return st;
}

export function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** The rename is durable only once the folder entry is; not every platform lets a folder be synced. */
async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, constants.O_RDONLY).catch(() => undefined);
  if (!h) return;
  await h.sync().catch(() => undefined);
  await h.close();
}
