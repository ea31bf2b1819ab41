import { AnalysisError } from '../../errors';
import type { LoadedModel } from '../../onnx/load';
import type { MeasuredValue, RunResult } from './activations';

/**
 * A RunResult as it crosses from the child that ran the model to the parent that reports it:
 * nodes by their index in the model's node list (both sides parsed the same file), everything
 * else as it is.
 */
export interface WireRunResult {
  report: RunResult['report'];
  values: (Omit<MeasuredValue, 'producer'> & { producer: number | null })[];
  nodeTimes: [number, number][];
  warnings: string[];
  /** Node count and the last node's name, to tell that both sides read the same graph. */
  graph: { nodes: number; last: string };
}

export function toWire(model: LoadedModel, r: RunResult): WireRunResult {
  const index = new Map(model.nodes.map((n, i) => [n, i]));
  return {
    report: r.report,
    values: [...r.values.values()].map((v) => ({ ...v, producer: v.producer ? index.get(v.producer)! : null })),
    nodeTimes: [...r.nodeTimes].map(([n, ms]) => [index.get(n)!, ms]),
    warnings: r.warnings,
    graph: graphStamp(model),
  };
}

export function fromWire(model: LoadedModel, w: WireRunResult): RunResult {
  const stamp = graphStamp(model);
  if (stamp.nodes !== w.graph.nodes || stamp.last !== w.graph.last)
    throw new AnalysisError('the model changed on disk while it was being analysed; analyse it again', { file: model.path });
  return {
    report: w.report,
    values: new Map(w.values.map((v) => [v.name, { ...v, producer: v.producer === null ? null : model.nodes[v.producer] }])),
    nodeTimes: new Map(w.nodeTimes.map(([i, ms]) => [model.nodes[i], ms])),
    warnings: w.warnings,
  };
}

function graphStamp(model: LoadedModel): WireRunResult['graph'] {
  return { nodes: model.nodes.length, last: model.nodes.at(-1)?.name ?? '' };
}
