import { rng } from '../../random';
import { AnalysisError } from '../../errors';
import { float16Bits } from '../../onnx/float16';
import type { InputTensor } from '../../inputs/input-files';
import type { InputSpec } from '../../inputs/input-specs';
import { ort, type OrtTensor } from './session';
import { product } from '../../onnx/tensor';

export type Feeds = Record<string, OrtTensor>;

export interface GeneratedInputs {
  /** Integer inputs take values in [lo, hi]. */
  intRange: [number, number];
  seed: number;
}

type NumberArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/**
 * `a` filled with `next()` in index order. A loop, not TypedArray.from({ length }, f): that walks
 * an array-like object, ~150 ns a value in a fresh process (1.2 M floats of a 640x640 image: 110 ms).
 */
function filled<T extends NumberArray>(a: T, next: (i: number) => number): T {
  for (let i = 0; i < a.length; i++) a[i] = next(i);
  return a;
}

/**
 * Seeded N(0, 1) values (Box-Muller), both of each pair of uniforms' outputs used: a log, a square
 * root, a cosine and a sine a pair. Taking the cosine alone had cost a log and a cosine a value
 * (PP-OCRv4 det's 1.2 M input values: 60-77 ms, most of generating them).
 */
function normals<T extends Float32Array | Float64Array>(a: T, rand: () => number): T {
  for (let i = 0; i < a.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    a[i] = r * Math.cos(t);
    if (i + 1 < a.length) a[i + 1] = r * Math.sin(t);
  }
  return a;
}

function filledBig<T extends BigInt64Array | BigUint64Array>(a: T, next: () => bigint): T {
  for (let i = 0; i < a.length; i++) a[i] = next();
  return a;
}

/** Seeded sample data for every input: normal floats, integers in a range, random bools. */
export function generateFeeds(specs: readonly InputSpec[], shapes: readonly number[][], sample: number, g: GeneratedInputs, file: string): Feeds {
  const feeds: Feeds = {};
  specs.forEach((spec, k) => {
    const rand = rng(g.seed + 7919 * sample + 104729 * k);
    const n = product(shapes[k]);
    const [lo, hi] = g.intRange;
    const int = (): number => lo + Math.floor(rand() * (hi - lo + 1));
    let data: OrtTensor['data'];
    switch (spec.dtype) {
      case 'float32': data = normals(new Float32Array(n), rand); break;
      case 'float64': data = normals(new Float64Array(n), rand); break;
      case 'float16': {
        const f = normals(new Float32Array(n), rand);
        data = filled(new Uint16Array(n), (i) => float16Bits(f[i]));
        break;
      }
      case 'bool': data = filled(new Uint8Array(n), () => (rand() < 0.5 ? 1 : 0)); break;
      case 'int8': data = filled(new Int8Array(n), int); break;
      case 'uint8': data = filled(new Uint8Array(n), int); break;
      case 'int16': data = filled(new Int16Array(n), int); break;
      case 'uint16': data = filled(new Uint16Array(n), int); break;
      case 'int32': data = filled(new Int32Array(n), int); break;
      case 'uint32': data = filled(new Uint32Array(n), int); break;
      case 'int64': data = filledBig(new BigInt64Array(n), () => BigInt(int())); break;
      case 'uint64': data = filledBig(new BigUint64Array(n), () => BigInt(int())); break;
      default:
        throw new AnalysisError(`input '${spec.name}' has dtype ${spec.dtype}, which cannot be generated; give it with --inputs`, { file });
    }
    feeds[spec.name] = new (ort().Tensor)(spec.dtype, data as never, shapes[k]);
  });
  return feeds;
}

/**
 * The user's own tensors as feeds: matched to inputs by name, else by position, each checked
 * against the input's dtype and its fixed dims.
 */
const INTS: Record<string, [number, number, (n: number, v: (i: number) => number) => InputTensor['data']]> = {
  int8: [-128, 127, (n, v) => Int8Array.from({ length: n }, (_, i) => v(i))],
  uint8: [0, 255, (n, v) => Uint8Array.from({ length: n }, (_, i) => v(i))],
  int16: [-32768, 32767, (n, v) => Int16Array.from({ length: n }, (_, i) => v(i))],
  uint16: [0, 65535, (n, v) => Uint16Array.from({ length: n }, (_, i) => v(i))],
  int32: [-(2 ** 31), 2 ** 31 - 1, (n, v) => Int32Array.from({ length: n }, (_, i) => v(i))],
  uint32: [0, 2 ** 32 - 1, (n, v) => Uint32Array.from({ length: n }, (_, i) => v(i))],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, (n, v) => BigInt64Array.from({ length: n }, (_, i) => BigInt(v(i)))],
  uint64: [0, Number.MAX_SAFE_INTEGER, (n, v) => BigUint64Array.from({ length: n }, (_, i) => BigInt(v(i)))],
};

/** Integers of one width into another (token ids saved as int32 for an int64 input), every value checked to fit. */
function widened(t: InputTensor, spec: InputSpec, where: string, file: string): InputTensor['data'] {
  const to = INTS[spec.dtype];
  if (!INTS[t.dtype] || !to) throw new AnalysisError(`${where} has dtype ${t.dtype}, the model expects ${spec.dtype}`, { file });
  const [lo, hi, make] = to;
  const src = t.data;
  return make(src.length, (i) => {
    const v = Number(src[i]);
    if (v < lo || v > hi || !Number.isSafeInteger(v)) throw new AnalysisError(`${where}: value ${src[i]} at ${i} does not fit ${spec.dtype}`, { file });
    return v;
  });
}

export function feedsFromFiles(specs: readonly InputSpec[], tensors: readonly InputTensor[], file: string): Feeds {
  const named = tensors.every((t) => t.name !== undefined && specs.some((s) => s.name === t.name));
  if (!named && tensors.length !== specs.length)
    throw new AnalysisError(`the model has ${specs.length} inputs (${specs.map((s) => s.name).join(', ')}) but ${tensors.length} tensors were given, not all matching input names`, { file });
  const feeds: Feeds = {};
  specs.forEach((spec, k) => {
    const t = named ? tensors.find((x) => x.name === spec.name) : tensors[k];
    if (!t) throw new AnalysisError(`no tensor given for input '${spec.name}'`, { file });
    const where = `input '${spec.name}' from ${t.source}`;
    const data = t.dtype === spec.dtype ? t.data : widened(t, spec, where, file);
    // A sample saved without its batch dim ([seq] for [batch, seq]) gets a batch of 1.
    const dims = t.dims.length === spec.dims.length - 1 && (spec.dims[0] === 1 || typeof spec.dims[0] !== 'number') ? [1, ...t.dims] : t.dims;
    const fits = dims.length === spec.dims.length && spec.dims.every((d, i) => typeof d !== 'number' || d === dims[i]);
    if (!fits) throw new AnalysisError(`${where} has shape [${t.dims.join(', ')}], the model expects [${spec.dims.map((d) => d ?? '?').join(', ')}]`, { file });
    feeds[spec.name] = new (ort().Tensor)(spec.dtype as never, data as never, dims);
  });
  return feeds;
}
