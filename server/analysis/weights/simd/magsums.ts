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
 * bins: 4096 f64 counts then 4096 f64 sums, or 0 to skip them;
 * rows: f64 per view row; blocks: f32 per block, at rowTab[row] + colTab[col] (tables of i32
 * made by the caller), or 0; scratch: SCRATCH_BYTES for interleaved bins (worth it past a few
 * thousand values), or 0. rows may be 0 (rowsAlong sums them) while bins are kept. The total
 * is the sum of the bins' sums: one running total was a chain of dependent adds per element.
 */
export function magsums(
  inp: usize, n: i32, at: f64, bins: usize, rows: usize, blocks: usize, rowTab: usize, colTab: usize,
  mode: i32, p: i32, q: i32, k: i32, scratch: usize,
): void {
  // Nothing to sum: the bins-only walk would otherwise count into address 0.
  if (!bins && !rows && !blocks) return;
  // The element index comes as f64 (exact below 2^53): JS passes no i64 without BigInt.
  const first = <i64>at;
  // Neighbouring weights share a bin: four interleaved copies (at scratch, when given) keep each
  // bin's updates from waiting on the previous element's.
  const ways: u32 = scratch ? 3 : 0;
  const cBase = scratch ? scratch : bins;
  const sBase = scratch ? scratch + WAYS_COUNTS : bins + 4096 * 8;
  if (scratch) memory.fill(scratch, 0, SCRATCH_BYTES);
  if (!rows && !blocks) binsOnly(inp, n, cBase, sBase, ways);
  else if (mode === 0) walkRows(inp, n, first, cBase, sBase, ways, rows, blocks, rowTab, colTab, k, bins !== 0);
  else walkTransposed(inp, n, first, cBase, sBase, ways, rows, blocks, rowTab, colTab, mode, p, q, k, bins !== 0);
  if (scratch && bins) fold(scratch, bins);
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

/** Bins alone need no position: the values in memory order. */
function binsOnly(inp: usize, n: i32, cBase: usize, sBase: usize, ways: u32): void {
  for (let j = 0; j < n; j++) {
    const bits = load<u32>(inp + (<usize>j << 2)) & 0x7fffffff;
    const bin = bits >>> 19;
    if (bin < BIN_NONFINITE) bump(cBase, sBase, <u32>j & ways, bin, <f64>reinterpret<f32>(bits));
  }
}

function walkRows(
  inp: usize, n: i32, first: i64, cBase: usize, sBase: usize, ways: u32, rows: usize, blocks: usize, rowTab: usize, colTab: usize, k: i32, withBins: bool,
): void {
  const withRows = rows !== 0;
  {
    // Rows and blocks run along memory: their sums are carried in registers between changes.
    let row = <i32>(first / <i64>k);
    let col = <i32>(first - <i64>row * <i64>k);
    let rowAcc: f64 = withRows ? load<f64>(rows + (<usize>row << 3)) : 0;
    let rowBase: i32 = blocks ? load<i32>(rowTab + (<usize>row << 2)) : 0;
    let blockAt: i32 = blocks ? rowBase + load<i32>(colTab + (<usize>col << 2)) : 0;
    let blockAcc: f32 = blocks ? load<f32>(blocks + (<usize>blockAt << 2)) : 0;
    for (let j = 0; j < n; j++) {
      const bits = load<u32>(inp + (<usize>j << 2)) & 0x7fffffff;
      const bin = bits >>> 19;
      if (bin < BIN_NONFINITE) {
        const x = reinterpret<f32>(bits);
        const d = <f64>x;
        if (withBins) bump(cBase, sBase, <u32>j & ways, bin, d);
        if (withRows) rowAcc += d;
        if (blocks) blockAcc += x;
      }
      if (++col === k) {
        col = 0;
        if (withRows) store<f64>(rows + (<usize>row << 3), rowAcc);
        row++;
        if (j + 1 < n) {
          if (withRows) rowAcc = load<f64>(rows + (<usize>row << 3));
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
    if (withRows && col !== 0) store<f64>(rows + (<usize>row << 3), rowAcc);
  }
}

/** Transposed views: neighbours in memory sit in different rows, so each sum is updated in place. */
function walkTransposed(
  inp: usize, n: i32, first: i64, cBase: usize, sBase: usize, ways: u32, rows: usize, blocks: usize, rowTab: usize, colTab: usize,
  mode: i32, p: i32, q: i32, k: i32, withBins: bool,
): void {
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
      if (withBins) bump(cBase, sBase, <u32>j & ways, bin, d);
      if (rows) {
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
}
