import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { codeCacheDir, codeCacheFile, readCodeCache, writeCodeCache } from '../server/files/code-cache';
import { runCliWith, tempDir } from './helpers';

const files = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

/** The report without what changes from run to run (when it was made, how long each stage took). */
const stable = (json: string): unknown => JSON.parse(json, (k, v: unknown) => (k === 'createdAt' || k === 'timings' ? undefined : v));

describe('V8 code cache of the bundles (server/files/code-cache.ts, server/boot.ts)', () => {
  it('names a cache by bundle source, command and Node, and can be turned off', () => {
    const a = codeCacheFile('/c', 'cli', 'source one', 'analyze');
    assert.notEqual(a, codeCacheFile('/c', 'cli', 'source two', 'analyze'), 'a rebuilt bundle of the same length never meets an old cache');
    assert.notEqual(a, codeCacheFile('/c', 'cli', 'source one', 'bench'));
    assert.ok(path.basename(a).includes(process.version));
    assert.equal(path.dirname(codeCacheFile('/c', 'cli', 's', '../../etc/passwd')), '/c', 'a variant never leaves the folder');
    assert.equal(codeCacheDir({ ONNX_SPARSITY_CODE_CACHE: 'off' }), undefined);
    assert.equal(codeCacheDir({ ONNX_SPARSITY_CODE_CACHE: '/x/y' }), '/x/y');
    const gone = path.join(tempDir(), 'no-such-home');
    const r = runCliWith(['--version'], { env: { HOME: gone, ONNX_SPARSITY_CODE_CACHE: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(gone), false, 'a HOME that names nothing is not created');
  });

  it('reads only regular files, never through a link or from a FIFO, and writes whole files of its own', () => {
    const dir = tempDir();
    const file = path.join(dir, 'sub', 'c.v8');
    assert.equal(readCodeCache(file), undefined);
    writeCodeCache(file, Buffer.from('cached bytes'));
    assert.equal(readCodeCache(file)?.toString(), 'cached bytes');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(files(path.dirname(file)), ['c.v8'], 'no temp file is left behind');
    const target = path.join(dir, 'elsewhere');
    writeFileSync(target, 'not a cache');
    const link = path.join(dir, 'link.v8');
    symlinkSync(target, link);
    assert.equal(readCodeCache(link), undefined);
    // The write replaces the link itself; what it pointed at is untouched.
    writeCodeCache(link, Buffer.from('new'));
    assert.equal(readFileSync(target, 'utf8'), 'not a cache');
    assert.ok(lstatSync(link).isFile());
    // A new build's cache replaces the old build's for the same bundle, command and Node, and no other.
    const keep = tempDir();
    const old = codeCacheFile(keep, 'cli', 'build one', 'analyze');
    const other = codeCacheFile(keep, 'cli', 'build one', 'bench');
    const server = codeCacheFile(keep, 'server', 'build one', 'all');
    for (const f of [old, other, server]) writeCodeCache(f, Buffer.from('x'));
    const next = codeCacheFile(keep, 'cli', 'build two', 'analyze');
    writeCodeCache(next, Buffer.from('y'));
    assert.deepEqual(files(keep), [next, other, server].map((f) => path.basename(f)).sort());
    const fifo = path.join(dir, 'fifo.v8');
    execFileSync('mkfifo', [fifo]);
    assert.equal(readCodeCache(fifo), undefined, 'a FIFO is refused without waiting for a writer');
  });

  it('makes the CLI\'s cache on its first analysis, uses it after, rewrites a corrupt one, and gives the same report throughout', () => {
    const cache = tempDir();
    const demo = tempDir();
    const env = { ONNX_SPARSITY_CODE_CACHE: cache };
    const made = runCliWith(['demo', '--format', 'json', '--no-run'], { env, cwd: demo });
    assert.equal(made.code, 0, made.stderr);
    const mine = files(cache).filter((f) => f.startsWith('cli-demo-'));
    assert.equal(mine.length, 1, `one cache for the demo command: ${files(cache).join(', ')}`);
    const file = path.join(cache, mine[0]);
    const first = statSync(file).mtimeMs;
    const again = runCliWith(['demo', '--format', 'json', '--no-run'], { env, cwd: demo });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(stable(again.stdout), stable(made.stdout));
    assert.equal(statSync(file).mtimeMs, first, 'an accepted cache is not written again');
    writeFileSync(file, Buffer.alloc(4096, 7));
    const corrupt = runCliWith(['demo', '--format', 'json', '--no-run'], { env, cwd: demo });
    assert.equal(corrupt.code, 0, corrupt.stderr);
    assert.deepEqual(stable(corrupt.stdout), stable(made.stdout));
    assert.ok(statSync(file).size > 4096, 'a cache V8 rejects is replaced by a good one');
    const off = tempDir();
    const none = runCliWith(['demo', '--format', 'json', '--no-run'], { env: { ONNX_SPARSITY_CODE_CACHE: 'off', HOME: off }, cwd: demo });
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(files(off), [], 'off writes nothing');
  });

  it('boots bundles that never import() at run time (Node 20\'s vm.Script has no loader for one)', () => {
    for (const name of ['cli-main.js', 'server-main.js', 'ort-child-main.js']) {
      const text = readFileSync(path.join(__dirname, '..', '..', 'dist', name), 'utf8');
      assert.equal(/[^\w$.]import\(/.test(text), false, `${name} has a dynamic import()`);
    }
  });

  it('caches the onnxruntime child once it has answered a job', () => {
    const cache = tempDir();
    const demo = tempDir();
    const r = runCliWith(['demo', '--format', 'json'], { env: { ONNX_SPARSITY_CODE_CACHE: cache }, cwd: demo });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { run?: { ok: boolean } }).run?.ok, true);
    // The child writes after its reply, as it exits: give it a moment past the parent.
    const deadline = Date.now() + 5000;
    while (!files(cache).some((f) => f.startsWith('ort-child-')) && Date.now() < deadline) execFileSync('sleep', ['0.1']);
    assert.ok(files(cache).some((f) => f.startsWith('ort-child-all-')), files(cache).join(', '));
  });
});
