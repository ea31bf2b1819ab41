import type { ChunkBuffers } from '../../onnx/chunks';
import type { ModelMemory } from '../../onnx/model-memory';
import { kernelExports } from './simd-module';
import { ACC, align16, ARENA, HEAT, HIST, KEPT, KEPT4, OVERREAD, PAD, QCOLS, QHIST, QRES, QSC, RES, SMALL, type KernelExports } from './simd-layout';

export interface SimdStats {
  /** Count of |x| <= near, and the other reductions, over the call's values. */
  near: number;
  maxBits: number;
  /** min(|x| bits - 1) as unsigned: 0xffffffff when every value was zero. */
  minBitsM1: number;
  sum: number;
  sumSq: number;
  nonzero: number;
  /** Count per biased float32 exponent, 256 bins (valid until the next call). */
  readonly bins: Int32Array;
  /** Where the call's bitmap words are (one per 32 values): the caller's bitmap, or the scratch words. */
  wordsAt: number;
}

/** What the arena holds for one weight, in bytes. */
export interface ArenaSizes {
  readonly bitmap: number;
  readonly view: number;
  readonly bands: number;
  readonly channels: number;
  readonly axisLen: number;
  /** Bytes of the integer kernels' per-slice tables (quantized-stats.ts). */
  readonly qtab?: number;
}

/**
 * The WebAssembly SIMD kernels (server/analysis/weights/simd/*.ts), instantiated over one model's
 * memory: float32 weights are read where the file put them; float16, bfloat16 and 8-bit integers
 * are decoded by kernels into the workspace first. Each analysis has its own instance, so analyses
 * interleaved between chunks never share state. The workspace's layout: simd-layout.ts.
 */
export class SimdKernels implements ChunkBuffers {
  private readonly x: KernelExports;
  private readonly base: number;
  private readonly buffers = new Set<ArrayBufferLike>();
  private capacity = 0;
  private rawCapacity = 0;
  private arenaBytes = 0;
  private at = { bitmap: 0, view: 0, bands: 0, chan: 0, zp: 0, scale: 0, qtab: 0, words: 0, input: 0, raw: [0, 0] as [number, number] };
  private readonly result: SimdStats;
  private readonly res: { i32: Int32Array; u32: Uint32Array; f64: Float64Array };
  private readonly keptOut: { sums: Float64Array; halves: Float64Array };

  constructor(private readonly mem: ModelMemory) {
    this.x = kernelExports<KernelExports>(mem);
    this.base = mem.workspaceOffset;
    // The file's views hold the buffer object of the memory as it was at load: a later instance
    // (the plan's magnitude pass) must know them too, or in-place weights look foreign.
    this.buffers.add(mem.file.buffer);
    this.prepare(1 << 16, 1 << 18);
    // The fixed area never moves and a shared buffer is never detached: these views stay valid.
    const buf = this.buffer;
    this.res = {
      i32: new Int32Array(buf, this.base + RES, 21),
      u32: new Uint32Array(buf, this.base + RES, 12),
      f64: new Float64Array(buf, this.base + RES + 48, 4),
    };
    this.keptOut = { sums: new Float64Array(buf, this.base + KEPT, 16), halves: new Float64Array(buf, this.base + KEPT4, 8) };
    this.result = { near: 0, maxBits: 0, minBitsM1: 0, sum: 0, sumSq: 0, nonzero: 0, bins: new Int32Array(buf, this.base + HIST, 256), wordsAt: 0 };
    const q = this.base + QRES;
    this.q = {
      res: { f64: new Float64Array(buf, q, 2), i32: new Int32Array(buf, q, 16), u32: new Uint32Array(buf, q, 8) },
      cols: { f64: new Float64Array(buf, this.base + QCOLS, 2), u32: new Uint32Array(buf, this.base + QCOLS, 8) },
      exact: { i32: new Int32Array(buf, this.base + QSC, 24), u32: new Uint32Array(buf, this.base + QSC, 24), f64: new Float64Array(buf, this.base + QSC + 48, 3) },
      hist: new Int32Array(buf, this.base + QHIST, 256),
    };
  }

  /** Views of the integer kernels' results (fixed area: valid for this instance's life). */
  readonly q: {
    res: { f64: Float64Array; i32: Int32Array; u32: Uint32Array };
    cols: { f64: Float64Array; u32: Uint32Array };
    exact: { i32: Int32Array; u32: Uint32Array; f64: Float64Array };
    hist: Int32Array;
  };

  /** Sizes the workspace for chunks of up to n values and `rawBytes` of raw data per chunk. */
  prepare(n: number, rawBytes: number): void {
    if (n <= this.capacity && rawBytes <= this.rawCapacity) return;
    this.capacity = Math.max(n, this.capacity);
    this.rawCapacity = Math.max(rawBytes, this.rawCapacity);
    this.layout();
  }

  /**
   * Sizes the arena for one weight and zeroes its bitmap; returns the bitmap (a view of this
   * memory, valid until the next call). Never call while a stream is pending: chunk slots move.
   */
  arena(s: ArenaSizes): Uint32Array {
    const need = align16(s.bitmap) + align16(s.view) + align16(s.bands) + align16(s.channels) + align16(2 * s.axisLen) + align16(8 * s.axisLen) + align16(s.qtab ?? 0) + OVERREAD;
    if (need > this.arenaBytes) {
      const before = this.arenaBytes;
      this.arenaBytes = need;
      try {
        this.layout();
      } catch (e) {
        // The memory could not grow (4 GiB at most): the layout stays as it was, for the caller to ask for less.
        this.arenaBytes = before;
        this.layout();
        throw e;
      }
    }
    const a = this.at;
    a.view = a.bitmap + align16(s.bitmap);
    a.bands = a.view + align16(s.view);
    a.chan = a.bands + align16(s.bands);
    a.zp = a.chan + align16(s.channels);
    a.scale = a.zp + align16(2 * s.axisLen);
    a.qtab = a.scale + align16(8 * s.axisLen);
    this.x.zero(a.bitmap, s.bitmap);
    return new Uint32Array(this.buffer, a.bitmap, s.bitmap >>> 2);
  }

  private layout(): void {
    const w = this.base;
    const a = this.at;
    a.bitmap = w + ARENA;
    a.words = align16(a.bitmap + this.arenaBytes);
    a.input = align16(a.words + Math.ceil(this.capacity / 32) * 4 + PAD);
    const raw0 = align16(a.input + 4 * this.capacity);
    const raw1 = align16(raw0 + this.rawCapacity);
    a.raw = [raw0, raw1];
    this.buffers.add(this.mem.ensureWorkspace(raw1 + this.rawCapacity + OVERREAD - w));
  }

  private get buffer(): ArrayBufferLike {
    return this.mem.memory.buffer;
  }

  reserve(bytesPerSlot: number): void {
    this.prepare(this.capacity, bytesPerSlot);
  }

  /** A raw chunk slot of `bytes` (within the reserved size), for reads and varint decoding. */
  raw(slot: 0 | 1, bytes: number): Uint8Array {
    // Growing here could move a slot under a pending read; streams reserve first.
    if (bytes > this.rawCapacity) throw new RangeError(`raw chunk of ${bytes} bytes exceeds the ${this.rawCapacity} reserved`);
    return new Uint8Array(this.buffer, this.at.raw[slot], bytes);
  }

  /** The decode target for n float32 values. */
  input(n: number): Float32Array {
    if (n > this.capacity) this.prepare(n, this.rawCapacity);
    return new Float32Array(this.buffer, this.at.input, n);
  }

  /** Address of data the kernels can read in place: any view of this memory. */
  addressOf(view: ArrayBufferView): number | undefined {
    return this.buffers.has(view.buffer) ? view.byteOffset : undefined;
  }

  /** Float32 views of n values at `ptr`, copied to an aligned place first if `ptr` is not aligned. */
  views(ptr: number, n: number): { values: Float32Array; bits: Uint32Array } {
    let at = ptr;
    if (at % 4) {
      const to = n <= 32 ? this.base + SMALL : this.at.input;
      new Uint8Array(this.buffer).copyWithin(to, ptr, ptr + 4 * n);
      at = to;
    }
    return { values: new Float32Array(this.buffer, at, n), bits: new Uint32Array(this.buffer, at, n) };
  }

  /**
   * Magnitude pass over n values at ptr, n a multiple of 32. Bitmap words go to `bmAt` when given
   * (an address in this memory), else to scratch words at `wordsAt`. The result object is reused.
   */
  stats(ptr: number, n: number, nearBits: number, bmAt?: number): SimdStats {
    const r = this.result;
    r.wordsAt = bmAt ?? this.at.words;
    this.x.stats(ptr, n, r.wordsAt, nearBits, this.base + HIST, this.base + RES);
    this.read(r);
    return r;
  }

  /**
   * The magnitude pass over n binary16 values at ptr (n a multiple of 32) read as they are, bitmap
   * words to `bmAt`; `nearHalf` is the near-zero threshold as binary16 bits. Same result as `stats`.
   */
  stats16(ptr: number, n: number, nearHalf: number, bmAt: number): SimdStats {
    const r = this.result;
    r.wordsAt = bmAt;
    this.x.stats16(ptr, n, bmAt, nearHalf, this.base + HIST, this.base + RES);
    this.read(r);
    return r;
  }

  private read(r: SimdStats): void {
    const { i32, u32, f64 } = this.res;
    r.nonzero = i32[20];
    r.near = i32[0] + i32[1] + i32[2] + i32[3];
    r.maxBits = Math.max(u32[4], u32[5], u32[6], u32[7]);
    r.minBitsM1 = Math.min(u32[8], u32[9], u32[10], u32[11]);
    r.sum = f64[0] + f64[1];
    r.sumSq = f64[2] + f64[3];
  }

  /** The scratch bitmap words of the last `stats` call without a bitmap address. */
  words(n: number): Uint32Array {
    return new Uint32Array(this.buffer, this.at.words, n >>> 5);
  }

  /** Decodes n binary16 (or bfloat16) values at ptr into the input area as float32 magnitudes; returns its address. */
  decode16(ptr: number, n: number, bf16: boolean): number {
    if (n > this.capacity) this.prepare(n, this.rawCapacity);
    if (bf16) this.x.decodeBf16(ptr, n, this.at.input);
    else this.x.decodeHalf(ptr, n, this.at.input);
    return this.at.input;
  }

  /** Writes zero points (integers in the i16 range) and scales into the arena's tables for dequant8. */
  setQuantization(zeroPoint: Float64Array, scale: Float64Array | undefined): void {
    new Int16Array(this.buffer, this.at.zp, zeroPoint.length).set(zeroPoint);
    if (scale) new Float64Array(this.buffer, this.at.scale, scale.length).set(scale);
  }

  /** |q - zp| x scale of n 8-bit integers at ptr into the input area (tables from setQuantization); returns its address. */
  dequant8(ptr: number, n: number, signed: boolean, scaled: boolean, axisLen: number, inner: number, first: number): number {
    if (n > this.capacity) this.prepare(n, this.rawCapacity);
    // One slice: any slice length past the chunk serves, and keeps positions in i32.
    const len = axisLen === 1 ? 2 ** 30 : inner;
    const a0 = Math.floor(first / len) % axisLen;
    const r0 = first % len;
    this.x.dequant8(ptr, n, this.at.input, signed ? 1 : 0, this.at.zp, scaled ? this.at.scale : 0, axisLen, len, a0, r0);
    return this.at.input;
  }

  /**
   * Rank sums of groups of m (4 or 8) at ptr: `groups` contiguous groups back to back, `bands`
   * bands of m x q floats whose group j takes floats j, j+q, ... (M consecutive K of a [K, N]
   * operand), or `rows` rows of k floats grouped along the row (the last group short when m does
   * not divide k). Returns 2m values: the sum of the rank-r largest |x| (r < ranks; later ranks are 0),
   * then the sums of their squares; with `alsoHalves` (m = 8), also those of the two groups of 4
   * inside each group of 8, for ranks below `ranks4`. Valid until the next call (views made once:
   * no garbage per call).
   */
  keep(
    m: 4 | 8, ptr: number, shape: { groups: number } | { bands: number; q: number } | { rows: number; k: number }, alsoHalves = false, ranks: number = m, ranks4 = 4,
  ): { sums: Float64Array; halves?: Float64Array } {
    const x = this.x;
    const out = this.base + KEPT;
    const out4 = alsoHalves ? this.base + KEPT4 : 0;
    const sums = this.keptOut.sums.fill(0, 0, 2 * m);
    const halves = alsoHalves ? this.keptOut.halves.fill(0) : undefined;
    const [count, q, k] = keptShape(shape);
    if (m === 4) x.keep4(ptr, count, q, k, ranks, this.base + ACC, out);
    else x.keep8(ptr, count, q, k, ranks, ranks4, this.base + ACC, out, out4);
    return { sums, halves };
  }

  /**
   * keep's rank sums over binary16 codes at ptr (any alignment), same shapes and results; `top`
   * is the largest magnitude code met: above 0x7bff (Inf or NaN) the sums are not valid.
   */
  keepHalves(
    m: 4 | 8, ptr: number, shape: { groups: number } | { bands: number; q: number } | { rows: number; k: number }, alsoHalves: boolean, ranks: number, ranks4: number,
  ): { sums: Float64Array; halves?: Float64Array; top: number } {
    const out = this.base + KEPT;
    const sums = this.keptOut.sums.fill(0, 0, 2 * m);
    const halves = alsoHalves ? this.keptOut.halves.fill(0) : undefined;
    const [count, q, k] = keptShape(shape);
    const top = m === 4 ? this.x.hkeep4(ptr, count, q, k, ranks, out) : this.x.hkeep8(ptr, count, q, k, ranks, ranks4, out, alsoHalves ? this.base + KEPT4 : 0);
    return { sums, halves, top };
  }

  /** Where the arena's view bitmap, block rows and channel scratch are. */
  get areas(): { view: number; bands: number; chan: number } {
    return this.at;
  }

  /** ORs the transposes of `batches` P x Q bit matrices at src into dst (zeroed here over `bytes`). */
  transposeBits(src: number, batches: number, p: number, q: number, dst: number, bytes: number): void {
    this.x.zero(dst, bytes);
    this.x.transposeBits(src, batches, p, q, dst);
  }

  fieldsOver(bm: number, words: number, n: number, m: number): number {
    return this.x.fieldsOver(bm, words, n, m);
  }

  orBands(bm: number, rows: number, k: number, r: number, out: number): number {
    return this.x.orBands(bm, rows, k, r, out);
  }

  nonzeroFields(bm: number, words: number, c: number): number {
    return this.x.nonzeroFields(bm, words, c);
  }

  popcount(bm: number, words: number): number {
    return this.x.popcount(bm, words);
  }

  zeroRows(bm: number, rows: number, k: number): number {
    return this.x.zeroRows(bm, rows, k);
  }

  zeroChannels(bands: number, groups: number, positions: number, channels: number, chan: number): number {
    return this.x.zeroChannels(bands, groups, positions, channels, chan);
  }

  /** Nonzero counts of a gr x gc grid over the bitmap (valid until the next call). */
  heatCounts(bm: number, rows: number, k: number, gr: number, gc: number): Int32Array {
    this.x.heatCounts(bm, rows, k, gr, gc, this.base + HEAT);
    return new Int32Array(this.buffer, this.base + HEAT, gr * gc);
  }

  /** The nonzero density of each cell of that grid, one byte a cell (0 = all zero, 255 = dense; valid until the next call). */
  heatDensity(bm: number, rows: number, k: number, gr: number, gc: number): Uint8Array {
    this.x.heatCounts(bm, rows, k, gr, gc, this.base + HEAT);
    this.x.heatDensity(rows, k, gr, gc, this.base + HEAT);
    return new Uint8Array(this.buffer, this.base + HEAT, gr * gc);
  }

  /** The integer kernels' table area of the arena (sized by `qtab`), as bytes. */
  qtab(bytes: number): Uint8Array {
    return new Uint8Array(this.buffer, this.at.qtab, bytes);
  }

  get qtabAt(): number {
    return this.at.qtab;
  }

  /**
   * Per-slice figures of an integer plan (simd/qstats.ts qplan): |scale| of n slices copied to
   * `sc`, then d0, dt, the exponent bases and the top exponents at `out`.
   */
  qplan(scale: Float64Array, sc: number, n: number, nearBits: number, out: number): void {
    new Float64Array(this.buffer, sc, n).set(scale);
    this.x.qplan(sc, n, nearBits, out);
  }

  /** Threshold rows of an integer plan into its table (simd/qstats.ts qthresholds); frame < 0: each slice's own base. */
  qthresholds(sc: number, n: number, d0s: number, bases: number, frame: number, rows: number, tab: number): void {
    this.x.qthresholds(sc, n, d0s, bases, frame, rows, tab);
  }

  get scaleAt(): number {
    return this.at.scale;
  }

  /** qrun over whole rows of `cols` codes with a zero point and thresholds per column (table rows `cols` bytes apart; results in q.res). */
  qrunColumns(ptr: number, vecs: number, signed: boolean, tab: number, cols: number, bmByte: number): void {
    this.x.qrun(ptr, vecs, signed ? 1 : 0, tab, cols, 0, bmByte, this.base + QRES);
  }

  /** Per-column sums and extremes over rows x n codes, scaled per column (results added into q.cols). */
  qcols(ptr: number, rows: number, n: number, signed: boolean, tab: number): void {
    this.x.qcols(ptr, rows, n, signed ? 1 : 0, tab, this.at.scale, this.base + QCOLS);
  }

  /** The exact per-element path (results added into q.exact and q.hist). */
  qscalar(ptr: number, n: number, signed: boolean, zp: number, scale: number, nearBits: number, bitmapAt: number, bit: number): void {
    this.x.qscalar(ptr, n, signed ? 1 : 0, zp, scale, nearBits, bitmapAt, bit, this.base + QHIST, this.base + QSC);
  }

  /**
   * The integer pass over a slices plan's chunk (simd/qslices.ts): n codes from code r0 of slice
   * a0, the slices' tables at `tab`, |scale| at sc and exponent bases at `bases`, the bitmap from
   * byte bmByte; folded into the weight's magnitude state at st.
   */
  qslices(ptr: number, n: number, a0: number, r0: number, signed: boolean, tab: number, sc: number, bases: number, inner: number, axisLen: number, bmByte: number, st: number): void {
    this.x.qslices(ptr, n, a0, r0, signed ? 1 : 0, tab, sc, bases, inner, axisLen, bmByte, this.base + QRES, st);
  }

  /** Scales the magnitude state's pending slice into its sums. */
  qflush(st: number, sc: number): void {
    this.x.qflush(st, sc);
  }

  /** Kept rank sums over a chunk's slices into the kept state at kt (simd/qslices.ts qkeepSlices). */
  qkeepSlices(m: 4 | 8, fused: boolean, ptr: number, count: number, a0: number, r0: number, run: number, axisLen: number, q: number, signed: boolean,
    tab: number, zstride: number, perLane: boolean, ranks: number, ranks4: number, sc: number, kt: number): void {
    this.x.qkeepSlices(m, fused ? 1 : 0, ptr, count, a0, r0, run, axisLen, q, signed ? 1 : 0, tab, zstride, perLane ? 1 : 0, ranks, ranks4, sc, kt);
  }

  /** Scales the kept state's pending slice into its sums. */
  qkeepFlush(kt: number, sc: number): void {
    this.x.qkeepFlush(kt, sc);
  }

  /**
   * A zeroed region of `bytes` in the arena (the next `arena` or `region` call reuses it); its
   * address. `scratch` more bytes follow it at the next multiple of 16, left as they are.
   */
  region(bytes: number, scratch = 0): number {
    this.arena({ bitmap: bytes, view: scratch, bands: 0, channels: 0, axisLen: 1 });
    return this.at.bitmap;
  }

  /** f64, f32 and i32 views of this memory at `at` (valid until the memory next grows). */
  f64(at: number, n: number): Float64Array {
    return new Float64Array(this.buffer, at, n);
  }

  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.buffer, at, n);
  }

  i32(at: number, n: number): Int32Array {
    return new Int32Array(this.buffer, at, n);
  }

  /** A word view of bitmap words at `at` (for the scalar paths). */
  u32(at: number, words: number): Uint32Array {
    return new Uint32Array(this.buffer, at, words);
  }
}

/** A kept kernel's (count, q, k) arguments: contiguous groups, bands of m x q, or rows of k. */
function keptShape(shape: { groups: number } | { bands: number; q: number } | { rows: number; k: number }): [number, number, number] {
  return 'groups' in shape ? [shape.groups, 0, 0] : 'bands' in shape ? [shape.bands, shape.q, 0] : [shape.rows, 0, shape.k];
}
