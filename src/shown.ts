import { HOST_ACTIONS, type ExportFormat, type HostAction, type Report, type Shown, type WebviewToHost } from '../common/protocol';

export type { ExportFormat, Shown } from '../common/protocol';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'md', 'csv', 'html'];

/** The reports a view shows, first model first. */
export function reportsOf(shown: Shown): Report[] {
  return shown.type === 'report' ? [shown.report] : [shown.a, shown.b];
}

/** A title for the view and for exported files. */
export function titleOf(shown: Shown): string {
  return shown.type === 'report' ? shown.report.model.name : `${shown.a.model.name} vs ${shown.b.model.name}`;
}

/**
 * Messages from the webview arrive untyped (any webview script could post anything): this checks
 * the shape before the host acts on one, and drops what is not a WebviewToHost.
 */
export function parseWebviewMessage(m: unknown): WebviewToHost | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  if (o.type === 'ready') return { type: 'ready' };
  if (typeof o.id !== 'number' || !Number.isSafeInteger(o.id)) return undefined;
  if (o.type === 'reanalyze') return { type: 'reanalyze', id: o.id };
  if (o.type === 'action' && HOST_ACTIONS.includes(o.action as HostAction)) return { type: 'action', id: o.id, action: o.action as HostAction };
  if (o.type === 'export' && EXPORT_FORMATS.includes(o.format as ExportFormat)) return { type: 'export', id: o.id, format: o.format as ExportFormat };
  if (o.type === 'applyPlan' && typeof o.target === 'string' && o.target.length > 0 && o.target.length <= 200
    && typeof o.keep === 'number' && o.keep > 0 && o.keep <= 1) return { type: 'applyPlan', id: o.id, target: o.target, keep: o.keep };
  return undefined;
}
