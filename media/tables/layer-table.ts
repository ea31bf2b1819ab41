import type { ReportContext } from '../parts/context';
import { el, note } from '../parts/dom';
import { estimatePick } from '../parts/estimate-pick';
import { count } from '../parts/format';
import { estimateLabel, layerColumns, verdictLabel, type LayerRow } from './layer-columns';
import { layerFilters } from './layer-filters';
import { listen } from '../parts/store';
import { virtualTable } from './virtual-table';
import type { SortState } from '../host/vscode';

/**
 * The per-layer table: filters, the accelerator whose estimate the last column shows, and the
 * virtualised rows. A click or arrow key selects a layer for every chart; a layer selected
 * elsewhere is scrolled into view here (when the filters let it through).
 */
export function layerTable(ctx: ReportContext, sort: SortState | undefined, onSort: (s: SortState) => void): HTMLElement {
  const r = ctx.report;
  const deltas = new Map(ctx.diff?.layers.map((d) => [d.name, d]));
  const added = new Set(ctx.diff?.added);
  const all: LayerRow[] = r.layers.map((layer, index) => ({ index, layer, delta: deltas.get(layer.name), added: added.has(layer.name) }));
  const shownCount = el('span', { cls: 'filter-count', attrs: { role: 'status' } });
  const table = virtualTable(all, { columns: layerColumns(ctx), id: (x) => x.index, label: 'Layers', selected: ctx.selected, sort, onSort });
  const filter = layerFilters(r.layers, () => {
    const rows = all.filter(filter.test);
    table.setRows(rows);
    shownCount.textContent = rows.length === all.length ? `${count(all.length)} layers` : `${count(rows.length)} of ${count(all.length)} layers`;
  });
  shownCount.textContent = `${count(all.length)} layers`;
  const root = el('div', { cls: 'layer-table' },
    el('div', { cls: 'table-tools' }, filter.root, estimatePick(ctx), shownCount),
    table.root,
    note('Click a row or use the arrow keys to select a layer: the charts above follow. Hover a cell for its exact figures.'));
  listen(ctx.pick, root, () => table.refresh({ est: estimateLabel(ctx), verdict: verdictLabel(ctx) }));
  return root;
}
