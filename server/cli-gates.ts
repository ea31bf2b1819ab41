import * as os from 'node:os';
import * as path from 'node:path';
import type { Shown } from '../common/protocol';
import { checkMarkdown, checkText } from '../common/report/check-report';
import { compareMarkdown } from '../common/report/compare-markdown';
import { analysisSettings, parseCheckFormat, parseFormat, type CliValues } from './cli-options';
import { UsageError } from './errors';
import { toJunit } from './gates/junit';
import { isReportFile } from './gates/saved-report';
import { analyzeModel } from './pipeline/analyze';
import { checkModel } from './pipeline/check';
import { compareModels } from './pipeline/compare';
import type { Progress } from './pipeline/control';
import { exportOverlay, OVERLAYS, type Overlay } from './pipeline/export';

/** What the gate commands get from the CLI around them: flags, streams, and its safe ways to work and write. */
export interface GateIo {
  values: CliValues;
  /** The positionals after the command. */
  args: string[];
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Runs the work so that Ctrl-C stops it, recording every file it read. */
  work<T>(fn: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>): Promise<{ result: T; read: string[] }>;
  /** To --out, or stdout. */
  emit(text: string, inputs: readonly string[]): Promise<void>;
  /** A file written whole, never over one the command read. */
  write(file: string, content: string | Uint8Array, inputs: readonly string[]): Promise<void>;
  /** Refuses an output path before any work. */
  refuse(out: string, inputs: readonly string[]): Promise<void>;
  /** The report app as one HTML file showing `shown`. */
  html(shown: Shown, title: string): string;
}

export const GATE_COMMANDS = ['compare', 'check', 'export'] as const;
export type GateCommand = (typeof GATE_COMMANDS)[number];

export function isGateCommand(c: string | undefined): c is GateCommand {
  return (GATE_COMMANDS as readonly string[]).includes(c ?? '');
}

export function runGateCommand(command: GateCommand, g: GateIo): Promise<number> {
  return command === 'compare' ? compare(g) : command === 'check' ? check(g) : exportCommand(g);
}

/** `compare A B`: either side a model or a saved JSON report. */
async function compare(g: GateIo): Promise<number> {
  const v = g.values;
  if (g.args.length !== 2) throw new UsageError('compare takes two paths, A and B (models, or reports saved with analyze --format json)');
  const format = parseFormat(v.format, !v.out && g.stdout.isTTY === true);
  if (format === 'csv') throw new UsageError('compare writes json, md or html (csv has one row per layer of one model)');
  const [a, b] = g.args;
  if (v.out) await g.refuse(v.out, [a, b, ...(v.inputs ?? [])]);
  const settings = analysisSettings(v);
  const { result, read } = await g.work((signal, onProgress) => compareModels((file) => analyzeModel({ file, ...settings, signal, onProgress }), a, b));
  const text = format === 'json' ? JSON.stringify(result, null, 2) + '\n'
    : format === 'md' || format === 'text' ? compareMarkdown(result.a, result.b, result.diff)
      : g.html({ type: 'compare', ...result }, `Sparsity: ${result.a.model.name} vs ${result.b.model.name}`);
  await g.emit(text, [a, b, ...read]);
  return 0;
}

/** `check MODEL`: exit 0 when every rule passes, 1 when one fails or cannot be checked. */
async function check(g: GateIo): Promise<number> {
  const v = g.values;
  if (g.args.length !== 1) throw new UsageError('check takes exactly one MODEL path');
  const [file] = g.args;
  if (isReportFile(file)) throw new UsageError('check takes the model (.onnx) to check; a saved report can be its --baseline');
  const format = parseCheckFormat(v.format);
  const inputs = [file, ...[v.baseline, v.rules].filter((x): x is string => x !== undefined), ...(v.inputs ?? [])];
  const outputs = [v.out, v.junit, v.markdown].filter((x): x is string => x !== undefined);
  if (new Set(outputs.map((o) => path.resolve(o))).size < outputs.length) throw new UsageError('--out, --junit and --markdown must name different files');
  for (const o of outputs) await g.refuse(o, inputs);
  const settings = analysisSettings(v);
  const { result, read } = await g.work((signal, onProgress) => checkModel({
    file, rules: v.rules, baseline: v.baseline, ...settings, signal, onProgress,
    analyze: (f) => analyzeModel({ file: f, ...settings, signal, onProgress }),
  }));
  // The drift run reads in the onnxruntime child, whose reads this process does not see.
  const written = [...inputs, ...read, ...(result.drift ? [result.drift.baseline] : [])];
  if (v.junit) await g.write(v.junit, toJunit(result, os.hostname()), written);
  if (v.markdown) await g.write(v.markdown, checkMarkdown(result), written);
  const text = format === 'json' ? JSON.stringify(result, null, 2) + '\n' : format === 'md' ? checkMarkdown(result) : format === 'junit' ? toJunit(result, os.hostname()) : checkText(result);
  await g.emit(text, written);
  return result.passed ? 0 : 1;
}

/** `export MODEL --overlay KIND`: the JSON overlays go to stdout or --out; the annotated copy to a file beside the model. */
async function exportCommand(g: GateIo): Promise<number> {
  const v = g.values;
  if (g.args.length !== 1) throw new UsageError('export takes exactly one MODEL path');
  const [file] = g.args;
  if (isReportFile(file)) throw new UsageError('export takes the model (.onnx): overlays address its nodes');
  if (!v.overlay) throw new UsageError(`export needs --overlay ${OVERLAYS.join('|')}`);
  const overlay = v.overlay as Overlay;
  if (v.format !== undefined) throw new UsageError('export writes the format --overlay names; --format does not apply');
  const out = v.out ?? (overlay === 'onnx' ? path.join(path.dirname(path.resolve(file)), `${path.basename(file).replace(/\.onnx$/i, '')}.sparsity.onnx`) : undefined);
  if (out) await g.refuse(out, [file]);
  const settings = analysisSettings(v);
  const scenarios = settings.estimate === false ? undefined : settings.estimate.scenarios;
  const { result, read } = await g.work((signal, onProgress) => exportOverlay({
    file, overlay, metric: v.metric, target: v.target, scenario: scenarios?.length === 1 ? scenarios[0] : undefined,
    analyze: () => analyzeModel({ file, ...settings, signal, onProgress }),
  }));
  for (const n of result.notes) g.stderr.write(`onnx-sparsity: ${n}\n`);
  if (!out) {
    await g.emit(result.content as string, [file, ...read]);
    return 0;
  }
  await g.write(out, result.content, [file, ...read]);
  g.stderr.write(`onnx-sparsity: ${overlay === 'onnx' ? 'annotated copy' : `${overlay} overlay`} written to ${out}\n`);
  return 0;
}
