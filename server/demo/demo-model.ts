import { ModelBuilder } from '../onnx/builder';
import { gaussian, rng } from '../random';

/**
 * The demo: a small CNN + MLP whose layers were pruned in known ways, so a first report shows
 * every kind of sparsity the tool measures.
 * - conv1 [16,3,3,3]: dense.
 * - conv2 [32,16,3,3]: 2:4 along input channels at each kernel position (2:4-ready).
 * - conv3 [32,1,3,3] depthwise: channels 0, 8, 16, 24 removed (4 zero rows).
 * - fc1 Gemm [64,32] (transB=1): 90% unstructured, smallest magnitudes removed.
 * - fc2 MatMul [64,10]: 4x4 blocks of the GEMM view zeroed where (block row + block col) is odd.
 */
export function buildDemoModel(): ModelBuilder {
  const rand = rng(2024);
  const b = new ModelBuilder({ producer: 'onnx-sparsity demo', graphName: 'demo_cnn_mlp' });
  const g = b.main;
  g.input('image', 'float32', [1, 3, 32, 32]).output('logits', 'float32', [1, 10]);

  const conv1 = gaussian(16 * 3 * 9, 0.2, rand);
  const conv2 = gaussian(32 * 16 * 9, 0.1, rand);
  // 2:4 along Cin at each (cout, kh, kw): of channels c..c+3 keep the two largest |w|.
  for (let co = 0; co < 32; co++)
    for (let s = 0; s < 9; s++)
      for (let c0 = 0; c0 < 16; c0 += 4) {
        const idx = [0, 1, 2, 3].map((j) => (co * 16 + c0 + j) * 9 + s);
        idx.sort((x, y) => Math.abs(conv2[x]) - Math.abs(conv2[y]));
        conv2[idx[0]] = 0;
        conv2[idx[1]] = 0;
      }
  const conv3 = gaussian(32 * 9, 0.3, rand);
  for (const c of [0, 8, 16, 24]) conv3.fill(0, c * 9, c * 9 + 9);
  const fc1 = gaussian(64 * 32, 0.1, rand);
  const cut = Float32Array.from(fc1, Math.abs).sort()[Math.floor(fc1.length * 0.9)];
  for (let i = 0; i < fc1.length; i++) if (Math.abs(fc1[i]) < cut) fc1[i] = 0;
  const fc2 = gaussian(64 * 10, 0.1, rand);
  // MatMul B is [K=64, N=10]; its GEMM view is [N][K]: block (n/4, k/4).
  for (let k = 0; k < 64; k++) for (let n = 0; n < 10; n++) if (((k >> 2) + (n >> 2)) % 2) fc2[k * 10 + n] = 0;

  const f32 = (dims: number[], values: Float32Array) => ({ dtype: 'float32' as const, dims, values });
  g.initializer('conv1.weight', f32([16, 3, 3, 3], conv1))
    .initializer('conv1.bias', f32([16], gaussian(16, 0.01, rand)))
    .initializer('conv2.weight', f32([32, 16, 3, 3], conv2))
    .initializer('conv3.weight', f32([32, 1, 3, 3], conv3))
    .initializer('fc1.weight', f32([64, 32], fc1))
    .initializer('fc1.bias', f32([64], gaussian(64, 0.01, rand)))
    .initializer('fc2.weight', f32([64, 10], fc2))
    .initializer('flat_shape', { dtype: 'int64', dims: [2], values: [1, 32] });
  g.node('Conv', ['image', 'conv1.weight', 'conv1.bias'], ['c1'], { pads: [1, 1, 1, 1] }, 'conv1')
    .node('Relu', ['c1'], ['r1'], {}, 'relu1')
    .node('Conv', ['r1', 'conv2.weight'], ['c2'], { pads: [1, 1, 1, 1], strides: [2, 2] }, 'conv2')
    .node('Relu', ['c2'], ['r2'], {}, 'relu2')
    .node('Conv', ['r2', 'conv3.weight'], ['c3'], { pads: [1, 1, 1, 1], group: 32 }, 'conv3_depthwise')
    .node('Relu', ['c3'], ['r3'], {}, 'relu3')
    .node('GlobalAveragePool', ['r3'], ['pooled'], {}, 'pool')
    .node('Reshape', ['pooled', 'flat_shape'], ['flat'], {}, 'flatten')
    .node('Gemm', ['flat', 'fc1.weight', 'fc1.bias'], ['h'], { transB: 1 }, 'fc1')
    .node('Relu', ['h'], ['hr'], {}, 'relu4')
    .node('MatMul', ['hr', 'fc2.weight'], ['logits'], {}, 'fc2');
  return b;
}
