import * as path from 'node:path';
import type { AnalysisSettings } from '../common/requests';
import { planMarkdown, pruneMarkdown } from '../common/report/advice-markdown';
import type { GateIo } from './cli-gates';
import { analysisSettings, number, parseFormat, planOptions } from './cli-options';
import { UsageError } from './errors';
import { isReportFile } from './gates/saved-report';
import { analyzeModel } from './pipeline/analyze';
import { planModel } from './pipeline/plan';
import { pruneWithPlan } from './pipeline/prune';

/** `plan` and `prune`: from a model's figures to a pruning plan, and from a plan to a pruned copy measured against the model. */
export const ADVISE_COMMANDS = ['plan', 'prune'] as const;
export type AdviseCommand = (typeof ADVISE_COMMANDS)[number];

export function isAdviseCommand(c: string | undefined): c is AdviseCommand {
  return (ADVISE_COMMANDS as readonly string[]).includes(c ?? '');
}

export function runAdviseCommand(command: AdviseCommand, g: GateIo): Promise<number> {
  return command === 'plan' ? plan(g) : prune(g);
}

function oneModel(g: GateIo, command: string): string {
  if (g.args.length !== 1) throw new UsageError(`${command} takes exactly one MODEL path`);
  if (isReportFile(g.args[0])) throw new UsageError(`${command} takes the model (.onnx): the plan addresses its weights`);
  return g.args[0];
}

/** The analysis settings with the plan's target alone estimated, unless the user named targets. */
function settingsFor(g: GateIo): { settings: AnalysisSettings; target: string | undefined } {
  const settings = analysisSettings(g.values);
  const targets = settings.estimate === false ? undefined : settings.estimate.targets;
  if (targets && targets.length > 1) throw new UsageError('a plan is for one target: give --target once (e.g. --target h100+tensorrt)');
  return { settings, target: targets?.[0] };
}

/** `plan MODEL [--target ID] [--keep X] [--leave LIST]`: the plan as JSON (the file `prune --plan` reads) or Markdown. */
async function plan(g: GateIo): Promise<number> {
  const v = g.values;
  const file = oneModel(g, 'plan');
  const format = v.format === undefined ? 'json' : parseFormat(v.format, false);
  if (format !== 'json' && format !== 'md') throw new UsageError('plan writes json (the plan file) or md');
  if (v.out) await g.refuse(v.out, [file, ...(v.inputs ?? [])]);
  const { settings, target } = settingsFor(g);
  const wanted = { ...planOptions(v), ...(target ? { target } : {}) };
  const { result, read } = await g.work((signal, onProgress) => planModel(settings, wanted, () => analyzeModel({ file, ...settings, signal, onProgress })));
  await g.emit(format === 'json' ? JSON.stringify(result, null, 2) + '\n' : planMarkdown(result, `# Pruning plan: ${path.basename(file)}`).join('\n'), [file, ...read]);
  return 0;
}

/** `prune MODEL [--plan FILE] [--out COPY]`: the copy written, then held against the model. */
async function prune(g: GateIo): Promise<number> {
  const v = g.values;
  const file = oneModel(g, 'prune');
  const format = parseFormat(v.format, g.stdout.isTTY === true);
  if (format === 'csv') throw new UsageError('prune writes json, md or html');
  if (v.plan && (v.keep !== undefined || v.leave !== undefined)) throw new UsageError('--plan gives the plan: --keep and --leave make one, so give either');
  const out = path.resolve(v.out ?? path.join(path.dirname(path.resolve(file)), `${path.basename(file).replace(/\.onnx$/i, '')}.pruned.onnx`));
  const inputs = [file, ...(v.plan ? [v.plan] : []), ...(v.inputs ?? [])];
  await g.refuse(out, inputs);
  const { settings, target } = settingsFor(g);
  const timing = {
    ...(v.warmup !== undefined ? { warmup: number('warmup', v.warmup, 0, true) } : {}),
    ...(v.iterations !== undefined ? { iterations: number('iterations', v.iterations, 1, true) } : {}),
    ...(v.seconds !== undefined ? { seconds: number('seconds', v.seconds, 0.001) } : {}),
  };
  const { result, read } = await g.work((signal, onProgress) => pruneWithPlan({
    file, out, ...settings, signal, onProgress, timing, protect: inputs,
    plan: v.plan ? { file: v.plan } : { settings: { ...planOptions(v), ...(target ? { target } : {}) } },
    analyze: (f, options) => analyzeModel({ file: f, ...settings, options, signal, onProgress }),
  }));
  g.stderr.write(`onnx-sparsity: pruned copy written to ${out}${result.prune.copy.externalData ? ` (external data: ${result.prune.copy.externalData})` : ''}\n`);
  const text = format === 'json' ? JSON.stringify(result.prune, null, 2) + '\n'
    : format === 'md' ? pruneMarkdown(result.prune)
      : g.html({ type: 'compare', a: result.a, b: result.b, diff: result.diff, prune: result.prune }, `Pruned: ${path.basename(out)} vs ${path.basename(file)}`);
  await g.emit(text, [...inputs, out, ...read]);
  return result.prune.layers.every((l) => l.ok) ? 0 : 1;
}
