import type { HostAction, Report, ReportDiff, RunReport } from '../../common/protocol';
import { deltaEl } from '../parts/delta';
import { button, el, note, section, type Child } from '../parts/dom';
import { bytes, compact, count, deltaCount, deltaMs, deltaPp, ms, pct, threshold } from '../parts/format';
import { tile } from '../parts/tile';
import { headlineTile } from './headline';
import { densityStats, latencyLine, nearZeroShare, readyCount } from '../../common/report/figures';
import { GENERATED_NOTE, generatedInputs, inputsText } from '../../common/report/activation-figures';

/** The model at a glance: key figures as tiles, then the file and run facts, then warnings. */
/** What the page can ask its editor to do (standalone reports answer that only the editor can). */
export type Act = (action: HostAction) => void;

export function summary(r: Report, diff?: ReportDiff, act?: Act): HTMLElement {
  const m = r.model;
  const t = r.totals;
  const head = el('header', { cls: 'model-head' }, el('h1', { attrs: { elementtiming: 'report-title' } }, m.name), el('p', { cls: 'path' }, m.path));
  return el('div', { cls: 'summary' }, head, diff && diffLine(diff), tiles(r, diff, act), facts(r, act), r.warnings.length > 0 && warnings(r.warnings),
    t.params === 0 && note('This model has no constant weights to measure.'));
}

/** The way from generated inputs to real ones, wherever the page says "generated inputs". */
export function chooseLink(act: Act): HTMLButtonElement {
  return button('Choose sample inputs\u2026', () => act('chooseInputs'), { cls: 'link choose-inputs' });
}

function tiles(r: Report, diff?: ReportDiff, act?: Act): HTMLElement {
  const t = r.totals;
  const z = r.options.nearZero;
  const out: HTMLElement[] = [
    tile('Weight sparsity', pct(t.sparsity, 2), `${count(t.zeros)} of ${count(t.params)} weights exactly zero`, deltaEl(diff?.totals.sparsity, deltaPp(diff?.totals.sparsity, 2), 'up')),
    tile('Near-zero', pct(nearZeroShare(t), 2), z.relative ? `|x| \u2264 ${threshold(z.value)} \u00d7 max|x| per tensor` : `|x| \u2264 ${threshold(z.value)}`),
    tile('Layer weights', pct(t.layerWeights.sparsity, 2), `zeros in the ${count(t.layerWeights.params)} params of ${count(r.layers.length)} layers`),
    tile('Parameters', compact(t.params), `${count(t.params)} in ${count(t.tensors)} tensors, ${bytes(t.bytes)}`, deltaEl(diff?.totals.params, deltaCount(diff?.totals.params, true), null)),
  ];
  const ready = readyCount(r);
  if (ready) out.push(tile(`${ready.nm}-ready layers`, `${ready.ready} of ${ready.of}`, `every ${ready.nm} group complies and K is a multiple of ${ready.nm.split(':')[1]}`));
  const d = densityStats(r);
  if (d) {
    const generated = generatedInputs(r.run);
    const sub = el('span', { title: d.minLayer }, `mean over ${d.n} layers; lowest ${pct(d.min)}`);
    const card = tile('Input activation density', pct(d.mean), generated
      ? [sub, el('span', { cls: 'generated-flag', title: GENERATED_NOTE }, 'generated inputs'), act ? chooseLink(act) : el('span', { cls: 'sub' }, 'give real samples with --inputs DIR')]
      : [sub, el('span', { cls: 'sub' }, `on ${inputsText(r.run!)}`)]);
    if (generated) card.classList.add('generated');
    out.push(card);
  }
  if (t.macs !== undefined) {
    const effective = effectiveMacs(r);
    out.push(tile('MACs', compact(t.macs), `${count(t.macs)} dense; ${compact(effective)} with nonzero weights; layers ${compact(t.layerMacs)}`, deltaEl(diff?.totals.macs, deltaCount(diff?.totals.macs, true), 'down')));
  }
  const head = headlineTile(r, act ? chooseLink(act) : undefined);
  // The headline leads: what the model gains as it is where the user runs it.
  if (head) out.unshift(head);
  if (t.timeMs !== undefined) out.push(tile('Kernel time', ms(t.timeMs, 2), 'sum of measured op times', deltaEl(diff?.totals.timeMs, deltaMs(diff?.totals.timeMs), 'down')));
  return el('div', { cls: 'tiles' }, ...out);
}

/** MACs whose weight operand is nonzero: each layer's MACs x its weight density, other ops unchanged. */
export function effectiveMacs(r: Report): number | undefined {
  if (r.totals.macs === undefined) return undefined;
  let layers = 0;
  let kept = 0;
  for (const l of r.layers) {
    if (l.macs === undefined) continue;
    layers += l.macs;
    kept += l.macs * (1 - l.sparsity);
  }
  return r.totals.macs - layers + kept;
}

function facts(r: Report, act?: Act): HTMLElement {
  const m = r.model;
  const row = (k: string, ...v: Child[]): HTMLElement[] => [el('dt', null, k), el('dd', null, ...v)];
  const opsets = Object.entries(m.opsets).map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ');
  return el('dl', { cls: 'facts' },
    ...row('Size', bytes(m.fileBytes), m.externalBytes ? ` + ${bytes(m.externalBytes)} external data` : ''),
    ...row('SHA-256', el('code', null, m.sha256)),
    ...row('Producer', `${m.producer.name} ${m.producer.version}`.trim() || '-'),
    ...row('IR / opsets', `${m.irVersion} / ${opsets}`),
    ...row('Graph', `${m.graphName || '-'}: ${count(m.nodes)} nodes, ${count(r.layers.length)} layers`),
    ...row('Run', ...runFacts(r.run, act)),
    ...row('Analysis', `${ms(r.timings.totalMs, 0)} by ${r.tool.name} ${r.tool.version}, ${r.createdAt}`, stages(r.timings)),
  );
}

/** Where the analysis's time went, stage by stage. */
function stages(t: Report['timings']): string {
  const parts: [string, number | undefined][] = [['load', t.loadMs], ['weights', t.weightsMs], ['run', t.runMs], ['estimates', t.estimateMs], ['advice', t.adviceMs]];
  const shown = parts.filter((p): p is [string, number] => p[1] !== undefined).map(([k, v]) => `${k} ${ms(v, 0)}`);
  return shown.length ? ` (${shown.join(', ')})` : '';
}

function runFacts(run: RunReport | undefined, act?: Act): Child[] {
  if (!run) return ['not run (weights only)'];
  // Dims the model leaves open can be given here; after a failure for want of them, this is the way on.
  const dynamic = (run.declaredInputs ?? []).some((i) => i.dims.some((d) => typeof d !== 'number'));
  const sizes = act && (dynamic || run.missingSizes?.length) ? button('Set input sizes\u2026', () => act('setInputSizes'), { cls: 'link set-sizes' }) : '';
  if (!run.ok) return [el('span', { cls: 'run-error' }, `failed: ${run.error ?? 'unknown error'}`), ' ', sizes, note('The weight figures stand; activation density, MACs and times need a run.')];
  const fed = run.inputs.map((i) => `${i.name} [${i.shape.join(', ')}] ${i.dtype}`).join(', ');
  const generated = generatedInputs(run);
  return [
    `onnxruntime ${run.ortVersion} on ${run.ep}`,
    run.fallback ? el('span', { cls: 'warn' }, ` (asked for ${run.requestedEp}: ${run.fallback})`) : '',
    `, ${run.samples} sample${run.samples === 1 ? '' : 's'}${run.batch && run.batch > 1 ? ` (${run.batch} per run)` : ''}; `,
    latencyLine(run),
    el('div', { cls: `sub run-inputs${generated ? ' generated' : ''}` }, `inputs: ${inputsText(run)} \u2192 ${fed || '-'} `,
      generated && el('span', { cls: 'generated-flag', title: GENERATED_NOTE }, 'generated inputs'), ' ',
      act ? chooseLink(act) : generated ? el('span', null, '(give real samples with --inputs DIR)') : '', ' ', sizes),
  ];
}

function diffLine(diff: ReportDiff): HTMLElement {
  const listed = (names: string[]): string => names.slice(0, 8).join(', ') + (names.length > 8 ? ` and ${names.length - 8} more` : '');
  return el('div', { cls: 'diff-line' },
    el('strong', null, 'Since the previous analysis: '),
    `weight sparsity ${deltaPp(diff.totals.sparsity, 2)}, params ${deltaCount(diff.totals.params)}`,
    diff.totals.macs !== null ? `, MACs ${deltaCount(diff.totals.macs, true)}` : '',
    diff.totals.timeMs !== null ? `, kernel time ${deltaMs(diff.totals.timeMs)}` : '',
    `; ${diff.layers.filter((d) => d.sparsity !== 0).length} of ${diff.layers.length} layers changed sparsity.`,
    diff.added.length > 0 && el('div', { cls: 'sub' }, `Added: ${listed(diff.added)}`),
    diff.removed.length > 0 && el('div', { cls: 'sub' }, `Removed: ${listed(diff.removed)}`),
  );
}

function warnings(list: string[]): HTMLElement {
  return section('warnings', `Warnings (${list.length})`, el('ul', { cls: 'warnings' }, ...list.map((w) => el('li', null, w))));
}
