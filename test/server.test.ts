import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressEnd, type WorkDoneProgressReport } from 'vscode-languageserver-protocol';
import { buildDemoModel } from '../server/demo/demo-model';
import { writeModel } from '../server/onnx/builder';
import { AnalyzeRequest, CompareRequest, ErrorCode, PlanRequest, PruneRequest } from '../common/requests';
import { CancellationTokenSource, LSPErrorCodes } from 'vscode-languageserver-protocol';
import { reluOnly, tempDir } from './helpers';
import { startServer } from './lsp-server';

describe('the language server over stdio', () => {
  let proc: ChildProcess;
  let conn: MessageConnection;
  let demo: string;

  before(async () => {
    demo = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    const started = await startServer({ window: { workDoneProgress: true } });
    ({ proc, conn } = started);
    const init = started.init;
    assert.equal(init.serverInfo?.name, 'onnx-sparsity');
  });

  after(() => {
    conn.dispose();
    proc.kill();
  });

  it('answers onnxSparsity/analyze with the Report and reports progress on the given token', async () => {
    const events: string[] = [];
    const sub = conn.onProgress(WorkDoneProgress.type, 'tok-1', (v: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => { events.push(v.kind); });
    const r = await conn.sendRequest(AnalyzeRequest, { path: demo, workDoneToken: 'tok-1' });
    sub.dispose();
    assert.equal(r.schemaVersion, 1);
    assert.equal(r.layers.find((l) => l.name === 'conv2')?.nm['2:4'].ready, true);
    assert.equal(events[0], 'begin');
    assert.ok(events.includes('report'));
    assert.equal(events.at(-1), 'end');
  });

  it('plans again at another budget from its cached analysis, and writes and measures the pruned copy', async () => {
    const first = await conn.sendRequest(AnalyzeRequest, { path: demo });
    const plan = await conn.sendRequest(PlanRequest, { path: demo, plan: { target: 'h100+tensorrt', keep: 0.6 } });
    assert.equal(plan.kind, 'onnx-sparsity-plan');
    assert.equal(plan.budget.keep, 0.6);
    assert.ok(plan.estimate.l1Kept >= 0.6);
    assert.equal(plan.model.sha256, first.model.sha256);
    const out = path.join(path.dirname(demo), 'demo.pruned.onnx');
    const r = await conn.sendRequest(PruneRequest, { path: demo, plan: { target: 'h100+tensorrt', keep: 0.6 }, out, timing: { iterations: 5 } });
    assert.equal(r.prune.copy.path, out);
    assert.equal(r.b.model.path, out);
    assert.ok(r.prune.layers.every((l) => l.ok));
    assert.deepEqual(r.prune.layers.map((l) => l.prune), plan.layers.filter((l) => l.prune !== 'as-is').map((l) => l.prune));
    await assert.rejects(conn.sendRequest(PruneRequest, { path: demo, plan: {}, out: demo }), (e: { code: number; message: string }) => e.code === ErrorCode.usage && /never written over the original/.test(e.message));
    await assert.rejects(conn.sendRequest(PruneRequest, { path: demo, plan: {}, out: 'relative.onnx' }), (e: { code: number }) => e.code === ErrorCode.usage);
  });

  it('answers a corrupt model with a typed error naming the file, and stays up', async () => {
    const bad = path.join(tempDir(), 'corrupt.onnx');
    writeFileSync(bad, Buffer.from('this is not a protobuf model at all, just text'));
    await assert.rejects(conn.sendRequest(AnalyzeRequest, { path: bad }), (e: { code: number; message: string }) => {
      assert.equal(e.code, ErrorCode.analysis);
      assert.ok(e.message.includes(bad), e.message);
      return true;
    });
    const again = await conn.sendRequest(AnalyzeRequest, { path: demo });
    assert.equal(again.model.name, 'demo.onnx');
  });

  it('answers malformed options with a usage error', async () => {
    await assert.rejects(conn.sendRequest(AnalyzeRequest, { path: demo, options: { nm: ['5:4'] } }), (e: { code: number; message: string }) => {
      assert.equal(e.code, ErrorCode.usage);
      assert.match(e.message, /5:4/);
      return true;
    });
  });

  it('answers a second request for an unchanged model from its cache', async () => {
    const first = await conn.sendRequest(AnalyzeRequest, { path: demo, run: false });
    const t0 = performance.now();
    const second = await conn.sendRequest(AnalyzeRequest, { path: demo, run: false });
    assert.equal(second.createdAt, first.createdAt);
    assert.ok(performance.now() - t0 < 200);
    const other = await conn.sendRequest(AnalyzeRequest, { path: demo, run: false, options: { nm: ['1:4'] } });
    assert.notEqual(other.createdAt, first.createdAt, 'other settings, other report');
    // A copy elsewhere is the same content: its hash finds the report.
    const copy = path.join(tempDir(), 'copy.onnx');
    copyFileSync(demo, copy);
    assert.equal((await conn.sendRequest(AnalyzeRequest, { path: copy, run: false })).createdAt, first.createdAt);
    // Same size, other bytes (one weight changed in place): analysed again.
    const bytes = readFileSync(copy);
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(copy, bytes);
    assert.notEqual((await conn.sendRequest(AnalyzeRequest, { path: copy, run: false })).createdAt, first.createdAt);
  });

  it('compares two models layer by layer', async () => {
    const b = buildDemoModel();
    // fc2 fully zeroed in the second model.
    const fc2 = b.main.graph.initializer!.find((t) => t.name === 'fc2.weight')!;
    fc2.rawData = new Uint8Array(fc2.rawData!.length);
    const second = await writeModel(b, tempDir(), 'demo-b.onnx');
    const r = await conn.sendRequest(CompareRequest, { a: demo, b: second, run: false });
    assert.equal(r.a.model.name, 'demo.onnx');
    assert.equal(r.b.model.name, 'demo-b.onnx');
    const d = r.diff.layers.find((l) => l.name === 'fc2')!;
    assert.equal(d.sparsity, 0.5);
    assert.equal(r.diff.layers.find((l) => l.name === 'conv1')!.sparsity, 0);
    assert.deepEqual([r.diff.added, r.diff.removed], [[], []]);
  });

  it('cancels a long run when the client cancels the request', async () => {
    const slow = await writeModel(reluOnly([64, 4096]), tempDir(), 'slow.onnx');
    const source = new CancellationTokenSource();
    const events: string[] = [];
    const sub = conn.onProgress(WorkDoneProgress.type, 'tok-cancel', (v: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
      events.push(v.kind);
      if (v.kind === 'report' && (v.message ?? '').startsWith('instrumented run 2')) source.cancel();
    });
    await assert.rejects(conn.sendRequest(AnalyzeRequest, { path: slow, run: { samples: 500 }, workDoneToken: 'tok-cancel' }, source.token),
      (e: { code: number }) => e.code === LSPErrorCodes.RequestCancelled);
    sub.dispose();
    assert.equal(events.at(-1), 'end');
    const after = await conn.sendRequest(AnalyzeRequest, { path: demo, run: false });
    assert.equal(after.model.name, 'demo.onnx');
  });
});

