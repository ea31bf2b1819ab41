import * as path from 'node:path';
import * as vscode from 'vscode';
import { reportPlan } from './apply-plan';
import { Comparison } from './compare';
import { SHOW_CHECK_COMMAND } from './check-status';
import { activeReportModel, LOG_COMMAND, VIEW_TYPE, type Ctx } from './ctx';
import { pickFormatAndExport } from './export';
import { alreadyShown } from './failure';
import { ReportEditorProvider } from './report-editor';
import { benchmark, crossover } from './measure';
import { ReportView } from './report-panel';

type Handler = (...args: unknown[]) => unknown;

/** Every command the manifest contributes, id -> handler factory. */
export const COMMANDS: Record<string, (ctx: Ctx) => Handler> = {
  /** Palette: the active report's model, else one picked. */
  'onnxSparsity.analyze': () => async (arg) => {
    const model = asModel(arg) ?? activeModel() ?? (await pickModels('Analyze', false))?.[0];
    if (model) await openReport(model);
  },
  /** Explorer: every selected .onnx file. */
  'onnxSparsity.analyzeFile': () => async (arg, selection) => {
    for (const model of selected(arg, selection)) await openReport(model);
  },
  /** Palette: the active report's model with one picked, or two picked (at once or one by one). */
  'onnxSparsity.compare': (ctx) => async () => {
    const active = activeModel();
    compare(ctx, await pairFrom(active ? [active] : (await pickModels('Compare', true)) ?? []));
  },
  /** Palette: the active report's model (or one picked) against a report saved earlier (analyze --format json, or Export Report as JSON). */
  'onnxSparsity.compareWithBaseline': (ctx) => async () => {
    const model = activeModel() ?? (await pickModels('Compare with a baseline', false))?.[0];
    if (!model) return;
    const baseline = (await vscode.window.showOpenDialog({
      canSelectMany: false, canSelectFiles: true, canSelectFolders: false, filters: { 'Saved report': ['json'] },
      defaultUri: vscode.Uri.file(path.dirname(model.fsPath)), openLabel: 'Compare', title: `Baseline report to compare ${path.basename(model.fsPath)} with`,
    }))?.[0];
    if (baseline) Comparison.open(ctx, baseline, model);
  },
  /** The check's status item: the latest check of the report in front. */
  [SHOW_CHECK_COMMAND]: (ctx) => () => ctx.checks.showDetails(),
  /** Explorer: two selected models are compared at once; one asks for the other. */
  'onnxSparsity.compareWith': (ctx) => async (arg, selection) => compare(ctx, await pairFrom(selected(arg, selection))),
  'onnxSparsity.export': (ctx) => async (arg) => {
    const shown = viewFor(arg)?.shown;
    if (!shown) return void vscode.window.showInformationMessage('Open a model\'s sparsity report (or a comparison) first; its report is what gets exported.');
    await pickFormatAndExport(shown, ctx.extensionUri);
  },
  'onnxSparsity.reanalyze': () => async (arg) => {
    const view = viewFor(arg);
    if (!view) return void vscode.window.showInformationMessage('Open a model\'s sparsity report first.');
    await view.reanalyze().catch(alreadyShown);
  },
  /** Palette and explorer: the model's latency here, optionally against a pruned copy. */
  'onnxSparsity.benchmark': (ctx) => async (arg) => {
    const model = asModel(arg) ?? activeModel() ?? (await pickModels('Benchmark', false))?.[0];
    if (model && (await benchmark(ctx, model).catch(alreadyShown))) await ReportEditorProvider.document(model)?.reanalyze().catch(alreadyShown);
  },
  /** Palette: where this machine's sparse matmuls start to beat its dense one. */
  'onnxSparsity.crossover': (ctx) => async () => {
    if (await crossover(ctx).catch(alreadyShown)) await ReportView.active?.reanalyze().catch(alreadyShown);
  },
  /** Palette (and the report's run line): sizes for the active model's dynamic input dims, remembered for it. */
  'onnxSparsity.setInputSizes': () => async (arg) => {
    const model = asModel(arg) ?? activeModel();
    const doc = model && ReportEditorProvider.document(model);
    if (!doc) return void vscode.window.showInformationMessage('Open a model\'s sparsity report first; its input sizes are what get set.');
    const r = await doc.act('setInputSizes');
    if (!r.ok && r.message) void vscode.window.showInformationMessage(r.message);
  },
  /** Palette and the report's title bar: the copy pruned by the report's plan, compared with the model. */
  'onnxSparsity.applyPlan': () => async (arg) => {
    const model = asModel(arg) ?? activeModel();
    const doc = model && ReportEditorProvider.document(model);
    const plan = reportPlan(doc?.shown);
    if (!doc || !plan) return void vscode.window.showInformationMessage('Open a model\'s sparsity report with a pruning plan first (the plan needs the estimates).');
    const r = await doc.applyPlan(plan.target, plan.keep).catch((e: unknown) => ({ ok: false, message: e instanceof Error ? e.message : String(e) }));
    if (r.ok && r.message) void vscode.window.showInformationMessage(r.message);
  },
  /** Palette (and the report's "Choose sample inputs..." links): the samples the active model runs on, remembered for it. */
  'onnxSparsity.chooseSampleInputs': () => async (arg) => {
    const model = asModel(arg) ?? activeModel();
    const doc = model && ReportEditorProvider.document(model);
    if (!doc) return void vscode.window.showInformationMessage('Open a model\'s sparsity report first; its sample inputs are what get chosen.');
    const r = await doc.act('chooseInputs');
    if (r.message) void (r.ok ? vscode.window.showInformationMessage(r.message) : vscode.window.showWarningMessage(r.message));
  },
  [LOG_COMMAND]: (ctx) => () => ctx.server.showLog(),
};

/** One model gets a second from the file picker; none (picker dismissed) stays none. */
async function pairFrom(models: vscode.Uri[]): Promise<vscode.Uri[]> {
  if (models.length !== 1) return models;
  const other = (await pickModels(`Compare ${path.basename(models[0].fsPath)} with`, false))?.[0];
  return other ? [models[0], other] : [];
}

function compare(ctx: Ctx, models: vscode.Uri[]): void {
  if (models.length < 2) return;
  if (models.length > 2) void vscode.window.showWarningMessage(`Comparing the first two of the ${models.length} selected models.`);
  Comparison.open(ctx, models[0], models[1]);
}

/** Shows a model's report: opens its editor, or analyses an open one again (new settings apply). */
async function openReport(model: vscode.Uri): Promise<void> {
  const open = ReportEditorProvider.document(model);
  await vscode.commands.executeCommand('vscode.openWith', model, VIEW_TYPE);
  if (open) await open.reanalyze().catch(alreadyShown);
}

/** An editor title button names its editor's model (its group may not have focus); the palette names none. */
function viewFor(arg: unknown): ReportView | undefined {
  const model = asModel(arg);
  return (model && ReportEditorProvider.document(model)?.view) ?? ReportView.active;
}

const activeModel = activeReportModel;

function asModel(x: unknown): vscode.Uri | undefined {
  return x instanceof vscode.Uri && x.scheme === 'file' && /\.onnx$/i.test(x.path) ? x : undefined;
}

/** Explorer commands get the clicked file and the whole selection. */
function selected(arg: unknown, selection: unknown): vscode.Uri[] {
  const all = Array.isArray(selection) && selection.length ? selection : [arg];
  return all.map(asModel).filter((u): u is vscode.Uri => u !== undefined);
}

async function pickModels(openLabel: string, many: boolean): Promise<vscode.Uri[] | undefined> {
  return vscode.window.showOpenDialog({ canSelectMany: many, canSelectFiles: true, canSelectFolders: false, filters: { ONNX: ['onnx'] }, openLabel, title: many ? 'Select one model, or two to compare' : openLabel });
}
