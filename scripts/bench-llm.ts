/**
 * The LLM-sized benchmark model: a decoder-only stack of 32 blocks (d 2048, ff 8192) of float16
 * MatMul weights B [K, N], 4.3 GB in external data, some layers 2:4 along K, some 50% or 90%
 * unstructured. Values are drawn as float16 bit patterns directly (no float32 round trip), so
 * 2.1 billion of them are written in seconds, a band of rows at a time.
 */
import type { LayerSpec } from './bench-layers';

const D = 2048;
const FF = 8192;
export const LLM_BLOCKS = 32;

export const LLM_LAYERS: LayerSpec[] = Array.from({ length: LLM_BLOCKS }, (_, b): LayerSpec[] => [
  { name: `h${b}.attn.q`, op: 'MatMul', dims: [D, D], prune: 'dense', type: 'float16' },
  { name: `h${b}.attn.k`, op: 'MatMul', dims: [D, D], prune: '2:4', type: 'float16' },
  { name: `h${b}.attn.v`, op: 'MatMul', dims: [D, D], prune: '50%', type: 'float16' },
  { name: `h${b}.attn.o`, op: 'MatMul', dims: [D, D], prune: 'dense', type: 'float16' },
  { name: `h${b}.mlp.gate`, op: 'MatMul', dims: [D, FF], prune: b % 2 ? '2:4' : 'dense', type: 'float16' },
  { name: `h${b}.mlp.up`, op: 'MatMul', dims: [D, FF], prune: '2:4', type: 'float16' },
  { name: `h${b}.mlp.down`, op: 'MatMul', dims: [FF, D], prune: '90%', type: 'float16' },
]).flat();

/** Rows of B [K, N] per band: a multiple of 4, so 2:4 groups along K never straddle bands. */
const BAND_ROWS = 256;

/**
 * The layer's float16 values in memory order, BAND_ROWS rows of K at a time: magnitudes with
 * exponents 2^-9..2^-3 and random mantissas and signs (xorshift32), then pruned: 2:4 keeps the
 * two largest of every 4 consecutive rows at each column; X% zeroes each value with probability X.
 */
export function* llmBands(l: LayerSpec, seed: number): Generator<Uint8Array> {
  const [k, n] = l.dims;
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const zeroBelow = l.prune === '90%' ? 0.9 * 2 ** 32 : l.prune === '50%' ? 0.5 * 2 ** 32 : 0;
  for (let r0 = 0; r0 < k; r0 += BAND_ROWS) {
    const rows = Math.min(BAND_ROWS, k - r0);
    const h = new Uint16Array(rows * n);
    for (let i = 0; i < h.length; i++) {
      const r = next();
      h[i] = zeroBelow && next() < zeroBelow ? 0 : (r & 0x8000) | ((6 + ((r >>> 16) % 7)) << 10) | ((r >>> 4) & 0x3ff);
    }
    if (l.prune === '2:4') twoOfFourRows(h, rows, n);
    yield new Uint8Array(h.buffer);
  }
}

/** Zeroes the two smallest magnitudes of every 4 consecutive rows at each column (float16 magnitudes order as integers). */
function twoOfFourRows(h: Uint16Array, rows: number, n: number): void {
  const m = new Uint16Array(4);
  for (let g = 0; g < rows; g += 4)
    for (let j = 0; j < n; j++) {
      const base = g * n + j;
      for (let t = 0; t < 4; t++) m[t] = h[base + t * n] & 0x7fff;
      for (let t = 0; t < 4; t++) {
        let larger = 0;
        for (let u = 0; u < 4; u++) larger += m[u] > m[t] || (m[u] === m[t] && u < t) ? 1 : 0;
        if (larger >= 2) h[base + t * n] = 0;
      }
    }
}
