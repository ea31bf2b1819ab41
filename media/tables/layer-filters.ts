import type { LayerReport } from '../../common/protocol';
import { el } from '../parts/dom';
import type { LayerRow } from './layer-columns';

export interface LayerFilter {
  root: HTMLElement;
  test(row: LayerRow): boolean;
}

/** A percent box: empty means no limit. */
function percentInput(label: string, title: string): HTMLInputElement {
  const input = el('input', { title, attrs: { type: 'number', min: '0', max: '100', step: '1', inputmode: 'decimal', 'aria-label': label } });
  input.placeholder = 'any';
  return input;
}

/**
 * Filters over the layer table: op type, a name search (plain substring, case-insensitive: a
 * layer name is data, never a pattern), minimum weight sparsity, maximum input density. A layer
 * the run did not measure fails a density limit: it cannot be shown to be under it.
 */
export function layerFilters(layers: LayerReport[], onChange: () => void): LayerFilter {
  const ops = new Map<string, number>();
  for (const l of layers) ops.set(l.opType, (ops.get(l.opType) ?? 0) + 1);
  const op = el('select', { attrs: { 'aria-label': 'Op type' } },
    el('option', null, `All ops (${layers.length})`),
    ...[...ops].sort((a, b) => b[1] - a[1]).map(([name, n]) => { const o = el('option', null, `${name} (${n})`); o.value = name; return o; }));
  op.options[0].value = '';
  const search = el('input', { attrs: { type: 'search', 'aria-label': 'Layer name contains' } });
  search.placeholder = 'Name contains\u2026';
  const minZeros = percentInput('Minimum weight zeros, percent', 'Show layers with at least this share of exactly-zero weights');
  const maxDensity = percentInput('Maximum input density, percent', 'Show layers whose measured input density is at most this');

  let query = '';
  let opType = '';
  let zerosAtLeast: number | null = null;
  let densityAtMost: number | null = null;
  const percent = (i: HTMLInputElement): number | null => (i.value.trim() === '' || !Number.isFinite(i.valueAsNumber) ? null : i.valueAsNumber / 100);
  const read = (): void => {
    query = search.value.trim().toLowerCase();
    opType = op.value;
    zerosAtLeast = percent(minZeros);
    densityAtMost = percent(maxDensity);
    onChange();
  };
  for (const input of [op, search, minZeros, maxDensity]) input.addEventListener('input', read);

  return {
    root: el('div', { cls: 'filters', attrs: { role: 'group', 'aria-label': 'Filter layers' } },
      op, search,
      el('label', null, 'Weight zeros \u2265 ', minZeros, ' %'),
      el('label', null, 'Input density \u2264 ', maxDensity, ' %')),
    test(row) {
      const l = row.layer;
      if (opType && l.opType !== opType) return false;
      if (query && !l.name.toLowerCase().includes(query)) return false;
      // A small tolerance: 50% typed should admit a layer at 0.49999999 from float rounding.
      if (zerosAtLeast !== null && l.sparsity < zerosAtLeast - 1e-9) return false;
      const d = l.activation?.inputDensity;
      if (densityAtMost !== null && (d === null || d === undefined || d > densityAtMost + 1e-9)) return false;
      return true;
    },
  };
}
