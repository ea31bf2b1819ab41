import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { CancellationTokenSource, LSPErrorCodes, WorkDoneProgress, type WorkDoneProgressReport } from 'vscode-languageserver-protocol';
import { AnalyzeRequest, ErrorCode } from '../common/requests';
import { buildDemoModel } from '../server/demo/demo-model';
import { ModelBuilder, writeModel } from '../server/onnx/builder';
import { tempDir } from './helpers';
import { expandModel, loopModel } from './hostile-models';
import { startServer } from './lsp-server';

/**
 * The server never goes deaf: a model runs in a child process, so while an endless Loop runs the
 * server answers another request at once, a cancel ends the run's request within a second, and a
 * run that hits a limit is that request's error only.
 */
describe('the language server while a model runs', () => {
  let proc: ChildProcess;
  let conn: MessageConnection;
  let demo: string;
  let forever: string;

  before(async () => {
    const dir = tempDir();
    demo = await writeModel(buildDemoModel(), dir, 'demo.onnx');
    forever = await writeModel(loopModel(), dir, 'forever.onnx');
    ({ proc, conn } = await startServer({ window: { workDoneProgress: true } }));
  });

  after(() => {
    conn.dispose();
    proc.kill();
  });

  /** Starts analysing the endless model; resolves once its run has begun (first 'run' progress). */
  async function startEndless(token: string, source: CancellationTokenSource): Promise<{ request: Promise<unknown> }> {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const sub = conn.onProgress(WorkDoneProgress.type, token, (v) => {
      if (v.kind === 'report' && /timing a plain run|instrumented/.test((v as WorkDoneProgressReport).message ?? '')) started();
    });
    const request = conn.sendRequest(AnalyzeRequest, { path: forever, workDoneToken: token }, source.token);
    request.catch(() => undefined);
    await running;
    sub.dispose();
    // Wrapped: an async function returning the promise itself would wait for it.
    return { request };
  }

  it('answers a cheap request at once while an endless Loop runs, and ends that run within a second of the cancel', async () => {
    const source = new CancellationTokenSource();
    const { request: endless } = await startEndless('tok-endless', source);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await conn.sendRequest(AnalyzeRequest, { path: demo, run: false, options: { nm: [`${1 + (i % 2)}:4`] } });
      delays.push(performance.now() - t0);
      assert.equal(r.model.name, 'demo.onnx');
    }
    const t0 = performance.now();
    source.cancel();
    await assert.rejects(endless, (e: { code: number }) => e.code === LSPErrorCodes.RequestCancelled);
    const cancelMs = performance.now() - t0;
    console.log(`    weights-only requests during the endless run answered in ${delays.map((d) => d.toFixed(0)).join(', ')} ms; the cancel ended the run's request in ${cancelMs.toFixed(0)} ms`);
    assert.ok(Math.max(...delays) < 1000, `a request waited ${Math.max(...delays).toFixed(0)} ms`);
    assert.ok(cancelMs < 1000, `cancel took ${cancelMs.toFixed(0)} ms`);
  });

  it('stops a run at its time limit and keeps the weight report', async () => {
    const t0 = performance.now();
    const r = await conn.sendRequest(AnalyzeRequest, { path: forever, run: { timeoutSeconds: 1 } });
    assert.equal(r.run?.ok, false);
    assert.match(r.run!.error!, /took longer than 1 s \(the time limit\)/);
    assert.equal(r.weights.length, 2);
    assert.ok(performance.now() - t0 < 5000);
  });

  it('stops a run at its memory limit: that request gets a report without the run, the server goes on', async () => {
    const big = await writeModel(expandModel(2 ** 28), tempDir(), 'expand.onnx');
    const r = await conn.sendRequest(AnalyzeRequest, { path: big, run: { memoryLimit: 256 * 2 ** 20, memoryBudget: 2 ** 31 } });
    assert.equal(r.run?.ok, false);
    assert.match(r.run!.error!, /stopped when it reached \d+ MiB of memory \(the limit is 256 MiB\)/);
    assert.equal((await conn.sendRequest(AnalyzeRequest, { path: demo, run: false })).model.name, 'demo.onnx');
  });

  it('holds about the memory after analysing a 3,000-node model that it held before (the run was another process)', async () => {
    const b = new ModelBuilder();
    let prev = 'x';
    for (let i = 0; i < 3000; i++) {
      b.main.node(i % 2 ? 'Relu' : 'Neg', [prev], [i === 2999 ? 'y' : `v${i}`], {}, `n${i}`);
      prev = `v${i}`;
    }
    b.main.input('x', 'float32', [1, 64]).output('y', 'float32', [1, 64]);
    const wide = await writeModel(b, tempDir(), 'wide.onnx');
    const rss = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))![1]) / 1024;
    const before = rss();
    const r = await conn.sendRequest(AnalyzeRequest, { path: wide });
    assert.equal(r.run?.ok, true, r.run?.error);
    assert.equal(r.run?.strategy, 'copy-out');
    const after = rss();
    console.log(`    server RSS ${before.toFixed(0)} MiB before, ${after.toFixed(0)} MiB after analysing 3,000 nodes (its run peaked at ${r.run?.peakRssMiB?.toFixed(0)} MiB in the run's own process)`);
    assert.ok(after - before < 150, `server grew by ${(after - before).toFixed(0)} MiB`);
  });

  const usage: [string, Record<string, unknown>, RegExp][] = [
    ['a billion samples', { run: { samples: 1e9 } }, /run\.samples must be an integer in \[1, 10000\]/],
    ['2000 threads', { run: { threads: 2000 } }, /run\.threads must be an integer in \[0, \d+\]/],
    ['a fractional sample count', { run: { samples: 1.5 } }, /run\.samples must be an integer/],
    ['a string where a number goes', { run: { memoryBudget: '1G' } }, /run\.memoryBudget must be an integer/],
    ['a relative path', { path: 'demo.onnx' }, /path must be an absolute path, not 'demo\.onnx'/],
    ['no path', { path: undefined }, /path must be the absolute path of a file/],
    ['a relative input path', { run: { inputs: ['x.npy'] } }, /run\.inputs\[0\] must be an absolute path/],
    ['a relative profile path', { estimate: { accelerators: 'chips.json' } }, /estimate\.accelerators must be an absolute path/],
    ['a negative threshold', { options: { nearZero: { value: -1, relative: false } } }, /options\.nearZero\.value must be a number in \[0, /],
  ];
  for (const [what, params, message] of usage) {
    it(`answers ${what} with a usage error naming the field, at once`, async () => {
      const t0 = performance.now();
      await assert.rejects(conn.sendRequest(AnalyzeRequest, { path: demo, ...params } as never), (e: { code: number; message: string }) => {
        assert.equal(e.code, ErrorCode.usage, e.message);
        assert.match(e.message, message);
        return true;
      });
      assert.ok(performance.now() - t0 < 1000);
    });
  }

  it('reads /etc/passwd as an untrusted model: an error that quotes none of it', async () => {
    await assert.rejects(conn.sendRequest(AnalyzeRequest, { path: '/etc/passwd' }), (e: { code: number; message: string }) => {
      assert.equal(e.code, ErrorCode.analysis);
      assert.doesNotMatch(e.message, /root|bin\/|nologin/);
      return true;
    });
  });
});
