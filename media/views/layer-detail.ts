import type { LayerReport } from '../../common/protocol';
import { bestBlock, mainPattern, nearZeroShare } from '../../common/report/figures';
import { generatedInputs } from '../../common/report/activation-figures';
import type { ReportContext } from '../parts/context';
import { button, el } from '../parts/dom';
import { compact, count, duration, pct } from '../parts/format';
import { heatmapFigure } from '../charts/heatmap';
import { histogramFigure } from '../charts/histogram-chart';
import { listen } from '../parts/store';

/**
 * The selected layer: its figures in words, previous/next buttons, its sparsity heatmap and
 * weight histogram. Every part follows the one selection.
 */
export function layerDetail(ctx: ReportContext): HTMLElement {
  const n = ctx.report.layers.length;
  const title = el('h3', { cls: 'layer-name' });
  const facts = el('p', { cls: 'layer-facts' });
  const prev = button('\u25c0 Previous', () => step(-1), { cls: 'secondary small', title: 'Select the previous layer in graph order' });
  const next = button('Next \u25b6', () => step(1), { cls: 'secondary small', title: 'Select the next layer in graph order' });
  const step = (d: number): void => {
    const i = ctx.selected.get();
    ctx.selected.set(Math.max(0, Math.min(n - 1, (i ?? -1) + d)));
  };
  const root = el('div', { cls: 'layer-detail' },
    el('div', { cls: 'detail-head' }, title, el('span', { cls: 'detail-nav' }, prev, next)),
    facts,
    el('div', { cls: 'detail-charts' }, heatmapFigure(ctx), histogramFigure(ctx)));
  const update = (i: number | null): void => {
    const l = i === null ? undefined : ctx.report.layers[i];
    title.textContent = l ? `#${(i ?? 0) + 1} ${l.name}` : 'No layer selected';
    facts.textContent = l ? describe(ctx, l) : '';
    prev.disabled = i === null || i <= 0;
    next.disabled = i === null || i >= n - 1;
  };
  listen(ctx.selected, root, update);
  update(ctx.selected.get());
  return root;
}

function describe(ctx: ReportContext, l: LayerReport): string {
  const nm = mainPattern(ctx.report);
  const g = l.gemm;
  const parts = [
    `${l.opType}`,
    g ? `GEMM ${count(g.rows)} \u00d7 ${count(g.k)}${g.groups > 1 ? ` in ${g.groups} groups` : ''}` : 'no GEMM view',
    `${count(l.params)} params, ${pct(l.sparsity, 2)} exactly zero, ${pct(nearZeroShare(l), 2)} near zero`,
  ];
  const r = nm ? l.nm[nm] : undefined;
  if (r) parts.push(`${nm}: ${pct(r.groupShare)} of groups comply${r.ready ? ' (ready)' : ''}`);
  const b = bestBlock(l);
  if (b) parts.push(`${b[0]} blocks ${pct(b[1])} all zero`);
  if (g) parts.push(`${count(l.zeroRows)} dead output and ${count(l.zeroInputChannels)} dead input channels`);
  const a = l.activation;
  if (a) {
    const s = a.inputSpread;
    parts.push(`input density ${pct(a.inputDensity)}${s && s.samples > 1 ? ` (${pct(s.min)}\u2013${pct(s.max)} over ${count(s.samples)} samples)` : ''}${generatedInputs(ctx.report.run) ? ' on generated inputs' : ''}`);
    if (a.inputChannels?.dead.length) parts.push(`${count(a.inputChannels.dead.length)} of ${count(a.inputChannels.count)} input channels zero in every sample`);
    if (a.outputChannels?.dead.length) parts.push(`${count(a.outputChannels.dead.length)} of ${count(a.outputChannels.count)} output channels zero in every sample`);
  }
  if (l.macs !== undefined) parts.push(`${compact(l.macs)} MACs`);
  if (l.timeMs !== undefined) parts.push(`${l.timeMs.toFixed(3)} ms measured`);
  const e = ctx.estimate();
  const row = e && ctx.layerEstimate(e, l.name);
  if (e && row) parts.push(`${e.accelerator.id} ${e.scenario}: ${duration(row.timeMs)} estimated, ${row.speedup.toFixed(2)}x`);
  return parts.join(' \u00b7 ');
}
