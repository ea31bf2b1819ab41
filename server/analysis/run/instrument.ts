import { onnx } from 'onnx-proto';
import type { NearZeroRule } from '../../../common/protocol';
import type { DTypeName } from '../../onnx/dtypes';
import { patternsByM, type ChannelAxis } from './channel-stats';
import { reduceSumSpelling, type Spelled } from './probe-ops';

/**
 * Statistics of a model's intermediate values computed by onnxruntime itself: nodes that reduce
 * each value to a few scalars, so the run returns scalars instead of copying every activation
 * back. They are spliced into a copy of the model's bytes right after the node producing the
 * value (server/onnx/splice.ts), so each value can be freed as soon as its statistics are taken.
 *
 * Every op is spelled as the model's default-domain opset takes it (probe-ops.ts: ReduceSum
 * took its axes as an attribute before 13); the other reductions take no axes, valid in all.
 * Counting compares thresholds with Greater, which treats NaN as neither zero nor near-zero, the
 * same as the copied-out path. From opset 10 the mask is summed in int32 by MatMulInteger a row
 * (or a column of positions) at a time, older opsets sum it as float32; the partial sums are then
 * added as float32 (ORT's int32 reductions run at half the speed): exact below 2^24 elements per
 * value, which no ordinary activation reaches.
 *
 * The same compare gives, by where it is summed, the counts per sample (several samples stacked
 * along dim 0 in one run) and, for layer inputs and outputs, the zeros per channel: no extra pass
 * over the value. N:M groups of activations (layer inputs) take one more pass over the zero mask.
 * The magnitude histogram of a large value is taken over every stride-th element (a prime that
 * divides none of its last two dims, so the sample walks every row and column): its six
 * compares over the whole value cost more than the model's own kernels. Zero and near-zero
 * counts are always over every element.
 */
/** Decades around typical activation magnitudes; each costs one more compare pass over the value. */
export const HISTOGRAM_THRESHOLDS = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
/** Values of fewer elements (per sample) get a histogram of every element. */
export const HISTOGRAM_ALL_BELOW = 1 << 15;
const STRIDES = [13, 17, 19, 23, 29, 31, 37];
/**
 * Values of fewer elements count their mask as float32: the integer path's eight more nodes cost
 * more than they save on small values (a chain of 1,400 values of 64 floats, every value counted
 * in integers: the run 1.65 -> 2.9 s, most of it opening the session).
 */
export const INTEGER_COUNTS_FROM = 1 << 16;

/**
 * The histogram's stride for a value of these dims: 1 below HISTOGRAM_ALL_BELOW elements or when
 * the dims are unknown, else the first of a few primes that divides neither of the last two dims.
 */
export function histogramStride(dims: readonly number[] | undefined): number {
  if (!dims) return 1;
  const n = dims.reduce((a, b) => a * b, 1);
  if (n < HISTOGRAM_ALL_BELOW) return 1;
  const inner = dims.slice(-2);
  return STRIDES.find((p) => inner.every((d) => d % p !== 0)) ?? 1;
}
const PREFIX = '__onnx_sparsity__/';
const FLOAT = 1;
const UINT8 = 2;
const INT64 = 7;
const DOUBLE = 11;

/** What one probe returns: the names of its outputs. */
export interface Probe {
  readonly value: string;
  readonly dtype: DTypeName;
  readonly shape: string;
  /** Present for statistics computed in the graph. */
  readonly stats?: {
    /**
     * [rows, D] counts of |x| below each threshold, per sample of the run (D = the samples
     * stacked in it when the request was perSample, else 1): row `zeros` counts exact zeros,
     * `near` the absolute near-zero rule.
     */
    counts: string;
    rows: { zeros: number; near: number | null };
    /** [HISTOGRAM_THRESHOLDS] counts of |x| below each, over every stride-th element of the run's value. */
    hist?: { output: string; stride: number };
    /** [1] near-zero count under a relative rule (absent under an absolute one). */
    near?: string;
    min: string;
    max: string;
    sum: string;
    sumSq: string;
    /** [D, C] zeros per channel (singleton axes aside), per sample as `counts`. */
    channelZeros?: string;
    /** Per group size M: [patterns] groups of M channels with at most N nonzeros, over the whole run. */
    nm?: { output: string; m: number; patterns: string[] }[];
  };
}

export interface ProbeRequest {
  value: string;
  dtype: DTypeName;
  /** Statistics (else only the shape). */
  stats: boolean;
  /** A magnitude histogram over every stride-th element (histogramStride), or none. */
  histogram: { stride: number } | null;
  /** The run stacks samples along dim 0 and this value leads with them: counts per sample. */
  perSample: boolean;
  /** The value's rank where static inference knows it (the integer counts need it). */
  rank?: number;
  /** Its elements (one sample) where static inference knows them: small values keep the float counts. */
  elements?: number;
  /** Zeros per channel (layer inputs and outputs), and N:M groups along them for `nm` patterns. */
  channels?: { axis: ChannelAxis; count: number | null; nm: readonly string[] };
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
  const outputsOf = (p: Probe): string[] => {
    const s = p.stats;
    if (!s) return [p.shape];
    return [p.shape, s.counts, ...(s.near ? [s.near] : []), ...(s.hist ? [s.hist.output] : []), s.min, s.max, s.sum, s.sumSq, ...(s.channelZeros ? [s.channelZeros] : []), ...(s.nm ?? []).map((x) => x.output)];
  };
  return { constants: g.constants, nodes, outputs: probes.flatMap(outputsOf), probes };
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
    // Every count in one compare: thresholds as a column against |x| laid out as [samples, ...]
    // gives [K, samples, ...] (the last axis contiguous, so it vectorizes), summed over all but
    // the samples (and the channels). |x| < smallest subnormal is x == 0; |x| < next float after
    // t is |x| <= t. Fewer, larger nodes also keep session creation fast.
    const fixed = [wide ? Number.MIN_VALUE : 2 ** -149, ...(near.relative ? [] : [nextUp(near.value, wide)])];
    const rows = { zeros: 0, near: near.relative ? null : 1 };
    const ch = r.channels && (r.channels.axis === 'second' || r.channels.count !== null) ? r.channels : undefined;
    let counts: string;
    let channelZeros: string | undefined;
    let nm: NonNullable<Probe['stats']>['nm'];
    // With integer matmuls (opset 10), a compare's uint8 mask is counted by MatMulInteger against
    // ones: exact in int32 and a quarter of the bytes of a float mask's Cast and ReduceSum. Along
    // the value's own last axis where its rank is known (rows enough for onnxruntime to share
    // among its threads; a [C, S] x [S, 1] product per channel block was slower than the float
    // path), or down the positions of a channels-last layout. Older opsets, and values too small
    // to repay the integer path's extra nodes, or of unknown size, cast the mask to float.
    const integer = this.opset >= 10 && (r.elements ?? 0) >= INTEGER_COUNTS_FROM;
    if (ch) {
      // [D, C, S] for channels second, [D, P, C] for channels last: D is dim 0 (the samples when
      // stacked); channels second counted in integers, S is split as [S / W, W] (W the value's last dim).
      const second = ch.axis === 'second';
      // Summed over the positions alone (a contiguous reduction, as fast as the flat one; adding
      // the samples' axis to it ran 1.7x slower), then over the samples in a tiny second one.
      let positions: string;
      // The compare's mask ([K, D, ...]) and whether it is float32 (else uint8).
      let mask: string;
      let floatMask = false;
      if (integer && second && r.rank !== undefined && r.rank >= 3) {
        const counted = this.rowCounts(abs, [0, 0, -1], this.column(fixed, wide, 5), p);
        mask = counted.mask;
        positions = this.spelled('ReduceSum', counted.rows, reduceSumSpelling(this.opset, [3], 0), `${p}positions`);
      } else if (integer && !second) {
        // [K, D, P, C] summed down P by ones [1, P] on the left: [K, D, 1, C] (the float path's layout).
        const laid = this.node('Reshape', [abs, this.ints([0, -1, ch.count!])], `${p}laid`);
        mask = this.below(this.column(fixed, wide, 4), laid, `${p}below`, UINT8);
        const down = this.node('Concat', [this.ints([1]), this.dimsOf(laid, -2, -1, `${p}positions_length`)], `${p}positions_dims`, { axis: 0 });
        positions = this.countByOnes(mask, down, true, `${p}positions`);
      } else {
        const laid = this.node('Reshape', [abs, this.ints(second ? [0, 0, -1] : [0, -1, ch.count!])], `${p}laid`);
        mask = this.below(this.column(fixed, wide, 4), laid, `${p}below`, FLOAT);
        floatMask = true;
        positions = this.spelled('ReduceSum', mask, reduceSumSpelling(this.opset, [second ? 3 : 2], 1), `${p}positions`);
      }
      const perChannel = r.perSample ? positions : this.spelled('ReduceSum', positions, reduceSumSpelling(this.opset, [1], 1), `${p}per_channel`);
      counts = this.spelled('ReduceSum', perChannel, reduceSumSpelling(this.opset, [2, 3], 0), `${p}counts`);
      channelZeros = this.node('Gather', [perChannel, this.scalarInt(0)], `${p}channel_zeros`, { axis: 0 });
      if (ch.nm.length > 0 && ch.count !== null) {
        const zeros = this.node('Gather', [mask, this.scalarInt(0)], `${p}zero_mask${floatMask ? '' : '8'}`, { axis: 0 });
        nm = this.nmGroups(floatMask ? zeros : this.node('Cast', [zeros], `${p}zero_mask`, { to: FLOAT }), ch.count, second, ch.nm, p);
      }
    } else if (integer && r.rank !== undefined && r.rank >= 2) {
      // [D, R, W]: [K, D, R, 1] counts per row of W, then summed over the rows.
      const { rows } = this.rowCounts(abs, [r.perSample ? 0 : 1, -1], this.column(fixed, wide, 4), p);
      counts = this.spelled('ReduceSum', rows, reduceSumSpelling(this.opset, [2, 3], 0), `${p}counts`);
    } else {
      const laid = this.node('Reshape', [abs, this.ints([r.perSample ? 0 : 1, -1])], `${p}laid`);
      counts = this.spelled('ReduceSum', this.below(this.column(fixed, wide, 3), laid, `${p}below`), reduceSumSpelling(this.opset, [2], 0), `${p}counts`);
    }
    let nearCount: string | undefined;
    if (near.relative) {
      const t = this.node('Mul', [this.reduce('ReduceMax', abs, `${p}maxabs`), this.scalar(near.value, wide)], `${p}near_t`);
      const flat = this.node('Reshape', [abs, this.ints([1, -1])], `${p}flat`);
      const under = this.below(this.node('Reshape', [t, this.ints([1, 1])], `${p}near_col`), flat, `${p}near_below`);
      nearCount = this.spelled('ReduceSum', under, reduceSumSpelling(this.opset, [1], 0), `${p}near`);
    }
    let hist: NonNullable<Probe['stats']>['hist'];
    if (r.histogram) {
      const flat = this.node('Reshape', [abs, this.ints([1, -1])], `${p}hist_flat`);
      // Slice takes steps from opset 10 (probe-ops.ts): older models get every element.
      const stride = this.opset >= 10 ? r.histogram.stride : 1;
      const taken = stride > 1 ? this.node('Slice', [flat, this.ints([0]), this.ints([2 ** 62]), this.ints([1]), this.ints([stride])], `${p}hist_taken`) : flat;
      const below = this.below(this.column(HISTOGRAM_THRESHOLDS, wide, 2), taken, `${p}hist_below`);
      hist = { output: this.spelled('ReduceSum', below, reduceSumSpelling(this.opset, [1], 0), `${p}hist`), stride };
    }
    return {
      value: r.value, dtype: r.dtype, shape,
      stats: {
        counts, rows, ...(nearCount ? { near: nearCount } : {}), ...(hist ? { hist } : {}),
        min: this.reduce('ReduceMin', x, `${p}min`),
        max: this.reduce('ReduceMax', x, `${p}max`),
        sum: this.reduce('ReduceSum', x, `${p}sum`),
        sumSq: this.reduce('ReduceSumSquare', x, `${p}sumsq`),
        ...(channelZeros ? { channelZeros } : {}),
        ...(nm?.length ? { nm } : {}),
      },
    };
  }

  /**
   * N:M groups from the zero mask (row 0 of the compare): zeros per group of M channels, then one
   * compare against a column of M - N - 0.5 for every pattern of that M (zeros >= M - N is "at
   * most N nonzeros"), summed: [patterns] per M. A group size that is a multiple of a smaller
   * one sums that one's groups (8 from pairs of 4) instead of the whole mask again.
   */
  private nmGroups(mask: string, channels: number, second: boolean, patterns: readonly string[], p: string): NonNullable<Probe['stats']>['nm'] {
    const byM = patternsByM(patterns, channels);
    if (!byM.size) return undefined;
    const done: [number, string][] = [];
    return [...byM].sort((a, b) => a[0] - b[0]).map(([m, list]) => {
      // Zeros per group: [D, C/M, S] (channels second) or [D, P, C/M] (channels last).
      const [from, size] = [...done].reverse().find(([k]) => m % k === 0) ?? [1, mask];
      const split = m / from;
      const grouped = this.node('Reshape', [size, this.ints(second ? [0, channels / m, split, -1] : [0, 0, channels / m, split])], `${p}nm${m}_grouped`);
      const zeros = this.spelled('ReduceSum', grouped, reduceSumSpelling(this.opset, [second ? 2 : 3], 0), `${p}nm${m}_zeros`);
      done.push([m, zeros]);
      const row = this.node('Reshape', [zeros, this.ints([1, -1])], `${p}nm${m}_row`);
      const limits = this.column(list.map(([, n]) => m - n - 0.5), false, 2);
      const ok = this.node('Cast', [this.node('Greater', [row, limits], `${p}nm${m}_gt`)], `${p}nm${m}_f`, { to: FLOAT });
      return { output: this.spelled('ReduceSum', ok, reduceSumSpelling(this.opset, [1], 0), `${p}nm${m}`), m, patterns: list.map(([pat]) => pat) };
    });
  }

  /**
   * |x| laid out as `lead` (0 copies a dim, -1 takes the rest) and then its own last dim W, read at
   * run time; the compare's uint8 mask over it, [K, ..., W]; and the mask's counts per row of W,
   * [K, ..., 1], by ones [W, 1] shaped from that same W, so nothing rests on static shapes.
   */
  private rowCounts(abs: string, lead: number[], column: string, p: string): { mask: string; rows: string } {
    const w = this.dimsOf(abs, -1, 2 ** 62, `${p}laid_last`);
    const laid = this.node('Reshape', [abs, this.node('Concat', [this.ints(lead), w], `${p}laid_dims`, { axis: 0 })], `${p}laid`);
    const mask = this.below(column, laid, `${p}below`, UINT8);
    const rows = this.countByOnes(mask, this.node('Concat', [w, this.ints([1])], `${p}rows_dims`, { axis: 0 }), false, `${p}rows`);
    return { mask, rows };
  }

  /** `value`'s dims from `start` to `end` (a 1-D int64 tensor), read at run time. */
  private dimsOf(value: string, start: number, end: number, output: string): string {
    return this.node('Slice', [this.node('Shape', [value], `${output}_shape`), this.ints([start]), this.ints([end])], output);
  }

  /**
   * A uint8 mask summed by MatMulInteger against uint8 ones of the shape `dims` (an int64 tensor
   * computed in the graph): [W, 1] on the right sums its last axis, [1, P] on the left (`onesLeft`)
   * its second to last; the axis is kept (size 1). int32 sums, cast to float32 as the rest of the
   * probe reads them. The left form is one row a product, yet faster than casting the mask to
   * float and summing it (40 values of [1, 128, 2048], [1, 2048, 512], [1, 16, 4096]: 0.73-0.83x
   * the float path's run).
   */
  private countByOnes(mask: string, dims: string, onesLeft: boolean, output: string): string {
    const ones = `${output}_ones`;
    this.nodes.push({ opType: 'ConstantOfShape', input: [dims], output: [ones], name: ones, attribute: [{ name: 'value', type: T.TENSOR, t: { dataType: UINT8, dims: [1], rawData: new Uint8Array([1]) } }] });
    const sums = this.node('MatMulInteger', onesLeft ? [ones, mask] : [mask, ones], `${output}_i32`);
    return this.node('Cast', [sums], output, { to: FLOAT });
  }

  /** 1 where `column` (thresholds) is above the laid-out |x|, as float32 or (integer counts) uint8. */
  private below(column: string, laid: string, output: string, to: typeof FLOAT | typeof UINT8 = FLOAT): string {
    return this.node('Cast', [this.node('Greater', [column, laid], `${output}_gt`)], output, { to });
  }

  /** An op in the form the model's opset takes (probe-ops.ts). */
  private spelled(opType: string, input: string, s: Spelled, output: string): string {
    return this.node(opType, [input, ...s.inputs.map((i) => this.ints(i.ints))], output, s.attributes);
  }

  /** A reduction over all axes to a scalar (no axes given: valid in every opset). */
  private reduce(op: string, input: string, output: string): string {
    return this.node(op, [input], output, { keepdims: 0 });
  }

  private node(opType: string, input: string[], output: string, attrs: Record<string, number | number[]> = {}): string {
    this.nodes.push({
      opType, input, output: [output], name: output,
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

  /** Values as a column of `rank` dims, [K, 1, ...]: it broadcasts against a value laid out in rank - 1 dims. */
  private column(v: number[], wide: boolean, rank: number): string {
    const dims = [v.length, ...Array.from({ length: rank - 1 }, () => 1)];
    return this.constant(`c${wide}${rank}:${v.join(',')}`, wide ? { dataType: DOUBLE, dims, doubleData: v } : { dataType: FLOAT, dims, floatData: v });
  }

  private ints(v: number[]): string {
    return this.constant(`i${v.join(',')}`, { dataType: INT64, dims: [v.length], int64Data: v });
  }

  private scalarInt(v: number): string {
    return this.constant(`si${v}`, { dataType: INT64, dims: [], int64Data: [v] });
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
