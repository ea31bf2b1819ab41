import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { openRegular } from '../files/read-file';

/** Below this, hashing on the calling thread costs less than starting a worker. */
const WORKER_MIN_BYTES = 16 << 20;

const MEMORY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { buffer, byteOffset, length } = workerData;
parentPort.postMessage(createHash('sha256').update(new Uint8Array(buffer, byteOffset, length)).digest('hex'));
`;

/** Reads an open file (by descriptor, from position 0) 8 MiB at a time into one buffer and hashes it. */
const FILE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
const { fd, size } = workerData;
const h = createHash('sha256');
const buf = Buffer.allocUnsafe(Math.min(size, 8 << 20));
let at = 0;
while (at < size) {
  const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
  if (n === 0) throw new Error('the model file shrank while being hashed (' + at + ' of ' + size + ' bytes)');
  h.update(n === buf.length ? buf : buf.subarray(0, n));
  at += n;
}
parentPort.postMessage(h.digest('hex'));
`;

/**
 * SHA-256 of the model file. Large files arrive in a SharedArrayBuffer, so a worker thread hashes
 * them in place while this thread measures the weights: no copy of the file, no wait.
 * (webcrypto's digest copies its input on the calling thread first: +1x file size RSS.)
 */
export function sha256(bytes: Uint8Array): Promise<string> {
  if (bytes.length < WORKER_MIN_BYTES || !(bytes.buffer instanceof SharedArrayBuffer))
    return Promise.resolve(createHash('sha256').update(bytes).digest('hex'));
  return inWorker(MEMORY_WORKER, { buffer: bytes.buffer, byteOffset: bytes.byteOffset, length: bytes.length }).digest;
}

export interface FileHash {
  readonly digest: Promise<string>;
  /** Ends the worker if it is still hashing (the analysis failed or was cancelled). */
  stop(): void;
}

/**
 * The SHA-256 of a large model file, started before the file is loaded: a worker reads the file a
 * second time (from the page cache, 8 MiB at a time) and hashes it while this thread reads,
 * parses and measures, so the hash of a 500 MiB model is done when the weights are, not after
 * them. Undefined for a file under 16 MiB (hashing its loaded bytes costs less than a worker).
 * The file is opened as every file is (server/files/read-file.ts: regular files only); the
 * descriptor is closed when the worker ends.
 */
export async function startFileHash(file: string): Promise<FileHash | undefined> {
  const { handle, size } = await openRegular(file, 'cannot read the model');
  if (size < WORKER_MIN_BYTES) {
    await handle.close();
    return undefined;
  }
  const h = inWorker(FILE_WORKER, { fd: handle.fd, size });
  // Closed once the worker is gone, never under a read it still has in flight.
  const closed = h.exited.then(() => handle.close());
  const digest = h.digest.finally(() => closed);
  // A digest nobody awaits (the load failed first) must not surface as an unhandled rejection.
  digest.catch(() => undefined);
  return { digest, stop: h.stop };
}

function inWorker(code: string, workerData: unknown): FileHash & { exited: Promise<void> } {
  let worker: Worker | undefined;
  let settle: ((e: Error) => void) | undefined;
  let exited: Promise<void> = Promise.resolve();
  const digest = new Promise<string>((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData });
    worker = w;
    settle = reject;
    exited = new Promise((done) => w.once('exit', () => done()));
    w.once('message', (hex: string) => {
      resolve(hex);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the hashing worker ended (exit code ${code}) before its digest`)));
  });
  return {
    digest,
    exited,
    stop: () => {
      settle?.(new Error('hashing stopped'));
      void worker?.terminate();
    },
  };
}
