import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Below this, hashing on the calling thread costs less than starting a worker. */
const WORKER_MIN_BYTES = 16 << 20;

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { buffer, byteOffset, length } = workerData;
parentPort.postMessage(createHash('sha256').update(new Uint8Array(buffer, byteOffset, length)).digest('hex'));
`;

/**
 * SHA-256 of the model file. Large files arrive in a SharedArrayBuffer, so a worker thread hashes
 * them in place while this thread measures the weights: no copy of the file, no wait.
 * (webcrypto's digest copies its input on the calling thread first: +1x file size RSS.)
 */
export function sha256(bytes: Uint8Array): Promise<string> {
  if (bytes.length < WORKER_MIN_BYTES || !(bytes.buffer instanceof SharedArrayBuffer))
    return Promise.resolve(createHash('sha256').update(bytes).digest('hex'));
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { buffer: bytes.buffer, byteOffset: bytes.byteOffset, length: bytes.length },
    });
    w.once('message', (hex: string) => {
      resolve(hex);
      void w.terminate();
    });
    w.once('error', reject);
  });
}
