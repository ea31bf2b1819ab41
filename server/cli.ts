import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Report } from '../common/protocol';
import { benchMarkdown, crossoverMarkdown } from '../common/report/bench-markdown';
import { toCsv } from '../common/report/csv';
import { standaloneHtml } from '../common/report/html';
import { toMarkdown } from '../common/report/markdown';
import { analysisOptions, dimsOf, FLAGS, number, parseFormat, parseShape, runOptions, USAGE, type Format } from './cli-options';
import { buildDemoModel } from './demo/demo-model';
import { AnalysisError, CancelledError, UsageError } from './errors';
import { recordingReads } from './files/read-log';
import { outputProblem, UnsafeOutputError, writeSafely } from './files/safe-write';
import { writeModel } from './onnx/builder';
import { analyzeModel } from './pipeline/analyze';
import { benchmarkModel } from './pipeline/bench';
import type { Progress } from './pipeline/control';
import { crossover } from './pipeline/crossover';
import { VERSION } from './version';

/** Exit code of an analysis whose run failed: the partial (weights-only) report was still written. */
export const EXIT_RUN_FAILED = 3;
/** Exit code after Ctrl-C (128 + SIGINT), as shells expect. */
const EXIT_INTERRUPTED = 130;

type Io = { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };
type Values = ReturnType<typeof parseCli>['values'];

const parseCli = (argv: string[]) => parseArgs({ args: argv, allowPositionals: true, options: FLAGS });

/** The CLI: flags in, one pipeline call, the report out. Every command ends on Ctrl-C at once. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let verbose = argv.includes('--verbose');
  const progress = progressLine(io.stderr);
  try {
    const { values, positionals } = parseCli(argv);
    verbose = values.verbose ?? false;
    if (values.help) return write(io.stdout, USAGE + '\n');
    if (values.version) return write(io.stdout, VERSION + '\n');
    const [command, ...rest] = positionals;
    const format = parseFormat(values.format, values.out ? false : io.stdout.isTTY === true);
    const emit = async (text: string, inputs: readonly string[]): Promise<void> => {
      progress.clear();
      if (values.out) await writeReport(values.out, text, inputs);
      else io.stdout.write(text);
    };
    if (command === 'bench' || command === 'crossover') {
      if (format === 'csv' || format === 'html') throw new UsageError(`${command} writes json or md`);
      if (command === 'bench' && rest.length !== 1) throw new UsageError('bench takes exactly one MODEL path');
      if (command === 'crossover' && rest.length) throw new UsageError('crossover takes no MODEL');
      if (values.out) await refuseOutput(values.out, rest);
      const { result: text, read } = await recordingReads(() => interruptible((signal) => measure(command, rest[0], values, format, signal, progress.show)));
      await emit(text, [...rest, ...read]);
      return 0;
    }
    const model = await modelOf(command, rest, io);
    const run = runOptions(values);
    if (values.out) await refuseOutput(values.out, [model, ...(values.inputs ?? [])]);
    const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
    const dims = run === false ? dimsOf(values) : undefined;
    const estimate = values['no-estimate'] ? false as const : {
      ...(values.accelerators ? { accelerators: values.accelerators } : {}),
      ...(values.scenario ? { scenarios: list(values.scenario) } : {}),
      ...(values.target ? { targets: list(values.target) } : {}),
      ...(dims ? { dims } : {}),
    };
    const { result: report, read } = await recordingReads(() => interruptible((signal) =>
      analyzeModel({ file: model, options: analysisOptions(values), run, estimate, signal, onProgress: progress.show })));
    await emit(render(report, format), [model, ...read]);
    // The report is written either way; the exit code tells a script it lacks the run's half.
    if (report.run && !report.run.ok) {
      io.stderr.write(`onnx-sparsity: the model was not run: ${report.run.error} (the report has the weight analysis only)\n`);
      return EXIT_RUN_FAILED;
    }
    return 0;
  } catch (e) {
    progress.clear();
    return failure(e, io.stderr, verbose);
  }
}

async function modelOf(command: string | undefined, rest: string[], io: Io): Promise<string> {
  if (command === 'analyze') {
    if (rest.length !== 1) throw new UsageError('analyze takes exactly one MODEL path');
    return rest[0];
  }
  if (command === 'demo') {
    if (rest.length) throw new UsageError('demo takes no arguments');
    const model = await writeModel(buildDemoModel(), path.join(os.tmpdir(), 'onnx-sparsity-demo'), 'demo-cnn-mlp.onnx');
    io.stderr.write(`demo model written to ${model}\n`);
    return model;
  }
  throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
}

/** `bench` and `crossover`: measure (the pipeline caches the result for reports on this machine), format it. */
async function measure(command: 'bench' | 'crossover', model: string | undefined, v: Values, format: Format, signal: AbortSignal, onProgress: (p: Progress) => void): Promise<string> {
  const run = runOptions(v) || {};
  if (command === 'crossover') {
    const c = await crossover({ ...(v.shape ? { shape: parseShape(v.shape) } : {}), run, signal, onProgress });
    return format === 'md' ? crossoverMarkdown(c) : JSON.stringify(c, null, 2) + '\n';
  }
  const opt = (flag: 'warmup' | 'iterations' | 'seconds', min: number, integer: boolean): number | undefined =>
    v[flag] === undefined ? undefined : number(flag, v[flag], min, integer);
  const file = model!;
  const b = await benchmarkModel(file, {
    run, warmup: opt('warmup', 0, true), iterations: opt('iterations', 1, true), seconds: opt('seconds', 0.001, false), prune: v.prune,
    analyze: () => analyzeModel({ file, run, estimate: false, signal }), signal, onProgress,
  });
  return format === 'md' ? benchMarkdown(b) : JSON.stringify(b, null, 2) + '\n';
}

/**
 * Runs `work` with a signal that SIGINT or SIGTERM aborts. The run's child is killed at once; the
 * weight pass yields every 25 ms and stops at its next chunk. Should anything not let go, the
 * process ends anyway a second later.
 */
async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    abort.abort();
    setTimeout(() => process.exit(sig === 'SIGINT' ? EXIT_INTERRUPTED : 143), 1000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function failure(e: unknown, stderr: NodeJS.WritableStream, verbose: boolean): number {
  if (e instanceof UsageError || (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))) {
    stderr.write(`onnx-sparsity: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (e instanceof CancelledError) {
    stderr.write(`onnx-sparsity: ${e.message}\n`);
    return EXIT_INTERRUPTED;
  }
  if (e instanceof AnalysisError) {
    stderr.write(`onnx-sparsity: ${e.message}\n`);
    if (verbose && e.stack) stderr.write(e.stack + '\n');
    return 1;
  }
  stderr.write(`onnx-sparsity: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (verbose && e instanceof Error && e.stack) stderr.write(e.stack + '\n');
  return 1;
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

/**
 * Checked before any work, so a refused --out costs nothing: never a model or input the command
 * reads (by identity, not by spelling), a device, a FIFO or a folder.
 */
async function refuseOutput(out: string, inputs: readonly string[]): Promise<void> {
  const problem = await outputProblem(out, { protect: inputs });
  if (problem) throw new UsageError(`--out ${problem}`);
}

/**
 * Nothing is written unless the whole report is ready, and never over a file the command read
 * (the model, its external data, inputs, profiles), however the path to it is spelled.
 */
async function writeReport(file: string, text: string, read: readonly string[]): Promise<void> {
  try {
    await writeSafely(file, text, { protect: read });
  } catch (e) {
    if (e instanceof UnsafeOutputError) throw new UsageError(`--out ${e.message}`);
    throw new AnalysisError(`cannot write the report: ${(e as Error).message}`, { file });
  }
}

/** One progress line on a terminal's stderr, rewritten in place and erased before anything else is printed. */
function progressLine(stderr: NodeJS.WriteStream): { show: (p: Progress) => void; clear: () => void } {
  if (!stderr.isTTY) return { show: () => undefined, clear: () => undefined };
  let last = 0;
  let shown = false;
  return {
    show: (p) => {
      const now = Date.now();
      if (now - last < 100 && p.fraction < 1) return;
      last = now;
      shown = true;
      stderr.write(`\r\x1b[Konnx-sparsity: ${p.message} ${(p.fraction * 100).toFixed(0)}%`);
    },
    clear: () => {
      if (shown) stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

function write(s: NodeJS.WritableStream, text: string): number {
  s.write(text);
  return 0;
}

if (require.main === module) {
  // `onnx-sparsity analyze m.onnx | head`: a reader that stops early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
