import type { WeightLocation } from '../../common/protocol';
import type { DType } from './dtypes';

/**
 * Where a tensor's values are. Never a per-element JS array: byte ranges stay views of the
 * model file's buffer, external data stays on disk until it is streamed.
 */
export type TensorData =
  /** Native little-endian layout: raw_data, or packed float_data / double_data (the same bytes). */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  /** Packed int32_data / int64_data / uint64_data: a run of varints, decoded chunk by chunk. */
  | { readonly kind: 'varints'; readonly bytes: Uint8Array; readonly count: number; readonly field: VarintField }
  /** Values protobuf gave one by one (unpacked repeated fields, Constant value_floats/value_ints). */
  | { readonly kind: 'numbers'; readonly values: Float64Array }
  /** data_location = EXTERNAL: a byte range of a file beside the model. */
  | { readonly kind: 'external'; readonly location: string; readonly offset: number; readonly length: number | undefined }
  /** No values (empty tensor, or a dtype we list but do not read, such as string). */
  | { readonly kind: 'none' };

export type VarintField = 'int32_data' | 'int64_data' | 'uint64_data';

export type { WeightLocation };

/** A constant tensor found in the model: metadata plus a lazy reference to its bytes. */
export interface TensorRef {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly elements: number;
  readonly location: WeightLocation;
  /** Which graph holds it: "main", "main/If_3.then_branch", "function:MyFunc". */
  readonly graph: string;
  readonly data: TensorData;
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
