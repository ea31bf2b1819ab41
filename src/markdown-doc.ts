import * as vscode from 'vscode';

/** A Markdown text in an untitled editor beside the report when one is open (bench results, a check's details). */
export async function showMarkdown(text: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
  // Beside the report when one is open; in the empty editor area otherwise (no empty group beside it).
  const beside = vscode.window.tabGroups.activeTabGroup.activeTab !== undefined;
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active });
}
