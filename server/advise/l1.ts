import { layerWeightKey, weightKey, type Report } from '../../common/protocol';

/**
 * The L1 magnitude (sum |w| over finite values) of each layer's weight, by report index, and the
 * total over the layer weights, each weight once: what "keeps X% of L1" is a share of.
 */
export function layerMagnitudes(r: Report): { of: (index: number) => number; total: number } {
  // Asked once per target: made once per pair of lists (a report's lists are not changed once made).
  const known = made.get(r.layers);
  if (known && known.weights === r.weights) return known.figures;
  const figures = magnitudes(r);
  made.set(r.layers, { weights: r.weights, figures });
  return figures;
}

const made = new WeakMap<Report['layers'], { weights: Report['weights']; figures: ReturnType<typeof magnitudes> }>();

function magnitudes(r: Report): { of: (index: number) => number; total: number } {
  const w = new Map(r.weights.map((x) => [weightKey(x.graph, x.name), x.magnitude.mean * (x.elements - x.magnitude.nonFinite)]));
  const keys = r.layers.map(layerWeightKey);
  const total = [...new Set(keys)].reduce((s, k) => s + (k === null ? 0 : w.get(k) ?? 0), 0);
  return { of: (index) => { const k = keys[index]; return k === null ? 0 : w.get(k) ?? 0; }, total };
}
