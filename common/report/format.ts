/** Number formatting shared by the text reports and the report page. Fractions in [0, 1] show as percents; "-" means not measured. */

type Maybe = number | null | undefined;

const missing = (x: Maybe): x is null | undefined => x === null || x === undefined || Number.isNaN(x);

export function pct(x: Maybe, digits = 1): string {
  return missing(x) ? '-' : `${(x * 100).toFixed(digits)}%`;
}

// One formatter: toLocaleString builds a new one per call, about 10x slower over 1,000 rows. Made
// on first use: building it loads ICU's data, 5 ms of every CLI start (--version included).
let grouped: Intl.NumberFormat | undefined;

export function count(n: Maybe): string {
  return missing(n) ? '-' : (grouped ??= new Intl.NumberFormat('en-US')).format(n);
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u ? v.toFixed(1) : v} ${units[u]}`;
}

/** Model-supplied text in a Markdown table cell: no pipes, no line breaks, no raw HTML. */
export function mdText(s: string): string {
  return s.replace(/[\\`*_[\]|<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`)).replace(/[\r\n]+/g, ' ');
}

/** An RFC 4180 CSV field; a leading = + - @ is neutralised so spreadsheets do not run it as a formula. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A distance or ratio of any size: 6 significant digits, in exponent form below 1e-3 and from 1e6. */
export function sig(x: number): string {
  return !Number.isFinite(x) ? String(x) : x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(6)));
}
