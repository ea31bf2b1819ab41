import type { Report } from '../../../common/protocol';
import { pct } from '../../../common/report/format';
import type { LayerNode } from './layer-nodes';
import type { LayerMetric } from './metrics';

export interface NetronItem {
  kind: 'node' | 'tensor' | 'model' | 'graph';
  target: string;
  name: string;
  value: string | number;
}

/** Netron's attachment file (Netron 8.2.8 and later): opened while a model is open, it adds "Metadata" and "Metrics" to the sidebars. */
export interface NetronAttachment {
  signature: 'netron:attachment';
  metadata: NetronItem[];
  metrics: NetronItem[];
}

/**
 * Every metric of every main-graph layer, keyed by NodeProto.name (Netron matches an item's
 * target to the first line of a node's name, and has no other handle on an ONNX node, so an
 * unnamed node cannot be annotated: `unnamed` counts them); each weight's sparsity on its
 * initializer (kind tensor); the totals on the model.
 */
export function netronAttachment(report: Report, nodes: readonly LayerNode[], metrics: readonly LayerMetric[]): { file: NetronAttachment; unnamed: number } {
  const metadata: NetronItem[] = [];
  const out: NetronItem[] = [];
  let unnamed = 0;
  for (const n of nodes) {
    if (!n.protoName) {
      unnamed++;
      continue;
    }
    metadata.push({ kind: 'node', target: n.protoName, name: 'onnx-sparsity', value: layerSummary(n.layer, report) });
    for (const m of metrics) {
      const v = m.value(n.layer);
      if (v !== null && Number.isFinite(v)) out.push({ kind: 'node', target: n.protoName, name: m.key, value: Number(v.toPrecision(6)) });
    }
  }
  for (const w of report.weights) {
    if (w.graph === 'main' && w.location === 'initializer' && w.elements > 0 && !w.skipped)
      out.push({ kind: 'tensor', target: w.name, name: 'zero_fraction', value: Number(w.sparsity.toPrecision(6)) });
  }
  out.push({ kind: 'model', target: '', name: 'weight_sparsity', value: Number(report.totals.sparsity.toPrecision(6)) });
  out.push({ kind: 'model', target: '', name: 'layer_weight_sparsity', value: Number(report.totals.layerWeights.sparsity.toPrecision(6)) });
  metadata.push({ kind: 'model', target: '', name: 'onnx-sparsity', value: `${pct(report.totals.sparsity, 2)} of ${report.totals.params} weights are zero; onnx-sparsity ${report.tool.version}` });
  return { file: { signature: 'netron:attachment', metadata, metrics: out }, unnamed };
}

/** One line a person reads in a node's sidebar (and the annotated copy's doc_string). */
export function layerSummary(l: Report['layers'][number], r: Report): string {
  const parts = [`${pct(l.sparsity)} zeros`];
  for (const p of r.options.nm) {
    const x = l.nm[p];
    if (x) parts.push(`${p} ${x.ready ? 'ready' : `not ready (${pct(x.groupShare)} of groups comply)`}`);
  }
  if (l.activation?.inputDensity !== undefined && l.activation.inputDensity !== null) parts.push(`input density ${pct(l.activation.inputDensity)}`);
  return parts.join(', ');
}
