import * as path from 'node:path';
import * as vscode from 'vscode';
import { AnalyzeRequest } from '../common/requests';
import { applyPlan } from './apply-plan';
import type { HostAction, Report, ReportDiff } from '../common/protocol';
import { diffReports } from '../common/report/diff';
import { coalesce } from './coalesce';
import { Config } from './config';
import { VIEW_TYPE, type Ctx } from './ctx';
import { alreadyShown } from './failure';
import { ReportView } from './report-panel';
import { watchModel } from './watch';
import { askInputSizes } from './input-sizes';
import { withRemembered } from './run-memory';
import { askSampleInputs } from './sample-inputs';
import { inputsText } from '../common/report/activation-figures';

/** The button that asks for input sizes. */
export const SET_SIZES = 'Set Input Sizes...';

/** An opened .onnx model: its latest report, re-analysed when its files change on disk. */
export class ModelDocument implements vscode.CustomDocument {
  view: ReportView | undefined;
  private report: Report | undefined;
  private diff: ReportDiff | undefined;
  /** Cancels a running analysis when the editor closes. */
  private readonly closed = new vscode.CancellationTokenSource();
  private readonly watcher: vscode.Disposable;
  /** Analyses one at a time; a change during an analysis asks for one more. */
  readonly reanalyze = coalesce(() => this.analyze());

  constructor(readonly uri: vscode.Uri, private readonly ctx: Ctx) {
    this.watcher = watchModel(uri, (p) => this.concerns(p), () => {
      this.reanalyze().catch(alreadyShown);
    });
  }

  private get name(): string {
    return path.basename(this.uri.fsPath);
  }

  /** The model file, and the external-data files its last report read. */
  private concerns(fsPath: string): boolean {
    const dir = path.dirname(this.uri.fsPath);
    return fsPath === this.uri.fsPath || (this.report?.weights.some((w) => w.external && path.join(dir, w.external.file) === fsPath) ?? false);
  }

  private async analyze(): Promise<void> {
    try {
      const settings = withRemembered(new Config(this.uri).analysisSettings(), this.ctx.runs.get(this.uri));
      const report = await this.ctx.server.request(AnalyzeRequest, { path: this.uri.fsPath, ...settings }, `Analyzing ${this.name}`, (s) => this.view?.busy(s), this.closed.token);
      const previous = this.report;
      // The server answers an unchanged file with its cached report: then what changed is what it was.
      if (previous && previous.createdAt !== report.createdAt) this.diff = diffReports(previous, report);
      this.report = report;
      this.view?.show({ type: 'report', report, diff: this.diff });
      if (report.run?.missingSizes?.length) this.offerSizes(report.run.missingSizes.length);
      // Its own failures show in the status item; the report stands either way.
      void this.ctx.checks.refresh(this.uri, settings);
    } catch (e) {
      if (this.closed.token.isCancellationRequested) return;
      throw this.ctx.fail(e, `Analysis of ${this.name}`, this.view);
    }
  }

  /** The run lacked input sizes: say so once per analysis, with the way to give them. */
  private offerSizes(missing: number): void {
    const what = `${this.name} was not run: ${missing} input dim${missing === 1 ? ' has' : 's have'} no size.`;
    void vscode.window.showWarningMessage(what, SET_SIZES).then((a) => a && this.act('setInputSizes'));
  }

  /** What the report page (or the palette) asks for this model. */
  async act(action: HostAction): Promise<{ ok: boolean; message?: string }> {
    if (action === 'setInputSizes') {
      const run = this.report?.run;
      if (!run) return { ok: false, message: 'The model was analysed without a run (the onnxSparsity.run setting is off).' };
      const sizes = await askInputSizes(this.name, run);
      if (!sizes) return { ok: true, message: 'Input sizes unchanged.' };
      await this.ctx.runs.update(this.uri, sizes);
      await this.reanalyze();
      return { ok: true, message: 'Analysed again with the new input sizes.' };
    }
    if (action === 'chooseInputs') {
      if (this.report && !this.report.run) return { ok: false, message: 'The model was analysed without a run (the onnxSparsity.run setting is off).' };
      const chosen = await askSampleInputs(this.uri, this.ctx.runs.get(this.uri));
      if (!chosen) return { ok: true, message: 'Sample inputs unchanged.' };
      await this.ctx.runs.update(this.uri, chosen);
      await this.reanalyze();
      const run = this.report?.run;
      if (!run?.ok) return { ok: false, message: `The model did not run on the chosen inputs: ${run?.error ?? 'no report'}` };
      return { ok: true, message: `Analysed again on ${inputsText(run)}.` };
    }
    return { ok: false, message: `${action} is not available here` };
  }

  /** Apply Plan...: the copy pruned by the plan for `target` at `keep`, compared with this model. */
  applyPlan(target: string, keep: number): Promise<{ ok: boolean; message?: string }> {
    return applyPlan(this.ctx, this.uri, withRemembered(new Config(this.uri).analysisSettings(), this.ctx.runs.get(this.uri)), target, keep);
  }

  /** The latest report shown, if any. */
  get shown(): Report | undefined {
    return this.report;
  }

  dispose(): void {
    this.ctx.checks.forget(this.uri);
    this.closed.cancel();
    this.closed.dispose();
    this.watcher.dispose();
    this.view?.dispose();
  }
}

/**
 * Opens *.onnx files as their sparsity report (read-only: the model is never written). The
 * default editor for .onnx; "Open With..." offers it and the text editor.
 */
export class ReportEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  private static readonly documents = new Map<string, ModelDocument>();

  static register(ctx: Ctx): vscode.Disposable {
    // One editor per model: a second would run a second analysis of the same file.
    return vscode.window.registerCustomEditorProvider(VIEW_TYPE, new ReportEditorProvider(ctx), { supportsMultipleEditorsPerDocument: false });
  }

  /** The open document for a model, if its report editor is open. */
  static document(uri: vscode.Uri): ModelDocument | undefined {
    return ReportEditorProvider.documents.get(uri.toString());
  }

  private constructor(private readonly ctx: Ctx) {}

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    if (uri.scheme !== 'file') throw new Error(`ONNX Sparsity analyses files on disk; ${uri.toString()} is not one.`);
    const doc = new ModelDocument(uri, this.ctx);
    ReportEditorProvider.documents.set(uri.toString(), doc);
    return doc;
  }

  resolveCustomEditor(doc: ModelDocument, panel: vscode.WebviewPanel): void {
    doc.view = new ReportView(panel, this.ctx.extensionUri, doc, path.basename(doc.uri.fsPath));
    panel.onDidDispose(() => {
      ReportEditorProvider.documents.delete(doc.uri.toString());
      doc.view?.dispose();
      doc.view = undefined;
    });
    doc.reanalyze().catch(alreadyShown);
  }
}
