import { float16Magnitudes } from '../onnx/float-tables';

/** Running sums of one output's drift over samples; finishDrift turns them into the figures. */
export interface DriftSums {
  maxAbs: number;
  sumSqDiff: number;
  /** Of the model's and the baseline's values. */
  sumSqA: number;
  sumSqB: number;
  dot: number;
  /** Elements where one side is NaN or infinite and the other is not the same value. */
  nonFinite: number;
}

export const emptyDrift = (): DriftSums => ({ maxAbs: 0, sumSqDiff: 0, sumSqA: 0, sumSqB: 0, dot: 0, nonFinite: 0 });

/**
 * Folds one sample's outputs (a: the model, b: the baseline, same length) into the sums, in one
 * pass, in float64. Equal non-finite values (both NaN, the same infinity) count as equal and stay
 * out of the sums; any other non-finite pair is counted and makes the largest difference infinite.
 */
export function addDrift(s: DriftSums, a: ArrayLike<number>, b: ArrayLike<number>): void {
  let { maxAbs, sumSqDiff, sumSqA, sumSqB, dot, nonFinite } = s;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) nonFinite++;
      continue;
    }
    const d = Math.abs(x - y);
    if (d > maxAbs) maxAbs = d;
    sumSqDiff += d * d;
    sumSqA += x * x;
    sumSqB += y * y;
    dot += x * y;
  }
  Object.assign(s, { maxAbs, sumSqDiff, sumSqA, sumSqB, dot, nonFinite });
}

/**
 * maxAbs = max |a - b|; relL2 = ||a - b|| / ||b|| (b, the baseline, is the reference); cosine =
 * a.b / (||a|| ||b||). Degenerate norms: two all-zero outputs are identical (relL2 0, cosine 1); a
 * zero baseline against a nonzero model is infinitely far (relL2 Infinity, cosine 0).
 */
export function finishDrift(s: DriftSums): { maxAbs: number; relL2: number; cosine: number; nonFinite: number } {
  const nb = Math.sqrt(s.sumSqB);
  const na = Math.sqrt(s.sumSqA);
  const diff = Math.sqrt(s.sumSqDiff);
  const relL2 = nb > 0 ? diff / nb : diff > 0 ? Infinity : 0;
  const cosine = na > 0 && nb > 0 ? Math.min(1, Math.max(-1, s.dot / (na * nb))) : na === 0 && nb === 0 ? 1 : 0;
  return { maxAbs: s.nonFinite ? Infinity : s.maxAbs, relL2, cosine, nonFinite: s.nonFinite };
}

/**
 * An onnxruntime output's data as numbers: typed arrays of numbers as they are; int64 and uint64
 * (BigInt arrays) and float16 (raw bits) converted once.
 */
export function numericData(data: unknown, dtype: string): ArrayLike<number> | undefined {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, Number);
  if (dtype === 'float16' && data instanceof Uint16Array) {
    const mag = float16Magnitudes();
    return Float64Array.from(data, (bits) => (bits & 0x8000 ? -mag[bits & 0x7fff] : mag[bits & 0x7fff]));
  }
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return data as unknown as ArrayLike<number>;
  return undefined;
}

/**
 * Whether an output's last axis reads as class scores, so arg-max agreement means something:
 * [classes], [batch, classes], or [batch, seq, vocab] with the vocabulary at least as long as the
 * sequence; float, with at least two classes. A feature map [1, 64, 56, 56] is not.
 */
export function looksLikeScores(dims: readonly number[], dtype: string): boolean {
  if (!/^(float|bfloat)/.test(dtype) || dims.length < 1 || dims.length > 3) return false;
  const classes = dims[dims.length - 1];
  return classes >= 2 && (dims.length < 3 || classes >= dims[1]);
}

/** Rows (over every sample) whose arg max over the last axis is the same in both outputs. */
export interface Top1Sums {
  agree: number;
  rows: number;
  classes: number;
}

export function addTop1(s: Top1Sums, a: ArrayLike<number>, b: ArrayLike<number>, classes: number): void {
  const argmax = (x: ArrayLike<number>, at: number): number => {
    let best = at;
    for (let i = at + 1; i < at + classes; i++) if (x[i] > x[best] || (Number.isNaN(x[best]) && !Number.isNaN(x[i]))) best = i;
    return best - at;
  };
  for (let at = 0; at + classes <= a.length; at += classes) {
    s.rows++;
    if (argmax(a, at) === argmax(b, at)) s.agree++;
  }
  s.classes = classes;
}
