/**
 * The report webview: says `ready`, draws what the host sends (a report, optionally with the diff
 * against the previous analysis, or a comparison of two), and sends export / re-analyze requests
 * whose replies are paired by id. The state is saved so a hidden-then-restored panel redraws at once.
 */
import type { ExportFormat, HostAction, HostToWebview } from '../common/protocol';
import { compareView } from './views/compare';
import { el } from './parts/dom';
import { reportView, type SortPrefs } from './views/report-view';
import { createRequests, type Outcome } from './host/requests';
import { createStatus } from './views/status';
import { createToolbar } from './views/toolbar';
import type { UiPrefs } from './parts/context';
import { slimShown, type Shown, type ViewState } from './host/vscode';

/** Re-analysis: 30 s without word from the host; each `busy` message restarts the clock. */
const REANALYZE_TIMEOUT_MS = 30_000;
/** Export waits on the host's save dialog, that is on the user, so it gets longer. */
const EXPORT_TIMEOUT_MS = 300_000;
/** An action waits on the user's answers in the editor, then on a new analysis. */
const ACTION_TIMEOUT_MS = 600_000;

const vscode = acquireVsCodeApi<ViewState>();
const saved = vscode.getState();
const state: ViewState = { shown: saved?.shown ?? null, sorts: saved?.sorts ?? {}, ui: saved?.ui ?? {}, nextId: saved?.nextId ?? 1 };
/** The full message last received, which the page draws; state.shown is its slim copy for reloads. */
let live: Shown | null = null;

const status = createStatus();
const requests = createRequests((m) => vscode.postMessage(m), done, state.nextId);
const toolbar = createToolbar(
  (format: ExportFormat) => {
    requests.send({ type: 'export', format }, EXPORT_TIMEOUT_MS);
    status.pending(`Exporting as ${format.toUpperCase()}\u2026`);
    save();
  },
  () => {
    requests.send({ type: 'reanalyze' }, REANALYZE_TIMEOUT_MS);
    toolbar.reanalyzing(true);
    status.pending('Re-analysis requested\u2026');
    save();
  },
);
/** Asks the editor for what only it can do; the reply is its outcome line. */
function act(action: HostAction): void {
  requests.send({ type: 'action', action }, ACTION_TIMEOUT_MS);
  status.pending(action === 'setInputSizes' ? 'Asking for input sizes\u2026' : 'Choosing sample inputs\u2026');
  save();
}
/** Asks the editor for a copy pruned by the plan at the picked budget; it answers once the copy is compared. */
function applyPlan(target: string, keep: number): void {
  requests.send({ type: 'applyPlan', target, keep }, ACTION_TIMEOUT_MS);
  status.pending(`Applying the plan for ${target} at ${(keep * 100).toFixed(1)}% of L1 kept\u2026`);
  save();
}
const content = el('main', { cls: 'content', attrs: { 'aria-live': 'off' } });
const sorts: SortPrefs = { get: (t) => state.sorts[t], set: (t, s) => { state.sorts[t] = s; save(); } };

function save(): void {
  clearTimeout(uiTimer);
  vscode.setState({ ...state, nextId: requests.nextId() });
}

// Selection changes come at key-repeat rate; setState serialises the whole slim report, so they are batched.
let uiTimer: ReturnType<typeof setTimeout> | undefined;
function saveUi(ui: UiPrefs): void {
  state.ui = ui;
  clearTimeout(uiTimer);
  uiTimer = setTimeout(save, 400);
}

function done(o: Outcome): void {
  const what = o.request.type === 'export' ? `Export as ${o.request.format.toUpperCase()}` : o.request.type === 'action' ? (o.request.action === 'setInputSizes' ? 'Input sizes' : 'Sample inputs')
    : o.request.type === 'applyPlan' ? 'Apply plan' : 'Re-analysis';
  if (o.request.type === 'reanalyze') toolbar.reanalyzing(requests.busy('reanalyze'));
  if (o.timedOut !== undefined) {
    // The host may still be working: a report that arrives later is drawn all the same.
    const later = o.request.type === 'reanalyze' ? ' If the analysis is still running, its report will appear when it ends.' : '';
    status.outcome(false, `${what}: no answer from VS Code for ${o.timedOut} s.${later}`);
    return;
  }
  status.outcome(o.ok, o.ok ? o.message || `${what} done.` : `${what} failed: ${o.message || 'no reason given.'}`);
}

function draw(shown: Shown | null): void {
  toolbar.enable(shown?.type === 'report');
  if (!shown) {
    content.replaceChildren(el('p', { cls: 'waiting' }, 'Waiting for the report\u2026'));
    return;
  }
  try {
    content.replaceChildren(shown.type === 'report'
      ? reportView(shown.report, shown.diff, sorts, state.ui ?? {}, saveUi, act, applyPlan)
      : compareView(shown.a, shown.b, shown.diff, sorts.get('compare'), (s) => sorts.set('compare', s), shown.prune));
    // For timing first paint in tests and profiles: the report's DOM is in place here.
    performance.mark('onnx-sparsity:drawn');
  } catch (e) {
    // A report this app cannot draw (an older or newer schema, say) must say so, not leave a blank panel.
    status.error(`Could not draw the report: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function handle(m: HostToWebview): void {
  switch (m.type) {
    case 'report':
    case 'compare':
      status.idle();
      live = m;
      state.shown = slimShown(m);
      save();
      draw(live);
      break;
    case 'busy':
      status.busy(m.message, m.fraction);
      requests.extend();
      break;
    case 'idle':
      status.idle();
      break;
    case 'error':
      status.idle();
      status.error(m.message);
      break;
    case 'reply':
      requests.settle(m);
      break;
  }
}

const isMessage = (d: unknown): d is HostToWebview => typeof d === 'object' && d !== null && typeof (d as { type?: unknown }).type === 'string';

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  if (isMessage(ev.data)) handle(ev.data);
});

function start(): void {
  document.body.append(el('div', { cls: 'top' }, toolbar.root, status.root), content);
  draw(live ?? state.shown);
  vscode.postMessage({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
