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

/**
 * Concrete dims for an input: fixed dims as declared, symbolic ones from the user's --dim values,
 * else 1 when batch-like, else a clear error naming the dim.
 */
export function resolveShape(spec: InputSpec, userDims: Readonly<Record<string, number>>, file: string): number[] {
  return spec.dims.map((d, i) => {
    if (typeof d === 'number') return d;
    if (d !== null && userDims[d] !== undefined) return userDims[d];
    if (batchLike(d, i)) return 1;
    const label = d === null ? `dim ${i} (unnamed)` : `dim ${i} '${d}'`;
    const hint = d === null ? '' : `; give it with --dim ${d}=N`;
    throw new AnalysisError(`input '${spec.name}' ${label} has no size and no safe default${hint}`, { file });
  });
}

