import type { LatencyStats, OutputDrift, PruneOutcome } from '../../common/protocol';
import { el, note, section } from '../parts/dom';
import { sig } from '../../common/report/format';
import { count, pct, times } from '../parts/format';

/**
 * When B is a pruned copy of A (Apply Plan, `onnx-sparsity prune --format html`): whether the
 * copy holds the plan, how far its outputs moved on the same inputs, how fast both ran here,
 * and what the estimator says of both on the targets.
 */
export function pruneSection(o: PruneOutcome): HTMLElement {
  const th = (t: string, cls = ''): HTMLElement => el('th', { cls, attrs: { scope: 'col' } }, t);
  const table = (head: HTMLElement[], rows: HTMLElement[], cls: string): HTMLElement =>
    el('div', { cls: 'table-wrap narrow' }, el('table', { cls: `data ${cls}` }, el('thead', null, el('tr', null, ...head)), el('tbody', null, ...rows)));
  const num = (x: string): HTMLElement => el('td', { cls: 'num' }, x);
  const ok = o.layers.filter((l) => l.ok).length;
  const l = o.latency;
  const lat = (label: string, s: LatencyStats): HTMLElement => el('tr', null, el('th', { attrs: { scope: 'row' } }, label),
    num(s.p50.toFixed(3)), num(s.p90.toFixed(3)), num(s.p99.toFixed(3)), num((s.p99 / s.p50).toFixed(2)));
  return section('prune', 'The pruned copy',
    el('p', null, `B is A pruned by the plan for ${o.plan.target.name} (keep ${pct(o.plan.keep)}), written to `, el('code', null, o.copy.path),
      o.copy.externalData && ' with its external data in ', o.copy.externalData && el('code', null, o.copy.externalData), '.'),
    el('h3', null, `The plan in the copy: ${ok} of ${o.layers.length} layers as planned`),
    table([th('Layer'), th('Planned'), th('Measured in the copy'), th('As planned')], o.layers.map((x) => el('tr', { cls: x.ok ? '' : 'bad' },
      el('td', null, el('span', { cls: 'layer-name' }, x.name)), el('td', null, x.prune), el('td', null, x.measured), el('td', null, x.ok ? 'yes' : 'no'))), 'prune-layers'),
    el('h3', null, `Output drift on the same inputs (${o.drift.samples} sample${o.drift.samples === 1 ? '' : 's'})`),
    table([th('Output'), th('Shape'), th('Max |diff|', 'num'), th('Relative L2', 'num'), th('Cosine', 'num'), th('Top-1 agreement', 'num')],
      o.drift.outputs.map(driftRow), 'drift'),
    note(`Inputs: ${o.drift.inputs.map((i) => `${i.name} [${i.shape.join(', ')}] (${i.source})`).join(', ')}. Relative L2 = ||B \u2212 A|| / ||A||; cosine of the outputs flattened over samples; top-1 when an output reads as class scores.`),
    el('h3', null, `Latency here: ${times(l.measuredSpeedup)} measured (p50 over p50)`),
    table([th('ms'), th('p50', 'num'), th('p90', 'num'), th('p99', 'num'), th('p99/p50', 'num')], [lat('A, original', l.original), lat('B, pruned copy', l.pruned)], 'latency'),
    note(`${l.iterations} runs each, onnxruntime ${l.ortVersion} on ${l.ep}, ${l.machine.cpu} x${l.machine.cores}.`),
    ...l.warnings.map((w) => el('p', { cls: 'warn' }, w)),
    el('h3', null, 'Estimated as-is'),
    table([th('Target'), th('A', 'num'), th('B', 'num'), th('The plan predicted', 'num')], o.estimates.map((e) => el('tr', null,
      el('th', { attrs: { scope: 'row' } }, e.target.name), num(times(e.original)), num(times(e.pruned)), num(times(e.planned)))), 'prune-estimates'),
    ...o.warnings.map((w) => note(w)));
}

function driftRow(d: OutputDrift): HTMLElement {
  const num = (x: string): HTMLElement => el('td', { cls: 'num' }, x);
  if (d.skipped) return el('tr', null, el('td', null, d.name), el('td', null, `[${d.shape.join(', ')}]`), el('td', { attrs: { colspan: '4' } }, d.skipped));
  return el('tr', null, el('td', null, d.name), el('td', null, `[${d.shape.join(', ')}] ${d.dtype}`),
    num(sig(d.maxAbs)), num(sig(d.relL2)), num(sig(d.cosine)), num(d.top1 ? `${pct(d.top1.agreement)} of ${count(d.top1.rows)}` : '-'));
}
