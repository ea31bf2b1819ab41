/**
 * Goal 3, fixed costs: a ~1 MiB model's report on stdout from process start (weights only, and
 * with the default run in the onnxruntime child), the language server's answer to `initialize`,
 * and `--version` against a bare `node -e 0`. Each figure is the best of several fresh processes.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { bestWall, type Goal } from './bench-goals';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SERVER = path.join(ROOT, 'dist', 'server.js');
const GOAL_REPORT_MS = 250;
const GOAL_INITIALIZE_MS = 150;
const RUNS = 5;

/** Spawn to the `initialize` reply of a fresh language server over stdio, ms. */
function initializeOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
    p.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    let got = '';
    p.stdout.on('data', (d: Buffer) => {
      got += d.toString();
      if (/"id":1/.test(got) && /"capabilities"/.test(got)) {
        const ms = performance.now() - t0;
        p.kill();
        resolve(ms);
      }
    });
    p.once('error', reject);
    p.once('exit', (code) => {
      if (!/"id":1/.test(got)) reject(new Error(`language server exited (${code}) before answering initialize`));
    });
  });
}

async function bestInitialize(): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) best = Math.min(best, await initializeOnce());
  return best;
}

/** Sizes for the fixed-cost model's symbolic dims (batch defaults to 1). */
const DIMS = ['--dim', 'h=32', '--dim', 'w=32'];

export async function fixedCosts(model: { file: string; label: string }): Promise<Goal[]> {
  const bare = bestWall(process.execPath, ['-e', '0'], RUNS);
  const version = bestWall(process.execPath, [CLI, '--version'], RUNS);
  const noRun = bestWall(process.execPath, [CLI, 'analyze', '--no-run', '--format', 'json', model.file], RUNS);
  const withRun = bestWall(process.execPath, [CLI, 'analyze', '--format', 'json', ...DIMS, model.file], RUNS);
  const init = await bestInitialize();
  console.log(`   node -e 0 ${bare.toFixed(0)} ms; onnx-sparsity --version ${version.toFixed(0)} ms`);
  console.log(`   ${model.label} report on stdout: weights only ${noRun.toFixed(0)} ms; with the default run (onnxruntime child) ${withRun.toFixed(0)} ms`);
  console.log(`   language server: spawn to initialize reply ${init.toFixed(0)} ms`);
  const goal = `3. ${model.label} report from process start < ${GOAL_REPORT_MS} ms`;
  return [
    { goal, subject: '--no-run', met: noRun < GOAL_REPORT_MS, text: `${noRun.toFixed(0)} ms (node -e 0: ${bare.toFixed(0)} ms)` },
    { goal, subject: 'default run', met: withRun < GOAL_REPORT_MS, text: `${withRun.toFixed(0)} ms` },
    { goal: `3. language server answers initialize < ${GOAL_INITIALIZE_MS} ms`, subject: 'dist/server.js', met: init < GOAL_INITIALIZE_MS, text: `${init.toFixed(0)} ms` },
  ];
}
