import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import type { Report } from '../common/protocol';
import { writeModel } from '../server/onnx/builder';
import { runBounded, type BoundedResult } from './bounded-run';
import { tempDir } from './helpers';
import { expandModel, loopModel } from './hostile-models';

/**
 * No input can hang the tool or exhaust the machine (issue 18): every case an attacker tried,
 * each run as the CLI under a time and a memory bound the harness enforces (a case that only
 * failed after minutes or gigabytes fails here).
 */

const T = onnx.AttributeProto.AttributeType;
const vi = (name: string, dims?: number[]): onnx.IValueInfoProto => ({
  name, type: { tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } },
});

function hand(graph: onnx.IGraphProto, file: string): string {
  const p = path.join(tempDir(), file);
  writeFileSync(p, onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g', ...graph } }).finish());
  return p;
}

interface Case {
  what: string;
  args: () => Promise<string[]>;
  code: number;
  expect: RegExp[];
  /** Checks on the JSON report, for cases that still write one. */
  report?: (r: Report) => void;
  bounds?: { timeoutMs: number; maxRssMiB: number };
}

const cases: Case[] = [
  {
    what: 'a weight of dims [2^40, 0, 3, 3] and no data, weights only', code: 0, expect: [],
    args: async () => ['analyze', hand({ input: [vi('x', [1, 4, 3, 3])], output: [vi('y')], initializer: [{ name: 'w', dataType: 1, dims: [2 ** 40, 0, 3, 3] }], node: [{ opType: 'Conv', name: 'c', input: ['x', 'w'], output: ['y'] }] }, 'zero-axis.onnx'), '--no-run', '--format', 'json'],
    report: (r) => {
      assert.equal(r.weights[0].elements, 0);
      assert.match(r.layers[0].note ?? '', /the weight is empty/);
    },
  },
  {
    what: 'a weight of dims [0, 2^45], weights only', code: 0, expect: [],
    args: async () => ['analyze', hand({ input: [vi('x', [1, 4])], output: [vi('y')], initializer: [{ name: 'w', dataType: 1, dims: [0, 2 ** 45] }], node: [{ opType: 'MatMul', name: 'm', input: ['x', 'w'], output: ['y'] }] }, 'zero-axis2.onnx'), '--no-run', '--format', 'json'],
    report: (r) => assert.match(r.layers[0].note ?? '', /the weight is empty/),
  },
  {
    what: 'a [2^20, 2^20] weight with no data', code: 1, expect: [/tensor 'w': no data/],
    args: async () => ['analyze', hand({ input: [vi('x', [1, 4])], output: [vi('y')], initializer: [{ name: 'w', dataType: 1, dims: [2 ** 20, 2 ** 20] }], node: [{ opType: 'MatMul', name: 'm', input: ['x', 'w'], output: ['y'] }] }, 'nodata.onnx'), '--no-run'],
  },
  {
    what: 'external data claiming 2^33 floats from a 64-byte file', code: 1, expect: [/tensor 'w': external file 'w\.bin' is too short/],
    args: async () => {
      const file = hand({ input: [vi('x', [1, 4])], output: [vi('y')], initializer: [{ name: 'w', dataType: 1, dims: [2 ** 33, 1], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }], node: [{ opType: 'MatMul', name: 'm', input: ['x', 'w'], output: ['y'] }] }, 'ext.onnx');
      writeFileSync(path.join(path.dirname(file), 'w.bin'), new Uint8Array(64));
      return ['analyze', file, '--no-run'];
    },
  },
  {
    what: 'a Reshape to [-1, 7] of 1440 elements before a MatMul (K would be 205.714)', code: 0, expect: [],
    args: async () => ['analyze', hand({
      input: [vi('x', [1, 205])], output: [vi('y')],
      initializer: [{ name: 'w', dataType: 1, dims: [1440], rawData: new Uint8Array(1440 * 4) }, { name: 's', dataType: 7, dims: [2], int64Data: [-1, 7] }],
      node: [{ opType: 'Reshape', name: 'r', input: ['w', 's'], output: ['w2'] }, { opType: 'MatMul', name: 'm', input: ['x', 'w2'], output: ['y'] }],
    }, 'frac.onnx'), '--no-run', '--format', 'json'],
    report: (r) => {
      assert.equal(r.layers[0].gemm, null);
      assert.match(r.layers[0].note ?? '', /is not a 1440-element matrix/);
    },
  },
  {
    what: 'a 94-byte model that Expands a scalar to 2^30 floats', code: 3, expect: [/value 'y' would hold 4294967296 bytes \(\[1073741824\] float32\), more than the memory budget/],
    args: async () => ['analyze', await writeModel(expandModel(2 ** 30), tempDir(), 'expand.onnx'), '--format', 'json'],
  },
  {
    what: 'a Loop with trip count 2^62, stopped by --run-timeout 2', code: 3, expect: [/took longer than 2 s \(the time limit\)/],
    args: async () => ['analyze', await writeModel(loopModel(), tempDir(), 'loop.onnx'), '--run-timeout', '2', '--format', 'json'],
    bounds: { timeoutMs: 15_000, maxRssMiB: 600 },
  },
  {
    what: 'a node name of 10 MB, with a run', code: 0, expect: [],
    args: async () => ['analyze', hand({ input: [vi('x', [1, 4])], output: [vi('y', [1, 4])], node: [{ opType: 'Relu', name: 'n'.repeat(10 << 20), input: ['x'], output: ['y'] }] }, 'long-name.onnx'), '--format', 'csv'],
    bounds: { timeoutMs: 30_000, maxRssMiB: 600 },
  },
  {
    what: 'an attribute of 5 million empty strings', code: 0, expect: [],
    args: async () => ['analyze', hand({ input: [vi('x', [1, 4])], output: [vi('y', [1, 4])], node: [{ opType: 'Relu', name: 'r', input: ['x'], output: ['y'], attribute: [{ name: 'junk', type: T.STRINGS, strings: Array.from({ length: 5e6 }, () => new Uint8Array(0)) }] }] }, 'strings.onnx'), '--no-run', '--format', 'json'],
    bounds: { timeoutMs: 15_000, maxRssMiB: 300 },
  },
  { what: '--samples 1000000000', code: 2, expect: [/--samples must be an integer from 1 to 10000/], args: async () => ['demo', '--samples', '1000000000'] },
  { what: '--threads 2000', code: 2, expect: [/--threads must be an integer from 0 to \d+/], args: async () => ['demo', '--threads', '2000'] },
];

function check(r: BoundedResult, c: Case): void {
  assert.equal(r.killed, undefined, `killed for ${r.killed} after ${r.ms.toFixed(0)} ms at ${r.peakRssMiB.toFixed(0)} MiB\n${r.stderr.slice(0, 2000)}`);
  assert.equal(r.code, c.code, r.stderr.slice(0, 2000));
  assert.ok(!/internal error/.test(r.stderr), r.stderr.slice(0, 2000));
  assert.ok(!/DeprecationWarning/.test(r.stderr), r.stderr.slice(0, 2000));
  for (const e of c.expect) assert.match(r.stderr, e);
}

describe('hostile work is bounded', () => {
  for (const c of cases) {
    it(`${c.what}: exit ${c.code}, within its time and memory bound`, async () => {
      const bounds = c.bounds ?? { timeoutMs: 20_000, maxRssMiB: 400 };
      const r = await runBounded(await c.args(), bounds);
      check(r, c);
      if (c.report && r.code === 0) c.report(JSON.parse(r.stdout) as Report);
      console.log(`    ${c.what}: ${r.ms.toFixed(0)} ms, peak ${r.peakRssMiB.toFixed(0)} MiB`);
    });
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during an endless run ends the CLI within a second, its run's child with it`, async () => {
      const model = await writeModel(loopModel(), tempDir(), 'loop.onnx');
      const started = performance.now();
      const r = await runBounded(['analyze', model, '--format', 'json'], { timeoutMs: 20_000, maxRssMiB: 600, interrupt: { afterMs: 2500, signal } });
      assert.equal(r.killed, undefined, r.stderr);
      assert.equal(r.code, signal === 'SIGINT' ? 130 : 143, r.stderr);
      const afterSignal = performance.now() - started - 2500;
      console.log(`    ${signal}: ended ${afterSignal.toFixed(0)} ms after the signal`);
      assert.ok(afterSignal < 1000, `${afterSignal.toFixed(0)} ms`);
    });
  }
});
