import type { LayerReport } from '../../../common/protocol';
import type { Layer } from '../layers/layers';
import type { BlockShape } from './options';
import { heatmap } from './heatmap';
import { nmGroupShares, nmReady } from './nm-groups';
import { structure } from './structure';
import { viewBitmap } from './view-bitmap';
import { zeroBlockShares } from './zero-blocks';
import { keptShares } from './summaries';
import type { SimdKernels } from './simd-kernels';
import type { NmPattern, WeightMeasure } from './weights';

/**
 * A layer's pattern metrics, read by the kernels from its weight's nonzero bitmap rearranged into
 * the layer's GEMM view (in the arena `m` was measured into: call before the next weight is).
 */
export function layerReport(
  l: Layer, m: WeightMeasure, viewIndex: number, patterns: readonly NmPattern[], blocks: readonly BlockShape[], k: SimdKernels,
): LayerReport {
  const base = weightlessLayerReport(l);
  const w = l.weight!;
  const counts = { params: w.elements, zeros: m.stats.zeros, nearZeros: m.stats.nearZeros, sparsity: w.elements ? m.stats.zeros / w.elements : 0 };
  const v = l.view;
  if (!v || viewIndex < 0) return { ...base, ...counts };
  const bm = viewBitmap(k, m.bitmapAt, v);
  const nm: LayerReport['nm'] = {};
  const shares = nmGroupShares(k, bm, v, patterns);
  for (const [i, p] of patterns.entries()) {
    const { compliant, groups } = shares[i];
    nm[p.key] = {
      groupShare: groups ? compliant / groups : 1,
      ready: nmReady(shares[i], v.k, p.m),
      ...keptShares(m.kept[viewIndex], m.stats, p.n, p.m),
    };
  }
  const zeroBlocks = zeroBlockShares(k, bm, v, blocks);
  const blockShares: LayerReport['blocks'] = {};
  blocks.forEach((b, i) => (blockShares[b.key] = zeroBlocks[i]));
  return {
    ...base,
    ...counts,
    gemm: { rows: v.rows, k: v.k, groups: v.groups, kernelPositions: v.kernelPositions },
    nm,
    blocks: blockShares,
    ...structure(k, bm, v),
    heatmap: heatmap(k, bm, v),
  };
}

export function weightlessLayerReport(l: Layer): LayerReport {
  return {
    name: l.node.name,
    opType: l.node.opType,
    graph: l.node.scope.path,
    weight: l.weight?.name ?? null,
    weightGraph: l.weight?.graph ?? null,
    gemm: null,
    params: 0,
    zeros: 0,
    nearZeros: 0,
    sparsity: 0,
    nm: {},
    blocks: {},
    zeroRows: 0,
    zeroInputChannels: 0,
    inputChannels: 0,
    zeroCols: 0,
    ...(l.problem ? { note: l.problem } : {}),
  };
}
