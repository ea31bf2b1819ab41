// The pruning plan's magnitude sums (server/advise/magnitude-pass.ts), one chunk of float32 values
// at a time: each finite |x| lands in its 1/16-binade bin (count and sum), its GEMM-view row's sum
// and its block's sum. Scalar code: every element goes to a bin and a block of its own. Row and
// block sums are added in the order of the elements; bin sums in four interleaved partial sums.

/** Bins below this index are finite: (0xff << 4), the top 12 bits of +Inf. */
const BIN_NONFINITE: u32 = 0xff0;

/**
 * n float32 values at inp, elements first.. of a weight whose GEMM view has rows of K. The view
 * walk: mode 0, memory is the view (rows of K); otherwise memory is [b][p][q] and each batch's
 * view is its transpose read in rows of K: mode 1 when K = p (a row per q: MatMul B [K, N]), mode
 * 2 when K = p x q (a row per batch: a convolution read channel-last), mode 3 any other K.
 * bins: 4096 f64 counts then 4096 f64 sums, or 0 to skip them and the rows (then the return is 0);
 * rows: f64 per view row; blocks: f32 per block, at rowTab[row] + colTab[col] (tables of i32
 * made by the caller), or 0; scratch: SCRATCH_BYTES for interleaved bins (worth it past a few
 * thousand values), or 0. Returns the sum of the finite |x| (f64, in element order).
 */
export function magsums(
  inp: usize, n: i32, at: f64, bins: usize, rows: usize, blocks: usize, rowTab: usize, colTab: usize,
  mode: i32, p: i32, q: i32, k: i32, scratch: usize,
): f64 {
  // The element index comes as f64 (exact below 2^53): JS passes no i64 without BigInt.
  const first = <i64>at;
  // Neighbouring weights share a bin: four interleaved copies (at scratch, when given) keep each
  // bin's updates from waiting on the previous element's.
  const ways: u32 = scratch ? 3 : 0;
  const cBase = scratch ? scratch : bins;
  const sBase = scratch ? scratch + WAYS_COUNTS : bins + 4096 * 8;
  if (scratch) memory.fill(scratch, 0, SCRATCH_BYTES);
  const r = mode === 0 ? walkRows(inp, n, first, cBase, sBase, ways, rows, blocks, rowTab, colTab, k, bins !== 0) : walkTransposed(inp, n, first, cBase, sBase, ways, rows, blocks, rowTab, colTab, mode, p, q, k, bins !== 0);
  if (scratch && bins) fold(scratch, bins);
  return r;
}

/** Bytes of the interleaved bins: 4 x 4096 f64 counts, then 4 x 4096 f64 sums. */
const WAYS_COUNTS: usize = 4 * 4096 * 8;
export const SCRATCH_BYTES: usize = 2 * WAYS_COUNTS;

/** Adds the four copies into the f64 counts and sums at bins. */
function fold(scratch: usize, bins: usize): void {
  for (let b: usize = 0; b < 4096; b++) {
    const o = b << 3;
    const c = bins + o;
    store<f64>(c, load<f64>(c) + load<f64>(scratch + o) + load<f64>(scratch + 32768 + o) + load<f64>(scratch + 65536 + o) + load<f64>(scratch + 98304 + o));
    const s = bins + 32768 + o;
    const w = scratch + WAYS_COUNTS;
    store<f64>(s, load<f64>(s) + load<f64>(w + o) + load<f64>(w + 32768 + o) + load<f64>(w + 65536 + o) + load<f64>(w + 98304 + o));
  }
}

// @ts-ignore: decorator
@inline function bump(cBase: usize, sBase: usize, way: u32, bin: u32, d: f64): void {
  const o = <usize>((way << 12) | bin) << 3;
  store<f64>(cBase + o, load<f64>(cBase + o) + 1);
  store<f64>(sBase + o, load<f64>(sBase + o) + d);
}

function walkRows(
  inp: usize, n: i32, first: i64, cBase: usize, sBase: usize, ways: u32, rows: usize, blocks: usize, rowTab: usize, colTab: usize, k: i32, withBins: bool,
): f64 {
  let total: f64 = 0;
  {
    // Rows and blocks run along memory: their sums are carried in registers between changes.
    let row = <i32>(first / <i64>k);
    let col = <i32>(first - <i64>row * <i64>k);
    let rowAcc: f64 = withBins ? load<f64>(rows + (<usize>row << 3)) : 0;
    let rowBase: i32 = blocks ? load<i32>(rowTab + (<usize>row << 2)) : 0;
    let blockAt: i32 = blocks ? rowBase + load<i32>(colTab + (<usize>col << 2)) : 0;
    let blockAcc: f32 = blocks ? load<f32>(blocks + (<usize>blockAt << 2)) : 0;
    for (let j = 0; j < n; j++) {
      const bits = load<u32>(inp + (<usize>j << 2)) & 0x7fffffff;
      const bin = bits >>> 19;
      if (bin < BIN_NONFINITE) {
        const x = reinterpret<f32>(bits);
        const d = <f64>x;
        if (withBins) {
          total += d;
          bump(cBase, sBase, <u32>j & ways, bin, d);
          rowAcc += d;
        }
        if (blocks) blockAcc += x;
      }
      if (++col === k) {
        col = 0;
        if (withBins) store<f64>(rows + (<usize>row << 3), rowAcc);
        row++;
        if (j + 1 < n) {
          if (withBins) rowAcc = load<f64>(rows + (<usize>row << 3));
          if (blocks) rowBase = load<i32>(rowTab + (<usize>row << 2));
        }
      }
      if (blocks) {
        const next = rowBase + load<i32>(colTab + (<usize>col << 2));
        if (next !== blockAt || j + 1 === n) {
          store<f32>(blocks + (<usize>blockAt << 2), blockAcc);
          blockAt = next;
          if (j + 1 < n) blockAcc = load<f32>(blocks + (<usize>blockAt << 2));
        }
      }
    }
    if (withBins && col !== 0) store<f64>(rows + (<usize>row << 3), rowAcc);
  }
  return total;
}

/** Transposed views: neighbours in memory sit in different rows, so each sum is updated in place. */
function walkTransposed(
  inp: usize, n: i32, first: i64, cBase: usize, sBase: usize, ways: u32, rows: usize, blocks: usize, rowTab: usize, colTab: usize,
  mode: i32, p: i32, q: i32, k: i32, withBins: bool,
): f64 {
  let total: f64 = 0;
  const per = <i64>p * <i64>q;
  let bb = <i32>(first / per);
  const rem = <i32>(first - <i64>bb * per);
  let pp = rem / q;
  let qq = rem - pp * q;
  const rowsPerBatch = <i32>(per / <i64>k);
  for (let j = 0; j < n; j++) {
    const bits = load<u32>(inp + (<usize>j << 2)) & 0x7fffffff;
    const bin = bits >>> 19;
    if (bin < BIN_NONFINITE) {
      let row: i32, col: i32;
      if (mode === 1) {
        row = bb * rowsPerBatch + qq;
        col = pp;
      } else if (mode === 2) {
        row = bb;
        col = qq * p + pp;
      } else {
        const within = qq * p + pp;
        const r0 = within / k;
        row = bb * rowsPerBatch + r0;
        col = within - r0 * k;
      }
      const x = reinterpret<f32>(bits);
      const d = <f64>x;
      if (withBins) {
        total += d;
        bump(cBase, sBase, <u32>j & ways, bin, d);
        const r = rows + (<usize>row << 3);
        store<f64>(r, load<f64>(r) + d);
      }
      if (blocks) {
        const b = blocks + (<usize>(load<i32>(rowTab + (<usize>row << 2)) + load<i32>(colTab + (<usize>col << 2))) << 2);
        store<f32>(b, load<f32>(b) + x);
      }
    }
    if (++qq === q) {
      qq = 0;
      if (++pp === p) {
        pp = 0;
        bb++;
      }
    }
  }
  return total;
}

/**
 * The 65,536-bucket histogram of n non-negative float32 values at inp by the top 16 bits of their
 * pattern (which orders them): counts and sums, f64 each, at counts and sums (cleared here).
 */
export function hist16(inp: usize, n: i32, counts: usize, sums: usize): void {
  memory.fill(counts, 0, 65536 * 8);
  memory.fill(sums, 0, 65536 * 8);
  for (let j = 0; j < n; j++) {
    const bits = load<u32>(inp + (<usize>j << 2));
    const at = <usize>(bits >>> 16) << 3;
    store<f64>(counts + at, load<f64>(counts + at) + 1);
    store<f64>(sums + at, load<f64>(sums + at) + <f64>reinterpret<f32>(bits));
  }
}

/**
 * Counts (f64, at out, cleared here) of the low 16 bits of those of n float32 values at inp whose
 * top 16 bits are b: within one bucket the low bits order the values, so this ranks it exactly.
 */
export function low16(inp: usize, n: i32, b: u32, out: usize): void {
  memory.fill(out, 0, 65536 * 8);
  for (let j = 0; j < n; j++) {
    const bits = load<u32>(inp + (<usize>j << 2));
    if (bits >>> 16 === b) {
      const at = out + (<usize>(bits & 0xffff) << 3);
      store<f64>(at, load<f64>(at) + 1);
    }
  }
}
