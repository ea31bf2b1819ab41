import { append, el, type Child } from './dom';
import type { SortState } from './vscode';

export interface Column<T> {
  key: string;
  label: string;
  /** What the column means, shown on hover over the header. */
  title?: string;
  numeric?: boolean;
  /** Direction of the first click; by default numbers start high-to-low, text A-Z. */
  firstDir?: 1 | -1;
  /** null sorts last in either direction: "not measured" is never the most or least sparse. */
  value(row: T): number | string | null;
  cell(row: T): Child | Child[];
}

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
  const headers = columns.map((c) => {
    const b = el('button', { cls: 'sort', title: c.title ? `${c.title} (click to sort)` : 'Click to sort' }, c.label);
    b.type = 'button';
    b.addEventListener('click', () => {
      // Numbers start high-to-low (the sparsest, slowest layers first), text A-Z; a second click flips.
      const dir: 1 | -1 = state?.key === c.key ? (state.dir === 1 ? -1 : 1) : (c.firstDir ?? (c.numeric ? -1 : 1));
      apply({ key: c.key, dir });
      onSort({ key: c.key, dir });
    });
    return el('th', { cls: c.numeric ? 'num' : '', attrs: { scope: 'col' } }, b);
  });

  function apply(s: SortState | undefined): void {
    const col = columns.find((c) => c.key === s?.key);
    state = col ? s : undefined;
    const order = rows.map((_, i) => i);
    if (col && s) {
      const keys = rows.map((r) => col.value(r));
      order.sort((i, j) => compare(keys[i], keys[j], s.dir) || i - j);
    }
    headers.forEach((h, i) => h.setAttribute('aria-sort', columns[i] === col ? (s?.dir === 1 ? 'ascending' : 'descending') : 'none'));
    const frag = document.createDocumentFragment();
    for (const i of order) frag.appendChild(trs[i]);
    body.appendChild(frag);
  }

  apply(initial);
  const table = el('table', { cls: 'data' }, el('thead', null, el('tr', null, ...headers)), body);
  // A long table fills the wrap's max-height, so the browser may skip laying it out until it scrolls into view.
  return el('div', { cls: rows.length > 200 ? 'table-wrap long' : 'table-wrap' }, table);
}

const absent = (x: number | string | null): x is null => x === null || (typeof x === 'number' && Number.isNaN(x));

function compare(a: number | string | null, b: number | string | null, dir: 1 | -1): number {
  if (absent(a) || absent(b)) return absent(a) ? (absent(b) ? 0 : 1) : -1;
  if (typeof a === 'number' && typeof b === 'number') return (a - b) * dir;
  return String(a).localeCompare(String(b), undefined, { numeric: true }) * dir;
}
