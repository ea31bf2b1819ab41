/**
 * What a pruning does to one layer's weight, and its key as plans and reports write it:
 * "as-is" (left alone), "2:4" (N:M along K), "90%" (unstructured, smallest |w| first),
 * "16x16-75%" (that share of R x C blocks of the GEMM view, smallest L1 first) and "rows-25%"
 * (that share of output channels, smallest L1 first, zeroed whole).
 */
export type Prune =
  | { kind: 'as-is' }
  | { kind: 'nm'; n: number; m: number }
  | { kind: 'unstructured'; sparsity: number }
  | { kind: 'block'; r: number; c: number; sparsity: number }
  | { kind: 'rows'; share: number };

/** A share as a key writes it: 90, 12.5, 33.33 (at most two decimals). */
const percent = (x: number): string => String(Number((x * 100).toFixed(2)));

export function pruneKey(p: Prune): string {
  switch (p.kind) {
    case 'as-is': return 'as-is';
    case 'nm': return `${p.n}:${p.m}`;
    case 'unstructured': return `${percent(p.sparsity)}%`;
    case 'block': return `${p.r}x${p.c}-${percent(p.sparsity)}%`;
    case 'rows': return `rows-${percent(p.share)}%`;
  }
}

const share = (s: string): number | undefined => {
  const x = Number(s) / 100;
  return x > 0 && x < 1 ? x : undefined;
};

/** The pruning a key names; undefined when it names none (the caller says where the key came from). */
export function parsePruneKey(key: string): Prune | undefined {
  const k = key.trim();
  if (k === 'as-is') return { kind: 'as-is' };
  let m = /^(\d{1,2}):(\d{1,2})$/.exec(k);
  if (m) {
    const [n, g] = [Number(m[1]), Number(m[2])];
    return n >= 1 && n < g && g <= 32 ? { kind: 'nm', n, m: g } : undefined;
  }
  m = /^(\d+(?:\.\d+)?)%$/.exec(k);
  if (m) {
    const s = share(m[1]);
    return s === undefined ? undefined : { kind: 'unstructured', sparsity: s };
  }
  m = /^(\d{1,4})x(\d{1,4})-(\d+(?:\.\d+)?)%$/.exec(k);
  if (m) {
    const s = share(m[3]);
    const [r, c] = [Number(m[1]), Number(m[2])];
    return s === undefined || r < 1 || c < 1 ? undefined : { kind: 'block', r, c, sparsity: s };
  }
  m = /^rows-(\d+(?:\.\d+)?)%$/.exec(k);
  if (m) {
    const s = share(m[1]);
    return s === undefined ? undefined : { kind: 'rows', share: s };
  }
  return undefined;
}

export const PRUNE_KEY_FORMS = 'as-is, N:M (2:4), X% (90%), RxC-X% (16x16-75%) or rows-X% (rows-25%)';
