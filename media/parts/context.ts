import { layerWeightKey, weightKey, type Estimate, type LayerReport, type Report, type ReportDiff, type WeightReport } from '../../common/protocol';
import { fileStem } from '../charts/download';
import { createStore, type Store } from './store';

/** The accelerator and scenario whose estimate the table's time column and the roofline show. */
export interface Pick {
  accelerator: string;
  scenario: string;
}

/** What the panel remembers of the user's choices across reloads (by name: indexes change on re-analysis). */
export interface UiPrefs {
  layer?: string;
  accelerator?: string;
  scenario?: string;
}

export type LayerEstimate = Estimate['layers'][number];

/** One report as every view of it sees it: the data, lookups built once, and the shared selection. */
export interface ReportContext {
  report: Report;
  diff: ReportDiff | undefined;
  /** Stem of exported chart files. */
  stem: string;
  /** Index into report.layers of the selected layer. */
  selected: Store<number | null>;
  pick: Store<Pick | null>;
  weightOf(l: LayerReport): WeightReport | undefined;
  /** The estimate for a pick (the current one by default). */
  estimate(p?: Pick | null): Estimate | undefined;
  /** The per-layer row of an estimate for a layer name. */
  layerEstimate(e: Estimate, name: string): LayerEstimate | undefined;
  accelerators: Estimate['accelerator'][];
  scenarios: string[];
}

const samePick = (a: Pick | null, b: Pick | null): boolean => a?.accelerator === b?.accelerator && a?.scenario === b?.scenario;

export function createContext(report: Report, diff: ReportDiff | undefined, prefs: UiPrefs, save: (p: UiPrefs) => void): ReportContext {
  const accelerators = [...new Map(report.estimates.map((e) => [e.accelerator.id, e.accelerator])).values()];
  const scenarios = [...new Set(report.estimates.map((e) => e.scenario))];
  const byPick = new Map(report.estimates.map((e) => [`${e.accelerator.id}\u0000${e.scenario}`, e]));
  const find = (p: Pick | null | undefined): Estimate | undefined => (p ? byPick.get(`${p.accelerator}\u0000${p.scenario}`) : undefined);

  const remembered = report.layers.findIndex((l) => l.name === prefs.layer);
  const selected = createStore<number | null>(remembered >= 0 ? remembered : report.layers.length ? 0 : null);
  const wanted: Pick | null = prefs.accelerator && prefs.scenario ? { accelerator: prefs.accelerator, scenario: prefs.scenario } : null;
  const first = report.estimates[0];
  const pick = createStore<Pick | null>(find(wanted) ? wanted : first ? { accelerator: first.accelerator.id, scenario: first.scenario } : null, samePick);
  const remember = (): void => {
    const i = selected.get();
    const p = pick.get();
    save({ layer: i === null ? undefined : report.layers[i]?.name, accelerator: p?.accelerator, scenario: p?.scenario });
  };
  selected.on(remember);
  pick.on(remember);

  // Built on first use: a report whose charts are never opened never pays for these maps.
  let weights: Map<string, WeightReport> | undefined;
  const perEstimate = new WeakMap<Estimate, Map<string, LayerEstimate>>();
  return {
    report, diff, selected, pick, accelerators, scenarios,
    stem: fileStem(report.model.name),
    weightOf(l) {
      weights ??= new Map(report.weights.map((w) => [weightKey(w.graph, w.name), w]));
      const key = layerWeightKey(l);
      return key === null ? undefined : weights.get(key);
    },
    estimate: (p) => find(p === undefined ? pick.get() : p),
    layerEstimate(e, name) {
      let m = perEstimate.get(e);
      if (!m) perEstimate.set(e, (m = new Map(e.layers.map((x) => [x.name, x]))));
      return m.get(name);
    },
  };
}
