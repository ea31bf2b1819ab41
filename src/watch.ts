import * as path from 'node:path';
import * as vscode from 'vscode';

/**
 * Calls `onChange` once a model's files settle after changing on disk (an exporter writes a
 * large file in many chunks, each an event). The model's folder is watched (non-recursively)
 * and events filtered by exact path, so file names with glob characters need no escaping and
 * external-data files beside the model count too.
 */
export function watchModel(model: vscode.Uri, concerns: (fsPath: string) => boolean, onChange: () => void, settleMs = 750): vscode.Disposable {
  const folder = vscode.Uri.file(path.dirname(model.fsPath));
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '*'), false, false, true);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = (uri: vscode.Uri): void => {
    if (!concerns(uri.fsPath)) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, settleMs);
  };
  const subs = [watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher];
  return new vscode.Disposable(() => {
    clearTimeout(timer);
    for (const s of subs) s.dispose();
  });
}
