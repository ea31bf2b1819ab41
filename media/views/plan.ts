import type { PlanLayer, PruningPlan } from '../../common/protocol';
import { describePoint, paretoChart } from '../charts/pareto-chart';
import { button, el, note, section } from '../parts/dom';
import { duration, pct, times } from '../parts/format';
import { lazy } from '../parts/lazy';
import { createStore, listen } from '../parts/store';
import { sortableTable } from '../tables/sortable-table';
import type { Column } from '../tables/table-sort';
import type { SortState } from '../host/vscode';

/** Asks the editor to write the copy pruned by the plan for `target` at budget `keep`, and compare it. */
export type Apply = (target: string, keep: number) => void;

/**
 * The pruning plan: what it buys and costs, its Pareto front (pick a point to apply that
 * budget), and per layer what it does and why.
 */
export function planSection(plan: PruningPlan | undefined, stem: string, sort: SortState | undefined, onSort: (s: SortState) => void, apply?: Apply): HTMLElement | null {
  if (!plan) return null;
  const e = plan.estimate;
  const pts = plan.front;
  const start = pts.reduce((best, p, k) => (Math.abs(p.l1Kept - e.l1Kept) < Math.abs(pts[best].l1Kept - e.l1Kept) ? k : best), 0);
  const picked = createStore(start);
  const line = el('p', { cls: 'plan-cli' });
  const go = apply && button('Apply plan at this point\u2026', () => apply(plan.target.id, pts[picked.get()].l1Kept), {
    cls: 'apply-plan', title: 'Write a copy pruned by the plan at the picked budget next to the model, then compare it with the model: output drift, latency here, estimates',
  });
  const show = (): void => {
    const p = pts[picked.get()];
    line.textContent = p ? `${describePoint(p)}. From a terminal: onnx-sparsity plan MODEL --target ${plan.target.id} --keep ${Number(p.l1Kept.toFixed(4))} --out plan.json, then onnx-sparsity prune MODEL --plan plan.json` : '';
  };
  const cols: Column<PlanLayer>[] = [
    { key: 'name', label: 'Layer', value: (l) => l.name, cell: (l) => el('span', { cls: 'layer-name' }, l.name) },
    { key: 'op', label: 'Op', value: (l) => l.opType, cell: (l) => l.opType },
    { key: 'prune', label: 'Prune', value: (l) => l.prune, cell: (l) => el('span', { cls: l.prune === 'as-is' ? '' : 'plan-prune' }, l.prune) },
    { key: 'kept', label: 'L1 kept', numeric: true, value: (l) => l.l1Kept, cell: (l) => pct(l.l1Kept) },
    { key: 'dense', label: 'Dense time', numeric: true, value: (l) => l.denseTimeMs, cell: (l) => duration(l.denseTimeMs) },
    { key: 'time', label: 'Planned time', numeric: true, value: (l) => l.timeMs, cell: (l) => duration(l.timeMs) },
    { key: 'why', label: 'Why', value: (l) => l.why, cell: (l) => l.why },
  ];
  const root = section('plan', `Pruning plan for ${plan.target.name}`,
    el('p', null, `Keeping at least ${pct(plan.budget.keep)} of the layers\u2019 L1 magnitude: `, el('strong', null, times(e.speedup)),
      ` (${e.speedupRange.map((x) => x.toFixed(2)).join('\u2013')}) over the model dense, against ${times(e.asIsSpeedup)} as it is; keeps ${pct(e.l1Kept)} of L1; ${plan.layers.filter((l) => l.prune !== 'as-is').length} of ${plan.layers.length} layers pruned.`),
    lazy(() => paretoChart(plan, picked, stem), 320),
    el('div', { cls: 'plan-apply' }, go, line),
    note(`Objective: ${plan.objective}. The table is the plan at ${pct(plan.budget.keep)}; another point of the chart is planned again when applied.`),
    sortableTable(plan.layers, cols, sort, onSort),
    ...plan.notes.map((n) => note(n)));
  listen(picked, root, show);
  show();
  return root;
}
