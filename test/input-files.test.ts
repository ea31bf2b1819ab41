import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { onnx } from 'onnx-proto';
import { Writer } from 'protobufjs/minimal';
import { AnalysisError } from '../server/errors';
import type { DTypeName } from '../server/onnx/dtypes';
import { readInputFile, readTestDataSets, type InputData, type InputTensor } from '../server/inputs/input-files';
import { npyFile, tempDir, zipFile, type ZipFixtureEntry } from './helpers';

/**
 * Input files written byte by byte here (.npy headers, zip records, TensorProtos), so expected
 * values are known by construction; the writers were checked once against numpy's own output.
 */
const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function write(name: string, bytes: Uint8Array, dir = tempDir()): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

function same(t: InputTensor, dtype: DTypeName, dims: number[], values: InputData): void {
  assert.equal(t.dtype, dtype);
  assert.deepEqual(t.dims, dims);
  assert.equal(t.data.constructor, values.constructor);
  assert.deepEqual(Array.from(t.data as ArrayLike<number | bigint>), Array.from(values as ArrayLike<number | bigint>));
}

/** Rejects with an AnalysisError whose message starts with the file's path and matches `pattern`. */
async function rejects(file: string, pattern: RegExp, read: (f: string) => Promise<unknown> = readInputFile): Promise<void> {
  await assert.rejects(read(file), (e: unknown) => {
    assert.ok(e instanceof AnalysisError, `not an AnalysisError: ${String(e)}`);
    assert.ok(e.message.startsWith(file), `message does not name ${file}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

const npyCases: { descr: string; dtype: DTypeName; values: InputData }[] = [
  { descr: '<f4', dtype: 'float32', values: new Float32Array([0, -1.5, 2.25, -0, 1e-30, 3]) },
  { descr: '<f8', dtype: 'float64', values: new Float64Array([0, -1.5, 1e-300, -0, Infinity, 3]) },
  // 0, 1, -2, 0.5, inf, -0 as float16 bit patterns
  { descr: '<f2', dtype: 'float16', values: new Uint16Array([0x0000, 0x3c00, 0xc000, 0x3800, 0x7c00, 0x8000]) },
  { descr: '|i1', dtype: 'int8', values: new Int8Array([0, -128, 127, -1, 5, 0]) },
  { descr: '|u1', dtype: 'uint8', values: new Uint8Array([0, 255, 1, 2, 3, 4]) },
  { descr: '<i2', dtype: 'int16', values: new Int16Array([0, -32768, 32767, -1, 2, 3]) },
  { descr: '<u2', dtype: 'uint16', values: new Uint16Array([0, 65535, 1, 2, 3, 4]) },
  { descr: '<i4', dtype: 'int32', values: new Int32Array([0, -(2 ** 31), 2 ** 31 - 1, -1, 2, 3]) },
  { descr: '<u4', dtype: 'uint32', values: new Uint32Array([0, 2 ** 32 - 1, 1, 2, 3, 4]) },
  { descr: '<i8', dtype: 'int64', values: new BigInt64Array([0n, -(2n ** 63n), 2n ** 63n - 1n, -1n, 2n ** 40n, 3n]) },
  { descr: '<u8', dtype: 'uint64', values: new BigUint64Array([0n, 2n ** 64n - 1n, 1n, 2n, 2n ** 53n + 1n, 4n]) },
  { descr: '|b1', dtype: 'bool', values: new Uint8Array([0, 1, 1, 0, 0, 1]) },
  { descr: '=f4', dtype: 'float32', values: new Float32Array([1, 2, 3, 4, 5, 6]) },
  { descr: '=i8', dtype: 'int64', values: new BigInt64Array([1n, -2n, 3n, -4n, 5n, -6n]) },
];

describe('.npy files', () => {
  for (const c of npyCases) {
    it(`'${c.descr}' reads as ${c.dtype} in a ${c.values.constructor.name}`, async () => {
      const [t] = await readInputFile(write('x.npy', npyFile(c.descr, [2, 3], bytesOf(c.values))));
      same(t, c.dtype, [2, 3], c.values);
      assert.equal(t.name, undefined);
    });
  }

  const shapes: { what: string; dims: number[]; version?: 1 | 2 | 3 }[] = [
    { what: 'a 0-d array has dims []', dims: [] },
    { what: 'a 1-d array', dims: [5] },
    { what: 'a 4-d array', dims: [1, 2, 1, 3] },
    { what: 'an empty array', dims: [0, 3] },
    { what: 'a version 2.0 header', dims: [2, 2], version: 2 },
    { what: 'a version 3.0 header', dims: [3], version: 3 },
  ];
  for (const s of shapes) {
    it(`${s.what}: dims and values`, async () => {
      const values = new Int32Array(s.dims.reduce((a, b) => a * b, 1)).map((_, i) => i * 7 - 3);
      const file = write('x.npy', npyFile('<i4', s.dims, bytesOf(values), { version: s.version }));
      const [t] = await readInputFile(file);
      same(t, 'int32', s.dims, values);
      assert.equal(t.source, file);
    });
  }

  const four = bytesOf(new Float32Array(6));
  const bad: { what: string; bytes: Uint8Array; error: RegExp }[] = [
    { what: 'fortran_order True', bytes: npyFile('<f4', [2, 3], four, { fortran: true }), error: /fortran_order arrays are not supported/ },
    { what: 'big-endian data', bytes: npyFile('>f4', [2, 3], four), error: /big-endian dtype '>f4' is not supported/ },
    { what: 'truncated data', bytes: npyFile('<f4', [2, 3], four.subarray(0, 20)), error: /holds 20 bytes, shape \(2, 3\) '<f4' needs 24 \(file truncated\?\)/ },
    { what: 'trailing bytes', bytes: npyFile('<f4', [2, 2], four), error: /holds 24 bytes, shape \(2, 2\) '<f4' needs 16/ },
    { what: 'a header past the end', bytes: npyFile('<f4', [2, 3], four).subarray(0, 40), error: /ends inside the .npy header/ },
    { what: 'no magic', bytes: Buffer.from('PK\x03\x04 not numpy at all'), error: /not a .npy file/ },
    { what: 'version 4.0', bytes: Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 4, 0, 0, 0, 0, 0]), error: /version 4.0 is not supported/ },
    { what: 'complex64', bytes: npyFile('<c8', [2, 3], new Uint8Array(48)), error: /dtype '<c8' is not supported for inputs/ },
    { what: 'unicode strings', bytes: npyFile('<U2', [3], new Uint8Array(24)), error: /dtype '<U2' is not supported for inputs/ },
    { what: 'objects (pickles)', bytes: npyFile('|O', [1], new Uint8Array(8)), error: /dtype '\|O' is not supported for inputs/ },
    { what: 'a structured dtype', bytes: npyFile('', [1], four, { header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }" }), error: /structured or missing descr/ },
    { what: 'a header that is not a dict', bytes: npyFile('', [], four, { header: '(1, 2)' }), error: /header is not a dict/ },
    { what: 'a header that is not a literal', bytes: npyFile('', [], four, { header: "{'descr': <f4}" }), error: /not a Python literal/ },
    { what: 'a negative dimension', bytes: npyFile('<f4', [-1, 3], four), error: /bad dimension -1 in shape \(-1, 3\)/ },
  ];
  for (const b of bad) {
    it(`${b.what} is an error naming the file`, async () => {
      await rejects(write('bad.npy', b.bytes), b.error);
    });
  }
});

const x = new Float32Array([0.5, -1, 0, 2]);
const ids = new BigInt64Array([7n, -2n, 2n ** 40n]);
const mask = new Uint8Array([1]);
const arrays = [npyFile('<f4', [2, 2], bytesOf(x)), npyFile('<i8', [3], bytesOf(ids)), npyFile('|b1', [], mask)];
const named = (method: 0 | 8, extra: Partial<ZipFixtureEntry> = {}): ZipFixtureEntry[] => ['x.npy', 'ids.npy', 'mask.npy']
  .map((name, i) => ({ name, data: arrays[i], method, body: method === 8 ? deflateRawSync(arrays[i]) : undefined, ...extra }));

describe('.npz archives', () => {
  const layouts: { what: string; entries: ZipFixtureEntry[] }[] = [
    { what: 'stored entries (np.savez)', entries: named(0) },
    { what: 'deflated entries (np.savez_compressed)', entries: named(8) },
    { what: "numpy's ZIP64 extra fields in the local headers", entries: named(8, { zip64Local: true }) },
  ];
  for (const l of layouts) {
    it(`${l.what}: one tensor per entry in archive order, named without .npy`, async () => {
      const file = write('inputs.npz', zipFile(l.entries));
      const ts = await readInputFile(file);
      assert.deepEqual(ts.map((t) => [t.name, t.source]), [['x', `${file}:x`], ['ids', `${file}:ids`], ['mask', `${file}:mask`]]);
      same(ts[0], 'float32', [2, 2], x);
      same(ts[1], 'int64', [3], ids);
      same(ts[2], 'bool', [], mask);
    });
  }

  it('an archive with no entries gives no tensors', async () => {
    assert.deepEqual(await readInputFile(write('none.npz', zipFile([]))), []);
  });

  const patched = (entries: ZipFixtureEntry[], patch: (z: Buffer) => void): Buffer => {
    const z = zipFile(entries);
    patch(z);
    return z;
  };
  const endAt = (z: Buffer): number => z.length - 22;
  const corrupt: { what: string; bytes: Uint8Array; error: RegExp }[] = [
    { what: 'not a zip at all', bytes: arrays[0], error: /not a zip archive \(no end-of-central-directory record/ },
    { what: 'a truncated archive', bytes: zipFile(named(0)).subarray(0, 100), error: /not a zip archive/ },
    { what: 'a bad local header signature', bytes: patched(named(0), (z) => z.writeUInt32LE(0x12345678, 0)), error: /entry 'x.npy': corrupt zip: no local file header at 0/ },
    { what: 'a central directory past the end', bytes: patched(named(0), (z) => z.writeUInt32LE(0x7fff0000, endAt(z) + 16)), error: /central directory at 2147418112 .* runs past its end record/ },
    { what: 'a bad central directory signature', bytes: patched(named(0), (z) => z.writeUInt32LE(0, z.readUInt32LE(endAt(z) + 16))), error: /central directory entry 0 .* is missing or truncated/ },
    { what: 'data running past the directory', bytes: patched(named(0), (z) => z.writeUInt32LE(100000, z.readUInt32LE(endAt(z) + 16) + 20)), error: /entry 'x.npy': corrupt zip: data at 35 \(\+100000 bytes\) runs past/ },
    { what: 'an unsupported method (bzip2)', bytes: zipFile([{ name: 'x.npy', data: arrays[0], method: 12 }]), error: /entry 'x.npy': compression method 12 is not supported/ },
    { what: 'an encrypted entry', bytes: zipFile([{ name: 'x.npy', data: arrays[0], flags: 1 }]), error: /entry 'x.npy': encrypted entries are not supported/ },
    { what: 'a ZIP64 end record', bytes: patched(named(0), (z) => z.writeUInt32LE(0xffffffff, endAt(z) + 16)), error: /ZIP64 archives are not supported/ },
    { what: 'a CRC-32 mismatch', bytes: patched(named(0), (z) => { z[z.indexOf('NUMPY') + 130] ^= 1; }), error: /entry 'x.npy': corrupt zip: CRC-32 does not match/ },
    { what: 'truncated deflate data', bytes: zipFile([{ name: 'x.npy', data: arrays[0], method: 8, body: deflateRawSync(arrays[0]).subarray(0, 20) }]), error: /entry 'x.npy': corrupt deflate data/ },
    { what: 'deflate data longer than its stated size', bytes: zipFile([{ name: 'x.npy', data: arrays[0], method: 8, body: deflateRawSync(arrays[0]), size: 64 }]), error: /entry 'x.npy': corrupt deflate data/ },
    { what: 'an entry that is not .npy', bytes: zipFile([{ name: 'notes.txt', data: Buffer.from('hi') }]), error: /entry 'notes.txt': not a .npy array/ },
    { what: 'a bad array inside', bytes: zipFile([{ name: 'x.npy', data: npyFile('>f4', [1], new Uint8Array(4)) }]), error: /entry 'x.npy': big-endian dtype/ },
  ];
  for (const c of corrupt) {
    it(`${c.what} is an error naming the file`, async () => {
      await rejects(write('bad.npz', c.bytes), c.error);
    });
  }
});

type TensorInit = Parameters<typeof onnx.TensorProto.create>[0];
const pb = (init: TensorInit): Uint8Array => onnx.TensorProto.encode(onnx.TensorProto.create(init)).finish();
const DT = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, string: 8, bool: 9, float16: 10, float64: 11, uint32: 12, uint64: 13, complex64: 14, bfloat16: 16, float8e4m3fn: 17 };

describe('.pb TensorProto files', () => {
  const cases: { what: string; bytes: Uint8Array; dtype: DTypeName; dims: number[]; values: InputData; name?: string }[] = [
    { what: 'float32 raw_data', bytes: pb({ name: 'x', dims: [2, 3], dataType: DT.float32, rawData: bytesOf(new Float32Array([0, 1, -2, 3.5, 0, -0])) }), dtype: 'float32', dims: [2, 3], values: new Float32Array([0, 1, -2, 3.5, 0, -0]), name: 'x' },
    { what: 'int64 raw_data', bytes: pb({ dims: [2], dataType: DT.int64, rawData: bytesOf(new BigInt64Array([-5n, 2n ** 62n])) }), dtype: 'int64', dims: [2], values: new BigInt64Array([-5n, 2n ** 62n]) },
    { what: 'a 0-d float32 raw_data', bytes: pb({ dims: [], dataType: DT.float32, rawData: bytesOf(new Float32Array([4])) }), dtype: 'float32', dims: [], values: new Float32Array([4]) },
    { what: 'float32 float_data', bytes: pb({ dims: [3], dataType: DT.float32, floatData: [1.5, -0, 1e-40] }), dtype: 'float32', dims: [3], values: new Float32Array([1.5, -0, 1e-40]) },
    { what: 'float64 double_data', bytes: pb({ dims: [2], dataType: DT.float64, doubleData: [1e-300, -2] }), dtype: 'float64', dims: [2], values: new Float64Array([1e-300, -2]) },
    { what: 'int64 int64_data', bytes: pb({ name: 'ids', dims: [1, 3], dataType: DT.int64, int64Data: [-5, 0, 2 ** 40] }), dtype: 'int64', dims: [1, 3], values: new BigInt64Array([-5n, 0n, 2n ** 40n]), name: 'ids' },
    { what: 'int8 int32_data', bytes: pb({ dims: [4], dataType: DT.int8, int32Data: [-128, -1, 0, 127] }), dtype: 'int8', dims: [4], values: new Int8Array([-128, -1, 0, 127]) },
    { what: 'uint8 int32_data', bytes: pb({ dims: [3], dataType: DT.uint8, int32Data: [0, 200, 255] }), dtype: 'uint8', dims: [3], values: new Uint8Array([0, 200, 255]) },
    { what: 'bool int32_data', bytes: pb({ dims: [3], dataType: DT.bool, int32Data: [1, 0, 1] }), dtype: 'bool', dims: [3], values: new Uint8Array([1, 0, 1]) },
    { what: 'int32 int32_data', bytes: pb({ dims: [2], dataType: DT.int32, int32Data: [-(2 ** 31), 7] }), dtype: 'int32', dims: [2], values: new Int32Array([-(2 ** 31), 7]) },
    { what: 'float16 bit patterns in int32_data', bytes: pb({ dims: [2], dataType: DT.float16, int32Data: [0x3c00, 0xc000] }), dtype: 'float16', dims: [2], values: new Uint16Array([0x3c00, 0xc000]) },
    { what: 'uint32 uint64_data', bytes: pb({ dims: [2], dataType: DT.uint32, uint64Data: [0, 2 ** 32 - 1] }), dtype: 'uint32', dims: [2], values: new Uint32Array([0, 2 ** 32 - 1]) },
    { what: 'uint64 uint64_data', bytes: pb({ dims: [2], dataType: DT.uint64, uint64Data: [2 ** 52, 1] }), dtype: 'uint64', dims: [2], values: new BigUint64Array([2n ** 52n, 1n]) },
    { what: 'an empty tensor', bytes: pb({ dims: [0, 4], dataType: DT.float32 }), dtype: 'float32', dims: [0, 4], values: new Float32Array(0) },
    // Unpacked repeated int32_data (field 5, varint wire type), as some older writers emit.
    { what: 'int32 unpacked int32_data', bytes: Writer.create().uint32(8).int64(3).uint32(16).int32(DT.int32).uint32(40).int32(-9).uint32(40).int32(0).uint32(40).int32(9).finish(), dtype: 'int32', dims: [3], values: new Int32Array([-9, 0, 9]) },
  ];
  for (const c of cases) {
    it(`${c.what} reads into a ${c.values.constructor.name}`, async () => {
      const file = write('input_0.pb', c.bytes);
      const [t] = await readInputFile(file);
      same(t, c.dtype, c.dims, c.values);
      assert.equal(t.name, c.name);
      assert.equal(t.source, file);
    });
  }

  const bad: { what: string; bytes: Uint8Array; error: RegExp }[] = [
    { what: 'strings', bytes: pb({ name: 's', dims: [1], dataType: DT.string, stringData: [Buffer.from('a')] }), error: /tensor 's': dtype string is not supported for inputs/ },
    { what: 'complex64', bytes: pb({ dims: [1], dataType: DT.complex64, floatData: [1, 2] }), error: /dtype complex64 is not supported for inputs/ },
    { what: 'bfloat16', bytes: pb({ dims: [1], dataType: DT.bfloat16, int32Data: [0x3f80] }), error: /dtype bfloat16 is not supported for inputs/ },
    { what: 'float8', bytes: pb({ dims: [1], dataType: DT.float8e4m3fn, rawData: new Uint8Array(1) }), error: /dtype float8e4m3fn is not supported for inputs/ },
    { what: 'raw_data of the wrong length', bytes: pb({ name: 'x', dims: [3], dataType: DT.float32, rawData: new Uint8Array(10) }), error: /tensor 'x': raw_data holds 10 bytes, shape \[3\] float32 needs 12/ },
    { what: 'too few typed values', bytes: pb({ dims: [3], dataType: DT.int64, int64Data: [1, 2] }), error: /int64_data holds 2 values, shape \[3\] int64 needs 3/ },
    { what: 'external data', bytes: pb({ dims: [1], dataType: DT.float32, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }), error: /external data is not supported in input files/ },
    { what: 'corrupt protobuf', bytes: Uint8Array.from([0x4a, 0xff, 0xff, 0x03, 1, 2]), error: /not a TensorProto \(truncated or corrupt protobuf/ },
  ];
  for (const b of bad) {
    it(`${b.what} is an error naming the file`, async () => {
      await rejects(write('input_0.pb', b.bytes), b.error);
    });
  }

  it('an unknown extension or a missing file is an error naming the file', async () => {
    await rejects(write('x.bin', new Uint8Array(4)), /unsupported input file type \(expected .pb, .npy or .npz\)/);
    await rejects(path.join(tempDir(), 'gone.npy'), /cannot read the input file: no such file/);
  });
});

describe('ONNX test_data_set folders', () => {
  const input = (dir: string, i: number, value = i): void => {
    write(`input_${i}.pb`, pb({ name: `in${i}`, dims: [1], dataType: DT.float32, floatData: [value] }), dir);
  };
  const folder = (root: string, name: string): string => {
    const d = path.join(root, name);
    mkdirSync(d);
    return d;
  };

  it('one data set: input_N.pb in numeric order whatever the creation order, outputs ignored', async () => {
    for (const count of [3, 12]) {
      const dir = folder(tempDir(), 'test_data_set_0');
      const order = Array.from({ length: count }, (_, i) => (i * 5 + 2) % count); // a permutation when gcd(5, count) = 1
      for (const i of order) input(dir, i);
      write('output_0.pb', pb({ dims: [1], dataType: DT.string, stringData: [Buffer.from('y')] }), dir);
      const [sample, ...rest] = await readTestDataSets(dir);
      assert.equal(rest.length, 0);
      assert.deepEqual(sample.map((t) => t.name), Array.from({ length: count }, (_, i) => `in${i}`));
      assert.deepEqual(sample.map((t) => t.data[0]), Array.from({ length: count }, (_, i) => i));
      assert.equal(sample[1].source, path.join(dir, 'input_1.pb'));
    }
  });

  it('a model folder: one sample per test_data_set_N, in numeric order', async () => {
    const root = tempDir();
    write('model.onnx', new Uint8Array(0), root);
    for (const [set, base] of [[1, 10], [0, 0]]) {
      const d = folder(root, `test_data_set_${set}`);
      input(d, 1, base + 1);
      input(d, 0, base);
    }
    const samples = await readTestDataSets(root);
    assert.deepEqual(samples.map((s) => s.map((t) => [t.name, t.data[0]])), [[['in0', 0], ['in1', 1]], [['in0', 10], ['in1', 11]]]);
  });

  it('a gap in the numbering, an empty folder or a mixed folder is an error naming the folder', async () => {
    const gap = folder(tempDir(), 'test_data_set_0');
    input(gap, 0);
    input(gap, 2);
    await rejects(gap, /input_1.pb is missing \(found input_0.pb, input_2.pb\)/, readTestDataSets);
    await rejects(tempDir(), /no input_\*.pb files and no test_data_set_\* folders/, readTestDataSets);
    const mixed = tempDir();
    input(mixed, 0);
    folder(mixed, 'test_data_set_0');
    await rejects(mixed, /holds both input_\*.pb files and test_data_set_\* folders/, readTestDataSets);
    const emptySet = tempDir();
    folder(emptySet, 'test_data_set_0');
    await rejects(path.join(emptySet, 'test_data_set_0'), /no input_\*.pb files/, () => readTestDataSets(emptySet));
  });
});
