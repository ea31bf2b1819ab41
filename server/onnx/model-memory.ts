/**
 * Where a model's bytes live: a shared WebAssembly memory, so the SIMD kernels read weights in
 * place (no copy of a float32 weight ever), a worker thread can hash the file while they do, and
 * the workspace the kernels need sits right after the file.
 *
 * Layout (bytes): [0, 64 KiB) the kernel module's own data; the file at FILE_OFFSET; the
 * workspace from `workspaceOffset`, grown on demand. A shared memory's buffer is never detached
 * by growth, so views of the file stay valid.
 */
export const FILE_OFFSET = 1 << 16;
const PAGE = 1 << 16;
/** wasm32 addresses 4 GiB at most. */
const MAX_PAGES = 65536;
/** Room the workspace may grow into beyond its first size. */
const HEADROOM_PAGES = 16384;

export class ModelMemory {
  readonly memory: WebAssembly.Memory;
  /** The file's bytes (a view of the memory). */
  readonly file: Buffer;
  readonly workspaceOffset: number;

  constructor(fileBytes: number, workspaceBytes = 8 << 20) {
    this.workspaceOffset = Math.ceil((FILE_OFFSET + fileBytes) / PAGE) * PAGE;
    const initial = Math.ceil((this.workspaceOffset + workspaceBytes) / PAGE);
    if (initial > MAX_PAGES) throw new RangeError(`a ${fileBytes}-byte model does not fit in 4 GiB of WebAssembly memory`);
    this.memory = new WebAssembly.Memory({ initial, maximum: Math.min(MAX_PAGES, initial + HEADROOM_PAGES), shared: true });
    this.file = Buffer.from(this.memory.buffer, FILE_OFFSET, fileBytes);
  }

  /** Makes sure `bytes` of workspace exist past workspaceOffset; returns the current buffer. */
  ensureWorkspace(bytes: number): ArrayBuffer | SharedArrayBuffer {
    const need = this.workspaceOffset + bytes;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
    return this.memory.buffer;
  }
}
