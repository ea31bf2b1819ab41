import type { LayerReport, Report } from '../../common/protocol';
import { activationCandidates, activationLayers, channelList, deadText, GENERATED_WHY, generatedInputs, inputsText } from '../../common/report/activation-figures';
import { mainPattern } from '../../common/report/figures';
import { rangeBarSvg } from '../charts/range-bar';
import type { ReportContext } from '../parts/context';
import { button, el, note, section } from '../parts/dom';
import { count, pct } from '../parts/format';
import { chooseLink, type Act } from './summary';

/** Rows drawn at first; a model with thousands of layers shows the rest on request. */
const FIRST_ROWS = 300;

/**
 * The activation section: which inputs the run used and how they were preprocessed (loudly when
 * they were generated), per layer the input density's spread over the samples as a range bar,
 * dead channels and N:M groups of the input, then the activation-informed pruning candidates.
 * Clicking a layer selects it, as everywhere else.
 */
export function activationSection(ctx: ReportContext, act?: Act): HTMLElement | false {
  const r = ctx.report;
  const run = r.run;
  if (!run?.ok) return false;
  const generated = generatedInputs(run);
  const layers = activationLayers(r);
  return section('activations', 'Activations',
    generated && el('p', { cls: 'generated-banner' }, el('strong', null, 'Generated inputs: '), `${GENERATED_WHY}. `,
      act ? chooseLink(act) : '', act ? ' (on the command line: --inputs DIR)' : 'Give real samples with --inputs DIR.'),
    inputsBlock(r, act),
    layers.length ? spreadTable(ctx, layers, generated) : note('No layer activations were measured.'),
    candidates(r, generated));
}

function inputsBlock(r: Report, act?: Act): HTMLElement {
  const run = r.run!;
  const pre = run.sampleSource?.preprocessing ?? [];
  return el('div', { cls: 'inputs-used' },
    el('p', null, el('strong', null, 'Inputs: '), inputsText(run), run.sampleSource?.paths.length ? ` from ${run.sampleSource.paths.join(', ')}` : '',
      run.batch && run.batch > 1 ? ` (${run.batch} samples per run)` : '', ' ', act && !generatedInputs(run) ? chooseLink(act) : ''),
    pre.length > 0 && el('ul', { cls: 'preprocessing' }, ...pre.map((s) => el('li', null, s))));
}

function spreadTable(ctx: ReportContext, layers: LayerReport[], generated: boolean): HTMLElement {
  const r = ctx.report;
  const nm = mainPattern(r);
  const index = new Map(r.layers.map((l, i) => [l, i]));
  const th = (label: string, title?: string, num = true): HTMLElement => el('th', { cls: num ? 'num' : '', title, attrs: { scope: 'col' } }, label);
  const head = el('tr', null, th('Layer', undefined, false), th('Op', undefined, false),
    th(`Input density${generated ? ' (generated inputs)' : ''}`, 'Mean over the samples (lowest\u2013highest per sample)'),
    th('Spread 0\u2013100%', 'Lowest to highest per-sample input density, with a tick at the mean', false),
    th('Output density'), th('Dead input ch.', 'Input channels zero at every position in every sample (+ in some samples)'),
    th('Dead output ch.'), ...(nm ? [th(`${nm} input groups`, `Share of groups of ${nm.split(':')[1]} consecutive input channels at one position with at most ${nm.split(':')[0]} nonzeros`)] : []));
  const row = (l: LayerReport): HTMLElement => {
    const a = l.activation!;
    const s = a.inputSpread;
    const i = index.get(l)!;
    const tr = el('tr', { cls: 'activation-row', attrs: { 'data-layer': String(i) } },
      el('th', { attrs: { scope: 'row' } }, button(l.name, () => ctx.selected.set(i), { cls: 'link layer-name', title: 'Select this layer' })),
      el('td', null, l.opType),
      el('td', { cls: 'num', title: s ? `${count(s.samples)} samples; series of ${s.series.length} points, ${s.seriesStep} sample(s) each` : '' },
        s ? `${pct(s.mean)} ` : pct(a.inputDensity), s && el('span', { cls: 'range' }, `${pct(s.min)}\u2013${pct(s.max)}`)),
      el('td', null, s ? rangeBarSvg(s.min, s.mean, s.max, `input density ${pct(s.min)} to ${pct(s.max)}, mean ${pct(s.mean)}, over ${s.samples} samples`) : '-'),
      el('td', { cls: 'num' }, pct(a.outputDensity)),
      el('td', { cls: `num${a.inputChannels?.dead.length ? ' dead' : ''}`, title: a.inputChannels?.dead.length ? `dead: ${channelList(a.inputChannels.dead)}` : '' }, deadText(a.inputChannels)),
      el('td', { cls: 'num' }, deadText(a.outputChannels)),
      ...(nm ? [el('td', { cls: 'num' }, pct(a.nm?.[nm]))] : []));
    return tr;
  };
  const body = el('tbody', null, ...layers.slice(0, FIRST_ROWS).map(row));
  const more = layers.length > FIRST_ROWS && button(`Show all ${count(layers.length)} layers`, () => {
    body.append(...layers.slice(FIRST_ROWS).map(row));
    (more as HTMLButtonElement).remove();
  }, { cls: 'secondary small' });
  return el('div', null,
    el('div', { cls: `table-wrap${layers.length > 200 ? ' long' : ''}` }, el('table', { cls: 'data activations' }, el('thead', null, head), body)),
    more,
    note('Density = nonzero share. A channel is dead in a sample when it is zero at every position; the spread is over the samples of the run.'));
}

function candidates(r: Report, generated: boolean): HTMLElement {
  const list = activationCandidates(r);
  return el('div', { cls: 'candidates' },
    el('h3', null, `Activation-informed pruning candidates (${list.length})`),
    list.length
      ? el('ul', null, ...list.map((c) => el('li', null, el('strong', null, c.layer), ` (${c.opType}): input channels ${channelList(c.dead)} (${c.dead.length} of ${c.channels}) are zero in all ${c.samples} samples; the matching weight input channels can be removed`,
        c.macs !== null ? ` (${count(Math.round(c.macs))} MACs, ${pct(c.dead.length / c.channels)} of the layer).` : '.')))
      : note('No layer has an input channel that is zero in every sample.'),
    list.length > 0 && note(`Structured and activation-informed: it holds for these samples${generated ? ' (generated ones: check on real data first)' : ''}.`));
}
