import * as vscode from 'vscode';
import type { HostAction, HostToWebview, WebviewToHost } from '../common/protocol';
import { exportShown } from './export';
import { makeNonce } from './nonce';
import type { Step } from './progress';
import { parseWebviewMessage, titleOf, type Shown } from './shown';
import { webviewHtml } from './webview-html';

/** What a view asks of whoever owns it (a model's custom editor, or a comparison). */
export interface ReportOwner {
  /** Analyse again and show the result; rejects with the failure already shown to the user. */
  reanalyze(): Promise<void>;
  /** What the page asks of the editor for its model; a comparison has none. */
  act?(action: HostAction): Promise<{ ok: boolean; message?: string }>;
  /** Writes the copy pruned by the plan for `target` at budget `keep` and opens its comparison. */
  applyPlan?(target: string, keep: number): Promise<{ ok: boolean; message?: string }>;
}

/** Webview options for every report: scripts on, and only dist/media readable. */
export function reportWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'media')] };
}

/**
 * The host side of one report webview. Nothing is posted before the app says `ready`; after
 * that, the latest report is re-sent on every `ready` (a hidden webview is reloaded when shown
 * again). Requests from the app are answered with a `reply` carrying their id.
 */
export class ReportView implements vscode.Disposable {
  private static activeView: ReportView | undefined;
  private ready = false;
  private shownNow: Shown | undefined;
  /** The latest busy or error line, re-sent after a reload until a report replaces it. */
  private status: HostToWebview | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  /** The report view the user is looking at, for palette commands. */
  static get active(): ReportView | undefined {
    return ReportView.activeView;
  }

  constructor(readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri, private readonly owner: ReportOwner, title: string) {
    const webview = panel.webview;
    webview.options = reportWebviewOptions(extensionUri);
    const media = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'media', file)).toString();
    webview.html = webviewHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: media('report.js'), styleUri: media('report.css'), title });
    if (panel.active) ReportView.activeView = this;
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) ReportView.activeView = this;
        else if (ReportView.activeView === this) ReportView.activeView = undefined;
      }),
    );
  }

  get shown(): Shown | undefined {
    return this.shownNow;
  }

  show(shown: Shown): void {
    this.shownNow = shown;
    this.status = undefined;
    this.panel.title = titleOf(shown);
    this.post(shown);
  }

  busy(step: Step): void {
    this.setStatus({ type: 'busy', message: step.message, fraction: step.fraction });
  }

  error(message: string): void {
    this.setStatus({ type: 'error', message });
  }

  /**
   * The user cancelled: that is not an error. A report already shown stays, without the busy
   * line; with nothing shown yet, the message says why the view is empty.
   */
  cancelled(message: string): void {
    if (!this.shownNow) return this.error(message);
    this.status = undefined;
    this.post({ type: 'idle' });
  }

  private setStatus(m: HostToWebview): void {
    this.status = m;
    this.post(m);
  }

  private post(m: HostToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private receive(raw: unknown): void {
    const m = parseWebviewMessage(raw);
    if (!m) return;
    if (m.type === 'ready') {
      this.ready = true;
      if (this.shownNow) this.post(this.shownNow);
      if (this.status) this.post(this.status);
      return;
    }
    void this.answer(m).then((r) => this.post({ type: 'reply', id: m.id, ok: r.ok, message: r.message }));
  }

  /** Analyse again (the editor title button, the palette); failures are already shown by the owner. */
  reanalyze(): Promise<void> {
    return this.owner.reanalyze();
  }

  private async answer(m: Exclude<WebviewToHost, { type: 'ready' }>): Promise<{ ok: boolean; message?: string }> {
    try {
      if (m.type === 'reanalyze') {
        await this.owner.reanalyze();
        return { ok: true };
      }
      if (m.type === 'action') return this.owner.act ? await this.owner.act(m.action) : { ok: false, message: 'A comparison has no single model to do that for.' };
      if (m.type === 'applyPlan') return this.owner.applyPlan ? await this.owner.applyPlan(m.target, m.keep) : { ok: false, message: 'A comparison has no single model to prune.' };
      if (!this.shownNow) return { ok: false, message: 'There is no report to export yet.' };
      return await exportShown(this.shownNow, m.format, this.extensionUri);
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  }

  dispose(): void {
    if (ReportView.activeView === this) ReportView.activeView = undefined;
    for (const s of this.subscriptions) s.dispose();
  }
}
