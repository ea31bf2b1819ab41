import { onnx } from 'onnx-proto';
import type { Report } from '../../../common/protocol';
import type { LoadedModel } from '../../onnx/load';
import { delimited, fields } from '../../onnx/splice';
import { layerSummary } from './netron';
import type { LayerNode } from './layer-nodes';
import type { LayerMetric } from './metrics';

/** Field numbers of onnx.proto (onnx/onnx.in.proto). */
const MODEL_GRAPH = 7;
const MODEL_METADATA = 14;
const GRAPH_NODE = 1;
const NODE_DOC = 6;
/** NodeProto.metadata_props, from IR 10 on; onnx-proto's 1.10 schema lacks it, so it is written by hand. */
const NODE_METADATA = 9;

/** Every key we write starts so; annotating an annotated copy replaces them instead of adding twice. */
export const KEY_PREFIX = 'onnx_sparsity.';
/** Our line in a node's doc_string. */
const DOC_PREFIX = 'onnx-sparsity: ';

/**
 * A copy of the model whose main-graph layer nodes carry their figures: metadata_props
 * `onnx_sparsity.<metric>` (Netron lists them under the node's "Metadata"; Model Explorer's
 * adapter reads node metadata too) and a line appended to doc_string (Netron's "description";
 * exporters keep stack traces there, so it is appended, not replaced), and the model the totals.
 * Every other byte is copied as it is, fields onnx-proto does not know included, so the copy runs
 * exactly like the model. Never written over the model: the caller writes it to a new file.
 */
export function annotatedCopy(model: LoadedModel, report: Report, nodes: readonly LayerNode[], metrics: readonly LayerMetric[]): Uint8Array {
  const byIndex = new Map(nodes.map((n) => [n.index, n]));
  const docs = model.proto.graph?.node ?? [];
  const parts: Uint8Array[] = [];
  for (const f of fields(model.buffer)) {
    if (f.field === MODEL_GRAPH && f.wire === 2) parts.push(...delimited(MODEL_GRAPH, Buffer.concat(annotateGraph(f.payload, byIndex, docs, report, metrics))));
    else if (!(f.field === MODEL_METADATA && f.wire === 2 && isOurs(f.payload))) parts.push(f.whole);
  }
  const t = report.totals;
  const model_ = {
    weight_sparsity: String(t.sparsity),
    layer_weight_sparsity: String(t.layerWeights.sparsity),
    report: JSON.stringify({ tool: report.tool, params: t.params, zeros: t.zeros, layers: report.layers.length, createdAt: report.createdAt }),
  };
  for (const [k, v] of Object.entries(model_)) parts.push(...entry(MODEL_METADATA, k, v));
  return Buffer.concat(parts);
}

function annotateGraph(graph: Uint8Array, byIndex: ReadonlyMap<number, LayerNode>, docs: readonly onnx.INodeProto[], report: Report, metrics: readonly LayerMetric[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let index = 0;
  for (const f of fields(graph)) {
    const n = f.field === GRAPH_NODE && f.wire === 2 ? byIndex.get(index) : undefined;
    if (f.field === GRAPH_NODE) index++;
    if (!n) {
      parts.push(f.whole);
      continue;
    }
    const body: Uint8Array[] = [];
    for (const g of fields(f.payload)) {
      if (g.field === NODE_DOC || (g.field === NODE_METADATA && g.wire === 2 && isOurs(g.payload))) continue;
      body.push(g.whole);
    }
    const summary = layerSummary(n.layer, report);
    const kept = (docs[n.index]?.docString ?? '').split('\n').filter((line) => line && !line.startsWith(DOC_PREFIX));
    body.push(...delimited(NODE_DOC, Buffer.from([...kept, `${DOC_PREFIX}${summary}`].join('\n'), 'utf8')));
    body.push(...entry(NODE_METADATA, 'summary', summary));
    for (const m of metrics) {
      const v = m.value(n.layer);
      if (v !== null && Number.isFinite(v)) body.push(...entry(NODE_METADATA, m.key, String(Number(v.toPrecision(6)))));
    }
    parts.push(...delimited(GRAPH_NODE, Buffer.concat(body)));
  }
  return parts;
}

function entry(field: number, key: string, value: string): Uint8Array[] {
  return delimited(field, onnx.StringStringEntryProto.encode({ key: KEY_PREFIX + key, value }).finish());
}

function isOurs(payload: Uint8Array): boolean {
  try {
    return (onnx.StringStringEntryProto.decode(payload).key ?? '').startsWith(KEY_PREFIX);
  } catch {
    // Not an entry we can read: keep it as it is.
    return false;
  }
}
