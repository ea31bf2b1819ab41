import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { AnalyzeRequest, CheckRequest, CompareRequest, ErrorCode } from '../common/requests';
import { gateModels, writeJson, type GateModels } from './gates-fixtures';
import { startServer } from './lsp-server';

/** The language server's side of the gates: CheckRequest (the status bar's check) and a saved report as a comparison side. */

describe('the language server checks and compares with saved reports', () => {
  let proc: ChildProcess;
  let conn: MessageConnection;
  let m: GateModels;
  let saved = '';

  before(async () => {
    m = await gateModels();
    ({ proc, conn } = await startServer());
    saved = writeJson(m.dir, 'baseline.sparsity.json', await conn.sendRequest(AnalyzeRequest, { path: m.baseline, run: false }));
  });

  after(() => {
    conn.dispose();
    proc.kill();
  });

  it('answers onnxSparsity/check with the outcomes of the rules file, its baseline read relative to it', async () => {
    const rules = writeJson(m.dir, 'onnx-sparsity.rules.json', { baseline: 'baseline.sparsity.json', keepNmReady: ['2:4'], minTotalSparsity: 0.4 });
    const bad = await conn.sendRequest(CheckRequest, { path: m.regressed, rules, run: false });
    assert.equal(bad.passed, false);
    assert.deepEqual(bad.outcomes.map((o) => [o.rule, o.status]), [['minTotalSparsity', 'pass'], ['keepNmReady', 'fail']]);
    assert.equal(bad.baseline?.path, saved);
    const good = await conn.sendRequest(CheckRequest, { path: m.baseline, rules, run: false });
    assert.equal(good.passed, true);
  });

  it('answers a bad rules file or a relative path with a usage error naming it', async () => {
    const rules = writeJson(m.dir, 'typo.rules.json', { minTotalSparsty: 0.4 });
    await assert.rejects(conn.sendRequest(CheckRequest, { path: m.regressed, rules, run: false }), (e: { code: number; message: string }) => {
      assert.equal(e.code, ErrorCode.usage);
      assert.ok(e.message.includes(`${rules}: unknown field 'minTotalSparsty'`), e.message);
      return true;
    });
    await assert.rejects(conn.sendRequest(CheckRequest, { path: m.regressed, rules: 'rules.json', run: false }), (e: { code: number; message: string }) => e.code === ErrorCode.usage && /rules must be an absolute path/.test(e.message));
  });

  it('compares a saved baseline report with a model', async () => {
    const r = await conn.sendRequest(CompareRequest, { a: saved, b: m.regressed, run: false });
    assert.equal(r.a.model.path, m.baseline);
    assert.deepEqual(r.diff.patterns.find((p) => p.pattern === '2:4')?.lost, ['enc/q']);
  });
});
