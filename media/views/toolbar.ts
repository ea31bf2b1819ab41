import type { ExportFormat } from '../../common/protocol';
import { button, el } from '../parts/dom';

const formats: [ExportFormat, string][] = [['json', 'JSON'], ['md', 'Markdown'], ['csv', 'CSV'], ['html', 'HTML']];

export interface Toolbar {
  root: HTMLElement;
  /** Export and re-analyze apply to one shown report; a comparison has no single model to act on. */
  enable(forReport: boolean): void;
  /** While a re-analysis is pending a second click would only queue a duplicate run. */
  reanalyzing(pending: boolean): void;
}

export function createToolbar(onExport: (f: ExportFormat) => void, onReanalyze: () => void): Toolbar {
  const exports = formats.map(([f, label]) => button(label, () => onExport(f), { cls: 'secondary', title: `Save this report as ${label}` }));
  const again = button('Re-analyze', onReanalyze, { title: 'Analyze the model file again' });
  const root = el('div', { cls: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Report actions' } },
    el('span', { cls: 'toolbar-label' }, 'Export'), ...exports, again);
  root.hidden = true;
  return {
    root,
    enable(forReport) {
      root.hidden = !forReport;
    },
    reanalyzing(pending) {
      again.disabled = pending;
      again.textContent = pending ? 'Re-analyzing\u2026' : 'Re-analyze';
    },
  };
}
