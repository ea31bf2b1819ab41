/** Number formatting for the webview. Fractions in [0, 1] are shown as percents; "-" means not measured. */

// The same figures as the CLI's text reports, from the same pure module.
import { count } from '../../common/report/format';

export { bytes, count, pct } from '../../common/report/format';

type Maybe = number | null | undefined;

const missing = (x: Maybe): x is null | undefined => x === null || x === undefined || Number.isNaN(x);

/** 1234567 -> "1.23 M": table cells stay narrow; the exact count goes in a tooltip or the summary. */
export function compact(n: Maybe): string {
  if (missing(n)) return '-';
  const a = Math.abs(n);
  for (const [div, unit] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (a >= div) return `${(n / div).toFixed(a / div >= 100 ? 0 : 2)} ${unit}`;
  }
  return String(n);
}

/** A threshold as the CLI takes it: 1e-6, not 0.000001. */
export function threshold(x: number): string {
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);
}

export function ms(x: Maybe, digits = 3): string {
  return missing(x) ? '-' : `${x.toFixed(digits)} ms`;
}

export function times(x: Maybe): string {
  return missing(x) ? '-' : `${x.toFixed(2)}x`;
}

const sign = (x: number): string => (x > 0 ? '+' : x < 0 ? '\u2212' : '\u00b1');

/** A change of a fraction, in percentage points: "+12.5 pp". */
export function deltaPp(d: Maybe, digits = 1): string {
  return missing(d) ? '-' : `${sign(d)}${Math.abs(d * 100).toFixed(digits)} pp`;
}

export function deltaCount(d: Maybe, short = false): string {
  return missing(d) ? '-' : `${sign(d)}${short ? compact(Math.abs(d)) : count(Math.abs(d))}`;
}

export function deltaMs(d: Maybe): string {
  return missing(d) ? '-' : `${sign(d)}${Math.abs(d).toFixed(3)} ms`;
}

/** A duration of any size in three significant digits: estimates run from nanoseconds to seconds. */
export function duration(x: Maybe): string {
  if (missing(x)) return '-';
  const a = Math.abs(x);
  if (a === 0) return '0 ms';
  if (a >= 1) return `${x.toPrecision(3)} ms`;
  if (a >= 1e-3) return `${(x * 1e3).toPrecision(3)} \u00b5s`;
  return `${(x * 1e6).toPrecision(3)} ns`;
}

/** A rate such as MAC/s or B/s with an SI prefix: 1.2e14 -> "120 T". */
export function si(x: number): string {
  const a = Math.abs(x);
  for (const [div, unit] of [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (a >= div) return `${(x / div).toPrecision(3)} ${unit}`;
  }
  return x.toPrecision(3);
}
