import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, LanguageClient, RevealOutputChannelOn, State, TransportKind, WorkDoneProgress,
  type ErrorHandler, type RequestParam, type RequestType, type WorkDoneProgressParams,
} from 'vscode-languageclient/node';
import { Activity, withRequestProgress, type Step } from './progress';

/** Crashes within this window count together; past the limit the server stays down until the next request. */
const CRASH_WINDOW_MS = 3 * 60_000;
const MAX_CRASHES = 4;

/**
 * The language server (dist/server.js, the engine in its own process). Started on first use,
 * restarted when it crashes (the user is told once), stopped with the extension. Client-lifetime
 * resources live here; the output channel and status item live as long as the extension.
 */
export class Server implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('ONNX Sparsity', { log: true });
  private readonly activity: Activity;
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private crashes: number[] = [];
  private toldAboutCrash = false;
  private inFlight = 0;
  private restartWhenIdle = false;

  constructor(private readonly serverModule: string, logCommand: string) {
    this.activity = new Activity(logCommand);
  }

  /**
   * Sends a typed request with a fresh work-done token; its progress feeds a cancellable
   * notification, the status bar and `onStep` (the report view's busy line).
   */
  async request<P extends WorkDoneProgressParams, R>(
    type: RequestType<P, R, void>, params: P, title: string, onStep?: (s: Step) => void, cancel?: vscode.CancellationToken,
    opts: { notify?: boolean } = {},
  ): Promise<R> {
    this.inFlight++;
    const id = this.activity.begin(title);
    try {
      const client = await this.started();
      // Background work (a check after each analysis) shows in the status bar only, not as a notification.
      if (opts.notify === false) return await client.sendRequest(type, params as RequestParam<P>, cancel);
      return await withRequestProgress(title, cancel, async (token, onValue) => {
        const workDoneToken = randomUUID();
        const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          const step = onValue(v);
          if (step) {
            this.activity.update(id, step);
            onStep?.(step);
          }
        });
        try {
          // P is an object type, so RequestParam<P> (P, or P | undefined for null) is P; TypeScript cannot resolve that for a type parameter.
          const withToken = { ...params, workDoneToken } as RequestParam<P>;
          return await client.sendRequest(type, withToken, token);
        } finally {
          sub.dispose();
        }
      });
    } finally {
      this.activity.end(id);
      if (--this.inFlight === 0 && this.restartWhenIdle) void this.stop();
    }
  }

  /** Stops the server once nothing runs; the next request starts a fresh one. */
  restartSoon(reason: string): void {
    this.log.info(`${reason}: the server restarts once no analysis runs.`);
    if (this.inFlight === 0) void this.stop();
    else this.restartWhenIdle = true;
  }

  showLog(): void {
    this.log.show(true);
  }

  private started(): Promise<LanguageClient> {
    // A client the crash handler gave up on stays stopped: replace it.
    if (this.client?.state === State.Stopped) {
      void this.client.dispose().catch((e: unknown) => this.logFailure('Disposing a stopped client', e));
      this.client = undefined;
      this.starting = undefined;
    }
    this.starting ??= this.start().catch((e: unknown) => {
      this.starting = undefined;
      throw new Error(`the analysis server did not start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    });
    return this.starting;
  }

  private async start(): Promise<LanguageClient> {
    // IPC: the server is a Node module we ship, and createConnection picks the transport from argv.
    const module = { module: this.serverModule, transport: TransportKind.ipc };
    const client = new LanguageClient('onnxSparsity', 'ONNX Sparsity', { run: module, debug: module }, {
      // No documents: the server only answers our custom requests.
      documentSelector: [],
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler: this.errorHandler(),
    });
    this.client = client;
    try {
      await client.start();
    } catch (e) {
      this.client = undefined;
      await client.dispose().catch((d: unknown) => this.logFailure('Disposing a client that did not start', d));
      throw e;
    }
    return client;
  }

  private errorHandler(): ErrorHandler {
    return {
      // A malformed message is not worth a restart; a stream of them is.
      error: (_e, _m, count) => ({ action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
      closed: () => {
        const now = Date.now();
        this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
        if (this.crashes.length > MAX_CRASHES) {
          const message = `The ONNX Sparsity server stopped ${this.crashes.length} times in 3 minutes; it starts again with the next analysis.`;
          void vscode.window.showErrorMessage(message, 'Show Server Log').then((a) => a && this.showLog());
          return { action: CloseAction.DoNotRestart, message, handled: true };
        }
        if (!this.toldAboutCrash) {
          this.toldAboutCrash = true;
          void vscode.window.showWarningMessage('The ONNX Sparsity server stopped unexpectedly and was restarted. A running analysis was lost; run it again.', 'Show Server Log')
            .then((a) => a && this.showLog());
        }
        return { action: CloseAction.Restart, handled: true };
      },
    };
  }

  /** Stop with a timeout (a server stuck in a long native call must not hold VS Code), then dispose. */
  async stop(): Promise<void> {
    this.restartWhenIdle = false;
    const client = this.client;
    this.client = undefined;
    this.starting = undefined;
    if (!client) return;
    try {
      if (client.isRunning()) await client.stop(2000);
    } catch (e) {
      this.logFailure('Stopping the server', e);
    }
    await client.dispose(2000).catch((e: unknown) => this.logFailure('Disposing the client', e));
  }

  private logFailure(what: string, e: unknown): void {
    this.log.warn(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }

  dispose(): void {
    void this.stop();
    this.activity.dispose();
    this.log.dispose();
  }
}
