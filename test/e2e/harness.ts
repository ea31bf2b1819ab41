import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { Report } from '../../common/protocol';
import { startCodeServer, type CodeServer } from './code-server';
import { cliReport, writeWorkspace, type Workspace } from './fixtures';
import { ensureTools } from './setup';
import { Workbench } from './workbench';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
/** code-server runs here: the package for this platform, as `npm run package -- --target` writes it. */
const TARGET = `${process.platform}-${process.arch}`;
const VSIX = path.join(ROOT, 'packages', `${MANIFEST.name}-${TARGET}-${MANIFEST.version}.vsix`);

/** What a flow gets: the workbench, the workspace's fixture models, and the CLI's reports of them. */
export interface FlowContext {
  wb: Workbench;
  ws: Workspace;
  /** The CLI's JSON report of a model (with the workspace's settings), computed once per model. */
  expected(model: string): Promise<Report>;
  log(line: string): void;
}

/** One user flow: a name that says what a user does and sees, and the steps. */
export interface Flow {
  name: string;
  run(ctx: FlowContext): Promise<void>;
}

/** Fails with every problem listed, or passes when there are none. */
export function expectNone(problems: string[], what: string): void {
  if (problems.length) throw new Error(`${what}:\n  ${problems.join('\n  ')}`);
}

/** Screenshots and, after a failure, logs: `ONNX_SPARSITY_E2E_ARTIFACTS`, else a folder in the temp folder (the latest run's only). */
export function artifactsDir(): string {
  return process.env.ONNX_SPARSITY_E2E_ARTIFACTS || path.join(os.tmpdir(), 'onnx-sparsity-e2e-artifacts');
}

/**
 * Everything one end-to-end run starts: the packaged extension in a fresh code-server profile,
 * a workspace of fixture models, headless Chromium on the workbench. `close` stops all of it
 * (by process group for code-server), also after a failure or an interrupt.
 */
export class Session {
  private server: CodeServer | undefined;
  private browser: Browser | undefined;
  private closed = false;
  private readonly reports = new Map<string, Promise<Report>>();
  wb: Workbench | undefined;
  ws: Workspace | undefined;
  readonly timings: [string, number][] = [];

  private constructor(readonly runDir: string, readonly artifacts: string, readonly log: (line: string) => void) {}

  static create(log: (line: string) => void): Session {
    const artifacts = artifactsDir();
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    return new Session(mkdtempSync(path.join(os.tmpdir(), 'onnx-sparsity-e2e-')), artifacts, log);
  }

  /** Times one step and records it for the summary. */
  async step<T>(name: string, work: () => T | Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      const s = (performance.now() - t0) / 1000;
      this.timings.push([name, s]);
      this.log(`${name}: ${s.toFixed(1)} s`);
    }
  }

  async start(): Promise<void> {
    const tools = await this.step('set-up (Debian packages, Node 24, code-server; cached)', () => ensureTools(this.log));
    await this.step(`npm run package -- --target ${TARGET}`, () => {
      const r = spawnSync('npm', ['run', 'package', '--', '--target', TARGET], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
    });
    this.ws = await writeWorkspace(path.join(this.runDir, 'workspace'));
    this.server = await this.step('code-server start (extension installed into a fresh profile)', () => startCodeServer(tools, path.join(this.runDir, 'profile'), VSIX));
    this.log(`code-server ${this.server.url} (process group ${this.server.pid})`);
    this.browser = await chromium.launch({ executablePath: tools.chromium, headless: true });
    await this.step('workbench open, extension listed', async () => {
      this.wb = await Workbench.open(this.browser!, this.server!.url, this.ws!.dir, this.artifacts, this.log);
      await this.wb.waitForCommand('ONNX Sparsity: Analyze Model...');
    });
  }

  context(): FlowContext {
    if (!this.wb || !this.ws) throw new Error('the session has not started');
    return { wb: this.wb, ws: this.ws, expected: (m) => this.expected(m), log: this.log };
  }

  private expected(model: string): Promise<Report> {
    let r = this.reports.get(model);
    if (!r) {
      // The CLI's benchmark cache stays in this run's folder, like the extension's (under the profile's HOME).
      r = cliReport(CLI, model, { ...process.env, ONNX_SPARSITY_CACHE: path.join(this.runDir, 'cli-cache') });
      this.reports.set(model, r);
    }
    return r;
  }

  /** After a failed flow: a screenshot and the logs that say what the extension did. */
  async keepEvidence(name: string): Promise<void> {
    await this.wb?.screenshot(`FAILED-${name}`).catch((e: unknown) => this.log(`no screenshot: ${String(e)}`));
    const logs = path.join(this.artifacts, 'logs');
    if (this.server && existsSync(this.server.logFile)) cpSync(this.server.logFile, path.join(logs, 'code-server.log'));
    const vscodeLogs = this.server && path.join(this.server.userDataDir, 'logs');
    if (vscodeLogs && existsSync(vscodeLogs)) cpSync(vscodeLogs, path.join(logs, 'vscode'), { recursive: true });
  }

  /** Stops Chromium and code-server's process group, and removes the run's folder. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.browser?.close().catch((e: unknown) => this.log(`closing Chromium: ${String(e)}`));
    await this.server?.stop().catch((e: unknown) => this.log(`stopping code-server: ${String(e)}`));
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
