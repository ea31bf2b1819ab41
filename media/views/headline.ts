import type { Report } from '../../common/protocol';
import { headline, zeroChannelsNote } from '../../common/report/advice';
import { el } from '../parts/dom';
import { times } from '../parts/format';
import { tile } from '../parts/tile';
import { GENERATED_NOTE } from '../../common/report/activation-figures';

/**
 * The headline figure: the estimated speedup of the model as it is on the user's targets (or the
 * default pair), never the best figure of some exotic target under a hypothetical pruning; with
 * the all-zero channels it rests on, and the best action's gain beside it.
 */
export function headlineTile(r: Report, choose?: HTMLElement): HTMLElement | null {
  const heads = headline(r);
  const advice = r.advice;
  if (!advice || !heads.length) return null;
  const best = advice.actions[0];
  const label = advice.focus.chosen === 'user' ? 'Speedup as-is on your targets' : 'Speedup as-is (default targets)';
  return tile(label, times(heads[0].asIs.speedup), el('span', null,
    ...heads.map((h) => el('span', { cls: 'sub', title: `${h.target.name}, as-is: ${h.asIs.speedupRange.map((x) => x.toFixed(2)).join('\u2013')}` },
      `${h.target.id}: ${times(h.asIs.speedup)}${zeroChannelsNote(h) ? ` (${zeroChannelsNote(h)})` : ''}`)),
    best ? el('span', { cls: 'sub headline-action' }, `best action: ${times(best.speedup)} on ${best.target.id}`) : el('span', { cls: 'sub' }, 'no action gains 1% here'),
    advice.focus.chosen === 'default' ? el('span', { cls: 'sub' }, 'choose targets with --target or the onnxSparsity.targets setting') : '',
    // A figure priced on generated activations says so beside the figure, not only in the run facts.
    heads.some((h) => h.asIs.activationInputs?.kind === 'generated')
      ? el('span', { cls: 'generated-flag', title: GENERATED_NOTE }, 'rests on generated inputs') : '',
    heads.some((h) => h.asIs.activationInputs?.kind === 'generated') ? choose ?? '' : ''));
}
