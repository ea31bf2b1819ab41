import type { Flow } from '../harness';
import { reportText } from '../report-check';
import { until } from '../wait';
import { expectReport } from './report';

/**
 * Cancel to "cancelled", and to the next report: both far below the ~20 s the slow model's run
 * takes. The client says "cancelled" only when the server answers the cancelled request, which it
 * does when its analysis loop has stopped (it throws on the aborted signal), so the notification
 * is the server's word that the work stopped.
 */
const STOP_WITHIN_MS = 10_000;

export const cancelAnalysis: Flow = {
  name: 'Cancel in the progress notification stops a long analysis; a new one runs',
  async run({ wb, ws, expected, log }) {
    await wb.rightClickFile('slow.onnx', 'Analyze Sparsity');
    const progress = wb.notification('Analyzing slow.onnx');
    // Cancel once the server is inside its run loop, not before the request has reached it.
    await until('the slow analysis to be running samples', 60_000, async () => /run \d+ of \d+/.test(await progress.innerText({ timeout: 1_000 })));
    await wb.screenshot('cancel-progress-notification');
    const t0 = Date.now();
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await wb.notification('Analysis of slow.onnx was cancelled.').waitFor({ timeout: STOP_WITHIN_MS });
    await progress.waitFor({ state: 'hidden', timeout: STOP_WITHIN_MS });
    log(`cancelled after ${Date.now() - t0} ms`);
    await wb.screenshot('cancel-cancelled');
    // A new analysis runs and is answered at once.
    const want = expected(ws.mlp);
    const t1 = Date.now();
    await wb.rightClickFile('mlp.onnx', 'Analyze Sparsity');
    await reportText(wb.webviewFrame(), 'mlp.onnx', STOP_WITHIN_MS);
    log(`next analysis shown after ${Date.now() - t1} ms`);
    await expectReport(wb, await want);
    await wb.screenshot('cancel-next-analysis');
  },
};
