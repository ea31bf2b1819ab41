import { constants, promises as fs } from 'node:fs';
import { AnalysisError, type ErrorContext } from '../errors';
import { noteRead } from './read-log';
import { kindOf } from './safe-write';

export interface OpenedFile {
  handle: fs.FileHandle;
  size: number;
}

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; on a regular
// file it changes nothing. Windows has no FIFOs to wait on (and no such flag).
const OPEN_READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens a file we are about to read and checks, on the opened descriptor (so a swap after a
 * path check cannot fool it), that it is a regular file: a FIFO, device or socket would block
 * forever or never end (/dev/zero), so it is refused at once with a message naming it.
 */
export async function openRegular(file: string, what: string, context: ErrorContext = { file }): Promise<OpenedFile> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_READ);
  } catch (e) {
    throw new AnalysisError(describeFsError(e, what), context, { cause: e });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new AnalysisError(`${what}: ${st.isDirectory() ? 'is a directory' : `is ${kindOf(st)}`}, not a regular file`, context);
    noteRead(file);
    return { handle, size: st.size };
  } catch (e) {
    await handle.close();
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError(describeFsError(e, what), context, { cause: e });
  }
}

/**
 * A whole regular file, at most `maxBytes` long (the caller's memory budget): a file that
 * claims more is refused before anything is allocated, and reading stops at the size it had
 * when opened even if it grows.
 */
export async function readRegular(file: string, what: string, maxBytes: number, context: ErrorContext = { file }): Promise<Buffer> {
  const { handle, size } = await openRegular(file, what, context);
  try {
    if (size > maxBytes)
      throw new AnalysisError(`${what}: is ${size} bytes, more than the ${maxBytes}-byte limit (raise --memory-budget if it is right)`, context);
    const bytes = Buffer.allocUnsafe(size);
    await readExactly(handle, bytes, 0, (done) => new AnalysisError(`${what}: file shrank while being read (${done} of ${size} bytes)`, context));
    return bytes;
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError(describeFsError(e, what), context, { cause: e });
  } finally {
    await handle.close();
  }
}

/** Fills `into` from `position`; `short(done)` is the error when the file ends first. */
export async function readExactly(handle: fs.FileHandle, into: Uint8Array, position: number, short: (done: number) => Error): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw short(done);
    done += bytesRead;
  }
}

export function describeFsError(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${what}: no such file`;
  if (code === 'EACCES' || code === 'EPERM') return `${what}: permission denied`;
  if (code === 'EISDIR') return `${what}: is a directory`;
  if (code === 'ELOOP') return `${what}: too many levels of symbolic links`;
  return `${what}: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * Bytes a request may still read into memory (its memory budget), shared by every file it reads
 * so that many files cannot add up to more than one would be allowed.
 */
export class ByteBudget {
  constructor(public left: number) {}

  take(bytes: number): void {
    this.left = Math.max(0, this.left - bytes);
  }

  /** Counts `bytes` against the budget and hands them on. */
  taking<T extends Uint8Array>(bytes: T): T {
    this.take(bytes.length);
    return bytes;
  }
}
