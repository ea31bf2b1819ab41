import { AnalysisError } from '../errors';
import type { InputData, InputTensor } from './input-files';
import type { InputSpec } from './input-specs';

/**
 * Token ids for text models from a JSON file: `[101, 2023, 102]` (one sample), `[[...], [...]]`
 * (a sample each), `{"input_ids": [...], "attention_mask": [...]}` (inputs by name) or a list of
 * such objects. What a tokenizer's output usually holds besides the ids is derived when the file
 * leaves it out: attention_mask 1 over the tokens, token_type_ids 0, position_ids 0..S-1.
 */
export interface TokenSample {
  /** Values by input name; '' holds ids given without a name. */
  values: Record<string, number[]>;
  source: string;
}

const INT_DTYPES = new Set(['int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'uint64']);

export function parseTokenFile(bytes: Uint8Array, file: string): TokenSample[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new AnalysisError(`not a JSON file of token ids: ${e instanceof Error ? e.message : String(e)}`, { file }, { cause: e });
  }
  const ids = (v: unknown, where: string): number[] => {
    const flat = Array.isArray(v) && v.length === 1 && Array.isArray(v[0]) ? v[0] : v;
    if (!Array.isArray(flat) || !flat.every((x) => Number.isSafeInteger(x)))
      throw new AnalysisError(`${where} must be a list of integer token ids`, { file });
    return flat as number[];
  };
  const one = (v: unknown, i: number | null): TokenSample => {
    const where = i === null ? 'the file' : `sample ${i}`;
    const source = i === null ? file : `${file}[${i}]`;
    if (Array.isArray(v)) return { values: { '': ids(v, where) }, source };
    if (typeof v === 'object' && v !== null) {
      const values: Record<string, number[]> = {};
      for (const [k, x] of Object.entries(v)) values[k] = ids(x, `${where}: '${k}'`);
      if (!Object.keys(values).length) throw new AnalysisError(`${where} names no inputs`, { file });
      return { values, source };
    }
    throw new AnalysisError(`${where} must be a list of token ids or an object of them by input name`, { file });
  };
  const many = Array.isArray(json) && json.length > 0 && (Array.isArray(json[0]) || (typeof json[0] === 'object' && json[0] !== null)) && !(json.length === 1 && Array.isArray(json[0]));
  const samples = many ? (json as unknown[]).map((v, i) => one(v, i)) : [one(json, null)];
  if (!samples.length || samples.some((s) => Object.values(s.values).some((x) => x.length === 0))) throw new AnalysisError('holds no token ids', { file });
  return samples;
}

type Derived = 'mask' | 'types' | 'positions';

export interface TokenPlan {
  /** The input the unnamed ids go to. */
  ids: string;
  /** Sequence length when the model (or the sizes given) fixes it; null: each sample's own. */
  length: number | null;
  inputs: InputSpec[];
  derived: Map<string, Derived>;
}

const DERIVED: [RegExp, Derived][] = [[/attention_?mask|^mask$/i, 'mask'], [/token_?type/i, 'types'], [/position_?ids/i, 'positions']];

export function tokenLike(spec: InputSpec): boolean {
  return INT_DTYPES.has(spec.dtype) && (spec.dims.length === 1 || spec.dims.length === 2);
}

export function planTokens(specs: readonly InputSpec[], first: TokenSample, sizedLength: number | undefined, file: string): TokenPlan {
  const ints = specs.filter(tokenLike);
  const ids = ints.find((s) => /input_?ids|^ids$|tokens?$/i.test(s.name)) ?? ints.find((s) => !DERIVED.some(([re]) => re.test(s.name))) ?? ints[0];
  if (!ids) throw new AnalysisError(`the model has no integer input of rank 1 or 2 for token ids (inputs: ${specs.map((s) => `${s.name} ${s.dtype}`).join(', ')})`, { file });
  const derived = new Map<string, Derived>();
  for (const s of specs) {
    if (s === ids || first.values[s.name]) continue;
    const kind = DERIVED.find(([re]) => re.test(s.name))?.[1];
    if (!kind || !tokenLike(s)) throw new AnalysisError(`input '${s.name}' is not in the token file and cannot be derived from the ids; give it by name in the JSON`, { file });
    derived.set(s.name, kind);
  }
  const last = ids.dims[ids.dims.length - 1];
  return { ids: ids.name, length: typeof last === 'number' ? last : sizedLength ?? null, inputs: [...specs], derived };
}

export function describeTokenPlan(plan: TokenPlan): string[] {
  const out = [`token ids → input '${plan.ids}'${plan.length === null ? ', each sample at its own length' : `, cut or padded (id 0, mask 0) to ${plan.length} tokens`}`];
  for (const [name, kind] of plan.derived)
    out.push(`input '${name}' derived: ${kind === 'mask' ? '1 over the tokens' : kind === 'types' ? 'all 0 (one segment)' : '0, 1, 2, ... along the sequence'}`);
  return out;
}

/** One sample's tensors for every input of the plan. */
export function tokenTensors(sample: TokenSample, plan: TokenPlan, file: string): InputTensor[] {
  const given = { ...sample.values };
  if (given['']) {
    given[plan.ids] ??= given[''];
    delete given[''];
  }
  const ids = given[plan.ids];
  if (!ids) throw new AnalysisError(`${sample.source} has no ids for input '${plan.ids}'`, { file });
  const real = Math.min(ids.length, plan.length ?? ids.length);
  const n = plan.length ?? ids.length;
  return plan.inputs.map((spec) => {
    const kind = plan.derived.get(spec.name);
    const src = given[spec.name];
    if (!kind && !src) throw new AnalysisError(`${sample.source} has no values for input '${spec.name}'`, { file });
    const value = (i: number): number => {
      if (kind === 'mask') return i < real ? 1 : 0;
      if (kind === 'types') return 0;
      if (kind === 'positions') return i;
      return i < src!.length ? src![i] : 0;
    };
    const data = intArray(spec.dtype, n, value, `${sample.source}: input '${spec.name}'`, file);
    return { name: spec.name, dtype: spec.dtype, dims: spec.dims.length === 2 ? [1, n] : [n], data, source: sample.source };
  });
}

function intArray(dtype: string, n: number, value: (i: number) => number, where: string, file: string): InputData {
  const ranges: Record<string, [number, number]> = {
    int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1],
    int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], uint64: [0, Number.MAX_SAFE_INTEGER],
  };
  const [lo, hi] = ranges[dtype];
  const checked = (i: number): number => {
    const v = value(i);
    if (v < lo || v > hi) throw new AnalysisError(`${where}: ${v} does not fit ${dtype}`, { file });
    return v;
  };
  switch (dtype) {
    case 'int64': return BigInt64Array.from({ length: n }, (_, i) => BigInt(checked(i)));
    case 'uint64': return BigUint64Array.from({ length: n }, (_, i) => BigInt(checked(i)));
    case 'int32': return Int32Array.from({ length: n }, (_, i) => checked(i));
    case 'uint32': return Uint32Array.from({ length: n }, (_, i) => checked(i));
    case 'int16': return Int16Array.from({ length: n }, (_, i) => checked(i));
    case 'uint16': return Uint16Array.from({ length: n }, (_, i) => checked(i));
    case 'int8': return Int8Array.from({ length: n }, (_, i) => checked(i));
    default: return Uint8Array.from({ length: n }, (_, i) => checked(i));
  }
}
