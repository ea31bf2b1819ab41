import * as vscode from 'vscode';
import { COMMANDS } from './commands';
import { Ctx } from './ctx';
import { ReportEditorProvider } from './report-editor';

let ctx: Ctx | undefined;

/** Builds the one context, registers the report editor and the command table; nothing starts the server yet. */
export function activate(context: vscode.ExtensionContext): void {
  try {
    ctx = new Ctx(context);
    context.subscriptions.push(ReportEditorProvider.register(ctx));
    for (const [id, handler] of Object.entries(COMMANDS)) context.subscriptions.push(vscode.commands.registerCommand(id, handler(ctx)));
  } catch (e) {
    void vscode.window.showErrorMessage(`ONNX Sparsity could not start: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

/** Lets the server shut down cleanly (VS Code waits for this promise). */
export async function deactivate(): Promise<void> {
  await ctx?.server.stop();
  ctx = undefined;
}
