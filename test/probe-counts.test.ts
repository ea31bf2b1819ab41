import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Report, ValueReport } from '../common/protocol';
import { tensorStats } from '../server/analysis/run/activation-stats';
import { channelZeros, mergeNm, nmGroups } from '../server/analysis/run/channel-stats';
import { INTEGER_COUNTS_FROM } from '../server/analysis/run/instrument';
import { ort } from '../server/analysis/run/session';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { layer, npyFile, tempDir } from './helpers';

/**
 * The in-graph counts (instrument.ts: a compare's mask summed by MatMulInteger along the value's
 * last axis, or cast to float where the layout or opset asks) against the JavaScript reference
 * over the same values exposed by a plain session: zeros, near-zeros at and around the threshold,
 * per-sample densities, zeros per channel and N:M groups, on every layout the probes lay values
 * out in (channels second of rank 4, channels last of rank 3 and 2, no channels of rank 4 and 3),
 * samples stacked in one run and one a run.
 */
const N = 'n';
// Every value of at least INTEGER_COUNTS_FROM elements a sample, so each takes the integer counts from opset 10.
const [H, W] = [64, 256];
function model(expose: boolean, opset: number): ModelBuilder {
  const b = new ModelBuilder({ opset });
  const m = b.main;
  m.input('x', 'float32', [N, 4, H, W]).output('g', 'float32', [N, 2]);
  m.initializer('b', { dtype: 'float32', dims: [1, 4, 1, 1], values: [0, -0.25, 0.5, 0] });
  m.initializer('w', { dtype: 'float32', dims: [8, 4, 1, 1], values: Array.from({ length: 32 }, (_, i) => ((i * 5) % 7) - 3) });
  m.initializer('seq', { dtype: 'int64', dims: [3], values: [0, 8, H * W] });
  m.initializer('w2', { dtype: 'float32', dims: [8, 4], values: Array.from({ length: 32 }, (_, i) => ((i * 3) % 5) - 2) });
  m.initializer('w3', { dtype: 'float32', dims: [4 * H * W, 2], values: Array.from({ length: 8 * H * W }, (_, i) => ((i * 7) % 11) - 5) });
  m.node('Add', ['x', 'b'], ['pre'], {}, 'add').node('Relu', ['pre'], ['y'], {}, 'relu');
  m.node('Conv', ['y', 'w'], ['z'], {}, 'conv').node('Reshape', ['z', 'seq'], ['z3'], {}, 'reshape');
  m.node('Transpose', ['z3'], ['t'], { perm: [0, 2, 1] }, 'transpose').node('Relu', ['t'], ['tr'], {}, 'relu2');
  m.node('MatMul', ['tr', 'w2'], ['mm'], {}, 'matmul').node('Relu', ['mm'], ['q'], {}, 'relu3');
  m.initializer('c', { dtype: 'float32', dims: [2], values: [0.5, -0.5] });
  m.node('Flatten', ['q'], ['flat'], { axis: 1 }, 'flatten').node('Gemm', ['flat', 'w3', 'c'], ['g'], {}, 'gemm');
  if (expose) for (const [v, d] of [['pre', [N, 4, H, W]], ['y', [N, 4, H, W]], ['z', [N, 8, H, W]], ['tr', [N, H * W, 8]], ['q', [N, H * W, 4]], ['flat', [N, 4 * H * W]]] as const) m.output(v, 'float32', [...d]);
  return b;
}

/** A sample [1, 4, H, W] with exact zeros, -0, values at, just below and just above the near-zero threshold, subnormals. */
function sample(k: number): Float32Array {
  const t = Math.fround(1e-6);
  const specials = [0, -0, t, -t, Math.fround(t * (1 - 2 ** -23)), Math.fround(t * (1 + 2 ** -22)), 2 ** -149, -(2 ** -140), 1e-7, -3e-6];
  return Float32Array.from({ length: 4 * H * W }, (_, i) => {
    const h = (i * 7919 + k * 104729) % 1009;
    if (h % 3 === 0) return specials[h % specials.length];
    return (h / 1009 - 0.5) * (k + 1);
  });
}

const value = (r: Report, name: string): ValueReport => {
  const v = r.values?.find((x) => x.name === name);
  if (!v) throw new Error(`no value ${name}: ${r.run?.error ?? ''}`);
  return v;
};

async function check(opset: number, samples: number): Promise<void> {
  const dir = tempDir();
  const file = await writeModel(model(false, opset), dir, 'model.onnx');
  const folder = path.join(dir, 'samples');
  mkdirSync(folder);
  for (let k = 0; k < samples; k++) writeFileSync(path.join(folder, `s${k}.npy`), npyFile('<f4', [1, 4, H, W], new Uint8Array(sample(k).buffer)));
  const r = await analyzeModel({ file, run: { inputs: [folder] } });
  assert.equal(r.run?.ok, true, r.run?.error);
  assert.equal(r.run?.strategy, 'probes');
  const session = await ort().InferenceSession.create((model(true, opset)).toBytes());
  const outs = [];
  for (let k = 0; k < samples; k++) outs.push(await session.run({ x: new (ort().Tensor)('float32', sample(k), [1, 4, H, W]) }));
  const near = r.options.nearZero;
  assert.ok(4 * H * W >= INTEGER_COUNTS_FROM);
  for (const name of ['pre', 'y', 'z', 'tr', 'q', 'flat']) {
    const v = value(r, name);
    assert.equal(v.method, 'in-graph', name);
    let zeros = 0;
    let nearZeros = 0;
    for (const o of outs) {
      const s = tensorStats(o[name].data as Float32Array, near, false, false);
      zeros += s.zeros;
      nearZeros += s.nearZeros;
    }
    assert.deepEqual([v.zeros, v.nearZeros], [zeros, nearZeros], `${name}: zeros, near-zeros (opset ${opset}, ${samples} samples, batch ${r.run?.batch})`);
  }
  // Channels: the conv's input y (second, rank 4, N:M along C = 4), the MatMul's input tr (last, rank 3), the Gemm's input flat (last, rank 2).
  for (const [l, name, axis, nm] of [['conv', 'y', 1, true], ['matmul', 'tr', 2, true], ['gemm', 'flat', 1, false]] as const) {
    const a = layer(r, l).activation!;
    const zeros = new Float64Array(outs[0][name].dims[axis]);
    const groups: Record<string, { complying: number; groups: number }> = {};
    const per: number[] = [];
    for (const o of outs) {
      const t = o[name];
      channelZeros(t.data as Float32Array, t.dims, axis).forEach((z, c) => (zeros[c] += z));
      mergeNm(groups, nmGroups(t.data as Float32Array, t.dims, axis, r.options.nm));
      per.push(1 - tensorStats(t.data as Float32Array, near, false, false).zeros / (t.data as Float32Array).length);
    }
    const positions = (outs[0][name].data as Float32Array).length / zeros.length;
    a.inputChannels!.density.forEach((d, c) => assert.ok(Math.abs(d - (1 - zeros[c] / (samples * positions))) < 1e-12, `${name} channel ${c}: ${d}`));
    if (nm) for (const p of Object.keys(groups)) assert.equal(a.nm?.[p], groups[p].complying / groups[p].groups, `${name} ${p}`);
    if (samples > 1) assert.deepEqual([a.inputSpread?.min, a.inputSpread?.max], [Math.min(...per), Math.max(...per)], `${name}: per-sample densities`);
  }
}

describe('in-graph counts on every layout', () => {
  it('count a value empty only at run time (its last dim 0) as no elements', async () => {
    // e = y[..., :k] with k given at run time: static inference cannot tell it is empty, so it is
    // probed (by the float counts: its size is unknown).
    const b = new ModelBuilder({ opset: 17 });
    b.main.input('x', 'float32', [1, 4, 6, 10]).input('k', 'int64', [1]).output('e2', 'float32', [1, 4, 6, 'k']).output('y', 'float32', [1, 4, 6, 10]);
    b.main.initializer('s0', { dtype: 'int64', dims: [1], values: [0] });
    b.main.initializer('ax', { dtype: 'int64', dims: [1], values: [3] });
    b.main.node('Relu', ['x'], ['y'], {}, 'relu').node('Slice', ['y', 's0', 'k', 'ax'], ['e'], {}, 'slice').node('Relu', ['e'], ['e2'], {}, 'relu2');
    const dir = tempDir();
    writeFileSync(path.join(dir, 'x.npy'), npyFile('<f4', [1, 4, 6, 10], new Uint8Array(sample(0).slice(0, 240).buffer)));
    writeFileSync(path.join(dir, 'k.npy'), npyFile('<i8', [1], new Uint8Array(new BigInt64Array([0n]).buffer)));
    const r = await analyzeModel({ file: await writeModel(b, dir, 'empty.onnx'), run: { inputs: [path.join(dir, 'x.npy'), path.join(dir, 'k.npy')] }, estimate: false });
    assert.equal(r.run?.ok, true, r.run?.error);
    // Reported by shape (nothing to measure), from the probes' Shape output of the run.
    for (const name of ['e', 'e2']) assert.deepEqual([value(r, name).elements, value(r, name).zeros, value(r, name).shape], [0, 0, [1, 4, 6, 0]], name);
  });

  it('equal the reference over the exposed values, samples stacked in one run (opset 17)', () => check(17, 3));
  it('equal the reference, one sample (opset 17)', () => check(17, 1));
  it('equal the reference where the mask is cast to float (opset 9: no MatMulInteger)', () => check(9, 3));
});
