import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { analyzeModel } from '../server/pipeline/analyze';
import type { Report } from '../common/protocol';

const PPOCR_DET = path.join(__dirname, '..', '..', 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');

describe('PP-OCRv4 det, run end to end at 320x320', () => {
  let report: Report;
  let proto: onnx.ModelProto;

  before(async () => {
    report = await analyzeModel({ file: PPOCR_DET, run: { dims: { 'p2o.DynamicDimension.1': 320, 'p2o.DynamicDimension.2': 320 } } });
    proto = onnx.ModelProto.decode(readFileSync(PPOCR_DET));
  });

  it('runs on the CPU and times a plain and an instrumented run', () => {
    assert.equal(report.run?.ok, true, report.run?.error);
    assert.equal(report.run?.ep, 'cpu');
    assert.deepEqual(report.run?.inputs[0].shape, [1, 3, 320, 320]);
    assert.ok(report.run!.plainMs! > 0 && report.run!.instrumentedMs! > 0);
  });

  it('reports activation sparsity for every Relu output, with zeros the ReLUs made', () => {
    const relus = proto.graph!.node!.filter((n) => n.opType === 'Relu').map((n) => n.output![0]);
    assert.ok(relus.length > 0);
    for (const name of relus) {
      const v = report.values!.find((x) => x.name === name)!;
      assert.ok(v, `value ${name}`);
      assert.ok(v.zeros > 0, `${name} has zeros`);
      assert.ok(v.density! < 1 && v.min === 0, `${name} density ${v.density} min ${v.min}`);
    }
  });

  it("totals the MACs of its convolutions as an independent sum over the run's shapes says", () => {
    // Weights are Constant nodes: their dims by output name, from a plain onnx-proto decode.
    const weights = new Map<string, number[]>();
    for (const n of proto.graph!.node!)
      if (n.opType === 'Constant') weights.set(n.output![0], n.attribute!.find((a) => a.name === 'value')!.t!.dims!.map(Number));
    const shape = (name: string): number[] => report.values!.find((v) => v.name === name)!.shape;
    const prod = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);
    let expected = 0;
    for (const n of proto.graph!.node!) {
      const group = Number(n.attribute!.find((a) => a.name === 'group')?.i ?? 1);
      if (n.opType === 'Conv') {
        const [cout, cinPerGroup, ...k] = weights.get(n.input![1])!;
        const out = shape(n.output![0]);
        expected += out[0] * cout * prod(out.slice(2)) * cinPerGroup * prod(k);
      } else if (n.opType === 'ConvTranspose') {
        const [cin, coutPerGroup, ...k] = weights.get(n.input![1])!;
        const input = shape(n.input![0]);
        expected += input[0] * cin * prod(input.slice(2)) * coutPerGroup * prod(k);
        assert.equal(group, 1);
      }
    }
    assert.ok(expected > 1e8);
    assert.equal(report.totals.layerMacs, expected);
  });

  it('attributes measured kernel time to most of its nodes', () => {
    const timed = report.ops!.filter((o) => o.timeMs !== undefined);
    assert.ok(timed.length > report.ops!.length / 2, `${timed.length} of ${report.ops!.length}`);
    assert.ok(report.layers.filter((l) => l.timeMs !== undefined).length > report.layers.length / 2);
  });
});
