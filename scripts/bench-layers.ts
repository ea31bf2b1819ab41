/**
 * The layers of the benchmark models and their values, generated a row band at a time so a
 * model of any size can be written without holding it in memory.
 */
import { gaussian, rng } from '../server/random';

export type Prune = 'dense' | '2:4' | '90%' | '32x32';

export interface LayerSpec {
  /** Layer (node) name; its weight is `${name}.weight`. */
  name: string;
  /** MatMul: B [K, N]; Gemm (transB=1): B [N, K]; Conv: W [Cout, Cin, kh, kw]. */
  op: 'MatMul' | 'Gemm' | 'Conv';
  dims: number[];
  prune: Prune;
}

const STD = 0.02;
/** |x| below this share of the Gaussian's std is zeroed: P(|x| < 1.6449 std) = 0.90. */
const Q90 = 1.6449;
/** About 16 MiB of float32 per generated band. */
const BAND_ELEMS = 1 << 22;

export const elementsOf = (l: LayerSpec): number => l.dims.reduce((a, b) => a * b, 1);
export const bytesOf = (l: LayerSpec): number => 4 * elementsOf(l);

/**
 * Yields the layer's values in memory order, in bands of whole rows (first axis), 32 rows at
 * least so 2:4 groups along K (MatMul's first axis) and 32x32 blocks never straddle two bands.
 * The values are the same whatever the band size: one seeded stream per layer.
 */
export function* layerBands(l: LayerSpec, seed: number): Generator<Float32Array> {
  const rowElems = elementsOf(l) / l.dims[0];
  const rowsPerBand = Math.max(32, Math.floor(BAND_ELEMS / rowElems / 32) * 32);
  const rand = rng(seed);
  for (let r0 = 0; r0 < l.dims[0]; r0 += rowsPerBand) {
    const rows = Math.min(rowsPerBand, l.dims[0] - r0);
    const band = gaussian(rows * rowElems, STD, rand);
    prune(l, band, r0, rows, rowElems);
    yield band;
  }
}

function prune(l: LayerSpec, band: Float32Array, r0: number, rows: number, rowElems: number): void {
  switch (l.prune) {
    case 'dense': return;
    case '90%': return zeroBelow(band, Q90 * STD);
    case '32x32': return zeroBlocks(band, r0, rows, rowElems);
    case '2:4':
      // Groups of 4 consecutive K elements: MatMul's K is the row axis (stride N); Gemm transB=1's
      // the contiguous axis; Conv's the input channels at one kernel position (stride kh*kw).
      if (l.op === 'MatMul') return twoOfFour(band, 1, rows, l.dims[1]);
      if (l.op === 'Gemm') return twoOfFour(band, rows, l.dims[1], 1);
      return twoOfFour(band, rows, l.dims[1], l.dims[2] * l.dims[3]);
  }
}

function zeroBelow(a: Float32Array, t: number): void {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) < t) a[i] = 0;
}

/**
 * Zeroes the two smallest |x| of every group of 4 along K, for data laid out [outer, K, inner]:
 * group members are `inner` apart.
 */
function twoOfFour(a: Float32Array, outer: number, k: number, inner: number): void {
  const m = new Float64Array(4);
  for (let o = 0; o < outer; o++)
    for (let g = 0; g < k; g += 4)
      for (let j = 0; j < inner; j++) {
        const base = (o * k + g) * inner + j;
        for (let t = 0; t < 4; t++) m[t] = Math.abs(a[base + t * inner]);
        for (let t = 0; t < 4; t++) {
          let larger = 0;
          for (let u = 0; u < 4; u++) larger += m[u] > m[t] || (m[u] === m[t] && u < t) ? 1 : 0;
          if (larger >= 2) a[base + t * inner] = 0;
        }
      }
}

/**
 * Zeroes about half the 32x32 blocks of the 2-D weight, chosen by a hash symmetric in (block row,
 * block col): the same blocks are zero on the GEMM view whether it is the weight (Gemm transB=1)
 * or its transpose (MatMul).
 */
function zeroBlocks(a: Float32Array, r0: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++)
    for (let c0 = 0; c0 < cols; c0 += 32)
      if (blockIsZero((r0 + r) >> 5, c0 >> 5)) a.fill(0, r * cols + c0, r * cols + Math.min(c0 + 32, cols));
}

function blockIsZero(a: number, b: number): boolean {
  let h = Math.imul(a + b + 1, 0x9e3779b1) ^ Math.imul(Math.imul(a, b) + 7, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return (h & 1) === 1;
}

const F = 4096;
const FFN = 11008;

/** ~515 MiB inside the .onnx: 4 of 8 layers pruned (2:4 along K, 32x32 blocks, 90% unstructured, 2:4 conv). */
export const INLINE_LAYERS: LayerSpec[] = [
  { name: 'attn.k', op: 'MatMul', dims: [F, F], prune: '2:4' },
  { name: 'attn.o', op: 'Gemm', dims: [F, F], prune: '32x32' },
  { name: 'mlp.up', op: 'MatMul', dims: [F, FFN], prune: 'dense' },
  { name: 'mlp.down', op: 'Gemm', dims: [F, FFN], prune: '90%' },
  { name: 'conv.a', op: 'Conv', dims: [512, 512, 3, 3], prune: 'dense' },
  { name: 'conv.b', op: 'Conv', dims: [1024, 512, 3, 3], prune: '2:4' },
  { name: 'conv.c', op: 'Conv', dims: [2048, 1024, 1, 1], prune: 'dense' },
  { name: 'conv.d', op: 'Conv', dims: [1024, 2048, 1, 1], prune: 'dense' },
];

/** ~1023 MiB in one external file: 6 of 13 layers pruned. */
export const EXTERNAL_LAYERS: LayerSpec[] = [
  { name: 'attn.q', op: 'MatMul', dims: [F, F], prune: 'dense' },
  { name: 'attn.k', op: 'MatMul', dims: [F, F], prune: '2:4' },
  { name: 'attn.v', op: 'MatMul', dims: [F, F], prune: 'dense' },
  { name: 'attn.o', op: 'Gemm', dims: [F, F], prune: '32x32' },
  { name: 'mlp.gate', op: 'MatMul', dims: [F, FFN], prune: 'dense' },
  { name: 'mlp.up', op: 'MatMul', dims: [F, FFN], prune: '90%' },
  { name: 'mlp.down', op: 'Gemm', dims: [F, FFN], prune: 'dense' },
  { name: 'mlp2.up', op: 'MatMul', dims: [F, FFN], prune: '2:4' },
  { name: 'conv.a', op: 'Conv', dims: [512, 512, 3, 3], prune: 'dense' },
  { name: 'conv.b', op: 'Conv', dims: [1024, 512, 3, 3], prune: '2:4' },
  { name: 'conv.c', op: 'Conv', dims: [2048, 1024, 1, 1], prune: 'dense' },
  { name: 'conv.d', op: 'Conv', dims: [1024, 2048, 1, 1], prune: 'dense' },
  { name: 'conv.e', op: 'Conv', dims: [1024, 1024, 3, 3], prune: '90%' },
];
