/**
 * The Report and the requests that produce it: the contract between engine, CLI, language server,
 * VS Code client and webview. Stable fields are listed in ../shared/DESIGN.md; add fields freely,
 * rename or remove only with a schemaVersion bump. Sparsities and densities are fractions in
 * [0, 1], times are milliseconds, sizes are bytes.
 */

export const SCHEMA_VERSION = 1;

/** Names a weight across graphs: two subgraphs may each hold a "W". */
export function weightKey(graph: string, name: string): string {
  return `${graph}\u0000${name}`;
}

/** The weightKey of a layer's weight; a report from before weightGraph falls back to the layer's graph. */
export function layerWeightKey(l: { graph: string; weight: string | null; weightGraph?: string | null }): string | null {
  return l.weight === null ? null : weightKey(l.weightGraph ?? l.graph, l.weight);
}

/** Every ONNX TensorProto.DataType by the name reports use (server/onnx/dtypes.ts has the table). */
export type DTypeName =
  | 'float32' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'int64' | 'string' | 'bool'
  | 'float16' | 'float64' | 'uint32' | 'uint64' | 'complex64' | 'complex128' | 'bfloat16'
  | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz' | 'uint4' | 'int4' | 'float4e2m1';
export type WeightLocation = 'initializer' | 'constant' | 'subgraph' | 'function';

/** Near-zero: |x| <= value (absolute), or <= value x max|x| of the tensor when relative. */
export interface NearZeroRule {
  value: number;
  relative: boolean;
}

export interface AnalysisOptions {
  nearZero: NearZeroRule;
  /** N:M patterns, e.g. "2:4". */
  nm: string[];
  /** Block shapes rows x cols on the GEMM view, e.g. "4x4". */
  blocks: string[];
}

export const DEFAULT_OPTIONS: AnalysisOptions = {
  nearZero: { value: 1e-6, relative: false },
  nm: ['2:4', '1:4', '4:8'],
  blocks: ['1x4', '4x1', '4x4', '8x8', '16x16', '32x32'],
};

export interface Report {
  schemaVersion: number;
  tool: { name: 'onnx-sparsity'; version: string };
  createdAt: string;
  options: AnalysisOptions;
  model: ModelInfo;
  weights: WeightReport[];
  layers: LayerReport[];
  totals: Totals;
  /** Speedup estimates per accelerator and scenario. */
  estimates: Estimate[];
  /** How the model ran, when it was run (absent with --no-run). */
  run?: RunReport;
  /** Intermediate values of the main graph as the run saw them. */
  values?: ValueReport[];
  /** Every node of the main graph with its cost from the run's shapes. */
  ops?: OpReport[];
  /** Per-node MACs and bytes from static shape inference, when the model did not run: the estimates use them. */
  inferred?: InferredCosts;
  /** This model's measured latency on this machine (from `bench`, cached per model and machine). */
  bench?: BenchReport;
  /** This machine's measured sparse/dense crossover (from `crossover`, cached per machine). */
  crossover?: CrossoverReport;
  /** Per-layer verdicts, ranked actions and a pruning plan (server/advise; absent without estimates). */
  advice?: Advice;
  warnings: string[];
  /** Milliseconds per stage: reading the model, the weight pass, the run, the estimates, the advisor (its magnitude pass included), all of it. */
  timings: { loadMs: number; weightsMs: number; runMs?: number; estimateMs?: number; adviceMs?: number; totalMs: number };
}

export interface RunOptions {
  /** Execution provider: cpu, cuda, webgpu... */
  ep: string;
  /** Fail instead of falling back to CPU when the provider cannot start. */
  strictEp: boolean;
  threads: number;
  /** Sizes for symbolic input dims, by dim name. */
  dims: Record<string, number>;
  /** Whole shapes by input name: for dims the model leaves unnamed. */
  shapes: Record<string, number[]>;
  /** Sizes named for dims or inputs the model does not have are an error (the CLI), not ignored (shared editor settings). */
  strictSizes: boolean;
  /** Integer inputs are drawn from [lo, hi]. */
  intRange: [number, number];
  samples: number;
  seed: number;
  /**
   * The user's input files or folders (test_data_set_*, .pb, .npy, .npz, images, WAV audio, token
   * ids in .json); generated data when empty.
   */
  inputs: string[];
  /** With `inputs`: run at most this many of the samples they hold (0: all). */
  maxSamples: number;
  /** How images and audio become the model's input; each field given overrides the preset's. */
  preprocess: Preprocess;
  /**
   * Bytes of intermediate values held at once: copied-out batches, stacked samples, and in-graph
   * probes, which past it free each value once measured; also bounds generated inputs.
   */
  memoryBudget: number;
  /** Statistics for every value, or only for layer inputs and outputs. */
  level: 'all' | 'layers';
  /** The run (every session and sample together) is stopped past this many seconds. */
  timeoutSeconds: number;
  /** The run's process is stopped past this many resident bytes; 0 sizes it from the model and the budget. */
  memoryLimit: number;
}

export const DEFAULT_RUN: RunOptions = {
  ep: 'cpu', strictEp: false, threads: 0, dims: {}, shapes: {}, strictSizes: false, intRange: [0, 1000], samples: 1, seed: 1, inputs: [],
  maxSamples: 0, preprocess: {}, memoryBudget: 1 << 30, level: 'all', timeoutSeconds: 300, memoryLimit: 0,
};

/**
 * Images and audio to tensors (server/inputs/preprocess.ts). A preset names a convention (scale,
 * mean, std, channel order); any field given here overrides it. What is left open is picked from
 * the input's shape: layout NCHW or NHWC, size H x W.
 */
export interface Preprocess {
  /** 'imagenet' (default), '0-1', '-1-1', 'raw' (0-255 as is); see PRESETS in server/inputs/preprocess.ts. */
  preset?: string;
  /** Pixel values (0-255) are multiplied by this before mean and std: 1/255 for 0-1. */
  scale?: number;
  /** Per channel (one value for all), in the scaled units, in the model's channel order. */
  mean?: number[];
  std?: number[];
  channels?: 'rgb' | 'bgr';
  layout?: 'nchw' | 'nhwc';
  /** Height, width; default the input's fixed dims, else the sizes given for its dims, else the first image's. */
  size?: [number, number];
  /** stretch: to H x W whatever the aspect; crop: cover H x W, then the centre; pad: fit inside, zero-padded. */
  resize?: 'stretch' | 'crop' | 'pad';
  /** Audio is resampled to this rate (Hz) and mixed to mono. */
  sampleRate?: number;
}

/** Speedup-estimate scenarios when none are asked for (server/estimate/scenarios.ts parses them). */
export const DEFAULT_SCENARIOS = ['as-is', 'pruned-2:4', 'pruned-90%'];

/**
 * Speedup-estimate targets (chip + runtime) when none are asked for; `all` and `default` also
 * select, and `this-machine` is added when the run measured it (server/estimate/targets.ts).
 */
export const DEFAULT_TARGETS = [
  'a100+tensorrt', 'a100+pytorch', 'h100+tensorrt', 'h100+pytorch', 'h100+vllm', 'h100+onnxruntime', 'h200+tensorrt',
  'b200+tensorrt', 'mi300x+hipsparselt', 'rtx4090+tensorrt', 'xeon-spr+sparselib', 'ryzen-7950x+deepsparse', 'm4-ane+coreml',
];

/**
 * The pair of targets the headline and the action list speak for when the user names none: a
 * datacenter GPU runtime with 2:4 kernels, and the machine the model ran on (measured) or, with no
 * run, a CPU runtime with sparse kernels.
 */
export const DEFAULT_FOCUS = ['h100+tensorrt', 'this-machine'];
export const DEFAULT_FOCUS_NO_RUN = ['h100+tensorrt', 'xeon-spr+sparselib'];

/** The pruning plan's default budget: the share of the layers' L1 magnitude it must keep. */
export const DEFAULT_KEEP = 0.9;

export interface RunReport {
  ok: boolean;
  /** Why the run failed; the weight analysis is reported all the same. */
  error?: string;
  requestedEp: string;
  ep: string;
  /** Why the requested provider was not used. */
  fallback?: string;
  threads: number;
  samples: number;
  level: RunOptions['level'];
  inputs: { name: string; dtype: string; shape: number[]; source: string }[];
  /** What the inputs were: every activation figure rests on them (absent in reports from before). */
  sampleSource?: SampleSource;
  /** Samples per instrumented run: several where the model's batch dim allows stacking them. */
  batch?: number;
  /** The model's inputs as declared: a dim is a size, a symbolic name, or null (unnamed): what an editor can ask sizes for. */
  declaredInputs?: { name: string; dims: (number | string | null)[] }[];
  /** When the run failed for want of input sizes: every dim without one, with a guess. */
  missingSizes?: { input: string; dim: number; name: string | null; rank: number; guess: number; inputShape: number[] }[];
  ortVersion: string;
  /** Latency of one plain inference: the fastest of up to three warm runs (within a second), ms. */
  plainMs?: number;
  /** The profiled plain run as ORT timed it, and the kernels ORT inserted itself (reorders), ms. */
  profiledRunMs?: number;
  runtimeInsertedMs?: number;
  /** Fastest instrumented run (statistics in the graph), ms per sample (a run stacking samples counts its time over them). */
  instrumentedMs?: number;
  /**
   * Instrumented runs it is the fastest of. With one (one sample, or all stacked in one run) it
   * is the session's first run, which pays onnxruntime's first allocations (PP-OCRv4 det at
   * 640x640: 1.5-2.5x a warm run).
   */
  instrumentedRuns?: number;
  /**
   * How values were measured: probes spliced into the graph (few values), or every value copied
   * out (many values: then there is no separate plain run, and per-op times come from that run).
   */
  strategy?: 'probes' | 'copy-out';
  /** With copy-out: the first sample's run with its batch of values as outputs, ms. */
  copiedRunMs?: number;
  /** Peak resident memory of the process the run happened in (onnxruntime's included), MiB. */
  peakRssMiB?: number;
  /** Runs that copied values out within the memory budget. */
  batches: number;
}

/** Where a run's samples came from, in words a report can show as they are. */
export interface SampleSource {
  /** generated: seeded random data (a figure measured on it is not a property of the model). */
  kind: 'generated' | 'files';
  /** Samples found, and how many of them ran (--samples caps a folder). */
  found: number;
  used: number;
  /** By kind of file: images, audio clips, token files, tensor files (.pb, .npy, .npz, test_data_set_*). */
  counts: { images: number; audio: number; tokens: number; tensors: number };
  /** "3 images (PNG)", "generated: N(0, 1) floats, integers in 0:1000". */
  text: string;
  /** The paths given (files or folders). */
  paths: string[];
  /** Files in the folders given that are not inputs (skipped). */
  ignored: number;
  /** Each statement of how the files became tensors: the preset, resize, order, layout, scale, mean and std, resampling. */
  preprocessing: string[];
}

/** Density (nonzero share) per sample, over the samples of a run. */
export interface DensitySpread {
  samples: number;
  mean: number;
  min: number;
  max: number;
  /** Mean density of each `seriesStep` consecutive samples, in sample order (at most 64 points; the last may cover fewer). */
  series: number[];
  seriesStep: number;
}

/** Per channel of a layer's input or output over the samples: which are never used. */
export interface ChannelActivity {
  /** The channel axis in the value's dims (1 for NCHW convs and Gemm, the last for MatMul). */
  axis: number;
  count: number;
  /** Channels all zero in every sample (dead). */
  dead: number[];
  /** Channels all zero in at least one sample. */
  sometimesDead: number;
  /** Per channel: share of samples in which it was all zero (empty past 4,096 channels). */
  deadShare: number[];
  /** Per channel: nonzero share over all samples (empty past 4,096 channels). */
  density: number[];
}

export interface ValueReport {
  name: string;
  /** The node producing it; null for graph inputs. */
  producer: string | null;
  dtype: string;
  shape: number[];
  /** Elements per sample. */
  elements: number;
  /** Over all samples. */
  zeros: number;
  nearZeros: number;
  /** Nonzero share. */
  density: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  /**
   * Layer inputs and outputs: counts of |x| below each threshold among `elements` values over all
   * samples, every stride-th in memory order (stride 1: every value; values of 32,768 elements or
   * more in the graph take a prime stride that divides neither of their last two dims, so the
   * share below each threshold is below / elements, from a sample).
   */
  histogram?: { thresholds: number[]; below: number[]; elements: number; stride: number };
  method: 'in-graph' | 'copied' | 'input' | 'shape-only';
  /** Density per sample: mean, min and max over the samples, and a short series. */
  spread?: DensitySpread;
  /** 'inferred': the shape comes from static shape inference, not from the run (no statistics were asked of this value). */
  shapeSource?: 'inferred';
}

export interface OpReport {
  name: string;
  opType: string;
  macs: number;
  bytes: number;
  outputElements: number;
  /** Measured kernel time in the plain run, ms (absent when ORT fused the node into another). */
  timeMs?: number;
}

/** Costs from the model alone (server/analysis/cost/static-costs.ts): what a run would measure, where shapes are known. */
export interface InferredCosts {
  /** The input shapes inference started from: fixed dims, the user's --dim values, batch-like dims at 1. */
  inputs: { name: string; dtype: string; shape: number[] }[];
  /** Main-graph nodes with MACs and bytes from the inferred shapes (never timeMs). */
  ops: OpReport[];
  /** Nodes whose every input and output shape was inferred, and those left partly unknown. */
  complete: number;
  incomplete: number;
  /** Op types with no shape rule ('domain:OpType' outside the standard domain). */
  unknownOps: string[];
  /** Why inference could not start (an input dim with no size); then ops is empty. */
  error?: string;
}

export interface ModelInfo {
  path: string;
  name: string;
  sha256: string;
  irVersion: number;
  opsets: Record<string, number>;
  producer: { name: string; version: string };
  fileBytes: number;
  /** Bytes of weight data read from external-data files. */
  externalBytes: number;
  graphName: string;
  nodes: number;
}

export interface MagnitudeSummary {
  /** Smallest nonzero |x| (null when every value is zero or non-finite). */
  minNonzero: number | null;
  max: number;
  /** Mean and standard deviation of |x| over finite values. */
  mean: number;
  std: number;
  nonFinite: number;
}

/** Counts of |x| by power of two: counts[i] holds [2^(log2Start+i), 2^(log2Start+i+1)); zeros are not binned. */
export interface Log2Histogram {
  log2Start: number;
  counts: number[];
}

export interface WeightReport {
  name: string;
  dtype: DTypeName;
  dims: number[];
  elements: number;
  bytes: number;
  zeros: number;
  nearZeros: number;
  /** zeros / elements. */
  sparsity: number;
  /** Zero point that "zero" was measured against, for quantized weights. */
  zeroPoint?: { axis: number | null; values: number[] };
  scale?: { axis: number | null; values: number[] };
  location: WeightLocation;
  graph: string;
  external?: { file: string; offset: number; length: number };
  /** Op type of the node that consumes it (after Cast/DequantizeLinear/Reshape). */
  usedBy: string[];
  magnitude: MagnitudeSummary;
  histogram: Log2Histogram;
  /** Set when the values could not be analysed (dtype not numeric). */
  skipped?: string;
}

export interface NmReport {
  /** Share of groups with at most N nonzeros. */
  groupShare: number;
  /** Every group complies and K is a multiple of M: what sparse tensor cores need. */
  ready: boolean;
  /** Share of sum |x| (l1) and sum x^2 (l2) kept if pruned to N:M by magnitude; null without finite values. */
  l1Kept: number | null;
  l2Kept: number | null;
}

export interface LayerReport {
  name: string;
  opType: string;
  graph: string;
  /** Name of its constant weight; null when the operand is computed at run time. */
  weight: string | null;
  /**
   * The graph that holds that weight: an enclosing graph's when a subgraph layer uses an outer
   * weight, so `graph` alone does not find it. Look weights up with weightKey.
   */
  weightGraph: string | null;
  gemm: { rows: number; k: number; groups: number; kernelPositions: number } | null;
  params: number;
  zeros: number;
  nearZeros: number;
  sparsity: number;
  nm: Record<string, NmReport>;
  /** Share of all-zero blocks per shape "RxC". */
  blocks: Record<string, number>;
  zeroRows: number;
  zeroInputChannels: number;
  inputChannels: number;
  zeroCols: number;
  /** Why the weight has no GEMM view, when it has none. */
  note?: string;
  /**
   * Nonzero density of the weight on a downsampled grid of its GEMM view (rows x cols cells,
   * at most 32 x 32), one byte per cell (0 = all zero, 255 = dense), row-major, base64.
   */
  heatmap?: { rows: number; cols: number; density: string };
  /** Densities (nonzero shares) of the layer's data input and output in the run. */
  activation?: LayerActivation;
  macs?: number;
  bytes?: number;
  timeMs?: number;
}

export interface LayerActivation {
  input: string;
  output: string;
  /** Over all samples (equal to the mean of the per-sample densities: every sample has the same size). */
  inputDensity: number | null;
  outputDensity: number | null;
  inputSpread?: DensitySpread;
  outputSpread?: DensitySpread;
  inputChannels?: ChannelActivity;
  outputChannels?: ChannelActivity;
  /**
   * N:M compliance of the input activations along the channel axis, per pattern: the share of
   * groups of M consecutive channels at one position (one token, one pixel) holding at most N
   * nonzeros, over all samples; what a dual-sparse design can skip structurally.
   */
  nm?: Record<string, number>;
}

export interface TotalsEntry {
  tensors: number;
  params: number;
  zeros: number;
  nearZeros: number;
  bytes: number;
  sparsity: number;
}

export interface Totals extends TotalsEntry {
  byOpType: Record<string, TotalsEntry>;
  byDtype: Record<string, TotalsEntry>;
  /** The same figures over layer weights only (the parameters sparsity can speed up). */
  layerWeights: TotalsEntry;
  /** From the run: MACs of all ops and of layers; measured kernel time of all ops, ms. */
  macs?: number;
  layerMacs?: number;
  timeMs?: number;
}

/** What a target's runtime does with a sparsity pattern at a dtype on its chip (server/estimate/support.json). */
export interface EstimateSupport {
  /** "2:4", "4:8", "unstructured", "block", "dual". */
  pattern: string;
  dtype: string;
  /** supported, experimental, deprecated, end-of-life, removed, not-enabled, unsupported, unknown. */
  status: string;
  /** The runtime runs sparse kernels for it today (end of life and deprecated still run). */
  usable: boolean;
  reason: string;
  /** When the evidence is from. */
  date: string;
  source: string;
  /** Layers of this scenario carrying the pattern at that dtype. */
  layers: number;
}

/** One size in a batch sweep: every layer's rows (M) scaled by `scale` from the analysed input. */
export interface SweepPoint {
  scale: number;
  /** Rows per GEMM of the layer with the most MACs at this size (batch x seq, batch x output pixels). */
  rows: number;
  speedup: number;
  speedupRange: [number, number];
}

/** Where the sparsity starts to pay on a target, from the sweep. */
export interface BatchRule {
  text: string;
  /** Rows per GEMM (of the layer with the most MACs) and scale from which every larger size gains; null if none does. */
  paysFromRows: number | null;
  paysFromScale: number | null;
  /** Below that size: the sparse path is slower than dense, or the runtime keeps dense kernels. */
  below: 'slower' | 'dense' | null;
  pattern: string;
  /** Layers that take the sparse path at the analysed size. */
  layers: number;
}

export interface Estimate {
  /** The target: id "chip+runtime" for built-in ones, its name, and the sparsity kind its runtime exploits. */
  accelerator: { id: string; name: string; kind: string };
  /** The chip and runtime of a built-in target. */
  target?: { chip: { id: string; name: string }; runtime: { id: string; name: string } };
  /** "as-is", "pruned-2:4", "pruned-90%", "pruned-32x32-75%". */
  scenario: string;
  /** Dense time of the model on this target over estimated time with its sparsity exploited. */
  speedup: number;
  /** Lowest and highest speedup over the sampled draws of every ranged number (never clamped). */
  speedupRange: [number, number];
  timeMs: number;
  denseTimeMs: number;
  /** Share of time in layers the chip's sparsity can touch (the rest is Amdahl's serial part). */
  layerShare: number;
  /** Share of the layers' sum |w| the scenario's pruning keeps (1 for as-is). */
  l1Kept: number | null;
  layers: {
    name: string; speedup: number; bound: 'compute' | 'memory'; timeMs: number; denseTimeMs: number; exploited: string;
    /** Dense MACs used, and where they came from: the run, static shape inference, or parameters (no shapes). */
    macs?: number; costSource?: 'run' | 'inference' | 'params';
  }[];
  assumptions: string[];
  /**
   * The chip's roofs at nominal settings, for a roofline plot: attainable MAC/s (peak x
   * utilization) per compute dtype its layers use, and memory bandwidth. Absent in older reports.
   */
  roofline?: { macsPerSecond: Record<string, number>; bytesPerSecond: number };
  /** The runtime's support for the patterns this scenario carries, and for its own pattern. */
  support?: EstimateSupport[];
  /** The estimate as the model's rows per GEMM grow (decode to large batches), and the rule it gives. */
  sweep?: SweepPoint[];
  batchRule?: BatchRule;
  /** How the range was sampled: every ranged number drawn jointly, dense and sparse under the same draw. */
  range?: { method: 'monte-carlo'; draws: number; seed: number };
  /** Layers whose MACs came from the run, from static shape inference, or from parameters. */
  costs?: { run: number; inference: number; params: number };
  /** Targets that skip zero activations: what the activation densities they use were measured on. */
  activationInputs?: { kind: SampleSource['kind']; samples: number };
}

/** What changed between two analyses of a model (re-exported) or between two models. */
export interface ReportDiff {
  /** Layers present in both, matched by name, with b - a deltas. */
  layers: LayerDelta[];
  /** Layer names only in a, only in b. */
  removed: string[];
  added: string[];
  totals: {
    sparsity: number;
    params: number;
    macs: number | null;
    timeMs: number | null;
    /** b - a of the near-zero share of all weights; null when either has no weights. */
    nearZeros: number | null;
    /** b - a of the sparsity of layer weights only. */
    layerSparsity: number;
  };
  /** N:M readiness for every pattern both analyses measured. */
  patterns: PatternDelta[];
  /** Speedup estimates per target (accelerator id) and scenario found in either report. */
  estimates: EstimateDelta[];
  /** Why some figures do not compare like for like (the analyses used different options). */
  notes: string[];
}

export interface LayerDelta {
  name: string;
  opType: string;
  /** b - a of the weight's exact-zero share. */
  sparsity: number;
  /** b - a of the input activation density; null unless both runs measured it. */
  inputDensity: number | null;
  /** 2:4 readiness in a and in b. */
  ready24: [boolean, boolean];
  macs: number | null;
  timeMs: number | null;
  /** b - a of the weight's near-zero share; null without parameters on either side. */
  nearZeros: number | null;
  params: number;
  /** Per N:M pattern measured in both: b - a of the complying group share, and readiness in a and in b. */
  nm: Record<string, { groupShare: number; ready: [boolean, boolean] }>;
  /** Per block shape measured in both: b - a of the all-zero block share. */
  blocks: Record<string, number>;
}

export interface PatternDelta {
  /** "2:4". */
  pattern: string;
  /** Ready layers in a and in b, of the layers with a GEMM view in each. */
  ready: [number, number];
  of: [number, number];
  /** Ready in a, not ready in b (layers in both). */
  lost: string[];
  /** Not ready in a, ready in b. */
  gained: string[];
  /** Ready in a and not found in b (removed or renamed). */
  missing: string[];
}

export interface EstimateDelta {
  /** The accelerator (target) id, as in `report.estimates[].accelerator.id`. */
  target: string;
  name: string;
  scenario: string;
  /** The speedup in a and in b; null where that report has no such estimate. */
  speedup: [number | null, number | null];
  /** b - a, and (b - a) / a. */
  delta: number | null;
  relative: number | null;
}

/**
 * Messages between the extension host and the report webview. The webview says `ready` before
 * the host sends anything; requests from the webview carry an id the host answers with `reply`.
 */
export type HostToWebview =
  | { type: 'report'; report: Report; diff?: ReportDiff }
  /** With `prune`: B is a pruned copy of A, with its output drift and measured latency. */
  | { type: 'compare'; a: Report; b: Report; diff: ReportDiff; prune?: PruneOutcome }
  | { type: 'busy'; message: string; fraction: number | null }
  /** The work the busy line stood for ended without a new result (cancelled): what is shown stays. */
  | { type: 'idle' }
  | { type: 'error'; message: string }
  | { type: 'reply'; id: number; ok: boolean; message?: string };

export type WebviewToHost =
  | { type: 'ready' }
  /** Export the shown report in a format; the host asks where to save. */
  | { type: 'export'; id: number; format: 'json' | 'md' | 'csv' | 'html' }
  /** Analyze the shown model again. */
  | { type: 'reanalyze'; id: number }
  /** Something only the editor can do for the shown model (ask for input sizes, pick sample inputs). */
  | { type: 'action'; id: number; action: HostAction }
  /** Write a copy pruned by the plan for `target` at budget `keep` next to the model, and compare it. */
  | { type: 'applyPlan'; id: number; target: string; keep: number };

export type HostAction = 'setInputSizes' | 'chooseInputs';
export const HOST_ACTIONS: readonly HostAction[] = ['setInputSizes', 'chooseInputs'];

/** What a report page displays: one model's report (with what changed), or two models compared. */
export type Shown = Extract<HostToWebview, { type: 'report' } | { type: 'compare' }>;

export type ExportFormat = Extract<WebviewToHost, { type: 'export' }>['format'];

export interface LatencyStats {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
}

/** `onnx-sparsity bench`: the model's real latency here. */
export interface BenchReport {
  model: { path: string; sha256: string };
  latencyMs: LatencyStats;
  iterations: number;
  warmup: number;
  throughputPerSecond: number;
  requestedEp: string;
  ep: string;
  fallback?: string;
  threads: number;
  ortVersion: string;
  machine: MachineInfo;
  peakRssMiB: number;
  /** What makes the figures say less than they seem to (a wide latency spread). */
  warnings?: string[];
  /** A pruned copy run under the same settings, when asked for. */
  pruned?: {
    to: string;
    latencyMs: LatencyStats;
    /** Dense p50 over pruned p50: above 1, the pruned model runs faster here. */
    measuredSpeedup: number;
    /**
     * What the estimator predicts for the same ratio on this machine: its as-is time over its
     * pruned time (like for like with measuredSpeedup); null without a run to derive this machine from.
     */
    estimatedSpeedup: number | null;
    /** p99 / p50 of the model's runs and of the copy's: run-to-run noise. */
    spread?: [number, number];
    /** Share of the layers' weights the pruning zeroed. */
    sparsity: number;
    /** Layer weights left as they were, each with why ("w (int8, bytes)", "w (K not a multiple of 4)"). */
    skipped: string[];
  };
  createdAt: string;
}

/** `onnx-sparsity crossover`: where this machine's sparse kernels start to beat its dense one. */
export interface CrossoverReport {
  /** Weight [M, K] times activations [K, N]. */
  shape: [number, number, number];
  levels: CrossoverLevel[];
  /** Lowest tested sparsity from which a sparse variant wins at every higher level; null if none wins. */
  crossoverSparsity: number | null;
  ep: string;
  threads: number;
  ortVersion: string;
  machine: MachineInfo;
  createdAt: string;
}

export interface CrossoverLevel {
  sparsity: number;
  denseMs: number;
  sparseMs: {
    /** Gather -> Mul -> ScatterND(add) over the nonzeros, in onnxruntime; null when it would not fit the memory budget. */
    ortComposite: number | null;
    /** A CSR SpMM in TypeScript, the floor any sparse kernel should beat. */
    csrTypeScript: number;
  };
  /** Largest |difference| of any variant from the dense product. */
  maxError: number;
}

/** One rule's verdict on one subject (the model, a layer glob, a target, an output) in `onnx-sparsity check`. */
export interface RuleOutcome {
  /** The rule as rules.json names it: "minTotalSparsity", "minLayerSparsity[0]", "speedup[1]". */
  rule: string;
  /** What it was applied to: "model", a layer glob, "h100-2of4 as-is", an output name. */
  subject: string;
  status: 'pass' | 'fail' | 'error' | 'skip';
  /** One line: what was measured against what was allowed. */
  message: string;
  /** The layers (or other items) behind the result, each with its figure. */
  details: string[];
}

export type RuleStatus = RuleOutcome['status'];

/** `onnx-sparsity check`: the model against its rules (and its baseline); exit 0 when `passed`. */
export interface CheckResult {
  tool: { name: 'onnx-sparsity'; version: string };
  createdAt: string;
  model: { path: string; name: string; sha256: string };
  /** What the model was held against: a saved report or a model analysed for the check. */
  baseline?: { path: string; kind: 'report' | 'model'; model: string; sha256: string };
  /** The rules file, or null when the default rules against the baseline applied. */
  rules: string | null;
  /** No rule failed or could not be evaluated. */
  passed: boolean;
  counts: Record<RuleStatus, number>;
  outcomes: RuleOutcome[];
  /** Output drift against the baseline model, when a rule asked for it and both models ran. */
  drift?: DriftReport;
  warnings: string[];
  durationMs: number;
}

/** Both models run on the same inputs; their outputs compared name by name. */
export interface DriftReport {
  model: string;
  baseline: string;
  samples: number;
  inputs: RunReport['inputs'];
  ep: string;
  outputs: OutputDrift[];
}

export interface OutputDrift {
  name: string;
  dtype: string;
  shape: number[];
  /** Largest |model - baseline| over every element of every sample; Infinity where one side is NaN or infinite and the other differs. */
  maxAbs: number;
  /** ||model - baseline||2 / ||baseline||2 over the finite elements (0 when both are all zero). */
  relL2: number;
  /** Cosine similarity of the two outputs flattened over samples (1 when both are all zero). */
  cosine: number;
  /**
   * When the output looks like class scores (last axis the classes: [classes], [batch, classes], or
   * [batch, seq, vocab] with vocab >= seq): the share of rows whose arg max agrees, over `rows` rows.
   */
  top1?: { agreement: number; rows: number; classes: number };
  /** Elements where one side was NaN or infinite and the other not the same value. */
  nonFinite: number;
  /** Why this output was not compared (absent when it was). */
  skipped?: string;
}

/**
 * Why a layer is (not) faster on a target, as a reason code; docs/advisor.md has one paragraph per
 * code, under a heading that is the code itself (so `docs/advisor.md#not-eligible-k` links it).
 */
export type VerdictCode =
  | 'eligible' | 'not-eligible-k' | 'not-eligible-op' | 'below-minimum' | 'slower-at-this-batch'
  | 'zeros-ignored' | 'compactable' | 'quantized-zero-point' | 'no-runtime' | 'no-weight';

export interface Verdict {
  code: VerdictCode;
  /** In the docs' words: "eligible-2:4", "not-eligible: K % 4 != 0", "compactable: 4 all-zero output channels". */
  label: string;
  /** This layer's own figures, in one sentence. */
  text: string;
}

export interface LayerVerdicts {
  /** Index into report.layers, and the layer's name. */
  index: number;
  layer: string;
  /** By target id (report.estimates[].accelerator.id), the decisive verdict first. */
  targets: Record<string, Verdict[]>;
}

/** One thing to do, with what it buys on one target and what it costs in weight magnitude. */
export interface AdviceAction {
  kind: 'prune' | 'remove-channels' | 'precision' | 'plan';
  /** One line: what, where, the gain, the cost. */
  text: string;
  target: { id: string; name: string };
  /** Estimated time before the action over time after it, on that target at the analysed size. */
  speedup: number;
  speedupRange: [number, number];
  /** Share of the layers' L1 magnitude (sum |w|) kept; 1 when only zeros go. */
  l1Kept: number | null;
  /** The layers it changes. */
  layers: string[];
  /** How to do it: a command line or a scenario key. */
  how: string;
  /** What "before" is: the as-is estimate, or the model with its all-zero channels computed. */
  basis: string;
  /** Where it pays as the batch grows, from the estimate's batch sweep. */
  batchRule?: string;
}

/** One layer of a pruning plan. */
export interface PlanLayer {
  /** Index into the analysed report's layers (graph order), with its name, graph and weight for checking. */
  index: number;
  name: string;
  opType: string;
  graph: string;
  weight: string | null;
  /** What to do to its weight: "dense", "N:M" (2:4), "X%" (unstructured), "RxC-X%" (blocks), "rows-X%" (output channels). */
  prune: string;
  /** Share of this layer's L1 magnitude the pruning keeps. */
  l1Kept: number;
  /** The layer on the target: dense, and as the plan leaves it, ms (null when not estimated). */
  denseTimeMs: number | null;
  timeMs: number | null;
  /** Why it is left dense, or what the choice buys. */
  why: string;
}

/** A point of the plan's Pareto front: the best speedup found for a magnitude budget. */
export interface PlanPoint {
  l1Kept: number;
  speedup: number;
  /** Layers pruned at this point. */
  pruned: number;
}

/**
 * A pruning plan for one target and budget (also the file `onnx-sparsity plan` writes and
 * `onnx-sparsity prune --plan` reads): per layer the pruning that maximises the model's estimated
 * speedup while the layers keep at least `budget.keep` of their L1 magnitude.
 */
export interface PruningPlan {
  kind: 'onnx-sparsity-plan';
  version: 1;
  tool: { name: 'onnx-sparsity'; version: string };
  createdAt: string;
  model: { path: string; name: string; sha256: string };
  target: { id: string; name: string };
  budget: { keep: number; leave: string[] };
  objective: string;
  layers: PlanLayer[];
  estimate: {
    /** The planned model over the same target dense, with its sampled range; the as-is figure beside it. */
    speedup: number;
    speedupRange: [number, number];
    asIsSpeedup: number;
    timeMs: number;
    denseTimeMs: number;
    l1Kept: number;
  };
  /** Speedup against magnitude kept, from keeping everything to the most the options allow. */
  front: PlanPoint[];
  notes: string[];
}

export interface Advice {
  /** The targets the headline and the actions speak for: the user's named targets, or the default pair. */
  focus: { targets: string[]; chosen: 'user' | 'default' };
  verdicts: LayerVerdicts[];
  /** Up to 5 actions with the most estimated speedup on the focus targets, best first. */
  actions: AdviceAction[];
  /** The best actions on the other targets, for when the focus gains little. */
  elsewhere: AdviceAction[];
  /** The plan for the first focus target at the default budget (its front is the report's Pareto chart). */
  plan?: PruningPlan;
  /**
   * Per layer (report.layers order): share of its L1 magnitude each pruning the plan may choose
   * keeps, by the plan's key ("2:4", "90%", "16x16-75%", "rows-25%"); or why it cannot be pruned.
   */
  kept: (Record<string, number> | string)[];
  notes: string[];
}

/** `onnx-sparsity prune`: the copy, how it differs from the original in outputs and speed, and whether it holds the plan. */
export interface PruneOutcome {
  plan: { target: { id: string; name: string }; keep: number; file: string | null };
  model: { path: string; sha256: string };
  copy: { path: string; sha256: string; bytes: number; externalData: string | null };
  /** Per planned layer: what was asked, what the copy's weights measure, and whether that is the plan. */
  layers: { name: string; prune: string; measured: string; ok: boolean }[];
  /** Weights the plan named that could not be pruned, each with why. */
  skipped: string[];
  /** Both models on the same inputs. */
  drift: DriftReport;
  /** Both models timed here, one after the other, under the same settings. */
  latency: {
    original: LatencyStats;
    pruned: LatencyStats;
    /** Original p50 over the copy's p50. */
    measuredSpeedup: number;
    iterations: number;
    ep: string;
    threads: number;
    ortVersion: string;
    machine: MachineInfo;
    warnings: string[];
  };
  /** Per focus target: the estimate as-is for both, and what the plan predicted for the copy. */
  estimates: { target: { id: string; name: string }; original: number | null; pruned: number | null; planned: number | null }[];
  warnings: string[];
}
