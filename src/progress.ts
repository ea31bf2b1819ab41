import * as vscode from 'vscode';
import type { WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport } from 'vscode-languageclient/node';

/** One progress step as the views show it: done share (null when unknown) and what is happening. */
export interface Step {
  fraction: number | null;
  message: string;
}

export type WorkDoneValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

export function stepOf(v: WorkDoneValue): Step | undefined {
  if (v.kind === 'end') return undefined;
  return { fraction: v.percentage === undefined ? null : v.percentage / 100, message: v.message ?? (v.kind === 'begin' ? v.title : '') };
}

/**
 * Runs `work` under a cancellable progress notification fed by the server's work-done progress.
 * Cancel in the notification, or `external` (a closed report editor), cancels the request.
 * `onValue` shows a progress value and returns its step, for the other places that show it.
 */
export function withRequestProgress<T>(
  title: string,
  external: vscode.CancellationToken | undefined,
  work: (cancel: vscode.CancellationToken, onValue: (v: WorkDoneValue) => Step | undefined) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, button) => {
    const source = new vscode.CancellationTokenSource();
    const subs = [button.onCancellationRequested(() => source.cancel()), external?.onCancellationRequested(() => source.cancel())];
    if (external?.isCancellationRequested) source.cancel();
    let shown = 0;
    try {
      return await work(source.token, (v) => {
        const step = stepOf(v);
        if (!step) return undefined;
        // VS Code's progress takes increments; the server sends absolute percentages.
        const pct = step.fraction === null ? shown : step.fraction * 100;
        // The notification already shows the title; the server's `begin` title would repeat it ("Analyzing x: Analyzing x").
        progress.report({ message: v.kind === 'begin' ? v.message : step.message, increment: Math.max(0, pct - shown) });
        shown = Math.max(shown, pct);
        return step;
      });
    } finally {
      for (const s of subs) s?.dispose();
      source.dispose();
    }
  });
}

/** A status bar item while any request runs: the newest one's title and percentage. */
export class Activity implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  private readonly running = new Map<number, { title: string; step?: Step }>();
  private next = 0;

  constructor(command: string) {
    this.item.command = command;
    this.item.name = 'ONNX Sparsity';
  }

  begin(title: string): number {
    const id = this.next++;
    this.running.set(id, { title });
    this.render();
    return id;
  }

  update(id: number, step: Step): void {
    const r = this.running.get(id);
    if (r) r.step = step;
    this.render();
  }

  end(id: number): void {
    this.running.delete(id);
    this.render();
  }

  private render(): void {
    const last = [...this.running.values()].at(-1);
    if (!last) return this.item.hide();
    const pct = last.step?.fraction != null ? ` ${Math.round(last.step.fraction * 100)}%` : '';
    const more = this.running.size > 1 ? ` (+${this.running.size - 1})` : '';
    this.item.text = `$(sync~spin) ${last.title}${pct}${more}`;
    this.item.tooltip = [...this.running.values()].map((r) => `${r.title}${r.step?.message ? `: ${r.step.message}` : ''}`).join('\n') + '\nClick for the server log';
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
