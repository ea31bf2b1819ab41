import * as vscode from 'vscode';
import { CheckStatus } from './check-status';
import { Server } from './client';
import { changesNeedingRestart } from './config';
import { describeFailure } from './failure';
import type { ReportView } from './report-panel';

export const VIEW_TYPE = 'onnxSparsity.report';
export const COMPARE_VIEW_TYPE = 'onnxSparsity.compare';
export const LOG_COMMAND = 'onnxSparsity.showServerLog';

/** The model of the report editor in front, if one is. */
export function activeReportModel(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === VIEW_TYPE ? input.uri : undefined;
}

/**
 * The one object commands receive: the extension's context, the language server, and how
 * failures reach the user. Extension-lifetime disposables go to `extension.subscriptions`;
 * the server keeps its client-lifetime ones itself.
 */
export class Ctx {
  readonly server: Server;
  /** The check against the workspace's rules file, in the status bar. */
  readonly checks: CheckStatus;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.server = new Server(extension.asAbsolutePath('dist/server.js'), LOG_COMMAND);
    this.checks = new CheckStatus(this.server, activeReportModel);
    extension.subscriptions.push(
      this.server,
      this.checks,
      vscode.workspace.onDidChangeConfiguration((e) => {
        const changed = changesNeedingRestart(e);
        if (changed.length) this.server.restartSoon(`${changed.join(', ')} changed`);
      }),
    );
  }

  get extensionUri(): vscode.Uri {
    return this.extension.extensionUri;
  }

  /**
   * Tells the user why `what` failed (the view shows it too, so it is never left blank) and
   * returns an Error with the same words for the webview's reply.
   */
  fail(e: unknown, what: string, view?: ReportView): Error {
    const f = describeFailure(e, what);
    if (f.kind === 'cancelled') {
      view?.cancelled(f.message);
      this.server.log.info(f.message);
      void vscode.window.showInformationMessage(f.message);
      return new Error(f.message);
    }
    view?.error(f.message);
    this.server.log.error(f.message);
    if (f.kind === 'settings') {
      void vscode.window.showErrorMessage(f.message, 'Open Settings').then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'onnxSparsity');
      });
    } else if (f.kind === 'server') {
      void vscode.window.showErrorMessage(f.message, 'Show Server Log').then((a) => a && this.server.showLog());
    } else void vscode.window.showErrorMessage(f.message);
    return new Error(f.message);
  }
}
