import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { analyzeModel } from '../server/pipeline/analyze';
import { buildDemoModel } from '../server/demo/demo-model';
import { rng } from '../server/random';
import { AnalysisError } from '../server/errors';
import { runCli, sha256File, tempDir } from './helpers';

/**
 * Every bad input gets one clear error: the engine rejects with an AnalysisError naming the file
 * (and the tensor where one is at fault), the CLI exits 1 with that message on one line, shows a
 * stack only with --verbose, and writes over nothing.
 */

const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;

/** A model written field by field with onnx-proto: one MatMul whose weight is `init`. */
function handModel(init: onnx.ITensorProto, model: Partial<onnx.IModelProto> = {}): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'hand-built',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      input: [{ name: 'x' }],
      output: [{ name: 'y' }],
      initializer: [init],
      node: [{ opType: 'MatMul', name: 'mm', input: ['x', init.name ?? ''], output: ['y'] }],
    },
    ...model,
  }).finish();
}

/** A [4, 4] float32 weight (64 bytes) whose data lives in an external file at `location`. */
function externalWeight(location: string, length = '64'): onnx.ITensorProto {
  return {
    name: 'w_ext', dataType: 1, dims: [4, 4], dataLocation: EXTERNAL,
    externalData: [{ key: 'location', value: location }, { key: 'offset', value: '0' }, { key: 'length', value: length }],
  };
}

function writeIn(dir: string, name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** A folder outside the model's folder holding a genuine 64-byte w.bin. */
function outsideFile(): string {
  const out = tempDir();
  return writeIn(out, 'w.bin', new Uint8Array(64).fill(1));
}

const demoBytes = buildDemoModel().toBytes();

interface Case {
  what: string;
  /** Writes the bad input into `dir` and returns the model path to analyse. */
  make: (dir: string) => string;
  /** The tensor the message must name, when one tensor is at fault. */
  tensor?: string;
  /** Fragments the message must contain (besides the model path and the tensor). */
  expect: (string | RegExp)[];
}

const truncated = (fraction: string, cut: (n: number) => number): Case => ({
  what: `a valid model truncated at ${fraction} of its length`,
  make: (d) => writeIn(d, 'truncated.onnx', demoBytes.subarray(0, cut(demoBytes.length))),
  expect: ['not a valid ONNX model', 'truncated'],
});

const cases: Case[] = [
  { what: 'a path that does not exist', make: (d) => path.join(d, 'missing.onnx'), expect: ['no such file'] },
  {
    what: 'a directory',
    make: (d) => {
      const sub = path.join(d, 'folder.onnx');
      mkdirSync(sub);
      return sub;
    },
    expect: ['directory'],
  },
  { what: 'an empty file', make: (d) => writeIn(d, 'empty.onnx', new Uint8Array(0)), expect: ['empty file'] },
  {
    what: '4096 seeded random bytes',
    make: (d) => {
      const r = rng(7);
      return writeIn(d, 'random.onnx', Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256)));
    },
    expect: [/not (a valid|an) ONNX model/],
  },
  truncated('1 byte', () => 1),
  truncated('a quarter', (n) => n >> 2),
  truncated('half', (n) => n >> 1),
  truncated('all but its last byte', (n) => n - 1),
  {
    what: 'a tensor whose raw_data is shorter than its shape',
    make: (d) => writeIn(d, 'short.onnx', handModel({ name: 'w_short', dataType: 1, dims: [4, 4], rawData: new Uint8Array(40) })),
    tensor: 'w_short',
    expect: ['raw_data holds 40 bytes', 'needs 64'],
  },
  {
    what: 'an unknown dtype number (99)',
    make: (d) => writeIn(d, 'dtype.onnx', handModel({ name: 'w_dtype', dataType: 99, dims: [2], rawData: new Uint8Array(8) })),
    tensor: 'w_dtype',
    expect: ['unknown data type 99'],
  },
  {
    what: 'an ir_version past 2^53',
    make: (d) => writeIn(d, 'ir.onnx', handModel({ name: 'w', dataType: 1, dims: [1], rawData: new Uint8Array(4) },
      { irVersion: { low: 0, high: 0x1000_0000, unsigned: false } as unknown as number })),
    expect: ['ir_version'],
  },
  {
    what: 'an external-data file that is missing',
    make: (d) => writeIn(d, 'ext.onnx', handModel(externalWeight('missing.bin'))),
    tensor: 'w_ext',
    expect: ["'missing.bin'", 'no such file'],
  },
  {
    what: 'an external-data file that is too short',
    make: (d) => {
      writeIn(d, 'w.bin', new Uint8Array(40).fill(1));
      return writeIn(d, 'ext.onnx', handModel(externalWeight('w.bin')));
    },
    tensor: 'w_ext',
    expect: ["'w.bin'", 'too short'],
  },
  {
    what: 'an external-data length that disagrees with the shape',
    make: (d) => {
      writeIn(d, 'w.bin', new Uint8Array(64).fill(1));
      return writeIn(d, 'ext.onnx', handModel(externalWeight('w.bin', '60')));
    },
    tensor: 'w_ext',
    expect: ['length 60', '64 bytes'],
  },
  {
    what: 'an external-data location that is a folder',
    make: (d) => {
      mkdirSync(path.join(d, 'w.bin'));
      return writeIn(d, 'ext.onnx', handModel(externalWeight('w.bin')));
    },
    tensor: 'w_ext',
    expect: ["'w.bin'", 'not a regular file'],
  },
  {
    what: 'an external-data location outside the folder by absolute path',
    make: (d) => writeIn(d, 'ext.onnx', handModel(externalWeight(outsideFile()))),
    tensor: 'w_ext',
    expect: ['absolute path', 'refused'],
  },
  {
    what: "an external-data location outside the folder by '..'",
    make: (d) => {
      const target = outsideFile();
      const rel = path.relative(d, target);
      assert.ok(rel.startsWith('..'), rel);
      return writeIn(d, 'ext.onnx', handModel(externalWeight(rel)));
    },
    tensor: 'w_ext',
    expect: ["'..'", 'refused'],
  },
  {
    what: 'an external-data symlink pointing outside the model folder',
    make: (d) => {
      symlinkSync(outsideFile(), path.join(d, 'w.bin'));
      return writeIn(d, 'ext.onnx', handModel(externalWeight('w.bin')));
    },
    tensor: 'w_ext',
    expect: ['outside the model', 'refused'],
  },
];

function assertNames(message: string, model: string, c: Case): void {
  assert.ok(message.includes(model), `message should name the model ${model}: ${message}`);
  if (c.tensor) assert.ok(message.includes(`'${c.tensor}'`), `message should name tensor '${c.tensor}': ${message}`);
  for (const f of c.expect)
    assert.ok(typeof f === 'string' ? message.includes(f) : f.test(message), `message should contain ${f}: ${message}`);
}

const STACK_LINE = /^\s+at /m;

for (const c of cases) {
  describe(`bad input: ${c.what}`, () => {
    let dir = '';
    let model = '';
    let modelHash: string | undefined;
    let dirListing: string[] = [];

    before(() => {
      dir = tempDir();
      model = c.make(dir);
      modelHash = existsSync(model) && statSync(model).isFile() ? sha256File(model) : undefined;
      dirListing = readdirSync(dir).sort();
    });

    it(`the engine rejects it with one AnalysisError naming the file${c.tensor ? ' and the tensor' : ''}`, async () => {
      await assert.rejects(analyzeModel({ file: model }), (e: unknown) => {
        assert.ok(e instanceof AnalysisError, `expected an AnalysisError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
        assert.ok(!e.message.includes('\n'), `the message should be one line: ${e.message}`);
        assertNames(e.message, model, c);
        return true;
      });
    });

    it('the CLI exits with code 1 and prints the message on one line without a stack trace', () => {
      const r = runCli(['analyze', model, '--format', 'json']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `stderr should be one line:\n${r.stderr}`);
      assert.ok(lines[0].startsWith('onnx-sparsity: '), lines[0]);
      assert.ok(!lines[0].includes('internal error'), lines[0]);
      assertNames(lines[0], model, c);
      assert.doesNotMatch(r.stderr, STACK_LINE);
    });

    it('with --verbose the CLI also prints the stack trace', () => {
      const r = runCli(['analyze', model, '--format', 'json', '--verbose']);
      assert.equal(r.code, 1, r.stderr);
      assertNames(r.stderr.split('\n')[0], model, c);
      assert.match(r.stderr, STACK_LINE);
    });

    it('with --out, a pre-existing report is left byte-for-byte unchanged and no temp file remains', () => {
      const cwd = tempDir();
      const previous = Buffer.from('{"previous": "report"}\n');
      writeFileSync(path.join(cwd, 'report.json'), previous);
      const r = runCli(['analyze', model, '--format', 'json', '--out', 'report.json'], cwd);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.deepEqual(readdirSync(cwd), ['report.json']);
      assert.deepEqual(readFileSync(path.join(cwd, 'report.json')), previous);
    });

    it('the model and its folder are never modified', () => {
      assert.deepEqual(readdirSync(dir).sort(), dirListing);
      if (modelHash) assert.equal(sha256File(model), modelHash);
      else assert.ok(!existsSync(model) || statSync(model).isDirectory());
    });
  });
}
