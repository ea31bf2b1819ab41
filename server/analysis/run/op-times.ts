import type { NodeRef } from '../../onnx/graph';
import type { ProfileEvent } from './profile-events';

export interface OpTimes {
  /** Measured kernel time per node of the main graph, ms. */
  byNode: Map<NodeRef, number>;
  /** Kernels of ops onnxruntime inserted itself (layout reorders, casts), ms. */
  runtimeMs: number;
  /** Wall time of the profiled run, ms. */
  runMs: number;
}

const KERNEL = '_kernel_time';

/**
 * Per-node kernel time of the last profiled run. onnxruntime renames nodes it rewrites (e.g.
 * "<output>_nchwc" for NCHWc convolutions, fused nodes keep the first node's name), so a kernel is
 * matched to our node by name, by name without a rewrite suffix, or by the name of its output.
 */
export function opTimes(events: readonly ProfileEvent[], nodes: readonly NodeRef[]): OpTimes {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const last = runs[runs.length - 1];
  const inLast = (e: ProfileEvent): boolean => !last || (e.ts >= last.ts && e.ts <= last.ts + last.dur);
  const byName = new Map<string, NodeRef>();
  for (const n of nodes) byName.set(n.name, n);
  for (const n of nodes) for (const o of n.outputs) if (o && !byName.has(o)) byName.set(o, n);
  const byNode = new Map<NodeRef, number>();
  let runtimeMs = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith(KERNEL) || !inLast(e)) continue;
    const base = e.name.slice(0, -KERNEL.length);
    const named = byName.get(base) ?? byName.get(base.replace(/_(nchwc|token_\d+)$/, ''));
    const node = named && fusedHead(named, e.args?.op_name);
    const ms = e.dur / 1000;
    if (node) byNode.set(node, (byNode.get(node) ?? 0) + ms);
    else runtimeMs += ms;
  }
  return { byNode, runtimeMs, runMs: last ? last.dur / 1000 : 0 };
}

/** ORT's fused kernels and the op they start from. */
const FUSED: Record<string, string> = { FusedConv: 'Conv', FusedGemm: 'Gemm', FusedMatMul: 'MatMul', NchwcConv: 'Conv' };

/**
 * A fused kernel (Conv+BatchNormalization+Relu...) is named after the last node it absorbed; its
 * time belongs to the op it runs, so walk back along first inputs to the node of that op type.
 */
function fusedHead(node: NodeRef, opName: string | undefined): NodeRef {
  const want = opName ? FUSED[opName] ?? opName : undefined;
  if (!want || node.opType === want) return node;
  let n: NodeRef | undefined = node;
  for (let hops = 0; n && hops < 4; hops++) {
    n = n.inputs[0] ? n.scope.producers.get(n.inputs[0]) : undefined;
    if (n?.opType === want) return n;
  }
  return node;
}
