import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256, startFileHash } from '../server/onnx/hash';
import { ModelMemory } from '../server/onnx/model-memory';
import { rng } from '../server/random';

const dir = mkdtempSync(path.join(os.tmpdir(), 'onnx-sparsity-hash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function randomFile(name: string, bytes: number): { file: string; hex: string; data: Uint8Array } {
  const r = rng(bytes);
  const data = new Uint8Array(bytes);
  const u32 = new Uint32Array(data.buffer, 0, bytes >>> 2);
  for (let i = 0; i < u32.length; i++) u32[i] = r() * 2 ** 32;
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return { file, hex: createHash('sha256').update(data).digest('hex'), data };
}

describe('the model hash', () => {
  it('of a file of 16 MiB or more is read and hashed by a worker from the start, equal to the hash of its bytes', async () => {
    const { file, hex, data } = randomFile('big.bin', (16 << 20) + 12345);
    const early = await startFileHash(file);
    assert.ok(early, 'a worker hashes a large file');
    assert.equal(await early.digest, hex);
    const mem = new ModelMemory(data.length);
    mem.file.set(data);
    assert.equal(await sha256(mem.file), hex, 'and the bytes in shared memory hash the same, in a worker too');
  });

  it('of a small file is left to the loaded bytes', async () => {
    const { file, hex, data } = randomFile('small.bin', 1000);
    assert.equal(await startFileHash(file), undefined);
    assert.equal(await sha256(data), hex);
  });

  it('stops when told (a failed analysis) and refuses what is not a regular file', async () => {
    const { file } = randomFile('stopped.bin', 32 << 20);
    const early = await startFileHash(file);
    early!.stop();
    await assert.rejects(early!.digest, /stopped|ended/);
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(startFileHash(fifo), /not a regular file/);
  });
});
