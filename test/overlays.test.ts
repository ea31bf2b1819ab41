import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { onnx } from 'onnx-proto';
import { Reader } from 'protobufjs/minimal';
import type { Report } from '../common/protocol';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { runCli, sha256File, tempDir } from './helpers';
import { writeJson } from './gates-fixtures';

/**
 * `export --overlay`: the Model Explorer node-data file (its loader's required fields and node
 * ids), the Netron attachment, and the annotated copy (read back byte by byte here, and run).
 */

// Weight zeros 4, 8, 12 and 0 of 16: sparsity 0.25, 0.5, 0.75, 0.
const W = (zeros: number): number[] => Array.from({ length: 16 }, (_, i) => (i < zeros ? 0 : (i + 1) / 10));

/** An unnamed Relu, an unnamed MatMul, two MatMuls both named 'dup' (onnxruntime refuses to load that), and 'enc/q'. */
function naming(lastName = 'enc/q', secondDup = 'dup'): ModelBuilder {
  const b = new ModelBuilder({ graphName: 'g' });
  b.main.input('x', 'float32', [1, 4]).output('y', 'float32', [1, 4])
    .initializer('Wa', { dtype: 'float32', dims: [4, 4], values: W(4) })
    .initializer('Wb', { dtype: 'float32', dims: [4, 4], values: W(8) })
    .initializer('Wc', { dtype: 'float32', dims: [4, 4], values: W(12) })
    .initializer('Wd', { dtype: 'float32', dims: [4, 4], values: W(0) })
    .node('Relu', ['x'], ['r'])
    .node('MatMul', ['r', 'Wa'], ['a'])
    .node('MatMul', ['a', 'Wb'], ['b'], {}, 'dup')
    .node('MatMul', ['b', 'Wc'], ['c'], {}, secondDup)
    .node('MatMul', ['c', 'Wd'], ['y'], {}, lastName);
  return b;
}

let dir = '';
let model = '';

before(async () => {
  dir = tempDir();
  model = await writeModel(naming(), dir, 'naming.onnx');
});

function exported(args: string[]): unknown {
  const r = runCli(['export', model, '--no-run', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('the Model Explorer overlay', () => {
  it('is the single-graph node-data shape with the fields its loader requires', () => {
    const f = exported(['--overlay', 'model-explorer']) as { name: unknown; results: Record<string, { value: unknown }>; thresholds: { value: unknown; bgColor: unknown }[] };
    assert.equal(typeof f.name, 'string');
    assert.ok(typeof f.results === 'object' && f.results !== null && !Array.isArray(f.results));
    // The loader takes a file as single-graph data when results exists and results.results does not.
    assert.equal((f.results as Record<string, unknown>).results, undefined);
    for (const v of Object.values(f.results)) assert.equal(typeof v.value, 'number');
    let last = -Infinity;
    for (const t of f.thresholds) {
      assert.equal(typeof t.value, 'number');
      assert.match(String(t.bgColor), /^#[0-9a-f]{6}$/);
      assert.ok((t.value as number) > last, 'thresholds ascend (the first one a value is <= to wins)');
      last = t.value as number;
    }
  });

  it('keys nodes as the ONNX adapter names them after NameFixPass, and initializers as "[value] name"', () => {
    const f = exported(['--overlay', 'model-explorer', '--metric', 'sparsity']) as { results: Record<string, { value: number }> };
    // Unnamed Relu -> "node" (not a layer), unnamed MatMul -> "node_1", the second 'dup' -> "dup_1".
    assert.deepEqual(f.results, {
      node_1: { value: 0.25 }, '[value] Wa': { value: 0.25 },
      dup: { value: 0.5 }, '[value] Wb': { value: 0.5 },
      dup_1: { value: 0.75 }, '[value] Wc': { value: 0.75 },
      'enc/q': { value: 0 }, '[value] Wd': { value: 0 },
    });
  });

  it('colours by any measured N:M pattern, refuses an unknown metric, and falls back to the per-graph shape for a node named "results"', async () => {
    const nm = exported(['--overlay', 'model-explorer', '--metric', '2:4']) as { results: Record<string, { value: number }> };
    // Wc: rows 4 (N) x K 4, zeros at flat index < 12, i.e. K rows 0..2 of W[K][N]: each column's group holds 1 nonzero.
    assert.equal(nm.results.dup_1.value, 1);
    assert.equal(nm.results['[value] Wc'], undefined, 'weight-level keys only for weight metrics');
    const bad = runCli(['export', model, '--no-run', '--overlay', 'model-explorer', '--metric', 'beauty']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--metric must be sparsity, near-zero, input-density, speedup or a measured N:M pattern \(2:4, 1:4, 4:8\), not 'beauty'/);
    const odd = await writeModel(naming('results'), dir, 'odd.onnx');
    const r = runCli(['export', odd, '--no-run', '--overlay', 'model-explorer']);
    const byGraph = JSON.parse(r.stdout) as Record<string, { results: Record<string, { value: number }> }>;
    assert.deepEqual(Object.keys(byGraph), ['g']);
    assert.deepEqual(byGraph.g.results.results, { value: 0 });
  });

  it('gives the per-layer estimated speedup on a named target', () => {
    const report = JSON.parse(runCli(['analyze', model, '--no-run', '--format', 'json']).stdout) as Report;
    const e = report.estimates.find((x) => x.scenario === 'as-is')!;
    const f = exported(['--overlay', 'model-explorer', '--metric', 'speedup', '--target', e.accelerator.id]) as { results: Record<string, { value: number }> };
    assert.equal(f.results['enc/q'].value, Number(e.layers.find((l) => l.name === 'enc/q')!.speedup.toPrecision(6)));
    assert.match(runCli(['export', model, '--no-run', '--overlay', 'model-explorer', '--metric', 'speedup']).stderr, /--metric speedup needs --target ID/);
  });
});

describe('the Netron overlay', () => {
  it('is an attachment keyed by node name, with tensor and model metrics, leaving out the unnamed node', () => {
    const r = runCli(['export', model, '--no-run', '--overlay', 'netron']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 unnamed layer node cannot be addressed in Netron/);
    const f = JSON.parse(r.stdout) as { signature: string; metadata: { kind: string; target: string; name: string; value: unknown }[]; metrics: { kind: string; target: string; name: string; value: unknown }[] };
    assert.equal(f.signature, 'netron:attachment');
    for (const item of [...f.metadata, ...f.metrics]) {
      assert.ok(['node', 'tensor', 'model', 'graph'].includes(item.kind));
      assert.equal(typeof item.target, 'string');
      assert.ok(item.name.length > 0 && item.value !== undefined);
    }
    const sparsity = f.metrics.filter((x) => x.kind === 'node' && x.name === 'weight_sparsity').map((x) => [x.target, x.value]);
    assert.deepEqual(sparsity, [['dup', 0.5], ['dup', 0.75], ['enc/q', 0]]);
    assert.deepEqual(f.metrics.filter((x) => x.kind === 'tensor').map((x) => [x.target, x.value]), [['Wa', 0.25], ['Wb', 0.5], ['Wc', 0.75], ['Wd', 0]]);
    assert.deepEqual(f.metrics.find((x) => x.kind === 'model' && x.name === 'weight_sparsity'), { kind: 'model', target: '', name: 'weight_sparsity', value: 0.375 });
    assert.match(String(f.metadata.find((x) => x.target === 'dup')!.value), /^50\.0% zeros, 2:4 /);
  });
});

/** NodeProto.metadata_props (field 9) and doc_string of every main-graph node, read with protobufjs' wire reader. */
function nodeAnnotations(bytes: Uint8Array): { doc: string; props: Record<string, string> }[] {
  const out: { doc: string; props: Record<string, string> }[] = [];
  const each = (buf: Uint8Array, visit: (field: number, payload: Uint8Array) => void): void => {
    const r = Reader.create(buf);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if ((tag & 7) === 2) visit(tag >>> 3, r.bytes());
      else r.skipType(tag & 7);
    }
  };
  each(bytes, (f, graph) => f === 7 && each(graph, (g, node) => {
    if (g !== 1) return;
    const n = { doc: '', props: {} as Record<string, string> };
    each(node, (k, v) => {
      if (k === 6) n.doc = Buffer.from(v).toString('utf8');
      if (k === 9) {
        const e = onnx.StringStringEntryProto.decode(v);
        assert.equal(n.props[e.key], undefined, `${e.key} appears once`);
        n.props[e.key] = e.value;
      }
    });
    out.push(n);
  }));
  return out;
}

describe('the annotated copy (--overlay onnx)', () => {
  it('is written beside the model, carries every layer\'s figures in metadata_props and doc_string, and leaves the model alone', () => {
    const before = sha256File(model);
    const r = runCli(['export', model, '--no-run', '--overlay', 'onnx']);
    assert.equal(r.code, 0, r.stderr);
    const copy = path.join(dir, 'naming.sparsity.onnx');
    assert.match(r.stderr, new RegExp(`annotated copy written to ${copy.replace(/[.]/g, '\\.')}`));
    assert.equal(sha256File(model), before);
    const nodes = nodeAnnotations(readFileSync(copy));
    assert.equal(nodes.length, 5);
    assert.deepEqual(nodes[0], { doc: '', props: {} }, 'the Relu is not a layer');
    assert.deepEqual(nodes.slice(1).map((n) => n.props['onnx_sparsity.weight_sparsity']), ['0.25', '0.5', '0.75', '0']);
    assert.match(nodes[2].doc, /^onnx-sparsity: 50\.0% zeros, 2:4 /);
    assert.equal(nodes[2].props['onnx_sparsity.summary'], nodes[2].doc.replace('onnx-sparsity: ', ''));
    const model_ = onnx.ModelProto.decode(readFileSync(copy));
    assert.equal(model_.metadataProps.find((p) => p.key === 'onnx_sparsity.weight_sparsity')?.value, '0.375');
  });

  it('runs exactly like the model and analyses the same; annotating it again replaces the annotations', async () => {
    const runnable = await writeModel(naming('enc/q', 'dup2'), dir, 'runnable.onnx');
    const annotated = path.join(dir, 'runnable.sparsity.onnx');
    assert.equal(runCli(['export', runnable, '--no-run', '--overlay', 'onnx']).code, 0);
    const rules = writeJson(dir, 'same.json', { maxDrift: { model: runnable, maxAbs: 0, minCosine: 1 } });
    const same = runCli(['check', annotated, '--rules', rules, '--no-run']);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    const copy = path.join(dir, 'naming.sparsity.onnx');
    const a = JSON.parse(runCli(['analyze', model, '--no-run', '--format', 'json']).stdout) as Report;
    const b = JSON.parse(runCli(['analyze', copy, '--no-run', '--format', 'json']).stdout) as Report;
    assert.deepEqual(b.layers.map((l) => [l.name, l.sparsity, l.nm['2:4']]), a.layers.map((l) => [l.name, l.sparsity, l.nm['2:4']]));
    const again = path.join(dir, 'again.onnx');
    assert.equal(runCli(['export', copy, '--no-run', '--overlay', 'onnx', '--out', again]).code, 0);
    const nodes = nodeAnnotations(readFileSync(again));
    assert.deepEqual(nodes.map((n) => n.doc.split('\n').length), [1, 1, 1, 1, 1]);
    assert.equal(onnx.ModelProto.decode(readFileSync(again)).metadataProps.filter((p) => p.key === 'onnx_sparsity.weight_sparsity').length, 1);
  });

  it('never writes over the model', () => {
    const before = sha256File(model);
    const r = runCli(['export', model, '--no-run', '--overlay', 'onnx', '--out', model]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /same file as .*refusing to write over it/);
    assert.equal(sha256File(model), before);
  });
});
