import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { buildDemoModel } from '../server/demo/demo-model';
import { writeModel } from '../server/onnx/builder';
import type { Report } from '../common/protocol';
import { runCli, tempDir } from './helpers';

describe('analyze with speedup estimates', () => {
  let dir: string;
  let model: string;
  before(async () => {
    dir = tempDir();
    model = await writeModel(buildDemoModel(), dir, 'demo.onnx');
  });

  const mine = {
    id: 'my-npu', name: 'My NPU', kind: 'unstructured-weights',
    peakMacsPerSecond: { float32: { value: 1e12, source: 'our datasheet' } },
    memoryBandwidth: { value: 1e11, source: 'our datasheet' },
    utilization: { value: 0.6, source: 'our measurement' },
    sparsity: { curve: { value: [[0, 0.1], [1, 1]], source: 'our kernels' }, indexOverhead: { value: 0.5, source: 'our format' } },
  };

  it('adds the user\u2019s profiles and only the scenarios asked for', () => {
    const file = path.join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify([mine, { ...mine, id: 'h100', name: 'Replaced H100' }]));
    const r = runCli(['analyze', model, '--no-run', '--format', 'json', '--accelerators', file, '--scenario', 'as-is,pruned-50%']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual([...new Set(report.estimates.map((e) => e.scenario))], ['as-is', 'pruned-50%']);
    const ids = new Set(report.estimates.map((e) => e.accelerator.id));
    assert.ok(ids.has('my-npu') && ids.has('a100+pytorch'));
    assert.equal(report.estimates.find((e) => e.accelerator.id === 'h100')?.accelerator.name, 'Replaced H100');
    assert.ok(report.estimates.every((e) => e.assumptions.some((a) => a.includes('not run'))));
  });

  it('rejects a bad profile file with exit 1 and the field at fault', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...mine, memoryBandwidth: { value: -1, source: 'x' } }));
    const r = runCli(['analyze', model, '--no-run', '--accelerators', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.json.*memoryBandwidth\.value must be a number/);
  });

  it('rejects an unknown scenario with exit 2', () => {
    const r = runCli(['analyze', model, '--no-run', '--scenario', 'pruned-lots']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /scenario 'pruned-lots' is not one of/);
  });

  it('prints a speedup table per accelerator and scenario in Markdown', () => {
    const r = runCli(['analyze', model, '--format', 'md']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /## Estimated speedups/);
    assert.match(r.stdout, /\| NVIDIA H100 SXM \+ TensorRT \| 2:4 \| supported \(2:4 at float32|\| NVIDIA H100 SXM \+ TensorRT \| 2:4 \| unknown/);
    assert.match(r.stdout, /This machine \(cpu, measured\)/);
  });
});
