import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AnalysisError } from '../errors';
import { ByteBudget, describeFsError, readRegular } from '../files/read-file';
import { writeInMemory } from '../onnx/chunks';
import { dtypeById, dtypeByName, type DType, type DTypeName } from '../onnx/dtypes';
import { parseNpy, type Fail } from './npy';
import { decodeLazyTensor, type LazyTensorProto } from '../onnx/tensor-proto';
import { toTensorRef } from '../onnx/tensor-ref';
import { readZip } from './zip';

/** One input tensor read from a file, ready to feed onnxruntime. */
export interface InputTensor {
  /** Input name when the file says it (TensorProto.name, the .npz entry name without .npy); undefined otherwise. */
  name?: string;
  dtype: DTypeName;
  dims: number[];
  /** The typed array onnxruntime-node takes for the dtype: bool in a Uint8Array, float16 as its bit patterns in a Uint16Array. */
  data: InputData;
  /** Where it came from, for messages: "path/input_0.pb", "inputs.npz:ids". */
  source: string;
}

export type InputData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** The dtypes onnxruntime-node has tensors for; bfloat16, float8, 4-bit, string and complex are not among them. */
const arrayFor: Partial<Record<DTypeName, (b: ArrayBuffer, n: number) => InputData>> = {
  float32: (b, n) => new Float32Array(b, 0, n), float64: (b, n) => new Float64Array(b, 0, n),
  float16: (b, n) => new Uint16Array(b, 0, n), int8: (b, n) => new Int8Array(b, 0, n),
  uint8: (b, n) => new Uint8Array(b, 0, n), bool: (b, n) => new Uint8Array(b, 0, n),
  int16: (b, n) => new Int16Array(b, 0, n), uint16: (b, n) => new Uint16Array(b, 0, n),
  int32: (b, n) => new Int32Array(b, 0, n), uint32: (b, n) => new Uint32Array(b, 0, n),
  int64: (b, n) => new BigInt64Array(b, 0, n), uint64: (b, n) => new BigUint64Array(b, 0, n),
};

/** Input bytes held at once when no budget is given (the run's default memory budget). */
const DEFAULT_INPUT_BYTES = 2 ** 30;

/**
 * A .pb TensorProto, a .npy array, or every array of a .npz archive (in archive order). The file
 * and what it decodes to come out of `budget` (shared by all the inputs of one run), so a huge
 * file, a device or a zip bomb is refused before it is read or inflated.
 */
export async function readInputFile(file: string, budget = new ByteBudget(DEFAULT_INPUT_BYTES)): Promise<InputTensor[]> {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.pb' && ext !== '.npy' && ext !== '.npz')
    throw new AnalysisError('unsupported input file type (expected .pb, .npy or .npz)', { file });
  const bytes = await readRegular(file, 'cannot read the input file', budget.left);
  const fail: Fail = (m) => {
    throw new AnalysisError(m, { file });
  };
  if (ext === '.pb') return [fromTensorProto(budget.taking(bytes), file)];
  if (ext === '.npy') {
    const a = parseNpy(budget.taking(bytes), fail);
    return [{ dtype: a.dtype, dims: a.dims, data: copyAligned(dtypeByName(a.dtype), a.bytes), source: file }];
  }
  const entries = readZip(bytes, fail);
  // Each entry is inflated into memory of its own: the declared sizes must fit the budget first.
  const declared = entries.reduce((s, e) => s + e.size, 0);
  if (declared > budget.left)
    fail(`its entries inflate to ${declared} bytes, more than the ${budget.left} bytes left of the memory budget (raise --memory-budget if it is right)`);
  budget.take(declared);
  return entries.map((e) => {
    const fromEntry: Fail = (m) => fail(`entry '${e.name}': ${m}`);
    if (!e.name.endsWith('.npy')) fromEntry('not a .npy array (np.savez writes name.npy entries)');
    const a = parseNpy(e.read(), fromEntry);
    const name = e.name.slice(0, -'.npy'.length);
    return { name, dtype: a.dtype, dims: a.dims, data: copyAligned(dtypeByName(a.dtype), a.bytes), source: `${file}:${name}` };
  });
}

/**
 * ONNX model-zoo layout: a test_data_set_N folder of input_0.pb, input_1.pb, ... (one sample), or a
 * model folder of test_data_set_* folders (one sample each), in numeric order.
 */
export async function readTestDataSets(dir: string, budget = new ByteBudget(DEFAULT_INPUT_BYTES)): Promise<InputTensor[][]> {
  const sets = await listTestDataSets(dir);
  if (!sets.length) throw new AnalysisError('no input_*.pb files and no test_data_set_* folders', { file: dir });
  const samples: InputTensor[][] = [];
  for (const files of sets) samples.push(await readDataSet(files, budget));
  return samples;
}

/** The input files of each sample of a test_data_set folder (or a folder of them), without reading them; [] when it is neither. */
export async function listTestDataSets(dir: string, names?: string[]): Promise<string[][]> {
  names ??= await listDir(dir);
  const sets = numbered(names, /^test_data_set_(\d+)$/);
  const inputs = numbered(names, /^input_(\d+)\.pb$/);
  if (sets.length && inputs.length)
    throw new AnalysisError('holds both input_*.pb files and test_data_set_* folders: give one data set or the model folder', { file: dir });
  if (inputs.length) return [dataSetFiles(dir, inputs)];
  const out: string[][] = [];
  for (const s of sets) {
    const sub = path.join(dir, s.name);
    const files = numbered(await listDir(sub), /^input_(\d+)\.pb$/);
    if (!files.length) throw new AnalysisError('no input_*.pb files', { file: sub });
    out.push(dataSetFiles(sub, files));
  }
  return out;
}

/** Whether a folder is in the model-zoo layout. */
export function isTestDataFolder(names: readonly string[]): boolean {
  return names.some((n) => /^test_data_set_\d+$/.test(n) || /^input_\d+\.pb$/.test(n));
}

function dataSetFiles(dir: string, files: { name: string; n: number }[]): string[] {
  // A gap in the numbering means an input is missing; feeding the rest would shift every later input.
  files.forEach((f, i) => {
    if (f.n !== i) throw new AnalysisError(`input_${i}.pb is missing (found ${files.map((x) => x.name).join(', ')})`, { file: dir });
  });
  return files.map((f) => path.join(dir, f.name));
}

/** The tensors of one sample's files, in order. */
export async function readDataSet(files: readonly string[], budget: ByteBudget): Promise<InputTensor[]> {
  const out: InputTensor[] = [];
  for (const f of files) out.push(...(await readInputFile(f, budget)));
  return out;
}

function numbered(names: string[], pattern: RegExp): { name: string; n: number }[] {
  return names
    .map((name) => ({ name, m: pattern.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ name, n: Number(m[1]) }))
    .sort((a, b) => a.n - b.n);
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (e) {
    throw new AnalysisError(describeFsError(e, 'cannot list the input folder'), { file: dir }, { cause: e });
  }
}

function fromTensorProto(bytes: Uint8Array, file: string): InputTensor {
  let proto: LazyTensorProto;
  try {
    proto = decodeLazyTensor(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new AnalysisError(`not a TensorProto (truncated or corrupt protobuf: ${why})`, { file }, { cause: e });
  }
  const name = proto.name || undefined;
  const known = dtypeById(proto.dataType);
  // Checked before toTensorRef, which would otherwise complain about string counts first.
  if (known && !arrayFor[known.name])
    throw new AnalysisError(`dtype ${known.name} is not supported for inputs`, { file, tensor: name });
  const t = toTensorRef(proto, { file, location: 'initializer', graph: 'input' });
  if (t.data.kind === 'external') throw new AnalysisError('external data is not supported in input files', { file, tensor: t.name });
  return { name, dtype: t.dtype.name, dims: [...t.dims], data: filled(t.dtype, t.elements, (dst) => writeInMemory(t, dst)), source: file };
}

/** Bytes already in native layout (but maybe unaligned) into their own typed array. */
function copyAligned(d: DType, bytes: Uint8Array): InputData {
  return filled(d, bytes.length / (d.bits >> 3), (dst) => dst.set(bytes));
}

function filled(d: DType, elements: number, fill: (dst: Uint8Array) => void): InputData {
  const make = arrayFor[d.name];
  if (!make) throw new Error(`no typed array for dtype ${d.name}`);
  const buffer = new ArrayBuffer(elements * (d.bits >> 3));
  fill(new Uint8Array(buffer));
  return make(buffer, elements);
}
