import * as os from 'node:os';
import { DEFAULT_RUN, type AnalysisOptions, type Preprocess, type RunOptions } from '../../common/protocol';
import { PRESETS } from '../../common/presets';
import type { AnalysisSettings, BenchSettings, PlanSettings } from '../../common/requests';
import { resolveOptions } from '../analysis/weights/options';
import { UsageError } from '../errors';

/**
 * Settings arrive from a command line or as JSON over LSP: untrusted either way. Every field is
 * checked for its type and bounds here, before any work, and a bad one is a usage error naming
 * the field; a huge sample count or thread count would otherwise hold a process for hours.
 */

export const BOUNDS = {
  samples: [1, 10_000],
  threads: [0, 4 * Math.max(1, os.availableParallelism?.() ?? os.cpus().length)],
  dim: [1, 2 ** 31 - 1],
  memoryBudget: [1, 2 ** 44],
  timeoutSeconds: [1, 7 * 24 * 3600],
  memoryLimit: [0, 2 ** 48],
  warmup: [0, 10_000],
  iterations: [1, 10_000_000],
  seconds: [0.001, 24 * 3600],
  shapeDim: [1, 1 << 20],
  threshold: [0, Number.MAX_VALUE],
  imageSide: [1, 1 << 15],
  sampleRate: [100, 768_000],
} as const satisfies Record<string, readonly [number, number]>;

type Obj = Record<string, unknown>;

function fail(field: string, why: string, got: unknown): never {
  const shown = typeof got === 'string' ? `'${got.slice(0, 80)}'` : JSON.stringify(got)?.slice(0, 80);
  throw new UsageError(`${field} ${why}, not ${shown}`);
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object', v);
  return v as Obj;
}

function num(v: unknown, field: string, [lo, hi]: readonly [number, number], integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < lo || v > hi)
    fail(field, `must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}]`, v);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) fail(field, 'must be a non-empty string', v);
  return v;
}

function strings(v: unknown, field: string, max = 64): string[] {
  if (!Array.isArray(v) || v.length > max) fail(field, `must be a list of at most ${max} strings`, v);
  return v.map((x, i) => str(x, `${field}[${i}]`));
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') fail(field, 'must be true or false', v);
  return v;
}

function checkDims(v: unknown, field: string): Record<string, number> {
  const dims = obj(v, field);
  if (Object.keys(dims).length > 256) fail(field, 'must name at most 256 dims', Object.keys(dims).length);
  const out: Record<string, number> = {};
  for (const [k, d] of Object.entries(dims)) out[k] = num(d, `${field}.${k}`, BOUNDS.dim, true);
  return out;
}

/** Run options over the defaults; `field` prefixes the names in errors ("run"). */
export function checkRun(v: unknown, field = 'run'): RunOptions {
  const o = obj(v ?? {}, field);
  const r: RunOptions = { ...DEFAULT_RUN, dims: {}, shapes: {}, inputs: [], preprocess: {} };
  const f = (k: string): string => `${field}.${k}`;
  if (o.ep !== undefined) r.ep = str(o.ep, f('ep'));
  if (o.strictEp !== undefined) r.strictEp = bool(o.strictEp, f('strictEp'));
  if (o.threads !== undefined) r.threads = num(o.threads, f('threads'), BOUNDS.threads, true);
  if (o.samples !== undefined) r.samples = num(o.samples, f('samples'), BOUNDS.samples, true);
  if (o.seed !== undefined) r.seed = num(o.seed, f('seed'), [0, 2 ** 32 - 1], true);
  if (o.dims !== undefined) r.dims = checkDims(o.dims, f('dims'));
  if (o.shapes !== undefined) {
    const shapes = obj(o.shapes, f('shapes'));
    if (Object.keys(shapes).length > 256) fail(f('shapes'), 'must name at most 256 inputs', Object.keys(shapes).length);
    for (const [k, d] of Object.entries(shapes)) {
      if (!Array.isArray(d) || d.length > 64) fail(`${f('shapes')}.${k}`, 'must be a list of at most 64 sizes', d);
      r.shapes[k] = d.map((x, i) => num(x, `${f('shapes')}.${k}[${i}]`, BOUNDS.dim, true));
    }
  }
  if (o.strictSizes !== undefined) r.strictSizes = bool(o.strictSizes, f('strictSizes'));
  if (o.intRange !== undefined) {
    const ir = o.intRange;
    if (!Array.isArray(ir) || ir.length !== 2) fail(f('intRange'), 'must be [lo, hi]', ir);
    const safe: [number, number] = [-(2 ** 53 - 1), 2 ** 53 - 1];
    r.intRange = [num(ir[0], `${f('intRange')}[0]`, safe, true), num(ir[1], `${f('intRange')}[1]`, safe, true)];
    if (r.intRange[0] > r.intRange[1]) fail(f('intRange'), 'must have lo <= hi', ir);
  }
  if (o.inputs !== undefined) r.inputs = strings(o.inputs, f('inputs'), 4096);
  if (o.maxSamples !== undefined) r.maxSamples = num(o.maxSamples, f('maxSamples'), [0, BOUNDS.samples[1]], true);
  if (o.preprocess !== undefined) r.preprocess = checkPreprocess(o.preprocess, f('preprocess'));
  if (o.memoryBudget !== undefined) r.memoryBudget = num(o.memoryBudget, f('memoryBudget'), BOUNDS.memoryBudget, true);
  if (o.level !== undefined) {
    if (o.level !== 'all' && o.level !== 'layers') fail(f('level'), "must be 'all' or 'layers'", o.level);
    r.level = o.level;
  }
  if (o.timeoutSeconds !== undefined) r.timeoutSeconds = num(o.timeoutSeconds, f('timeoutSeconds'), BOUNDS.timeoutSeconds, false);
  if (o.memoryLimit !== undefined) r.memoryLimit = num(o.memoryLimit, f('memoryLimit'), BOUNDS.memoryLimit, true);
  return r;
}

/** Image and audio preprocessing: every field typed and bounded, the preset one we know. */
export function checkPreprocess(v: unknown, field: string): Preprocess {
  const o = obj(v, field);
  const p: Preprocess = {};
  const f = (k: string): string => `${field}.${k}`;
  const known = new Set(['preset', 'scale', 'mean', 'std', 'channels', 'layout', 'size', 'resize', 'sampleRate']);
  for (const k of Object.keys(o)) if (!known.has(k)) fail(field, `has no field '${k}' (fields: ${[...known].join(', ')})`, k);
  if (o.preset !== undefined) {
    const name = str(o.preset, f('preset'));
    if (!PRESETS[name]) fail(f('preset'), `must be one of ${Object.keys(PRESETS).join(', ')}`, name);
    p.preset = name;
  }
  if (o.scale !== undefined) p.scale = num(o.scale, f('scale'), [-1e9, 1e9], false);
  const values = (x: unknown, k: string): number[] => {
    if (!Array.isArray(x) || x.length < 1 || x.length > 4) fail(f(k), 'must be a list of 1 to 4 numbers', x);
    return x.map((y, i) => num(y, `${f(k)}[${i}]`, [-1e9, 1e9], false));
  };
  if (o.mean !== undefined) p.mean = values(o.mean, 'mean');
  if (o.std !== undefined) {
    p.std = values(o.std, 'std');
    if (p.std.includes(0)) fail(f('std'), 'must not hold 0', o.std);
  }
  const oneOf = <T extends string>(k: string, allowed: readonly T[]): T | undefined => {
    if (o[k] === undefined) return undefined;
    if (!allowed.includes(o[k] as T)) fail(f(k), `must be ${allowed.join(' or ')}`, o[k]);
    return o[k] as T;
  };
  const channels = oneOf('channels', ['rgb', 'bgr'] as const);
  const layout = oneOf('layout', ['nchw', 'nhwc'] as const);
  const resize = oneOf('resize', ['stretch', 'crop', 'pad'] as const);
  if (channels) p.channels = channels;
  if (layout) p.layout = layout;
  if (resize) p.resize = resize;
  if (o.size !== undefined) {
    if (!Array.isArray(o.size) || o.size.length !== 2) fail(f('size'), 'must be [height, width]', o.size);
    p.size = [num(o.size[0], `${f('size')}[0]`, BOUNDS.imageSide, true), num(o.size[1], `${f('size')}[1]`, BOUNDS.imageSide, true)];
  }
  if (o.sampleRate !== undefined) p.sampleRate = num(o.sampleRate, f('sampleRate'), BOUNDS.sampleRate, true);
  return p;
}

/** Analysis options over the defaults, type-checked, then parsed by the weight stage's own rules. */
export function checkOptions(v: unknown, field = 'options'): AnalysisOptions {
  const o = obj(v ?? {}, field);
  const partial: Partial<AnalysisOptions> = {};
  if (o.nearZero !== undefined) {
    const nz = obj(o.nearZero, `${field}.nearZero`);
    partial.nearZero = { value: num(nz.value, `${field}.nearZero.value`, BOUNDS.threshold, false), relative: bool(nz.relative ?? false, `${field}.nearZero.relative`) };
  }
  if (o.nm !== undefined) partial.nm = strings(o.nm, `${field}.nm`);
  if (o.blocks !== undefined) partial.blocks = strings(o.blocks, `${field}.blocks`);
  return resolveOptions(partial);
}

export interface CheckedAnalysis {
  options: AnalysisOptions;
  run: RunOptions | false;
  estimate: { accelerators?: string; scenarios?: string[]; targets?: string[]; dims?: Record<string, number>; plan?: PlanSettings } | false;
}

/** The plan's budget: a share of L1 magnitude kept in (0, 1]; layer names to leave alone. */
export function checkPlan(v: unknown, field = 'estimate.plan'): PlanSettings {
  const o = obj(v ?? {}, field);
  return {
    ...(o.target !== undefined ? { target: str(o.target, `${field}.target`) } : {}),
    ...(o.keep !== undefined ? { keep: num(o.keep, `${field}.keep`, [1e-6, 1], false) } : {}),
    ...(o.leave !== undefined ? { leave: strings(o.leave, `${field}.leave`, 4096) } : {}),
  };
}

export function checkAnalysis(s: AnalysisSettings): CheckedAnalysis {
  const estimate = s.estimate === false ? false as const : obj(s.estimate ?? {}, 'estimate');
  return {
    options: checkOptions(s.options),
    run: s.run === false ? false : checkRun(s.run),
    estimate: estimate === false ? false : {
      ...(estimate.accelerators !== undefined ? { accelerators: str(estimate.accelerators, 'estimate.accelerators') } : {}),
      ...(estimate.scenarios !== undefined ? { scenarios: strings(estimate.scenarios, 'estimate.scenarios') } : {}),
      ...(estimate.targets !== undefined ? { targets: strings(estimate.targets, 'estimate.targets', 256) } : {}),
      ...(estimate.dims !== undefined ? { dims: checkDims(estimate.dims, 'estimate.dims') } : {}),
      ...(estimate.plan !== undefined ? { plan: checkPlan(estimate.plan) } : {}),
    },
  };
}

export interface CheckedBench {
  run: RunOptions;
  warmup: number;
  iterations?: number;
  seconds?: number;
  prune?: string;
}

export function checkBench(s: BenchSettings): CheckedBench {
  // The CLI's words for these fields, which users see most.
  const warmup = s.warmup === undefined ? 3 : num(s.warmup, '--warmup', BOUNDS.warmup, true);
  if (s.iterations !== undefined && !(typeof s.iterations === 'number' && Number.isInteger(s.iterations) && s.iterations > 0))
    throw new UsageError(`--iterations must be an integer > 0, not ${s.iterations}`);
  const iterations = s.iterations === undefined ? undefined : num(s.iterations, '--iterations', BOUNDS.iterations, true);
  if (s.seconds !== undefined && !(typeof s.seconds === 'number' && s.seconds > 0)) throw new UsageError(`--seconds must be > 0, not ${s.seconds}`);
  const seconds = s.seconds === undefined ? undefined : num(s.seconds, '--seconds', BOUNDS.seconds, false);
  return {
    run: { ...checkRun(s.run), samples: 1 }, warmup, iterations, seconds,
    ...(s.prune !== undefined ? { prune: str(s.prune, '--prune') } : {}),
  };
}

export function checkShape(v: unknown, field: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3) fail(field, 'must be [M, K, N]', v);
  return [0, 1, 2].map((i) => num(v[i], `${field}[${i}]`, BOUNDS.shapeDim, true)) as [number, number, number];
}
