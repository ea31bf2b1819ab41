import type { NumberValue, ScaleLogarithmic } from 'd3-scale';

/**
 * Labels for a log axis: d3 draws a tick at every 1..9 multiple, but only those its own format
 * keeps (1, 2, 5 of each decade, fewer when crowded) get text, so labels never run together.
 */
export function logTicks(x: ScaleLogarithmic<number, number>, count: number, suffix = '', specifier = '~g'): (v: NumberValue) => string {
  const f = x.tickFormat(count, specifier);
  return (v) => {
    const s = f(v);
    return s ? `${s}${suffix}` : '';
  };
}

const SUPERSCRIPT: Record<string, string> = { '-': '\u207b', 0: '\u2070', 1: '\u00b9', 2: '\u00b2', 3: '\u00b3', 4: '\u2074', 5: '\u2075', 6: '\u2076', 7: '\u2077', 8: '\u2078', 9: '\u2079' };

/** 2^k with a superscript exponent, as text: "2⁻¹¹". */
export function pow2(k: number): string {
  return `2${String(k).replace(/[-0-9]/g, (c) => SUPERSCRIPT[c])}`;
}
