import { constantIn, intAttr, type NodeRef } from '../../onnx/graph';
import { product } from '../../onnx/tensor';
import type { ChannelActivity, DensitySpread, LayerActivation, LayerReport, OpReport, Totals, ValueReport } from '../../../common/protocol';
import { channelReport, type ChannelRole } from './channel-stats';
import { spreadReport } from './sample-spread';
import type { MeasuredValue, RunResult } from './activations';
import { HISTOGRAM_THRESHOLDS } from './instrument';
import { traceConstant, type Layer } from '../layers/layers';
import { opCost } from '../cost/macs';
import { nodeAttrs, type TensorShape } from '../cost/node-attrs';

/** The value a layer multiplies its weight with: its first input that is not a constant. */
export function layerDataInput(node: NodeRef): string | undefined {
  return node.inputs.find((name) => name && !traceConstant(node, name));
}

/**
 * Where the channels of each layer input and output are: axis 1 for convolutions and Gemm (NCHW,
 * [M, K]), the last for MatMul's A ([..., M, K]). A value both feeds and leaves layers: its role
 * as a layer's data input wins (its dead channels are what pruning removes, its N:M groups what a
 * dual-sparse design skips). Layers whose data operand is not laid out so (MatMul with a constant
 * A, Gemm with transA) get none.
 */
export function channelRoles(layers: readonly Layer[]): Map<string, ChannelRole> {
  const roles = new Map<string, ChannelRole>();
  for (const l of layers) {
    const n = l.node;
    const conv = /Conv/.test(n.opType);
    const gemm = n.opType === 'Gemm';
    const input = layerDataInput(n);
    const out = n.outputs[0];
    const axis: ChannelRole['axis'] = conv || gemm ? 'second' : 'last';
    // MatMul's data operand must be A (input 0) for its last axis to be K.
    const laidOut = conv || (gemm && intAttr(n, 'transA', 0) === 0) || (!gemm && input === n.inputs[0]);
    const v = l.view;
    const count = v ? (conv ? v.channels * v.groups : v.k) : undefined;
    if (out && !roles.get(out)?.input && (conv || gemm || input === n.inputs[0])) roles.set(out, { axis, input: false });
    if (input && laidOut) roles.set(input, { axis, input: true, ...(count ? { count } : {}) });
  }
  return roles;
}

/** Layer inputs and outputs: the values whose statistics always matter. */
export function focusValues(layers: readonly Layer[]): Set<string> {
  const focus = new Set<string>();
  for (const l of layers) {
    const input = layerDataInput(l.node);
    if (input) focus.add(input);
    if (l.node.outputs[0]) focus.add(l.node.outputs[0]);
  }
  return focus;
}

export function valueReport(v: MeasuredValue): ValueReport {
  const s = v.stats;
  const per = product(v.shape);
  if (!s || s.elements === 0)
    return {
      name: v.name, producer: v.producer?.name ?? null, dtype: v.dtype, shape: v.shape, elements: per, zeros: 0, nearZeros: 0,
      density: null, min: null, max: null, mean: null, std: null, method: 'shape-only', ...(v.method === 'inferred' ? { shapeSource: 'inferred' as const } : {}),
    };
  const mean = s.sum / s.elements;
  return {
    name: v.name,
    producer: v.producer?.name ?? null,
    dtype: v.dtype,
    shape: v.shape,
    elements: per,
    zeros: s.zeros,
    nearZeros: s.nearZeros,
    density: 1 - s.zeros / s.elements,
    min: s.min,
    max: s.max,
    mean,
    std: Math.sqrt(Math.max(0, s.sumSq / s.elements - mean * mean)),
    ...(s.hist ? { histogram: { thresholds: HISTOGRAM_THRESHOLDS, ...s.hist } } : {}),
    method: v.method === 'inferred' ? 'shape-only' : v.method,
    ...spreadOf(v),
  };
}

function spreadOf(v: MeasuredValue | undefined): { spread?: DensitySpread } {
  const s = v?.stats && spreadReport(v.stats.spread);
  return s ? { spread: s } : {};
}

/** Cost of every main-graph node from the run's shapes (constants' shapes from the model). */
export function opReports(nodes: readonly NodeRef[], run: RunResult): OpReport[] {
  const shapeOf = (node: NodeRef, name: string): TensorShape | undefined => {
    if (!name) return undefined;
    const v = run.values.get(name);
    if (v) return { dims: v.shape, dtype: v.dtype };
    const t = constantIn(node.scope, name);
    return t ? { dims: t.dims, dtype: t.dtype.name } : undefined;
  };
  return nodes
    .filter((n) => n.opType !== 'Constant')
    .map((n) => {
      const cost = opCost(n.opType, n.domain, nodeAttrs(n), n.inputs.map((i) => shapeOf(n, i)), n.outputs.map((o) => shapeOf(n, o)));
      const timeMs = run.nodeTimes.get(n);
      return { name: n.name, opType: n.opType, ...cost, ...(timeMs !== undefined ? { timeMs } : {}) };
    });
}

/** Adds activation densities, MACs, bytes and time to the layer reports (same order as `layers`). */
export function withRun(reports: LayerReport[], layers: readonly Layer[], run: RunResult, ops: readonly OpReport[]): LayerReport[] {
  const opOf = new Map(ops.map((o) => [o.name, o]));
  const density = (name: string | undefined): number | null => {
    const v = name ? run.values.get(name) : undefined;
    return v?.stats && v.stats.elements ? 1 - v.stats.zeros / v.stats.elements : null;
  };
  const channels = (name: string): ChannelActivity | undefined => {
    const c = run.values.get(name)?.stats?.channels;
    return c && c.samples ? channelReport(c) : undefined;
  };
  return reports.map((r, i) => {
    const node = layers[i].node;
    if (node.scope.kind !== 'main') return r;
    const input = layerDataInput(node) ?? '';
    const output = node.outputs[0] ?? '';
    const op = opOf.get(node.name);
    const inSpread = spreadOf(run.values.get(input)).spread;
    const outSpread = spreadOf(run.values.get(output)).spread;
    const inChannels = channels(input);
    const outChannels = channels(output);
    const nm = run.values.get(input)?.stats?.nm;
    const activation: LayerActivation = {
      input, output, inputDensity: density(input), outputDensity: density(output),
      ...(inSpread ? { inputSpread: inSpread } : {}), ...(outSpread ? { outputSpread: outSpread } : {}),
      ...(inChannels ? { inputChannels: inChannels } : {}), ...(outChannels ? { outputChannels: outChannels } : {}),
      ...(nm && Object.keys(nm).length ? { nm: Object.fromEntries(Object.entries(nm).map(([p, x]) => [p, x.groups ? x.complying / x.groups : 0])) } : {}),
    };
    return {
      ...r,
      activation,
      ...(op ? { macs: op.macs, bytes: op.bytes, ...(op.timeMs !== undefined ? { timeMs: op.timeMs } : {}) } : {}),
    };
  });
}

export function runTotals(ops: readonly OpReport[], layers: readonly LayerReport[]): Pick<Totals, 'macs' | 'layerMacs' | 'timeMs'> {
  return {
    macs: ops.reduce((s, o) => s + o.macs, 0),
    layerMacs: layers.reduce((s, l) => s + (l.macs ?? 0), 0),
    timeMs: ops.reduce((s, o) => s + (o.timeMs ?? 0), 0),
  };
}
