import { button, el, text } from '../parts/dom';

/**
 * The lines above the report: host progress (`busy`), the outcome of the last request, and
 * the error box. Each keeps its element and only changes text, so screen readers announce
 * updates (role=status / alert) without the report below being rebuilt.
 */
export interface StatusArea {
  root: HTMLElement;
  busy(message: string, fraction: number | null): void;
  idle(): void;
  /** A request is on its way; its outcome will replace this line. */
  pending(message: string): void;
  outcome(ok: boolean, message: string): void;
  error(message: string): void;
}

export function createStatus(): StatusArea {
  const busyText = el('span', null);
  const progress = el('progress', null);
  const busyLine = el('div', { cls: 'busy', attrs: { role: 'status' } }, progress, busyText);
  const outcomeLine = el('p', { cls: 'outcome', attrs: { role: 'status' } });
  const errorText = el('p', { cls: 'error-text' });
  const errorBox = el(
    'div',
    { cls: 'error-box', attrs: { role: 'alert' } },
    el('strong', null, 'Error'),
    errorText,
    button('Dismiss', () => (errorBox.hidden = true), { cls: 'secondary' }),
  );
  busyLine.hidden = outcomeLine.hidden = errorBox.hidden = true;

  return {
    root: el('div', { cls: 'status-area' }, busyLine, outcomeLine, errorBox),
    busy(message, fraction) {
      busyLine.hidden = false;
      text(busyText, message);
      // A progress element without a value attribute is indeterminate: right for unknown fractions.
      if (fraction === null || !Number.isFinite(fraction)) progress.removeAttribute('value');
      else progress.value = Math.min(1, Math.max(0, fraction));
    },
    idle() {
      busyLine.hidden = true;
    },
    pending(message) {
      outcomeLine.hidden = false;
      outcomeLine.className = 'outcome pending';
      text(outcomeLine, message);
    },
    outcome(ok, message) {
      outcomeLine.hidden = false;
      outcomeLine.className = `outcome ${ok ? 'ok' : 'fail'}`;
      text(outcomeLine, message);
    },
    error(message) {
      errorBox.hidden = false;
      text(errorText, message);
    },
  };
}
