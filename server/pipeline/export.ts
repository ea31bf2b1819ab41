import type { Report } from '../../common/protocol';
import { UsageError } from '../errors';
import { annotatedCopy } from '../gates/overlays/annotate';
import { layerNodes } from '../gates/overlays/layer-nodes';
import { allMetrics, metricByName, type MetricChoice } from '../gates/overlays/metrics';
import { modelExplorerNodeData } from '../gates/overlays/model-explorer';
import { netronAttachment } from '../gates/overlays/netron';
import { loadModel } from '../onnx/load';

export const OVERLAYS = ['model-explorer', 'netron', 'onnx'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export interface OverlayInput extends MetricChoice {
  file: string;
  overlay: Overlay;
  /** Model Explorer's file holds one metric (default: sparsity). */
  metric?: string;
  /** The model's analysis under the command's settings. */
  analyze: () => Promise<Report>;
}

export interface OverlayOutput {
  content: string | Uint8Array;
  /** What the overlay could not show, for the user. */
  notes: string[];
}

/**
 * `export --overlay`: per-node figures in the format a graph viewer reads. Model Explorer gets a
 * node-data file for one metric, Netron an attachment with every metric, `onnx` an annotated copy
 * of the model (node metadata_props and doc_string), which any ONNX viewer shows.
 */
export async function exportOverlay(o: OverlayInput): Promise<OverlayOutput> {
  if (!OVERLAYS.includes(o.overlay)) throw new UsageError(`--overlay must be ${OVERLAYS.join(', ')}, not '${o.overlay}'`);
  if (o.metric !== undefined && o.overlay !== 'model-explorer') throw new UsageError(`--metric picks the one metric of a Model Explorer file; --overlay ${o.overlay} carries every metric`);
  const report = await o.analyze();
  const model = await loadModel(o.file);
  const { nodes, elsewhere } = layerNodes(model, report);
  const notes = elsewhere ? [`${elsewhere} layer${elsewhere === 1 ? '' : 's'} inside subgraphs or functions ${elsewhere === 1 ? 'is' : 'are'} not in the overlay (it addresses the main graph)`] : [];
  if (o.overlay === 'model-explorer') {
    const file = modelExplorerNodeData(model, report, nodes, metricByName(report, o.metric ?? 'sparsity', o));
    return { content: JSON.stringify(file, null, 2) + '\n', notes };
  }
  const metrics = allMetrics(report, o);
  if (o.overlay === 'netron') {
    const { file, unnamed } = netronAttachment(report, nodes, metrics);
    if (unnamed) notes.push(`${unnamed} unnamed layer node${unnamed === 1 ? '' : 's'} cannot be addressed in Netron and ${unnamed === 1 ? 'is' : 'are'} left out (--overlay onnx annotates them)`);
    return { content: JSON.stringify(file, null, 2) + '\n', notes };
  }
  if (model.tensors.some((t) => t.data.kind === 'external'))
    notes.push('the model keeps weights in external-data files, which the copy names by the same relative paths: keep the copy in the model\'s folder');
  return { content: annotatedCopy(model, report, nodes, metrics), notes };
}
