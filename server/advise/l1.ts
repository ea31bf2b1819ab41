import { layerWeightKey, weightKey, type Report } from '../../common/protocol';

/**
 * The L1 magnitude (sum |w| over finite values) of each layer's weight, by report index, and the
 * total over the layer weights, each weight once: what "keeps X% of L1" is a share of.
 */
export function layerMagnitudes(r: Report): { of: (index: number) => number; total: number } {
  const w = new Map(r.weights.map((x) => [weightKey(x.graph, x.name), x.magnitude.mean * (x.elements - x.magnitude.nonFinite)]));
  const keys = r.layers.map(layerWeightKey);
  const total = [...new Set(keys)].reduce((s, k) => s + (k === null ? 0 : w.get(k) ?? 0), 0);
  return { of: (index) => { const k = keys[index]; return k === null ? 0 : w.get(k) ?? 0; }, total };
}
