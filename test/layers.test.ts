import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelBuilder } from '../server/onnx/builder';
import { analyzeBuilt, at, layer } from './helpers';

/** A rows x cols matrix (row-major) from a function of (r, c). */
function matrix(rows: number, cols: number, f: (r: number, c: number) => number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out.push(f(r, c));
  return out;
}

function transpose(m: number[], rows: number, cols: number): number[] {
  return matrix(cols, rows, (r, c) => m[at(c, r, cols)]);
}

/** W [N=4, K=8] as Gemm(transB=1) sees it: in every group of 4 along K, elements 1 and 2 are zero (exactly 2:4). */
const twoFour = matrix(4, 8, (r, c) => (c % 4 === 1 || c % 4 === 2 ? 0 : 1 + r + c));
/** The same with one bad group: row 3, K 4..7 has three nonzeros. */
const almost = twoFour.map((v, i) => (i === at(3, 5, 8) ? 9 : v));

function gemm(w: number[], dims: number[], transB: 0 | 1): ModelBuilder {
  const b = new ModelBuilder();
  b.main.input('x', 'float32', [1, 8]).output('y', 'float32', [1, 4]);
  b.main.initializer('W', { dtype: 'float32', dims, values: w });
  b.main.node('Gemm', ['x', 'W'], ['y'], { transB }, 'fc');
  return b;
}

describe('GEMM views and N:M', () => {
  it('Gemm transB=1 with an exactly 2:4 weight is 2:4-ready, 1:4 not, 4:8 ready', async () => {
    const l = layer(await analyzeBuilt(gemm(twoFour, [4, 8], 1)), 'fc');
    assert.deepEqual(l.gemm, { rows: 4, k: 8, groups: 1, kernelPositions: 1 });
    assert.equal(l.nm['2:4'].groupShare, 1);
    assert.equal(l.nm['2:4'].ready, true);
    assert.equal(l.nm['2:4'].l1Kept, 1);
    assert.equal(l.nm['1:4'].groupShare, 0);
    assert.equal(l.nm['1:4'].ready, false);
    assert.equal(l.nm['4:8'].ready, true);
  });

  it('one group with three nonzeros makes the layer 7/8 compliant and not ready', async () => {
    const l = layer(await analyzeBuilt(gemm(almost, [4, 8], 1)), 'fc');
    assert.equal(l.nm['2:4'].groupShare, 7 / 8);
    assert.equal(l.nm['2:4'].ready, false);
  });

  it('Gemm transB=0 stores the same weight as [K, N] and gets the same figures', async () => {
    const l = layer(await analyzeBuilt(gemm(transpose(almost, 4, 8), [8, 4], 0)), 'fc');
    assert.deepEqual(l.gemm, { rows: 4, k: 8, groups: 1, kernelPositions: 1 });
    assert.equal(l.nm['2:4'].groupShare, 7 / 8);
  });

  it('MatMul B [K, N] and MatMul through Transpose of [N, K] agree with Gemm', async () => {
    const b = new ModelBuilder();
    b.main.initializer('B', { dtype: 'float32', dims: [8, 4], values: transpose(almost, 4, 8) });
    b.main.initializer('Bt', { dtype: 'float32', dims: [4, 8], values: almost });
    b.main.node('MatMul', ['x', 'B'], ['y1'], {}, 'mm');
    b.main.node('Transpose', ['Bt'], ['BtT'], { perm: [1, 0] }, 'tr');
    b.main.node('MatMul', ['x', 'BtT'], ['y2'], {}, 'mm_t');
    const r = await analyzeBuilt(b);
    for (const name of ['mm', 'mm_t']) {
      const l = layer(r, name);
      assert.deepEqual(l.gemm, { rows: 4, k: 8, groups: 1, kernelPositions: 1 }, name);
      assert.equal(l.nm['2:4'].groupShare, 7 / 8, name);
    }
  });

  it('a K that is not a multiple of M is never ready, even when every group complies', async () => {
    const l = layer(await analyzeBuilt(gemm(matrix(4, 6, (r, c) => (c % 2 ? 1 : 0)), [4, 6], 1)), 'fc');
    assert.equal(l.nm['2:4'].groupShare, 1);
    assert.equal(l.nm['2:4'].ready, false);
  });

  it('magnitude kept if pruned to 2:4 keeps the two largest |w| of every group', async () => {
    const w = [1, 2, 3, 4, -8, 0.5, 0.25, 7];
    const l = layer(await analyzeBuilt(gemm(w, [1, 8], 1)), 'fc');
    const l1 = 1 + 2 + 3 + 4 + 8 + 0.5 + 0.25 + 7;
    const l2 = 1 + 4 + 9 + 16 + 64 + 0.25 + 0.0625 + 49;
    assert.ok(Math.abs(l.nm['2:4'].l1Kept! - (4 + 3 + 8 + 7) / l1) < 1e-12);
    assert.ok(Math.abs(l.nm['2:4'].l2Kept! - (16 + 9 + 64 + 49) / l2) < 1e-12);
    assert.ok(Math.abs(l.nm['1:4'].l1Kept! - (4 + 8) / l1) < 1e-12);
    assert.ok(Math.abs(l.nm['4:8'].l1Kept! - (8 + 7 + 4 + 3) / l1) < 1e-12);
  });
});

describe('convolutions', () => {
  it('groups N:M along input channels at each kernel position (channel-last), not along memory order', async () => {
    // W [Cout=2, Cin=4, 1, 2]: at both kernel positions channels 0 and 1 are zero. In memory
    // ([c][s]) the first four values are all zero and the next four dense: memory-order groups
    // would be 50% compliant; channel-last groups (c0..c3 at one s) are all exactly 2:4.
    const w = matrix(2, 8, (co, i) => (Math.floor(i / 2) < 2 ? 0 : 1 + co + i));
    const b = new ModelBuilder();
    b.main.initializer('W', { dtype: 'float32', dims: [2, 4, 1, 2], values: w });
    b.main.node('Conv', ['x', 'W'], ['y'], {}, 'conv');
    const l = layer(await analyzeBuilt(b), 'conv');
    assert.deepEqual(l.gemm, { rows: 2, k: 8, groups: 1, kernelPositions: 2 });
    assert.equal(l.nm['2:4'].groupShare, 1);
    assert.equal(l.nm['2:4'].ready, true);
    assert.equal(l.zeroInputChannels, 2);
    assert.equal(l.inputChannels, 4);
    assert.equal(l.zeroCols, 4);
  });

  it('finds zero output channels, zero input channels and zero K columns', async () => {
    // W [4, 3, 3, 3]: output channel 2 and input channel 1 are removed.
    const w = matrix(4, 27, (co, i) => (co === 2 || Math.floor(i / 9) === 1 ? 0 : 0.1 * (1 + i)));
    const b = new ModelBuilder();
    b.main.initializer('W', { dtype: 'float32', dims: [4, 3, 3, 3], values: w });
    b.main.node('Conv', ['x', 'W'], ['y'], {}, 'conv');
    const l = layer(await analyzeBuilt(b), 'conv');
    assert.equal(l.zeroRows, 1);
    assert.equal(l.zeroInputChannels, 1);
    assert.equal(l.zeroCols, 9);
    assert.equal(l.zeros, 27 + 3 * 9);
  });

  it('counts zero input channels per group in a grouped Conv', async () => {
    // W [4, 2, 3, 3], group 2: rows 0-1 read channels 0-1, rows 2-3 read channels 2-3.
    // Channel 1 is zero for rows 0 and 1 (group 0); row 3 is zero but row 2 is dense.
    const w = matrix(4, 18, (co, i) => ((co < 2 && Math.floor(i / 9) === 1) || co === 3 ? 0 : 1));
    const b = new ModelBuilder();
    b.main.initializer('W', { dtype: 'float32', dims: [4, 2, 3, 3], values: w });
    b.main.node('Conv', ['x', 'W'], ['y'], { group: 2 }, 'gconv');
    const l = layer(await analyzeBuilt(b), 'gconv');
    assert.deepEqual(l.gemm, { rows: 4, k: 18, groups: 2, kernelPositions: 9 });
    assert.equal(l.zeroRows, 1);
    assert.equal(l.zeroInputChannels, 1);
    assert.equal(l.inputChannels, 4);
    assert.equal(l.zeroCols, 0);
  });

  it('views ConvTranspose W [Cin, Cout/g, k] with rows = output channels and K over input channels', async () => {
    // W [Cin=4, Cout=2, 1, 1]: input channels 1 and 2 are zero for output channel 0 only.
    const w = matrix(4, 2, (ci, co) => (co === 0 && (ci === 1 || ci === 2) ? 0 : 1));
    const b = new ModelBuilder();
    b.main.initializer('W', { dtype: 'float32', dims: [4, 2, 1, 1], values: w });
    b.main.node('ConvTranspose', ['x', 'W'], ['y'], {}, 'deconv');
    const l = layer(await analyzeBuilt(b), 'deconv');
    assert.deepEqual(l.gemm, { rows: 2, k: 4, groups: 1, kernelPositions: 1 });
    assert.equal(l.nm['2:4'].groupShare, 1 / 2);
    assert.equal(l.zeroInputChannels, 0);
  });
});

describe('blocks', () => {
  it('shares of all-zero blocks on the GEMM view, edge blocks included', async () => {
    // W [8, 8] (Gemm transB=1): 4x4 blocks (0,0) and (1,1) are zero.
    const w = matrix(8, 8, (r, c) => ((r < 4) === (c < 4) ? 0 : 1));
    const l = layer(await analyzeBuilt(gemm(w, [8, 8], 1), { blocks: ['4x4', '8x8', '1x4', '4x1', '16x16', '2x3'] }), 'fc');
    assert.equal(l.blocks['4x4'], 0.5);
    assert.equal(l.blocks['8x8'], 0);
    assert.equal(l.blocks['1x4'], 0.5);
    assert.equal(l.blocks['4x1'], 0.5);
    assert.equal(l.blocks['16x16'], 0);
    // 2x3 blocks: 4 row bands x 3 column blocks (cols 0-2, 3-5, 6-7). Zero: band 0-1 cols 0-2, band 2-3 cols 0-2,
    // band 4-5 cols 6-7, band 6-7 cols 6-7.
    assert.equal(l.blocks['2x3'], 4 / 12);
  });

  it('an edge block counts as a block', async () => {
    // W [6, 6]: only the bottom-right 2x2 corner is zero, which is the whole edge block (1,1) of 4x4.
    const w = matrix(6, 6, (r, c) => (r >= 4 && c >= 4 ? 0 : 1));
    const l = layer(await analyzeBuilt(gemm(w, [6, 6], 1), { blocks: ['4x4'] }), 'fc');
    assert.equal(l.blocks['4x4'], 1 / 4);
  });
});

describe('the sparsity heatmap', () => {
  it('downsamples the GEMM view into cells of nonzero density', async () => {
    // W [8, 8] (Gemm transB=1): rows 0-3 zero in columns 0-3 -> a 8x8 grid where that quadrant is 0.
    const w = matrix(8, 8, (r, c) => (r < 4 && c < 4 ? 0 : 1));
    const h = layer(await analyzeBuilt(gemm(w, [8, 8], 1)), 'fc').heatmap!;
    assert.deepEqual([h.rows, h.cols], [8, 8]);
    const cells = Buffer.from(h.density, 'base64');
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) assert.equal(cells[r * 8 + c], r < 4 && c < 4 ? 0 : 255, `${r},${c}`);
  });

  it('averages many weights into each cell of a large layer', async () => {
    // W [64, 64]: every other column zero -> 32 x 32 cells of 2 x 2 weights, each half dense.
    const w = matrix(64, 64, (_r, c) => (c % 2 ? 0 : 1));
    const h = layer(await analyzeBuilt(gemm(w, [64, 64], 1)), 'fc').heatmap!;
    assert.deepEqual([h.rows, h.cols], [32, 32]);
    assert.ok([...Buffer.from(h.density, 'base64')].every((d) => d === 128));
  });
});
