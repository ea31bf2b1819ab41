import { dtypeByName, rawByteLength } from '../../onnx/dtypes';
import type { NodeRef } from '../../onnx/graph';
import { product } from '../../onnx/tensor';
import { inferredBytes } from '../cost/static-costs';
import { foldTensor, type RunKit } from './run-kit';
import { ortDtype } from './session';

interface Candidate {
  name: string;
  producer: NodeRef;
}

/** A value of unknown size is counted as this many bytes when packing batches; the memory watchdog covers the rest. */
const UNKNOWN_BYTES = 1 << 20;

/**
 * Values exposed as extra graph outputs, in batches whose bytes (static shapes) fit the memory
 * budget, folded here and dropped. Used for what the graph cannot reduce, and for every value
 * when there are too many for probes. With `profiled`, the first batch's session is profiled and
 * its run gives the per-node times (no plain session: one session less to open on a huge graph).
 */
export async function copyOut(kit: RunKit, values: readonly Candidate[], o: { profiled: boolean; from?: number }): Promise<Map<NodeRef, number>> {
  const { report, ctx } = kit;
  const batches = planBatches(kit, values);
  report.batches += batches.length;
  const from = o.from ?? 0.1;
  let nodeTimes = new Map<NodeRef, number>();
  for (const [b, batch] of batches.entries()) {
    const profiled = o.profiled && b === 0;
    const s = await kit.session({ constants: [], nodes: new Map(), outputs: batch.map((v) => v.name) }, { profiled });
    try {
      // Copied tensors are folded sample by sample: one sample per run.
      const span = ((1 - from) * 0.95) / batches.length;
      for await (const run of kit.runs(1, from + span * b, from + span * (b + 1), (k, n) => `copying out batch ${b + 1} of ${batches.length}, sample ${k} of ${n}`)) {
        const t0 = performance.now();
        const out = await kit.run(s.session, run.feeds);
        if (profiled && run.from === 0) report.copiedRunMs = performance.now() - t0;
        for (const c of batch) {
          const t = out[c.name];
          if (!t) continue;
          const v = kit.values.get(c.name) ?? { name: c.name, producer: c.producer, dtype: ortDtype(t.type), shape: [], method: 'copied' as const };
          kit.values.set(c.name, v);
          foldTensor(kit, v, t, 'copied');
        }
      }
      if (profiled) nodeTimes = await kit.profile(s);
    } finally {
      await kit.done(s);
    }
    if (ctx.signal?.aborted) break;
  }
  return nodeTimes;
}

/** A value's bytes: from the run's own shape when probes gave it, else from static inference. */
function valueBytes(kit: RunKit, name: string): number {
  const seen = kit.values.get(name);
  if (seen?.shape.length || (seen && seen.method === 'in-graph')) return rawByteLength(dtypeByName(seen.dtype), product(seen.shape));
  return inferredBytes(kit.inferred.values.get(name)) ?? UNKNOWN_BYTES;
}

/** Groups values into batches within the budget; a value alone over it is skipped and reported. */
function planBatches(kit: RunKit, values: readonly Candidate[]): Candidate[][] {
  const budget = kit.ctx.options.memoryBudget;
  const batches: Candidate[][] = [];
  let current: Candidate[] = [];
  let used = 0;
  for (const c of values) {
    const bytes = valueBytes(kit, c.name);
    if (bytes > budget) {
      kit.warnings.push(`value '${c.name}' (${bytes} bytes) is larger than the memory budget (${budget} bytes); its statistics were not copied out`);
      continue;
    }
    if (used + bytes > budget && current.length) {
      batches.push(current);
      current = [];
      used = 0;
    }
    current.push(c);
    used += bytes;
  }
  if (current.length) batches.push(current);
  return batches;
}
