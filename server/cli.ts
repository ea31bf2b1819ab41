import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeModel, type Progress } from './analysis/analyze';
import { AnalysisError, CancelledError, UsageError } from './errors';
import { buildDemoModel } from './demo/demo-model';
import { writeModel } from './onnx/builder';
import { DEFAULT_RUN, type AnalysisOptions, type Report, type RunOptions } from './protocol';
import { saveBench, saveCrossover } from './bench/bench-cache';
import { DEFAULT_SHAPE, measureCrossover } from './bench/crossover';
import { benchMachineKey } from './bench/machine';
import { benchmarkModel } from './bench/model-bench';
import { benchMarkdown, crossoverMarkdown } from './report/bench-markdown';
import { toCsv } from './report/csv';
import { standaloneHtml } from './report/html';
import { toMarkdown } from './report/markdown';
import { VERSION } from './version';

const USAGE = `onnx-sparsity ${VERSION}: how sparse an ONNX model is, layer by layer

Usage:
  onnx-sparsity analyze MODEL [options]   measure weight sparsity and patterns, run the model
  onnx-sparsity demo [options]            build the demo CNN+MLP model and analyze it
  onnx-sparsity bench MODEL [options]     measure the model's latency here (--prune 2:4|90% also times a pruned copy)
  onnx-sparsity crossover [options]       measure where this machine's sparse matmuls beat its dense one

Options:
  --format json|md|csv|html  output format (default: md on a terminal, json otherwise); html is the
                         interactive report as one file that opens offline in any browser
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
  --int-range LO:HI      range of generated integer inputs (default 0:1000)
  --samples N            generated samples, aggregated (default 1)
  --inputs PATH          your inputs: a test_data_set_* folder (or a folder of them), .pb, .npy
                         or .npz files (repeatable)
  --memory-budget BYTES  bytes of copied-out values held at once (default 1GiB; k/M/G suffixes)
  --activations all|layers  statistics of every value, or of layer inputs/outputs only (default all)
  --accelerators FILE    extra accelerator profiles (JSON; same id replaces a built-in one)
  --scenario LIST        estimate scenarios: as-is, pruned-N:M, pruned-X%, pruned-RxC-X%
                         (default as-is,pruned-2:4,pruned-90%)
  --no-estimate          no speedup estimates
  --warmup N, --iterations N, --seconds S, --prune 2:4|X%   (bench) warm-up runs, timed runs or duration
                         (default 2 s), and a pruned copy to time against the model
  --shape MxKxN          (crossover) weight [M, K] x activations [K, N] (default 1024x1024x256)
  --verbose              stack traces on errors
  -h, --help             this help
  --version              print the version

Exit codes: 0 ok, 1 the model could not be analysed, 2 bad usage.`;

type Format = 'json' | 'md' | 'csv' | 'html';

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' }, out: { type: 'string' }, threshold: { type: 'string' },
        relative: { type: 'boolean' }, nm: { type: 'string' }, blocks: { type: 'string' },
        run: { type: 'boolean' }, 'no-run': { type: 'boolean' }, ep: { type: 'string' }, 'strict-ep': { type: 'boolean' },
        threads: { type: 'string' }, dim: { type: 'string', multiple: true }, 'int-range': { type: 'string' },
        samples: { type: 'string' }, inputs: { type: 'string', multiple: true }, 'memory-budget': { type: 'string' },
        activations: { type: 'string' }, accelerators: { type: 'string' }, scenario: { type: 'string' },
        'no-estimate': { type: 'boolean' }, warmup: { type: 'string' }, iterations: { type: 'string' },
        seconds: { type: 'string' }, prune: { type: 'string' }, shape: { type: 'string' },
        verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' },
      },
    });
    verbose = values.verbose ?? false;
    if (values.help) return write(io.stdout, USAGE + '\n');
    if (values.version) return write(io.stdout, VERSION + '\n');
    const [command, ...rest] = positionals;
    const format = parseFormat(values.format, values.out ? false : io.stdout.isTTY === true);
    const options = analysisOptions(values);
    const run = runOptions(values);
    if (command === 'bench' || command === 'crossover') {
      if (format === 'csv' || format === 'html') throw new UsageError(`${command} writes json or md`);
      const text = await measure(command, rest, values, run, format, io.stderr);
      if (values.out) await writeAtomically(values.out, text);
      else io.stdout.write(text);
      return 0;
    }
    let model: string;
    if (command === 'analyze') {
      if (rest.length !== 1) throw new UsageError('analyze takes exactly one MODEL path');
      model = rest[0];
    } else if (command === 'demo') {
      if (rest.length) throw new UsageError('demo takes no arguments');
      model = await writeModel(buildDemoModel(), path.join(os.tmpdir(), 'onnx-sparsity-demo'), 'demo-cnn-mlp.onnx');
      io.stderr.write(`demo model written to ${model}\n`);
    } else throw new UsageError(command ? `unknown command '${command}'` : 'no command given');

    if (values.out && path.resolve(values.out) === path.resolve(model))
      throw new UsageError('--out names the model itself; refusing to write over it');
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once('SIGINT', onSigint);
    let report: Report;
    try {
      const estimate = values['no-estimate'] ? false as const : {
        ...(values.accelerators ? { accelerators: values.accelerators } : {}),
        ...(values.scenario ? { scenarios: values.scenario.split(',').map((x) => x.trim()).filter(Boolean) } : {}),
      };
      report = await analyzeModel({ file: model, options, run, estimate, signal: abort.signal, onProgress: progressPrinter(io.stderr) });
    } finally {
      process.off('SIGINT', onSigint);
    }
    const text = render(report, format);
    if (values.out) await writeAtomically(values.out, text);
    else io.stdout.write(text);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`onnx-sparsity: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof AnalysisError || e instanceof CancelledError) {
      io.stderr.write(`onnx-sparsity: ${e.message}\n`);
      if (verbose && e.stack) io.stderr.write(e.stack + '\n');
      return 1;
    }
    io.stderr.write(`onnx-sparsity: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (verbose && e instanceof Error && e.stack) io.stderr.write(e.stack + '\n');
    return 1;
  } finally {
    if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
  }
}

function parseFormat(f: string | undefined, tty: boolean): Format {
  if (f === undefined) return tty ? 'md' : 'json';
  if (f === 'json' || f === 'md' || f === 'csv' || f === 'html') return f;
  throw new UsageError(`--format must be json, md, csv or html, not '${f}'`);
}

function analysisOptions(v: { threshold?: string; relative?: boolean; nm?: string; blocks?: string }): Partial<AnalysisOptions> {
  const o: Partial<AnalysisOptions> = {};
  if (v.threshold !== undefined || v.relative) {
    const value = v.threshold === undefined ? 1e-3 : Number(v.threshold);
    if (v.threshold !== undefined && (v.threshold.trim() === '' || !Number.isFinite(value) || value < 0))
      throw new UsageError(`--threshold must be a number >= 0, not '${v.threshold}'`);
    o.nearZero = { value, relative: v.relative ?? false };
  }
  const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
  if (v.nm !== undefined) o.nm = list(v.nm);
  if (v.blocks !== undefined) o.blocks = list(v.blocks);
  return o;
}

interface RunFlags {
  run?: boolean; 'no-run'?: boolean; ep?: string; 'strict-ep'?: boolean; threads?: string; dim?: string[];
  'int-range'?: string; samples?: string; inputs?: string[]; 'memory-budget'?: string; activations?: string;
}

function runOptions(v: RunFlags): Partial<RunOptions> | false {
  if (v['no-run']) return false;
  const o: Partial<RunOptions> = {};
  const int = (flag: string, s: string, min: number): number => {
    const n = Number(s);
    if (!/^\d+$/.test(s.trim()) || n < min) throw new UsageError(`--${flag} must be an integer >= ${min}, not '${s}'`);
    return n;
  };
  if (v.ep !== undefined) o.ep = v.ep;
  if (v['strict-ep']) o.strictEp = true;
  if (v.threads !== undefined) o.threads = int('threads', v.threads, 0);
  if (v.samples !== undefined) o.samples = int('samples', v.samples, 1);
  if (v.dim) {
    o.dims = {};
    for (const d of v.dim) {
      const m = /^(.+)=(\d+)$/.exec(d);
      if (!m || Number(m[2]) < 1) throw new UsageError(`--dim must be NAME=N with N >= 1, not '${d}'`);
      o.dims[m[1]] = Number(m[2]);
    }
  }
  if (v['int-range'] !== undefined) {
    const m = /^(-?\d+):(-?\d+)$/.exec(v['int-range']);
    if (!m || Number(m[1]) > Number(m[2])) throw new UsageError(`--int-range must be LO:HI with LO <= HI, not '${v['int-range']}'`);
    o.intRange = [Number(m[1]), Number(m[2])];
  }
  if (v.inputs) o.inputs = v.inputs;
  if (v['memory-budget'] !== undefined) o.memoryBudget = parseBytes(v['memory-budget']);
  if (v.activations !== undefined) {
    if (v.activations !== 'all' && v.activations !== 'layers') throw new UsageError(`--activations must be all or layers, not '${v.activations}'`);
    o.level = v.activations;
  }
  return o;
}

/** `bench` and `crossover`: measure, cache the result for reports on this machine, format it. */
async function measure(
  command: 'bench' | 'crossover', rest: string[], v: Record<string, unknown>, run: Partial<RunOptions> | false,
  format: Format, stderr: NodeJS.WriteStream,
): Promise<string> {
  const r = { ...DEFAULT_RUN, ...(run || {}) };
  const num = (flag: string, min: number, integer: boolean): number | undefined => {
    const s = v[flag] as string | undefined;
    if (s === undefined) return undefined;
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, not '${s}'`);
    return n;
  };
  const progress = progressPrinter(stderr);
  const onProgress = progress && ((fraction: number, message: string) => progress({ fraction, message, phase: 'run' }));
  if (command === 'crossover') {
    if (rest.length) throw new UsageError('crossover takes no MODEL');
    const shape = parseShape((v.shape as string | undefined) ?? DEFAULT_SHAPE.join('x'));
    const c = await measureCrossover({ shape, ep: r.ep, strictEp: r.strictEp, threads: r.threads, memoryBudget: r.memoryBudget, onProgress });
    await saveCrossover(c, benchMachineKey(c.ep, r.threads));
    return format === 'md' ? crossoverMarkdown(c) : JSON.stringify(c, null, 2) + '\n';
  }
  if (rest.length !== 1) throw new UsageError('bench takes exactly one MODEL path');
  const prune = v.prune as string | undefined;
  const analysis = prune ? await analyzeModel({ file: rest[0], run: { ...(run || {}) }, estimate: false }) : undefined;
  const b = await benchmarkModel(rest[0], {
    ...r, warmup: num('warmup', 0, true), iterations: num('iterations', 1, true), seconds: num('seconds', 0.001, false),
    prune, analysis, onProgress,
  });
  await saveBench(b, benchMachineKey(b.ep, r.threads));
  return format === 'md' ? benchMarkdown(b) : JSON.stringify(b, null, 2) + '\n';
}

function parseShape(s: string): [number, number, number] {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(s.trim());
  if (!m || [m[1], m[2], m[3]].some((d) => Number(d) < 1)) throw new UsageError(`--shape must be MxKxN with positive integers, not '${s}'`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`--memory-budget must be a byte count like 512M or 2G, not '${s}'`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const n = Math.floor(Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1));
  if (n < 1) throw new UsageError(`--memory-budget must be at least 1 byte, not '${s}'`);
  return n;
}

function render(r: Report, f: Format): string {
  if (f === 'html') return reportHtml(r);
  if (f === 'md') return toMarkdown(r);
  if (f === 'csv') return toCsv(r);
  return JSON.stringify(r, null, 2) + '\n';
}

/** The webview app (bundled next to this CLI in dist/media) with the report inlined: one offline file. */
function reportHtml(r: Report): string {
  const media = path.join(__dirname, 'media');
  const read = (f: string): string => {
    try {
      return readFileSync(path.join(media, f), 'utf8');
    } catch (e) {
      throw new AnalysisError(`the report app is missing (${(e as Error).message}); run npm run build`, { file: path.join(media, f) });
    }
  };
  return standaloneHtml({ shown: { type: 'report', report: r }, script: read('report.js'), style: read('report.css'), title: `Sparsity: ${r.model.name}`, nonce: randomBytes(16).toString('base64url') });
}

/** Nothing is written unless the whole report is ready; a crash never leaves half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw new AnalysisError(`cannot write the report: ${(e as Error).message}`, { file });
  }
}

function progressPrinter(stderr: NodeJS.WriteStream): ((p: Progress) => void) | undefined {
  if (!stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 100 && p.fraction < 1) return;
    last = now;
    stderr.write(`\r\x1b[Konnx-sparsity: ${p.message} ${(p.fraction * 100).toFixed(0)}%`);
  };
}

function write(s: NodeJS.WritableStream, text: string): number {
  s.write(text);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
