import { append, el } from '../parts/dom';
import { onStepKeys } from '../parts/keys';
import { listen, type Store } from '../parts/store';
import { sortedIndices, sortHeaders, type Column } from './table-sort';
import type { SortState } from '../host/vscode';

export interface VColumn<T> extends Column<T> {
  /** Column width in CSS pixels: fixed, so rows drawn while scrolling never change the layout. */
  width: number;
  /** Full text on hover, where a cell is cut short. */
  tip?(row: T): string;
}

export interface VirtualTableSpec<T> {
  columns: VColumn<T>[];
  /** The row's item id: what the selection store holds. */
  id(row: T): number;
  label: string;
  selected: Store<number | null>;
  sort: SortState | undefined;
  onSort(s: SortState): void;
}

export interface VirtualTable<T> {
  root: HTMLElement;
  /** Replaces the rows (after filtering), keeping the sort. */
  setRows(rows: T[]): void;
  /** Redraws the visible cells (a column's meaning changed) and sets header labels. */
  refresh(labels?: Record<string, string>): void;
  /** The rows in their shown order. */
  shown(): T[];
}

const OVERSCAN = 8;

/**
 * A sortable table that keeps only the rows in view in the DOM (plus a few either side), between
 * two spacer rows as tall as the rows they stand for: a 10,000-layer model scrolls as lightly as a
 * 10-layer one. Rows have one fixed height (cells do not wrap; the full text is in a tooltip).
 */
export function virtualTable<T>(all: T[], spec: VirtualTableSpec<T>): VirtualTable<T> {
  const cols = spec.columns;
  let rows = all;
  let order: T[] = all;
  let position = new Map<number, number>();
  let sort: SortState | undefined;
  // What report.css gives a row (a 24px cell and its 1px border), so the first frame needs no
  // measuring pass; render() corrects it should a theme's font change it.
  let rowHeight = 25;
  let drawn: [number, number] = [-1, -1];

  const headers = sortHeaders(cols, () => sort, (s) => {
    apply(s);
    spec.onSort(s);
  });
  const colgroup = el('colgroup', null, ...cols.map((c) => { const col = el('col', null); col.style.width = `${c.width}px`; return col; }));
  const topPad = el('td', { attrs: { colspan: String(cols.length) } });
  const bottomPad = el('td', { attrs: { colspan: String(cols.length) } });
  const top = el('tr', { cls: 'spacer', attrs: { 'aria-hidden': 'true' } }, topPad);
  const bottom = el('tr', { cls: 'spacer', attrs: { 'aria-hidden': 'true' } }, bottomPad);
  const body = el('tbody', null);
  const table = el('table', { cls: 'data vt', attrs: { role: 'grid', 'aria-label': spec.label } }, colgroup, el('thead', null, el('tr', { attrs: { 'aria-rowindex': '1' } }, ...headers.cells)), body);
  table.style.width = `${cols.reduce((s, c) => s + c.width, 0)}px`;
  const wrap = el('div', { cls: 'table-wrap vt-wrap', attrs: { tabindex: '0', 'aria-label': `${spec.label}: arrow keys move the selection` } }, table);

  function apply(s: SortState | undefined): void {
    const col = cols.find((c) => c.key === s?.key);
    sort = col ? s : undefined;
    order = sortedIndices(rows, col, sort).map((i) => rows[i]);
    position = new Map(order.map((r, i) => [spec.id(r), i]));
    headers.mark(sort);
    table.setAttribute('aria-rowcount', String(order.length + 1));
    render(true);
  }

  function render(force = false): void {
    const headerH = table.tHead?.offsetHeight ?? 0;
    // Before the wrap is laid out, assume its CSS max-height, so the first real layout draws the same rows.
    const viewH = wrap.clientHeight || Math.min(640, 0.62 * window.innerHeight);
    const scrolled = Math.max(0, wrap.scrollTop - headerH);
    const first = Math.max(0, Math.floor(scrolled / rowHeight) - OVERSCAN);
    const last = Math.min(order.length, Math.ceil((scrolled + viewH) / rowHeight) + OVERSCAN);
    if (!force && first === drawn[0] && last === drawn[1]) return;
    drawn = [first, last];
    const sel = spec.selected.get();
    const frag = document.createDocumentFragment();
    frag.append(top);
    for (let k = first; k < last; k++) frag.append(rowEl(order[k], k, sel));
    frag.append(bottom);
    body.replaceChildren(frag);
    // Measured once from a real row, so the spacers stand for exactly the rows they replace.
    const real = body.children[1] as HTMLElement | undefined;
    if (real && real !== bottom && real.offsetHeight > 0 && real.offsetHeight !== rowHeight) {
      rowHeight = real.offsetHeight;
      render(true);
      return;
    }
    topPad.style.height = `${first * rowHeight}px`;
    bottomPad.style.height = `${(order.length - last) * rowHeight}px`;
    top.hidden = first === 0;
    bottom.hidden = last === order.length;
  }

  function rowEl(r: T, k: number, sel: number | null): HTMLTableRowElement {
    const id = spec.id(r);
    const tr = el('tr', { attrs: { 'aria-rowindex': String(k + 2), 'aria-selected': String(id === sel), 'data-id': String(id) } });
    for (const c of cols) {
      const v = c.cell(r);
      const td = el('td', c.numeric ? { cls: 'num' } : null);
      append(td, Array.isArray(v) ? v : [v]);
      const tip = c.tip?.(r);
      if (tip) td.title = tip;
      tr.append(td);
    }
    return tr;
  }

  /** Scrolls the wrap (not the page) just enough to show the row at position k. */
  function reveal(k: number): void {
    const headerH = table.tHead?.offsetHeight ?? 0;
    const y = k * rowHeight;
    if (y < wrap.scrollTop) wrap.scrollTop = y;
    else if (y + rowHeight + headerH > wrap.scrollTop + wrap.clientHeight) wrap.scrollTop = y + rowHeight + headerH - wrap.clientHeight;
  }

  let frame = 0;
  wrap.addEventListener('scroll', () => {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; render(); });
  }, { passive: true });
  new ResizeObserver(() => render()).observe(wrap);
  body.addEventListener('click', (ev) => {
    const tr = (ev.target as Element).closest('tr[data-id]');
    if (tr) spec.selected.set(Number(tr.getAttribute('data-id')));
  });
  onStepKeys(wrap, () => order.length, () => position.get(spec.selected.get() ?? -1) ?? null, (k) => spec.selected.set(spec.id(order[k])), 20);
  listen(spec.selected, wrap, (id) => {
    for (const tr of body.querySelectorAll('tr[data-id]')) tr.setAttribute('aria-selected', String(Number(tr.getAttribute('data-id')) === id));
    const k = id === null ? undefined : position.get(id);
    if (k !== undefined) reveal(k);
  });

  apply(spec.sort);
  return {
    root: wrap,
    setRows(next) {
      rows = next;
      apply(sort);
    },
    refresh(labels) {
      for (const [key, label] of Object.entries(labels ?? {})) {
        const i = cols.findIndex((c) => c.key === key);
        if (i >= 0) headers.buttons[i].textContent = label;
      }
      apply(sort);
    },
    shown: () => order,
  };
}
