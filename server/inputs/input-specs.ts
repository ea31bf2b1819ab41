import type { onnx } from 'onnx-proto';
import { AnalysisError } from '../errors';
import { dtypeById, type DTypeName } from '../onnx/dtypes';
import type { LoadedModel } from '../onnx/load';
import { int64ToNumber, type Int64Like } from '../onnx/long';

/** A graph input as the model declares it: dims are numbers, symbolic names, or null (unknown). */
export interface InputSpec {
  name: string;
  dtype: DTypeName;
  dims: (number | string | null)[];
}

/** The model's real inputs: graph inputs that are not initializers (IR < 4 lists those as inputs too). */
export function graphInputs(model: LoadedModel): InputSpec[] {
  const g = model.proto.graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? []).filter((i) => !inits.has(i.name)).map((i) => inputSpec(i, model.path));
}

function inputSpec(i: onnx.IValueInfoProto, file: string): InputSpec {
  const name = i.name ?? '';
  const t = i.type?.tensorType;
  const dtype = t?.elemType ? dtypeById(t.elemType) : undefined;
  if (!dtype) throw new AnalysisError(`input '${name}' is not a tensor of a known dtype; it cannot be fed`, { file });
  const dims = (t?.shape?.dim ?? []).map((d) => {
    if (d.dimValue !== undefined && d.dimValue !== null) {
      const v = int64ToNumber(d.dimValue as Int64Like);
      if (v > 0) return v;
    }
    return d.dimParam ? d.dimParam : null;
  });
  return { name, dtype: dtype.name, dims };
}

/** Dims whose names say batch, and the first dim of any input, default to 1. */
function batchLike(name: string | null, index: number): boolean {
  return index === 0 || (name !== null && /batch|^(n|b|bs)$/i.test(name));
}

/** Sizes for an input, as the run takes them: by dim name, and whole shapes by input name. */
export interface SizeOptions {
  dims: Readonly<Record<string, number>>;
  shapes?: Readonly<Record<string, readonly number[]>>;
}

/**
 * Concrete dims for every input: fixed dims as declared; a whole shape given for the input; a
 * symbolic dim's size given by name; 1 for batch-like dims. Any dim still without a size makes
 * one MissingSizesError that lists them all, each with a guess, so the user (or the editor's
 * prompt) can give every size at once.
 */
export function resolveShapes(specs: readonly InputSpec[], o: SizeOptions, file: string): number[][] {
  const missing: MissingSize[] = [];
  const shapes = specs.map((spec) => {
    const whole = o.shapes?.[spec.name];
    if (whole) return checkedWhole(spec, whole, file);
    const open: Omit<MissingSize, 'inputShape'>[] = [];
    const dims = spec.dims.map((d, i) => {
      if (typeof d === 'number') return d;
      if (d !== null && o.dims[d] !== undefined) return o.dims[d];
      if (batchLike(d, i)) return 1;
      const guess = guessSize(spec, i);
      open.push({ input: spec.name, dim: i, name: d, rank: spec.dims.length, guess });
      return guess;
    });
    missing.push(...open.map((m) => ({ ...m, inputShape: dims })));
    return dims;
  });
  if (missing.length) throw new MissingSizesError(missing, file);
  return shapes;
}

function checkedWhole(spec: InputSpec, whole: readonly number[], file: string): number[] {
  if (whole.length !== spec.dims.length)
    throw new AnalysisError(`input '${spec.name}' has ${spec.dims.length} dims, but the size given for it has ${whole.length} ([${whole.join(', ')}])`, { file });
  spec.dims.forEach((d, i) => {
    if (typeof d === 'number' && d !== whole[i])
      throw new AnalysisError(`input '${spec.name}' dim ${i} is fixed at ${d} by the model, not ${whole[i]}`, { file });
  });
  return [...whole];
}

/** A dim of an input that the run needs a size for. */
export interface MissingSize {
  input: string;
  dim: number;
  /** The dim's symbolic name; null when the model leaves it unnamed. */
  name: string | null;
  /** The input's rank, so a whole shape can be asked for when the dim has no name. */
  rank: number;
  /** A size to offer: image height/width 224, audio 16000 samples, sequences 128, else 1. */
  guess: number;
  /** The whole input's shape with the guesses in: what to offer when a dim has no name. */
  inputShape: number[];
}

export class MissingSizesError extends AnalysisError {
  constructor(readonly missing: MissingSize[], file: string) {
    super(`${missing.map((m) => `input '${m.input}' dim ${m.dim} ${m.name === null ? '(unnamed)' : `'${m.name}'`}`).join(', ')} ${missing.length === 1 ? 'has' : 'have'} no size and no safe default`, { file });
  }
}

/**
 * A plausible size by the dim's place and name: the last two dims of a rank-4 input with 1, 3
 * or 4 channels are an image's height and width (224, the common classification size); audio
 * inputs count samples (16000: one second at 16 kHz); sequences get 128.
 */
export function guessSize(spec: InputSpec, i: number): number {
  const d = spec.dims[i];
  const name = typeof d === 'string' ? d : '';
  if (/height|width|^h$|^w$/i.test(name)) return 224;
  if (/sample|audio|wav/i.test(name)) return 16000;
  if (/seq|len|token|time|step/i.test(name)) return 128;
  const c1 = spec.dims[1];
  const c3 = spec.dims[3];
  if (spec.dims.length === 4 && (c1 === 1 || c1 === 3 || c1 === 4) && i >= 2) return 224;
  if (spec.dims.length === 4 && (c3 === 1 || c3 === 3 || c3 === 4) && (i === 1 || i === 2)) return 224;
  return 1;
}

/**
 * Sizes given for dims or inputs the model does not have: a typo that would otherwise be ignored
 * while the run uses a default. The message lists what the model does have.
 */
export function unknownSizeNames(specs: readonly InputSpec[], o: SizeOptions): string | undefined {
  const names = new Set(specs.flatMap((s) => s.dims.filter((d): d is string => typeof d === 'string')));
  const inputs = new Set(specs.map((s) => s.name));
  const badDims = Object.keys(o.dims).filter((d) => !names.has(d));
  const badInputs = Object.keys(o.shapes ?? {}).filter((n) => !inputs.has(n));
  if (!badDims.length && !badInputs.length) return undefined;
  const described = specs.map((s) => `${s.name} [${s.dims.map((d) => (d === null ? '?' : d)).join(', ')}]`).join('; ');
  const what = [...badDims.map((d) => `dim '${d}'`), ...badInputs.map((n) => `input '${n}'`)].join(', ');
  return `the model has no ${what}; its inputs are ${described || 'none'}`;
}
