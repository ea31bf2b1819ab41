import { append, el } from '../parts/dom';
import { sortedIndices, sortHeaders, type Column } from './table-sort';
import type { SortState } from '../host/vscode';

/**
 * A table sorted by clicking a header. Rows are built once, into a DocumentFragment, and a sort
 * only moves the existing <tr> elements: a 1,000-layer model re-sorts without rebuilding cells.
 */
export function sortableTable<T>(rows: T[], columns: Column<T>[], initial: SortState | undefined, onSort: (s: SortState) => void): HTMLElement {
  const body = el('tbody', null);
  let state: SortState | undefined;
  const trs = rows.map((r) => {
    const tr = el('tr', null);
    for (const c of columns) {
      const v = c.cell(r);
      append(tr.appendChild(el('td', c.numeric ? { cls: 'num' } : null)), Array.isArray(v) ? v : [v]);
    }
    return tr;
  });
  const headers = sortHeaders(columns, () => state, (s) => {
    apply(s);
    onSort(s);
  });

  function apply(s: SortState | undefined): void {
    const col = columns.find((c) => c.key === s?.key);
    state = col ? s : undefined;
    headers.mark(state);
    const frag = document.createDocumentFragment();
    for (const i of sortedIndices(rows, col, state)) frag.appendChild(trs[i]);
    body.appendChild(frag);
  }

  apply(initial);
  const table = el('table', { cls: 'data' }, el('thead', null, el('tr', null, ...headers.cells)), body);
  // A long table fills the wrap's max-height, so the browser may skip laying it out until it scrolls into view.
  return el('div', { cls: rows.length > 200 ? 'table-wrap long' : 'table-wrap' }, table);
}
