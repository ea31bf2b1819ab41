import { until } from '../wait';
import type { Flow } from '../harness';
import { expectReport } from './report';

export const openByDoubleClick: Flow = {
  name: 'explorer: double-click on a .onnx opens the report editor, not a binary text editor',
  async run({ wb, ws, expected }) {
    await wb.doubleClickFile('demo.onnx');
    await until('the demo.onnx tab to be active', 30_000, async () => (await wb.activeTabTitle()) === 'demo.onnx');
    await expectReport(wb, await expected(ws.demo));
    // The report editor's title buttons show only when the active editor is the custom editor.
    await wb.editorAction('Re-analyze').waitFor();
    const group = wb.page.locator('.editor-group-container.active');
    if (await group.locator('.monaco-editor').count()) throw new Error('a text editor is open in the active group');
    if (/binary|unsupported text encoding/i.test(await group.innerText())) throw new Error('the editor says the file is binary');
    await wb.screenshot('double-click-report-editor');
  },
};
