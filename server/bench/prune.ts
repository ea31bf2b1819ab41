import { float16Magnitudes } from '../onnx/float-tables';
import { memoryIndex } from '../analysis/layers/gemm-view';
import type { Layer } from '../analysis/layers/layers';
import { UsageError } from '../errors';
import { parseScenario, type Scenario } from '../estimate/scenarios';
import type { LoadedModel } from '../onnx/load';
import type { TensorRef } from '../onnx/tensor';

/** What a pruned copy can be: the estimator's N:M and unstructured scenarios, so the two compare like for like. */
export type PruneTarget = Extract<Scenario, { kind: 'nm' | 'unstructured' }>;

export function parsePrune(s: string): PruneTarget {
  let target: Scenario | undefined;
  try {
    target = parseScenario(`pruned-${s.trim()}`);
  } catch {
    // Reworded below: the scenario's own message names scenario keys, not this option.
  }
  if (target?.kind === 'nm' || target?.kind === 'unstructured') return target;
  throw new UsageError(`--prune must be N:M (e.g. 2:4) or X% (e.g. 90%), not '${s}'`);
}

/**
 * A copy of the model's bytes with every layer weight pruned by magnitude: to N:M along each
 * layer's GEMM view (the N largest |w| of each group of M consecutive K kept), or to X% zeros
 * per layer. Weights are overwritten in place in the copy, so nothing is re-encoded; only float32
 * and float16 weights stored in the file are pruned. Returns the bytes and the share zeroed.
 */
export function pruneModel(model: LoadedModel, layers: readonly Layer[], target: PruneTarget): { bytes: Uint8Array; sparsity: number; skipped: string[] } {
  const out = Uint8Array.from(model.buffer);
  const done = new Set<TensorRef>();
  const skipped: string[] = [];
  let zeros = 0;
  let total = 0;
  for (const l of layers) {
    const t = l.weight;
    if (!t || done.has(t)) continue;
    done.add(t);
    if (t.data.kind !== 'bytes' || (t.dtype.name !== 'float32' && t.dtype.name !== 'float16')) {
      skipped.push(`${t.name} (${t.dtype.name}, ${t.data.kind})`);
      continue;
    }
    const at = t.data.bytes.byteOffset - model.buffer.byteOffset;
    const w = new WeightView(new DataView(out.buffer, out.byteOffset + at, t.data.bytes.length), t.dtype.name === 'float16');
    if (target.kind === 'unstructured') pruneUnstructured(w, t.elements, target.sparsity);
    else if (l.view && l.view.k % target.m === 0) {
      const v = l.view;
      const group = new Int32Array(target.m);
      for (let r = 0; r < v.rows; r++)
        for (let k = 0; k < v.k; k += target.m) {
          for (let j = 0; j < target.m; j++) group[j] = memoryIndex(v, r, k + j);
          const order = Array.from(group).sort((a, b) => w.abs(a) - w.abs(b));
          for (let j = 0; j < target.m - target.n; j++) w.zero(order[j]);
        }
    } else skipped.push(`${t.name} (K not a multiple of ${target.m})`);
    for (let i = 0; i < t.elements; i++) zeros += w.abs(i) === 0 ? 1 : 0;
    total += t.elements;
  }
  return { bytes: out, sparsity: total ? zeros / total : 0, skipped };
}

/** Reads and zeroes float32 / float16 values at any byte alignment. */
class WeightView {
  private readonly f16 = float16Magnitudes();
  constructor(private readonly dv: DataView, private readonly half: boolean) {}
  abs(i: number): number {
    return this.half ? this.f16[this.dv.getUint16(2 * i, true) & 0x7fff] : Math.abs(this.dv.getFloat32(4 * i, true));
  }
  zero(i: number): void {
    if (this.half) this.dv.setUint16(2 * i, 0, true);
    else this.dv.setFloat32(4 * i, 0, true);
  }
}

/** Zeroes the `sparsity` share of smallest |w| (ties broken by position). */
function pruneUnstructured(w: WeightView, n: number, sparsity: number): void {
  const count = Math.floor(sparsity * n);
  const mags = new Float32Array(n);
  for (let i = 0; i < n; i++) mags[i] = w.abs(i);
  const threshold = mags.slice().sort()[Math.max(0, count - 1)];
  let zeroed = 0;
  for (let i = 0; i < n && zeroed < count; i++) if (mags[i] < threshold) {
    w.zero(i);
    zeroed++;
  }
  for (let i = 0; i < n && zeroed < count; i++) if (mags[i] === threshold) {
    w.zero(i);
    zeroed++;
  }
}
