import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { writeSafely } from '../server/files/safe-write';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { runBounded, type Bounds } from './bounded-run';
import { npyFile, sha256File, tempDir, zipFile } from './helpers';

/**
 * A user's files are never overwritten and no file we read can hang us or eat the machine: every
 * case an attacker tried (issue 18), each under a time and memory bound the harness enforces, and
 * for every --out case the model's (and its external data's) bytes checked unchanged afterwards.
 */

const BOUND: Bounds = { timeoutMs: 30_000, maxRssMiB: 700 };

/** x [1, 4] -> MatMul(W from w.bin) -> Relu -> y: runs, and has external data. */
async function modelDir(): Promise<{ dir: string; model: string; bin: string }> {
  const b = new ModelBuilder();
  b.main.input('x', 'float32', [1, 4]).output('y', 'float32', [1, 4])
    .initializer('w', { dtype: 'float32', dims: [4, 4], values: [1, 0, 0, 2, 0, 3, 0, 0, 4, 0, 0, 5, 0, 6, 7, 0], encoding: { external: 'w.bin' } })
    .node('MatMul', ['x', 'w'], ['h'], {}, 'mm').node('Relu', ['h'], ['y'], {}, 'relu');
  const dir = tempDir();
  const model = await writeModel(b, dir, 'model.onnx');
  return { dir, model, bin: path.join(dir, 'w.bin') };
}

function unchanged(files: string[]): () => void {
  const before = files.map(sha256File);
  return () => assert.deepEqual(files.map(sha256File), before, 'a file the command read was changed');
}

function assertFails(r: Awaited<ReturnType<typeof runBounded>>, code: number, ...fragments: string[]): void {
  assert.equal(r.killed, undefined, `killed for ${r.killed} after ${r.ms.toFixed(0)} ms at ${r.peakRssMiB.toFixed(0)} MiB\n${r.stderr}`);
  assert.equal(r.code, code, r.stderr);
  for (const f of fragments) assert.ok(r.stderr.includes(f), `stderr lacks '${f}':\n${r.stderr}`);
}

const mkfifo = (p: string): void => void execFileSync('mkfifo', [p]);

describe('--out never replaces what the user had', () => {
  const cases: { what: string; args: (m: Awaited<ReturnType<typeof modelDir>>) => string[]; setup?: (m: Awaited<ReturnType<typeof modelDir>>) => void }[] = [
    { what: 'bench MODEL --out MODEL', args: (m) => ['bench', m.model, '--iterations', '1', '--out', m.model] },
    { what: 'analyze through a symlink, --out the real file', setup: (m) => symlinkSync('model.onnx', path.join(m.dir, 'link.onnx')), args: (m) => ['analyze', path.join(m.dir, 'link.onnx'), '--out', m.model] },
    { what: 'analyze MODEL --out alias/model.onnx where alias -> .', setup: (m) => symlinkSync('.', path.join(m.dir, 'alias')), args: (m) => ['analyze', m.model, '--out', path.join(m.dir, 'alias', 'model.onnx')] },
    { what: 'analyze MODEL --out /proc/self/cwd/model.onnx', args: () => ['analyze', 'model.onnx', '--out', '/proc/self/cwd/model.onnx'] },
    { what: 'analyze MODEL --out a hard link to it', setup: (m) => execFileSync('ln', [m.model, path.join(m.dir, 'hard.json')]), args: (m) => ['analyze', m.model, '--out', path.join(m.dir, 'hard.json')] },
    { what: "analyze MODEL --out the model's external-data file", args: (m) => ['analyze', m.model, '--no-run', '--out', m.bin] },
    { what: 'analyze MODEL --out its input file', setup: (m) => writeFileSync(path.join(m.dir, 'x.npy'), npyFile('<f4', [1, 4], new Uint8Array(new Float32Array([1, -1, 2, 0]).buffer))), args: (m) => ['analyze', m.model, '--inputs', path.join(m.dir, 'x.npy'), '--out', path.join(m.dir, 'x.npy')] },
    { what: 'analyze MODEL --out a FIFO', setup: (m) => mkfifo(path.join(m.dir, 'pipe.json')), args: (m) => ['analyze', m.model, '--out', path.join(m.dir, 'pipe.json')] },
    { what: 'analyze MODEL --out a symlink to a device', setup: (m) => symlinkSync('/dev/null', path.join(m.dir, 'null.json')), args: (m) => ['analyze', m.model, '--out', path.join(m.dir, 'null.json')] },
    { what: 'analyze MODEL --out a folder', setup: (m) => mkdirSync(path.join(m.dir, 'reports')), args: (m) => ['analyze', m.model, '--out', path.join(m.dir, 'reports')] },
  ];
  for (const c of cases) {
    it(`${c.what}: refused (exit 2), the model and its data unchanged`, async () => {
      const m = await modelDir();
      c.setup?.(m);
      const check = unchanged([m.model, m.bin, ...(existsSync(path.join(m.dir, 'x.npy')) ? [path.join(m.dir, 'x.npy')] : [])]);
      const r = await runBounded(c.args(m), { ...BOUND, cwd: m.dir });
      assertFails(r, 2, '--out');
      check();
      assert.deepEqual(readdirSync(m.dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
    });
  }

  it('a file planted at the old predictable temp name (a symlink to the model) is neither followed nor replaced', async () => {
    const m = await modelDir();
    const out = path.join(m.dir, 'out.json');
    for (const name of [`out.json.${process.pid}.tmp`, `.out.json.${process.pid}.tmp`]) symlinkSync('model.onnx', path.join(m.dir, name));
    const check = unchanged([m.model]);
    await writeSafely(out, '{"ok":true}', { protect: [m.model] });
    check();
    assert.equal(readFileSync(out, 'utf8'), '{"ok":true}');
    assert.equal(readdirSync(m.dir).filter((f) => f.endsWith('.tmp')).length, 2, 'the planted names are left as they were');
  });

  it('an existing report is replaced whole, keeping its file mode', async () => {
    const m = await modelDir();
    const out = path.join(m.dir, 'r.json');
    writeFileSync(out, 'old', { mode: 0o640 });
    const r = await runBounded(['analyze', m.model, '--no-run', '--format', 'json', '--out', out], BOUND);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).model.name, 'model.onnx');
    assert.equal(execFileSync('stat', ['-c', '%a', out], { encoding: 'utf8' }).trim(), '640');
  });
});

describe('every file read is a regular file of bounded size', () => {
  const cases: { what: string; setup: (m: Awaited<ReturnType<typeof modelDir>>) => string[]; code: number; expect: string[] }[] = [
    {
      what: 'a FIFO as external data', code: 1, expect: ["'w.bin'", 'FIFO'],
      setup: (m) => {
        execFileSync('rm', [m.bin]);
        mkfifo(m.bin);
        return ['analyze', m.model, '--no-run'];
      },
    },
    {
      what: 'a FIFO as the model', code: 1, expect: ['FIFO'],
      setup: (m) => {
        mkfifo(path.join(m.dir, 'fifo.onnx'));
        return ['analyze', path.join(m.dir, 'fifo.onnx')];
      },
    },
    {
      what: 'a FIFO as a .npy input', code: 3, expect: ['x.npy', 'FIFO'],
      setup: (m) => {
        mkfifo(path.join(m.dir, 'x.npy'));
        return ['analyze', m.model, '--inputs', path.join(m.dir, 'x.npy')];
      },
    },
    {
      what: 'a FIFO as test_data_set_0/input_0.pb', code: 3, expect: ['input_0.pb', 'FIFO'],
      setup: (m) => {
        mkdirSync(path.join(m.dir, 'test_data_set_0'));
        mkfifo(path.join(m.dir, 'test_data_set_0', 'input_0.pb'));
        return ['analyze', m.model, '--inputs', path.join(m.dir, 'test_data_set_0')];
      },
    },
    {
      what: 'x.npy -> /dev/zero', code: 3, expect: ['x.npy', 'character device'],
      setup: (m) => {
        symlinkSync('/dev/zero', path.join(m.dir, 'x.npy'));
        return ['analyze', m.model, '--inputs', path.join(m.dir, 'x.npy')];
      },
    },
    {
      what: 'input_0.pb -> /dev/urandom', code: 3, expect: ['input_0.pb', 'character device'],
      setup: (m) => {
        mkdirSync(path.join(m.dir, 'test_data_set_0'));
        symlinkSync('/dev/urandom', path.join(m.dir, 'test_data_set_0', 'input_0.pb'));
        return ['analyze', m.model, '--inputs', path.join(m.dir, 'test_data_set_0')];
      },
    },
    {
      what: 'an accelerator profile file -> /dev/zero', code: 1, expect: ['accelerator profiles', 'character device'],
      setup: (m) => {
        symlinkSync('/dev/zero', path.join(m.dir, 'p.json'));
        return ['analyze', m.model, '--no-run', '--accelerators', path.join(m.dir, 'p.json')];
      },
    },
    {
      what: 'an accelerator profile that is not JSON: its content is never echoed', code: 1, expect: ['not valid JSON'],
      setup: (m) => {
        writeFileSync(path.join(m.dir, 'p.json'), 'root:x:0:0:secret-content');
        return ['analyze', m.model, '--no-run', '--accelerators', path.join(m.dir, 'p.json')];
      },
    },
    {
      what: '.npz whose entries declare more than the memory budget (a zip bomb)', code: 3, expect: ['bomb.npz', 'memory budget'],
      setup: (m) => {
        const entries = Array.from({ length: 6 }, (_, i) => ({ name: `x${i}.npy`, data: new Uint8Array(16), method: 8, body: new Uint8Array(16), size: 2 ** 30 }));
        writeFileSync(path.join(m.dir, 'bomb.npz'), zipFile(entries));
        return ['analyze', m.model, '--inputs', path.join(m.dir, 'bomb.npz')];
      },
    },
    {
      what: '.npz with 500 directory entries sharing one stream', code: 3, expect: ['shared.npz', 'overlap'],
      setup: (m) => {
        const one = zipFile([{ name: 'x.npy', data: npyFile('<f4', [1, 4], new Uint8Array(16)) }]);
        writeFileSync(path.join(m.dir, 'shared.npz'), repeatCentral(one, 500));
        return ['analyze', m.model, '--inputs', path.join(m.dir, 'shared.npz')];
      },
    },
    {
      what: 'an input file larger than --memory-budget', code: 3, expect: ['big.npy', 'memory-budget'],
      setup: (m) => {
        writeFileSync(path.join(m.dir, 'big.npy'), npyFile('<f4', [1, 4096], new Uint8Array(16384)));
        return ['analyze', m.model, '--inputs', path.join(m.dir, 'big.npy'), '--memory-budget', '4096'];
      },
    },
  ];
  for (const c of cases) {
    it(`${c.what}: exit ${c.code} at once, naming it${c.code === 3 ? ' (the weight report still written)' : ''}`, async () => {
      const m = await modelDir();
      const r = await runBounded(c.setup(m), { timeoutMs: 15_000, maxRssMiB: 500, cwd: m.dir });
      assertFails(r, c.code, ...c.expect);
      assert.ok(!r.stderr.includes('secret-content'), 'file content echoed');
      assert.ok(r.ms < 10_000, `took ${r.ms.toFixed(0)} ms`);
    });
  }
});

/** The archive with its one central-directory entry repeated `n` times (all naming the same bytes). */
function repeatCentral(zip: Buffer, n: number): Buffer {
  const end = zip.length - 22;
  const cdOffset = zip.readUInt32LE(end + 16);
  const cdSize = zip.readUInt32LE(end + 12);
  const entry = zip.subarray(cdOffset, cdOffset + cdSize);
  const tail = Buffer.from(zip.subarray(end));
  tail.writeUInt16LE(n, 8);
  tail.writeUInt16LE(n, 10);
  tail.writeUInt32LE(cdSize * n, 12);
  return Buffer.concat([zip.subarray(0, cdOffset), ...Array.from({ length: n }, () => entry), tail]);
}
