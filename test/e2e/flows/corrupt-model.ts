import type { Flow } from '../harness';
import { reportText } from '../report-check';
import { until } from '../wait';
import { expectReport } from './report';

export const corruptModel: Flow = {
  name: 'a corrupt .onnx gives a clear error notification; the next analysis still works',
  async run({ wb, ws, expected }) {
    await wb.rightClickFile('corrupt.onnx', 'Analyze Sparsity');
    const error = wb.notification(/Analysis of corrupt\.onnx failed/);
    await error.waitFor({ timeout: 60_000 });
    const message = await error.innerText();
    if (!message.includes(ws.corrupt) || !/not a valid ONNX model/i.test(message)) throw new Error(`the error does not name the file and what is wrong: ${message}`);
    // The report editor says it too, instead of staying blank.
    await until('the error in the corrupt.onnx report editor', 30_000, async () => /not a valid ONNX model/i.test(await wb.webviewFrame().locator('body').innerText({ timeout: 1_000 })));
    await wb.notification('Analyzing corrupt.onnx').waitFor({ state: 'hidden', timeout: 10_000 });
    await wb.screenshot('corrupt-model-error');
    await wb.rightClickFile('mlp.onnx', 'Analyze Sparsity');
    await reportText(wb.webviewFrame(), 'mlp.onnx');
    await expectReport(wb, await expected(ws.mlp));
    await wb.screenshot('after-corrupt-next-analysis');
  },
};
