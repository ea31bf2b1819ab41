import type { DTypeName } from '../server/onnx/dtypes';
import type { WorkLayer, WorkOther, Workload } from '../server/estimate/workload';
import { BYTES } from './published-workloads';

/**
 * The convnets behind NVIDIA's DLA 2:4 measurements, at batch 1, rebuilt from their published
 * architectures: ResNet-34 (He et al. 2016), ResNeXt-50 32x4d (Xie et al. 2017), RetinaNet heads
 * on FPN levels P3-P7 (Lin et al. 2017: 4 x 3x3 256-channel convs per subnet, 9 anchors, 80
 * classes), SSD-ResNet34 as MLPerf runs it at 1200x1200 (ResNet-34 without conv5_x, conv4_x at
 * stride 1, detector maps 50, 25, 13, 7, 3, 3). Batch norms folded, ReLUs fused; residual adds
 * and pooling as their bytes. `--sparsity=force` makes every conv with input channels a multiple
 * of 4 2:4-ready: the stem (3 channels) stays dense.
 */

interface Net {
  layers: WorkLayer[];
  others: WorkOther[];
  dtype: DTypeName;
  sparse: boolean;
}

function net(dtype: DTypeName, sparse: boolean): Net {
  return { layers: [], others: [], dtype, sparse };
}

/** A conv on an h x w map; returns the output size. Same padding: out = ceil(in / stride). */
function conv(nt: Net, name: string, cin: number, cout: number, k: number, stride: number, [h, w]: [number, number], groups = 1): [number, number] {
  const e = BYTES[nt.dtype]!;
  const oh = Math.ceil(h / stride);
  const ow = Math.ceil(w / stride);
  const cg = cin / groups;
  const ready = nt.sparse && cg % 4 === 0;
  nt.layers.push({
    name, macs: cout * oh * ow * cg * k * k, weightBytes: cout * cg * k * k * e, activationBytes: (cin * h * w + cout * oh * ow) * e,
    dtype: nt.dtype, weightDensity: ready ? 0.5 : 1, rowsKept: 1, kKept: 1, nmReady: ready ? ['2:4'] : [], blockDensity: {},
    activationDensity: null, gemm: { m: oh * ow, n: cout / groups, k: cg * k * k, groups },
  });
  return [oh, ow];
}

function add(nt: Net, name: string, c: number, [h, w]: [number, number]): void {
  nt.others.push({ name, opType: 'Add', macs: 0, bytes: 3 * c * h * w * BYTES[nt.dtype]! });
}

/** Stem: 7x7 stride 2 conv to 64 channels, 3x3 stride 2 max pool. */
function stem(nt: Net, hw: [number, number]): [number, number] {
  const c1 = conv(nt, 'conv1', 3, 64, 7, 2, hw);
  const p: [number, number] = [Math.ceil(c1[0] / 2), Math.ceil(c1[1] / 2)];
  nt.others.push({ name: 'maxpool', opType: 'MaxPool', macs: 0, bytes: 64 * (c1[0] * c1[1] + p[0] * p[1]) * BYTES[nt.dtype]! });
  return p;
}

/** ResNet-34 stages: [3, 4, 6, 3] basic blocks of 64..512 channels; returns each stage's output. */
function resnet34(nt: Net, hw: [number, number], stages = 4, stage3Stride = 2): { c: number; hw: [number, number] }[] {
  let x = stem(nt, hw);
  let cin = 64;
  const outs: { c: number; hw: [number, number] }[] = [];
  [[3, 64], [4, 128], [6, 256], [3, 512]].slice(0, stages).forEach(([blocks, c], s) => {
    for (let b = 0; b < blocks; b++) {
      const stride = b === 0 && s > 0 ? (s === 2 ? stage3Stride : 2) : 1;
      const y = conv(nt, `layer${s + 1}.${b}.conv1`, cin, c, 3, stride, x);
      conv(nt, `layer${s + 1}.${b}.conv2`, c, c, 3, 1, y);
      if (stride !== 1 || cin !== c) conv(nt, `layer${s + 1}.${b}.downsample`, cin, c, 1, stride, x);
      add(nt, `layer${s + 1}.${b}.add`, c, y);
      x = y;
      cin = c;
    }
    outs.push({ c, hw: x });
  });
  return outs;
}

/** ResNeXt-50 32x4d: [3, 4, 6, 3] bottlenecks, grouped 3x3 convs of 32 groups (4 channels per group first). */
function resnext50(nt: Net, hw: [number, number]): { c: number; hw: [number, number] }[] {
  let x = stem(nt, hw);
  let cin = 64;
  const outs: { c: number; hw: [number, number] }[] = [];
  [[3, 128, 256], [4, 256, 512], [6, 512, 1024], [3, 1024, 2048]].forEach(([blocks, width, c], s) => {
    for (let b = 0; b < blocks; b++) {
      const stride = b === 0 && s > 0 ? 2 : 1;
      conv(nt, `layer${s + 1}.${b}.conv1`, cin, width, 1, 1, x);
      const y = conv(nt, `layer${s + 1}.${b}.conv2`, width, width, 3, stride, x, 32);
      conv(nt, `layer${s + 1}.${b}.conv3`, width, c, 1, 1, y);
      if (b === 0) conv(nt, `layer${s + 1}.${b}.downsample`, cin, c, 1, stride, x);
      add(nt, `layer${s + 1}.${b}.add`, c, y);
      x = y;
      cin = c;
    }
    outs.push({ c, hw: x });
  });
  return outs;
}

/** FPN on C3-C5 (P6, P7 by stride-2 convs) and RetinaNet's class and box subnets on each level. */
function retinaHead(nt: Net, c: { c: number; hw: [number, number] }[]): void {
  const [c3, c4, c5] = c.slice(1);
  const levels: [number, number][] = [];
  for (const [i, x] of [c3, c4, c5].entries()) {
    conv(nt, `fpn.lateral${i + 3}`, x.c, 256, 1, 1, x.hw);
    levels.push(conv(nt, `fpn.out${i + 3}`, 256, 256, 3, 1, x.hw));
  }
  const p6 = conv(nt, 'fpn.p6', c5.c, 256, 3, 2, c5.hw);
  const p7 = conv(nt, 'fpn.p7', 256, 256, 3, 2, p6);
  levels.push(p6, p7);
  levels.forEach((hw, i) => {
    for (const [head, outC] of [['cls', 9 * 80], ['box', 9 * 4]] as const) {
      for (let j = 0; j < 4; j++) conv(nt, `p${i + 3}.${head}${j}`, 256, 256, 3, 1, hw);
      conv(nt, `p${i + 3}.${head}_out`, 256, outC, 3, 1, hw);
    }
  });
}

const done = (nt: Net): Workload => ({ layers: nt.layers, others: nt.others, assumptions: [], dtype: nt.dtype });

export function resnet34Backbone(h: number, w: number, dtype: DTypeName, sparse: boolean): Workload {
  const nt = net(dtype, sparse);
  resnet34(nt, [h, w]);
  return done(nt);
}

export function retinanetResnet34(h: number, w: number, dtype: DTypeName, sparse: boolean): Workload {
  const nt = net(dtype, sparse);
  retinaHead(nt, resnet34(nt, [h, w]));
  return done(nt);
}

export function retinanetResnext50(h: number, w: number, dtype: DTypeName, sparse: boolean): Workload {
  const nt = net(dtype, sparse);
  retinaHead(nt, resnext50(nt, [h, w]));
  return done(nt);
}

/** MLPerf's SSD-ResNet34 at 1200x1200: the backbone to 150x150x256, extra layers, 4/6/6/6/4/4 anchors of 81 classes. */
export function ssdResnet34(dtype: DTypeName, sparse: boolean): Workload {
  const nt = net(dtype, sparse);
  const [last] = resnet34(nt, [1200, 1200], 3, 1).slice(-1);
  let x = conv(nt, 'extra0', last.c, 512, 3, 3, last.hw);
  const maps: [number, [number, number]][] = [[512, x]];
  for (const [i, [mid, c]] of [[256, 512], [256, 512], [128, 256], [128, 256], [128, 256]].entries()) {
    const y = conv(nt, `extra${i + 1}.reduce`, maps[maps.length - 1][0], mid, 1, 1, x);
    x = conv(nt, `extra${i + 1}.conv`, mid, c, 3, [2, 2, 2, 3, 1][i], y);
    maps.push([c, x]);
  }
  maps.forEach(([c, hw], i) => {
    const anchors = i === 0 || i >= 4 ? 4 : 6;
    conv(nt, `head${i}.cls`, c, anchors * 81, 3, 1, hw);
    conv(nt, `head${i}.loc`, c, anchors * 4, 3, 1, hw);
  });
  return done(nt);
}
