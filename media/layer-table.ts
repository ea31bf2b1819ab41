import type { LayerDelta, LayerReport, Report, ReportDiff } from '../server/protocol';
import { deltaEl } from './delta';
import { el, type Child } from './dom';
import { compact, count, deltaCount, deltaMs, deltaPp, pct } from './format';
import { sortableTable, type Column } from './sortable-table';
import type { SortState } from './vscode';

interface Row {
  index: number;
  layer: LayerReport;
  delta: LayerDelta | undefined;
  added: boolean;
}

/** The N:M pattern the table shows: 2:4 (what sparse tensor cores run) unless the run measured others only. */
export function mainPattern(r: Report): string | undefined {
  return r.options.nm.includes('2:4') ? '2:4' : r.options.nm[0];
}

/** Each row: one layer in graph order; with a diff, changes since the previous analysis under the figures. */
export function layerTable(r: Report, diff: ReportDiff | undefined, sort: SortState | undefined, onSort: (s: SortState) => void): HTMLElement {
  const deltas = new Map(diff?.layers.map((d) => [d.name, d]));
  const added = new Set(diff?.added);
  const rows: Row[] = r.layers.map((layer, index) => ({ index, layer, delta: deltas.get(layer.name), added: added.has(layer.name) }));
  return sortableTable(rows, columns(mainPattern(r)), sort, onSort);
}

function columns(nm: string | undefined): Column<Row>[] {
  const best = (l: LayerReport): [string, number] | undefined =>
    Object.entries(l.blocks).filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1])[0];
  const cols: Column<Row>[] = [
    { key: 'index', label: '#', numeric: true, firstDir: 1, title: 'Position in graph order', value: (x) => x.index, cell: (x) => String(x.index + 1) },
    { key: 'name', label: 'Layer', value: (x) => x.layer.name, cell: nameCell },
    { key: 'op', label: 'Op', value: (x) => x.layer.opType, cell: (x) => x.layer.opType },
    {
      key: 'gemm', label: 'Rows \u00d7 K', numeric: true, title: 'GEMM view of the weight: output channels x reduction (channel-last for convolutions)',
      value: (x) => (x.layer.gemm ? x.layer.gemm.rows * x.layer.gemm.k : null),
      cell: (x) => (x.layer.gemm ? `${count(x.layer.gemm.rows)} \u00d7 ${count(x.layer.gemm.k)}` : '-'),
    },
    { key: 'params', label: 'Params', numeric: true, value: (x) => x.layer.params, cell: (x) => count(x.layer.params) },
    {
      key: 'zeros', label: 'Weight zeros', numeric: true, title: 'Share of weight elements that are exactly zero (or equal to the zero point)',
      value: (x) => x.layer.sparsity,
      cell: (x) => [
        el('span', { title: `${count(x.layer.zeros)} of ${count(x.layer.params)} exact zeros; ${count(x.layer.nearZeros)} near-zero` }, pct(x.layer.sparsity)),
        deltaEl(x.delta?.sparsity, deltaPp(x.delta?.sparsity), 'up'),
      ],
    },
  ];
  if (nm) cols.push({
    key: 'nm', label: `${nm} groups`, numeric: true,
    title: `Share of ${nm} groups along K that comply; "ready" when every group does and K is a multiple of M`,
    value: (x) => x.layer.nm[nm]?.groupShare ?? null,
    cell: (x) => nmCell(x, nm),
  });
  cols.push(
    {
      key: 'block', label: 'Best zero block', numeric: true, title: 'The block shape with the largest share of all-zero blocks',
      value: (x) => best(x.layer)?.[1] ?? null,
      cell: (x) => { const b = best(x.layer); return b ? `${b[0]}: ${pct(b[1])}` : '-'; },
    },
    {
      key: 'rows', label: 'Zero rows', numeric: true, title: 'All-zero output channels (prunable without a sparse kernel)',
      value: (x) => (x.layer.gemm ? x.layer.zeroRows : null),
      cell: (x) => (x.layer.gemm ? `${count(x.layer.zeroRows)} / ${count(x.layer.gemm.rows)}` : '-'),
    },
    {
      key: 'density', label: 'Input density', numeric: true, title: 'Nonzero share of the layer\u2019s data input in the run',
      value: (x) => x.layer.activation?.inputDensity ?? null,
      cell: (x) => [pct(x.layer.activation?.inputDensity), deltaEl(x.delta?.inputDensity, deltaPp(x.delta?.inputDensity), 'down')],
    },
    {
      key: 'macs', label: 'MACs', numeric: true, title: 'Multiply-adds in the run (FLOPs = 2 x MACs)',
      value: (x) => x.layer.macs ?? null,
      cell: (x) => [el('span', { title: count(x.layer.macs) }, compact(x.layer.macs)), deltaEl(x.delta?.macs, deltaCount(x.delta?.macs, true), 'down')],
    },
    {
      key: 'time', label: 'Time ms', numeric: true, title: 'Measured kernel time in the plain run',
      value: (x) => x.layer.timeMs ?? null,
      cell: (x) => [x.layer.timeMs === undefined ? '-' : x.layer.timeMs.toFixed(3), deltaEl(x.delta?.timeMs, deltaMs(x.delta?.timeMs), 'down')],
    },
  );
  return cols;
}

function nameCell(x: Row): Child[] {
  return [
    el('span', { cls: 'layer-name' }, x.layer.name),
    x.added && el('span', { cls: 'badge', title: 'not in the previous analysis' }, 'new'),
    x.layer.note && el('span', { cls: 'sub' }, x.layer.note),
  ];
}

function nmCell(x: Row, nm: string): Child[] {
  const r = x.layer.nm[nm];
  if (!r) return ['-'];
  const out: Child[] = [pct(r.groupShare), r.ready && el('span', { cls: 'ready', title: `${nm}-ready: sparse tensor cores can run it` }, '\u2713 ready')];
  // The diff tracks readiness for 2:4 only, so a change is shown only when that is the column.
  const d = nm === '2:4' ? x.delta?.ready24 : undefined;
  if (d && d[0] !== d[1]) out.push(el('span', { cls: `delta ${d[1] ? 'good' : 'bad'}` }, d[1] ? '\u25b2 now ready' : '\u25bc was ready'));
  return out;
}
