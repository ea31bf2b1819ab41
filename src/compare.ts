import * as path from 'node:path';
import * as vscode from 'vscode';
import { CompareRequest, type PruneResult } from '../common/requests';
import { coalesce } from './coalesce';
import { Config } from './config';
import { COMPARE_VIEW_TYPE, type Ctx } from './ctx';
import { alreadyShown } from './failure';
import { ReportView, reportWebviewOptions } from './report-panel';
import { watchModel } from './watch';

/** Two models side by side in a webview panel, compared again when either changes on disk. */
export class Comparison {
  private readonly view: ReportView;
  private readonly closed = new vscode.CancellationTokenSource();
  readonly reanalyze = coalesce(() => this.compare());

  static open(ctx: Ctx, a: vscode.Uri, b: vscode.Uri): Comparison {
    return Comparison.create(ctx, a, b);
  }

  /** A model and its pruned copy, compared already: shown with the copy's drift and latency until either file changes. */
  static show(ctx: Ctx, a: vscode.Uri, b: vscode.Uri, result: PruneResult): Comparison {
    return Comparison.create(ctx, a, b, result);
  }

  private static create(ctx: Ctx, a: vscode.Uri, b: vscode.Uri, done?: PruneResult): Comparison {
    const title = `${path.basename(a.fsPath)} vs ${path.basename(b.fsPath)}`;
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, title, vscode.ViewColumn.Active, reportWebviewOptions(ctx.extensionUri));
    return new Comparison(ctx, a, b, panel, title, done);
  }

  private constructor(private readonly ctx: Ctx, readonly a: vscode.Uri, readonly b: vscode.Uri, panel: vscode.WebviewPanel, private readonly title: string, done?: PruneResult) {
    this.view = new ReportView(panel, ctx.extensionUri, this, title);
    const changed = (): void => {
      this.reanalyze().catch(alreadyShown);
    };
    const watchers = [a, b].map((m) => watchModel(m, (p) => p === m.fsPath, changed));
    panel.onDidDispose(() => {
      this.closed.cancel();
      this.closed.dispose();
      for (const w of watchers) w.dispose();
      this.view.dispose();
    });
    if (done) this.view.show({ type: 'compare', a: done.a, b: done.b, diff: done.diff, prune: done.prune });
    else this.reanalyze().catch(alreadyShown);
  }

  private async compare(): Promise<void> {
    try {
      // Both models under one model's settings, so the figures are comparable (a saved baseline report has its own).
      const settings = new Config(/\.onnx$/i.test(this.a.fsPath) ? this.a : this.b).analysisSettings();
      const r = await this.ctx.server.request(CompareRequest, { a: this.a.fsPath, b: this.b.fsPath, ...settings }, `Comparing ${this.title}`, (s) => this.view.busy(s), this.closed.token);
      this.view.show({ type: 'compare', a: r.a, b: r.b, diff: r.diff });
    } catch (e) {
      if (this.closed.token.isCancellationRequested) return;
      throw this.ctx.fail(e, `Comparison of ${this.title}`, this.view);
    }
  }
}
