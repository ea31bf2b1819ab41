import type { LayerDelta, LayerReport, PruneOutcome, Report, ReportDiff } from '../../common/protocol';
import { densityStats, nearZeroShare, readyCount } from '../../common/report/figures';
import { compareChart } from '../charts/compare-chart';
import { deltaEl, type Better } from '../parts/delta';
import { el, note, section, type Child } from '../parts/dom';
import { fileStem } from '../charts/download';
import { compact, count, deltaCount, deltaMs, deltaPp, ms, pct, times } from '../parts/format';
import { lazy } from '../parts/lazy';
import { sortableTable } from '../tables/sortable-table';
import { pruneSection } from './prune-figures';
import type { Column } from '../tables/table-sort';
import type { SortState } from '../host/vscode';

interface Metric {
  label: string;
  a: string;
  b: string;
  delta: Child;
}

/** Two models side by side: their totals, then what changed layer by layer (b - a, matched by name). */
export function compareView(a: Report, b: Report, diff: ReportDiff, sort: SortState | undefined, onSort: (s: SortState) => void, prune?: PruneOutcome): HTMLElement {
  // One file name twice (two versions of a model, or one model analysed twice): say so once; the paths tell them apart.
  const title = a.model.name === b.model.name
    ? el('h1', null, `Comparing two analyses of ${a.model.name}`)
    : el('h1', null, 'Comparing ', el('span', { cls: 'tag-a' }, 'A'), ` ${a.model.name} `, el('span', { cls: 'vs' }, 'with'), ' ', el('span', { cls: 'tag-b' }, 'B'), ` ${b.model.name}`);
  const head = el('header', { cls: 'model-head' }, title,
    el('p', { cls: 'path' }, el('span', { cls: 'tag-a' }, 'A'), ` ${a.model.path}`), el('p', { cls: 'path' }, el('span', { cls: 'tag-b' }, 'B'), ` ${b.model.path}`));
  return el('div', { cls: 'compare' }, head,
    prune && pruneSection(prune),
    section('compare-totals', 'Totals', totalsTable(a, b, diff)),
    diff.patterns.some((p) => p.lost.length || p.missing.length || p.gained.length) && section('compare-readiness', 'N:M readiness that changed', readinessList(diff)),
    diff.estimates.length > 0 && section('compare-estimates', 'Estimated speedups', estimatesTable(diff)),
    diff.notes.length > 0 && note(diff.notes.join(' ')),
    diff.layers.length > 0 && section('compare-chart', 'Changes per layer', lazy(() => compareChart(diff, `${fileStem(a.model.name)}-vs-${fileStem(b.model.name)}`), 300)),
    section('compare-layers', `Layers in both (${diff.layers.length})`,
      diff.layers.length ? layerDeltas(a, b, diff.layers, sort, onSort) : note('No layer names in common.'),
      diff.added.length > 0 && nameList(`Only in B (${diff.added.length})`, diff.added),
      diff.removed.length > 0 && nameList(`Only in A (${diff.removed.length})`, diff.removed)));
}

function totalsTable(a: Report, b: Report, diff: ReportDiff): HTMLElement {
  const d = (x: number | null | undefined, text: (x: number | null | undefined) => string, better: Better): Child => deltaEl(x, text(x), better, true) ?? '-';
  const pp2 = (x: number | null | undefined): string => deltaPp(x, 2);
  const ready = (r: Report): string => { const c = readyCount(r); return c ? `${c.ready} of ${c.of}` : '-'; };
  const sub = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : y - x);
  const [nearA, nearB] = [nearZeroShare(a.totals), nearZeroShare(b.totals)];
  const [densA, densB] = [densityStats(a)?.mean ?? null, densityStats(b)?.mean ?? null];
  const [layerA, layerB] = [a.totals.layerWeights.sparsity, b.totals.layerWeights.sparsity];
  const metrics: Metric[] = [
    { label: 'Parameters', a: count(a.totals.params), b: count(b.totals.params), delta: d(diff.totals.params, deltaCount, null) },
    { label: 'Weight sparsity', a: pct(a.totals.sparsity, 2), b: pct(b.totals.sparsity, 2), delta: d(diff.totals.sparsity, pp2, 'up') },
    { label: 'Near-zero share', a: pct(nearA, 2), b: pct(nearB, 2), delta: d(sub(nearA, nearB), pp2, 'up') },
    { label: 'Layer-weight sparsity', a: pct(layerA, 2), b: pct(layerB, 2), delta: d(layerB - layerA, pp2, 'up') },
    ...(diff.patterns.length ? diff.patterns.map((p) => ({
      label: `${p.pattern}-ready layers`, a: `${p.ready[0]} of ${p.of[0]}`, b: `${p.ready[1]} of ${p.of[1]}`, delta: d(p.ready[1] - p.ready[0], deltaCount, 'up'),
    })) : [{ label: `${readyCount(b)?.nm ?? '2:4'}-ready layers`, a: ready(a), b: ready(b), delta: '' }]),
    { label: 'Layers', a: count(a.layers.length), b: count(b.layers.length), delta: '' },
    { label: 'Mean input density', a: pct(densA), b: pct(densB), delta: d(sub(densA, densB), deltaPp, 'down') },
    { label: 'MACs', a: compact(a.totals.macs), b: compact(b.totals.macs), delta: d(diff.totals.macs, (x) => deltaCount(x, true), 'down') },
    { label: 'Kernel time', a: ms(a.totals.timeMs, 2), b: ms(b.totals.timeMs, 2), delta: d(diff.totals.timeMs, deltaMs, 'down') },
    { label: 'Run', a: runText(a), b: runText(b), delta: '' },
  ];
  const th = (t: string, cls = ''): HTMLElement => el('th', { cls, attrs: { scope: 'col' } }, t);
  return el('div', { cls: 'table-wrap narrow' }, el('table', { cls: 'data' },
    el('thead', null, el('tr', null, th('Metric'), th('A', 'num'), th('B', 'num'), th('B \u2212 A', 'num'))),
    el('tbody', null, ...metrics.map((m) => el('tr', null, el('th', { attrs: { scope: 'row' } }, m.label), el('td', { cls: 'num' }, m.a), el('td', { cls: 'num' }, m.b), el('td', { cls: 'num' }, m.delta))))));
}

function runText(r: Report): string {
  if (!r.run) return 'not run';
  return r.run.ok ? `${r.run.ep}, ORT ${r.run.ortVersion}` : 'failed';
}

interface Row {
  d: LayerDelta;
  a: LayerReport | undefined;
  b: LayerReport | undefined;
}

function layerDeltas(a: Report, b: Report, deltas: LayerDelta[], sort: SortState | undefined, onSort: (s: SortState) => void): HTMLElement {
  const inA = new Map(a.layers.map((l) => [l.name, l]));
  const inB = new Map(b.layers.map((l) => [l.name, l]));
  const rows: Row[] = deltas.map((d) => ({ d, a: inA.get(d.name), b: inB.get(d.name) }));
  const readyText = (x: boolean): string => (x ? 'ready' : 'no');
  const cols: Column<Row>[] = [
    { key: 'name', label: 'Layer', value: (r) => r.d.name, cell: (r) => el('span', { cls: 'layer-name' }, r.d.name) },
    { key: 'op', label: 'Op', value: (r) => r.d.opType, cell: (r) => r.d.opType },
    { key: 'za', label: 'Zeros A', numeric: true, value: (r) => r.a?.sparsity ?? null, cell: (r) => pct(r.a?.sparsity) },
    { key: 'zb', label: 'Zeros B', numeric: true, value: (r) => r.b?.sparsity ?? null, cell: (r) => pct(r.b?.sparsity) },
    { key: 'dz', label: '\u0394 zeros', numeric: true, value: (r) => r.d.sparsity, cell: (r) => deltaEl(r.d.sparsity, deltaPp(r.d.sparsity), 'up', true) },
    { key: 'dd', label: '\u0394 input density', numeric: true, value: (r) => r.d.inputDensity, cell: (r) => deltaEl(r.d.inputDensity, deltaPp(r.d.inputDensity), 'down', true) ?? '-' },
    {
      key: 'ready', label: '2:4 ready A \u2192 B', value: (r) => `${readyText(r.d.ready24[0])} ${readyText(r.d.ready24[1])}`,
      cell: (r) => el('span', { cls: r.d.ready24[0] !== r.d.ready24[1] ? (r.d.ready24[1] ? 'good' : 'bad') : '' }, `${readyText(r.d.ready24[0])} \u2192 ${readyText(r.d.ready24[1])}`),
    },
    { key: 'dm', label: '\u0394 MACs', numeric: true, value: (r) => r.d.macs, cell: (r) => deltaEl(r.d.macs, deltaCount(r.d.macs, true), 'down', true) ?? '-' },
    { key: 'dt', label: '\u0394 time', numeric: true, value: (r) => r.d.timeMs, cell: (r) => deltaEl(r.d.timeMs, deltaMs(r.d.timeMs), 'down', true) ?? '-' },
  ];
  return sortableTable(rows, cols, sort, onSort);
}

function nameList(title: string, names: string[], tone = ''): HTMLElement {
  return el('details', null, el('summary', { cls: tone }, title), el('ul', { cls: 'names' }, ...names.map((n) => el('li', null, el('span', { cls: 'layer-name' }, n)))));
}

/** Layers that lost or gained N:M readiness from A to B, per pattern. */
function readinessList(diff: ReportDiff): HTMLElement {
  const items = diff.patterns.flatMap((p) => [
    p.lost.length > 0 && nameList(`${p.pattern} lost in B (${p.lost.length})`, p.lost, 'bad'),
    p.missing.length > 0 && nameList(`${p.pattern}-ready in A, not in B at all (${p.missing.length})`, p.missing, 'bad'),
    p.gained.length > 0 && nameList(`${p.pattern} gained in B (${p.gained.length})`, p.gained, 'good'),
  ]);
  return el('div', null, ...items);
}

/** Every target and scenario either side estimated: the speedup in A and B and its change. */
function estimatesTable(diff: ReportDiff): HTMLElement {
  const th = (t: string, cls = ''): HTMLElement => el('th', { cls, attrs: { scope: 'col' } }, t);
  const rel = (x: number | null): string => (x === null ? '-' : `${x > 0 ? '+' : x < 0 ? '\u2212' : '\u00b1'}${Math.abs(x * 100).toFixed(2)}%`);
  return el('div', { cls: 'table-wrap narrow' }, el('table', { cls: 'data' },
    el('thead', null, el('tr', null, th('Target'), th('Scenario'), th('A', 'num'), th('B', 'num'), th('Change', 'num'))),
    el('tbody', null, ...diff.estimates.map((e) => el('tr', null,
      el('th', { attrs: { scope: 'row', title: e.target } }, e.name), el('td', null, e.scenario),
      el('td', { cls: 'num' }, times(e.speedup[0])), el('td', { cls: 'num' }, times(e.speedup[1])),
      el('td', { cls: 'num' }, deltaEl(e.relative, rel(e.relative), 'up', true) ?? '-'))))));
}
