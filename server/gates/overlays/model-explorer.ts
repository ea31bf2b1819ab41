import type { Report } from '../../../common/protocol';
import type { LoadedModel } from '../../onnx/load';
import type { LayerNode } from './layer-nodes';
import type { LayerMetric } from './metrics';

/** Model Explorer's node-data JSON (the "Add per-node data" upload): one file is one metric. */
export interface NodeDataFile {
  name: string;
  results: Record<string, { value: number }>;
  thresholds: { value: number; bgColor: string; textColor?: string }[];
}

/**
 * Colours by fixed thresholds rather than Model Explorer's gradient, which stretches over each
 * file's own min and max (and colours nothing when all values are equal): 50% sparsity should
 * look the same in every model. The first threshold a value is <= to wins, so they ascend.
 */
const SCALES: Record<LayerMetric['scale'], NodeDataFile['thresholds']> = {
  'share-up': [
    { value: 0.1, bgColor: '#ffebee' }, { value: 0.5, bgColor: '#fff59d' },
    { value: 0.75, bgColor: '#a5d6a7' }, { value: 1, bgColor: '#1b5e20', textColor: '#ffffff' },
  ],
  'share-down': [
    { value: 0.25, bgColor: '#1b5e20', textColor: '#ffffff' }, { value: 0.5, bgColor: '#a5d6a7' },
    { value: 0.9, bgColor: '#fff59d' }, { value: 1, bgColor: '#ffebee' },
  ],
  speedup: [
    { value: 0.999, bgColor: '#ef9a9a' }, { value: 1.001, bgColor: '#eeeeee' },
    { value: 1.5, bgColor: '#a5d6a7' }, { value: Number.MAX_VALUE, bgColor: '#1b5e20', textColor: '#ffffff' },
  ],
};

/**
 * The single-graph shape ({name, results, thresholds}), which Model Explorer applies to the graph
 * on screen: keys are the adapter's node ids, plus "[value] <initializer>" for weight metrics so
 * the initializer nodes are coloured too. A node literally named "results" would make the file
 * look like the per-graph shape to the loader; then the file is keyed by the main graph's id.
 */
export function modelExplorerNodeData(model: LoadedModel, report: Report, nodes: readonly LayerNode[], m: LayerMetric): NodeDataFile | Record<string, NodeDataFile> {
  const results: NodeDataFile['results'] = {};
  for (const n of nodes) {
    const v = m.value(n.layer);
    if (v === null || !Number.isFinite(v)) continue;
    results[n.explorerId] = { value: round(v) };
    const w = n.layer.weight;
    if ((m.id === 'sparsity' || m.id === 'near-zero') && w !== null && (n.layer.weightGraph ?? n.layer.graph) === model.scopes[0].path && isInitializer(model, w))
      results[`[value] ${w}`] = { value: round(v) };
  }
  const file: NodeDataFile = { name: `onnx-sparsity: ${m.label} (${report.model.name})`, results, thresholds: SCALES[m.scale] };
  if (!('results' in results)) return file;
  return { [model.proto.graph?.name || '<main>']: file };
}

function isInitializer(model: LoadedModel, name: string): boolean {
  return (model.proto.graph?.initializer ?? []).some((t) => t.name === name);
}

/** Six significant digits: enough to read, and no 0.30000000000000004 in the side panel. */
const round = (x: number): number => Number(x.toPrecision(6));
