import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import type { PruneOutcome } from '../common/protocol';
import { ort } from '../server/analysis/run/session';
import { UsageError } from '../server/errors';
import { loadModel } from '../server/onnx/load';
import { analyzeModel } from '../server/pipeline/analyze';
import { editedPlan, pruneFile, prunableModel, UNKNOWN_FIELD, writePlan } from './prune-fixtures';
import { runCli, sha256File, tempDir } from './helpers';

/** A tensor's float32 values from the file (raw_data in the .onnx, or its external-data file). */
function values(model: onnx.ModelProto, dir: string, name: string): Float32Array {
  const t = model.graph!.initializer!.find((x) => x.name === name)!;
  let raw: Uint8Array;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const e = Object.fromEntries(t.externalData!.map((x) => [x.key, x.value]));
    raw = readFileSync(path.join(dir, e.location!)).subarray(Number(e.offset), Number(e.offset) + Number(e.length));
  } else raw = t.rawData!;
  return new Float32Array(Uint8Array.from(raw).buffer);
}

const decode = (file: string): onnx.ModelProto => onnx.ModelProto.decode(readFileSync(file));

/** Sums of |w| by group of the given index function, smallest first, ties by index: what pruning removes first. */
function smallest(n: number, key: (i: number) => number, w: Float32Array, count: number): Set<number> {
  const sums = new Float64Array(n);
  for (let i = 0; i < w.length; i++) sums[key(i)] += Math.abs(w[i]);
  return new Set([...sums.keys()].sort((a, b) => sums[a] - sums[b] || a - b).slice(0, count));
}

/**
 * The planned patterns, re-measured here from the bytes and held to the original's magnitudes:
 * conv 2:4 along its input channels at each kernel position; fc's 4 output channels (rows of B,
 * transB) with the smallest L1 all zero, the rest untouched; out's 6 of 12 4x4 blocks of its view
 * [N 12][K 16] with the smallest L1 all zero. Every element is either as it was or zero.
 */
function checkPatterns(orig: Record<string, Float32Array>, copy: Record<string, Float32Array>): void {
  for (const name of Object.keys(orig)) {
    const [a, b] = [orig[name], copy[name]];
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) assert.ok(b[i] === a[i] || b[i] === 0, `${name}[${i}] became ${b[i]}, not ${a[i]} or 0`);
  }
  const conv = copy['conv.w'];
  for (let co = 0; co < 8; co++) for (let s = 0; s < 9; s++) for (let c0 = 0; c0 < 8; c0 += 4) {
    let nz = 0;
    for (let j = 0; j < 4; j++) nz += conv[(co * 8 + c0 + j) * 9 + s] !== 0 ? 1 : 0;
    assert.equal(nz, 2, `conv (${co}, ${s}, ${c0}): ${nz} nonzeros of 4`);
  }
  const fcRows = smallest(16, (i) => Math.floor(i / 288), orig['fc.w'], 4);
  for (let i = 0; i < 16 * 288; i++) assert.equal(copy['fc.w'][i] === 0, fcRows.has(Math.floor(i / 288)), `fc.w[${i}]`);
  // out.w is [K 16][N 12]: element (k, n) is view (row n, col k), in block (n / 4, k / 4) of 3 x 4.
  const block = (i: number): number => Math.floor((i % 12) / 4) * 4 + Math.floor(Math.floor(i / 12) / 4);
  const outBlocks = smallest(12, block, orig['out.w'], 6);
  for (let i = 0; i < 16 * 12; i++) assert.equal(copy['out.w'][i] === 0, outBlocks.has(block(i)), `out.w[${i}]`);
  assert.deepEqual(copy['conv.b'], orig['conv.b'], 'a bias is not a layer weight');
}

const read = (file: string, dir: string): Record<string, Float32Array> => {
  const m = decode(file);
  return Object.fromEntries(['conv.w', 'fc.w', 'out.w', 'conv.b'].map((n) => [n, values(m, dir, n)]));
};

async function runs(file: string): Promise<Float32Array> {
  const s = await ort().InferenceSession.create(file);
  const x = new (ort().Tensor)('float32', Float32Array.from({ length: 288 }, (_, i) => Math.cos(i)), [1, 8, 6, 6]);
  const out = await s.run({ x });
  await s.release();
  return out.logits.data as Float32Array;
}

describe('the pruned copy', { timeout: 240_000 }, () => {
  let dir: string;
  let file: string;
  let copy: string;
  let outcome: PruneOutcome;

  before(async () => {
    dir = tempDir();
    file = await prunableModel(dir, 'model.onnx');
    const { plan } = await editedPlan(file);
    copy = path.join(dir, 'model.pruned.onnx');
    outcome = (await pruneFile(file, writePlan(dir, plan), copy)).prune;
  });

  it('is valid ONNX: onnx-proto decodes it, our loader reads it, onnxruntime runs it', async () => {
    assert.equal(decode(copy).graph!.node!.length, 6);
    await loadModel(copy);
    const y = await runs(copy);
    assert.equal(y.length, 12);
    assert.ok(y.every(Number.isFinite));
    assert.ok(outcome.drift.outputs.every((o) => !o.skipped));
  });

  it('holds exactly the planned patterns, and the analysis of the copy says so', () => {
    checkPatterns(read(file, dir), read(copy, dir));
    assert.deepEqual(outcome.layers.map((l) => [l.name, l.prune, l.ok]), [['conv', '2:4', true], ['fc', 'rows-25%', true], ['out', '4x4-50%', true]]);
    assert.deepEqual(outcome.skipped, []);
  });

  it('changes no byte outside the pruned weights, and keeps a field onnx-proto does not know', async () => {
    const a = readFileSync(file);
    const b = readFileSync(copy);
    assert.equal(b.length, a.length);
    const m = await loadModel(file);
    const ranges = m.tensors.filter((t) => ['conv.w', 'fc.w', 'out.w'].includes(t.name)).map((t) => {
      if (t.data.kind !== 'bytes') throw new Error('in-file weights expected');
      const at = t.data.bytes.byteOffset - m.buffer.byteOffset;
      return [at, at + t.data.bytes.length] as const;
    });
    let changed = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      changed++;
      assert.ok(ranges.some(([lo, hi]) => i >= lo && i < hi), `byte ${i} changed outside every pruned weight`);
    }
    assert.ok(changed > 0);
    assert.deepEqual([...b.subarray(b.length - UNKNOWN_FIELD.length)], [...UNKNOWN_FIELD]);
  });

  it('reports the copy\u2019s estimate next to the original\u2019s and the plan\u2019s, and both latencies', () => {
    const e = outcome.estimates.find((x) => x.target.id === 'h100+tensorrt')!;
    assert.ok(e.original !== null && e.pruned !== null && e.planned !== null);
    assert.ok(Math.abs(e.pruned! - e.planned!) < 1e-6 * e.planned!, `the copy as analysed (${e.pruned}) is the plan (${e.planned})`);
    assert.ok(outcome.latency.original.p50 > 0 && outcome.latency.pruned.p50 > 0);
    assert.equal(outcome.latency.iterations, 20);
    assert.equal(outcome.copy.sha256, sha256File(copy));
  });

  it('weighs the plan on magnitude figures that match the weights, on each layer\u2019s GEMM view', async () => {
    const r = await analyzeModel({ file, run: false, estimate: { targets: ['xeon-spr+sparselib'] } });
    const w = read(file, dir);
    // Each layer's view position of memory element i: conv channel-last (row co, col s x 8 + ci), fc rows of B, out's transpose.
    const views: Record<string, { w: Float32Array; rows: number; k: number; at: (i: number) => [number, number] }> = {
      conv: { w: w['conv.w'], rows: 8, k: 72, at: (i) => [Math.floor(i / 72), (i % 9) * 8 + (Math.floor(i / 9) % 8)] },
      fc: { w: w['fc.w'], rows: 16, k: 288, at: (i) => [Math.floor(i / 288), i % 288] },
      out: { w: w['out.w'], rows: 12, k: 16, at: (i) => [i % 12, Math.floor(i / 12)] },
    };
    for (const [index, l] of r.layers.entries()) {
      const v = views[l.name];
      const kept = r.advice!.kept[index] as Record<string, number>;
      const total = v.w.reduce((a, x) => a + Math.abs(x), 0);
      const cut = (key: (i: number) => number, n: number, share: number): number => {
        const sums = new Float64Array(n);
        v.w.forEach((x, i) => (sums[key(i)] += Math.abs(x)));
        const sorted = [...sums].sort((a, b) => a - b);
        return 1 - sorted.slice(0, Math.floor(share * n)).reduce((a, b) => a + b, 0) / total;
      };
      const close = (got: number, want: number, what: string): void => assert.ok(Math.abs(got - want) < 1e-6, `${l.name} ${what}: ${got} vs ${want}`);
      close(kept['rows-25%'], cut((i) => v.at(i)[0], v.rows, 0.25), 'rows-25%');
      // SparseLib's 4x1 blocks: 4 view rows by 1 K column.
      const blockCols = v.k;
      close(kept['4x1-75%'], cut((i) => Math.floor(v.at(i)[0] / 4) * blockCols + v.at(i)[1], Math.ceil(v.rows / 4) * blockCols, 0.75), '4x1-75%');
      const mags = [...v.w].map(Math.abs).sort((a, b) => a - b);
      const unstructured = 1 - mags.slice(0, Math.floor(0.5 * mags.length)).reduce((a, b) => a + b, 0) / total;
      assert.ok(Math.abs(kept['50%'] - unstructured) < 0.02, `${l.name} 50%: ${kept['50%']} vs ${unstructured} (within a bin's width)`);
    }
  });

  it('writes external data beside a copy in another folder, with every tensor and only the pruned ones changed', async () => {
    const ext = tempDir();
    const model = await prunableModel(ext, 'ext.onnx', { external: 'weights.bin' });
    const before = sha256File(path.join(ext, 'weights.bin'));
    const { plan } = await editedPlan(model);
    mkdirSync(path.join(ext, 'out'));
    const out = path.join(ext, 'out', 'copy.onnx');
    const r = (await pruneFile(model, writePlan(ext, plan), out)).prune;
    assert.equal(r.copy.externalData, path.join(ext, 'out', 'copy.onnx.data'));
    assert.equal(sha256File(path.join(ext, 'weights.bin')), before, 'the original external data is left as it was');
    const m = decode(out);
    for (const t of m.graph!.initializer!.filter((x) => x.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL))
      assert.equal(t.externalData!.find((e) => e.key === 'location')!.value, 'copy.onnx.data', t.name ?? '');
    checkPatterns(read(model, ext), read(out, path.join(ext, 'out')));
    assert.ok(r.layers.every((l) => l.ok));
    assert.ok((await runs(out)).every(Number.isFinite));
    const bytes = readFileSync(out);
    assert.deepEqual([...bytes.subarray(bytes.length - UNKNOWN_FIELD.length)], [...UNKNOWN_FIELD]);
  });

  it('never writes over the model or a file it read, and refuses a plan made for another model', async () => {
    const { plan } = await editedPlan(file);
    const planFile = writePlan(dir, plan);
    await assert.rejects(pruneFile(file, planFile, file), (e: Error) => e instanceof UsageError && /never written over the original/.test(e.message));
    await assert.rejects(pruneFile(file, planFile, planFile), (e: Error) => e instanceof UsageError && /reads/.test(e.message));
    const other = await prunableModel(tempDir(), 'other.onnx', 'typed');
    await assert.rejects(pruneFile(other, planFile, path.join(dir, 'x.onnx')), (e: Error) => e instanceof UsageError && /make the plan again for this model/.test(e.message));
    const bad = { ...plan, layers: plan.layers.map((l) => ({ ...l, prune: '3:2' })) };
    writeFileSync(planFile, JSON.stringify(bad));
    await assert.rejects(pruneFile(file, planFile, path.join(dir, 'y.onnx')), /layers\[0\]\.prune must be as-is, N:M/);
  });

  it('runs from the CLI: plan writes the file, prune writes the copy and its figures', async () => {
    const cli = tempDir();
    const model = await prunableModel(cli, 'cli.onnx');
    const planned = runCli(['plan', model, '--target', 'h100+tensorrt', '--keep', '80%', '--out', path.join(cli, 'plan.json'), '--no-run']);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(readFileSync(path.join(cli, 'plan.json'), 'utf8'));
    assert.equal(plan.kind, 'onnx-sparsity-plan');
    assert.equal(plan.budget.keep, 0.8);
    const pruned = runCli(['prune', model, '--plan', path.join(cli, 'plan.json'), '--iterations', '5', '--format', 'json']);
    assert.equal(pruned.code, 0, pruned.stderr);
    const o = JSON.parse(pruned.stdout) as PruneOutcome;
    assert.equal(o.copy.path, path.join(cli, 'cli.pruned.onnx'));
    assert.match(pruned.stderr, /pruned copy written to .*cli\.pruned\.onnx/);
    const again = runCli(['prune', model, '--plan', path.join(cli, 'plan.json'), '--out', model]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /same file as|never written over the original/);
    const md = runCli(['plan', model, '--target', 'h100+tensorrt,a100+tensorrt', '--no-run']);
    assert.equal(md.code, 2);
    assert.match(md.stderr, /a plan is for one target/);
    // The copy's own analysis sees what the plan wrote.
    const r = await analyzeModel({ file: o.copy.path, run: false, estimate: false, options: { blocks: ['4x4'] } });
    for (const l of o.layers) assert.ok(l.ok, `${l.name}: ${l.measured}`);
    assert.ok(r.layers.length === 3);
  });
});

