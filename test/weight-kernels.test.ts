import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyBits, countBits, getBits, newBitmap, transposeBits } from '../server/analysis/weights/bitmap';
import { memoryIndex, type GemmView } from '../server/analysis/layers/gemm-view';
import { foldHalfKept, halfKeptTakes } from '../server/analysis/weights/half-kept';
import { foldHalves, halfThreshold } from '../server/analysis/weights/half-stats';
import { foldScalar, newMagnitudeStats, thresholdBits } from '../server/analysis/weights/magnitude-stats';
import { toMagnitudes, type Quantization } from '../server/analysis/weights/magnitudes';
import { foldKept, newKeptSums } from '../server/analysis/weights/nm-kept';
import { flushKept, foldQuantizedKept, newKeptPending, quantKeptLayout } from '../server/analysis/weights/quantized-kept';
import { finishQuantized, foldQuantized, planBytes, planQuantized, writeTables } from '../server/analysis/weights/quantized-stats';
import { fieldsOver } from '../server/analysis/weights/nm-groups';
import { PlanKernels } from '../server/analysis/weights/plan-kernels';
import { SimdKernels } from '../server/analysis/weights/simd-kernels';
import { bitmapBytes } from '../server/analysis/weights/simd-layout';
import { dtypeByName, type DTypeName } from '../server/onnx/dtypes';
import { ModelMemory } from '../server/onnx/model-memory';
import { rng } from '../server/random';

/** The decode, dequantization and bitmap kernels against the scalar reference, bit for bit. */
const mem = new ModelMemory(1 << 20);
const simd = new SimdKernels(mem);
const arena = (bits: number): Uint32Array => simd.arena({ bitmap: bitmapBytes(bits), view: bitmapBytes(bits), bands: bitmapBytes(bits + 64 * 32), channels: bitmapBytes(4096), axisLen: 64 });

/** Random bytes in the file region at an odd offset (as raw_data often is). */
function place(bytes: Uint8Array, skew: number): Uint8Array {
  const at = mem.file.subarray(skew, skew + bytes.length);
  at.set(bytes);
  return at;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

function reference(dtype: DTypeName, bytes: Uint8Array, first: number, count: number, q?: Quantization): Uint32Array {
  // The scalar reference reads aligned typed views: give it an aligned copy.
  const copy = new Uint8Array(bytes);
  const out = new Float32Array(count);
  toMagnitudes(dtypeByName(dtype), { bytes: copy, first, count }, q, out);
  return canonical(new Uint32Array(out.buffer));
}

/** float32 bits at ptr, NaNs made canonical: payloads differ between the kernel and the table, and every metric treats NaNs alike. */
const bitsAt = (ptr: number, n: number): Uint32Array => canonical(new Uint32Array(new Float32Array(mem.memory.buffer, ptr, n).slice().buffer));
const canonical = (u: Uint32Array): Uint32Array => u.map((x) => ((x & 0x7fffffff) > 0x7f800000 ? 0x7fc00000 : x));

describe('decode kernels agree with the scalar reference', () => {
  for (const n of [8, 1000, 4096 + 5]) {
    it(`float16 and bfloat16: every class of value (zeros, subnormals, Inf, NaN), ${n} values at an odd offset`, () => {
      const bytes = randomBytes(2 * n, n);
      // Force some zeros, -0, subnormals, Inf and NaN into the random patterns.
      const u16 = new Uint16Array(bytes.buffer);
      const special = [0x0000, 0x8000, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e01, 0x7bff];
      for (let i = 0; i < n; i += 7) u16[i] = special[(i / 7) % special.length];
      const at = place(bytes, 3);
      arena(n);
      assert.deepEqual(bitsAt(simd.decode16(at.byteOffset, n, false), n), reference('float16', bytes, 0, n));
      assert.deepEqual(bitsAt(simd.decode16(at.byteOffset, n, true), n), reference('bfloat16', bytes, 0, n));
    });
  }

  const cases: { what: string; q: (n: number) => Quantization | undefined; count: number; first: number }[] = [
    { what: 'no zero point', q: () => undefined, count: 1000, first: 3 },
    { what: 'per-tensor zero point and scale', q: () => ({ zeroPoint: new Float64Array([128]), scale: new Float64Array([0.0123]), axisLen: 1, inner: 5000 }), count: 999, first: 17 },
    { what: 'per-axis, 40-element slices (splat runs and tails)', q: () => quant(25, 40, true), count: 1000, first: 0 },
    { what: 'per-axis, 5-element slices (runs shorter than a vector)', q: () => quant(64, 5, true), count: 1000, first: 123 },
    { what: 'per-column (inner 1) with scales: table vectors', q: () => quant(37, 1, true), count: 1000, first: 11 },
    { what: 'per-column (inner 1) zero points only', q: () => quant(64, 1, false), count: 1000, first: 64 },
  ];
  for (const c of cases)
    for (const dtype of ['uint8', 'int8'] as const)
      it(`${dtype} dequantization: ${c.what}`, () => {
        const bytes = randomBytes(c.count, c.count + c.first);
        const q = c.q(c.count);
        const at = place(bytes, 1);
        arena(c.count);
        simd.setQuantization(q?.zeroPoint ?? new Float64Array([0]), q?.scale);
        const ptr = simd.dequant8(at.byteOffset, c.count, dtype === 'int8', q?.scale !== undefined, q?.axisLen ?? 1, q?.inner ?? 1e6, c.first);
        assert.deepEqual(bitsAt(ptr, c.count), reference(dtype, bytes, c.first, c.count, q));
      });

  function quant(axisLen: number, inner: number, scaled: boolean): Quantization {
    const r = rng(axisLen * inner);
    return {
      zeroPoint: Float64Array.from({ length: axisLen }, () => Math.floor(r() * 256) - 64),
      scale: scaled ? Float64Array.from({ length: axisLen }, () => r() * 0.1) : undefined,
      axisLen, inner,
    };
  }
});

describe('bitmap kernels agree with the scalar reference', () => {
  function randomBitmap(bits: number, density: number, seed: number): Uint32Array {
    const bm = arena(bits);
    const r = rng(seed);
    for (let i = 0; i < bits; i++) if (r() < density) bm[i >>> 5] |= 1 << (i & 31);
    return bm;
  }
  const at = (bm: Uint32Array): number => simd.addressOf(bm)!;

  for (const [rows, k] of [[64, 64], [37, 27], [100, 96], [5, 1000], [40, 4096]])
    it(`N:M field counts, block rows, zero rows and heat cells on a ${rows} x ${k} bitmap`, () => {
      for (const density of [0.05, 0.5, 0.95]) {
        const bm = randomBitmap(rows * k, density, rows * k);
        const words = Math.ceil((rows * k) / 32);
        for (const m of [4, 8, 16])
          for (const n of [0, 1, m / 2, m - 1, m]) {
            let want = 0;
            for (let w = 0; w < words; w++) want += fieldsOver(bm[w], n, m);
            assert.equal(simd.fieldsOver(at(bm), words, n, m), want, `${n}:${m}`);
          }
        const kw = Math.ceil(k / 32);
        for (const r of [1, 4, 32, rows]) {
          const nb = simd.orBands(at(bm), rows, k, r, simd.areas.bands);
          assert.equal(nb, Math.ceil(rows / r));
          const bands = simd.u32(simd.areas.bands, nb * kw);
          for (let b = 0; b < nb; b++)
            for (let kk = 0; kk < k; kk++) {
              let any = false;
              for (let row = b * r; row < Math.min(rows, (b + 1) * r); row++) any ||= getBits(bm, row * k + kk, 1) === 1;
              assert.equal(getBits(bands, b * kw * 32 + kk, 1) === 1, any);
            }
          for (const c of [1, 4, 8, 32]) {
            let want = 0;
            for (let b = 0; b < nb; b++) for (let k0 = 0; k0 < k; k0 += c) want += anyBits(bands, b * kw * 32 + k0, Math.min(c, k - k0)) ? 1 : 0;
            assert.equal(simd.nonzeroFields(simd.areas.bands, nb * kw, c), want, `r ${r} c ${c}`);
          }
        }
        let zeroRows = 0;
        for (let row = 0; row < rows; row++) zeroRows += anyBits(bm, row * k, k) ? 0 : 1;
        assert.equal(simd.zeroRows(at(bm), rows, k), zeroRows);
        const gr = Math.min(32, rows);
        const gc = Math.min(32, k);
        const cells = simd.heatCounts(at(bm), rows, k, gr, gc).slice();
        const shares = simd.heatDensity(at(bm), rows, k, gr, gc);
        for (let cr = 0; cr < gr; cr++)
          for (let c = 0; c < gc; c++) {
            let want = 0;
            let size = 0;
            for (let row = 0; row < rows; row++) {
              if (Math.floor((row * gr) / rows) !== cr) continue;
              const a = Math.floor((c * k) / gc);
              const w = Math.floor(((c + 1) * k) / gc) - a;
              want += countBits(bm, row * k + a, w);
              size += w;
            }
            assert.equal(cells[cr * gc + c], want);
            // The share of nonzeros a cell covers, as one byte rounded as Math.round rounds.
            assert.equal(shares[cr * gc + c], size ? Math.round((255 * want) / size) : 0, `cell ${cr}, ${c}`);
          }
      }
    });

  it('zero input channels: a channel is zero when no row of its group has it at any kernel position', () => {
    const groups = 3;
    const positions = 9;
    const channels = 40;
    const rows = 6;
    const k = positions * channels;
    const bm = randomBitmap(rows * k, 0.002, 5);
    const kw = Math.ceil(k / 32);
    simd.orBands(at(bm), rows, k, rows / groups, simd.areas.bands);
    let want = 0;
    for (let g = 0; g < groups; g++)
      for (let c = 0; c < channels; c++) {
        let any = false;
        for (let row = g * 2; row < g * 2 + 2; row++) for (let s = 0; s < positions; s++) any ||= getBits(bm, row * k + s * channels + c, 1) === 1;
        want += any ? 0 : 1;
      }
    assert.ok(want > 0 && want < groups * channels, 'the case has both zero and nonzero channels');
    assert.equal(simd.zeroChannels(simd.areas.bands, groups, positions, channels, simd.areas.chan), want);
    void kw;
  });

  for (const [batches, p, q] of [[1, 64, 96], [3, 37, 9], [2, 512, 9], [1, 5, 70]])
    it(`bit transpose of ${batches} x ${p} x ${q} matches the scalar transposeBits`, () => {
      const bits = batches * p * q;
      const bm = randomBitmap(bits, 0.3, bits);
      const want = new Uint32Array(Math.ceil(bits / 32));
      for (let b = 0; b < batches; b++) transposeBits(bm, b * p * q, p, q, want, b * p * q);
      simd.transposeBits(at(bm), batches, p, q, simd.areas.view, bitmapBytes(bits));
      assert.deepEqual(simd.u32(simd.areas.view, want.length), want);
    });
});

/** GEMM views: a convolution (channel-last K), MatMul B [K, N] and rows in memory order. */
const conv = (cout: number, cin: number, s: number): GemmView => ({ rows: cout, k: cin * s, groups: 1, channels: cin, kernelPositions: s, transpose: { batches: cout, p: cin, q: s } });
const matmul = (k: number, n: number): GemmView => ({ rows: n, k, groups: 1, channels: k, kernelPositions: 1, transpose: { batches: 1, p: k, q: n } });
const dense = (rows: number, k: number): GemmView => ({ rows, k, groups: 1, channels: k, kernelPositions: 1 });

describe('kept magnitude for every rank (the rarer ranks take the scratch accumulators)', () => {
  const views: [string, GemmView, (n: number, k: number, j: number) => number][] = [
    ['contiguous rows', dense(9, 40), (r, kk) => r * 40 + kk],
    ['strided columns', { ...dense(11, 16), transpose: { batches: 1, p: 16, q: 11 } }, (r, kk) => kk * 11 + r],
    ['rows whose last group is short (K = 9, a depthwise 3x3)', dense(7, 9), (r, kk) => r * 9 + kk],
    ['rows of K = 13', dense(5, 13), (r, kk) => r * 13 + kk],
  ];
  for (const [what, view, index] of views)
    it(`2:4, 3:4, 4:4, 5:8 ... 8:8 (fused), ${what}`, () => {
      const n = view.rows * view.k;
      const r = rng(n);
      const v = Float32Array.from({ length: n }, () => (r() < 0.3 ? 0 : r() - 0.5));
      const input = simd.input(n);
      input.set(v);
      const four = newKeptSums(4, [2, 3, 4]);
      const eight = newKeptSums(8, [5, 6, 7, 8]);
      foldKept(view, [four, eight], simd, input.byteOffset, 0, n);
      for (const acc of [four, eight])
        acc.ns.forEach((keep, i) => {
          let l1 = 0;
          let l2 = 0;
          for (let row = 0; row < view.rows; row++)
            for (let k0 = 0; k0 < view.k; k0 += acc.m) {
              const g = Array.from({ length: Math.min(acc.m, view.k - k0) }, (_, j) => Math.abs(v[index(row, k0 + j, j)])).sort((a, b) => b - a).slice(0, keep);
              for (const x of g) {
                l1 += x;
                l2 += x * x;
              }
            }
          assert.ok(Math.abs(acc.l1[i] - l1) <= 1e-9 * l1, `l1 ${keep}:${acc.m}: ${acc.l1[i]} vs ${l1}`);
          assert.ok(Math.abs(acc.l2[i] - l2) <= 1e-9 * l2, `l2 ${keep}:${acc.m}: ${acc.l2[i]} vs ${l2}`);
        });
    });
});

describe('the integer kernels for 8-bit codes agree with the scalar reference over dequantized floats', () => {
  /** Codes near a zero point (as trained weights quantize), with a share exactly at it. */
  function codes(n: number, zp: (i: number) => number, seed: number): Uint8Array {
    const r = rng(seed);
    return Uint8Array.from({ length: n }, (_, i) => {
      if (r() < 0.3) return zp(i) & 0xff;
      const x = zp(i) + Math.round((r() - 0.5) * (r() < 0.1 ? 255 : 60));
      return Math.max(0, Math.min(255, x)) & 0xff;
    });
  }
  const signedCode = (b: number): number => (b << 24) >> 24;

  /**
   * n random codes of `dtype` around their slice's zero point, placed at an odd offset of the
   * kernels' memory; the plan and tables for them; and the scalar reference's float32 magnitudes.
   */
  function quantized(dtype: 'uint8' | 'int8', n: number, q: Quantization | undefined, nearBits: number, skew: number) {
    const zpOf = (i: number): number => (q ? q.zeroPoint[Math.floor(i / q.inner) % q.axisLen] : 0) + (dtype === 'int8' ? 128 : 0);
    const raw = codes(n, zpOf, n + skew);
    if (dtype === 'int8') for (let i = 0; i < n; i++) raw[i] ^= 0x80;
    const at = place(raw, skew).byteOffset;
    const plan = planQuantized(dtype, n, q);
    assert.ok(plan, 'the case takes the integer path');
    const bitmap = simd.arena({ bitmap: bitmapBytes(n), view: 0, bands: 0, channels: 0, axisLen: q?.axisLen ?? 1, qtab: planBytes(q?.axisLen ?? 1) });
    if (q) simd.setQuantization(q.zeroPoint, q.scale);
    assert.ok(writeTables(plan, simd, nearBits));
    const mags = new Float32Array(n);
    const typed = dtype === 'int8' ? new Uint8Array(Int8Array.from(raw, signedCode).buffer) : raw.slice();
    toMagnitudes(dtypeByName(dtype), { bytes: typed, first: 0, count: n }, q, mags);
    return { at, plan, bitmap, mags };
  }
  interface Case { what: string; dtype: 'uint8' | 'int8'; n: number; q?: (n: number) => Quantization; cuts: number[]; near: number }
  const perAxis = (axisLen: number, inner: number, scales: (a: number) => number | undefined, zp: (a: number) => number): Quantization => {
    const s = Array.from({ length: axisLen }, (_, a) => scales(a));
    return {
      zeroPoint: Float64Array.from({ length: axisLen }, (_, a) => zp(a)),
      scale: s.every((x) => x === undefined) ? undefined : Float64Array.from(s, (x) => x ?? 1),
      axisLen, inner,
    };
  };
  const cases: Case[] = [
    { what: 'no zero point or scale', dtype: 'uint8', n: 5000, cuts: [1000, 3333], near: 3 },
    { what: 'a per-tensor zero point and scale', dtype: 'int8', n: 4099, q: () => perAxis(1, 4099, () => 0.0173, () => -3), cuts: [17], near: 0.05 },
    { what: 'per-axis slices of 100 (runs start and end between vectors), a tiny and a zero scale among them', dtype: 'uint8', n: 700,
      q: () => perAxis(7, 100, (a) => [0.02, 1e-46, 0.5, 0, 3.7, 0.001, 1][a], (a) => 100 + 9 * a), cuts: [150, 333], near: 0.03 },
    { what: 'per-axis int8 slices of 64, zero points only', dtype: 'int8', n: 64 * 9, q: () => perAxis(9, 64, () => undefined, (a) => a * 7 - 30), cuts: [64 * 4 + 5], near: 2 },
    // Chunks on a vector take the kernels' slice loop, the others the JS one: slices 3 and 5 are pending in both.
    { what: 'per-axis slices of whole vectors, chunks cut mid-slice on a vector and off one (both slice loops)', dtype: 'int8', n: 96 * 11,
      q: () => perAxis(11, 96, (a) => [0.02, 1e-46, 0.5, 0, 3.7, 0.001, 1, 0.07, 2e-3, 9, 0.3][a], (a) => 11 * a - 50), cuts: [96 * 3 + 32, 96 * 3 + 37, 96 * 5 + 48], near: 0.02 },
    { what: 'per-column zero points, no scale (one pass, tables per column)', dtype: 'uint8', n: 32 * 40, q: () => perAxis(32, 1, () => undefined, (a) => 90 + a), cuts: [32 * 10], near: 1 },
    { what: 'per-column zero points and one shared scale', dtype: 'int8', n: 48 * 30, q: () => perAxis(48, 1, () => 0.25, (a) => (a % 5) - 2), cuts: [48 * 7], near: 0.6 },
    { what: 'per-column scales spanning more than 8 binades (two threshold tables)', dtype: 'uint8', n: 48 * 30,
      q: () => perAxis(48, 1, (a) => 2 ** (a % 7 - 3) * (1 + a / 97), (a) => 128 - (a % 3)), cuts: [48 * 11, 48 * 20], near: 0.01 },
  ];
  for (const c of cases)
    it(`${c.dtype}: ${c.what}`, () => {
      const q = c.q?.(c.n);
      const nearBits = thresholdBits(c.near);
      const { at, plan, bitmap: bm, mags } = quantized(c.dtype, c.n, q, nearBits, 3);
      const s = newMagnitudeStats();
      const bounds = [0, ...c.cuts, c.n];
      for (let j = 0; j + 1 < bounds.length; j++)
        foldQuantized(plan, s, simd, at + bounds[j], bounds[j + 1] - bounds[j], bounds[j], simd.addressOf(bm)!, nearBits);
      finishQuantized(plan, s, simd);
      const ref = newMagnitudeStats();
      const refBm = newBitmap(c.n);
      foldScalar(ref, new Uint32Array(mags.buffer), mags, 0, c.n, 0, refBm, nearBits);
      for (const key of ['zeros', 'nearZeros', 'nonFinite', 'maxBits', 'minNonzeroBitsM1'] as const) assert.equal(s[key], ref[key], key);
      assert.deepEqual(Array.from(s.exponentBins), Array.from(ref.exponentBins));
      assert.deepEqual(Array.from(bm.subarray(0, refBm.length)), Array.from(refBm));
      // Integer sums scaled once per slice against sums of float32-rounded products.
      for (const key of ['sum', 'sumSq'] as const) assert.ok(Math.abs(s[key] - ref[key]) <= 1e-6 * Math.abs(ref[key]), `${key}: ${s[key]} vs ${ref[key]}`);
    });

  it('zero points outside the code range, non-integer zero points and non-finite scales take the float path', () => {
    assert.equal(planQuantized('uint8', 100, { zeroPoint: new Float64Array([300]), axisLen: 1, inner: 100 }), undefined);
    assert.equal(planQuantized('int8', 100, { zeroPoint: new Float64Array([0.5]), axisLen: 1, inner: 100 }), undefined);
    assert.equal(planQuantized('uint8', 100, { zeroPoint: new Float64Array([3]), scale: new Float64Array([Infinity]), axisLen: 1, inner: 100 }), undefined);
    assert.equal(planQuantized('uint8', 100, { zeroPoint: new Float64Array([3]), scale: new Float64Array([1e38]), axisLen: 1, inner: 100 }), undefined);
    assert.equal(planQuantized('uint8', 20 * 5, { zeroPoint: new Float64Array(20), axisLen: 20, inner: 5 }), undefined, 'slices shorter than a run');
    assert.equal(planQuantized('uint8', 20 * 5, { zeroPoint: new Float64Array(20), axisLen: 20, inner: 1 }), undefined, 'columns not a multiple of 16');
    // Per-column scales 2^-10 .. 2^10 apart span more exponent bins than the threshold tables hold.
    const wide = planQuantized('uint8', 32 * 4, { zeroPoint: new Float64Array(32), scale: Float64Array.from({ length: 32 }, (_, a) => 2 ** (a % 21 - 10)), axisLen: 32, inner: 1 })!;
    simd.arena({ bitmap: bitmapBytes(128), view: 0, bands: 0, channels: 0, axisLen: 32, qtab: planBytes(32) });
    assert.equal(writeTables(wide, simd, 0), false);
  });

  describe('kept magnitude on integer codes', () => {
    const layouts: { what: string; view: GemmView; dtype: 'uint8' | 'int8'; q?: Quantization; chunk: number }[] = [
      { what: 'a 3x3 convolution quantized per output channel (bands of 8 x 9, lanes past 9 masked)', view: conv(6, 16, 9), dtype: 'uint8',
        q: { zeroPoint: Float64Array.from([128, 120, 130, 128, 100, 140]), scale: Float64Array.from([0.01, 0.02, 0.5, 1, 0.003, 2]), axisLen: 6, inner: 144 }, chunk: 8 * 9 * 5 },
      { what: 'MatMul B [K, N] with a zero point per column (lanes are columns)', view: matmul(24, 48), dtype: 'int8',
        q: { zeroPoint: Float64Array.from({ length: 48 }, (_, a) => (a % 7) - 3), scale: new Float64Array(48).fill(0.125), axisLen: 48, inner: 1 }, chunk: 8 * 48 },
      { what: 'MatMul B [K, N] quantized per tensor', view: matmul(16, 20), dtype: 'uint8', q: { zeroPoint: Float64Array.from([7]), axisLen: 1, inner: 320 }, chunk: 8 * 20 * 2 },
      { what: 'contiguous rows (Gemm B [N, K]) quantized per row', view: dense(5, 64), dtype: 'int8',
        q: { zeroPoint: Float64Array.from([0, 1, -1, 5, -7]), scale: Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5]), axisLen: 5, inner: 64 }, chunk: 64 * 2 },
      { what: 'contiguous groups per tensor, a group count that is not a multiple of 16', view: dense(3, 24), dtype: 'uint8', chunk: 72 },
    ];
    const patternSets: [string, number, number[]][][] = [
      [['4', 4, [1, 2, 3]], ['8', 8, [4, 6]]],
      [['4', 4, [2]]],
      [['8', 8, [1, 2, 3, 4, 5, 6, 7, 8]]],
    ];
    for (const l of layouts)
      for (const set of patternSets)
        it(`${l.what}: ${set.map(([, m, ns]) => ns.map((n) => `${n}:${m}`).join(', ')).join('; ')}`, () => {
          const n = l.view.rows * l.view.k;
          const { at, plan, mags } = quantized(l.dtype, n, l.q, 0, 5);
          const sums = set.map(([, m, ns]) => newKeptSums(m, ns));
          const lay = quantKeptLayout(plan, l.view, sums.map((x) => x.m));
          assert.ok(lay, 'the layout takes the integer kernels');
          const pend = newKeptPending(sums, plan, simd);
          for (let first = 0; first < n; first += l.chunk) foldQuantizedKept(plan, lay, pend, simd, at + first, first, Math.min(l.chunk, n - first));
          flushKept(plan, sums, pend, simd);
          for (const acc of sums)
            acc.ns.forEach((keep, i) => {
              let l1 = 0;
              let l2 = 0;
              for (let row = 0; row < l.view.rows; row++)
                for (let k0 = 0; k0 < l.view.k; k0 += acc.m) {
                  const g = Array.from({ length: acc.m }, (_, j) => mags[memoryIndex(l.view, row, k0 + j)]).sort((a, b) => b - a).slice(0, keep);
                  for (const x of g) {
                    l1 += x;
                    l2 += x * x;
                  }
                }
              assert.ok(Math.abs(acc.l1[i] - l1) <= 1e-6 * l1, `l1 ${keep}:${acc.m}: ${acc.l1[i]} vs ${l1}`);
              assert.ok(Math.abs(acc.l2[i] - l2) <= 1e-6 * l2, `l2 ${keep}:${acc.m}: ${acc.l2[i]} vs ${l2}`);
            });
        });

    it('per-column scales that differ, and groups of 16, take the float kernels', () => {
      const q: Quantization = { zeroPoint: new Float64Array(32), scale: Float64Array.from({ length: 32 }, (_, a) => 1 + a), axisLen: 32, inner: 1 };
      const plan = planQuantized('uint8', 32 * 8, q)!;
      assert.equal(quantKeptLayout(plan, matmul(8, 32), [4]), undefined);
      assert.equal(quantKeptLayout(planQuantized('uint8', 64, undefined)!, dense(4, 16), [16]), undefined);
    });
  });
});

describe('float16 measured on its own codes agrees with the float32 pass over decoded values', () => {
  /** Half codes: a share of +-0, the rest over `exponents` (subnormals when 0 is among them), any sign and mantissa. */
  function halves(n: number, exponents: number[], seed: number, extra: (i: number) => number | undefined = () => undefined): Uint8Array {
    const r = rng(seed);
    const u16 = Uint16Array.from({ length: n }, (_, i) => {
      const x = extra(i);
      if (x !== undefined) return x;
      const sign = r() < 0.5 ? 0x8000 : 0;
      if (r() < 0.25) return sign;
      const e = exponents[Math.floor(r() * exponents.length)];
      return sign | (e << 10) | Math.floor(r() * 1024);
    });
    return new Uint8Array(u16.buffer);
  }
  const span = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const cases: { what: string; n: number; exponents: number[]; near: number; cuts: number[]; extra?: (i: number) => number | undefined }[] = [
    { what: 'trained-like weights (exponents 2^-9 .. 2^-3), threshold 1e-3', n: 4096 + 77, exponents: span(6, 12), near: 1e-3, cuts: [5, 1000, 1031] },
    { what: 'every exponent, subnormals and the largest finite codes (more than the 12-exponent window)', n: 3000, exponents: span(0, 30), near: 1e-6, cuts: [33, 2000] },
    { what: 'codes at and either side of the threshold', n: 2048, exponents: [9], near: 2 ** -6 * (1 + 4 / 1024), cuts: [],
      extra: (i) => (i % 3 === 0 ? 0x2404 + ((i / 3) % 3) - 1 : undefined) },
    { what: 'a chunk holding Inf and NaN (redone by the float pass)', n: 2500, exponents: span(3, 20), near: 1e-4, cuts: [1200],
      extra: (i) => (i === 1500 ? 0x7c00 : i === 1777 ? 0xfe01 : undefined) },
  ];
  for (const c of cases)
    it(c.what, () => {
      const bytes = halves(c.n, c.exponents, c.n, c.extra);
      const at = place(bytes, 5).byteOffset;
      const nearBits = thresholdBits(c.near);
      const nearHalf = halfThreshold(nearBits);
      const bmAt = simd.addressOf(simd.arena({ bitmap: bitmapBytes(c.n), view: 0, bands: 0, channels: 0, axisLen: 1 }))!;
      const s = newMagnitudeStats();
      const bounds = [0, ...c.cuts, c.n];
      for (let j = 0; j + 1 < bounds.length; j++) {
        // The bitmap view is taken per chunk: a decode may grow the kernels' memory.
        const bm = new Uint32Array(mem.memory.buffer, bmAt, Math.ceil(c.n / 32));
        foldHalves(s, simd, at + 2 * bounds[j], bounds[j + 1] - bounds[j], bounds[j], bm, bmAt, nearBits, nearHalf);
      }
      const mags = new Float32Array(reference('float16', bytes, 0, c.n).buffer);
      const ref = newMagnitudeStats();
      const refBm = newBitmap(c.n);
      foldScalar(ref, new Uint32Array(mags.buffer), mags, 0, c.n, 0, refBm, nearBits);
      for (const key of ['zeros', 'nearZeros', 'nonFinite', 'maxBits', 'minNonzeroBitsM1'] as const) assert.equal(s[key], ref[key], key);
      assert.deepEqual(Array.from(s.exponentBins), Array.from(ref.exponentBins));
      assert.deepEqual(Array.from(new Uint32Array(mem.memory.buffer, bmAt, refBm.length)), Array.from(refBm));
      // Both sum float64 values exactly representable; only the order of the additions differs.
      for (const key of ['sum', 'sumSq'] as const) assert.ok(Math.abs(s[key] - ref[key]) <= 1e-12 * Math.abs(ref[key]), `${key}: ${s[key]} vs ${ref[key]}`);
    });

  describe('kept magnitude on binary16 codes agrees with the float kernels over the decoded values', () => {
    const layouts: { what: string; view: GemmView; bands: number; exponents: number[]; extra?: (i: number) => number | undefined }[] = [
      { what: 'contiguous rows (Gemm B [N, K]), every exponent with subnormals', view: dense(5, 64), bands: 3, exponents: span(0, 30) },
      { what: 'contiguous groups whose count is not a multiple of 8', view: dense(3, 24), bands: 1, exponents: span(0, 30) },
      { what: 'MatMul B [K, N] (bands of M x N, lanes past N masked)', view: matmul(24, 20), bands: 1, exponents: span(5, 14) },
      { what: 'a 3x3 convolution (bands of M x 9: eight columns a block, the ninth gathered across bands)', view: conv(10, 16, 9), bands: 11, exponents: span(0, 30) },
      { what: 'a 1x3 convolution (every column gathered across bands)', view: conv(4, 16, 3), bands: 3, exponents: span(0, 30) },
      { what: 'a 5x5 convolution in chunks of one band', view: conv(3, 8, 25), bands: 1, exponents: span(4, 16) },
      { what: 'rows of K = 9, a depthwise 3x3 (short last groups)', view: dense(7, 9), bands: 3, exponents: span(0, 30) },
      { what: 'rows of K = 13 over more than eight rows', view: dense(19, 13), bands: 5, exponents: span(6, 12) },
      { what: 'a chunk holding Inf (redone by the float kernels)', view: dense(6, 16), bands: 2, exponents: span(3, 20), extra: (i) => (i === 40 ? 0xfc00 : undefined) },
    ];
    const patternSets: [number, number[]][][] = [[[4, [1, 2]], [8, [4]]], [[4, [1, 2, 3, 4]]], [[8, [1, 2, 3, 4, 5, 6, 7, 8]]], [[4, [3]], [8, [2, 7]]]];
    const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= 1e-12 * Math.abs(b);
    for (const l of layouts)
      for (const set of patternSets)
        it(`${l.what}: ${set.map(([m, ns]) => ns.map((n) => `${n}:${m}`).join(', ')).join('; ')}`, () => {
          const n = l.view.rows * l.view.k;
          const bytes = halves(n, l.exponents, n + set.length, l.extra);
          const at = place(bytes, 7).byteOffset;
          const ms = set.map(([m]) => m);
          assert.ok(halfKeptTakes(l.view, ms), 'the layout takes the binary16 kernel');
          const sums = set.map(([m, ns]) => newKeptSums(m, ns));
          // Chunks of whole bands, a few bands each, so calls start mid-way through the lanes.
          const band = l.view.transpose ? Math.max(...ms) * l.view.transpose.q : l.view.k;
          const chunk = band * l.bands;
          for (let first = 0; first < n; first += chunk) foldHalfKept(l.view, sums, simd, at + 2 * first, first, Math.min(chunk, n - first));
          const ref = set.map(([m, ns]) => newKeptSums(m, ns));
          const input = simd.input(n);
          input.set(new Float32Array(reference('float16', bytes, 0, n).buffer));
          for (let first = 0; first < n; first += chunk) foldKept(l.view, ref, simd, input.byteOffset + 4 * first, first, Math.min(chunk, n - first));
          sums.forEach((acc, j) =>
            acc.ns.forEach((keep, i) => {
              assert.ok(close(acc.l1[i], ref[j].l1[i]), `l1 ${keep}:${acc.m}: ${acc.l1[i]} vs ${ref[j].l1[i]}`);
              assert.ok(close(acc.l2[i], ref[j].l2[i]), `l2 ${keep}:${acc.m}: ${acc.l2[i]} vs ${ref[j].l2[i]}`);
              assert.ok(acc.l1[i] > 0, 'something was kept');
            }));
        });

    it('groups of other sizes, and bands that do not hold whole groups, take the float kernels', () => {
      assert.equal(halfKeptTakes(dense(4, 32), [16]), false);
      assert.equal(halfKeptTakes(dense(4, 32), [4, 2]), false);
      assert.equal(halfKeptTakes(matmul(12, 8), [4, 8]), false);
      assert.equal(halfKeptTakes(matmul(12, 8), [4]), true);
    });
  });

  it('the binary16 threshold code: h <= it exactly when the decoded value is <= the float32 threshold', () => {
    const all = new Uint8Array(new Uint16Array(Array.from({ length: 0x7c00 }, (_, h) => h)).buffer);
    const values = new Float32Array(reference('float16', all, 0, 0x7c00).buffer);
    for (const t of [0, 1e-8, 2 ** -24, 1e-6, 1e-3, 2 ** -6 * (1 + 4 / 1024), 0.5, 65504, 1e6]) {
      const code = halfThreshold(thresholdBits(t));
      const f = Math.fround(t);
      const want = values.reduce((last, v, h) => (v <= f ? h : last), -1);
      assert.equal(code, want, `threshold ${t}`);
    }
  });
});

describe('an arena the memory cannot hold', () => {
  it('throws RangeError and leaves the kernels working on the layout they had', () => {
    const mem2 = new ModelMemory(1 << 16);
    const own = new SimdKernels(mem2);
    assert.throws(() => own.region(5e9), RangeError);
    const at = own.region(4 * 4096 * 8);
    const input = own.input(64);
    input.set(Float32Array.from({ length: 64 }, (_, i) => i % 3));
    new PlanKernels(mem2).magSums(input.byteOffset, 64, 0, { bins: at, rows: at + 65536, blocks: 0, rowTab: 0, colTab: 0, scratch: 0 }, { mode: 0, p: 64, q: 1, k: 64 });
    assert.equal(own.f64(at + 4096 * 8, 4096).reduce((a, b) => a + b, 0), Array.from({ length: 64 }, (_, i) => i % 3).reduce((a, b) => a + b, 0));
    assert.equal(own.f64(at + 65536, 1)[0], 63, 'the one row of 64');
  });
});

describe('4x1 block sums with SIMD (the plan\u2019s magnitude pass)', () => {
  for (const along of ['rows', 'columns'] as const)
    it(`along the view's ${along}: every slot equals the sum of its four |x| (non-finite values left out), across odd chunk cuts`, () => {
      const mem2 = new ModelMemory(1 << 16);
      const own = new SimdKernels(mem2);
      // rows: a [rows, K] view, slots band * K + col; columns: memory [K][N], slots col * bands + row / 4.
      const [a, b] = along === 'rows' ? [13, 1003] : [1003, 13];
      const n = a * b;
      const r = rng(n + 7);
      const values = Float32Array.from({ length: n }, (_, i) => (i % 97 === 5 ? NaN : i % 89 === 3 ? -Infinity : r() < 0.3 ? 0 : r() - 0.5));
      const rows = along === 'rows' ? a : b;
      const k = along === 'rows' ? b : a;
      const bands = Math.ceil(rows / 4);
      const slot = (row: number, col: number): number => (along === 'rows' ? Math.floor(row / 4) * k + col : col * bands + Math.floor(row / 4));
      const want = new Float64Array(bands * k);
      values.forEach((x, i) => {
        const [row, col] = along === 'rows' ? [Math.floor(i / k), i % k] : [i % rows, Math.floor(i / rows)];
        if (Number.isFinite(x)) want[slot(row, col)] += Math.abs(x);
      });
      const at = own.region(4 * want.length + 4 * Math.max(rows, k) + 64);
      const table = own.u32(at + 4 * want.length + 16, along === 'rows' ? rows : k);
      for (let i = 0; i < table.length; i++) table[i] = along === 'rows' ? Math.floor(i / 4) * k : i * bands;
      const input = own.input(n);
      input.set(values);
      for (const [lo, hi] of [[0, 1], [1, 6], [6, 4097], [4097, 5002], [5002, n]]) new PlanKernels(mem2).blocks4x1(along, input.byteOffset + 4 * lo, hi - lo, lo, at, table.byteOffset, along === 'rows' ? k : rows);
      const got = own.f32(at, want.length);
      want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-6 * Math.max(1, w), `slot ${i}: ${got[i]} vs ${w}`));
    });
});
