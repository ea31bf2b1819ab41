import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckResult } from '../common/protocol';
import { checkMarkdown, checkVerdict } from '../common/report/check-report';
import { CheckRequest, RULES_FILE, type AnalysisSettings } from '../common/requests';
import type { Server } from './client';
import { describeFailure } from './failure';
import { showMarkdown } from './markdown-doc';

export const SHOW_CHECK_COMMAND = 'onnxSparsity.showCheck';

type State =
  | { kind: 'running'; rules: string }
  | { kind: 'done'; rules: string; result: CheckResult }
  | { kind: 'failed'; rules: string; message: string }
  | { kind: 'untrusted'; rules: string };

/**
 * `check` in the editor: after each analysis of a model whose workspace folder holds
 * onnx-sparsity.rules.json, the server checks the model against it, and a status-bar item shows
 * the result for the report in front; clicking it shows the same Markdown a pull request gets.
 * Editing the rules file checks the open models again. In an untrusted workspace the rules are
 * not evaluated: they can name models to run (the baseline, drift).
 */
export class CheckStatus implements vscode.Disposable {
  private item: vscode.StatusBarItem | undefined;
  private readonly states = new Map<string, State>();
  /** The settings each open model was last analysed with, to check again when the rules change. */
  private readonly open = new Map<string, { model: vscode.Uri; settings: AnalysisSettings }>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Checks started per model: only the latest one's result stands. */
  private readonly runs = new Map<string, number>();

  constructor(private readonly server: Server, private readonly activeModel: () => vscode.Uri | undefined) {}

  /** Checks `model` if its folder has rules (the analysis just ran, so the server answers from its cache). */
  async refresh(model: vscode.Uri, settings: AnalysisSettings): Promise<void> {
    this.listen();
    const key = model.toString();
    this.open.set(key, { model, settings });
    const rules = await rulesFor(model);
    if (!rules) {
      this.states.delete(key);
      return this.render();
    }
    if (!vscode.workspace.isTrusted) {
      this.states.set(key, { kind: 'untrusted', rules });
      return this.render();
    }
    const mine = (this.runs.get(key) ?? 0) + 1;
    this.runs.set(key, mine);
    this.states.set(key, { kind: 'running', rules });
    this.render();
    let next: State;
    try {
      const result = await this.server.request(CheckRequest, { path: model.fsPath, rules, ...settings }, `Checking ${path.basename(model.fsPath)}`, undefined, undefined, { notify: false });
      next = { kind: 'done', rules, result };
    } catch (e) {
      next = { kind: 'failed', rules, message: describeFailure(e, `Checking ${path.basename(model.fsPath)} against ${RULES_FILE}`).message };
    }
    if (this.open.has(key) && this.runs.get(key) === mine) this.states.set(key, next);
    this.render();
  }

  forget(model: vscode.Uri): void {
    this.open.delete(model.toString());
    this.states.delete(model.toString());
    this.runs.delete(model.toString());
    this.render();
  }

  /** The status item's command: the check of the report in front, as Markdown. */
  async showDetails(): Promise<void> {
    const model = this.activeModel();
    const s = model && this.states.get(model.toString());
    if (!s) return void vscode.window.showInformationMessage(`No sparsity check for this report: put an ${RULES_FILE} at the root of its workspace folder (docs/ci.md lists the rules).`);
    if (s.kind === 'done') return showMarkdown(checkMarkdown(s.result));
    if (s.kind === 'failed') return void vscode.window.showErrorMessage(s.message);
    if (s.kind === 'untrusted') return void vscode.window.showInformationMessage(`${RULES_FILE} is not evaluated in an untrusted workspace: its rules can name models to run.`);
    void vscode.window.showInformationMessage('The check is still running.');
  }

  private listen(): void {
    if (this.subscriptions.length) return;
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${RULES_FILE}`);
    const again = (): void => {
      for (const { model, settings } of this.open.values()) void this.refresh(model, settings);
    };
    this.subscriptions.push(watcher, watcher.onDidChange(again), watcher.onDidCreate(again), watcher.onDidDelete(again),
      vscode.window.tabGroups.onDidChangeTabs(() => this.render()), vscode.window.tabGroups.onDidChangeTabGroups(() => this.render()));
  }

  private render(): void {
    const model = this.activeModel();
    const s = model && this.states.get(model.toString());
    if (!s) return this.item?.hide();
    this.item ??= this.createItem();
    const item = this.item;
    item.backgroundColor = undefined;
    const where = `Rules: ${s.rules}`;
    if (s.kind === 'running') [item.text, item.tooltip] = ['$(sync~spin) Sparsity check', `Checking against ${where}`];
    else if (s.kind === 'untrusted') [item.text, item.tooltip] = ['$(shield) Sparsity check off', `Not evaluated in an untrusted workspace. ${where}`];
    else if (s.kind === 'failed') {
      [item.text, item.tooltip] = ['$(warning) Sparsity check: error', `${s.message}\n${where}`];
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      const r = s.result;
      const bad = r.counts.fail + r.counts.error;
      item.text = r.passed ? `$(pass) Sparsity check: ${r.outcomes.length} passed` : `$(error) Sparsity check: ${bad} of ${r.outcomes.length} failed`;
      item.tooltip = `${checkVerdict(r)}\n${where}\nClick for the details`;
      if (!r.passed) item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    }
    item.show();
  }

  private createItem(): vscode.StatusBarItem {
    const item = vscode.window.createStatusBarItem('onnxSparsity.check', vscode.StatusBarAlignment.Left, 1);
    item.name = 'ONNX Sparsity check';
    item.command = SHOW_CHECK_COMMAND;
    return item;
  }

  dispose(): void {
    this.item?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** onnx-sparsity.rules.json at the root of the model's workspace folder, if there is one. */
async function rulesFor(model: vscode.Uri): Promise<string | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(model);
  if (!folder || folder.uri.scheme !== 'file') return undefined;
  const rules = vscode.Uri.joinPath(folder.uri, RULES_FILE);
  try {
    const st = await vscode.workspace.fs.stat(rules);
    return st.type & vscode.FileType.File ? rules.fsPath : undefined;
  } catch {
    // No rules file: nothing to check.
    return undefined;
  }
}
