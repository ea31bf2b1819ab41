import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { InitializedNotification } from 'vscode-languageserver-protocol';
import { AnalyzeRequest } from '../common/requests';
import { buildDemoModel } from '../server/demo/demo-model';
import { writeModel } from '../server/onnx/builder';
import { tempDir } from './helpers';
import { startServer } from './lsp-server';

/**
 * The language server keeps one onnxruntime child started ahead of the next run
 * (server/child/run-in-child.ts keepWarmChild): an analysis takes it, and a new one starts once
 * that job is over; the spare exits with the server. Child processes are read from /proc.
 */

const linux = existsSync('/proc/self/task');

/** Pids of the direct children of `pid` running the onnxruntime child's script. */
function ortChildren(pid: number): number[] {
  const kids = readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  return kids.filter((k) => {
    try {
      return readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('ort-child.js');
    } catch {
      return false;
    }
  });
}

async function until<T>(what: string, f: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

describe('the language server\u2019s warm onnxruntime child', { skip: !linux && 'reads /proc' }, () => {
  let proc: ChildProcess;
  let conn: MessageConnection;
  let demo: string;

  before(async () => {
    demo = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    ({ proc, conn } = await startServer());
  });

  after(() => {
    conn.dispose();
    proc.kill('SIGKILL');
  });

  it('starts none before the handshake ends, one after it; an analysis runs in it, and the next one starts after the run', async () => {
    assert.deepEqual(ortChildren(proc.pid!), [], 'none while initialize is answered');
    await conn.sendNotification(InitializedNotification.type, {});
    const spare = await until('the spare child', () => ortChildren(proc.pid!)[0]);
    const r = await conn.sendRequest(AnalyzeRequest, { path: demo });
    assert.equal(r.run?.ok, true, r.run?.error);
    const next = await until('the next spare child', () => ortChildren(proc.pid!).find((p) => p !== spare));
    assert.equal(alive(spare), false, 'the spare ran the job and exited');
    assert.deepEqual(ortChildren(proc.pid!), [next], 'one spare at a time');
  });

  it('leaves no child behind when the server ends', async () => {
    const spare = await until('a spare child', () => ortChildren(proc.pid!)[0]);
    proc.kill('SIGKILL');
    await until('the spare to exit', () => (alive(spare) ? undefined : true));
  });
});
