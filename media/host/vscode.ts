import type { ChannelActivity, DensitySpread, LayerActivation, Report, Shown, WebviewToHost } from '../../common/protocol';
import type { UiPrefs } from '../parts/context';

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

export type { Shown } from '../../common/protocol';

export interface SortState {
  key: string;
  dir: 1 | -1;
}

/** What a hidden-then-restored panel needs to redraw without asking the host. */
export interface ViewState {
  shown: Shown | null;
  sorts: Record<string, SortState>;
  /** Selected layer and accelerator, by name. */
  ui?: UiPrefs;
  /** Request ids continue across restores, so a late reply to an old request cannot match a new one. */
  nextId: number;
}

/**
 * The report as the saved state keeps it: without per-value stats, per-op costs, weights (their
 * histograms), per-layer estimate rows and heatmaps, several times smaller, which matters for
 * setState, which VS Code serialises on every call. It only bridges a reload: the host sends the
 * full report again on `ready`, and the page draws from that (histogram, heatmap, roofline included).
 */
export function slim(r: Report): Report {
  return {
    ...r,
    values: undefined,
    ops: undefined,
    weights: [],
    layers: r.layers.map(({ heatmap: _heatmap, ...l }) => (l.activation ? { ...l, activation: slimActivation(l.activation) } : l)),
    estimates: r.estimates.map((e) => ({ ...e, layers: [] })),
    // Verdicts are per layer and target, the magnitude figures per layer: the bulk of the advice.
    ...(r.advice ? { advice: { ...r.advice, verdicts: [], kept: [] } } : {}),
  };
}

/** Per-channel shares and density series are for the live page; the saved state keeps the counts. */
function slimActivation(a: LayerActivation): LayerActivation {
  const ch = (c: ChannelActivity | undefined): ChannelActivity | undefined => c && { ...c, deadShare: [], density: [] };
  const sp = (s: DensitySpread | undefined): DensitySpread | undefined => s && { ...s, series: [] };
  return { ...a, inputChannels: ch(a.inputChannels), outputChannels: ch(a.outputChannels), inputSpread: sp(a.inputSpread), outputSpread: sp(a.outputSpread) };
}

export function slimShown(m: Shown): Shown {
  return m.type === 'report' ? { ...m, report: slim(m.report) } : { ...m, a: slim(m.a), b: slim(m.b) };
}
