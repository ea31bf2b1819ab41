import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultExportName, FORMAT_INFO, renderExport, type AppAssets } from './export-formats';
import { makeNonce } from './nonce';
import { EXPORT_FORMATS, reportsOf, type ExportFormat, type Shown } from './shown';

/**
 * Asks where to save a shown report and writes it there. Never over a model it shows: the
 * save dialog would allow it, and a report written over the .onnx would destroy the user's file.
 */
export type ExportResult = { ok: true; message: string } | { ok: false; message: string; cancelled?: true };

export async function exportShown(shown: Shown, format: ExportFormat, extensionUri: vscode.Uri): Promise<ExportResult> {
  const models = reportsOf(shown).map((r) => path.resolve(r.model.path));
  const info = FORMAT_INFO[format];
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(path.dirname(models[0]), defaultExportName(shown, format))),
    filters: { [info.label]: [info.extension] },
    saveLabel: 'Export',
    title: `Export the sparsity report as ${info.label}`,
  });
  if (!target) return { ok: false, message: 'Export cancelled.', cancelled: true };
  if (target.scheme === 'file' && models.includes(path.resolve(target.fsPath)))
    return { ok: false, message: `Not exporting over the model itself (${target.fsPath}); choose another name.` };
  const rendered = renderExport(shown, format, format === 'html' ? await appAssets(extensionUri) : undefined, makeNonce());
  if (!rendered.ok) return rendered;
  await vscode.workspace.fs.writeFile(target, Buffer.from(rendered.text, 'utf8'));
  void vscode.window.showInformationMessage(`Exported the report to ${target.scheme === 'file' ? target.fsPath : target.toString()}.`, 'Open').then((a) => {
    if (a) void vscode.commands.executeCommand('vscode.open', target);
  });
  return { ok: true, message: `Saved to ${path.basename(target.path)}` };
}

/** The palette's Export Report...: picks the format, then exports like the view's button. */
export async function pickFormatAndExport(shown: Shown, extensionUri: vscode.Uri): Promise<void> {
  const formats = EXPORT_FORMATS.filter((f) => shown.type === 'report' || f === 'json' || f === 'html');
  const pick = await vscode.window.showQuickPick(formats.map((f) => ({ label: FORMAT_INFO[f].label, format: f })), { title: 'Export the report as' });
  if (!pick) return;
  const r = await exportShown(shown, pick.format, extensionUri);
  if (!r.ok && !r.cancelled) void vscode.window.showErrorMessage(r.message);
}

/** The webview app's files from the extension folder, for a standalone HTML export. */
async function appAssets(extensionUri: vscode.Uri): Promise<AppAssets | undefined> {
  const read = async (file: string): Promise<string | undefined> => {
    try {
      return Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'dist', 'media', file))).toString('utf8');
    } catch (e) {
      if (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') return undefined;
      throw e;
    }
  };
  const [script, style] = await Promise.all([read('report.js'), read('report.css')]);
  return script === undefined ? undefined : { script, style };
}
