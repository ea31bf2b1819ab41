import { parseArgs } from 'node:util';
import type { AnalysisSettings, PlanSettings } from '../common/requests';
import { UsageError } from './errors';
import type { AnalysisOptions, Preprocess, RunOptions } from '../common/protocol';
import { PRESETS } from '../common/presets';
import { BOUNDS } from './pipeline/settings';
import { VERSION } from './version';

/** The command line's words: usage text and the parsing of every flag into engine options. */
export const USAGE = `onnx-sparsity ${VERSION}: how sparse an ONNX model is, layer by layer

Usage:
  onnx-sparsity analyze MODEL [options]   measure weight sparsity and patterns, run the model
  onnx-sparsity demo [options]            build the demo CNN+MLP model and analyze it
  onnx-sparsity bench MODEL [options]     measure the model's latency here (--prune 2:4|90% also times a pruned copy)
  onnx-sparsity crossover [options]       measure where this machine's sparse matmuls beat its dense one
  onnx-sparsity plan MODEL [options]      a pruning plan for one --target and --keep budget (JSON; --out plan.json)
  onnx-sparsity prune MODEL --plan FILE [--out COPY]
                                          write the pruned copy (default MODEL.pruned.onnx), then compare both:
                                          output drift, latency here, estimates on the targets
  onnx-sparsity compare A B [options]     what changed from A to B: per layer and total deltas of sparsity,
                                          N:M readiness and estimates (A, B: models or saved JSON reports)
  onnx-sparsity check MODEL [options]     hold the model to rules and a baseline, for CI: exit 0 pass, 1 fail
  onnx-sparsity export MODEL --overlay model-explorer|netron|onnx [options]
                                          per-node figures for a graph viewer (docs/ci.md says how to open them)

Options:
  --format text|json|md|csv|html  output format (default: text on a terminal, a summary within 100
                         columns; json otherwise); html is the interactive report as one file that
                         opens offline in any browser
  --out FILE             write the report to FILE instead of stdout
  --threshold X          near-zero threshold: |x| <= X (default 1e-6)
  --relative             the threshold is relative to each tensor's max |x|
  --nm 2:4,1:4,...       N:M patterns to check (default 2:4,1:4,4:8)
  --blocks 4x4,...       block shapes RxC on the GEMM view (default 1x4,4x1,4x4,8x8,16x16,32x32)
  --no-run               weights only: do not run the model
  --ep cpu|cuda|webgpu   execution provider (default cpu; falls back to CPU unless --strict-ep)
  --strict-ep            fail when the provider cannot start
  --threads N            onnxruntime intra-op threads (default: ORT's choice)
  --dim NAME=N           size of a symbolic input dim (repeatable); batch-like dims default to 1
  --input-shape NAME=D0,D1,...  a whole input's shape, for dims the model leaves unnamed (repeatable)
  --int-range LO:HI      range of generated integer inputs (default 0:1000)
  --samples N            generated samples, aggregated (default 1); with --inputs, the first N of
                         the samples found (default all)
  --inputs PATH          your inputs (repeatable): a folder of images (.png, .jpg), WAV clips, token
                         ids (.json), tensors (.npy, .npz, .pb) or test_data_set_* folders, a sample
                         each, or such files (tensor files named together make one sample)
  --preprocess PRESET    images to the input: imagenet (default), 0-1, -1-1, raw, caffe; layout and
                         size come from the input's shape. Overrides: --mean A,B,C --std A,B,C
                         --scale X --channels rgb|bgr --layout nchw|nhwc --size HxW
                         --resize stretch|crop|pad (docs/activations.md)
  --sample-rate HZ       audio is resampled to this (default 16000) and mixed to mono
  --memory-budget BYTES  bytes of intermediate values held at once (default 1GiB; k/M/G suffixes)
  --activations all|layers  statistics of every value, or of layer inputs/outputs only (default all)
  --run-timeout SECONDS  stop the run past this (default 300)
  --memory-limit BYTES   stop the run when its process holds this much memory (default: from the
                         model's size and the budget, at most 80% of this machine's)
  --target LIST          estimate targets, chip+runtime (e.g. h100+tensorrt,a100+pytorch), or default,
                         all, this-machine (default: default and this-machine when the run measured it)
  --accelerators FILE    extra accelerator profiles (JSON; same id replaces a built-in one)
  --scenario LIST        estimate scenarios: as-is, pruned-N:M, pruned-X%, pruned-RxC-X%
                         (default as-is,pruned-2:4,pruned-90%)
  --no-estimate          no speedup estimates
  --keep X               (plan, prune, analyze) the plan keeps at least X of the layers' L1 magnitude
                         (0.9 or 90%; default 0.9)
  --leave LIST           (plan, prune, analyze) layers the plan leaves as they are (names or globs with *)
  --plan FILE            (prune) the plan to apply; without it, one is made now from --target and --keep
  --warmup N, --iterations N, --seconds S, --prune 2:4|X%   (bench) warm-up runs, timed runs or duration
                         (default 2 s), and a pruned copy to time against the model
  --shape MxKxN          (crossover) weight [M, K] x activations [K, N] (default 1024x1024x256)
  --baseline FILE        (check) a saved report (analyze --format json) or a model to compare with;
                         alone, the default rules apply (no N:M-ready layer loses it, total sparsity
                         drops by at most 1 pp, no as-is speedup estimate drops by more than 2%)
  --rules FILE           (check) rules.json (docs/ci.md lists every rule)
  --junit FILE           (check) also write JUnit XML (GitHub test reporters, GitLab, Jenkins)
  --markdown FILE        (check) also write a Markdown block for a pull-request comment
                         (check --format text|json|md|junit: what goes to stdout or --out; default text)
  --overlay KIND         (export) model-explorer (node-data JSON), netron (attachment JSON) or onnx (an
                         annotated copy of the model; --out defaults to MODEL.sparsity.onnx beside it)
  --metric NAME          (export, model-explorer) sparsity (default), near-zero, input-density, speedup
                         or an N:M pattern such as 2:4
  --target ID            (export) the target whose speedup --metric speedup shows (an id from the report)
  --verbose              stack traces on errors
  -h, --help             this help
  --version              print the version

Exit codes: 0 ok, 1 the model could not be analysed (check: a rule failed or could not be
checked; prune: a layer of the copy is not as planned), 2 bad usage, 3 the model could not be run (the weight report is still written), 130
interrupted.`;

/** Every flag, for node:util parseArgs. */
export const FLAGS = {
  format: { type: 'string' }, out: { type: 'string' }, threshold: { type: 'string' },
  relative: { type: 'boolean' }, nm: { type: 'string' }, blocks: { type: 'string' },
  run: { type: 'boolean' }, 'no-run': { type: 'boolean' }, ep: { type: 'string' }, 'strict-ep': { type: 'boolean' },
  threads: { type: 'string' }, dim: { type: 'string', multiple: true }, 'int-range': { type: 'string' },
  samples: { type: 'string' }, inputs: { type: 'string', multiple: true }, 'memory-budget': { type: 'string' },
  'input-shape': { type: 'string', multiple: true },
  preprocess: { type: 'string' }, mean: { type: 'string' }, std: { type: 'string' }, scale: { type: 'string' },
  channels: { type: 'string' }, layout: { type: 'string' }, size: { type: 'string' }, resize: { type: 'string' },
  'sample-rate': { type: 'string' },
  activations: { type: 'string' }, 'run-timeout': { type: 'string' }, 'memory-limit': { type: 'string' },
  accelerators: { type: 'string' }, scenario: { type: 'string' }, target: { type: 'string' },
  'no-estimate': { type: 'boolean' }, warmup: { type: 'string' }, iterations: { type: 'string' },
  seconds: { type: 'string' }, prune: { type: 'string' }, shape: { type: 'string' },
  baseline: { type: 'string' }, rules: { type: 'string' }, junit: { type: 'string' }, markdown: { type: 'string' },
  overlay: { type: 'string' }, metric: { type: 'string' },
  keep: { type: 'string' }, leave: { type: 'string' }, plan: { type: 'string' },
  verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' },
} as const;

/** Flags whose values may start with a minus: the preset -1-1, a negative mean or scale. */
const SIGNED = new Set(['--preprocess', '--mean', '--std', '--scale']);

export const parseCli = (argv: string[]) => parseArgs({ args: joinSigned(argv), allowPositionals: true, options: FLAGS });

/** `--mean -0.5,0` as `--mean=-0.5,0`: parseArgs takes a leading minus for another flag. */
function joinSigned(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (SIGNED.has(argv[i]) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

export type CliValues = ReturnType<typeof parseCli>['values'];

/** What every command that analyses takes from the flags. */
export function analysisSettings(v: CliValues): Required<AnalysisSettings> {
  return { options: analysisOptions(v), run: runOptions(v), estimate: estimateOptions(v) };
}

export type Format = 'text' | 'json' | 'md' | 'csv' | 'html';

export type CheckFormat = 'text' | 'json' | 'md' | 'junit';

export function parseCheckFormat(f: string | undefined): CheckFormat {
  if (f === undefined) return 'text';
  if (f === 'text' || f === 'json' || f === 'md' || f === 'junit') return f;
  throw new UsageError(`check --format must be text, json, md or junit, not '${f}'`);
}

/**
 * The estimate settings from --accelerators, --scenario, --target and --no-estimate; with
 * --no-run the --dim values size static shape inference instead of the run.
 */
export function estimateOptions(v: { accelerators?: string; scenario?: string; target?: string; 'no-estimate'?: boolean; 'no-run'?: boolean; dim?: string[]; keep?: string; leave?: string }): NonNullable<AnalysisSettings['estimate']> {
  if (v['no-estimate']) return false;
  const dims = v['no-run'] ? dimsOf(v) : undefined;
  const plan = planOptions(v);
  return {
    ...(v.accelerators ? { accelerators: v.accelerators } : {}),
    ...(v.scenario ? { scenarios: list(v.scenario) } : {}),
    ...(v.target ? { targets: list(v.target) } : {}),
    ...(dims ? { dims } : {}),
    ...(Object.keys(plan).length ? { plan } : {}),
  };
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

/** --keep (0.9 or 90%) and --leave: the plan's budget. */
export function planOptions(v: { keep?: string; leave?: string }): PlanSettings {
  const o: PlanSettings = {};
  if (v.keep !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(v.keep.trim());
    const keep = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
    if (!(keep > 0 && keep <= 1)) throw new UsageError(`--keep must be a share of L1 magnitude in (0, 1] (0.9) or a percent (90%), not '${v.keep}'`);
    o.keep = keep;
  }
  if (v.leave !== undefined) o.leave = list(v.leave);
  return o;
}

/** The format asked for; by default a compact text summary on a terminal, JSON for a pipe or file. */
export function parseFormat(f: string | undefined, tty: boolean): Format {
  if (f === undefined) return tty ? 'text' : 'json';
  if (f === 'json' || f === 'md' || f === 'csv' || f === 'html' || f === 'text') return f;
  throw new UsageError(`--format must be text, json, md, csv or html, not '${f}'`);
}

export function analysisOptions(v: { threshold?: string; relative?: boolean; nm?: string; blocks?: string }): Partial<AnalysisOptions> {
  const o: Partial<AnalysisOptions> = {};
  if (v.threshold !== undefined || v.relative) {
    const value = v.threshold === undefined ? 1e-3 : Number(v.threshold);
    if (v.threshold !== undefined && (v.threshold.trim() === '' || !Number.isFinite(value) || value < 0))
      throw new UsageError(`--threshold must be a number >= 0, not '${v.threshold}'`);
    o.nearZero = { value, relative: v.relative ?? false };
  }
  if (v.nm !== undefined) o.nm = list(v.nm);
  if (v.blocks !== undefined) o.blocks = list(v.blocks);
  return o;
}

export interface RunFlags {
  run?: boolean; 'no-run'?: boolean; ep?: string; 'strict-ep'?: boolean; threads?: string; dim?: string[];
  'int-range'?: string; samples?: string; inputs?: string[]; 'memory-budget'?: string; activations?: string; 'input-shape'?: string[];
  'run-timeout'?: string; 'memory-limit'?: string;
  preprocess?: string; mean?: string; std?: string; scale?: string; channels?: string; layout?: string; size?: string;
  resize?: string; 'sample-rate'?: string;
}

/** --dim NAME=N values: the run's input sizes, and static shape inference's when the model is not run. */
export function dimsOf(v: { dim?: string[] }): Record<string, number> | undefined {
  if (!v.dim) return undefined;
  const dims: Record<string, number> = {};
  for (const d of v.dim) {
    const m = /^(.+)=(\d+)$/.exec(d);
    if (!m || Number(m[2]) < 1) throw new UsageError(`--dim must be NAME=N with N >= 1, not '${d}'`);
    dims[m[1]] = Number(m[2]);
  }
  return dims;
}

export function runOptions(v: RunFlags): Partial<RunOptions> | false {
  if (v['no-run']) return false;
  const o: Partial<RunOptions> = {};
  const int = (flag: string, s: string, [min, max]: readonly [number, number]): number => {
    const n = number(flag, s, min, true);
    if (n > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, not '${s}'`);
    return n;
  };
  if (v.ep !== undefined) o.ep = v.ep;
  if (v['strict-ep']) o.strictEp = true;
  if (v.threads !== undefined) o.threads = int('threads', v.threads, BOUNDS.threads);
  if (v.samples !== undefined) o.samples = int('samples', v.samples, BOUNDS.samples);
  const dims = dimsOf(v);
  if (dims) o.dims = dims;
  if (v['input-shape']) {
    o.shapes = {};
    for (const s of v['input-shape']) {
      const m = /^(.+)=(\d+(?:,\d+)*)$/.exec(s);
      if (!m || m[2].split(',').some((d) => Number(d) < 1)) throw new UsageError(`--input-shape must be NAME=D0,D1,... with every size >= 1, not '${s}'`);
      o.shapes[m[1]] = m[2].split(',').map(Number);
    }
  }
  // Sizes on a command line name this model's dims: a typo is an error, not a silent default.
  if (o.dims || o.shapes) o.strictSizes = true;
  if (v['int-range'] !== undefined) {
    const m = /^(-?\d+):(-?\d+)$/.exec(v['int-range']);
    if (!m || Number(m[1]) > Number(m[2])) throw new UsageError(`--int-range must be LO:HI with LO <= HI, not '${v['int-range']}'`);
    o.intRange = [Number(m[1]), Number(m[2])];
  }
  if (v.inputs) {
    o.inputs = v.inputs;
    if (v.samples !== undefined) o.maxSamples = o.samples;
  }
  const pre = preprocessOf(v);
  if (pre) o.preprocess = pre;
  if (v['memory-budget'] !== undefined) o.memoryBudget = parseBytes(v['memory-budget'], 'memory-budget');
  if (v['memory-limit'] !== undefined) o.memoryLimit = parseBytes(v['memory-limit'], 'memory-limit');
  if (v['run-timeout'] !== undefined) o.timeoutSeconds = number('run-timeout', v['run-timeout'], 1);
  if (v.activations !== undefined) {
    if (v.activations !== 'all' && v.activations !== 'layers') throw new UsageError(`--activations must be all or layers, not '${v.activations}'`);
    o.level = v.activations;
  }
  return o;
}

/** --preprocess and its overrides; undefined when none is given. */
export function preprocessOf(v: RunFlags): Preprocess | undefined {
  const p: Preprocess = {};
  const numbers = (flag: string, s: string): number[] => {
    const xs = s.split(',').map((x) => x.trim());
    if (!xs.length || xs.length > 4 || xs.some((x) => !/^-?\d+(\.\d+)?(e-?\d+)?$/i.test(x)))
      throw new UsageError(`--${flag} must be 1 to 4 numbers separated by commas (one per channel), not '${s}'`);
    return xs.map(Number);
  };
  const oneOf = <T extends string>(flag: string, s: string | undefined, allowed: readonly T[]): T | undefined => {
    if (s === undefined) return undefined;
    if (!allowed.includes(s.toLowerCase() as T)) throw new UsageError(`--${flag} must be ${allowed.join(' or ')}, not '${s}'`);
    return s.toLowerCase() as T;
  };
  if (v.preprocess !== undefined) {
    if (!PRESETS[v.preprocess]) throw new UsageError(`--preprocess must be one of ${Object.keys(PRESETS).join(', ')}, not '${v.preprocess}'`);
    p.preset = v.preprocess;
  }
  if (v.mean !== undefined) p.mean = numbers('mean', v.mean);
  if (v.std !== undefined) {
    p.std = numbers('std', v.std);
    if (p.std.includes(0)) throw new UsageError(`--std must not hold 0, not '${v.std}'`);
  }
  if (v.scale !== undefined) [p.scale] = numbers('scale', v.scale);
  const channels = oneOf('channels', v.channels, ['rgb', 'bgr'] as const);
  const layout = oneOf('layout', v.layout, ['nchw', 'nhwc'] as const);
  const resize = oneOf('resize', v.resize, ['stretch', 'crop', 'pad'] as const);
  if (channels) p.channels = channels;
  if (layout) p.layout = layout;
  if (resize) p.resize = resize;
  if (v.size !== undefined) {
    const m = /^(\d+)x(\d+)$/i.exec(v.size.trim());
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--size must be HxW, e.g. 224x224, not '${v.size}'`);
    p.size = [Number(m[1]), Number(m[2])];
  }
  if (v['sample-rate'] !== undefined) p.sampleRate = number('sample-rate', v['sample-rate'], 1, true);
  return Object.keys(p).length ? p : undefined;
}

export function parseShape(s: string): [number, number, number] {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(s.trim());
  if (!m || [m[1], m[2], m[3]].some((d) => Number(d) < 1)) throw new UsageError(`--shape must be MxKxN with positive integers, not '${s}'`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function parseBytes(s: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`--${flag} must be a byte count like 512M or 2G, not '${s}'`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const n = Math.floor(Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1));
  if (n < 1) throw new UsageError(`--${flag} must be at least 1 byte, not '${s}'`);
  return n;
}

/** A number flag: finite and at least `min`, written as a plain decimal (1e3 is refused as a typo risk). */
export function number(flag: string, s: string, min: number, integer = false): number {
  const n = Number(s);
  if (!/^\d+(\.\d+)?$/.test(s.trim()) || n < min || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, not '${s}'`);
  return n;
}

