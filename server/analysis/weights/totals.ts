import { weightKey, type Totals, type TotalsEntry, type WeightReport } from '../../../common/protocol';

function empty(): TotalsEntry {
  return { tensors: 0, params: 0, zeros: 0, nearZeros: 0, bytes: 0, sparsity: 0 };
}

function add(e: TotalsEntry, w: WeightReport): void {
  e.tensors++;
  e.params += w.elements;
  e.zeros += w.zeros;
  e.nearZeros += w.nearZeros;
  e.bytes += w.bytes;
}

function finish(e: TotalsEntry): TotalsEntry {
  e.sparsity = e.params ? e.zeros / e.params : 0;
  return e;
}

/** Model totals, by dtype and by the op type that consumes each weight (its first consumer). */
export function totals(weights: readonly WeightReport[], layerWeights: ReadonlySet<string>): Totals {
  const all = empty();
  const layer = empty();
  const byOpType: Record<string, TotalsEntry> = {};
  const byDtype: Record<string, TotalsEntry> = {};
  for (const w of weights) {
    add(all, w);
    add((byDtype[w.dtype] ??= empty()), w);
    add((byOpType[w.usedBy[0] ?? '(unused)'] ??= empty()), w);
    if (layerWeights.has(weightKey(w.graph, w.name))) add(layer, w);
  }
  for (const e of [...Object.values(byOpType), ...Object.values(byDtype)]) finish(e);
  return { ...finish(all), byOpType, byDtype, layerWeights: finish(layer) };
}
