import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AnalysisError } from '../errors';
import { describeFsError, openRegular, readExactly, type OpenedFile } from '../files/read-file';

/**
 * External-data files beside the model. A location is untrusted input: it must name a regular
 * file inside the model's folder (no absolute paths, no '..', no symlink leading out), as the
 * ONNX checker has required since CVE-2024-27318. One open handle per file, closed by close().
 */
export class ExternalFiles {
  private readonly handles = new Map<string, Promise<OpenedFile & { path: string }>>();
  private realDir: Promise<string> | undefined;

  constructor(private readonly modelDir: string, private readonly modelFile: string) {}

  /** Opens (once) the file a tensor's `location` names, after checking it stays in the model's folder. */
  open(location: string, tensor: string): Promise<OpenedFile & { path: string }> {
    let h = this.handles.get(location);
    if (!h) {
      h = this.openChecked(location, tensor);
      this.handles.set(location, h);
    }
    return h;
  }

  /** Reads exactly `length` bytes at `position` into `into`. */
  async read(location: string, tensor: string, position: number, into: Uint8Array): Promise<void> {
    const { handle } = await this.open(location, tensor);
    await readExactly(handle, into, position, (done) => this.error(`external file '${location}' ended early at byte ${position + done}`, tensor));
  }

  /** Absolute paths of the files opened so far: what an output must never replace. */
  async files(): Promise<string[]> {
    return (await Promise.allSettled([...this.handles.values()])).flatMap((r) => (r.status === 'fulfilled' ? [r.value.path] : []));
  }

  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map((p) => p.then((h) => h.handle.close(), () => undefined)));
  }

  private async openChecked(location: string, tensor: string): Promise<OpenedFile & { path: string }> {
    checkLocationSyntax(location, (m) => this.error(m, tensor));
    const joined = path.join(this.modelDir, location);
    this.realDir ??= fs.realpath(this.modelDir);
    let real: string;
    try {
      real = await fs.realpath(joined);
    } catch (e) {
      throw this.error(describeFsError(e, `external data file '${location}'`), tensor, e);
    }
    const dir = await this.realDir;
    if (real !== dir && !real.startsWith(dir + path.sep))
      throw this.error(`external data location '${location}' resolves outside the model's folder (symlink); refused`, tensor);
    // Opened without blocking and checked on the descriptor: a FIFO or device here is refused at once.
    return { ...(await openRegular(real, `external data location '${location}'`, { file: this.modelFile, tensor })), path: real };
  }

  private error(message: string, tensor: string, cause?: unknown): AnalysisError {
    return new AnalysisError(message, { file: this.modelFile, tensor }, { cause });
  }
}

/** Rejects what can never be a file inside the model's folder, before touching the file system. */
export function checkLocationSyntax(location: string, fail: (message: string) => Error): void {
  if (location.includes('\0')) throw fail('external data location contains a NUL byte; refused');
  if (path.isAbsolute(location) || path.win32.isAbsolute(location) || /^[a-zA-Z]:/.test(location))
    throw fail(`external data location '${location}' is an absolute path; refused`);
  if (location.split(/[\\/]/).some((part) => part === '..'))
    throw fail(`external data location '${location}' contains '..'; refused`);
}
