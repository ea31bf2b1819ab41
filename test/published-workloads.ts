import type { DTypeName } from '../server/onnx/dtypes';
import type { WorkLayer, WorkOther, Workload } from '../server/estimate/workload';

/**
 * Workloads of the networks behind published sparsity measurements, rebuilt from their layer
 * shapes (no ONNX file needed: the estimator works on layers). Shapes: BERT (Devlin et al. 2019:
 * hidden H, 4H FFN, 64-dim heads), AlexNet (Krizhevsky et al. 2012), Numenta's GSC network
 * (nupic.torch GSCSparseCNN, Ahmad & Scheinkman 2019).
 */
const BYTES: Partial<Record<DTypeName, number>> = { float16: 2, float32: 4, int8: 1 };

export interface Sparsity {
  weightDensity?: number;
  activationDensity?: number;
  nmReady?: string[];
}

function linear(name: string, tokens: number, k: number, n: number, dtype: DTypeName, s: Sparsity): WorkLayer {
  const e = BYTES[dtype]!;
  return {
    name, macs: tokens * k * n, weightBytes: k * n * e, activationBytes: tokens * (k + n) * e, dtype,
    weightDensity: s.weightDensity ?? 1, rowsKept: 1, kKept: 1, nmReady: s.nmReady ?? [], blockDensity: {},
    activationDensity: s.activationDensity ?? 1,
  };
}

/**
 * A BERT encoder as PyTorch eager runs it: per layer separate Q, K, V and output projections and
 * the two FFN GEMMs (the weights sparsity applies to), the attention BMMs (activation x
 * activation, dense), and the memory-bound ops between them (mask+softmax, head permutes,
 * residual adds, LayerNorms, GELU), each counted as the bytes it reads and writes.
 */
export function bert(o: { layers: number; hidden: number; batch: number; seq: number; dtype: DTypeName }, s: Sparsity): Workload {
  const { layers: L, hidden: H, batch: b, seq, dtype } = o;
  const e = BYTES[dtype]!;
  const T = b * seq;
  const heads = H / 64;
  const scores = b * heads * seq * seq;
  const layers: WorkLayer[] = [];
  const others: WorkOther[] = [];
  for (let l = 0; l < L; l++) {
    for (const p of ['query', 'key', 'value', 'output']) layers.push(linear(`layer${l}.${p}`, T, H, H, dtype, s));
    layers.push(linear(`layer${l}.ffn1`, T, H, 4 * H, dtype, s), linear(`layer${l}.ffn2`, T, 4 * H, H, dtype, s));
    others.push(
      { name: `layer${l}.qk`, macs: scores * 64, bytes: (2 * T * H + scores) * e },
      { name: `layer${l}.softmax`, macs: 0, bytes: 4 * scores * e },
      { name: `layer${l}.pv`, macs: scores * 64, bytes: (scores + 2 * T * H) * e },
      { name: `layer${l}.permutes`, macs: 0, bytes: 8 * T * H * e },
      { name: `layer${l}.add_norm`, macs: 0, bytes: 14 * T * H * e },
      { name: `layer${l}.gelu`, macs: 0, bytes: 2 * T * 4 * H * e },
    );
  }
  return { layers, others, assumptions: [] };
}

/** One GEMM, M x K by K x N. */
export function gemm(m: number, k: number, n: number, dtype: DTypeName, s: Sparsity): Workload {
  return { layers: [linear('gemm', m, k, n, dtype, s)], others: [], assumptions: [] };
}

function conv(name: string, cout: number, cinPerGroup: number, k: number, out: number, dtype: DTypeName, s: Sparsity): WorkLayer {
  const e = BYTES[dtype]!;
  return {
    name, macs: cout * out * out * cinPerGroup * k * k, weightBytes: cout * cinPerGroup * k * k * e,
    activationBytes: (cinPerGroup * out * out + cout * out * out) * e, dtype,
    weightDensity: s.weightDensity ?? 1, rowsKept: 1, kKept: 1, nmReady: [], blockDensity: {}, activationDensity: s.activationDensity ?? 1,
  };
}

/** AlexNet's five conv layers (groups of 2 in conv2, conv4, conv5), batch 1. */
export function alexnetConvs(dtype: DTypeName, s: Sparsity): Workload {
  return {
    layers: [
      conv('conv1', 96, 3, 11, 55, dtype, s), conv('conv2', 256, 48, 5, 27, dtype, s), conv('conv3', 384, 256, 3, 13, dtype, s),
      conv('conv4', 384, 192, 3, 13, dtype, s), conv('conv5', 256, 192, 3, 13, dtype, s),
    ],
    others: [],
    assumptions: [],
  };
}

/** Numenta's Google Speech Commands network: two 5x5 convs of 64 channels on 32x32, 1600 -> 1000 -> 12. */
export function gsc(dtype: DTypeName, s: Sparsity): Workload {
  return {
    layers: [
      conv('cnn1', 64, 1, 5, 28, dtype, s), conv('cnn2', 64, 64, 5, 10, dtype, s),
      linear('linear', 1, 1600, 1000, dtype, s), linear('output', 1, 1000, 12, dtype, s),
    ],
    others: [],
    assumptions: [],
  };
}
