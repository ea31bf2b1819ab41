/**
 * The layers of the benchmark models and their values, generated a row band at a time so a
 * model of any size can be written without holding it in memory.
 */
import { gaussian, rng } from '../server/random';

export type Prune = 'dense' | '2:4' | '90%' | '50%' | '32x32';
/** How a weight is stored: float32, float16, or uint8 with a zero point (and scale) per output channel. */
export type WeightType = 'float32' | 'float16' | 'uint8';

export interface LayerSpec {
  /** Layer (node) name; its weight is `${name}.weight`. */
  name: string;
  /**
   * MatMul: B [K, N]; Gemm (transB=1): B [N, K]; Conv: W [Cout, Cin, kh, kw]. With uint8 weights,
   * MatMul is MatMulInteger (zero point per column N) and Conv is ConvInteger (per Cout).
   */
  op: 'MatMul' | 'Gemm' | 'Conv';
  dims: number[];
  prune: Prune;
  /** float32 when absent. */
  type?: WeightType;
}

const STD = 0.02;
/** |x| below this share of the Gaussian's std is zeroed: P(|x| < 1.6449 std) = 0.90. */
const Q90 = 1.6449;
/** P(|x| < 0.6745 std) = 0.50. */
const Q50 = 0.6745;
/** About 16 MiB of float32 per generated band. */
const BAND_ELEMS = 1 << 22;

export const elementsOf = (l: LayerSpec): number => l.dims.reduce((a, b) => a * b, 1);
const UNIT: Record<WeightType, number> = { float32: 4, float16: 2, uint8: 1 };
export const bytesOf = (l: LayerSpec): number => UNIT[l.type ?? 'float32'] * elementsOf(l);

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
    case '50%': return zeroBelow(band, Q50 * STD);
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

/**
 * A band of values in the layer's stored type, as the bytes to write: float32 as is, float16
 * rounded to nearest, uint8 quantized with the layer's zero points (see zeroPoints).
 */
export function encodeBand(l: LayerSpec, band: Float32Array, first: number): Uint8Array {
  switch (l.type ?? 'float32') {
    case 'float32': return new Uint8Array(band.buffer, band.byteOffset, band.byteLength);
    case 'float16': {
      const out = new Uint16Array(band.length);
      const bits = new Uint32Array(band.buffer, band.byteOffset, band.length);
      for (let i = 0; i < band.length; i++) out[i] = halfBits(bits[i]);
      return new Uint8Array(out.buffer);
    }
    case 'uint8': {
      const out = new Uint8Array(band.length);
      const zp = zeroPoints(l);
      const perColumn = l.op === 'MatMul';
      const n = l.dims[l.dims.length - 1];
      const rowElems = elementsOf(l) / l.dims[0];
      for (let i = 0; i < band.length; i++) {
        const z = zp[perColumn ? (first + i) % n : Math.floor((first + i) / rowElems)];
        out[i] = Math.max(0, Math.min(255, Math.round(band[i] / QSCALE) + z));
      }
      return out;
    }
  }
}

/** Scale of the quantized bench weights: the Gaussian's 4 std span about 100 steps. */
export const QSCALE = STD / 25;

/** Zero points of a uint8 layer: one per output channel (Conv) or per column (MatMul B [K, N]), 100..155. */
export function zeroPoints(l: LayerSpec): Uint8Array {
  const count = l.op === 'MatMul' ? l.dims[l.dims.length - 1] : l.dims[0];
  return Uint8Array.from({ length: count }, (_, i) => 100 + ((i * 37) % 56));
}

/** float32 bits to binary16 bits, round to nearest even (subnormals included, overflow to Inf). */
function halfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 112;
  const m = x & 0x7fffff;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const mm = m | 0x800000;
    const shift = 14 - e;
    const h = mm >>> shift;
    const rest = mm & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (h + (rest > half || (rest === half && h & 1) ? 1 : 0));
  }
  const h = (e << 10) | (m >>> 13);
  const rest = m & 0x1fff;
  return sign | (h + (rest > 0x1000 || (rest === 0x1000 && h & 1) ? 1 : 0));
}

/** An image model of ~88 MB (84 MiB) in float16: convolutions and a classifier, a third of them pruned. */
export const FP16_LAYERS: LayerSpec[] = [
  ...[64, 128, 256].map((c, i): LayerSpec => ({ name: `stem${i}`, op: 'Conv', dims: [c, c, 3, 3], prune: i === 1 ? '2:4' : 'dense', type: 'float16' })),
  ...Array.from({ length: 12 }, (_, i): LayerSpec => ({ name: `block${i}.conv`, op: 'Conv', dims: [512, 512, 3, 3], prune: i % 3 === 0 ? '2:4' : i % 3 === 1 ? '50%' : 'dense', type: 'float16' })),
  ...Array.from({ length: 4 }, (_, i): LayerSpec => ({ name: `block${i}.proj`, op: 'Conv', dims: [2048, 512, 1, 1], prune: i === 2 ? '90%' : 'dense', type: 'float16' })),
  { name: 'fc', op: 'Gemm', dims: [1000, 2048], prune: 'dense', type: 'float16' },
  { name: 'head', op: 'MatMul', dims: [2048, 4096], prune: '2:4', type: 'float16' },
];

/** A quantized model of ~45 MB (43 MiB): uint8 ConvInteger (zero point per output channel) and MatMulInteger (per column). */
export const UINT8_LAYERS: LayerSpec[] = [
  ...Array.from({ length: 12 }, (_, i): LayerSpec => ({ name: `conv${i}`, op: 'Conv', dims: [512, 512, 3, 3], prune: i % 4 === 0 ? '2:4' : i % 4 === 1 ? '50%' : 'dense', type: 'uint8' })),
  ...Array.from({ length: 4 }, (_, i): LayerSpec => ({ name: `fc${i}`, op: 'MatMul', dims: [2048, 2048], prune: i % 2 ? 'dense' : '2:4', type: 'uint8' })),
];

/** ~1 MiB of float32: the fixed-cost model. */
export const SMALL_LAYERS: LayerSpec[] = [
  { name: 'conv0', op: 'Conv', dims: [32, 16, 3, 3], prune: 'dense' },
  { name: 'conv1', op: 'Conv', dims: [64, 32, 3, 3], prune: '2:4' },
  { name: 'conv2', op: 'Conv', dims: [128, 64, 3, 3], prune: '50%' },
  { name: 'conv3', op: 'Conv', dims: [128, 128, 3, 3], prune: 'dense' },
  { name: 'fc', op: 'Gemm', dims: [10, 128], prune: 'dense' },
];
