import type { ReportContext } from './context';
import { el } from './dom';
import { onStepKeys } from './keys';
import { listen } from './store';

/**
 * A chart drawn per scenario across the targets: arrow keys pick the target (the scenario
 * stays), and it redraws on every pick, so the table and the roofline follow it and it them.
 */
export function stepTargets(ctx: ReportContext, plot: SVGSVGElement, root: HTMLElement, draw: () => void): HTMLElement {
  const chips = ctx.accelerators;
  onStepKeys(plot, () => chips.length, () => { const k = chips.findIndex((a) => a.id === ctx.pick.get()?.accelerator); return k < 0 ? null : k; },
    (k) => ctx.pick.set({ accelerator: chips[k].id, scenario: ctx.pick.get()?.scenario ?? ctx.scenarios[0] }));
  listen(ctx.pick, root, draw);
  draw();
  return root;
}

/**
 * Accelerator and scenario selects bound to the report's pick. Several copies (table, roofline)
 * stay in step through the store. Option labels are model-independent profile names, still set as text.
 */
export function estimatePick(ctx: ReportContext): HTMLElement | null {
  if (!ctx.accelerators.length) return null;
  const chip = el('select', { attrs: { 'aria-label': 'Accelerator' } },
    ...ctx.accelerators.map((a) => { const o = el('option', null, a.name); o.value = a.id; return o; }));
  const scenario = el('select', { attrs: { 'aria-label': 'Scenario' } },
    ...ctx.scenarios.map((s) => { const o = el('option', null, s); o.value = s; return o; }));
  const show = (): void => {
    const p = ctx.pick.get();
    if (!p) return;
    chip.value = p.accelerator;
    scenario.value = p.scenario;
  };
  const change = (): void => ctx.pick.set({ accelerator: chip.value, scenario: scenario.value });
  chip.addEventListener('change', change);
  scenario.addEventListener('change', change);
  show();
  const root = el('span', { cls: 'pick' }, el('label', null, 'Accelerator ', chip), el('label', null, 'Scenario ', scenario));
  listen(ctx.pick, root, show);
  return root;
}
