import { onnx } from 'onnx-proto';
import type { NearZeroRule } from '../../../common/protocol';
import type { DTypeName } from '../../onnx/dtypes';
import { reduceSumSpelling, sliceSpelling, type Spelled } from './probe-ops';

/**
 * Statistics of a model's intermediate values computed by onnxruntime itself: nodes that reduce
 * each value to a few scalars, so the run returns scalars instead of copying every activation
 * back. They are spliced into a copy of the model's bytes right after the node producing the
 * value (server/onnx/splice.ts), so each value can be freed as soon as its statistics are taken.
 *
 * Every op is spelled as the model's default-domain opset takes it (probe-ops.ts: Slice and
 * ReduceSum changed attributes into inputs); the other reductions take no axes, valid in all.
 * Counting is done with Less against thresholds, which treats NaN as neither zero nor near-zero,
 * the same as the copied-out path. Counts are summed as float32 (ORT's int32 reductions run at
 * half the speed): exact below 2^24 elements per value, which no ordinary activation reaches.
 */
/** Decades around typical activation magnitudes; each costs one more compare pass over the value. */
export const HISTOGRAM_THRESHOLDS = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
const PREFIX = '__onnx_sparsity__/';
const FLOAT = 1;
const INT64 = 7;
const DOUBLE = 11;

/** What one probe returns: output names of its scalars. */
export interface Probe {
  readonly value: string;
  readonly dtype: DTypeName;
  readonly shape: string;
  /** Present for statistics computed in the graph. */
  readonly stats?: { zeros: string; near: string; min: string; max: string; sum: string; sumSq: string; histBelow?: string };
}

export interface ProbeRequest {
  value: string;
  dtype: DTypeName;
  /** Statistics (else only the shape). */
  stats: boolean;
  histogram: boolean;
}

/** Dtypes reduced in the graph; others are copied out and folded in JS. */
export function inGraphDtype(d: DTypeName): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

export interface ProbePlan {
  /** Shared constants (thresholds, shapes), placed first. */
  constants: onnx.INodeProto[];
  /** The nodes measuring each value, by value name, to place right after its producer. */
  nodes: Map<string, onnx.INodeProto[]>;
  /** Every probe output, in value order. */
  outputs: string[];
  probes: Probe[];
}

/** The nodes and outputs measuring each requested value. */
export function planProbes(requests: readonly ProbeRequest[], near: NearZeroRule, opset: number): ProbePlan {
  const g = new NodeSink(opset);
  const nodes = new Map<string, onnx.INodeProto[]>();
  const probes = requests.map((r, i) => {
    const from = g.nodes.length;
    const p = g.probe(r, i, near);
    nodes.set(r.value, [...(nodes.get(r.value) ?? []), ...g.nodes.slice(from)]);
    return p;
  });
  return { constants: g.constants, nodes, outputs: probes.flatMap((p) => [p.shape, ...Object.values(p.stats ?? {})]), probes };
}

const T = onnx.AttributeProto.AttributeType;

class NodeSink {
  readonly nodes: onnx.INodeProto[] = [];
  readonly constants: onnx.INodeProto[] = [];
  private readonly constantNames = new Map<string, string>();

  constructor(private readonly opset: number) {}

  probe(r: ProbeRequest, i: number, near: NearZeroRule): Probe {
    const p = `${PREFIX}${i}/`;
    const shape = this.node('Shape', [r.value], `${p}shape`);
    if (!r.stats) return { value: r.value, dtype: r.dtype, shape };
    const wide = r.dtype === 'float64';
    const x = wide || r.dtype === 'float32' ? r.value : this.node('Cast', [r.value], `${p}f32`, { to: FLOAT });
    const abs = this.node('Abs', [x], `${p}abs`);
    // Every count in one compare: thresholds as a column [K, 1] against |x| as a row [N] gives
    // [K, N] (N contiguous, so it vectorizes), summed along N. |x| < smallest subnormal is x == 0;
    // |x| < next float after t is |x| <= t. Fewer, larger nodes also keep session creation fast.
    const fixed = [wide ? Number.MIN_VALUE : 2 ** -149, ...(near.relative ? [] : [nextUp(near.value, wide)]), ...(r.histogram ? HISTOGRAM_THRESHOLDS : [])];
    const row = this.node('Reshape', [abs, this.ints([-1])], `${p}row`);
    const counts = this.countBelow(row, this.column(fixed, wide), `${p}counts`);
    const at = (k: number): string => this.node('Gather', [counts, this.ints([k])], `${p}c${k}`, { axis: 0 });
    let nearCount: string;
    if (near.relative) {
      const t = this.node('Mul', [this.reduce('ReduceMax', abs, `${p}maxabs`), this.scalar(near.value, wide)], `${p}near_t`);
      nearCount = this.countBelow(row, this.node('Reshape', [t, this.ints([1, 1])], `${p}near_col`), `${p}near`);
    } else nearCount = at(1);
    const first = near.relative ? 1 : 2;
    return {
      value: r.value, dtype: r.dtype, shape,
      stats: {
        zeros: at(0),
        near: nearCount,
        min: this.reduce('ReduceMin', x, `${p}min`),
        max: this.reduce('ReduceMax', x, `${p}max`),
        sum: this.reduce('ReduceSum', x, `${p}sum`),
        sumSq: this.reduce('ReduceSumSquare', x, `${p}sumsq`),
        ...(r.histogram ? { histBelow: this.spelled('Slice', counts, sliceSpelling(this.opset, first, first + HISTOGRAM_THRESHOLDS.length, 0), `${p}hist`) } : {}),
      },
    };
  }

  /** For a [K, 1] column of thresholds and a row of |x|: how many |x| are below each, as float32 [K]. */
  private countBelow(row: string, column: string, output: string): string {
    const below = this.node('Cast', [this.node('Greater', [column, row], `${output}_gt`)], `${output}_f`, { to: FLOAT });
    return this.spelled('ReduceSum', below, reduceSumSpelling(this.opset, [1], 0), output);
  }

  /** An op in the form the model's opset takes (probe-ops.ts). */
  private spelled(opType: string, input: string, s: Spelled, output: string): string {
    return this.node(opType, [input, ...s.inputs.map((i) => this.ints(i.ints))], output, s.attributes);
  }

  /** A reduction over all axes to a scalar (no axes given: valid in every opset). */
  private reduce(op: string, input: string, output: string): string {
    return this.node(op, [input], output, { keepdims: 0 });
  }

  private node(opType: string, input: string[], output: string, attrs: Record<string, number | number[]> = {}, extraInputs: string[] = []): string {
    this.nodes.push({
      opType, input: [...input, ...extraInputs], output: [output], name: output,
      attribute: Object.entries(attrs).map(([name, v]) => (Array.isArray(v) ? { name, type: T.INTS, ints: v } : { name, type: T.INT, i: v })),
    });
    return output;
  }

  private constant(key: string, t: onnx.ITensorProto): string {
    let name = this.constantNames.get(key);
    if (!name) {
      name = `${PREFIX}const/${this.constantNames.size}`;
      this.constantNames.set(key, name);
      this.constants.push({ opType: 'Constant', output: [name], name, attribute: [{ name: 'value', type: T.TENSOR, t }] });
    }
    return name;
  }

  private scalar(v: number, wide: boolean): string {
    return this.constant(`s${wide}${v}`, wide ? { dataType: DOUBLE, dims: [], doubleData: [v] } : { dataType: FLOAT, dims: [], floatData: [v] });
  }

  private column(v: number[], wide: boolean): string {
    return this.constant(`c${wide}${v.join(',')}`, wide ? { dataType: DOUBLE, dims: [v.length, 1], doubleData: v } : { dataType: FLOAT, dims: [v.length, 1], floatData: v });
  }

  private ints(v: number[]): string {
    return this.constant(`i${v.join(',')}`, { dataType: INT64, dims: [v.length], int64Data: v });
  }
}

/** The next representable value above t (float32 unless wide), so "< result" means "<= t". */
export function nextUp(t: number, wide: boolean): number {
  if (wide) {
    const f = new Float64Array([t]);
    const u = new BigUint64Array(f.buffer);
    u[0] += t >= 0 ? 1n : -1n;
    return t === 0 ? Number.MIN_VALUE : f[0];
  }
  const f = new Float32Array([t]);
  if (f[0] > t) return f[0];
  const u = new Uint32Array(f.buffer);
  if (t === 0) return 2 ** -149;
  u[0] += 1;
  return f[0];
}
