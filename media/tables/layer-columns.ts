import type { LayerDelta, LayerReport } from '../../common/protocol';
import { verdictDoc } from '../../common/report/advice';
import { bestBlock, mainPattern, nearZeroShare } from '../../common/report/figures';
import { GENERATED_NOTE, generatedInputs } from '../../common/report/activation-figures';
import type { ReportContext } from '../parts/context';
import { deltaEl } from '../parts/delta';
import { el, type Child } from '../parts/dom';
import { compact, count, deltaCount, deltaMs, deltaPp, duration, pct } from '../parts/format';
import type { VColumn } from './virtual-table';

export interface LayerRow {
  index: number;
  layer: LayerReport;
  delta: LayerDelta | undefined;
  added: boolean;
}


/** Header of the estimated-time column: it names the accelerator and scenario it shows. */
export function estimateLabel(ctx: ReportContext): string {
  const e = ctx.estimate();
  return e ? `Est. time (${e.accelerator.id}, ${e.scenario})` : 'Est. time';
}

/** Header of the verdict column: it names the accelerator whose verdicts it shows. */
export function verdictLabel(ctx: ReportContext): string {
  const id = ctx.pick.get()?.accelerator;
  return id ? `Verdict (${id})` : 'Verdict';
}

/** The columns the issue asks for, in reading order: identity, shape, weight patterns, run figures, estimate. */
export function layerColumns(ctx: ReportContext): VColumn<LayerRow>[] {
  const r = ctx.report;
  const nm = mainPattern(r);
  const total = r.totals.timeMs;
  const verdictsFor = (x: LayerRow) => { const id = ctx.pick.get()?.accelerator; return id ? r.advice?.verdicts[x.index]?.targets[id] : undefined; };
  const verdictFor = (x: LayerRow) => verdictsFor(x)?.[0];
  const est = (x: LayerRow) => { const e = ctx.estimate(); return e ? { e, row: ctx.layerEstimate(e, x.layer.name) } : undefined; };
  const cols: VColumn<LayerRow>[] = [
    { key: 'index', label: '#', numeric: true, firstDir: 1, width: 52, title: 'Position in graph order', value: (x) => x.index, cell: (x) => String(x.index + 1) },
    {
      key: 'name', label: 'Layer', width: 230, value: (x) => x.layer.name, cell: nameCell,
      tip: (x) => [x.layer.name, x.layer.note, x.layer.weight && `weight: ${x.layer.weight}`].filter(Boolean).join('\n'),
    },
    { key: 'op', label: 'Op', width: 110, value: (x) => x.layer.opType, cell: (x) => x.layer.opType, tip: (x) => x.layer.opType },
    {
      key: 'gemm', label: 'Rows \u00d7 K', numeric: true, width: 110, title: 'GEMM view of the weight: output channels x reduction (channel-last for convolutions)',
      value: (x) => (x.layer.gemm ? x.layer.gemm.rows * x.layer.gemm.k : null),
      cell: (x) => (x.layer.gemm ? `${count(x.layer.gemm.rows)} \u00d7 ${count(x.layer.gemm.k)}` : '-'),
    },
    { key: 'params', label: 'Params', numeric: true, width: 92, value: (x) => x.layer.params, cell: (x) => count(x.layer.params) },
    {
      key: 'zeros', label: 'Weight zeros', numeric: true, width: 120, title: 'Share of weight elements that are exactly zero (or equal to the zero point)',
      value: (x) => x.layer.sparsity, tip: (x) => `${count(x.layer.zeros)} of ${count(x.layer.params)} exactly zero`,
      cell: (x) => [pct(x.layer.sparsity), deltaEl(x.delta?.sparsity, deltaPp(x.delta?.sparsity), 'up')],
    },
    {
      key: 'near', label: 'Near-zero', numeric: true, width: 92, title: 'Share of weight elements within the near-zero threshold (zeros included)',
      value: (x) => nearZeroShare(x.layer), tip: (x) => `${count(x.layer.nearZeros)} of ${count(x.layer.params)} near zero`,
      cell: (x) => pct(nearZeroShare(x.layer)),
    },
  ];
  if (nm) cols.push({
    key: 'nm', label: `${nm} groups`, numeric: true, width: 136,
    title: `Share of ${nm} groups along K that comply; "ready" when every group does and K is a multiple of M`,
    value: (x) => x.layer.nm[nm]?.groupShare ?? null,
    cell: (x) => nmCell(x, nm),
  });
  cols.push(
    {
      key: 'block', label: 'Best zero block', numeric: true, width: 124, title: 'The block shape with the largest share of all-zero blocks',
      value: (x) => bestBlock(x.layer)?.[1] ?? null,
      cell: (x) => { const b = bestBlock(x.layer); return b ? `${b[0]}: ${pct(b[1])}` : '-'; },
    },
    {
      key: 'dead', label: 'Dead channels', numeric: true, width: 116, title: 'All-zero output channels (rows) and input channels: prunable without a sparse kernel',
      value: (x) => (x.layer.gemm ? x.layer.zeroRows + x.layer.zeroInputChannels : null),
      cell: (x) => (x.layer.gemm ? `${count(x.layer.zeroRows)} out, ${count(x.layer.zeroInputChannels)} in${x.layer.zeroCols ? `, ${count(x.layer.zeroCols)} K` : ''}` : '-'),
      tip: (x) => (x.layer.gemm ? `${count(x.layer.zeroRows)} of ${count(x.layer.gemm.rows)} output channels, ${count(x.layer.zeroInputChannels)} of ${count(x.layer.inputChannels)} input channels and ${count(x.layer.zeroCols)} of ${count(x.layer.gemm.k)} K columns all zero` : ''),
    },
    {
      key: 'verdict', label: verdictLabel(ctx), width: 240,
      title: 'Why the layer is, or is not, faster on the accelerator chosen above (as it is, or pruned to its pattern); hover for the figures',
      value: (x) => verdictFor(x)?.label ?? null,
      cell: (x) => { const v = verdictFor(x); return v ? el('span', { cls: `verdict v-${v.code}` }, v.label) : '-'; },
      tip: (x) => (verdictsFor(x) ?? []).map((v) => `${v.label}: ${v.text} (${verdictDoc(v.code)})`).join('\n'),
    },
    {
      key: 'density', label: generatedInputs(r.run) ? 'Input density (gen.)' : 'Input density', numeric: true, width: 108,
      title: `Nonzero share of the layer\u2019s data input in the run${generatedInputs(r.run) ? `, on ${GENERATED_NOTE}` : ''}`,
      tip: (x) => {
        const s = x.layer.activation?.inputSpread;
        return s && s.samples > 1 ? `${pct(s.min)} to ${pct(s.max)} over ${count(s.samples)} samples (mean ${pct(s.mean)})` : '';
      },
      value: (x) => x.layer.activation?.inputDensity ?? null,
      cell: (x) => [pct(x.layer.activation?.inputDensity), deltaEl(x.delta?.inputDensity, deltaPp(x.delta?.inputDensity), 'down')],
    },
    {
      key: 'macs', label: 'MACs', numeric: true, width: 100, title: 'Multiply-adds in the run (FLOPs = 2 x MACs)',
      value: (x) => x.layer.macs ?? null, tip: (x) => (x.layer.macs === undefined ? '' : `${count(x.layer.macs)} MACs`),
      cell: (x) => [compact(x.layer.macs), deltaEl(x.delta?.macs, deltaCount(x.delta?.macs, true), 'down')],
    },
    {
      key: 'time', label: 'Time share', numeric: true, width: 100, title: 'Share of the run\u2019s measured kernel time',
      value: (x) => x.layer.timeMs ?? null, tip: (x) => (x.layer.timeMs === undefined ? '' : `${x.layer.timeMs.toFixed(3)} ms measured`),
      cell: (x) => [pct(x.layer.timeMs !== undefined && total ? x.layer.timeMs / total : null), deltaEl(x.delta?.timeMs, deltaMs(x.delta?.timeMs), 'down')],
    },
    {
      key: 'est', label: estimateLabel(ctx), numeric: true, width: 190, title: 'Estimated time on the accelerator and scenario chosen above',
      value: (x) => est(x)?.row?.timeMs ?? null,
      cell: (x) => duration(est(x)?.row?.timeMs),
      tip: (x) => {
        const m = est(x);
        if (!m?.row) return m ? `${m.e.accelerator.name}: no estimate for this layer (no weight, GEMM view or MACs)` : '';
        return `${m.e.accelerator.name}, ${m.e.scenario}: ${duration(m.row.timeMs)} (dense ${duration(m.row.denseTimeMs)}), ${m.row.speedup.toFixed(2)}x, ${m.row.bound}-bound; ${m.row.exploited}`;
      },
    },
  );
  return cols;
}

function nameCell(x: LayerRow): Child[] {
  return [el('span', { cls: 'layer-name' }, x.layer.name), x.added && el('span', { cls: 'badge', title: 'not in the previous analysis' }, 'new')];
}

function nmCell(x: LayerRow, nm: string): Child[] {
  const r = x.layer.nm[nm];
  if (!r) return ['-'];
  const out: Child[] = [pct(r.groupShare), r.ready && el('span', { cls: 'ready', title: `${nm}-ready: sparse tensor cores can run it` }, ' \u2713 ready')];
  // The diff tracks readiness for 2:4 only, so a change is shown only when that is the column.
  const d = nm === '2:4' ? x.delta?.ready24 : undefined;
  if (d && d[0] !== d[1]) out.push(el('span', { cls: `delta ${d[1] ? 'good' : 'bad'}` }, d[1] ? '\u25b2 now ready' : '\u25bc was ready'));
  return out;
}
