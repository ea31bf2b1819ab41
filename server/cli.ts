import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Report, RunReport, Shown } from '../common/protocol';
import { benchMarkdown, crossoverMarkdown } from '../common/report/bench-markdown';
import { toCsv } from '../common/report/csv';
import { standaloneHtml } from '../common/report/html';
import { jsonPieces } from '../common/report/json-text';
import { toMarkdown } from '../common/report/markdown';
import { toText } from '../common/report/text';
import { missingOrtBuild } from './analysis/run/ort-build';
import { startChildEarly } from './child/run-in-child';
import { isAdviseCommand, runAdviseCommand } from './cli-advise';
import { isGateCommand, runGateCommand, type GateIo } from './cli-gates';
import { analysisOptions, estimateOptions, number, parseCli, parseFormat, parseShape, runOptions, USAGE, type CliValues, type Format } from './cli-options';
import { buildDemoModel } from './demo/demo-model';
import { writeDemoSamples } from './demo/demo-samples';
import { AnalysisError, CancelledError, UsageError } from './errors';
import { recordingReads } from './files/read-log';
import { outputProblem, UnsafeOutputError, writeSafely } from './files/safe-write';
import { writeModel } from './onnx/builder';
import { analyzeModel } from './pipeline/analyze';
import { benchmarkModel } from './pipeline/bench';
import type { Progress } from './pipeline/control';
import { crossover } from './pipeline/crossover';
import { ORT_CHILD } from './pipeline/limits';
import { VERSION } from './version';
import { codeCacheReady } from './files/code-cache';

/** Exit code of an analysis whose run failed: the partial (weights-only) report was still written. */
export const EXIT_RUN_FAILED = 3;
/** Exit codes after Ctrl-C and SIGTERM (128 + the signal), as shells expect. */
const EXIT_INTERRUPTED = 130;
const EXIT_TERMINATED = 143;

type Io = { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };
type Values = CliValues;

/** Commands whose work runs in the onnxruntime child (unless --no-run). */
const RUNS_ORT = new Set(['analyze', 'demo', 'bench', 'crossover']);

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
    // The onnxruntime child forks now, not once the settings are read: its start was the run's critical path.
    if (RUNS_ORT.has(command ?? '') && !values['no-run'] && !missingOrtBuild()) startChildEarly(ORT_CHILD);
    const emitTo = (out: string | undefined) => async (text: string | Iterable<string>, inputs: readonly string[]): Promise<void> => {
      progress.clear();
      if (out) await writeReport(out, text, inputs);
      else await writePieces(io.stdout, typeof text === 'string' ? [text] : text);
    };
    const emit = emitTo(values.out);
    const gate = (emitted: typeof emit): GateIo => ({
      values, args: rest, stdout: io.stdout, stderr: io.stderr, emit: emitted,
      work: (fn) => recordingReads(() => interruptible((signal) => fn(signal, progress.show))),
      write: (file, content, inputs) => {
        progress.clear();
        return writeReport(file, content, inputs);
      },
      refuse: refuseOutput,
      html: appHtml,
    });
    if (isGateCommand(command)) return await runGateCommand(command, gate(emit));
    // prune's --out is the copy: its outcome goes to stdout.
    if (isAdviseCommand(command)) return await runAdviseCommand(command, gate(command === 'prune' ? emitTo(undefined) : emit));
    const format = parseFormat(values.format, values.out ? false : io.stdout.isTTY === true);
    if (command === 'bench' || command === 'crossover') {
      if (format === 'csv' || format === 'html') throw new UsageError(`${command} writes json, md or text`);
      if (command === 'bench' && rest.length !== 1) throw new UsageError('bench takes exactly one MODEL path');
      if (command === 'crossover' && rest.length) throw new UsageError('crossover takes no MODEL');
      if (values.out) await refuseOutput(values.out, rest);
      const { result: text, read } = await recordingReads(() => interruptible((signal) => measure(command, rest[0], values, format, signal, progress.show)));
      await emit([text], [...rest, ...read]);
      return 0;
    }
    const model = await modelOf(command, rest, io);
    let run = runOptions(values);
    // The demo runs on pictures of its own unless told otherwise: real-input activation sparsity.
    if (command === 'demo' && run && !values.inputs) {
      const samples = await writeDemoSamples(path.join(path.dirname(model), 'samples'));
      run = { ...run, inputs: [samples], ...(values.samples !== undefined ? { maxSamples: run.samples } : {}) };
      io.stderr.write(`demo sample images in ${samples} (--inputs DIR runs on yours)\n`);
    }
    if (values.out) await refuseOutput(values.out, [model, ...(values.inputs ?? [])]);
    const estimate = estimateOptions(values);
    const { result: report, read } = await recordingReads(() => interruptible((signal) =>
      analyzeModel({ file: model, options: analysisOptions(values), run, estimate, signal, onProgress: progress.show })));
    await emit(render(report, format), [model, ...read]);
    // The report is written either way; the exit code tells a script it lacks the run's half.
    if (report.run?.ok && report.run.sampleSource?.kind === 'generated')
      io.stderr.write(`onnx-sparsity: activation figures rest on generated inputs (${report.run.sampleSource.text}); give real samples with --inputs DIR (images, WAV, token ids or tensors)\n`);
    if (report.run && !report.run.ok) {
      io.stderr.write(`onnx-sparsity: the model was not run: ${report.run.error} (the report has the weight analysis only)\n`);
      if (report.run.missingSizes) io.stderr.write(`onnx-sparsity: give the sizes, e.g. ${sizeFlags(report.run.missingSizes)}\n`);
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
    return format === 'json' ? JSON.stringify(c, null, 2) + '\n' : crossoverMarkdown(c);
  }
  const opt = (flag: 'warmup' | 'iterations' | 'seconds', min: number, integer: boolean): number | undefined =>
    v[flag] === undefined ? undefined : number(flag, v[flag], min, integer);
  const file = model!;
  const b = await benchmarkModel(file, {
    run, warmup: opt('warmup', 0, true), iterations: opt('iterations', 1, true), seconds: opt('seconds', 0.001, false), prune: v.prune,
    analyze: () => analyzeModel({ file, run, estimate: false, signal }), signal, onProgress,
  });
  return format === 'json' ? JSON.stringify(b, null, 2) + '\n' : benchMarkdown(b);
}

/**
 * Runs `work` under SIGINT and SIGTERM handlers that end the process at once: the abort kills
 * the run's child synchronously, and nothing half-written is left (outputs are renamed into place
 * whole). The weight pass yields every 25 ms, so a signal is heard within that.
 */
async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    abort.abort();
    process.stderr.write('\nonnx-sparsity: interrupted\n');
    process.exit(sig === 'SIGINT' ? EXIT_INTERRUPTED : EXIT_TERMINATED);
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

/** The flags that give the missing sizes (the guesses filled in): --dim for named dims, --input-shape for inputs with an unnamed one. */
export function sizeFlags(missing: NonNullable<RunReport['missingSizes']>): string {
  const unnamed = new Map(missing.filter((m) => m.name === null).map((m) => [m.input, m.inputShape]));
  const named = [...new Map(missing.filter((m) => m.name !== null && !unnamed.has(m.input)).map((m) => [m.name!, m.guess])).entries()];
  return [...named.map(([n, g]) => `--dim ${n}=${g}`), ...[...unnamed].map(([i, s]) => `--input-shape ${i}=${s.join(',')}`)].join(' ');
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

/** The report's text; JSON in pieces, since a large model's report is longer than one string can be. */
function render(r: Report, f: Format): Iterable<string> {
  if (f === 'html') return [appHtml({ type: 'report', report: r }, `Sparsity: ${r.model.name}`)];
  if (f === 'md') return [toMarkdown(r)];
  if (f === 'text') return [toText(r)];
  if (f === 'csv') return [toCsv(r)];
  return jsonPieces(r);
}

/** Writes pieces to a stream, waiting for it to drain so a slow reader never makes us buffer the whole report. */
async function writePieces(out: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  for (const p of pieces) if (!out.write(p)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

/** The webview app (bundled next to this CLI in dist/media) with what it shows inlined: one offline file. */
function appHtml(shown: Shown, title: string): string {
  const media = path.join(__dirname, 'media');
  const read = (f: string): string => {
    try {
      return readFileSync(path.join(media, f), 'utf8');
    } catch (e) {
      throw new AnalysisError(`the report app is missing (${(e as Error).message}); run npm run build`, { file: path.join(media, f) });
    }
  };
  return standaloneHtml({ shown, script: read('report.js'), style: read('report.css'), title, nonce: randomBytes(16).toString('base64url') });
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
async function writeReport(file: string, text: string | Uint8Array | Iterable<string>, read: readonly string[]): Promise<void> {
  try {
    await writeSafely(file, typeof text === 'string' || text instanceof Uint8Array ? text : async (h) => {
      for (const p of text) await h.write(p);
    }, { protect: read });
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
    if (code === 0) codeCacheReady();
  });
}
