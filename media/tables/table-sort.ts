import { el, type Child } from '../parts/dom';
import type { SortState } from '../host/vscode';

/** A column both tables can sort by and draw: the virtual table adds widths and tooltips. */
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
 * The rows' indices in `s`'s order (identity when no column matches). Keys are computed once per
 * row, not once per comparison; ties keep the rows' own order.
 */
export function sortedIndices<T>(rows: readonly T[], col: Column<T> | undefined, s: SortState | undefined): number[] {
  const order = rows.map((_, i) => i);
  if (!col || !s) return order;
  const keys = rows.map((r) => col.value(r));
  return order.sort((i, j) => compare(keys[i], keys[j], s.dir) || i - j);
}

export interface SortHeaders {
  /** One <th> per column, each holding its sort button. */
  cells: HTMLTableCellElement[];
  buttons: HTMLButtonElement[];
  /** Sets aria-sort on every header for the sort now shown. */
  mark(s: SortState | undefined): void;
}

/**
 * Header buttons that pick a sort: a column's first click goes its own first direction (numbers
 * high-to-low, the sparsest and slowest layers first; text A-Z), a second click flips it.
 */
export function sortHeaders<T>(columns: readonly Column<T>[], current: () => SortState | undefined, pick: (s: SortState) => void): SortHeaders {
  const buttons = columns.map((c) => {
    const b = el('button', { cls: 'sort', title: c.title ? `${c.title} (click to sort)` : 'Click to sort' }, c.label);
    b.type = 'button';
    b.addEventListener('click', () => {
      const now = current();
      pick({ key: c.key, dir: now?.key === c.key ? (now.dir === 1 ? -1 : 1) : (c.firstDir ?? (c.numeric ? -1 : 1)) });
    });
    return b;
  });
  const cells = columns.map((c, i) => el('th', { cls: c.numeric ? 'num' : '', attrs: { scope: 'col' } }, buttons[i]));
  return {
    cells,
    buttons,
    mark(s) {
      cells.forEach((h, i) => h.setAttribute('aria-sort', columns[i].key === s?.key ? (s.dir === 1 ? 'ascending' : 'descending') : 'none'));
    },
  };
}

// One collator for the page: localeCompare with options builds one per call, far slower over 10,000 rows.
const collator = new Intl.Collator(undefined, { numeric: true });

const absent = (x: number | string | null): x is null => x === null || (typeof x === 'number' && Number.isNaN(x));

function compare(a: number | string | null, b: number | string | null, dir: 1 | -1): number {
  if (absent(a) || absent(b)) return absent(a) ? (absent(b) ? 0 : 1) : -1;
  if (typeof a === 'number' && typeof b === 'number') return (a - b) * dir;
  return collator.compare(String(a), String(b)) * dir;
}
