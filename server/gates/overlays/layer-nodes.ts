import type { LayerReport, Report } from '../../../common/protocol';
import type { NodeRef } from '../../onnx/graph';
import type { LoadedModel } from '../../onnx/load';

/** A layer of the main graph with the node it is, for tools that address nodes. */
export interface LayerNode {
  layer: LayerReport;
  node: NodeRef;
  /** Position among the main graph's nodes. */
  index: number;
  /** NodeProto.name; empty when the node has none. */
  protoName: string;
  /** The id Google's Model Explorer gives the node (see modelExplorerIds). */
  explorerId: string;
}

/**
 * The report's main-graph layers paired with their nodes, in graph order. A layer's name is its
 * node's name (or `${opType}_${index}` for an unnamed node); duplicate names are paired in order.
 * Layers in subgraphs and functions are counted in `elsewhere`: the overlays address the main graph.
 */
export function layerNodes(model: LoadedModel, report: Report): { nodes: LayerNode[]; elsewhere: number } {
  const main = model.scopes[0];
  const queues = new Map<string, LayerReport[]>();
  let elsewhere = 0;
  for (const l of report.layers) {
    if (l.graph !== main.path) {
      elsewhere++;
      continue;
    }
    const q = queues.get(l.name) ?? [];
    q.push(l);
    queues.set(l.name, q);
  }
  const ids = modelExplorerIds(main.nodes);
  const nodes: LayerNode[] = [];
  main.nodes.forEach((node, index) => {
    const layer = queues.get(node.name)?.shift();
    if (layer) nodes.push({ layer, node, index, protoName: node.proto.name ?? '', explorerId: ids[index] });
  });
  return { nodes, elsewhere };
}

/**
 * Model Explorer's ONNX adapter names an op node by NodeProto.name after onnx_ir's NameFixPass:
 * an unnamed node becomes "node", then "node_1", "node_2"...; the second and later nodes of a
 * duplicate name X become "X_1", "X_2"...; the first keeps X. Emulated here over the main graph in
 * order (the pass's counter also spans subgraphs, so with unnamed nodes inside an If or Loop the
 * suffixes can differ).
 */
export function modelExplorerIds(nodes: readonly NodeRef[]): string[] {
  const used = new Set<string>();
  const next = new Map<string, number>();
  return nodes.map((n) => {
    const base = n.proto.name || 'node';
    let id = base;
    if (used.has(id)) {
      let k = next.get(base) ?? 1;
      while (used.has(`${base}_${k}`)) k++;
      id = `${base}_${k}`;
      next.set(base, k + 1);
    }
    used.add(id);
    return id;
  });
}
