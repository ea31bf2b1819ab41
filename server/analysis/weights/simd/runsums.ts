// Row and block sums of the pruning plan's magnitude pass (server/advise/magnitude-pass.ts) where
// memory runs along them, with SIMD: rows of a row-major view or a MatMul B [K, N], 4x1 blocks,
// blocks whose values come in runs along memory, and channel-last convolutions walked a view row
// at a time. magsums.ts holds the scalar walk that places every other value on the GEMM view.

const ABS = i32x4.splat(0x7fffffff);
const INF = i32x4.splat(0x7f800000);

/** |x| of four float32 lanes, non-finite lanes zero (they take no part in any sum). */
// @ts-ignore: decorator
@inline function finiteAbs(x: v128): v128 {
  const a = v128.and(x, ABS);
  return v128.and(a, i32x4.lt_s(a, INF));
}

/** |x| of the float32 at `at`, zero when it is not finite: finiteAbs for one value (a run's ends). */
// @ts-ignore: decorator
@inline function finiteAbsAt(at: usize): f32 {
  return f32x4.extract_lane(finiteAbs(f32x4.splat(load<f32>(at))), 0);
}

/**
 * 4x1 block sums (4 view rows by 1 column) where memory runs along the view's columns (mode 0):
 * the slots of one band are rowTab[row] + col, so a row's values add into consecutive slots,
 * four at a time, each slot's additions still in element order.
 */
export function blocksAlongRows(inp: usize, n: i32, at: f64, blocks: usize, rowTab: usize, k: i32): void {
  const first = <i64>at;
  let row = <i32>(first / <i64>k);
  let col = <i32>(first - <i64>row * <i64>k);
  let j = 0;
  while (j < n) {
    const run = min(k - col, n - j);
    const base = blocks + (<usize>(load<i32>(rowTab + (<usize>row << 2)) + col) << 2);
    const src = inp + (<usize>j << 2);
    let i = 0;
    for (; i + 4 <= run; i += 4) {
      const o = base + (<usize>i << 2);
      v128.store(o, f32x4.add(v128.load(o), finiteAbs(v128.load(src + (<usize>i << 2)))));
    }
    for (; i < run; i++) {
      const o = base + (<usize>i << 2);
      const x = finiteAbsAt(src + (<usize>i << 2));
      store<f32>(o, load<f32>(o) + x);
    }
    j += run;
    col += run;
    if (col === k) {
      col = 0;
      row++;
    }
  }
}

/**
 * 4x1 block sums where memory runs along the view's rows (mode 1, MatMul B [K, N]; slots
 * numbered column-major: colTab[col] + row / 4): four consecutive values of a memory row are one
 * block, so sixteen values make four slots in one store. Groups cut by the chunk or by N go one
 * value at a time.
 */
export function blocksAlongColumns(inp: usize, n: i32, at: f64, blocks: usize, colTab: usize, q: i32): void {
  const first = <i64>at;
  let pp = <i32>(first / <i64>q);
  let qq = <i32>(first - <i64>pp * <i64>q);
  let j = 0;
  while (j < n) {
    const run = min(q - qq, n - j);
    const slots = blocks + (<usize>load<i32>(colTab + (<usize>pp << 2)) << 2);
    const src = inp + (<usize>j << 2);
    let i = 0;
    // Values before the next multiple of 4 in the row (a group the chunk cut), one by one.
    for (; i < run && ((qq + i) & 3) !== 0; i++) one(slots, qq + i, src + (<usize>i << 2));
    for (; i + 16 <= run; i += 16) {
      const s = src + (<usize>i << 2);
      const a = finiteAbs(v128.load(s)), b = finiteAbs(v128.load(s, 16)), c = finiteAbs(v128.load(s, 32)), d = finiteAbs(v128.load(s, 48));
      // Pairwise: lanes (0+1, 2+3) of each vector, then the two halves.
      const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
      const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 2, 4, 6), v128.shuffle<f32>(c, d, 1, 3, 5, 7));
      const sums = f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
      const o = slots + (<usize>((qq + i) >> 2) << 2);
      v128.store(o, f32x4.add(v128.load(o), sums));
    }
    for (; i < run; i++) one(slots, qq + i, src + (<usize>i << 2));
    j += run;
    qq += run;
    if (qq === q) {
      qq = 0;
      pp++;
    }
  }
}

// @ts-ignore: decorator
@inline function one(slots: usize, row: i32, src: usize): void {
  const o = slots + (<usize>(row >> 2) << 2);
  store<f32>(o, load<f32>(o) + finiteAbsAt(src));
}

/**
 * Row sums with SIMD (f64, in rows: each row's sum added once per run, or once per memory row):
 * along the view's rows (mode 0: a row's run summed in four f64x2 accumulators) or along its
 * columns (mode 1 in one batch, len = N: the values of a memory row add into consecutive rows).
 * len is K for rows, N for columns.
 */
export function rowsAlong(inp: usize, n: i32, at: f64, rows: usize, columns: i32, len: i32): void {
  const first = <i64>at;
  let major = <i32>(first / <i64>len);
  let minor = <i32>(first - <i64>major * <i64>len);
  let j = 0;
  while (j < n) {
    const run = min(len - minor, n - j);
    const src = inp + (<usize>j << 2);
    let i = 0;
    if (columns) {
      const dst = rows + (<usize>minor << 3);
      for (; i + 4 <= run; i += 4) {
        const x = finiteAbs(v128.load(src + (<usize>i << 2)));
        const o = dst + (<usize>i << 3);
        v128.store(o, f64x2.add(v128.load(o), f64x2.promote_low_f32x4(x)));
        v128.store(o, f64x2.add(v128.load(o, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1))), 16);
      }
      for (; i < run; i++) {
        const o = dst + (<usize>i << 3);
        store<f64>(o, load<f64>(o) + <f64>finiteAbsAt(src + (<usize>i << 2)));
      }
    } else {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
      for (; i + 8 <= run; i += 8) {
        const x = finiteAbs(v128.load(src + (<usize>i << 2)));
        const y = finiteAbs(v128.load(src + (<usize>i << 2), 16));
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(x));
        a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)));
        a2 = f64x2.add(a2, f64x2.promote_low_f32x4(y));
        a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(y, y, 2, 3, 0, 1)));
      }
      const s = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
      let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
      for (; i < run; i++) sum += <f64>finiteAbsAt(src + (<usize>i << 2));
      const o = rows + (<usize>major << 3);
      store<f64>(o, load<f64>(o) + sum);
    }
    j += run;
    minor += run;
    if (minor === len) {
      minor = 0;
      major++;
    }
  }
}

/**
 * Block sums where a block's values lie in runs along memory: lines of `lineLen` values, and in
 * each line runs of `run` consecutive values (from position 0) that share one block, the slot
 * posTab[pos] + lineTab[line]. Mode 0 (rows of K): a line is a view row, a run C of its columns;
 * mode 1 in one batch (MatMul B [K, N]): a line is a memory row (one K), a run R of its N. Each
 * run is summed with SIMD (four lanes, then the lanes pairwise) and added to its slot once: the
 * scalar walk had added every value to its slot, one pass per block shape (16x16, 32x32 and
 * 64x64 were three passes of ~1.2 ns a value). Runs cut by the chunk or by a line's end add what
 * they hold. Non-finite values add nothing, as in magsums.
 */
export function blockRuns(inp: usize, n: i32, at: f64, lineLen: i32, run: i32, blocks: usize, posTab: usize, lineTab: usize): void {
  const first = <i64>at;
  let line = <i32>(first / <i64>lineLen);
  let pos = <i32>(first - <i64>line * <i64>lineLen);
  let src = inp;
  let left = n;
  while (left > 0) {
    const end = min(min((pos / run + 1) * run, lineLen), pos + left);
    const len = end - pos;
    let acc = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= len; i += 4) acc = f32x4.add(acc, finiteAbs(v128.load(src + (<usize>i << 2))));
    let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; i < len; i++) s += finiteAbsAt(src + (<usize>i << 2));
    const o = blocks + (<usize>(load<i32>(posTab + (<usize>pos << 2)) + load<i32>(lineTab + (<usize>line << 2))) << 2);
    store<f32>(o, load<f32>(o) + s);
    src += <usize>len << 2;
    left -= len;
    pos = end;
    if (pos === lineLen) {
      pos = 0;
      line++;
    }
  }
}

/**
 * Block sums of a convolution read channel-last (mode 2): memory [rows][p channels][q kernel
 * positions], the view's column qq x p + pp. A whole view row in the chunk is walked in the
 * view's column order (qq, then pp: the values q apart), so its slots come in order: with C = 1
 * (4x1 blocks) four columns are one vector add, otherwise each slot's run of columns is summed in
 * a register and stored once. In memory order every value had gone to a slot p columns from the
 * last one (2.2 ns a value on 256-channel 3x3 convolutions). A row the chunk cuts goes value by value.
 */
export function blocksChannelLast(inp: usize, n: i32, at: f64, blocks: usize, rowTab: usize, colTab: usize, p: i32, q: i32, c: i32): void {
  const first = <i64>at;
  const k = p * q;
  let row = <i32>(first / <i64>k);
  let m = <i32>(first - <i64>row * <i64>k);
  let j = 0;
  while (j < n) {
    const len = min(k - m, n - j);
    const src = inp + (<usize>j << 2);
    const band = blocks + (<usize>load<i32>(rowTab + (<usize>row << 2)) << 2);
    if (m === 0 && len === k) wholeRow(src, band, colTab, p, q, c);
    else {
      for (let i = 0; i < len; i++) {
        const mm = m + i;
        const pp = mm / q;
        const col = (mm - pp * q) * p + pp;
        const o = band + (<usize>load<i32>(colTab + (<usize>col << 2)) << 2);
        store<f32>(o, load<f32>(o) + finiteAbsAt(src + (<usize>i << 2)));
      }
    }
    j += len;
    m += len;
    if (m === k) {
      m = 0;
      row++;
    }
  }
}

function wholeRow(src: usize, band: usize, colTab: usize, p: i32, q: i32, c: i32): void {
  const stride = <usize>q << 2;
  for (let qq = 0; qq < q; qq++) {
    const col0 = qq * p;
    let at = src + (<usize>qq << 2);
    let pp = 0;
    if (c === 1) {
      // Columns col0 + pp are slots colTab[col0] + pp: four values, four slots, one add.
      const slots = band + (<usize>load<i32>(colTab + (<usize>col0 << 2)) << 2);
      for (; pp + 4 <= p; pp += 4, at += 4 * stride) {
        let v = f32x4.splat(load<f32>(at));
        v = f32x4.replace_lane(v, 1, load<f32>(at + stride));
        v = f32x4.replace_lane(v, 2, load<f32>(at + 2 * stride));
        v = f32x4.replace_lane(v, 3, load<f32>(at + 3 * stride));
        const o = slots + (<usize>pp << 2);
        v128.store(o, f32x4.add(v128.load(o), finiteAbs(v)));
      }
    }
    let slot = -1;
    let acc: f32 = 0;
    for (; pp < p; pp++, at += stride) {
      const s = load<i32>(colTab + (<usize>(col0 + pp) << 2));
      if (s !== slot) {
        if (slot >= 0) store<f32>(band + (<usize>slot << 2), load<f32>(band + (<usize>slot << 2)) + acc);
        slot = s;
        acc = 0;
      }
      acc += finiteAbsAt(at);
    }
    if (slot >= 0) store<f32>(band + (<usize>slot << 2), load<f32>(band + (<usize>slot << 2)) + acc);
  }
}
