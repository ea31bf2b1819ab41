import type { DTypeName } from '../server/onnx/dtypes';
import type { WorkLayer, WorkOther, Workload } from '../server/estimate/workload';

/**
 * Workloads of the networks behind published sparsity measurements, rebuilt from their layer
 * shapes (no ONNX file needed: the estimator works on layers). Shapes: BERT (Devlin et al. 2019:
 * hidden H, 4H FFN, 64-dim heads), ViT (Dosovitskiy et al. 2021), SAM's ViT-H image encoder
 * (Kirillov et al. 2023: 32 blocks of width 1280, 14x14 windows, 4 global blocks), Llama 3 8B
 * (32 blocks, hidden 4096, 8 KV heads, FFN 14336, vocabulary 128256), AlexNet (Krizhevsky et al.
 * 2012), Numenta's GSC network (nupic.torch GSCSparseCNN). Convnets: published-convnets.ts.
 */
export const BYTES: Partial<Record<DTypeName, number>> = { float16: 2, bfloat16: 2, float32: 4, int8: 1, int4: 0.5 };

export interface Sparsity {
  weightDensity?: number;
  activationDensity?: number;
  nmReady?: string[];
  blockDensity?: Record<string, number>;
}

/** A linear layer: `tokens` rows through a k -> n weight. */
export function linear(name: string, tokens: number, k: number, n: number, dtype: DTypeName, s: Sparsity, weightDtype?: DTypeName): WorkLayer {
  const e = BYTES[dtype]!;
  const we = BYTES[weightDtype ?? dtype]!;
  return {
    name, macs: tokens * k * n, weightBytes: k * n * we, activationBytes: tokens * (k + n) * e, dtype, ...(weightDtype ? { weightDtype } : {}),
    weightDensity: s.weightDensity ?? 1, rowsKept: 1, kKept: 1, nmReady: s.nmReady ?? [], blockDensity: s.blockDensity ?? {},
    activationDensity: s.activationDensity ?? 1, gemm: { m: tokens, n, k, groups: 1 },
  };
}

const memory = (name: string, bytes: number, opType = 'Elementwise'): WorkOther => ({ name, opType, macs: 0, bytes });

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
      { name: `layer${l}.qk`, opType: 'MatMul', macs: scores * 64, bytes: (2 * T * H + scores) * e },
      memory(`layer${l}.softmax`, 4 * scores * e),
      { name: `layer${l}.pv`, opType: 'MatMul', macs: scores * 64, bytes: (scores + 2 * T * H) * e },
      memory(`layer${l}.permutes`, 8 * T * H * e, 'Transpose'),
      memory(`layer${l}.add_norm`, 14 * T * H * e),
      memory(`layer${l}.gelu`, 2 * T * 4 * H * e),
    );
  }
  return { layers, others, assumptions: [], dtype };
}

/** One GEMM, M x K by K x N. */
export function gemm(m: number, k: number, n: number, dtype: DTypeName, s: Sparsity): Workload {
  return { layers: [linear('gemm', m, k, n, dtype, s)], others: [], assumptions: [], dtype };
}

/**
 * ViT-B/16 at 224x224 (197 tokens), FP32 as the block-sparsity blog ran it: qkv, projection and
 * the two MLP linears per block; the MLP weights carry `mlp`, the rest stay dense; attention
 * BMMs, softmax, LayerNorms, GELU and residual adds as their MACs and bytes.
 */
export function vitB(batch: number, dtype: DTypeName, mlp: Sparsity): Workload {
  const H = 768, F = 3072, heads = 12, seq = 197, T = batch * seq;
  const e = BYTES[dtype]!;
  const scores = batch * heads * seq * seq;
  const layers: WorkLayer[] = [];
  const others: WorkOther[] = [];
  for (let l = 0; l < 12; l++) {
    layers.push(linear(`b${l}.qkv`, T, H, 3 * H, dtype, {}), linear(`b${l}.proj`, T, H, H, dtype, {}));
    layers.push(linear(`b${l}.fc1`, T, H, F, dtype, mlp), linear(`b${l}.fc2`, T, F, H, dtype, mlp));
    others.push(
      { name: `b${l}.qk`, opType: 'MatMul', macs: scores * 64, bytes: (2 * T * H + scores) * e },
      memory(`b${l}.softmax`, 2 * scores * e),
      { name: `b${l}.pv`, opType: 'MatMul', macs: scores * 64, bytes: (scores + 2 * T * H) * e },
      memory(`b${l}.norms_adds`, 10 * T * H * e),
      memory(`b${l}.gelu`, 2 * T * F * e),
    );
  }
  return { layers, others, assumptions: [], dtype };
}

/**
 * SAM's ViT-H image encoder at 1024x1024 (64x64 tokens), as segment-anything-fast runs it
 * compiled: 28 windowed blocks (14x14 windows, the grid padded to 70x70: 25 windows) and 4
 * global ones; attention fused (SDPA: no score tensor in memory), GELU fused into the MLP,
 * LayerNorms and residual adds as their bytes; `mlp` marks lin1 and lin2.
 */
export function samVitH(batch: number, dtype: DTypeName, mlp: Sparsity): Workload {
  const H = 1280, F = 5120, heads = 16, dh = 80, tokens = 64 * 64, padded = 25 * 196;
  const e = BYTES[dtype]!;
  const layers: WorkLayer[] = [linear('patch_embed', batch * tokens, 3 * 16 * 16, H, dtype, {})];
  const others: WorkOther[] = [];
  for (let l = 0; l < 32; l++) {
    const global = l % 8 === 7;
    const seqT = batch * (global ? tokens : padded);
    layers.push(linear(`b${l}.qkv`, seqT, H, 3 * H, dtype, {}), linear(`b${l}.proj`, seqT, H, H, dtype, {}));
    layers.push(linear(`b${l}.lin1`, batch * tokens, H, F, dtype, mlp), linear(`b${l}.lin2`, batch * tokens, F, H, dtype, mlp));
    const attn = global ? batch * heads * tokens * tokens * dh * 2 : batch * 25 * heads * 196 * 196 * dh * 2;
    others.push(
      { name: `b${l}.attention`, opType: 'Attention', macs: attn, bytes: 4 * seqT * H * e },
      memory(`b${l}.norms_adds`, 10 * batch * tokens * H * e),
    );
  }
  layers.push(linear('neck.conv1', batch * tokens, H, 256, dtype, {}), linear('neck.conv2', batch * tokens, 256 * 9, 256, dtype, {}));
  return { layers, others, assumptions: [], dtype };
}

/**
 * Llama 3 8B decoding one token at batch 1 with 4-bit weights and FP16 activations (W4A16):
 * every linear layer and the LM head at 0.5 byte per weight, group-64 scales and zero points
 * (4 bytes per 64 weights, untouched by sparsity) counted with the activations; KV-cache reads
 * at a short context are left out.
 */
export function llama3Decode(s: Sparsity): Workload {
  const H = 4096, KV = 1024, F = 14336;
  const layers: WorkLayer[] = [];
  const withScales = (l: WorkLayer): WorkLayer => ({ ...l, activationBytes: l.activationBytes + (l.gemm.n * l.gemm.k * 4) / 64 });
  for (let l = 0; l < 32; l++) {
    for (const [p, k, n] of [['q', H, H], ['k', H, KV], ['v', H, KV], ['o', H, H], ['gate', H, F], ['up', H, F], ['down', F, H]] as const)
      layers.push(withScales(linear(`l${l}.${p}`, 1, k, n, 'float16', s, 'int4')));
  }
  layers.push(withScales(linear('lm_head', 1, H, 128256, 'float16', s, 'int4')));
  return { layers, others: [memory('norms_rope_attention', 32 * 12 * H * 2)], assumptions: [], dtype: 'float16' };
}

function conv(name: string, cout: number, cinPerGroup: number, k: number, out: number, dtype: DTypeName, s: Sparsity): WorkLayer {
  const e = BYTES[dtype]!;
  return {
    name, macs: cout * out * out * cinPerGroup * k * k, weightBytes: cout * cinPerGroup * k * k * e,
    activationBytes: (cinPerGroup * out * out + cout * out * out) * e, dtype,
    weightDensity: s.weightDensity ?? 1, rowsKept: 1, kKept: 1, nmReady: [], blockDensity: {}, activationDensity: s.activationDensity ?? 1,
    gemm: { m: out * out, n: cout, k: cinPerGroup * k * k, groups: 1 },
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
