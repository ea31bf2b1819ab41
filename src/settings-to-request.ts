import * as path from 'node:path';
import { DEFAULT_SCENARIOS, DEFAULT_TARGETS } from '../common/protocol';
import type { AnalysisSettings } from '../common/requests';
import { DEFAULT_OPTIONS, DEFAULT_RUN, type RunOptions } from '../common/protocol';

/**
 * The `onnxSparsity.*` settings as the manifest declares them, and their translation into the
 * AnalysisSettings every request carries. Pure (no vscode import) so it is unit-tested; the
 * server validates again, but checking here names the setting the user has to fix.
 */
export interface Settings {
  run: boolean;
  executionProvider: string;
  strictExecutionProvider: boolean;
  threads: number;
  memoryBudgetMB: number;
  symbolicDims: Record<string, number>;
  intRange: string;
  samples: number;
  nearZeroThreshold: number;
  nearZeroRelative: boolean;
  nmPatterns: string[];
  blockShapes: string[];
  acceleratorProfiles: string;
  scenarios: string[];
  targets: string[];
  activations: 'all' | 'layers';
  runTimeoutSeconds: number;
  runMemoryLimitMB: number;
}

export type SettingKey = keyof Settings;

/** Mirrors the engine's defaults; the manifest test holds package.json's defaults to this table. */
export const DEFAULT_SETTINGS: Readonly<Settings> = {
  run: true,
  executionProvider: DEFAULT_RUN.ep,
  strictExecutionProvider: DEFAULT_RUN.strictEp,
  threads: DEFAULT_RUN.threads,
  memoryBudgetMB: DEFAULT_RUN.memoryBudget / 2 ** 20,
  symbolicDims: {},
  intRange: DEFAULT_RUN.intRange.join(':'),
  samples: DEFAULT_RUN.samples,
  nearZeroThreshold: DEFAULT_OPTIONS.nearZero.value,
  nearZeroRelative: DEFAULT_OPTIONS.nearZero.relative,
  nmPatterns: DEFAULT_OPTIONS.nm,
  blockShapes: DEFAULT_OPTIONS.blocks,
  acceleratorProfiles: '',
  scenarios: DEFAULT_SCENARIOS,
  targets: DEFAULT_TARGETS,
  activations: DEFAULT_RUN.level,
  runTimeoutSeconds: DEFAULT_RUN.timeoutSeconds,
  runMemoryLimitMB: DEFAULT_RUN.memoryLimit / 2 ** 20,
};

/** Where relative paths in settings are resolved: the model's workspace folder, and `~`. */
export interface PathBase {
  folder?: string;
  home: string;
}

export type SettingsResult = { ok: true; settings: AnalysisSettings } | { ok: false; problems: string[] };

/**
 * Settings as read (settings.json may hold any JSON, whatever the schema says) to the request's
 * AnalysisSettings. Every problem is listed, each naming its setting, so one round of fixes is enough.
 */
export function toAnalysisSettings(raw: Partial<Record<SettingKey, unknown>>, base: PathBase): SettingsResult {
  const problems: string[] = [];
  const v = new Reader(raw, problems);
  const relative = v.bool('nearZeroRelative');
  const threshold = v.number('nearZeroThreshold', (x) => x >= 0 && (!relative || x <= 1), relative ? 'a number from 0 to 1 (a share of the tensor\'s max |x|)' : 'a number >= 0');
  const nm = v.list('nmPatterns', isNm, 'N:M with 0 <= N <= M, M >= 1, e.g. "2:4"');
  const blocks = v.list('blockShapes', isBlock, 'RxC with R, C >= 1, e.g. "4x4"');
  const scenarios = v.list('scenarios', (s) => s.length > 0, 'a scenario name, e.g. "as-is" or "pruned-2:4"');
  const targets = v.list('targets', (s) => /^[a-z0-9][a-z0-9.+:_-]*$/i.test(s), 'target ids such as "h100+tensorrt", or "default", "all", "this-machine"');
  const accelerators = v.path('acceleratorProfiles', base, problems);
  const run = v.bool('run') ? runOptions(v) : false;
  // Without a run, static shape inference still needs the symbolic dims' sizes.
  const dims = run === false ? v.dims('symbolicDims') : {};
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    settings: {
      options: { nearZero: { value: threshold, relative }, nm, blocks },
      run,
      // No scenario means no estimates: the only way the settings can switch them off.
      estimate: scenarios.length ? { scenarios, targets, ...(accelerators ? { accelerators } : {}), ...(Object.keys(dims).length ? { dims } : {}) } : false,
    },
  };
}

function runOptions(v: Reader): Partial<RunOptions> {
  const ep = v.string('executionProvider', (s) => /^[a-z][a-z0-9_-]*$/i.test(s), 'a provider name such as cpu, cuda, webgpu or tensorrt');
  const level = v.string('activations', (s) => s === 'all' || s === 'layers', '"all" or "layers"');
  const range = pair(v.string('intRange', isRange, 'LO:HI with integers LO <= HI, e.g. "0:1000"'), ':', true);
  return {
    ep,
    strictEp: v.bool('strictExecutionProvider'),
    threads: v.number('threads', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0 (0: onnxruntime chooses)'),
    memoryBudget: Math.round(v.number('memoryBudgetMB', (x) => x >= 1, 'a number of MB >= 1') * 2 ** 20),
    dims: v.dims('symbolicDims'),
    // Whole shapes are given per model (the editor asks and remembers them), never in folder settings;
    // and folder settings name dims of many models, so a dim one model lacks is no error.
    shapes: {},
    strictSizes: false,
    intRange: range ?? DEFAULT_RUN.intRange,
    samples: v.number('samples', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1'),
    level: level === 'layers' ? 'layers' : 'all',
    timeoutSeconds: v.number('runTimeoutSeconds', (x) => x >= 1, 'a number of seconds >= 1'),
    memoryLimit: Math.round(v.number('runMemoryLimitMB', (x) => x >= 0, 'a number of MB >= 0 (0: sized from the model)') * 2 ** 20),
  };
}

/** "A<sep>B" of integers (signed when allowed), or undefined. */
function pair(s: string, sep: ':' | 'x', signed = false): [number, number] | undefined {
  const n = signed ? '(-?\\d+)' : '(\\d+)';
  const m = new RegExp(`^\\s*${n}\\s*${sep}\\s*${n}\\s*$`).exec(s);
  if (!m || !Number.isSafeInteger(Number(m[1])) || !Number.isSafeInteger(Number(m[2]))) return undefined;
  return [Number(m[1]), Number(m[2])];
}

function isNm(s: string): boolean {
  const p = pair(s, ':');
  return p !== undefined && p[1] >= 1 && p[0] <= p[1];
}

function isBlock(s: string): boolean {
  const p = pair(s, 'x');
  return p !== undefined && p[0] >= 1 && p[1] >= 1;
}

function isRange(s: string): boolean {
  const p = pair(s, ':', true);
  return p !== undefined && p[0] <= p[1];
}

/** Reads one setting at a time, falling back to its default when unset and noting what is wrong. */
class Reader {
  constructor(private readonly raw: Partial<Record<SettingKey, unknown>>, private readonly problems: string[]) {}

  private value<K extends SettingKey>(key: K): unknown {
    const x = this.raw[key];
    return x === undefined || x === null ? DEFAULT_SETTINGS[key] : x;
  }

  private bad<K extends SettingKey>(key: K, wanted: string, got: unknown): Settings[K] {
    this.problems.push(`onnxSparsity.${key} must be ${wanted}, not ${JSON.stringify(got)}`);
    return DEFAULT_SETTINGS[key];
  }

  bool(key: 'run' | 'strictExecutionProvider' | 'nearZeroRelative'): boolean {
    const x = this.value(key);
    return typeof x === 'boolean' ? x : this.bad(key, 'true or false', x);
  }

  number(key: 'threads' | 'memoryBudgetMB' | 'samples' | 'nearZeroThreshold' | 'runTimeoutSeconds' | 'runMemoryLimitMB', ok: (x: number) => boolean, wanted: string): number {
    const x = this.value(key);
    return typeof x === 'number' && Number.isFinite(x) && ok(x) ? x : this.bad(key, wanted, x);
  }

  string(key: 'executionProvider' | 'intRange' | 'activations', ok: (s: string) => boolean, wanted: string): string {
    const x = this.value(key);
    return typeof x === 'string' && ok(x.trim()) ? x.trim() : this.bad(key, wanted, x);
  }

  list(key: 'nmPatterns' | 'blockShapes' | 'scenarios' | 'targets', ok: (s: string) => boolean, wanted: string): string[] {
    const x = this.value(key);
    if (!Array.isArray(x)) return this.bad(key, `a list of ${wanted}`, x);
    const bad = x.filter((s) => typeof s !== 'string' || !ok(s.trim()));
    if (bad.length) return this.bad(key, `a list of ${wanted}; these are not`, bad);
    return x.map((s: string) => s.trim());
  }

  dims(key: 'symbolicDims'): Record<string, number> {
    const x = this.value(key);
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return this.bad(key, 'an object of dim name -> size, e.g. {"batch": 1}', x);
    const out: Record<string, number> = {};
    for (const [name, n] of Object.entries(x)) {
      if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && name.trim()) out[name] = n;
      else this.bad(key, `sizes that are integers >= 1 (dim ${JSON.stringify(name)})`, n);
    }
    return out;
  }

  /** '' is no file; `~/` is the home folder; relative paths are taken from the workspace folder. */
  path(key: 'acceleratorProfiles', base: PathBase, problems: string[]): string | undefined {
    const x = this.value(key);
    const p = typeof x === 'string' ? x.trim() : this.bad(key, 'a path to a JSON file, or ""', x);
    if (!p) return undefined;
    if (p === '~' || p.startsWith('~/')) return path.join(base.home, p.slice(1));
    if (path.isAbsolute(p)) return p;
    if (base.folder) return path.resolve(base.folder, p);
    problems.push(`onnxSparsity.acceleratorProfiles is the relative path ${JSON.stringify(p)}, but the model is in no workspace folder to resolve it from; give an absolute path`);
    return undefined;
  }
}
