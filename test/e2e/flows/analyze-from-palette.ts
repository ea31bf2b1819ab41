import type { Flow } from '../harness';
import { expectReport } from './report';

export const analyzeFromPalette: Flow = {
  name: 'palette: "Analyze Model..." with the file picker answered shows the same report',
  async run({ wb, ws, expected }) {
    await wb.palette('ONNX Sparsity: Analyze Model...');
    await wb.answerFilePicker(ws.demo, 'palette-file-picker');
    await expectReport(wb, await expected(ws.demo));
    await wb.screenshot('palette-analyze-report');
  },
};
