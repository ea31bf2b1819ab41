import type { HostToWebview, Report, WebviewToHost } from '../server/protocol';

/** The object VS Code injects into webviews (vscode-webview.d.ts is not a package we depend on). */
export interface VsCodeApi<S> {
  postMessage(message: WebviewToHost): void;
  getState(): S | undefined;
  setState(state: S): S;
}

declare global {
  /** Callable once per page load; a second call throws, so report.ts alone calls it. */
  function acquireVsCodeApi<S = unknown>(): VsCodeApi<S>;
}

export type Shown = Extract<HostToWebview, { type: 'report' } | { type: 'compare' }>;

export interface SortState {
  key: string;
  dir: 1 | -1;
}

/** What a hidden-then-restored panel needs to redraw without asking the host. */
export interface ViewState {
  shown: Shown | null;
  sorts: Record<string, SortState>;
  /** Request ids continue across restores, so a late reply to an old request cannot match a new one. */
  nextId: number;
}

/**
 * The report without what the webview never draws (per-value stats, per-op costs, weight
 * histograms, per-layer estimate rows): about 5x smaller, which matters for setState, which
 * VS Code serialises on every call. Rendering also uses this copy, so a restored panel looks the same.
 */
export function slim(r: Report): Report {
  return {
    ...r,
    values: undefined,
    ops: undefined,
    weights: [],
    estimates: r.estimates.map((e) => ({ ...e, layers: [] })),
  };
}

export function slimShown(m: Shown): Shown {
  return m.type === 'report' ? { ...m, report: slim(m.report) } : { ...m, a: slim(m.a), b: slim(m.b) };
}
