import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeModel, type Progress } from './pipeline/analyze';
import { recordingReads } from './files/read-log';
import { outputProblem, UnsafeOutputError, writeSafely } from './files/safe-write';
import { AnalysisError, CancelledError, UsageError } from './errors';
import { buildDemoModel } from './demo/demo-model';
import { writeModel } from './onnx/builder';
import { DEFAULT_RUN, type Report, type RunOptions } from '../common/protocol';
import { saveBench, saveCrossover } from './bench/bench-cache';
import { DEFAULT_SHAPE, measureCrossover } from './bench/crossover';
import { benchmarkModel } from './bench/model-bench';
import { benchMarkdown, crossoverMarkdown } from '../common/report/bench-markdown';
import { toCsv } from '../common/report/csv';
import { standaloneHtml } from '../common/report/html';
import { toMarkdown } from '../common/report/markdown';
import { VERSION } from './version';
import { analysisOptions, parseFormat, parseShape, runOptions, USAGE, type Format } from './cli-options';


/** Exit code of an analysis whose run failed: the partial (weights-only) report was still written. */
export const EXIT_RUN_FAILED = 3;

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
      if (values.out) await refuseOutput(values.out, rest.slice(0, 1));
      const { result: text, read } = await recordingReads(() => measure(command, rest, values, run, format, io.stderr));
      if (values.out) await writeReport(values.out, text, [...rest.slice(0, 1), ...read]);
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

    if (values.out) await refuseOutput(values.out, [model, ...(values.inputs ?? [])]);
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once('SIGINT', onSigint);
    let report: Report;
    let read: string[];
    try {
      const estimate = values['no-estimate'] ? false as const : {
        ...(values.accelerators ? { accelerators: values.accelerators } : {}),
        ...(values.scenario ? { scenarios: values.scenario.split(',').map((x) => x.trim()).filter(Boolean) } : {}),
      };
      ({ result: report, read } = await recordingReads(() =>
        analyzeModel({ file: model, options, run, estimate, signal: abort.signal, onProgress: progressPrinter(io.stderr) })));
    } finally {
      process.off('SIGINT', onSigint);
    }
    const text = render(report, format);
    if (values.out) await writeReport(values.out, text, [model, ...read]);
    else io.stdout.write(text);
    // The report is written either way; the exit code tells a script it lacks the run's half.
    if (report.run && !report.run.ok) {
      io.stderr.write(`onnx-sparsity: the model was not run: ${report.run.error} (the report has the weight analysis only)\n`);
      return EXIT_RUN_FAILED;
    }
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
    await saveCrossover(c);
    return format === 'md' ? crossoverMarkdown(c) : JSON.stringify(c, null, 2) + '\n';
  }
  if (rest.length !== 1) throw new UsageError('bench takes exactly one MODEL path');
  const b = await benchmarkModel(rest[0], {
    ...r, warmup: num('warmup', 0, true), iterations: num('iterations', 1, true), seconds: num('seconds', 0.001, false),
    prune: v.prune as string | undefined, analyze: () => analyzeModel({ file: rest[0], run: { ...(run || {}) }, estimate: false }), onProgress,
  });
  await saveBench(b);
  return format === 'md' ? benchMarkdown(b) : JSON.stringify(b, null, 2) + '\n';
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
