import type { AdviceAction, Report } from '../../common/protocol';
import { el, note, section } from '../parts/dom';
import { pct, times } from '../parts/format';

/**
 * "What to do", at the top of the report: the actions with the most estimated speedup on the
 * user's targets, each with its magnitude cost, then the best ones elsewhere.
 */
export function actionsSection(r: Report): HTMLElement | null {
  const a = r.advice;
  if (!a) return null;
  const names = a.focus.targets.map((id) => r.estimates.find((e) => e.accelerator.id === id)?.accelerator.name ?? id);
  const item = (x: AdviceAction): HTMLElement => el('li', { cls: `action action-${x.kind}` },
    el('span', { cls: 'action-gain', title: `range ${x.speedupRange.map((v) => v.toFixed(2)).join('\u2013')}` }, times(x.speedup)), ' ',
    el('span', { cls: 'action-text' }, x.text),
    el('span', { cls: 'sub' }, `${x.basis}; L1 kept ${pct(x.l1Kept)}. How: ${x.how}.${x.batchRule ? ` ${x.batchRule}.` : ''}`));
  return section('actions', 'What to do',
    note(`Ranked by estimated speedup on ${a.focus.chosen === 'user' ? 'your targets' : 'the default targets'} (${names.join(', ')}), at the analysed size. Each figure is the time before the action over the time after it.`),
    a.actions.length ? el('ol', { cls: 'actions' }, ...a.actions.map(item))
      : note(`No action gains 1% or more on ${names.join(' or ')} at this size: the verdict column of the layer table says why, layer by layer.`),
    a.elsewhere.length > 0 && el('details', null, el('summary', null, `On other targets (${a.elsewhere.length})`), el('ol', { cls: 'actions' }, ...a.elsewhere.map(item))),
    ...a.notes.map((n) => note(n)));
}
