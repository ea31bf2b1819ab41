import type { Flow } from '../harness';
import { expectReport } from './report';

export const analyzeFromExplorer: Flow = {
  name: 'explorer: right-click > Analyze Sparsity shows progress, then the CLI\'s figures in the report',
  async run({ wb, ws, expected }) {
    const want = expected(ws.demo);
    await wb.rightClickFile('demo.onnx', 'Analyze Sparsity');
    // The first analysis starts the server; the notification may be up for about a second only.
    await wb.waitSawNotification('Analyzing demo.onnx', 60_000);
    if (await wb.notification('Analyzing demo.onnx').isVisible()) await wb.screenshot('explorer-analyze-progress');
    if (await wb.sawNotification('Analyzing demo.onnx: Analyzing demo.onnx')) throw new Error('the progress notification repeats its title as its message');
    await expectReport(wb, await want);
    await wb.screenshot('explorer-analyze-report');
  },
};
