import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DTypeName } from '../server/onnx/dtypes';
import type { GraphScope, NodeRef } from '../server/onnx/graph';
import { parseEinsum } from '../server/analysis/cost/einsum';
import { convOutputSpatial } from '../server/analysis/cost/layer-macs';
import { opCost } from '../server/analysis/cost/macs';
import { nodeAttrs, type NodeAttrs, type TensorShape } from '../server/analysis/cost/node-attrs';

const t = (dims: number[], dtype: DTypeName = 'float32'): TensorShape => ({ dims, dtype });

/** NodeAttrs from a plain object: numbers are ints, arrays ints, strings strings. */
function attrs(a: Record<string, number | number[] | string> = {}): NodeAttrs {
  return {
    int: (n, fallback) => (typeof a[n] === 'number' ? (a[n] as number) : fallback),
    ints: (n) => (Array.isArray(a[n]) ? (a[n] as number[]) : undefined),
    string: (n) => (typeof a[n] === 'string' ? (a[n] as string) : undefined),
  };
}

const macs = (op: string, a: NodeAttrs, inputs: (TensorShape | undefined)[], outputs: (TensorShape | undefined)[] = []): number =>
  opCost(op, '', a, inputs, outputs).macs;

describe('convOutputSpatial follows the ONNX Conv shape rules', () => {
  const cases: [string, number[], number[], number[] | undefined, number[] | undefined, number[] | undefined, string | undefined, number[] | undefined][] = [
    // name, in, kernel, strides, dilations, pads, auto_pad, expected
    ['no padding', [32, 32], [3, 3], undefined, undefined, undefined, undefined, [30, 30]], // 32 - 3 + 1
    ['stride 2, pads 1', [10], [3], [2], undefined, [1, 1], 'NOTSET', [5]], // floor((10 + 2 - 3) / 2) + 1 = 4 + 1
    ['rounds down: Conv has no ceil_mode', [6], [3], [2], undefined, undefined, undefined, [2]], // floor(3 / 2) + 1 = 2, not 3
    ['asymmetric pads [b0, b1, e0, e1]', [10, 6], [3, 2], undefined, undefined, [0, 1, 2, 0], 'NOTSET', [10, 6]], // 10+0+2-3+1, 6+1+0-2+1
    ['dilation 2', [9], [3], undefined, [2], undefined, undefined, [5]], // span (3-1)*2+1 = 5; 9 - 5 + 1
    ['SAME_UPPER', [7], [3], [2], undefined, undefined, 'SAME_UPPER', [4]], // ceil(7 / 2)
    ['SAME_LOWER ignores kernel and dilation', [9, 9], [3, 3], [2, 2], [2, 2], undefined, 'SAME_LOWER', [5, 5]], // ceil(9 / 2)
    ['SAME_UPPER stride 1 keeps the size', [13], [4], undefined, undefined, undefined, 'SAME_UPPER', [13]],
    ['VALID', [7], [3], [2], undefined, undefined, 'VALID', [3]], // floor((7 - 3) / 2) + 1 = 3 = ceil((7 - 3 + 1) / 2)
    ['VALID ignores pads', [8], [3], [3], undefined, [5, 5], 'VALID', [2]], // floor((8 - 3) / 3) + 1
    ['VALID with dilation', [10], [3], [2], [3], undefined, 'VALID', [2]], // span 7; floor(3 / 2) + 1
    ['3-D', [8, 8, 8], [3, 3, 3], undefined, undefined, [1, 1, 1, 1, 1, 1], undefined, [8, 8, 8]], // 8 + 2 - 3 + 1
    ['kernel larger than the input', [2], [3], undefined, undefined, undefined, 'VALID', undefined],
    ['kernel rank disagrees', [8, 8], [3], undefined, undefined, undefined, undefined, undefined],
    ['pads of the wrong length', [8, 8], [3, 3], undefined, undefined, [1, 1], undefined, undefined],
    ['unknown auto_pad', [8], [3], undefined, undefined, undefined, 'SAME', undefined],
  ];
  for (const [name, input, kernel, strides, dilations, pads, autoPad, expected] of cases)
    it(name, () => assert.deepEqual(convOutputSpatial(input, kernel, strides, dilations, pads, autoPad), expected));
});

describe('Conv MACs are batch x Cout x prod(out spatial) x Cin/g x prod(k)', () => {
  const cases: { name: string; a: Record<string, number | number[] | string>; x: number[]; w: number[]; y: number[]; macs: number }[] = [
    // 1 x 16 x 30*30 x 3*9 = 16 x 900 x 27
    { name: 'plain 3x3', a: {}, x: [1, 3, 32, 32], w: [16, 3, 3, 3], y: [1, 16, 30, 30], macs: 388_800 },
    // 2 x 32 x 56*56 x 1*9 = 64 x 3136 x 9
    { name: 'depthwise, pads 1', a: { group: 32, pads: [1, 1, 1, 1] }, x: [2, 32, 56, 56], w: [32, 1, 3, 3], y: [2, 32, 56, 56], macs: 1_806_336 },
    // out floor((10 + 2 - 3) / 2) + 1 = 5; 1 x 16 x 25 x 2*9
    { name: 'group 4, stride 2', a: { group: 4, strides: [2, 2], pads: [1, 1, 1, 1] }, x: [1, 8, 10, 10], w: [16, 2, 3, 3], y: [1, 16, 5, 5], macs: 7_200 },
    // span 5, out 9 - 5 + 1 = 5; 1 x 6 x 25 x 4*9
    { name: 'dilation 2', a: { dilations: [2, 2] }, x: [1, 4, 9, 9], w: [6, 4, 3, 3], y: [1, 6, 5, 5], macs: 5_400 },
    // out ceil(7 / 2) = 4; 1 x 8 x 16 x 3*9
    { name: 'SAME_UPPER stride 2', a: { strides: [2, 2], auto_pad: 'SAME_UPPER' }, x: [1, 3, 7, 7], w: [8, 3, 3, 3], y: [1, 8, 4, 4], macs: 3_456 },
    // out ceil(7 / 2) = 4; 1 x 8 x 16 x 3*9
    { name: 'SAME_LOWER stride 2', a: { strides: [2, 2], auto_pad: 'SAME_LOWER' }, x: [1, 3, 7, 7], w: [8, 3, 3, 3], y: [1, 8, 4, 4], macs: 3_456 },
    // out floor((7 - 3) / 2) + 1 = 3; 1 x 8 x 9 x 3*9
    { name: 'VALID stride 2', a: { strides: [2, 2], auto_pad: 'VALID' }, x: [1, 3, 7, 7], w: [8, 3, 3, 3], y: [1, 8, 3, 3], macs: 1_944 },
    // out 100 + 4 - 5 + 1 = 100; 4 x 32 x 100 x 16*5 = 12800 x 80
    { name: '1-D', a: { pads: [2, 2] }, x: [4, 16, 100], w: [32, 16, 5], y: [4, 32, 100], macs: 1_024_000 },
    // out 8; 1 x 4 x 512 x 2*27 = 2048 x 54
    { name: '3-D', a: { pads: [1, 1, 1, 1, 1, 1] }, x: [1, 2, 8, 8, 8], w: [4, 2, 3, 3, 3], y: [1, 4, 8, 8, 8], macs: 110_592 },
  ];
  for (const c of cases) {
    it(`${c.name}, from the run's output shape`, () => assert.equal(macs('Conv', attrs(c.a), [t(c.x), t(c.w)], [t(c.y)]), c.macs));
    it(`${c.name}, from the attributes when the output shape is unknown`, () =>
      assert.equal(macs('Conv', attrs(c.a), [t(c.x), t(c.w)], [undefined]), c.macs));
  }

  it('QLinearConv takes W from input 3 and ConvInteger from input 1', () => {
    // 1 x 4 x 6*6 x 3*9 = 4 x 36 x 27
    const x = t([1, 3, 8, 8], 'uint8'), w = t([4, 3, 3, 3], 'int8'), y = t([1, 4, 6, 6], 'uint8');
    const scalar = t([], 'float32'), zp = t([], 'uint8');
    assert.equal(macs('QLinearConv', attrs(), [x, scalar, zp, w, t([4]), t([4], 'int8'), scalar, zp], [y]), 3_888);
    assert.equal(macs('ConvInteger', attrs(), [x, w, zp, t([4], 'int8')], [t([1, 4, 6, 6], 'int32')]), 3_888);
  });
});

describe('ConvTranspose MACs are batch x Cin x prod(in spatial) x Cout/g x prod(k)', () => {
  it('with groups: W [Cin 8, Cout/g 3, 4, 4], group 2', () => {
    // out (5 - 1) * 2 + 4 = 12; 1 x 8 x 25 x 3*16 = 200 x 48
    const a = attrs({ group: 2, strides: [2, 2] });
    assert.equal(macs('ConvTranspose', a, [t([1, 8, 5, 5]), t([8, 3, 4, 4])], [t([1, 6, 12, 12])]), 9_600);
    assert.equal(macs('ConvTranspose', a, [t([1, 8, 5, 5]), t([8, 3, 4, 4])], [undefined]), 9_600);
  });
  it('without groups, batch 2', () => {
    // out (3 - 1) + 2 = 4; 2 x 4 x 9 x 2*4 = 72 x 8
    assert.equal(macs('ConvTranspose', attrs(), [t([2, 4, 3, 3]), t([4, 2, 2, 2])], [t([2, 2, 4, 4])]), 576);
  });
  it('1-D and 3-D', () => {
    // 1 x 3 x 10 x 5*3 = 450
    assert.equal(macs('ConvTranspose', attrs(), [t([1, 3, 10]), t([3, 5, 3])], [t([1, 5, 12])]), 450);
    // 1 x 2 x 27 x 2*8 = 864
    assert.equal(macs('ConvTranspose', attrs(), [t([1, 2, 3, 3, 3]), t([2, 2, 2, 2, 2])], [t([1, 2, 4, 4, 4])]), 864);
  });
});

describe('Gemm MACs are M x N x K', () => {
  // M 3, K 5, N 7: 3 x 7 x 5 = 105 in every layout
  const cases: [number, number, number[], number[]][] = [
    [0, 0, [3, 5], [5, 7]],
    [1, 0, [5, 3], [5, 7]],
    [0, 1, [3, 5], [7, 5]],
    [1, 1, [5, 3], [7, 5]],
  ];
  for (const [transA, transB, a, b] of cases)
    it(`transA=${transA} transB=${transB}: A [${a}] B [${b}]`, () =>
      assert.equal(macs('Gemm', attrs({ transA, transB }), [t(a), t(b), t([7])], [t([3, 7])]), 105));
  it('takes M from the output when A is unknown', () =>
    assert.equal(macs('Gemm', attrs({ transB: 1 }), [undefined, t([7, 5])], [t([3, 7])]), 105));
});

describe('MatMul MACs follow numpy matmul: prod(broadcast batch) x M x N x K', () => {
  const cases: [string, number[], number[], number][] = [
    ['1-D x 2-D', [5], [5, 6], 30], // [1,5] x [5,6]: 1 x 6 x 5
    ['2-D x 1-D', [4, 5], [5], 20], // [4,5] x [5,1]: 4 x 1 x 5
    ['1-D x 1-D (dot)', [5], [5], 5],
    ['broadcast [2,1,4,5] x [3,5,6] -> [2,3,4,6]', [2, 1, 4, 5], [3, 5, 6], 720], // batch 2*3 = 6; 6 x 4 x 6 x 5
    ['2-D x batched', [4, 5], [2, 5, 6], 240], // 2 x 4 x 6 x 5
    ['batched x 1-D', [2, 3, 4, 5], [5], 120], // 6 x 4 x 1 x 5
    ['K mismatch is unknown', [4, 5], [6, 7], 0],
    ['batch dims that do not broadcast are unknown', [2, 4, 5], [3, 5, 6], 0],
  ];
  for (const [name, a, b, expected] of cases) it(name, () => assert.equal(macs('MatMul', attrs(), [t(a), t(b)]), expected));

  it('MatMulInteger takes inputs 0 and 1, QLinearMatMul inputs 0 and 3', () => {
    // 2 x 4 x 6 x 5
    assert.equal(macs('MatMulInteger', attrs(), [t([2, 4, 5], 'uint8'), t([5, 6], 'int8'), t([], 'uint8'), t([6], 'int8')]), 240);
    // 3 x 5 x 4
    const s = t([]), zp = t([], 'uint8');
    assert.equal(macs('QLinearMatMul', attrs(), [t([3, 4], 'uint8'), s, zp, t([4, 5], 'uint8'), s, zp, s, zp]), 60);
  });
});

describe('Einsum MACs are the product of every index letter size (two or more operands)', () => {
  const cases: [string, number[][], number][] = [
    ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]], 120], // 2*3*4*5
    ['ij,jk', [[3, 4], [4, 5]], 60], // implicit: output ik; 3*4*5
    ['bhqd,bhkd->bhqk', [[2, 8, 10, 64], [2, 8, 12, 64]], 122_880], // 2*8*10*12*64
    [' ij , jk -> ik ', [[3, 4], [4, 5]], 60], // spaces are ignored
    ['bij,bjk->bik', [[1, 3, 4], [2, 4, 5]], 120], // b is 1 in A and broadcasts to 2
    ['ij,jk,kl->il', [[2, 3], [3, 4], [4, 5]], 120], // three operands: one MAC per term, 2*3*4*5
    ['ij->ji', [[3, 4]], 0], // one operand: a transpose
    ['...ij,...jk', [[2, 3, 4], [2, 4, 5]], 0], // ellipsis: unknown
    ['ij,jk', [[3, 4], [5, 6]], 0], // j is 4 and 5: inconsistent
    ['ij,jk', [[3, 4], [4, 5, 6]], 0], // rank 3 for a 2-letter term
    ['ij,jk->iz', [[3, 4], [4, 5]], 0], // output letter in no input: malformed
  ];
  for (const [eq, dims, expected] of cases)
    it(`'${eq}' on ${JSON.stringify(dims)}`, () =>
      assert.equal(macs('Einsum', attrs({ equation: eq }), dims.map((d) => t(d))), expected));

  it('the implicit output is the letters used once, in ASCII order', () => {
    assert.deepEqual(parseEinsum('ij,jk'), { inputs: ['ij', 'jk'], output: 'ik', explicit: false });
    assert.equal(parseEinsum('ba,cb')?.output, 'ac');
    assert.equal(parseEinsum('bA,cb')?.output, 'Ac');
    assert.equal(parseEinsum('ii')?.output, '');
    assert.equal(parseEinsum('...ij,...jk'), undefined);
  });
});

describe('bytes and output elements', () => {
  it('count every dtype at its width, 4-bit as half a byte, skipping absent inputs', () => {
    // f16 [2,3] 6 x 2 = 12; int8 [4,4] 16; int4 [3,3] 9 x 0.5 = 4.5; uint4 [5] 2.5; out f32 [2,2] 16; bool [5] 5
    const c = opCost('Custom', '', attrs(), [t([2, 3], 'float16'), undefined, t([4, 4], 'int8'), t([3, 3], 'int4'), t([5], 'uint4')],
      [t([2, 2], 'float32'), t([5], 'bool')]);
    assert.deepEqual(c, { macs: 0, bytes: 12 + 16 + 4.5 + 2.5 + 16 + 5, outputElements: 9 });
  });
  it('count weights, scales and zero points of a quantized layer', () => {
    // X 192 + x_scale 4 + x_zp 1 + W 4*3*9 = 108 + w_scale 16 + w_zp 4 + y_scale 4 + y_zp 1 + Y 4*36 = 144
    const s = t([]), zp = t([], 'uint8');
    const c = opCost('QLinearConv', '', attrs(), [t([1, 3, 8, 8], 'uint8'), s, zp, t([4, 3, 3, 3], 'int8'), t([4]), t([4], 'int8'), s, zp],
      [t([1, 4, 6, 6], 'uint8')]);
    assert.deepEqual(c, { macs: 3_888, bytes: 474, outputElements: 144 });
  });
  it('a scalar is one element', () => assert.equal(opCost('Identity', '', attrs(), [t([], 'int64')], [t([], 'int64')]).bytes, 16));
  it('unknown shapes and unresolved dims count what is known, never NaN', () => {
    // only W [8,3,3,3] f32 is known: 216 x 4 bytes
    assert.deepEqual(opCost('Conv', '', attrs(), [undefined, t([8, 3, 3, 3])], [t([-1, 8, 5, 5])]), { macs: 0, bytes: 864, outputElements: 0 });
    assert.deepEqual(opCost('MatMul', '', attrs(), [], []), { macs: 0, bytes: 0, outputElements: 0 });
    assert.deepEqual(opCost('Gemm', '', attrs(), [t([3, Number.NaN]), t([5, 7])], [undefined]), { macs: 0, bytes: 140, outputElements: 0 });
  });
  it('ops of other domains get no MACs', () =>
    assert.equal(opCost('Conv', 'com.example', attrs(), [t([1, 3, 32, 32]), t([16, 3, 3, 3])], [t([1, 16, 30, 30])]).macs, 0));
});

describe('nodeAttrs', () => {
  it("reads a node's int, ints and string attributes", () => {
    const scope: GraphScope = { path: 'main', kind: 'main', constants: new Map(), producers: new Map(), nodes: [] };
    const node: NodeRef = {
      name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], scope,
      proto: {
        opType: 'Conv',
        attribute: [{ name: 'group', i: 2 }, { name: 'strides', ints: [2, 2] }, { name: 'auto_pad', s: new TextEncoder().encode('SAME_UPPER') }],
      },
    };
    const a = nodeAttrs(node);
    assert.equal(a.int('group', 1), 2);
    assert.equal(a.int('transA', 0), 0);
    assert.deepEqual(a.ints('strides'), [2, 2]);
    assert.equal(a.ints('pads'), undefined);
    assert.equal(a.string('auto_pad'), 'SAME_UPPER');
    assert.equal(a.string('equation'), undefined);
    // out ceil(7 / 2) = 4; 1 x 6 x 16 x 2*9
    assert.equal(opCost('Conv', '', a, [t([1, 4, 7, 7]), t([6, 2, 3, 3])], [undefined]).macs, 1_728);
  });
});
